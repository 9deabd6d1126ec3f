"""The pre-commit hooks in .pre-commit-hooks.yaml, run by the real pre-commit through try-repo."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

PROJECT = Path(__file__).resolve().parent.parent
PRE_COMMIT = Path(sys.executable).parent / "pre-commit"

BEFORE = """\
import replicate

output = replicate.run("black-forest-labs/flux-schnell", input={"prompt": "a fox"})
if output[0].startswith("https://"):
    print(output[0])
"""
AFTER = BEFORE.replace("output[0].startswith", "output[0].url.startswith")

GIT_IDENTITY = (
    "-c",
    "user.email=test@example.com",
    "-c",
    "user.name=test",
    "-c",
    "commit.gpgsign=false",
)

# what pip prints when it cannot reach an index; anything else is a real failure
NETWORK_SIGNS = (
    "NewConnectionError", "Temporary failure in name resolution", "Network is unreachable",
    "Name or service not known", "ConnectTimeout", "ReadTimeout", "Connection refused",
    "No matching distribution found", "ProxyError", "SSLError",
)  # fmt: skip


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's working tree (tracked and untracked, not ignored) committed to a fresh repo.

    try-repo reads a repository's commits, and its shadow copy of uncommitted changes leaves
    out untracked files, so a new `.pre-commit-hooks.yaml` would not be seen otherwise.
    """
    if shutil.which("git") is None or not PRE_COMMIT.exists():
        pytest.skip("needs git and pre-commit (pip install -e .[test])")
    listed = (
        subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=PROJECT,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split("\0")
    )
    target = tmp_path_factory.mktemp("hook-repo")
    for name in filter(None, listed):
        source = PROJECT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target / name)
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "snapshot"]):
        subprocess.run(["git", *GIT_IDENTITY, *command], cwd=target, check=True)
    return target


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository whose config says `fix = true`: the check hook must still write nothing."""
    work = tmp_path / "repo"
    work.mkdir()
    monkeypatch.setenv("PRE_COMMIT_HOME", str(tmp_path / "pre-commit-home"))
    subprocess.run(["git", "init", "-q"], cwd=work, check=True)
    (work / "gen.py").write_text(BEFORE, encoding="utf-8")
    (work / "pyproject.toml").write_text("[tool.replicate-migrate]\nfix = true\n", encoding="utf-8")
    subprocess.run(["git", "add", "gen.py", "pyproject.toml"], cwd=work, check=True)
    return work


def try_repo(hook_repo: Path, repo: Path, hook: str) -> subprocess.CompletedProcess[str]:
    """`pre-commit try-repo HOOK_REPO hook --all-files`; skips when pip cannot reach its index."""
    done = subprocess.run(
        [str(PRE_COMMIT), "try-repo", str(hook_repo), hook, "--all-files", "--color=never"],
        check=False,
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=900,
    )
    output = done.stdout + done.stderr
    if done.returncode not in (0, 1):
        log = Path(os.environ["PRE_COMMIT_HOME"]) / "pre-commit.log"
        details = output + (log.read_text(errors="replace") if log.exists() else "")
        if any(sign in details for sign in NETWORK_SIGNS):
            pytest.skip(
                f"pre-commit could not build the hook's environment (no network?):\n{output}"
            )
        pytest.fail(f"pre-commit exited {done.returncode}:\n{details}")
    return done


def test_check_hook_fails_and_leaves_the_file(hook_repo: Path, repo: Path) -> None:
    done = try_repo(hook_repo, repo, "replicate-migrate-check")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "RM001" in done.stdout
    assert (repo / "gen.py").read_text(encoding="utf-8") == BEFORE


def test_fix_hook_rewrites_the_file(hook_repo: Path, repo: Path) -> None:
    done = try_repo(hook_repo, repo, "replicate-migrate")
    assert done.returncode == 1, done.stdout + done.stderr  # pre-commit fails when files change
    assert (repo / "gen.py").read_text(encoding="utf-8") == AFTER
    compile(AFTER, "gen.py", "exec")
