from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from replicate_migrate.discovery import Discovered, discover, mentions


def make(root: Path, *names: str) -> None:
    for name in names:
        path = root / name
        if name.endswith("/"):
            path.mkdir(parents=True, exist_ok=True)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("import replicate\n")


def found(result: Discovered, root: Path) -> list[str]:
    return [p.relative_to(root).as_posix() for p in result.files]


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project outside any git work tree (tmp_path lies under /tmp), as the current dir."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_py_and_notebooks_sorted_and_nothing_else(tree: Path) -> None:
    make(tree, "b.py", "a/z.ipynb", "a/y.py", "a.py", "README.md", "c.pyi", "data.json")
    assert found(discover([tree]), tree) == ["a/y.py", "a/z.ipynb", "a.py", "b.py"]


def test_walking_dot_spells_paths_like_pathlib(tree: Path) -> None:
    make(tree, "a.py", "pkg/b.py")
    result = discover([Path("."), Path("a.py"), Path("./pkg/b.py")])
    assert result.files == (Path("a.py"), Path("pkg/b.py"))


def test_default_excludes_apply_to_walked_paths(tree: Path) -> None:
    make(
        tree,
        "a.py",
        ".venv/lib/x.py",
        "build/x.py",
        "sub/node_modules/x.py",
        "sub/__pycache__/x.py",
    )
    assert found(discover([tree]), tree) == ["a.py"]


def test_exclude_replaces_the_defaults(tree: Path) -> None:
    make(tree, "a.py", "build/x.py", "gen/x.py")
    assert found(discover([tree], exclude=["gen"]), tree) == ["a.py", "build/x.py"]


def test_extend_exclude_adds_globs_names_and_anchored_paths(tree: Path) -> None:
    make(tree, "a.py", "a_pb2.py", "build/x.py", "tests/fixtures/x.py", "src/tests/fixtures/y.py")
    result = discover([tree], extend_exclude=["*_pb2.py", "/tests/fixtures"])
    assert found(result, tree) == ["a.py", "src/tests/fixtures/y.py"]


def test_anchored_excludes_are_relative_to_root_when_walking_a_subdirectory(tree: Path) -> None:
    make(tree, "tests/fixtures/x.py", "tests/test_a.py")
    result = discover([Path("tests")], extend_exclude=["tests/fixtures/"])
    assert result.files == (Path("tests/test_a.py"),)


def test_explicit_file_in_excluded_dir_is_taken_unless_force_exclude(tree: Path) -> None:
    make(tree, "build/x.py", "gen/y.py", "ok/z.py")
    explicit = [Path("build/x.py"), Path("gen/y.py"), Path("ok/z.py")]
    assert discover(explicit, extend_exclude=["gen/"]).files == tuple(explicit)
    forced = discover(explicit, extend_exclude=["gen/"], force_exclude=True)
    assert forced.files == (Path("ok/z.py"),)


def test_explicit_excluded_directory_is_walked_unless_force_exclude(tree: Path) -> None:
    make(tree, "build/x.py")
    assert discover([Path("build")]).files == (Path("build/x.py"),)
    assert discover([Path("build")], force_exclude=True).files == ()


def test_gitignore_root_and_nested(tree: Path) -> None:
    make(tree, "a.py", "gen/x.py", "pkg/b.py", "pkg/local.py", "pkg/deep/local.py", "keep.py")
    (tree / ".gitignore").write_text("gen/\n*.py\n!a.py\n!keep.py\n!pkg/**\n# comment\n")
    (tree / "pkg" / ".gitignore").write_text("local.py\n")
    assert found(discover([tree]), tree) == ["a.py", "keep.py", "pkg/b.py"]
    everything = discover([tree], respect_gitignore=False)
    assert len(everything.files) == 6


def test_nested_gitignore_can_reinclude(tree: Path) -> None:
    make(tree, "pkg/a_gen.py", "pkg/b_gen.py")
    (tree / ".gitignore").write_text("*_gen.py\n")
    (tree / "pkg" / ".gitignore").write_text("!b_gen.py\n")
    assert found(discover([tree]), tree) == ["pkg/b_gen.py"]


def test_gitignore_of_enclosing_repository_applies_to_a_walked_subdirectory(tree: Path) -> None:
    make(tree, ".git/", "src/a.py", "src/gen/x.py", "src/ignored_by_info.py")
    (tree / ".gitignore").write_text("src/gen/\n")
    (tree / ".git" / "info").mkdir()
    (tree / ".git" / "info" / "exclude").write_text("ignored_by_info.py\n")
    assert discover([Path("src")]).files == (Path("src/a.py"),)


