"""What --fix must never do: change bytes it did not mean to, write outside its paths, half-write."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import sysconfig
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import libcst as cst
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from replicate_migrate.cli.writer import TEMP_SUFFIX
from replicate_migrate.engine.pipeline import migrate_paths, migrate_sources
from replicate_migrate.options import Options

# RM004 would read the FileOutput instead: RM001's `.url` is the edit these tests check.
CALL = b'output = replicate.run("bytedance/sdxl-lightning-4step", input={"prompt": "a crane"})  # noqa: RM004'
USE = b'urllib.request.urlretrieve(output[0], "crane.png")'
FIXED_USE = USE.replace(b"output[0],", b"output[0].url,")
RunCli = Callable[..., subprocess.CompletedProcess[str]]  # the run_cli fixture, conftest.py


def source(newline: bytes = b"\n", *, head: bytes = b"", body_indent: bytes = b"") -> bytes:
    lines = [b"import urllib.request", b"import replicate", b""]
    if body_indent:
        lines += [b"def fetch():", body_indent + CALL, body_indent + USE, b"", b"fetch()"]
    else:
        lines += [CALL, USE]
    return head + newline.join(lines) + newline


def snapshot(root: Path) -> dict[str, tuple[bytes, int, int]]:
    """Every file below `root`: bytes, mode, mtime. Symbolic links are recorded, not followed."""
    out = {}
    for path in sorted(root.rglob("*")):
        if path.is_symlink():
            out[str(path)] = (os.readlink(path).encode(), 0, 0)
        elif path.is_file():
            info = path.stat()
            out[str(path)] = (path.read_bytes(), info.st_mode, info.st_mtime_ns)
    return out


# --- bytes -------------------------------------------------------------------------------

LAYOUTS = {
    "crlf": source(b"\r\n"),
    "bom": b"\xef\xbb\xbf" + source(),
    "latin1_cookie": source(
        head=b"# -*- coding: latin-1 -*-\n# caf\xe9 cr\xe8me br\xfbl\xe9e\ntitle = 'na\xefve'\n"
    ),
    "no_final_newline": source().rstrip(b"\n"),
    "tabs": source(body_indent=b"\t").replace(b"import replicate", b"import replicate\t# tab"),
}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_fix_changes_only_the_rewritten_span(tmp_path: Path, layout: str, run_cli: RunCli) -> None:
    original = LAYOUTS[layout]
    assert original.count(USE) == 1
    target = tmp_path / "app.py"
    target.write_bytes(original)

    result = run_cli("--fix", "app.py", cwd=tmp_path)

    assert result.returncode == 1, result.stdout + result.stderr
    assert target.read_bytes() == original.replace(USE, FIXED_USE)


@pytest.mark.parametrize("mode", [0o755, 0o600])
def test_fix_keeps_the_file_mode(tmp_path: Path, mode: int, run_cli: RunCli) -> None:
    target = tmp_path / "app.py"
    target.write_bytes(source())
    target.chmod(mode)

    result = run_cli("--fix", "app.py", cwd=tmp_path)

    assert result.returncode == 1, result.stderr
    assert target.read_bytes() == source().replace(USE, FIXED_USE)
    assert stat.S_IMODE(target.stat().st_mode) == mode


# --- bad input ---------------------------------------------------------------------------


def test_undecodable_file_is_a_one_line_error_naming_it(tmp_path: Path, run_cli: RunCli) -> None:
    bad = tmp_path / "bad.py"
    bad.write_bytes(b"import replicate\nname = '\xff\xfe'\n")

    result = run_cli("--fix", ".", cwd=tmp_path)

    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if "bad.py" in line]  # errors: stderr
    assert len(errors) == 1 and "decode" in errors[0], result.stderr
    assert "bad.py" not in result.stdout
    assert "Traceback" not in result.stderr
    assert bad.read_bytes() == b"import replicate\nname = '\xff\xfe'\n"


def test_symlink_out_of_the_tree_is_not_followed(tmp_path: Path, run_cli: RunCli) -> None:
    tree, outside = tmp_path / "tree", tmp_path / "outside"
    tree.mkdir()
    outside.mkdir()
    (outside / "target.py").write_bytes(source())
    (outside / "pkg").mkdir()
    (outside / "pkg" / "inner.py").write_bytes(source())
    (tree / "link.py").symlink_to(outside / "target.py")
    (tree / "linkdir").symlink_to(outside / "pkg", target_is_directory=True)
    (tree / "own.py").write_bytes(source())
    before = snapshot(outside)

    result = run_cli("--fix", "tree", cwd=tmp_path)

    assert result.returncode == 1, result.stdout + result.stderr
    assert snapshot(outside) == before
    assert (tree / "link.py").is_symlink() and (tree / "linkdir").is_symlink()
    assert (tree / "own.py").read_bytes() == source().replace(USE, FIXED_USE)


def test_symlink_loops_neither_hang_nor_crash(tmp_path: Path, run_cli: RunCli) -> None:
    tree = tmp_path / "tree"
    (tree / "sub").mkdir(parents=True)
    (tree / "sub" / "up").symlink_to(tree, target_is_directory=True)
    (tree / "a.py").symlink_to(tree / "b.py")
    (tree / "b.py").symlink_to(tree / "a.py")
    (tree / "own.py").write_bytes(source())

    walked = run_cli("tree", cwd=tmp_path, timeout=60)
    named = run_cli("tree/a.py", cwd=tmp_path, timeout=60)

    assert walked.returncode == 1, walked.stdout + walked.stderr
    assert named.returncode == 2
    assert "tree/a.py" in named.stderr and "loop" in named.stderr
    assert "Traceback" not in walked.stderr + named.stderr


def test_nothing_outside_the_given_paths_is_written(tmp_path: Path, run_cli: RunCli) -> None:
    tree, sibling = tmp_path / "tree", tmp_path / "sibling"
    for directory in (tree, sibling):
        (directory / "pkg").mkdir(parents=True)
        (directory / "pkg" / "__init__.py").write_bytes(b"")
        (directory / "pkg" / "app.py").write_bytes(source())
        (directory / "use.py").write_bytes(b"from pkg.app import output\nprint(output)\n")
    before = snapshot(sibling)
    top = sorted(p.name for p in tmp_path.iterdir())

    result = run_cli("--fix", "tree", cwd=tmp_path)

    assert result.returncode == 1, result.stdout + result.stderr
    assert (tree / "pkg" / "app.py").read_bytes() != source()
    assert snapshot(sibling) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == top


# --- interruption ------------------------------------------------------------------------


def test_sigterm_leaves_every_file_whole(tmp_path: Path, run_cli: RunCli) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    for n in range(300):
        # Different sizes and contents so no two files are written at the same moment.
        (tree / f"m{n:03}.py").write_bytes(source() + b"# filler\n" * n)
    originals = {p.name: p.read_bytes() for p in tree.iterdir()}
    reference = tmp_path / "reference"
    shutil.copytree(tree, reference)
    assert run_cli("--fix", "reference", cwd=tmp_path).returncode == 1
    migrated = {p.name: p.read_bytes() for p in reference.iterdir()}
    assert all(migrated[name] != originals[name] for name in originals)

    proc = subprocess.Popen(
        [sys.executable, "-m", "replicate_migrate", "--no-progress", "--fix", "tree"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while proc.poll() is None and time.monotonic() < deadline:
        if any((tree / name).read_bytes() != data for name, data in originals.items()):
            break
        time.sleep(0.005)
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=30)

    for name, data in originals.items():
        now = (tree / name).read_bytes()
        assert now in (data, migrated[name]), name
    assert not [p for p in tmp_path.rglob("*") if p.name.endswith(TEMP_SUFFIX)]


# --- robustness --------------------------------------------------------------------------

HEADER = re.compile(r"^\+\+\+ b/(.*?)(?::cell \d+)?$", re.MULTILINE)
ERROR = re.compile(r"^(?P<path>\S.*?)(?::\d+:\d+)?: error: (?P<message>.+)$")


@pytest.mark.parametrize("which", ["stdlib", "purelib"])
def test_dry_run_over_installed_python_is_quiet(
    tmp_path: Path, which: str, run_cli: RunCli
) -> None:
    root = Path(sysconfig.get_paths()[which])

    result = run_cli(root, cwd=tmp_path, timeout=900)

    assert result.returncode in (0, 1, 2)
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    lines = result.stdout.splitlines()
    for line in lines:
        if ": error: " in line:
            match = ERROR.match(line)
            assert match and Path(match["path"]).exists(), line
    for shown in HEADER.findall(result.stdout):
        path = Path("/" + shown)
        text = path.read_bytes()
        assert b"import replicate" in text or b"from replicate" in text, shown
        assert "site-packages/replicate/" not in shown, f"proposes to change {shown}"


# --- property ----------------------------------------------------------------------------

FILLER = st.sampled_from(
    [
        "x = 1",
        "# a comment",
        'print("hello")',
        "",
        "   ",
        "values = [1, 2, 3]",
        "\t# tab comment",
        "y = x  # trailing",
        'name = "caf\u00e9"',
        "def f():\n    return 2",
        "if x:\n\tpass",
        "import os",
        "z = (1,\n     2)",
    ]
)
NEWLINES = st.sampled_from(["\n", "\r\n"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    before=st.lists(st.tuples(FILLER, NEWLINES), max_size=5),
    between=st.lists(st.tuples(FILLER, NEWLINES), max_size=4),
    after=st.lists(st.tuples(FILLER, NEWLINES), max_size=5),
    newline=NEWLINES,
)
def test_migration_keeps_filler_lines_byte_for_byte(
    before: list[tuple[str, str]],
    between: list[tuple[str, str]],
    after: list[tuple[str, str]],
    newline: str,
) -> None:
    def block(lines: list[tuple[str, str]]) -> list[bytes]:
        return [part.encode() + end.encode() for text, end in lines for part in text.split("\n")]

    head = [b"import urllib.request" + newline.encode(), b"import replicate" + newline.encode()]
    chunks = [
        ("fill", head + block(before)),
        ("code", [CALL + newline.encode()]),
        ("fill", block(between)),
        ("code", [USE + newline.encode()]),
        ("fill", block(after)),
    ]
    data = b"".join(line for _, lines in chunks for line in lines)

    outcome = migrate_sources([("snippet.py", data)], Options(jobs=1))

    result = next(iter(outcome.results), None)
    if result is None or result.migrated is None:
        return
    cst.parse_module(result.migrated)
    new_lines = result.migrated.splitlines(keepends=True)
    old_lines = data.splitlines(keepends=True)
    assert len(new_lines) == len(old_lines)
    index = 0
    for kind, lines in chunks:
        for line in lines:
            if kind == "fill":
                assert new_lines[index] == line, index
            index += 1


# --- never hang, never crash -------------------------------------------------------------

GOOD = source()
MIGRATED = source().replace(USE, FIXED_USE)
# Valid JSON, but a cell that is not an object: the rewrite of the notebook trips over it.
NULL_CELL_NOTEBOOK = json.dumps(
    {"cells": [None, {"cell_type": "code", "source": (CALL + b"\n" + USE + b"\n").decode()}], "nbformat": 4}
).replace('"source": "', '"source": "import urllib.request\\nimport replicate\\n')


def run_patched(patch: str, *args: str, cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """The command line with `patch` run first: it breaks the engine on purpose."""
    script = f"import os, signal\nimport replicate_migrate.engine.worker as worker\n{patch}\n" + (
        "from replicate_migrate.cli import run\nrun()\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script, "--no-progress", *args],
        cwd=cwd, capture_output=True, timeout=timeout, check=False,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    return subprocess.CompletedProcess(
        completed.args, completed.returncode, completed.stdout.decode(), completed.stderr.decode()
    )


def breaking_analysis(action: str) -> str:
    """A patch that does `action` when the analysis reaches bad.py."""
    return (
        "original = worker.analyze_module\n"
        "def patched(module, path, *rest, **kw):\n"
        f"    if path.endswith('bad.py'):\n        {action}\n"
        "    return original(module, path, *rest, **kw)\n"
        "worker.analyze_module = patched\n"
    )


def good_tree(root: Path, count: int = 3) -> list[Path]:
    root.mkdir(exist_ok=True)
    files = [root / f"good{n}.py" for n in range(count)]
    for file in files:
        file.write_bytes(GOOD)
    return files


def error_lines(stdout: str, name: str) -> list[str]:
    return [line for line in stdout.splitlines() if name in line and ": error: " in line]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_broken_notebook_is_one_line_and_the_rest_is_written(tmp_path: Path, jobs: str, run_cli: RunCli) -> None:
    good = good_tree(tmp_path)
    bad = tmp_path / "bad.ipynb"
    bad.write_text(NULL_CELL_NOTEBOOK)

    result = run_cli("--fix", "--jobs", jobs, ".", cwd=tmp_path, timeout=60)

    assert result.returncode == 2, result.stdout + result.stderr
    [line] = error_lines(result.stderr, "bad.ipynb")
    assert "internal error:" in line and line.endswith("(please report this)"), line
    assert "Traceback" not in result.stderr, result.stderr
    assert bad.read_text() == NULL_CELL_NOTEBOOK
    assert all(file.read_bytes() == MIGRATED for file in good)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_an_exception_in_the_analysis_is_that_files_error(tmp_path: Path, jobs: str) -> None:
    good = good_tree(tmp_path)
    (tmp_path / "bad.py").write_bytes(GOOD)

    result = run_patched(breaking_analysis("raise ValueError('no such case')"), "--fix", "-j", jobs, ".", cwd=tmp_path)

    assert result.returncode == 2, result.stdout + result.stderr
    assert error_lines(result.stderr, "bad.py") == [
        "bad.py: error: internal error: ValueError: no such case (please report this)"
    ]
    assert "Traceback" not in result.stderr, result.stderr
    assert (tmp_path / "bad.py").read_bytes() == GOOD
    assert all(file.read_bytes() == MIGRATED for file in good)


def test_a_worker_killed_mid_run_is_reported_and_the_run_ends(tmp_path: Path) -> None:
    good_tree(tmp_path, count=40)
    (tmp_path / "bad.py").write_bytes(GOOD)
    # Only in a worker (the command's own pid is PARENT): as the system does when out of memory.
    patch = "PARENT = os.getpid()\n" + breaking_analysis(
        "os.getpid() != PARENT and os.kill(os.getpid(), signal.SIGKILL)"
    )

    result = run_patched(patch, "-j", "2", ".", cwd=tmp_path)

    assert result.returncode == 2, result.stdout + result.stderr
    [line] = error_lines(result.stderr, "bad.py")
    assert "worker process stopped" in line, line
    assert "Traceback" not in result.stderr, result.stderr
    errors = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert all("worker process stopped" in line for line in errors)
    assert len(errors) < 41  # the other worker's files were analysed


def test_same_named_modules_in_two_folders_neither_crash_nor_hang(tmp_path: Path, run_cli: RunCli) -> None:
    fixtures = Path(__file__).parent / "fixtures" / "RM001"
    for folder, case in (("a", "already_migrated_read_and_url_unchanged"), ("b", "comprehension_item_url")):
        (tmp_path / folder).mkdir()
        shutil.copy(fixtures / case / "input.py", tmp_path / folder / "main.py")

    for jobs in ("1", "2"):
        result = run_cli("-j", jobs, ".", cwd=tmp_path, timeout=60)

        assert result.returncode in (1, 2), result.stdout + result.stderr
        assert "Traceback" not in result.stderr, result.stderr
        for line in result.stdout.splitlines():
            assert ": error: " not in line or line.endswith("(please report this)"), line


@pytest.mark.skipif(not hasattr(os, "mkfifo") or not hasattr(socket, "AF_UNIX"), reason="POSIX special files")
def test_special_files_are_skipped_with_one_line_each(tmp_path: Path, run_cli: RunCli) -> None:
    good = good_tree(tmp_path)
    os.mkfifo(tmp_path / "pipe.py")
    os.mkfifo(tmp_path / "pipe.ipynb")
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(tmp_path / "server.py"))
        result = run_cli("--fix", ".", cwd=tmp_path, timeout=60)

    assert result.returncode == 2, result.stdout + result.stderr
    assert error_lines(result.stderr, "pipe.py") == ["pipe.py: error: not a regular file (a FIFO); skipped"]
    assert error_lines(result.stderr, "pipe.ipynb") == ["pipe.ipynb: error: not a regular file (a FIFO); skipped"]
    assert error_lines(result.stderr, "server.py") == ["server.py: error: not a regular file (a socket); skipped"]
    assert all(file.read_bytes() == MIGRATED for file in good)


def test_a_device_named_like_a_source_file_is_skipped(tmp_path: Path, run_cli: RunCli) -> None:
    good = good_tree(tmp_path)
    try:  # the null device's numbers; creating a device node needs the privilege to
        os.mknod(tmp_path / "device.py", stat.S_IFCHR | 0o600, os.makedev(1, 3))
    except (AttributeError, PermissionError, OSError) as error:
        pytest.skip(f"cannot create a device here: {error}")

    result = run_cli("--fix", ".", cwd=tmp_path, timeout=60)

    assert result.returncode == 2, result.stdout + result.stderr
    assert error_lines(result.stderr, "device.py") == ["device.py: error: not a regular file (a character device); skipped"]
    assert all(file.read_bytes() == MIGRATED for file in good)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX special files")
def test_a_file_swapped_for_a_fifo_or_a_link_after_discovery_is_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from replicate_migrate import discovery

    (tmp_path / "good.py").write_bytes(GOOD)
    (tmp_path / "outside.py").write_bytes(GOOD)
    (tmp_path / "pipe.py").write_bytes(GOOD)
    (tmp_path / "link.py").write_bytes(GOOD)
    found = discovery.discover([tmp_path])
    os.unlink(tmp_path / "pipe.py")
    os.mkfifo(tmp_path / "pipe.py")  # nobody writes: opening it for reading would block
    os.unlink(tmp_path / "link.py")
    os.symlink(tmp_path / "outside.py", tmp_path / "link.py")
    monkeypatch.setattr(discovery, "discover", lambda *args, **kwargs: found)
    outcome = _within(60, lambda: migrate_paths([tmp_path], Options(jobs=1)))

    errors = {Path(r.path).name: r.error for r in outcome.results if r.error}
    assert errors == {
        "pipe.py": f"{tmp_path / 'pipe.py'}: not a regular file (a FIFO); skipped",
        "link.py": f"{tmp_path / 'link.py'}: became a symbolic link since it was found; not followed",
    }
    assert {Path(r.path).name for r in outcome.results if r.changed} == {"good.py", "outside.py"}


def _within(seconds: int, call: Callable[[], Any]) -> Any:
    """`call()`, failing the test instead of hanging it (when a FIFO blocks the open)."""

    def expire(signum: int, frame: object) -> None:
        raise TimeoutError("hung")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        return call()
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


NAME = b"caf\xe9_\xff.py"  # Latin-1 and a byte no encoding starts with: not UTF-8


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_a_name_that_is_not_utf8_is_processed_like_any_other(tmp_path: Path, fmt: str, run_cli: RunCli) -> None:
    path = os.path.join(os.fsencode(tmp_path), NAME)
    with open(path, "wb") as f:
        f.write(GOOD)

    result = run_cli("--fix", "--format", fmt, ".", cwd=tmp_path, timeout=60)

    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    with open(path, "rb") as f:
        assert f.read() == MIGRATED
    if fmt == "json":
        [finding] = [f for f in json.loads(result.stdout)["findings"] if f["rule"] == "RM001"]
        assert os.fsencode(finding["path"]) == NAME
    elif fmt == "sarif":
        [run] = json.loads(result.stdout)["runs"]
        assert run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "caf%E9_%FF.py"
    else:
        assert "caf\ufffd_\ufffd.py" in result.stdout  # the raw bytes, shown undecoded here


def test_jobs_beyond_the_machine_are_capped_with_a_warning(tmp_path: Path, run_cli: RunCli) -> None:
    good = good_tree(tmp_path)

    result = run_cli("--fix", "--jobs", "100000", ".", cwd=tmp_path, timeout=60)

    assert result.returncode == 1, result.stdout + result.stderr
    assert "--jobs 100000 is more than this machine can use" in result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert all(file.read_bytes() == MIGRATED for file in good)


def test_jobs_below_zero_are_refused_with_a_usage_message(tmp_path: Path, run_cli: RunCli) -> None:
    good = good_tree(tmp_path)

    result = run_cli("--fix", "--jobs", "-1", ".", cwd=tmp_path)

    assert result.returncode == 2, result.stdout + result.stderr
    assert "Invalid value for '--jobs'" in result.stderr and "Traceback" not in result.stderr
    assert all(file.read_bytes() == GOOD for file in good)


# --- the report file ---------------------------------------------------------------------


def _refused(result: subprocess.CompletedProcess[str], words: str) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("replicate-migrate: error: -o ") and words in lines[0], lines


@pytest.mark.parametrize(("where", "words"), [("out_dir", "is a directory"), ("missing/report.txt", "no such directory")])
def test_output_where_no_report_can_go_is_refused_before_the_run(
    tmp_path: Path, where: str, words: str, run_cli: RunCli
) -> None:
    good = good_tree(tmp_path / "src")
    (tmp_path / "out_dir").mkdir()

    result = run_cli("--fix", "-o", where, "src", cwd=tmp_path)

    _refused(result, words)
    assert all(file.read_bytes() == GOOD for file in good)  # refused before anything was written
    assert not (tmp_path / "missing").exists()


def test_output_onto_a_full_disk_is_one_line(tmp_path: Path, run_cli: RunCli) -> None:
    good_tree(tmp_path)

    result = run_cli("-o", "/dev/full", ".", cwd=tmp_path)

    _refused(result, "No space left on device")


def test_a_report_cut_short_is_not_left_behind(tmp_path: Path) -> None:
    good_tree(tmp_path, count=20)

    resource = pytest.importorskip("resource")

    def small_files() -> None:  # a disk that fills up at 200 bytes (Python ignores SIGXFSZ)
        resource.setrlimit(resource.RLIMIT_FSIZE, (200, 200))

    completed = subprocess.run(
        [sys.executable, "-m", "replicate_migrate", "--no-progress", "-o", "report.txt", "."],
        cwd=tmp_path, capture_output=True, text=True, timeout=60, preexec_fn=small_files,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}, check=False,
    )

    _refused(completed, "cannot write the report")
    assert not (tmp_path / "report.txt").exists()


@pytest.mark.parametrize("fix", [False, True])
@pytest.mark.parametrize("named", ["src/good0.py", "src/other.py", "src/good1.py"])
def test_output_naming_an_input_file_is_refused(tmp_path: Path, fix: bool, named: str, run_cli: RunCli) -> None:
    good = good_tree(tmp_path / "src")
    (tmp_path / "src" / "other.py").write_bytes(b"x = 1\n")  # an input without replicate in it
    before = snapshot(tmp_path)
    given = ["src"] if named != "src/good1.py" else ["src/good1.py"]

    result = run_cli(*(["--fix"] if fix else []), "-o", named, *given, cwd=tmp_path)

    _refused(result, "is one of the files to migrate")
    assert snapshot(tmp_path) == before
    assert all(file.read_bytes() == GOOD for file in good)


def test_output_naming_the_file_stdin_stands_for_is_refused(tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / "app.py").write_bytes(GOOD)

    result = run_cli("--fix", "--stdin-filename", "app.py", "-o", "app.py", "-", cwd=tmp_path, stdin=GOOD)

    _refused(result, "is one of the files to migrate")
    assert (tmp_path / "app.py").read_bytes() == GOOD and result.stdout == ""
