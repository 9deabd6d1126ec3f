"""Run a program in a fresh interpreter with the simulated replicate installed; collect its Outcome."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import replicate_migrate
from replicate_migrate.runtime.scenario import Scenario

ENTRY = "main.py"
# Default reprs (`<replicate.helpers.FileOutput object at 0x7f...>`) carry memory addresses
# that change from run to run; masking them keeps an Outcome deterministic.
_ADDRESS = re.compile(rb" at 0x[0-9a-fA-F]{4,16}>")
_MASKED = b" at 0x...>"

# Runs in the child: install the world, run the program as __main__, and record an
# uncaught exception as "TypeName: message" in a file outside the work directory.
_BOOTSTRAP = """
import os, runpy, sys, traceback
from replicate_migrate.runtime.scenario import Scenario
from replicate_migrate.runtime.world import install

scenario = Scenario.from_dict(__import__("json").loads(os.environ["RM_SCENARIO"]))
sys.argv = [os.environ["RM_ENTRY"]]
sys.path.insert(0, os.getcwd())
try:
    with install(scenario, os.environ["RM_SEMANTICS"]):
        runpy.run_path(os.environ["RM_ENTRY"], run_name="__main__")
except SystemExit as exc:
    if exc.code not in (None, 0):
        summary = f"SystemExit: {exc.code}"
        open(os.environ["RM_RESULT"], "w", encoding="utf-8").write(summary)
        raise
except BaseException as exc:
    traceback.print_exc()
    summary = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    open(os.environ["RM_RESULT"], "w", encoding="utf-8").write(summary)
    sys.exit(1)
"""


@dataclass(frozen=True)
class Outcome:
    """What a program did: its stdout, the files it wrote, and how it ended."""

    stdout: str
    files: dict[str, bytes] = field(default_factory=dict)
    exception: str | None = None  # "TypeName: message" of an uncaught exception
    stderr: str = field(default="", compare=False)  # for debugging only


def run_program(
    program: Path, scenario: Scenario, semantics: str, workdir: Path, timeout: float = 30.0
) -> Outcome:
    """Copy `program` (a file, or a directory whose entry is main.py) into `workdir` and run it."""
    own_files = _copy_program(program, workdir)
    before = _snapshot(workdir)
    entry = ENTRY if program.is_dir() else program.name
    with tempfile.TemporaryDirectory(prefix="replicate-migrate-") as scratch:
        result_file = Path(scratch) / "exception.txt"
        env = _child_env(scenario, semantics, entry, result_file)
        try:
            completed = subprocess.run(
                [sys.executable, "-c", _BOOTSTRAP],
                cwd=workdir,
                env=env,
                capture_output=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            return Outcome(
                stdout=_text(exc.stdout),
                files=_changed_files(workdir, before, own_files),
                exception=f"TimeoutError: program did not finish within {timeout} seconds",
                stderr=_text(exc.stderr),
            )
        exception = _text(result_file.read_bytes()) if result_file.exists() else None
    if exception is None and completed.returncode != 0:
        exception = f"ProcessExit: exit status {completed.returncode}"
    return Outcome(
        stdout=_text(completed.stdout),
        files=_changed_files(workdir, before, own_files),
        exception=exception,
        stderr=_text(completed.stderr),
    )


def _copy_program(program: Path, workdir: Path) -> frozenset[str]:
    workdir.mkdir(parents=True, exist_ok=True)
    if program.is_dir():
        ignore = shutil.ignore_patterns("__pycache__")
        shutil.copytree(program, workdir, dirs_exist_ok=True, ignore=ignore)
        return frozenset(_relative_files(workdir))
    shutil.copy2(program, workdir / program.name)
    return frozenset({program.name})


def _child_env(scenario: Scenario, semantics: str, entry: str, result_file: Path) -> dict[str, str]:
    package_root = str(Path(replicate_migrate.__file__).resolve().parent.parent)
    env = {key: value for key, value in os.environ.items() if not key.startswith("REPLICATE_")}
    env.update(
        PYTHONPATH=os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")])),
        PYTHONHASHSEED="0",  # set iteration order is part of what a program prints
        PYTHONDONTWRITEBYTECODE="1",
        PYTHONIOENCODING="utf-8",
        PYTHONUTF8="1",
        RM_SCENARIO=scenario.to_json(),
        RM_SEMANTICS=semantics,
        RM_ENTRY=entry,
        RM_RESULT=str(result_file),
    )
    return env


def _relative_files(root: Path) -> list[str]:
    return [
        path.relative_to(root).as_posix()
        for path in sorted(root.rglob("*"))
        if path.is_file() and "__pycache__" not in path.relative_to(root).parts
    ]


def _snapshot(root: Path) -> dict[str, bytes]:
    return {name: (root / name).read_bytes() for name in _relative_files(root)}


def _changed_files(root: Path, before: dict[str, bytes], own: frozenset[str]) -> dict[str, bytes]:
    after = _snapshot(root)
    return {
        name: _mask(body)
        for name, body in after.items()
        if name not in own and before.get(name) != body
    }


def _text(output: bytes | str | None) -> str:
    if output is None:
        return ""
    raw = output.encode("utf-8") if isinstance(output, str) else output
    return _mask(raw).decode("utf-8", errors="replace")


def _mask(data: bytes) -> bytes:
    return _ADDRESS.sub(_MASKED, data)
