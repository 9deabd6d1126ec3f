"""Module keys and import resolution, the way Python's import system sees a tree."""

from __future__ import annotations

from pathlib import Path

from replicate_migrate.project import build_project, display, find_project_root


def _tree(top: Path, *names: str) -> list[str]:
    for name in names:
        path = top / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")
    return [str(top / name) for name in names if name.endswith((".py", ".ipynb"))]


def test_same_named_files_in_two_script_folders_are_two_modules(tmp_path: Path) -> None:
    paths = _tree(tmp_path, "services/a/main.py", "services/b/main.py", "services/a/utils.py", "services/b/utils.py")
    keys = build_project(paths, str(tmp_path)).keys
    assert len(set(keys.values())) == 4
    assert {display(key) for key in keys.values()} == {"main", "utils"}


def test_a_package_module_is_named_from_the_folder_above_the_package(tmp_path: Path) -> None:
    paths = _tree(tmp_path, "pkg/__init__.py", "pkg/sub/__init__.py", "pkg/sub/mod.py", "main.py")
    project = build_project(paths, str(tmp_path))
    key = {display(k): k for k in project.keys.values()}
    assert set(key) == {"pkg", "pkg.sub", "pkg.sub.mod", "main"}
    resolver = project.resolver
    assert resolver.absolute(key["main"], "pkg.sub.mod") == key["pkg.sub.mod"]
    assert resolver.relative(key["pkg.sub.mod"], 1, "") == key["pkg.sub"]
    assert resolver.relative(key["pkg.sub.mod"], 2, "sub.mod") == key["pkg.sub.mod"]
    assert resolver.relative(key["pkg.sub"], 1, "mod") == key["pkg.sub.mod"]  # `.` of __init__ is itself
    assert resolver.relative(key["pkg.sub.mod"], 3, "x") is None  # above the top-level package
    assert resolver.relative(key["main"], 1, "pkg") is None  # a script has no package


def test_src_layout_and_the_project_root_are_on_the_import_path(tmp_path: Path) -> None:
    paths = _tree(tmp_path, "src/lib/__init__.py", "src/lib/core.py", "tests/test_core.py", "main.py")
    project = build_project(paths, str(tmp_path))
    key = {display(k): k for k in project.keys.values()}
    assert project.resolver.absolute(key["test_core"], "lib.core") == key["lib.core"]
    assert project.resolver.absolute(key["main"], "lib") == key["lib"]
    assert project.resolver.absolute(key["main"], "json") == "json"


def test_a_service_cannot_import_its_neighbours_modules(tmp_path: Path) -> None:
    paths = _tree(tmp_path, "a/main.py", "a/helper.py", "b/main.py")
    project = build_project(paths, str(tmp_path))
    a_main, a_helper, b_main = (project.keys[p] for p in paths)
    assert project.resolver.absolute(a_main, "helper") == a_helper
    assert project.resolver.absolute(b_main, "helper") == "helper"  # not the project's
    # Only through the project root on the path, by its full name, as Python would.
    assert project.resolver.absolute(b_main, "a.helper") == a_helper
    assert project.resolver.can_import(b_main, a_helper)
    bounded = build_project(paths, str(tmp_path / "b"))  # the project is b alone
    assert not bounded.resolver.can_import(bounded.keys[paths[2]], bounded.keys[paths[1]])


def test_namespace_packages_reach_a_file_under_its_own_key(tmp_path: Path) -> None:
    paths = _tree(tmp_path, "app/clients/api.py", "main.py")
    project = build_project(paths, str(tmp_path))
    api, main = (project.keys[p] for p in paths)
    assert project.resolver.absolute(main, "app.clients.api") == api
    assert project.resolver.absolute(main, "logging") == "logging"


def test_only_the_replicate_package_itself_is_skipped(tmp_path: Path) -> None:
    paths = _tree(
        tmp_path, "vendor/replicate/__init__.py", "vendor/replicate/client.py",
        "app/clients/replicate.py", "replicate.ipynb",
    )
    project = build_project(paths, str(tmp_path))
    assert [project.is_replicate_itself(p) for p in paths] == [True, True, False, False]


def test_import_replicate_means_the_package_beside_a_replicate_py(tmp_path: Path) -> None:
    paths = _tree(tmp_path, "tools/replicate.py", "tools/run.py")
    project = build_project(paths, str(tmp_path))
    own, run = (project.keys[p] for p in paths)
    assert project.resolver.absolute(own, "replicate") == "replicate"
    assert project.resolver.absolute(run, "replicate") == "replicate"
    assert project.resolver.absolute(run, "replicate.helpers") == "replicate.helpers"


def test_a_script_named_like_a_library_does_not_shadow_it_for_its_neighbours(tmp_path: Path) -> None:
    paths = _tree(tmp_path, "corpus/json.py", "corpus/requests.py", "corpus/app.py", "corpus/utils.py")
    project = build_project(paths, str(tmp_path))
    app, utils = project.keys[paths[2]], project.keys[paths[3]]
    assert project.resolver.absolute(app, "json") == "json"
    assert project.resolver.absolute(app, "requests") == "requests"
    assert project.resolver.absolute(app, "utils") == utils  # any other name is the project's
    package = build_project(_tree(tmp_path / "p", "test/__init__.py", "main.py"), str(tmp_path / "p"))
    test, main = package.keys.values()
    assert package.resolver.absolute(main, "test") == test  # a package of that name is deliberate


def test_files_no_import_reaches_have_keys_of_their_own(tmp_path: Path) -> None:
    paths = _tree(tmp_path, "pkg/__init__.py", "pkg.py", "notes.py", "notes.ipynb")
    keys = build_project(paths, str(tmp_path)).keys
    assert len(set(keys.values())) == 4


def test_the_project_root_is_the_nearest_marker_above(tmp_path: Path) -> None:
    _tree(tmp_path, "repo/pyproject.toml", "repo/app/deep/mod.py")
    assert find_project_root(tmp_path / "repo/app/deep/mod.py") == str(tmp_path / "repo")
    assert find_project_root(tmp_path / "repo/app") == str(tmp_path / "repo")
    (tmp_path / "loose").mkdir()
    assert find_project_root(tmp_path / "loose") == str(tmp_path / "loose")


def test_each_file_imports_within_its_own_project(tmp_path: Path) -> None:
    """In a monorepo of projects, a file's import path stops at its own project's root, so
    a run naming it alone and a run over the whole repository resolve it the same."""
    _tree(tmp_path, ".git/HEAD", "services/a/pyproject.toml")
    paths = _tree(tmp_path, "common/__init__.py", "services/a/app.py", "tools/run.py")
    project = build_project(paths, None)
    common, app, run = (project.keys[p] for p in paths)
    assert project.resolver.absolute(run, "common") == common  # tools/ is under the repository's root
    assert project.resolver.absolute(app, "common") == "common"  # services/a is a project of its own


def test_a_project_whose_top_folder_is_a_package_imports_from_that_folder(tmp_path: Path) -> None:
    """Django-style: `repo/__init__.py`, run as `python manage.py` from `repo/`."""
    _tree(tmp_path, "repo/pyproject.toml")
    paths = _tree(tmp_path, "repo/__init__.py", "repo/manage.py", "repo/shop/__init__.py", "repo/shop/models.py")
    project = build_project(paths, None)
    models, manage = project.keys[paths[3]], project.keys[paths[1]]
    assert display(models) == "repo.shop.models"
    assert project.resolver.absolute(manage, "shop.models") == models
    assert project.resolver.absolute(manage, "repo.shop.models") == models
