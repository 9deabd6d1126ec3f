"""Which sources may import a module: the words of their import statements, by bytes search.

The run looks for the callers of project functions in every source of the project (the
standard library copied into a tree: thousands of files). Indexing every word of every
source cost more than the rest of such a run; a caller, though, must name the top-level
package of the module it imports in an import statement (`from pkg.mod import f`,
`import pkg.mod`, `importlib.import_module("pkg.mod")`), or import it relatively. So only
the lines saying `import` are read, each with the lines a backslash joins to it
(`from pkg.mod \\` then `import f`), a few percent of the bytes. A line saying `import`
in a string or a comment counts too: the index may admit a file that cannot import the
module (the exact check in crossfile.py follows), never miss one that can.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

_WORD = re.compile(rb"[A-Za-z_\x80-\xff][A-Za-z0-9_\x80-\xff]*")


class ImportIndex:
    """Words of each source's import statements -> the sources; relative importers by root."""

    def __init__(self, sources: Sequence[tuple[str, bytes]], keys: Mapping[str, str]) -> None:
        self.words: dict[bytes, list[int]] = {}
        self.relative: dict[str, list[int]] = {}  # root token (`@0`) -> sources with `from .`
        for number, (path, data) in enumerate(sources):
            text = import_lines(data)
            for word in set(_WORD.findall(text)):
                self.words.setdefault(word, []).append(number)
            if b"from ." in text:
                self.relative.setdefault(keys[path].split(".", 1)[0], []).append(number)

    def candidates(self, owners: Iterable[str]) -> list[int]:
        """The sources that may import one of these modules (project keys), in order."""
        found: set[int] = set()
        for owner in owners:
            token, _, dotted = owner.partition(".")
            if dotted:
                found.update(self.words.get(dotted.split(".", 1)[0].encode(), ()))
                found.update(self.relative.get(token, ()))
        return sorted(found)


def import_lines(data: bytes) -> bytes:
    """The lines of `data` saying `import`, with the lines backslashes join to them."""
    lines: list[bytes] = []
    at = data.find(b"import")
    while at >= 0:
        start = data.rfind(b"\n", 0, at) + 1
        while start > 1 and _continued(data, start - 1):
            start = data.rfind(b"\n", 0, start - 1) + 1
        end = data.find(b"\n", at)
        while end >= 0 and _continued(data, end):
            end = data.find(b"\n", end + 1)
        end = len(data) if end < 0 else end
        lines.append(data[start:end])
        at = data.find(b"import", end)
    return b"\n".join(lines)


def _continued(data: bytes, newline: int) -> bool:
    """True when the line ending at index `newline` (a LF) ends with a backslash."""
    before = newline - 1 if newline > 0 and data[newline - 1] == 0x0D else newline  # CRLF
    return before > 0 and data[before - 1] == 0x5C
