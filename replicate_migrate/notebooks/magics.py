"""IPython-only lines (magics, shell escapes, `obj?`) swapped for Python placeholders.

A placeholder keeps the line's indentation and the line count, so line numbers still map back
to the cell; `x = !ls` becomes `x = None` so the analysis still sees `x` rebound.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Only logical-line starts are tested, so `%`, `!` and `?` here can never be Python.
_LINE_MAGIC = re.compile(r"[ \t]*[%!?]")
_ASSIGN_MAGIC = re.compile(r"([ \t]*)([\w.]+(?:[ \t]*,[ \t]*[\w.]+)*)[ \t]*=[ \t]*[%!]")
_HELP_END = re.compile(r"[ \t]*%{0,2}[\w.*\[\]]+\?\??[ \t]*$")
# Cell magics whose body is Python that Jupyter runs in the notebook's namespace.
_PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun"})


def code_lines(code: str) -> list[str]:
    """The lines of a cell's code, without their ends (`engine.outline.split_lines` keeps them)."""
    # Only "\n" ends a line: json cell sources are split on it, and str.splitlines would also
    # split on form feeds and Unicode separators that Python treats as ordinary characters.
    lines = code.split("\n")
    return lines[:-1] if lines[-1] == "" else lines


def mask_magics(lines: list[str], tag: str, magics: list[str]) -> list[str]:
    """Replace IPython-only lines with placeholders of the same count; record the originals."""
    first = next((i for i, line in enumerate(lines) if line.strip()), 0)
    if not lines or not lines[first].startswith("%%"):
        return _mask_line_magics(lines, tag, magics)
    name = (lines[first][2:].split() or [""])[0]
    if name not in _PYTHON_CELL_MAGICS:  # `%%bash` etc: the whole cell is another language
        return [_placeholder("", "pass", tag, magics, line) for line in lines]
    head = [_placeholder("", "pass", tag, magics, line) for line in lines[: first + 1]]
    return head + _mask_line_magics(lines[first + 1 :], tag, magics)


def _mask_line_magics(lines: list[str], tag: str, magics: list[str]) -> list[str]:
    out: list[str] = []
    state = _ScanState()
    i = 0
    while i < len(lines):
        if state.at_logical_start and _is_magic(lines[i]):
            indent, statement = _placeholder_statement(lines[i])
            while True:  # IPython joins backslash-continued lines into the magic
                out.append(_placeholder(indent, statement, tag, magics, lines[i]))
                statement = "pass"
                i += 1
                if not lines[i - 1].rstrip("\r").endswith("\\") or i == len(lines):
                    break
            continue
        out.append(lines[i])
        state = state.feed(lines[i])
        i += 1
    return out


def _is_magic(line: str) -> bool:
    return bool(
        _LINE_MAGIC.match(line) or _ASSIGN_MAGIC.match(line) or _HELP_END.match(line.rstrip("\r"))
    )


def _placeholder_statement(line: str) -> tuple[str, str]:
    """Indentation and a statement standing in for the magic; `x = !ls` still binds `x`."""
    assign = _ASSIGN_MAGIC.match(line)
    if assign:
        return assign.group(1), f"{assign.group(2)} = None"
    indent = line[: len(line) - len(line.lstrip(" \t"))]
    return indent, "pass"


def _placeholder(indent: str, statement: str, tag: str, magics: list[str], line: str) -> str:
    magics.append(line)
    return f"{indent}{statement}  # {tag}:magic {len(magics) - 1}"


@dataclass(frozen=True)
class _ScanState:
    """Where a line leaves the tokenizer: inside a string, inside brackets, or after a `\\`."""

    quote: str = ""
    depth: int = 0
    continued: bool = False

    @property
    def at_logical_start(self) -> bool:
        return not self.quote and self.depth == 0 and not self.continued

    def feed(self, line: str) -> _ScanState:
        line = line.rstrip("\r")
        quote, depth, i = self.quote, self.depth, 0
        while i < len(line):
            char = line[i]
            if quote:
                if char == "\\":
                    i += 2
                    continue
                if line.startswith(quote, i):
                    i, quote = i + len(quote), ""
                    continue
            elif char == "#":
                return _ScanState("", depth, False)
            elif char in "'\"":
                quote = line[i : i + 3] if line[i : i + 3] in ("'''", '"""') else char
                i += len(quote)
                continue
            elif char in "([{":
                depth += 1
            elif char in ")]}":
                depth = max(depth - 1, 0)
            i += 1
        continued = line.endswith("\\")
        if len(quote) == 1 and not continued:
            quote = ""  # an unterminated one-line string is a syntax error; don't carry it
        return _ScanState(quote, depth, continued)
