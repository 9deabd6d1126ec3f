from __future__ import annotations

import os
import signal
from types import FrameType


def _before_start(signum: int, frame: FrameType | None) -> None:
    # Nothing is started or written while the command loads: end at once, with one line.
    os.write(2, b"replicate-migrate: interrupted\n")
    os._exit(130)


for _number in (signal.SIGINT, signal.SIGTERM):
    signal.signal(_number, _before_start)

from replicate_migrate.cli import run  # after the handlers: loading it takes a while

run()
