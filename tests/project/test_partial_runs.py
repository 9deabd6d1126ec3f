"""Naming some files of a project (as pre-commit does) decides them as a run over the
whole project would: the other files are read for facts, neither reported nor rewritten."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import RunCli
from fixture_trees import (
    TREE_CASES,
    FileOutcome,
    case_id,
    expected_tree,
    input_tree,
    options_of,
    run_tree,
    write_tree,
)

from replicate_migrate.options import Options


@pytest.mark.parametrize("case", TREE_CASES, ids=case_id)
def test_naming_one_file_agrees_with_the_whole_project(case: Path, tmp_path: Path) -> None:
    top = write_tree(tmp_path / "repo", {**input_tree(case), "pyproject.toml": b"[project]\nname = 'x'\n"})
    whole = run_tree(top, options_of(case, top))
    for name, data in input_tree(case).items():
        named = run_tree(top, options_of(case), paths=[top / name])  # the root from pyproject.toml
        assert set(named) <= {name}, named
        untouched = FileOutcome(data, (), None)  # not analysed: nothing in it to report
        assert named.get(name, untouched) == whole.get(name, untouched), name


def test_a_fixed_helper_keeps_the_callers_read_working(tmp_path: Path, run_cli: RunCli) -> None:
    """The pre-commit hook names only the staged helper; main.py's `.read()` must survive."""
    case = next(c for c in TREE_CASES if c.name == "wrapper_read_by_caller_in_sibling_package_unchanged")
    top = write_tree(tmp_path / "repo", input_tree(case))
    (top / ".git").mkdir()
    done = run_cli("--fix", "--force-exclude", "app/core/gen.py", cwd=top)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "already uses the FileOutput API" in done.stdout
    assert (top / "app/core/gen.py").read_bytes() == expected_tree(case)["app/core/gen.py"]


def test_files_outside_the_named_ones_are_not_reported(tmp_path: Path) -> None:
    case = next(c for c in TREE_CASES if c.name == "two_services_same_module_names")
    top = write_tree(tmp_path / "repo", input_tree(case))
    named = run_tree(top, Options(jobs=1, project_root=str(top)), paths=[top / "services/b/helper.py"])
    assert list(named) == ["services/b/helper.py"]