def test_a_git_file_of_a_worktree_or_submodule_is_not_an_error(tree: Path) -> None:
    # `git worktree add` and submodules write `.git` as a file (`gitdir: ...`).
    make(tree, "a.py", "ignored.py")
    (tree / ".git").write_text("gitdir: /elsewhere/.git/worktrees/a\n")
    (tree / ".gitignore").write_text("ignored.py\n")
    result = discover([tree])
    assert result.errors == ()
    assert found(result, tree) == ["a.py"]


def test_explicit_ignored_directory_is_still_walked(tree: Path) -> None:
    make(tree, ".git/", "vendor/lib/a.py")
    (tree / ".gitignore").write_text("vendor/\n")
    assert discover([Path("vendor/lib")]).files == (Path("vendor/lib/a.py"),)
    assert discover([tree]).files == ()


def test_force_exclude_applies_gitignore_to_explicit_files(tree: Path) -> None:
    make(tree, ".git/", "gen/x.py", "a.py")
    (tree / ".gitignore").write_text("gen/\n")
    files = [Path("gen/x.py"), Path("a.py")]
    assert discover(files).files == (Path("a.py"), Path("gen/x.py"))
    assert discover(files, force_exclude=True).files == (Path("a.py"),)


def test_stray_gitignore_above_the_walk_outside_a_repository_is_ignored(tree: Path) -> None:
    make(tree, "project/a.py")
    (tree / ".gitignore").write_text("*\n")
    assert discover([Path("project")]).files == (Path("project/a.py"),)


def test_symlinks_are_not_followed_while_walking(
    tree: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside = tmp_path_factory.mktemp("outside")
    make(outside, "secret.py", "pkg/s.py")
    make(tree, "a.py")
    (tree / "loop").symlink_to(tree)
    (tree / "out_dir").symlink_to(outside / "pkg")
    (tree / "out_file.py").symlink_to(outside / "secret.py")
    (tree / "inside.py").symlink_to(tree / "a.py")
    (tree / "broken.py").symlink_to(tree / "missing.py")
    result = discover([tree])
    assert found(result, tree) == ["a.py"]
    assert result.errors == ()


def test_explicit_broken_link_missing_path_and_loop_are_errors(tree: Path) -> None:
    make(tree, "a.py")
    (tree / "broken.py").symlink_to(tree / "missing.py")
    (tree / "loop1.py").symlink_to(tree / "loop2.py")
    (tree / "loop2.py").symlink_to(tree / "loop1.py")
    paths = [Path("a.py"), Path("broken.py"), Path("loop1.py"), Path("nope")]
    result = discover(paths)
    assert result.files == (Path("a.py"),)
    assert result.errors == (
        ("broken.py", "broken symbolic link"),
        ("loop1.py", "symbolic link loop"),
        ("nope", "no such file or directory"),
    )


def test_explicit_symlink_to_a_file_is_taken(tree: Path) -> None:
    make(tree, "real.py")
    (tree / "link.py").symlink_to(tree / "real.py")
    assert discover([Path("link.py")]).files == (Path("link.py"),)


def test_unreadable_directory_is_an_error_and_the_walk_goes_on(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make(tree, "a.py", "locked/x.py", "open/y.py")
    real_scandir = os.scandir

    def scandir(path: str) -> Iterator[os.DirEntry[str]]:
        if os.path.basename(path) == "locked":
            raise PermissionError(13, "Permission denied", path)
        return real_scandir(path)

    # Tests may run as root, who reads anything, so chmod 000 would prove nothing.
    monkeypatch.setattr(os, "scandir", scandir)
    result = discover([Path(".")])
    assert result.files == (Path("a.py"), Path("open/y.py"))
    assert result.errors == (("locked", "cannot read directory: Permission denied"),)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads anything")
def test_chmod_000_directory_is_an_error(tree: Path) -> None:
    make(tree, "locked/x.py")
    (tree / "locked").chmod(0)
    try:
        result = discover([tree])
    finally:
        (tree / "locked").chmod(0o755)
    assert result.errors == ((str(tree / "locked"), "cannot read directory: Permission denied"),)


def test_fifo_given_explicitly_is_an_error(tree: Path) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs here")
    os.mkfifo(tree / "pipe.py")
    assert discover([Path("pipe.py")]).errors == (("pipe.py", "not a regular file (a FIFO); skipped"),)
    assert discover([tree]).files == ()


def test_mentions_is_a_plain_byte_search() -> None:
    assert mentions(b"import replicate\n", [b"replicate"])
    assert mentions(b"x = 1  # replicate.run", [b"nothing", b"replicate.run"])
    assert not mentions(b"import os\n", [b"replicate"])
    assert not mentions(b"anything", [])


def test_project_root_named_like_an_exclude_is_still_walked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "build"
    make(project, "a.py", "build/x.py")
    monkeypatch.chdir(project)
    for force_exclude in (False, True):
        assert discover([Path(".")], force_exclude=force_exclude).files == (Path("a.py"),)
    assert discover([project], root=project, force_exclude=True).files == (project / "a.py",)
