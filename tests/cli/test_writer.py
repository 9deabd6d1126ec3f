from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from replicate_migrate.cli import writer
from replicate_migrate.cli.writer import TEMP_SUFFIX, NotWritten, interruptible, write_atomic

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def temp_files(directory: Path) -> list[Path]:
    return sorted(directory.rglob(f"*{TEMP_SUFFIX}"))


def test_content_is_exact(tmp_path: Path) -> None:
    target = tmp_path / "a.py"
    target.write_bytes(b"old\n")
    data = b"\xef\xbb\xbfx = 1\r\ny = '\xc3\xa9'\rz\n\x00"
    write_atomic(target, data)
    assert target.read_bytes() == data
    assert temp_files(tmp_path) == []


@pytest.mark.parametrize("mode", [0o755, 0o600, 0o644, 0o640])
def test_mode_is_kept(tmp_path: Path, mode: int) -> None:
    target = tmp_path / "a.py"
    target.write_bytes(b"old\n")
    target.chmod(mode)
    write_atomic(target, b"new\n")
    assert target.stat().st_mode & 0o7777 == mode


def test_symlink_is_not_written_through(tmp_path: Path) -> None:
    real = tmp_path / "real" / "a.py"
    real.parent.mkdir()
    real.write_bytes(b"old\n")
    link = tmp_path / "link.py"
    link.symlink_to(os.path.relpath(real, tmp_path))
    with pytest.raises(NotWritten, match="^is a symbolic link"):
        write_atomic(link, b"new\n", original=b"old\n", read_stat=link.stat())
    assert link.is_symlink()
    assert real.read_bytes() == b"old\n"
    assert temp_files(tmp_path) == []


def test_symlinked_directory_above_the_file_is_followed(tmp_path: Path) -> None:
    real = tmp_path / "real" / "a.py"
    real.parent.mkdir()
    real.write_bytes(b"old\n")
    (tmp_path / "project").symlink_to(real.parent, target_is_directory=True)
    target = tmp_path / "project" / "a.py"
    write_atomic(target, b"new\n", original=b"old\n", read_stat=target.stat())
    assert real.read_bytes() == b"new\n"
    assert (tmp_path / "project").is_symlink()
    assert temp_files(tmp_path) == []


def test_failed_replace_leaves_original_and_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "a.py"
    target.write_bytes(b"old\n")

    def fail(src: str, dst: str, **where: object) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="Input/output"):
        write_atomic(target, b"new\n")
    assert target.read_bytes() == b"old\n"
    assert temp_files(tmp_path) == []


def test_interrupt_during_fsync_leaves_original_and_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "a.py"
    target.write_bytes(b"old\n")

    def interrupt(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupt)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, b"new\n")
    assert target.read_bytes() == b"old\n"
    assert temp_files(tmp_path) == []


def test_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        write_atomic(tmp_path / "gone.py", b"new\n")
    assert list(tmp_path.iterdir()) == []


def test_unwritable_directory_names_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "a.py"
    target.write_bytes(b"old\n")
    if IS_ROOT:  # root writes anywhere: simulate what a read-only directory does
        real_open = os.open

        def deny(path: str, flags: int, mode: int = 0o777, **where: object) -> int:
            if path.endswith(TEMP_SUFFIX):
                raise PermissionError(13, "Permission denied", path)
            return real_open(path, flags, mode, **where)  # type: ignore[arg-type]

        monkeypatch.setattr(os, "open", deny)
    else:
        tmp_path.chmod(0o555)
    try:
        with pytest.raises(PermissionError) as info:
            write_atomic(target, b"new\n")
    finally:
        tmp_path.chmod(0o755)
    assert info.value.filename == str(tmp_path)
    assert "a.py" in str(info.value)
    assert target.read_bytes() == b"old\n"
    assert temp_files(tmp_path) == []


def read(path: Path) -> tuple[bytes, os.stat_result]:
    """What the pipeline keeps of a file it reads: its bytes and its identity."""
    return path.read_bytes(), path.stat()


