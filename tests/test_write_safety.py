"""--fix writes only the file it read: not a newer edit, not through a swapped-in link."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from replicate_migrate.cli.writer import TEMP_SUFFIX

SOURCE = (
    b"import urllib.request\n"
    b"import replicate\n\n"
    # RM004 would read the FileOutput instead: RM001's `.url` is the edit these tests write.
    b'output = replicate.run("bytedance/sdxl-lightning-4step", input={"prompt": "a crane"})  # noqa: RM004\n'
    b'urllib.request.urlretrieve(output[0], "crane.png")\n'
)
MIGRATED = SOURCE.replace(b"output[0],", b"output[0].url,")
RunCli = Callable[..., subprocess.CompletedProcess[str]]  # the run_cli fixture, conftest.py

# The command line with one step run after a stage: after the analysis (before the
# writes) or after discovery (before the reads), the moments an editor, a formatter or a
# second run could touch the tree.
DRIVER = textwrap.dedent(
    """
    import sys
    from replicate_migrate import discovery
    from replicate_migrate.engine import pipeline

    stage, step = sys.argv[1:3]
    module, name = (pipeline, "migrate_paths") if stage == "analysis" else (discovery, "discover")
    run_stage = getattr(module, name)

    meddled = []

    def run_then_meddle(*args, **kwargs):
        done = run_stage(*args, **kwargs)
        caller = sys._getframe(1).f_globals["__name__"]
        # Once, after the run's own walk (the settings may walk the tree before it).
        if not meddled and (stage == "analysis" or caller.endswith(".files")):
            meddled.append(True)
            exec(step)
        return done

    setattr(module, name, run_then_meddle)  # before cli binds the name
    from replicate_migrate import cli

    cli.main(["--no-progress", *sys.argv[3:]])
    """
)


def run_meddled(
    meddle: str, *args: str, cwd: Path, after: str = "analysis"
) -> subprocess.CompletedProcess[str]:
    """The CLI in a subprocess, with `meddle` (Python, `os` and `Path` at hand) run after
    the stage `after`: "analysis" (so before the writes) or "discovery" (before the reads)."""
    step = "import os, shutil\nfrom pathlib import Path\n" + textwrap.dedent(meddle)
    return subprocess.run(
        [sys.executable, "-c", DRIVER, after, step, *args],
        cwd=cwd, capture_output=True, text=True, timeout=120, check=False,
    )


def error_lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in result.stderr.splitlines() if ": error: " in line]


def no_temp_files(root: Path) -> bool:
    return not [p for p in root.rglob("*") if p.name.endswith(TEMP_SUFFIX)]


def test_file_edited_after_reading_keeps_the_edit(tmp_path: Path) -> None:
    edited = SOURCE + b"# added by an editor\n"
    (tmp_path / "app.py").write_bytes(SOURCE)
    (tmp_path / "other.py").write_bytes(SOURCE)

    result = run_meddled(f"Path('app.py').write_bytes({edited!r})", "--fix", ".", cwd=tmp_path)

    assert result.returncode == 2, result.stdout + result.stderr
    assert (tmp_path / "app.py").read_bytes() == edited
    assert (tmp_path / "other.py").read_bytes() == MIGRATED
    assert error_lines(result) == ["app.py: error: changed while migrating; left as it is"]
    assert "Traceback" not in result.stderr
    assert no_temp_files(tmp_path)


def test_same_size_edit_is_noticed(tmp_path: Path) -> None:
    # Same length, and the mtime set back: only the bytes tell.
    (tmp_path / "app.py").write_bytes(SOURCE)
    meddle = """
        before = os.stat('app.py')
        Path('app.py').write_bytes(Path('app.py').read_bytes().replace(b'crane', b'heron'))
        os.utime('app.py', ns=(before.st_atime_ns, before.st_mtime_ns))
    """
    result = run_meddled(meddle, "--fix", "app.py", cwd=tmp_path)

    assert result.returncode == 2, result.stdout + result.stderr
    assert (tmp_path / "app.py").read_bytes() == SOURCE.replace(b"crane", b"heron")
    assert error_lines(result) == ["app.py: error: changed while migrating; left as it is"]


def test_file_swapped_for_a_symlink_does_not_write_its_target(tmp_path: Path) -> None:
    tree, outside = tmp_path / "tree", tmp_path / "outside"
    tree.mkdir()
    outside.mkdir()
    (tree / "app.py").write_bytes(SOURCE)
    (tree / "own.py").write_bytes(SOURCE)
    (outside / "target.py").write_bytes(SOURCE)
    os.chmod(outside / "target.py", 0o640)
    meddle = f"""
        os.symlink({str(outside / 'target.py')!r}, 'tree/swap')
        os.replace('tree/swap', 'tree/app.py')
    """
    result = run_meddled(meddle, "--fix", "tree", cwd=tmp_path)

    assert result.returncode == 2, result.stdout + result.stderr
    assert (outside / "target.py").read_bytes() == SOURCE
    assert os.stat(outside / "target.py").st_mode & 0o777 == 0o640
    assert (tree / "app.py").is_symlink()
    assert (tree / "own.py").read_bytes() == MIGRATED
    (line,) = error_lines(result)
    assert line.startswith("tree/app.py: error: changed while migrating"), line
    assert line.endswith("; left as it is")
    assert no_temp_files(tmp_path)


def test_directory_swapped_for_a_symlink_does_not_write_outside(tmp_path: Path) -> None:
    tree, outside = tmp_path / "tree", tmp_path / "outside"
    (tree / "pkg").mkdir(parents=True)
    (outside / "pkg").mkdir(parents=True)
    (tree / "pkg" / "app.py").write_bytes(SOURCE)
    (outside / "pkg" / "app.py").write_bytes(SOURCE)
    meddle = f"""
        os.rename('tree/pkg', 'tree/pkg.old')
        os.symlink({str(outside / 'pkg')!r}, 'tree/pkg', target_is_directory=True)
    """
    result = run_meddled(meddle, "--fix", "tree", cwd=tmp_path)

    assert result.returncode == 2, result.stdout + result.stderr
    assert (outside / "pkg" / "app.py").read_bytes() == SOURCE
    assert (tree / "pkg.old" / "app.py").read_bytes() == SOURCE
    assert len(error_lines(result)) == 1
    assert no_temp_files(tmp_path)


@pytest.mark.parametrize("after", ["discovery", "analysis"])
def test_directory_swapped_before_reading_does_not_write_outside(
    tmp_path: Path, after: str
) -> None:
    tree, outside = tmp_path / "tree", tmp_path / "outside"
    (tree / "pkg").mkdir(parents=True)
    (outside / "pkg").mkdir(parents=True)
    (tree / "pkg" / "app.py").write_bytes(SOURCE)
    (tree / "own.py").write_bytes(SOURCE)
    (outside / "pkg" / "app.py").write_bytes(SOURCE + b"# outside\n")
    meddle = f"""
        os.rename('tree/pkg', 'tree/pkg.old')
        os.symlink({str(outside / 'pkg')!r}, 'tree/pkg', target_is_directory=True)
    """
    result = run_meddled(meddle, "--fix", "tree", cwd=tmp_path, after=after)

    assert result.returncode == 2, result.stdout + result.stderr
    assert (outside / "pkg" / "app.py").read_bytes() == SOURCE + b"# outside\n"
    assert (tree / "own.py").read_bytes() == MIGRATED
    (line,) = error_lines(result)
    assert line.startswith("tree/pkg/app.py: error: changed while migrating"), line


def test_file_swapped_for_a_fifo_is_not_opened_blocking(tmp_path: Path) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs here")
    (tmp_path / "app.py").write_bytes(SOURCE)
    meddle = "os.unlink('app.py'); os.mkfifo('app.py')"

    result = run_meddled(meddle, "--fix", ".", cwd=tmp_path)

    assert result.returncode == 2, result.stdout + result.stderr
    assert (tmp_path / "app.py").is_fifo()
    (line,) = error_lines(result)
    assert line.startswith("app.py: error: changed while migrating"), line


def test_hard_linked_file_is_left_alone_with_a_report_line(tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / "app.py").write_bytes(SOURCE)
    os.link(tmp_path / "app.py", tmp_path / "twin.py")

    result = run_cli("--fix", "app.py", cwd=tmp_path)

    assert result.returncode == 2, result.stdout + result.stderr
    assert (tmp_path / "app.py").read_bytes() == SOURCE
    assert os.stat(tmp_path / "app.py").st_ino == os.stat(tmp_path / "twin.py").st_ino
    assert error_lines(result) == [
        "app.py: error: has 2 hard links (replacing it would split them); left as it is"
    ]


def test_symlink_named_on_the_command_line_is_not_written_through(
    tmp_path: Path, run_cli: RunCli
) -> None:
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "real.py").write_bytes(SOURCE)
    (tmp_path / "link.py").symlink_to("outside/real.py")

    result = run_cli("--fix", "link.py", cwd=tmp_path)

    assert result.returncode == 2, result.stdout + result.stderr
    assert (tmp_path / "link.py").is_symlink()
    assert (tmp_path / "outside" / "real.py").read_bytes() == SOURCE
    (line,) = error_lines(result)
    assert line.startswith("link.py: error: is a symbolic link"), line
    assert "Traceback" not in result.stderr


def test_extended_attributes_are_kept(tmp_path: Path, run_cli: RunCli) -> None:
    target = tmp_path / "app.py"
    target.write_bytes(SOURCE)
    try:
        os.setxattr(target, "user.origin", b"checkout")
    except (AttributeError, OSError):
        pytest.skip("no user extended attributes on this file system")

    result = run_cli("--fix", "app.py", cwd=tmp_path)

    assert result.returncode == 1, result.stdout + result.stderr
    assert target.read_bytes() == MIGRATED
    assert os.getxattr(target, "user.origin") == b"checkout"


def test_unmeddled_driver_writes(tmp_path: Path) -> None:
    # The driver itself must not be what makes the tests above fail, and its step must run.
    (tmp_path / "app.py").write_bytes(SOURCE)
    result = run_meddled("Path('step-ran').touch()", "--fix", "app.py", cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert (tmp_path / "app.py").read_bytes() == MIGRATED
    assert (tmp_path / "step-ran").exists()
