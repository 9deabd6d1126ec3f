"""Every fixture, three ways: the rewrite equals expected.py; rewriting expected.py changes
nothing; input.py under 0.34 and expected.py under 1.0 behave the same (stdout, files written,
exception), executed by the reference runtime."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from replicate_migrate.engine.pipeline import migrate_sources
from replicate_migrate.options import Options, Strategy
from replicate_migrate.runtime import Scenario, run_program

FIXTURES = Path(__file__).parent / "fixtures"
CASES = sorted(p.parent for p in FIXTURES.glob("*/*/scenario.json"))


def _id(case: Path) -> str:
    return f"{case.parent.name}/{case.name}"


def _options(case: Path) -> Options:
    settings = json.loads((case / "scenario.json").read_text()).get("options", {})
    return Options(strategy=Strategy(settings.get("strategy", "auto")), jobs=1)


def _rewrite(case: Path, source: bytes) -> bytes:
    # A name inside the fixture folder gives the module a stable name ("input"/"expected").
    outcome = migrate_sources([(str(case / "program.py"), source)], _options(case))
    for result in outcome.results:
        assert result.error is None, result.error
        if result.migrated is not None:
            return result.migrated
    return source


def _expected(case: Path) -> Path:
    expected = case / "expected.py"
    return expected if expected.exists() else case / "input.py"


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_rewrite_equals_expected(case: Path) -> None:
    source = (case / "input.py").read_bytes()
    assert _rewrite(case, source).decode() == _expected(case).read_text()


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_second_rewrite_changes_nothing(case: Path) -> None:
    expected = _expected(case).read_bytes()
    assert _rewrite(case, expected).decode() == expected.decode()


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_same_behaviour_before_and_after(case: Path, tmp_path: Path) -> None:
    scenario = Scenario.load(case / "scenario.json")
    raw = json.loads((case / "scenario.json").read_text())
    before = run_program(case / "input.py", scenario, raw.get("input_semantics", "0.34"), tmp_path / "before")
    after = run_program(_expected(case), scenario, "1.0", tmp_path / "after")
    assert (after.stdout, after.files, after.exception) == (before.stdout, before.files, before.exception), (
        f"before stderr:\n{before.stderr}\nafter stderr:\n{after.stderr}"
    )
