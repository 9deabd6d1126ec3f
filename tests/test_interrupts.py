"""SIGTERM, Ctrl-C and a killed parent: exit 130 with one line, every file whole, no worker left."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")

SOURCE = (
    b"import urllib.request\nimport replicate\n\n"
    # RM004 would read the FileOutput instead: RM001's `.url` is the edit these tests write.
    b'output = replicate.run("bytedance/sdxl-lightning-4step", input={"prompt": "a crane"})  # noqa: RM004\n'
    b'urllib.request.urlretrieve(output[0], "crane.png")\n'
)
GONE_WITHIN = 5.0  # seconds: a hang guard for the workers' end (today's run lives on ~18 s)


def _marked(mark: str) -> list[int]:
    """The live processes carrying `mark` in their environment: the run and its workers."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if mark.encode() in (entry / "environ").read_bytes() and _state(entry) != "Z":
                pids.append(int(entry.name))
        except OSError:
            continue
    return pids


def _state(entry: Path) -> str:
    return (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]


def _running(mark: str, but: int) -> int:
    """How many of the marked processes, but `but`, are on a CPU or waiting for one."""
    count = 0
    for pid in set(_marked(mark)) - {but}:
        try:
            count += _state(Path(f"/proc/{pid}")) == "R"
        except OSError:
            continue
    return count


def _catches_sigterm(pid: int) -> bool:
    """Whether the command installed its own handlers (SigCgt in /proc/<pid>/status)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("SigCgt:"):
            return bool(int(line.split()[1], 16) >> (signal.SIGTERM - 1) & 1)
    return False


def _until(predicate: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


@pytest.fixture
def mark() -> Iterator[str]:
    """An environment marker; whatever still carries it at the end is killed (no leaks)."""
    value = f"RM_INTERRUPT_TEST={uuid.uuid4().hex}"
    yield value
    for pid in _marked(value):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def _spawn(mark: str, *args: str, cwd: Path, script: str | None = None) -> subprocess.Popen[bytes]:
    name, value = mark.split("=")
    command = ["-c", script] if script else ["-m", "replicate_migrate"]
    return subprocess.Popen(
        [sys.executable, *command, "--no-progress", *args],
        cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={**os.environ, name: value},
    )


def _tree(root: Path, count: int = 300) -> dict[Path, bytes]:
    root.mkdir()
    files = {root / f"m{n:03}.py": SOURCE + b"# filler\n" * n for n in range(count)}
    for path, data in files.items():
        path.write_bytes(data)
    return files


@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
@pytest.mark.parametrize(
    ("fix", "moment"),
    [(False, "loading"), (False, "analysing"), (True, "writing")],
)
def test_a_signal_at_any_moment_ends_the_run_with_one_line(
    tmp_path: Path, mark: str, number: int, fix: bool, moment: str
) -> None:
    files = _tree(tmp_path / "tree")
    proc = _spawn(mark, *(["--fix"] if fix else []), "tree", cwd=tmp_path)
    assert _until(lambda: _catches_sigterm(proc.pid), 30)
    if moment == "analysing":  # the workers are up: the parent and at least one of them
        assert _until(lambda: len(_marked(mark)) >= 3, 30)
    elif moment == "writing":
        assert _until(lambda: any(p.read_bytes() != data for p, data in files.items()), 60)

    proc.send_signal(number)
    _, stderr = proc.communicate(timeout=60)

    assert (proc.returncode, stderr.decode()) == (130, "replicate-migrate: interrupted\n")
    assert _until(lambda: not _marked(mark), GONE_WITHIN), "a worker outlived the run"
    for path, data in files.items():
        assert path.read_bytes() in (data, data.replace(b"(output[0],", b"(output[0].url,")), path


def test_busy_workers_end_with_a_killed_parent(tmp_path: Path, mark: str) -> None:
    _tree(tmp_path / "tree", count=40)
    # Every worker spins on its first file, as on one that takes for ever to analyse.
    script = (
        "import replicate_migrate.engine.worker as worker\n"
        "def spin(*args, **kwargs):\n    while True:\n        pass\n"
        "worker.analyze_module = spin\n"
        "from replicate_migrate.cli import run\nrun()\n"
    )
    proc = _spawn(mark, "-j", "2", "tree", cwd=tmp_path, script=script)
    # Two workers spinning (the parent waits for them).
    assert _until(lambda: _running(mark, but=proc.pid) >= 2, 60)

    proc.kill()
    proc.communicate(timeout=30)

    assert _until(lambda: not _marked(mark), GONE_WITHIN), "a busy worker outlived its parent"


@pytest.mark.skipif(not hasattr(os, "fork") or sys.platform == "darwin", reason="a Linux terminal")
def test_a_worker_writing_to_a_tostop_terminal_does_not_stop_the_run(tmp_path: Path) -> None:
    import pty
    import select
    import termios

    _tree(tmp_path / "tree", count=20)
    # Workers that warn on stderr, which here is a terminal that stops background writers.
    script = (
        "import sys, replicate_migrate.engine.worker as worker\n"
        "original = worker.analyze_module\n"
        "def noisy(*a, **k):\n    sys.stderr.write('a warning from a worker\\n')\n"
        "    sys.stderr.flush()\n    return original(*a, **k)\n"
        "worker.analyze_module = noisy\n"
        "from replicate_migrate.cli import run\nrun()\n"
    )
    pid, master = pty.fork()
    if pid == 0:  # the child: a session of its own with the terminal as its controlling one
        try:
            attrs = termios.tcgetattr(0)
            attrs[3] |= termios.TOSTOP
            termios.tcsetattr(0, termios.TCSANOW, attrs)
            os.chdir(tmp_path)
            os.execv(sys.executable, [sys.executable, "-c", script, "--no-progress", "-j", "2", "tree"])
        finally:
            os._exit(99)
    output, deadline = b"", time.monotonic() + 60  # a hang guard
    try:
        while time.monotonic() < deadline:
            if select.select([master], [], [], 0.5)[0]:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # EIO: the session is over
                    break
                if not chunk:
                    break
                output += chunk
    finally:
        os.close(master)
    finished, status = 0, 0
    while not finished and time.monotonic() < deadline + 5:  # its end may follow its output's
        finished, status = os.waitpid(pid, os.WNOHANG)
        time.sleep(0.01)
    if not finished:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    assert finished, output.decode(errors="replace")[-2000:]
    assert os.waitstatus_to_exitcode(status) == 1, output.decode(errors="replace")[-2000:]
    assert b"a warning from a worker" in output
