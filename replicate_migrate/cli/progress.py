"""The progress bar a run draws on a terminal's stderr."""

from __future__ import annotations

import sys
from typing import TextIO


class ProgressBar:
    """`analysing [#####.....] 120/405 files` on a terminal, redrawn in place, erased at the end."""

    WIDTH = 30
    MIN_FILES = 16  # below this a run is over before a bar could be read

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.drawn = False

    def __call__(self, done: int, total: int) -> None:
        if total < self.MIN_FILES:
            return
        filled = self.WIDTH * done // total
        bar = "#" * filled + "." * (self.WIDTH - filled)
        self.stream.write(f"\ranalysing [{bar}] {done}/{total} files")
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        if self.drawn:
            self.stream.write("\r\033[K")
            self.stream.flush()


def progress_bar(settings: dict[str, object], stream: TextIO | None = None) -> ProgressBar | None:
    """A bar on stderr when it is a terminal, unless --no-progress (or `progress = false`)."""
    stream = stream or sys.stderr
    if not settings.get("progress", True) or not stream.isatty():
        return None
    return ProgressBar(stream)
