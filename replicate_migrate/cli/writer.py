"""The only code that writes users' files: whole new content or the old file, never half.

A file is replaced only while it is still the one that was read: the same regular file
(device and inode), not a symbolic link, with one name, the same size, mtime and bytes.
Anything else is left as it is and said why, so no edit made meanwhile is lost and no
file outside the tree is written through a link.
"""

from __future__ import annotations

import errno
import os
import secrets
import signal
import stat
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from types import FrameType

TEMP_SUFFIX = ".replicate-migrate.tmp"
CHANGED = "changed while migrating"

# Everything is done relative to the file's directory, opened once: a directory swapped
# for a link meanwhile cannot redirect the check or the rename elsewhere.
_HAS_DIR_FD = {os.open, os.stat, os.rename, os.unlink} <= os.supports_dir_fd
_BINARY = getattr(os, "O_BINARY", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
# Opening a FIFO swapped in for the file must not wait for a writer.
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
# What open(O_NOFOLLOW) fails with on a symbolic link: Linux, FreeBSD, NetBSD.
_LINK_ERRNOS = {errno.ELOOP, errno.EMLINK, getattr(errno, "EFTYPE", errno.ELOOP)}
# O_PATH where there is one: a directory need not be readable, only searchable.
_DIRECTORY = getattr(os, "O_PATH", os.O_RDONLY) | getattr(os, "O_DIRECTORY", 0)
_OUT_OF_TREE = f"{CHANGED} (a directory above it is now a symbolic link)"


class NotWritten(Exception):
    """The file was left as it is, because replacing it could lose or misplace an edit.

    `str()` is the reason, such as `changed while migrating`.
    """


def write_atomic(
    path: os.PathLike[str] | str,
    data: bytes,
    *,
    original: bytes | None = None,
    read_stat: os.stat_result | None = None,
    trees: Sequence[str] = (),
) -> None:
    """Replace the file at `path` with `data` atomically, keeping owner, mode and xattrs.

    `original` and `read_stat` are the file's bytes and os.stat() when it was read; the
    file is replaced only while it is still exactly that, checked last just before the
    rename, else NotWritten. So is a symbolic link (its target may be anywhere), and a file
    with several hard links (a rename would leave the other names with the old text).
    Links among the directories above `path` are followed: that is how it was reached.
    `trees` are the real paths of the directories the run was given: when there are any,
    the file must be in one of them, reached from it without a link (as discovery walks).

    On any exception, KeyboardInterrupt included, the temporary file is removed, the
    original is untouched, and the exception propagates (an OSError names the file or
    directory at fault).
    """
    given, name = os.path.split(os.path.abspath(path))
    directory = os.path.realpath(given)
    with _directory(directory, trees) as dir_fd:
        where = name if dir_fd is not None else os.path.join(directory, name)
        fd = _open_current(where, dir_fd, read_stat)
        try:
            current = os.fstat(fd)
            _check_is_the_file_read(current, read_stat)
            temp_name = f".{name}.{secrets.token_hex(8)}{TEMP_SUFFIX}"
            # Hidden and in the same directory, so the rename stays within one file system.
            temp = temp_name if dir_fd is not None else os.path.join(directory, temp_name)
            _replace(_Swap(fd, current, where, temp, dir_fd, directory), data, original)
        finally:
            os.close(fd)


@dataclass(frozen=True)
class _Swap:
    """One replacement under way: the file as opened, and where the new one goes."""

    fd: int  # the current file, opened without following a link
    opened: os.stat_result
    where: str  # its name in `dir_fd`, or its whole path without one
    temp: str  # the same for the temporary file
    dir_fd: int | None
    directory: str  # for messages

    @property
    def name(self) -> str:
        return os.path.basename(self.where)


@contextmanager
def _directory(path: str, trees: Sequence[str]) -> Iterator[int | None]:
    """The file's directory, opened; None where the platform has no dir_fd."""
    tree = _tree_of(path, trees) if trees else path
    if tree is None:
        raise NotWritten(_OUT_OF_TREE)  # realpath() left the tree: a directory became a link
    if not _HAS_DIR_FD:
        yield None
        return
    fd = _open_below(tree, path)
    try:
        yield fd
    finally:
        os.close(fd)


def _tree_of(path: str, trees: Sequence[str]) -> str | None:
    """The longest of `trees` that holds `path`, or None."""
    key = os.path.normcase(path)
    holding = [
        tree for tree in trees
        if key == os.path.normcase(tree) or key.startswith(os.path.normcase(tree).rstrip(os.sep) + os.sep)
    ]
    return max(holding, key=len, default=None)


def _open_below(tree: str, path: str) -> int:
    """`path` opened from `tree` one directory at a time, following no link below `tree`."""
    fd = os.open(tree, _DIRECTORY)
    parts = os.path.relpath(path, tree).split(os.sep) if path != tree else []
    for part in parts:
        try:
            below = os.open(part, _DIRECTORY | _NOFOLLOW, dir_fd=fd)
        except OSError as e:
            if e.errno in _LINK_ERRNOS or e.errno == errno.ENOTDIR:
                raise NotWritten(_OUT_OF_TREE) from e
            raise
        finally:
            os.close(fd)
        fd = below
    return fd


def _open_current(where: str, dir_fd: int | None, read: os.stat_result | None) -> int:
    if not _NOFOLLOW and os.path.islink(where):  # no O_NOFOLLOW: the narrower check
        raise NotWritten(_link_reason(where, read))
    try:
        return os.open(where, os.O_RDONLY | _NOFOLLOW | _NONBLOCK | _BINARY, dir_fd=dir_fd)
    except OSError as e:
        if _NOFOLLOW and e.errno in _LINK_ERRNOS:
            raise NotWritten(_link_reason(where, read, dir_fd)) from e
        raise


def _link_reason(where: str, read: os.stat_result | None, dir_fd: int | None = None) -> str:
    """A link that was read through (named on the command line) or one swapped in since."""
    try:
        target = os.stat(where, dir_fd=dir_fd)
    except OSError:
        target = None
    if read is not None and target is not None and _identity(target) == _identity(read):
        return "is a symbolic link (--fix does not write through links: name the file it points to)"
    return f"{CHANGED} (now a symbolic link)" if read is not None else "is a symbolic link"


def _check_is_the_file_read(current: os.stat_result, read: os.stat_result | None) -> None:
    if not stat.S_ISREG(current.st_mode):
        raise NotWritten(f"{CHANGED} (no longer a regular file)" if read else "not a regular file")
    if read is not None and _identity(current) != _identity(read):
        raise NotWritten(f"{CHANGED} (no longer the file that was read)")
    if read is not None and _version(current) != _version(read):
        raise NotWritten(CHANGED)
    if current.st_nlink > 1:
        raise NotWritten(f"has {current.st_nlink} hard links (replacing it would split them)")


def _identity(info: os.stat_result) -> tuple[int, int]:
    return info.st_dev, info.st_ino


def _version(info: os.stat_result) -> tuple[int, int, int, int]:
    return info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns


def _replace(swap: _Swap, data: bytes, original: bytes | None) -> None:
    try:
        _write_temp(swap, data)
        _check_unchanged(swap, original)
        os.replace(swap.temp, swap.where, src_dir_fd=swap.dir_fd, dst_dir_fd=swap.dir_fd)
    except FileExistsError:
        raise  # the random name is somebody else's file: leave it alone
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(swap.temp, dir_fd=swap.dir_fd)
        raise


def _check_unchanged(swap: _Swap, original: bytes | None) -> None:
    """The last look before the rename: the file is still the one opened, unedited."""
    now = os.fstat(swap.fd)
    if _version(now) != _version(swap.opened):
        raise NotWritten(CHANGED)
    # A same-size edit within the file system's timestamp granularity shows only in the bytes.
    if original is not None and not _holds(swap.fd, original):
        raise NotWritten(CHANGED)
    named = os.stat(swap.where, dir_fd=swap.dir_fd, follow_symlinks=False)
    if stat.S_ISLNK(named.st_mode):
        raise NotWritten(f"{CHANGED} (now a symbolic link)")
    if _identity(named) != _identity(swap.opened):
        raise NotWritten(f"{CHANGED} (no longer the file that was read)")
    if named.st_nlink > 1:
        raise NotWritten(f"has {named.st_nlink} hard links (replacing it would split them)")


def _holds(fd: int, expected: bytes) -> bool:
    """Whether the open file's bytes are exactly `expected`."""
    os.lseek(fd, 0, os.SEEK_SET)
    chunks, size = [], 0
    while size <= len(expected):
        chunk = os.read(fd, len(expected) + 1 - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks) == expected


def _write_temp(swap: _Swap, data: bytes) -> None:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _BINARY
    try:
        # 0o600 until the original's mode is copied, so a private file is never readable.
        fd = os.open(swap.temp, flags, 0o600, dir_fd=swap.dir_fd)
    except OSError as e:
        # The temporary name would only puzzle; the directory is what needs fixing.
        message = f"{e.strerror} (creating a temporary file to replace {swap.name})"
        raise OSError(e.errno, message, swap.directory) from e
    with open(fd, "wb") as f:
        _copy_owner(fd, swap.opened)
        _set_mode(fd, swap, stat.S_IMODE(swap.opened.st_mode))
        _copy_xattrs(swap.fd, fd)
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


def _set_mode(fd: int, swap: _Swap, mode: int) -> None:
    if os.chmod in os.supports_fd:
        os.chmod(fd, mode)
    else:
        os.chmod(swap.temp, mode, dir_fd=swap.dir_fd)


def _copy_xattrs(source: int, target: int) -> None:
    """Extended attributes (labels, ACLs, user.*) as far as the platform and privileges allow."""
    if not hasattr(os, "listxattr"):
        return
    try:
        names = os.listxattr(source)
    except OSError:  # ENOTSUP and the like: the file system keeps none
        return
    for name in names:
        # security.* or trusted.* may need privileges the run lacks: keep what it may.
        with suppress(OSError):
            os.setxattr(target, name, os.getxattr(source, name))


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
