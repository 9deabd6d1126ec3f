"""A rewrite as text edits (range, old text, new text), for the JSON report, as ruff gives fixes."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from replicate_migrate.engine.source import SourceError, decode_python
from replicate_migrate.results import FileResult


@dataclass(frozen=True)
class TextEdit:
    """Replace `old` (from start to end, end exclusive; 1-based lines and columns) by `new`.

    Columns count characters of the decoded text, as editors and the findings do.
    """

    start: tuple[int, int]
    end: tuple[int, int]
    old: str
    new: str


def file_edits(result: FileResult) -> list[TextEdit]:
    """The edits that turn the file's text into the migrated text; [] when unchanged."""
    if not result.changed or result.migrated is None:
        return []
    return text_edits(_text(result.original), _text(result.migrated))


def text_edits(old: str, new: str) -> list[TextEdit]:
    """The smallest edits per changed run of lines: common characters at both ends kept."""
    a, b = _lines(old), _lines(new)
    edits = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            edits.append(_trimmed(i1 + 1, "".join(a[i1:i2]), "".join(b[j1:j2])))
    return edits


def _trimmed(line: int, old: str, new: str) -> TextEdit:
    prefix = len(_common_prefix(old, new))
    suffix = len(_common_prefix(old[prefix:][::-1], new[prefix:][::-1]))
    start, end = prefix, len(old) - suffix
    return TextEdit(
        _position(line, old, start),
        _position(line, old, end),
        old[start:end],
        new[prefix : len(new) - suffix],
    )


def _position(line: int, text: str, offset: int) -> tuple[int, int]:
    before = text[:offset]
    newlines = before.count("\n")
    column = offset - (before.rfind("\n") + 1) if newlines else offset
    return line + newlines, column + 1


def _lines(text: str) -> list[str]:
    # "\n" only, as positions are counted: str.splitlines also breaks at form feeds.
    lines = [line + "\n" for line in text.split("\n")]
    lines[-1] = lines[-1][:-1]
    return lines if lines[-1] else lines[:-1]


def _common_prefix(a: str, b: str) -> str:
    return a[: next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))]


def _text(data: bytes) -> str:
    try:
        return decode_python(data, "")
    except SourceError:
        return data.decode("utf-8", "replace")