def test_file_changed_since_reading_is_kept(tmp_path: Path) -> None:
    target = tmp_path / "a.py"
    target.write_bytes(b"old\n")
    original, identity = read(target)
    target.write_bytes(b"old\n# edited\n")
    with pytest.raises(NotWritten, match="^changed while migrating$"):
        write_atomic(target, b"new\n", original=original, read_stat=identity)
    assert target.read_bytes() == b"old\n# edited\n"
    assert temp_files(tmp_path) == []


def test_edit_landing_just_before_the_replace_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "a.py"
    target.write_bytes(b"old\n")
    original, identity = read(target)
    real_fsync = os.fsync

    def edit_then_fsync(fd: int) -> None:
        # The last step before the rename: an editor saving in place right now.
        with open(target, "r+b") as f:
            f.write(b"new")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", edit_then_fsync)
    with pytest.raises(NotWritten, match="changed while migrating"):
        write_atomic(target, b"migrated\n", original=original, read_stat=identity)
    assert target.read_bytes() == b"new\n"
    assert temp_files(tmp_path) == []


def test_file_swapped_for_a_symlink_is_not_written_through(tmp_path: Path) -> None:
    target, outside = tmp_path / "a.py", tmp_path / "outside.py"
    target.write_bytes(b"old\n")
    outside.write_bytes(b"old\n")
    original, identity = read(target)
    target.unlink()
    target.symlink_to(outside)
    with pytest.raises(NotWritten, match="changed while migrating .*symbolic link"):
        write_atomic(target, b"new\n", original=original, read_stat=identity)
    assert outside.read_bytes() == b"old\n"
    assert target.is_symlink()
    assert temp_files(tmp_path) == []


def test_symlink_swapped_in_just_before_the_replace_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target, outside = tmp_path / "a.py", tmp_path / "outside.py"
    target.write_bytes(b"old\n")
    outside.write_bytes(b"old\n")
    original, identity = read(target)
    real_fsync = os.fsync

    def swap_then_fsync(fd: int) -> None:
        (tmp_path / "link").symlink_to(outside)
        os.replace(tmp_path / "link", target)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", swap_then_fsync)
    with pytest.raises(NotWritten, match="changed while migrating .*symbolic link"):
        write_atomic(target, b"new\n", original=original, read_stat=identity)
    assert target.is_symlink()
    assert outside.read_bytes() == b"old\n"
    assert temp_files(tmp_path) == []


def test_file_replaced_by_another_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "a.py"
    target.write_bytes(b"old\n")
    original, identity = read(target)
    (tmp_path / "b.py").write_bytes(b"old\n")
    os.replace(tmp_path / "b.py", target)
    with pytest.raises(NotWritten, match="changed while migrating"):
        write_atomic(target, b"new\n", original=original, read_stat=identity)
    assert target.read_bytes() == b"old\n"


def test_hard_linked_file_is_refused_and_the_link_kept(tmp_path: Path) -> None:
    target, twin = tmp_path / "a.py", tmp_path / "b.py"
    target.write_bytes(b"old\n")
    os.link(target, twin)
    with pytest.raises(NotWritten, match="^has 2 hard links"):
        write_atomic(target, b"new\n")
    assert target.read_bytes() == twin.read_bytes() == b"old\n"
    assert target.stat().st_ino == twin.stat().st_ino
    assert temp_files(tmp_path) == []


def test_extended_attributes_are_copied(tmp_path: Path) -> None:
    target = tmp_path / "a.py"
    target.write_bytes(b"old\n")
    try:
        os.setxattr(target, "user.one", b"1")
        os.setxattr(target, "user.two", b"\x00binary")
    except (AttributeError, OSError):
        pytest.skip("no user extended attributes on this file system")
    write_atomic(target, b"new\n")
    assert target.read_bytes() == b"new\n"
    assert os.getxattr(target, "user.one") == b"1"
    assert os.getxattr(target, "user.two") == b"\x00binary"


def test_directory_turned_link_out_of_the_tree_is_refused(tmp_path: Path) -> None:
    tree, outside = tmp_path / "tree", tmp_path / "outside"
    (tree / "pkg").mkdir(parents=True)
    (outside / "pkg").mkdir(parents=True)
    (outside / "pkg" / "a.py").write_bytes(b"old\n")
    (tree / "pkg").rmdir()
    (tree / "pkg").symlink_to(outside / "pkg", target_is_directory=True)
    target = tree / "pkg" / "a.py"
    # Read through the link, as a read after the swap would: only the tree tells.
    original, identity = read(target)
    with pytest.raises(NotWritten, match="a directory above it is now a symbolic link"):
        write_atomic(target, b"new\n", original=original, read_stat=identity, trees=[str(tree)])
    assert (outside / "pkg" / "a.py").read_bytes() == b"old\n"
    assert temp_files(tmp_path) == []


