"""What --fix must never do: change bytes it did not mean to, write outside its paths, half-write."""

from __future__ import annotations

import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import sysconfig
import time
from collections.abc import Callable
from pathlib import Path

import libcst as cst
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from replicate_migrate.engine.pipeline import migrate_sources
from replicate_migrate.engine.writer import TEMP_SUFFIX
from replicate_migrate.options import Options

CALL = b'output = replicate.run("bytedance/sdxl-lightning-4step", input={"prompt": "a crane"})'
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
