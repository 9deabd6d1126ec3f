"""The worker pool: files stay with their worker, and no worker outlives the run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from replicate_migrate.engine import crossfile, worker
from replicate_migrate.engine.job import Job
from replicate_migrate.engine.pool import Pool
from replicate_migrate.options import Options
from replicate_migrate.project.resolver import EMPTY
from replicate_migrate.results import Action, FileResult
from replicate_migrate.rules.run_returns_file_output.decide import URL, Decision

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
        assert _wait_for(lambda: _marked(mark) == 4)  # the parent, the forking process, two workers
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
        results = pool.rewrite({f.path: {} for f in facts})
    assert sorted(r.path for r in results) == ["m0.py", "m1.py", "m2.py"]
    assert all(r.error is None for r in results)


# --- a file that breaks the engine costs that file only ------------------------------------


@pytest.fixture
def hang_guard() -> Iterator[None]:
    """Fails the test instead of hanging the suite when the pool waits for ever."""

    def expire(signum: int, frame: object) -> None:
        raise TimeoutError("the pool hung")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(60)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _run(jobs: int, count: int = 3) -> dict[str, FileResult]:
    with Pool(jobs) as pool:
        pool.start(EMPTY, frozenset({"RM001"}))
        facts = sorted(pool.analyze([Job(f"m{i}.py", f"m{i}", SOURCE) for i in range(count)]), key=lambda f: f.path)
        models, _ = crossfile.models_of(facts, Options())
        results = pool.rewrite(crossfile.project_phase(facts, models, Options()))
    return {r.path: r for r in results}


def _breaking(original: Callable[..., Any], path: str, breaks: Callable[[], None]) -> Callable[..., Any]:
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if path in args or path in kwargs.values() or any(getattr(a, "path", None) == path for a in args):
            breaks()
        return original(*args, **kwargs)

    return wrapped


def _raise() -> None:
    raise RuntimeError("boom\nsecond line")


@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.usefixtures("hang_guard")
def test_an_exception_analysing_one_file_is_its_error(monkeypatch: pytest.MonkeyPatch, jobs: int) -> None:
    monkeypatch.setattr(worker, "analyze_module", _breaking(worker.analyze_module, "m1.py", _raise))

    results = _run(jobs)

    assert sorted(results) == ["m0.py", "m1.py", "m2.py"]
    assert results["m1.py"].error == "m1.py: internal error: RuntimeError: boom second line (please report this)"
    assert results["m0.py"].changed and results["m2.py"].changed


@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.usefixtures("hang_guard")
def test_an_exception_rewriting_one_file_is_its_error(monkeypatch: pytest.MonkeyPatch, jobs: int) -> None:
    monkeypatch.setattr(worker, "plan_edits", _breaking(worker.plan_edits, "m2.py", _raise))

    results = _run(jobs)

    assert sorted(results) == ["m0.py", "m1.py", "m2.py"]
    assert results["m2.py"].error is not None and "internal error: RuntimeError" in results["m2.py"].error
    assert results["m0.py"].error is None and results["m1.py"].error is None


def _die() -> None:
    if os.getpid() != PARENT:
        os.kill(os.getpid(), signal.SIGKILL)


PARENT = os.getpid()


@pytest.mark.parametrize("victim", ["m0.py", "m1.py"])
@pytest.mark.usefixtures("hang_guard")
def test_a_worker_that_dies_costs_its_files_only(monkeypatch: pytest.MonkeyPatch, victim: str) -> None:
    # Three files of one size on two workers: m0 and m2 on the first, m1 on the second.
    monkeypatch.setattr(worker, "analyze_module", _breaking(worker.analyze_module, victim, _die))

    results = _run(2)

    assert sorted(results) == ["m0.py", "m1.py", "m2.py"]
    lost = {"m0.py", "m2.py"} if victim == "m0.py" else {"m1.py"}
    for path, result in results.items():
        if path in lost:
            assert result.error == f"{path}: internal error: its worker process stopped (killed, or out of memory?) (please report this)"
        else:
            assert result.error is None and result.changed, path


@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.usefixtures("hang_guard")
def test_a_decision_naming_what_the_file_lacks_is_refused(jobs: int) -> None:
    with Pool(jobs) as pool:
        pool.start(EMPTY, frozenset({"RM001"}))
        facts = {f.path: f for f in pool.analyze([Job(f"m{i}.py", f"m{i}", SOURCE) for i in range(2)])}
        call = facts["m0.py"].calls[0]
        stray = Decision(call, Action.REWRITTEN, "added .url", edits=((10**6, URL),))
        other = Decision(replace(call, id="elsewhere:1"), Action.REWRITTEN, "added .url")
        results = {r.path: r for r in pool.rewrite({"m0.py": {"RM001": (stray,)}, "m1.py": {"RM001": (other,)}})}

    assert results["m0.py"].error == (
        "m0.py: internal error: ValueError: RM001 edits node 1000000, which this file does not have (please report this)"
    )
    assert results["m1.py"].error == (
        "m1.py: internal error: ValueError: a decision names call 'elsewhere:1', which this file does not have"
        " (please report this)"
    )
    assert results["m0.py"].migrated is None and results["m1.py"].migrated is None
