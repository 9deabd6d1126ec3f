"""The only code that writes users' files: whole new content or the old file, never half."""

from __future__ import annotations

import os
import secrets
import signal
import stat
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from types import FrameType

TEMP_SUFFIX = ".replicate-migrate.tmp"


def write_atomic(path: os.PathLike[str] | str, data: bytes) -> None:
    """Replace the file at `path` with `data` atomically, keeping its permission bits.

    A symbolic link is kept and its target rewritten. On any exception, KeyboardInterrupt
    included, the temporary file is removed, the original is untouched, and the exception
    propagates (an OSError names the file or directory at fault).
    """
    target = os.path.realpath(path)
    original = os.stat(target)
    directory, name = os.path.split(target)
    # Hidden and in the same directory, so os.replace() is a rename within one file system.
    temp = os.path.join(directory, f".{name}.{secrets.token_hex(8)}{TEMP_SUFFIX}")
    try:
        _write_temp(temp, data, original, name)
        os.replace(temp, target)
    except FileExistsError:
        raise  # the random name is somebody else's file: leave it alone
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(temp)
        raise


def _write_temp(temp: str, data: bytes, original: os.stat_result, name: str) -> None:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    try:
        # 0o600 until the original's mode is copied, so a private file is never readable.
        fd = os.open(temp, flags, 0o600)
    except OSError as e:
        # The temporary name would only puzzle; the directory is what needs fixing.
        message = f"{e.strerror} (creating a temporary file to replace {name})"
        raise OSError(e.errno, message, os.path.dirname(temp)) from e
    with open(fd, "wb") as f:
        _copy_owner(fd, original)
        os.chmod(temp, stat.S_IMODE(original.st_mode))
        f.write(data)
        f.flush()
        # Without it a crash after the rename can leave an empty file on some file systems.
        os.fsync(fd)


def _copy_owner(fd: int, original: os.stat_result) -> None:
    # Running as root over somebody's checkout must not leave their files owned by root.
    chown = getattr(os, "fchown", None)
    if chown is None:
        return
    with suppress(PermissionError):
        chown(fd, original.st_uid, original.st_gid)


@contextmanager
def interruptible() -> Iterator[None]:
    """Within the block SIGTERM raises KeyboardInterrupt, so writes roll back as on Ctrl-C.

    Does nothing outside the main thread, where Python cannot install signal handlers.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    try:
        yield
    finally:
        # None means a handler not set from Python; the default is the best we can restore.
        signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)


def _raise_keyboard_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt
