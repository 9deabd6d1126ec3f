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
    staged = [name for name in input_tree(case) if name != "main.py"]  # several at once
    named = run_tree(top, options_of(case), paths=[top / name for name in staged])
    tree = input_tree(case)
    for name in staged:
        untouched = FileOutcome(tree[name], (), None)
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


def test_stdin_with_a_filename_reads_the_project_around_it(tmp_path: Path, run_cli: RunCli) -> None:
    case = next(c for c in TREE_CASES if c.name == "relative_import_wrapper_first_item_url")
    top = write_tree(tmp_path / "repo", input_tree(case))
    (top / "setup.cfg").write_text("")
    source = (top / "app/client.py").read_bytes()
    done = run_cli("-", "--stdin-filename", "app/client.py", "--fix", cwd=top, stdin=source)
    assert done.stdout == expected_tree(case)["app/client.py"].decode()


def test_project_root_option_bounds_the_files_read(tmp_path: Path, run_cli: RunCli) -> None:
    """With --project-root at the helper's own folder, the caller beside it is out of sight:
    the result then leaves what the tool can see, and the fix is the conservative one."""
    case = next(c for c in TREE_CASES if c.name == "subpackage_parent_relative_import_url")
    top = write_tree(tmp_path / "repo", input_tree(case))
    (top / ".git").mkdir()
    done = run_cli("app/services/music.py", "--project-root", "app/services", cwd=top)
    assert "use_file_output=False" in done.stdout, done.stdout + done.stderr
    assert "its consumers are outside the project" in done.stdout
    done = run_cli("app/services/music.py", cwd=top)
    assert ").url" in done.stdout, done.stdout + done.stderr


def test_both_hooks_run_serially() -> None:
    """pre-commit would otherwise split the staged files across processes."""
    hooks = (Path(__file__).parents[2] / ".pre-commit-hooks.yaml").read_text().split("- id:")[1:]
    assert len(hooks) == 2
    assert all("\n  require_serial: true\n" in hook for hook in hooks)


def test_project_root_in_pyproject_is_relative_to_it(tmp_path: Path, run_cli: RunCli) -> None:
    case = next(c for c in TREE_CASES if c.name == "subpackage_parent_relative_import_url")
    top = write_tree(tmp_path / "repo", input_tree(case))
    (top / "pyproject.toml").write_text('[tool.replicate-migrate]\nproject-root = "app/services"\n')
    done = run_cli(top / "app/services/music.py", cwd=tmp_path)
    assert "use_file_output=False" in done.stdout, done.stdout + done.stderr
