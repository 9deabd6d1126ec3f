"""Unified diffs of a rewrite, for whole files and for the changed cells of a notebook."""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from replicate_migrate.results import FileResult

_NO_NEWLINE = "\\ No newline at end of file\n"
_RESET = "\x1b[0m"
_BOLD = "\x1b[1m"
_STYLES = {"@@": "\x1b[36m", "-": "\x1b[31m", "+": "\x1b[32m"}


def display_path(path: str) -> str:
    """Paths in diffs are relative to the current directory when they are below it."""
    # abspath, not resolve(): no system call per path component, and a path through a
    # symlinked directory is shown the way it was reached.
    try:
        relative = os.path.relpath(os.path.abspath(path), os.getcwd())
    except ValueError:  # another drive
        return path
    if relative == ".." or relative.startswith(".." + os.sep):
        return path.lstrip("/").replace(os.sep, "/")
    return relative.replace(os.sep, "/")


def result_diff(result: FileResult, color: bool = False) -> bytes:
    """The diff of one file: its bytes for a Python file (so it applies), its cells for a notebook."""
    if result.path.endswith(".ipynb"):
        from replicate_migrate.notebooks import NotebookError, cells, notebook_to_python

        old = result.original.decode("utf-8", "replace")
        new = (result.migrated or b"").decode("utf-8", "replace")
        try:
            before, after = (
                notebook_to_python(old, result.path),
                notebook_to_python(new, result.path),
            )
            name = display_path(result.path)
            return notebook_diff(name, cells(before), cells(after), color=color).encode("utf-8")
        except NotebookError:
            pass
    return file_diff(
        display_path(result.path), result.original, result.migrated or b"", color=color
    )


def unified_diff(path: str, old: str, new: str, *, color: bool = False) -> str:
    """`git diff`-style text turning `old` into `new` (3 lines of context); "" when equal."""
    if old == new:
        return ""
    lines = difflib.unified_diff(
        _split_keep_newlines(old), _split_keep_newlines(new), f"a/{path}", f"b/{path}", n=3
    )
    marked = _mark_missing_newlines(lines)
    return "".join(_paint(line, color, is_header=n < 2) for n, line in enumerate(marked))


def file_diff(path: str, old: bytes, new: bytes, *, color: bool = False) -> bytes:
    """The diff of the bytes themselves, in the file's own encoding, BOM included.

    `git apply` and `patch` compare bytes: a diff of the decoded text would lose the BOM
    (and re-encode other codecs), and be rejected, or not give the bytes --fix writes.
    """
    # latin-1 maps every byte to one character and back, so lines split at b"\n" as they are.
    name = path.encode("utf-8", "surrogateescape").decode("latin-1")
    return unified_diff(name, old.decode("latin-1"), new.decode("latin-1"), color=color).encode(
        "latin-1"
    )


def notebook_diff(
    path: str,
    old_cells: Sequence[tuple[int, str]],
    new_cells: Sequence[tuple[int, str]],
    *,
    color: bool = False,
) -> str:
    """One unified diff per changed code cell, headed `a/<path>:cell <n>` with n 1-based.

    Cells are (notebook cell index, code) pairs, as `notebooks.cells` returns them; numbering
    counts every notebook cell, as Jupyter and ruff do, so the number finds the cell.
    """
    new_by_index = dict(new_cells)
    return "".join(
        _cell_diff(f"{path}:cell {index + 1}", code, new_by_index.get(index, code), color)
        for index, code in old_cells
    )


def _cell_diff(name: str, old: str, new: str, color: bool) -> str:
    # Jupyter cells rarely end in a newline; marking every cell's last line as "No newline at
    # end of file" would be noise, so the marker only shows when the rewrite changes that.
    if not old.endswith("\n") and not new.endswith("\n") and old != new:
        old, new = old + "\n", new + "\n"
    return unified_diff(name, old, new, color=color)


def _split_keep_newlines(text: str) -> list[str]:
    # Split on "\n" only: str.splitlines would also break at form feeds and Unicode line
    # separators, which neither Python nor diff treat as line ends.
    lines = text.split("\n")
    return [line + "\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])


def _mark_missing_newlines(lines: Iterator[str]) -> Iterator[str]:
    for line in lines:
        if line.endswith("\n"):
            yield line
        else:
            yield line + "\n"
            yield _NO_NEWLINE


def _paint(line: str, color: bool, *, is_header: bool) -> str:
    # Headers are told apart by position: a removed line "-- x" also starts with "---".
    style = (
        _BOLD
        if is_header
        else next((code for prefix, code in _STYLES.items() if line.startswith(prefix)), None)
    )
    if not color or style is None or line == _NO_NEWLINE:
        return line
    return f"{style}{line[:-1]}{_RESET}\n"
