"""The bundled example app, end to end: `--fix` on a copy, then the app run under 0.34
before and under 1.0 after must behave the same; a second `--fix` changes nothing."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from replicate_migrate.runtime import Scenario, run_program

EXAMPLES = Path(__file__).parent.parent / "examples"


def _fix(tree: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "replicate_migrate", str(tree), "--fix", "--no-progress"]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def test_example_app_behaves_the_same_after_fix(tmp_path: Path) -> None:
    migrated = tmp_path / "migrated"
    shutil.copytree(EXAMPLES, migrated)
    first = _fix(migrated)
    assert first.returncode == 1, first.stdout + first.stderr
    assert "Traceback" not in first.stderr
    second = _fix(migrated)
    assert second.returncode == 0, second.stdout + second.stderr

    scenario = Scenario.load(EXAMPLES / "scenario.json")
    before = run_program(EXAMPLES, scenario, "0.34", tmp_path / "before")
    after = run_program(migrated, scenario, "1.0", tmp_path / "after")
    assert before.exception is None, before.stderr
    assert (after.stdout, after.files, after.exception) == (before.stdout, before.files, None), after.stderr


def test_example_app_breaks_under_1_0_without_the_fix(tmp_path: Path) -> None:
    """Proves the example is worth migrating: left alone, 1.0 changes its behaviour."""
    scenario = Scenario.load(EXAMPLES / "scenario.json")
    before = run_program(EXAMPLES, scenario, "0.34", tmp_path / "before")
    unmigrated = run_program(EXAMPLES, scenario, "1.0", tmp_path / "unmigrated")
    assert (unmigrated.stdout, unmigrated.files, unmigrated.exception) != (
        before.stdout, before.files, before.exception,
    )
