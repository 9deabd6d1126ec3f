"""`python -m replicate_migrate` and the installed command, with signals handled from the start."""

from __future__ import annotations

import os
import signal
from types import FrameType


def run() -> None:
    """Catch Ctrl-C and SIGTERM first, then load the command line (which takes a while)."""
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, _before_start)
    from replicate_migrate.cli import run as run_cli

    run_cli()


def _before_start(signum: int, frame: FrameType | None) -> None:
    # Nothing is started or written while the command loads: end at once, with one line.
    os.write(2, b"replicate-migrate: interrupted\n")
    os._exit(130)


if __name__ == "__main__":
    run()