def test_link_below_the_tree_is_not_followed_even_if_realpath_missed_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree, outside = tmp_path / "tree", tmp_path / "outside"
    tree.mkdir()
    outside.mkdir()
    (outside / "a.py").write_bytes(b"old\n")
    (tree / "pkg").symlink_to(outside, target_is_directory=True)
    target = tree / "pkg" / "a.py"
    original, identity = read(target)
    # A swap landing between realpath() and opening the directories.
    monkeypatch.setattr(os.path, "realpath", lambda path: os.fspath(path))
    with pytest.raises(NotWritten, match="a directory above it is now a symbolic link"):
        write_atomic(target, b"new\n", original=original, read_stat=identity, trees=[str(tree)])
    assert (outside / "a.py").read_bytes() == b"old\n"


def test_file_in_a_subdirectory_of_the_tree_is_written(tmp_path: Path) -> None:
    target = tmp_path / "tree" / "a" / "b" / "c.py"
    target.parent.mkdir(parents=True)
    target.write_bytes(b"old\n")
    original, identity = read(target)
    write_atomic(target, b"new\n", original=original, read_stat=identity,
                 trees=[str(tmp_path / "elsewhere"), str(tmp_path / "tree")])
    assert target.read_bytes() == b"new\n"


def test_checks_hold_where_there_is_no_dir_fd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Windows has no dir_fd: the same checks on whole paths.
    monkeypatch.setattr(writer, "_HAS_DIR_FD", False)
    target, outside = tmp_path / "a.py", tmp_path / "outside.py"
    target.write_bytes(b"old\n")
    outside.write_bytes(b"old\n")
    original, identity = read(target)
    write_atomic(target, b"new\n", original=original, read_stat=identity)
    assert target.read_bytes() == b"new\n"
    original, identity = read(target)
    target.unlink()
    target.symlink_to(outside)
    with pytest.raises(NotWritten, match="changed while migrating"):
        write_atomic(target, b"newer\n", original=original, read_stat=identity)
    assert outside.read_bytes() == b"old\n"
    assert temp_files(tmp_path) == []


def test_interruptible_turns_sigterm_into_keyboard_interrupt() -> None:
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(KeyboardInterrupt), interruptible():
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)  # the handler runs at the next bytecode; never reached
    assert signal.getsignal(signal.SIGTERM) == before


CHILD = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from replicate_migrate.cli.writer import interruptible, write_atomic

    files = sorted(Path(sys.argv[1]).glob("*.py"))
    old, new = Path(sys.argv[2]).read_bytes(), Path(sys.argv[3]).read_bytes()
    try:
        with interruptible():
            for round in range(1000):
                for f in files:
                    write_atomic(f, new if round % 2 == 0 else old)
                if round == 0:
                    print("started", flush=True)
    except KeyboardInterrupt:
        sys.exit(130)
    sys.exit(3)  # never interrupted: the test proves nothing
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM is POSIX")
def test_sigterm_mid_run_leaves_every_file_old_or_new(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    old = b"".join(b"old = %d\n" % i for i in range(20_000))
    new = b"".join(b"new = replicate.run(%d)\n" % i for i in range(20_000))
    (tmp_path / "old").write_bytes(old)
    (tmp_path / "new").write_bytes(new)
    for i in range(300):
        (tree / f"m{i:03}.py").write_bytes(old)
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(tree), str(tmp_path / "old"), str(tmp_path / "new")],
        stdout=subprocess.PIPE,
    )
    assert child.stdout is not None
    assert child.stdout.readline() == b"started\n"
    time.sleep(0.1)
    child.send_signal(signal.SIGTERM)
    assert child.wait(timeout=60) == 130
    contents = {f.read_bytes() for f in tree.glob("*.py")}
    assert contents <= {old, new}
    assert len(list(tree.glob("*.py"))) == 300
    assert temp_files(tmp_path) == []
