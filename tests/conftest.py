"""Fixtures shared by the test modules."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

RunCli = Callable[..., "subprocess.CompletedProcess[str]"]


def _run_cli(
    *args: str | Path, cwd: Path, stdin: bytes | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """`python -m replicate_migrate --no-progress *args` in `cwd`, its output decoded as UTF-8."""
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    completed = subprocess.run(
        [sys.executable, "-m", "replicate_migrate", "--no-progress", *map(str, args)],
        cwd=cwd,
        check=False,
        input=stdin,
        capture_output=True,
        timeout=timeout,
        env=env,
    )
    return subprocess.CompletedProcess(
        completed.args,
        completed.returncode,
        completed.stdout.decode("utf-8", "replace"),
        completed.stderr.decode("utf-8", "replace"),
    )


@pytest.fixture(scope="session")
def run_cli() -> RunCli:
    """Runs the command line in a subprocess: `run_cli("--fix", ".", cwd=tmp_path)`."""
    return _run_cli
