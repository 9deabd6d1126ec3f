"""What the command line needs to end well: signals, the report file, names that are not UTF-8.

Kept apart from cli.py so that the options stay readable there. Nothing here prints.
"""

from __future__ import annotations

import contextlib
import os
import signal
import stat
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import FrameType

_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Refused(Exception):
    """A request the command refuses before doing anything; the message names the path."""


def check_output(output: object, paths: Sequence[Path]) -> None:
    """Refuse `-o` when the report could not be written there, or would replace an input file."""
    if not output:
        return
    target = Path(str(output))
    if target.is_dir():
        raise Refused(f"-o {target}: is a directory")
    if not target.parent.is_dir():
        raise Refused(f"-o {target}: no such directory: {target.parent}")
    real = os.path.realpath(target)
    for path in paths:
        if str(path) != "-" and _is_within(real, os.path.realpath(path), target):
            raise Refused(f"-o {target}: is one of the files to migrate; not replacing it with the report")


def _is_within(real: str, given: str, target: Path) -> bool:
    """Whether the report at `real` would be a file of the run over `given` (a file or a tree)."""
    if real == given:
        return True
    if os.path.isdir(given):
        from replicate_migrate.discovery import SUFFIXES  # loaded after the workers fork

        return real.startswith(given.rstrip(os.sep) + os.sep) and real.endswith(SUFFIXES)
    with contextlib.suppress(OSError):
        return os.path.samefile(target, given)  # a hard link to it
    return False


def write_report(output: str, data: bytes) -> None:
    """Write the report to `output`; on failure leave no partial report, raise Refused."""
    try:
        with open(output, "wb") as f:
            f.write(data)
    except OSError as error:
        with contextlib.suppress(OSError):
            if stat.S_ISREG(os.lstat(output).st_mode):  # ours, and cut short; never /dev/full
                os.unlink(output)
        raise Refused(f"-o {output}: cannot write the report: {error.strerror or error}") from None


def encode(text: str, encoding: str, *, escape: bool) -> bytes:
    """`text` for a stream: file names that are not UTF-8 (surrogates) as their own bytes, or
    with `escape` as `\\udcff` (a valid JSON escape), never an exception."""
    try:
        return text.encode(encoding, "backslashreplace" if escape else "surrogateescape")
    except UnicodeEncodeError:
        return text.encode(encoding, "backslashreplace")


@contextlib.contextmanager
def interrupting_signals() -> Iterator[None]:
    """Within the block SIGTERM ends the run as Ctrl-C does (KeyboardInterrupt)."""
    if threading.current_thread() is not threading.main_thread() or _installed():
        yield
        return
    saved = {number: signal.getsignal(number) for number in _SIGNALS}
    for number in _SIGNALS:
        signal.signal(number, _interrupt)
    try:
        yield
    finally:
        for number, handler in saved.items():
            signal.signal(number, handler if handler is not None else signal.SIG_DFL)


def install_interrupt_handlers() -> None:
    """SIGINT and SIGTERM raise KeyboardInterrupt; held back until release_interruptions(),
    so that one arriving while click reads the options is not its `Aborted!`."""
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
    for number in _SIGNALS:
        signal.signal(number, _interrupt)


def release_interruptions() -> None:
    """A signal held back since install_interrupt_handlers() is raised now, if one came."""
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _SIGNALS)


def ignore_interruptions() -> None:
    """From now on the run is ending: another signal must not break the goodbye."""
    if threading.current_thread() is threading.main_thread():
        for number in _SIGNALS:
            signal.signal(number, signal.SIG_IGN)


def _installed() -> bool:
    return all(signal.getsignal(number) is _interrupt for number in _SIGNALS)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    ignore_interruptions()
    raise KeyboardInterrupt
