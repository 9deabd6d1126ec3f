"""The worker pool: files stay with their worker, and no worker outlives the run."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from replicate_migrate.engine.pool import Job, Pool
from replicate_migrate.project.resolver import EMPTY

SOURCE = b'import replicate\n\nout = replicate.run("black-forest-labs/flux-schnell", input={})\nprint(out[0] + "")\n'


def _marked(mark: str) -> int:
    """How many live processes carry `mark` in their environment."""
    count = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if mark.encode() in (entry / "environ").read_bytes():
                count += 1
        except OSError:
            continue
    return count


def _wait_for(predicate: object, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs /proc")
def test_workers_exit_when_the_parent_is_killed() -> None:
    mark = f"RM_POOL_TEST={uuid.uuid4().hex}"
    script = (
        "import time\n"
        "from replicate_migrate.engine.pool import Pool\n"
        "pool = Pool(2)\n"
        "from replicate_migrate.project.resolver import EMPTY\n"
        "pool.start(EMPTY, frozenset())\n"
        "print('ready', flush=True)\n"
        "time.sleep(120)\n"
    )
    name, value = mark.split("=")
    parent = subprocess.Popen(
        [sys.executable, "-c", script], env={**os.environ, name: value}, stdout=subprocess.PIPE
    )
    try:
        assert parent.stdout is not None and parent.stdout.readline() == b"ready\n"
        assert _wait_for(lambda: _marked(mark) == 3)  # the parent and two workers
    finally:
        parent.kill()  # no cleanup runs in the parent
        parent.wait()
    assert _wait_for(lambda: _marked(mark) == 0), "a worker outlived its parent"


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_file_is_analysed_and_rewritten_by_the_same_worker(jobs: int) -> None:
    with Pool(jobs) as pool:
        pool.start(EMPTY, frozenset({"RM001"}))
        facts = pool.analyze([Job(f"m{i}.py", f"m{i}", SOURCE) for i in range(3)])
        assert sorted(f.path for f in facts) == ["m0.py", "m1.py", "m2.py"]
        # Growing a file's analysis sends no bytes: the worker holding it still has them.
        assert pool.analyze([Job("m1.py", "m1", b"", provide=frozenset({"out"}))]) == []
        results = pool.rewrite({f.path: [] for f in facts})
    assert sorted(r.path for r in results) == ["m0.py", "m1.py", "m2.py"]
    assert all(r.error is None for r in results)
