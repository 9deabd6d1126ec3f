"""The project root of a run: where its other files are read from when only some are named."""

from __future__ import annotations

import os
from pathlib import Path

MARKERS = ("pyproject.toml", "setup.cfg", "setup.py", ".git")


def find_project_root(path: Path) -> str:
    """The nearest directory at or above `path` holding a project marker (absolute).

    A path with no marker above it is its own root (a directory, or a file's folder).
    """
    absolute = os.path.abspath(path)
    start = absolute if os.path.isdir(absolute) else os.path.dirname(absolute)
    return Markers().nearest(start) or start


class Markers:
    """The nearest marked directory above each directory, looked up once per directory."""

    def __init__(self) -> None:
        self.found: dict[str, str | None] = {}

    def nearest(self, directory: str) -> str | None:
        if directory not in self.found:
            if any(os.path.lexists(os.path.join(directory, marker)) for marker in MARKERS):
                self.found[directory] = directory
            else:
                parent = os.path.dirname(directory)
                self.found[directory] = None if parent == directory else self.nearest(parent)
        return self.found[directory]
