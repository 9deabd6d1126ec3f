"""A notebook's code cells as one Python module, and the rewritten module put back into the notebook.

The engine analyses a notebook the way Jupyter runs it: one namespace, cells in order. IPython
syntax (magics, shell escapes, `obj?`) becomes placeholder lines that keep every line number, so
findings map back to a cell and a line. Writing back splices only the changed cells' `source`
values into the original JSON text, so everything else (outputs, metadata, layout) stays
byte-identical and the diff shows only the changed lines.
"""

from __future__ import annotations

import ast
import bisect
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from replicate_migrate.notebooks.magics import code_lines, mask_magics
from replicate_migrate.notebooks.splice import replace_sources

_PLACEHOLDER_TAG = "replicate-migrate"


class NotebookError(Exception):
    """The file is not a notebook we can read, or a rewrite no longer maps onto its cells."""


@dataclass(frozen=True)
class NotebookSource:
    """A notebook's code cells joined into one module, plus what is needed to put them back."""

    path: str
    python: str  # a marker comment line before each code cell, then the cell's lines
    cell_lines: tuple[tuple[int, int], ...]  # (cell index in notebook, first line in `python`)
    cell_code: tuple[str, ...]  # each code cell's original text, aligned with `cell_lines`
    magics: tuple[str, ...]  # original IPython lines, indexed by their placeholder number
    tag: str  # placeholder/marker prefix, chosen so no cell already contains it


def notebook_to_python(text: str, path: str) -> NotebookSource:
    """Join the code cells of the nbformat 4 notebook `text`; raise NotebookError if it is not one."""
    cells = _code_cells(_load(text, path), path)
    tag = _unique_tag(code for _, code in cells)
    out: list[str] = []
    magics: list[str] = []
    cell_lines: list[tuple[int, int]] = []
    for index, code in cells:
        out.append(_cell_marker(tag, index))
        cell_lines.append((index, len(out) + 1))
        out.extend(mask_magics(code_lines(code), tag, magics))
    python = "".join(line + "\n" for line in out)
    return NotebookSource(
        path, python, tuple(cell_lines), tuple(code for _, code in cells), tuple(magics), tag
    )


def python_to_notebook(original_text: str, nb: NotebookSource, new_python: str) -> str:
    """The notebook text with each changed code cell's source replaced by its code in `new_python`."""
    new_code = _restore_cells(nb, new_python)
    changed = {
        index: code
        for (index, _), old, code in zip(nb.cell_lines, nb.cell_code, new_code)
        if code != old
    }
    return replace_sources(original_text, changed) if changed else original_text


def locate(nb: NotebookSource, line: int) -> tuple[int, int]:
    """Map a 1-based line of `nb.python` to (notebook cell index, 1-based line in that cell)."""
    starts = [first for _, first in nb.cell_lines]
    position = max(bisect.bisect_right(starts, line) - 1, 0)
    index, first = nb.cell_lines[position]
    return index, max(line - first + 1, 1)


def syntax_error(nb: NotebookSource) -> str | None:
    """`path:cell N:line:col: syntax error: ...` for CPython's first error in the cells, else None."""
    try:
        compile(nb.python, nb.path, "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as error:
        cell, line = locate(nb, error.lineno or 1)
        column = error.offset or 1
        return f"{nb.path}:cell {cell + 1}:{line}:{column}: syntax error: {error.msg}"
    except ValueError:  # null bytes: the caller's own message says so
        return None
    return None


def _load(text: str, path: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise NotebookError(f"{path}: not a valid notebook: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        raise NotebookError(f"{path}: not a valid notebook: no list of cells")
    if data.get("nbformat") != 4:
        raise NotebookError(f"{path}: not a valid notebook: only nbformat 4 is supported")
    return data


def _code_cells(data: dict[str, Any], path: str) -> list[tuple[int, str]]:
    if not _is_python(data.get("metadata")):
        return []  # an R or Julia notebook has nothing to migrate; not an error
    cells: list[tuple[int, str]] = []
    for index, cell in enumerate(data["cells"]):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source")
        if isinstance(source, list) and all(isinstance(s, str) for s in source):
            source = "".join(source)
        if not isinstance(source, str):
            raise NotebookError(f"{path}: not a valid notebook: cell {index + 1} has no source")
        cells.append((index, source))
    return cells


def _is_python(metadata: object) -> bool:
    if not isinstance(metadata, dict):
        return True
    kernelspec, language_info = metadata.get("kernelspec"), metadata.get("language_info")
    languages = (
        kernelspec.get("language") if isinstance(kernelspec, dict) else None,
        language_info.get("name") if isinstance(language_info, dict) else None,
    )
    return all(not isinstance(name, str) or name.lower() == "python" for name in languages)


def _unique_tag(codes: Iterable[str]) -> str:
    texts = list(codes)
    tag, n = _PLACEHOLDER_TAG, 0
    while any(tag in text for text in texts):
        n += 1
        tag = f"{_PLACEHOLDER_TAG}-{n}"
    return tag


def _cell_marker(tag: str, index: int) -> str:
    return f"# {tag}:cell {index}"


def _restore_cells(nb: NotebookSource, new_python: str) -> list[str]:
    """Each code cell's text in `new_python`, with placeholders turned back into the magics."""
    markers = {_cell_marker(nb.tag, index): k for k, (index, _) in enumerate(nb.cell_lines)}
    placeholder = re.compile(rf"[ \t]*.*# {re.escape(nb.tag)}:magic (\d+)\r?$")
    cells: list[list[str]] = []
    used: list[int] = []
    for line in code_lines(new_python):
        if line.rstrip("\r") in markers:
            if markers[line.rstrip("\r")] != len(cells):
                break
            cells.append([])
            continue
        match = placeholder.fullmatch(line)
        if match:
            used.append(int(match.group(1)))
            line = nb.magics[used[-1]]
        if cells:
            cells[-1].append(line)
        elif line.strip():
            break
    if len(cells) != len(nb.cell_lines) or used != list(range(len(nb.magics))):
        raise NotebookError(f"{nb.path}: the rewritten code no longer maps onto the cells")
    return [_join_cell(lines, old) for lines, old in zip(cells, nb.cell_code)]


def _join_cell(lines: list[str], old: str) -> str:
    # A cell keeps whether its text ended with a newline; Jupyter usually omits it.
    text = "\n".join(lines)
    return text + "\n" if lines and old.endswith("\n") else text


def cells(nb: NotebookSource, python: str | None = None) -> tuple[tuple[int, str], ...]:
    """(notebook cell index, code) for each code cell of `python`, by default the original code."""
    codes = nb.cell_code if python is None else _restore_cells(nb, python)
    return tuple((index, code) for (index, _), code in zip(nb.cell_lines, codes))
