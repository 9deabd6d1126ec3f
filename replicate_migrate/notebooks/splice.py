"""Replace cells' `source` values inside the notebook's JSON text, leaving every other byte alone.

Splicing into the original text, rather than dumping the parsed notebook again, is what keeps
unchanged cells, outputs and metadata byte-identical whatever tool wrote the file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping

from replicate_migrate.notebooks.magics import code_lines

_DECODER = json.JSONDecoder()
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_NON_ASCII_ESCAPE = re.compile(r"\\u(?!00[0-7])[0-9a-fA-F]{4}")


def replace_sources(text: str, sources: Mapping[int, str]) -> str:
    """`text` with the source of each cell index in `sources` replaced, in its old form and layout."""
    spans = _source_spans(text)
    ensure_ascii = text.isascii() and bool(_NON_ASCII_ESCAPE.search(text))
    indent = _detect_indent(text)
    separator = _item_separator(text)
    result = text
    for index in sorted(sources, reverse=True):  # back to front keeps earlier offsets valid
        start, end = spans[index]
        value = _dump_source(text, start, sources[index], indent, ensure_ascii, separator)
        result = result[:start] + value + result[end:]
    return result


def _source_spans(text: str) -> list[tuple[int, int]]:
    """The (start, end) offsets of every cell's `source` value in the notebook text."""
    members = {key: (start, end) for key, start, end in _members(text, _skip(text, 0))}
    spans: list[tuple[int, int]] = []
    for cell_start, _ in _items(text, members["cells"][0]):
        cell = {key: (start, end) for key, start, end in _members(text, cell_start)}
        spans.append(cell.get("source", (cell_start, cell_start)))
    return spans


def _skip(text: str, i: int) -> int:
    match = _WHITESPACE.match(text, i)
    return match.end() if match else i


def _members(text: str, i: int) -> Iterator[tuple[str, int, int]]:
    i = _skip(text, i + 1)  # past "{"
    while text[i] != "}":
        key, i = _DECODER.raw_decode(text, i)
        start = _skip(text, _skip(text, i) + 1)  # past ":"
        _, end = _DECODER.raw_decode(text, start)
        yield key, start, end
        i = _skip(text, end)
        i = _skip(text, i + 1) if text[i] == "," else i


def _items(text: str, i: int) -> Iterator[tuple[int, int]]:
    i = _skip(text, i + 1)  # past "["
    while text[i] != "]":
        _, end = _DECODER.raw_decode(text, i)
        yield i, end
        i = _skip(text, end)
        i = _skip(text, i + 1) if text[i] == "," else i


def _detect_indent(text: str) -> str | None:
    match = re.match(r"\s*[{\[]\r?\n([ \t]+)", text)
    return match.group(1) if match else None


def _item_separator(text: str) -> str:
    """`,` in compact JSON, `, ` as json.dumps writes by default: what follows the first value."""
    members = _members(text, _skip(text, 0))
    first = next(members, None)
    if first is None or text[_skip(text, first[2])] != ",":
        return ", "
    comma = _skip(text, first[2])
    gap = text[comma + 1 : _skip(text, comma + 1)]
    return ", " if "\n" in gap else "," + gap


def _dump_source(
    text: str, start: int, code: str, indent: str | None, ensure_ascii: bool, separator: str
) -> str:
    """The JSON for a new cell source in the old one's form (string or list) and layout."""
    if text[start] == '"':
        return json.dumps(code, ensure_ascii=ensure_ascii)
    lines = [line + "\n" for line in code_lines(code)]
    if lines and not code.endswith("\n"):
        lines[-1] = lines[-1][:-1]
    if indent is None:  # one line: the items are separated as the rest of the file is
        return json.dumps(lines, separators=(separator, ":"), ensure_ascii=ensure_ascii)
    dumped = json.dumps(lines, indent=indent, ensure_ascii=ensure_ascii)
    line_start = text.rfind("\n", 0, start) + 1
    base = re.match(r"[ \t]*", text[line_start:start])
    return dumped.replace("\n", "\n" + (base.group() if base else ""))
