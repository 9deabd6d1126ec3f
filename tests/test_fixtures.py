"""Every fixture, three ways: the rewrite equals expected.py; rewriting expected.py changes
nothing; input.py under 0.34 and expected.py under 1.0 behave the same (stdout, files written,
exception), executed by the reference runtime.

A fixture may instead hold a tree, `input/` with `main.py` as its program (a package, a
`src/` layout, several services): every file's rewrite is checked against `expected/`
(the files that change), the second run over the expected tree changes nothing, and the
two trees are executed as programs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fixture_trees import (
    CASES,
    TREE_CASES,
    case_id,
    expected_tree,
    input_tree,
    options_of,
    run_tree,
    write_tree,
)

from replicate_migrate.engine.pipeline import migrate_sources
from replicate_migrate.options import Options
from replicate_migrate.runtime import Scenario, run_program
from replicate_migrate.runtime.variants import make_variant

FILE_CASES = [case for case in CASES if case not in TREE_CASES]
_id = case_id
VARIANT_CASES = [
    pytest.param(case, name, id=f"{case_id(case)}[{name}]")
    for case in CASES
    for name in Scenario.load(case / "scenario.json").variants
]


def _options(case: Path) -> Options:
    return options_of(case)


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


@pytest.mark.parametrize("case", FILE_CASES, ids=_id)
def test_rewrite_equals_expected(case: Path) -> None:
    source = (case / "input.py").read_bytes()
    assert _rewrite(case, source).decode() == _expected(case).read_text()


@pytest.mark.parametrize("case", FILE_CASES, ids=_id)
def test_second_rewrite_changes_nothing(case: Path) -> None:
    expected = _expected(case).read_bytes()
    assert _rewrite(case, expected).decode() == expected.decode()


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_same_behaviour_before_and_after(case: Path, tmp_path: Path) -> None:
    scenario = Scenario.load(case / "scenario.json")
    raw = json.loads((case / "scenario.json").read_text())
    if case in TREE_CASES:
        program, migrated = write_tree(tmp_path / "in", input_tree(case)), write_tree(tmp_path / "out", expected_tree(case))
    else:
        program, migrated = case / "input.py", _expected(case)
    before = run_program(program, scenario, raw.get("input_semantics", "0.34"), tmp_path / "before")
    after = run_program(migrated, scenario, "1.0", tmp_path / "after")
    assert (after.stdout, after.files, after.exception) == (before.stdout, before.files, before.exception), (
        f"before stderr:\n{before.stderr}\nafter stderr:\n{after.stderr}"
    )


def _migrated_program(case: Path, tmp_path: Path) -> Path:
    if case in TREE_CASES:
        return write_tree(tmp_path / "out", expected_tree(case))
    return _expected(case)


@pytest.mark.parametrize(("case", "variant"), VARIANT_CASES)
def test_variant_behaves_as_the_https_run(case: Path, variant: str, tmp_path: Path) -> None:
    """The expected output under 1.0 once more, with the scenario varied (`"variants"`).

    `data-urls`: every model output URL that the scenario serves becomes a base64 `data:`
    URL of the same bytes. The run must write the same files and end the same way as the
    https run, and print the same, once each data: URL in its stdout, its exception and the
    files it wrote is mapped back to the https URL it stands for.

    A fixture whose expected output is known not to survive the variant (a download left
    for review) names the exception it must end with instead, in `"variant_exceptions"`.
    """
    scenario = Scenario.load(case / "scenario.json")
    varied = make_variant(scenario, variant)
    program = _migrated_program(case, tmp_path)
    other = run_program(program, varied.scenario, "1.0", tmp_path / variant)
    fails_with = scenario.raw.get("variant_exceptions", {}).get(variant)
    if fails_with is not None:
        assert str(other.exception).startswith(f"{fails_with}:"), other.stderr
        return
    https = run_program(program, scenario, "1.0", tmp_path / "https")
    restored = (
        varied.restore(other.stdout),
        {name: varied.restore_bytes(body) for name, body in other.files.items()},
        None if other.exception is None else varied.restore(other.exception),
    )
    assert restored == (https.stdout, https.files, https.exception), (
        f"https stderr:\n{https.stderr}\n{variant} stderr:\n{other.stderr}"
    )


@pytest.mark.parametrize("case", TREE_CASES, ids=_id)
def test_tree_rewrite_equals_expected(case: Path, tmp_path: Path) -> None:
    top = write_tree(tmp_path / "project", input_tree(case))
    results = run_tree(top, options_of(case, top))
    assert all(r.error is None for r in results.values()), results
    got = {name: results[name].migrated if name in results else data for name, data in input_tree(case).items()}
    assert {k: v.decode() for k, v in got.items()} == {k: v.decode() for k, v in expected_tree(case).items()}


@pytest.mark.parametrize("case", TREE_CASES, ids=_id)
def test_tree_second_rewrite_changes_nothing(case: Path, tmp_path: Path) -> None:
    expected = expected_tree(case)
    top = write_tree(tmp_path / "project", expected)
    results = run_tree(top, options_of(case, top))
    assert {name: r.migrated.decode() for name, r in results.items()} == {
        name: expected[name].decode() for name in results
    }


_LISTED = {"rewritten", "opted-out", "needs-review"}  # an unchanged finding may go unlisted


def _findings(case: Path, tmp_path: Path) -> list[dict[str, object]]:
    """The findings of the input's rewrite, as the keys `expect` entries use."""
    if case in TREE_CASES:
        top = write_tree(tmp_path / "project", input_tree(case))
        return [
            {"rule": f[2], "action": f[3], "message": f[4], "line": f[0], "path": path}
            for path, outcome in run_tree(top, options_of(case, top)).items()
            for f in outcome.findings
        ]
    outcome = migrate_sources([(str(case / "program.py"), (case / "input.py").read_bytes())], _options(case))
    return [
        {"rule": f.rule, "action": f.action.value, "message": f.message, "line": f.line}
        for result in outcome.results
        for f in result.findings
    ]


def _matches(entry: dict[str, object], finding: dict[str, object]) -> bool:
    if (entry["rule"], entry["action"]) != (finding["rule"], finding["action"]):
        return False
    if str(entry["reason"]) not in str(finding["message"]).lower():
        return False
    return all(entry[key] == finding[key] for key in ("line", "path") if key in entry)


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_findings_are_the_expected_ones(case: Path, tmp_path: Path) -> None:
    expect = json.loads((case / "scenario.json").read_text())["expect"]
    findings = _findings(case, tmp_path)
    missing = [entry for entry in expect if not any(_matches(entry, f) for f in findings)]
    unlisted = [
        f for f in findings if f["action"] in _LISTED and not any(_matches(entry, f) for entry in expect)
    ]
    assert (missing, unlisted) == ([], []), f"findings: {findings}"
