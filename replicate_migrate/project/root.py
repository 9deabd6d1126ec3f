"""The project root of a run: where its other files are read from when only some are named."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

MARKERS = ("pyproject.toml", "setup.cfg", "setup.py", ".git")


def find_project_root(paths: Sequence[Path]) -> str:
    """The nearest directory at or above the paths holding a project marker (absolute).

    A path with no marker above it is its own root (a directory, or a file's folder).
    Paths in different projects share the nearest directory above all their roots.
    """
    roots = {_root_of(os.path.abspath(path)) for path in paths} or {os.path.abspath(os.curdir)}
    return os.path.commonpath(sorted(roots)) if len(roots) > 1 else roots.pop()


def _root_of(path: str) -> str:
    start = path if os.path.isdir(path) else os.path.dirname(path)
    directory = start
    while True:
        if any(os.path.lexists(os.path.join(directory, marker)) for marker in MARKERS):
            return directory
        parent = os.path.dirname(directory)
        if parent == directory:
            return start
        directory = parent
