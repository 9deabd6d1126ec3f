"""Acceptance: a tree of nasty files beside good ones. The run ends, writes the good ones,
says one line per bad one, exits 2, and shows no traceback."""

from __future__ import annotations

import json
import os
import shutil
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(
    not hasattr(os, "mkfifo") or not hasattr(socket, "AF_UNIX"), reason="POSIX special files"
)

FIXTURES = Path(__file__).parent / "fixtures"
CALL = b'out = replicate.run("black-forest-labs/flux-schnell", input={})\nprint(out[0] + "")\n'
GOOD_SOURCE = b"import replicate\n" + CALL
FILLER = b"".join(b"value_%d = %d\n" % (n, n) for n in range(2_000))  # ~30 KB


def _good_cases() -> list[Path]:
    """Single-file fixtures run with the default options (no strategy of their own)."""
    cases = []
    for case in sorted(FIXTURES.glob("RM00*/*/")):
        scenario = json.loads((case / "scenario.json").read_text())
        if (case / "input.py").is_file() and not scenario.get("options"):
            cases.append(case)
    return cases[::4]  # a spread of rules and behaviours, enough to be many files


def _notebook(cells: object, nbformat: object = 4) -> bytes:
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": nbformat, "nbformat_minor": 5}).encode()


CODE_CELL = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
             "source": GOOD_SOURCE.decode()}
# Files that must each get one error line (name relative to the tree -> bytes).
BAD_FILES: dict[bytes, bytes] = {
    b"undecodable.py": b"import replicate\nname = '\xff\xfe'\n" + CALL,
    b"latin1_no_cookie.py": b"import replicate\ntitle = 'caf\xe9'\n" + CALL,
    b"\xff\xfe_name.py": b"import replicate\nname = '\xff'\n" + CALL,
    b"big_indent.py": b"import replicate\n" + FILLER + CALL + b"    stray = 1\n",
    b"big_indent_early.py": b"import replicate\n    stray = 1\n" + FILLER + CALL,
    b"nul_byte.py": b"import replicate\n" + CALL + b"x = 1\x00\n",
    b"small_syntax.py": b"import replicate\n" + CALL + b"def (:\n",
    b"bom_and_latin1_cookie.py": b"\xef\xbb\xbf# -*- coding: latin-1 -*-\nimport replicate\n" + CALL,
    b"unknown_cookie.py": b"# -*- coding: klingon -*-\nimport replicate\n" + CALL,
    b"cut_utf8.py": b"import replicate\nx = '\xe2\x82'\n" + CALL,
    b"null_cell.ipynb": _notebook([None, CODE_CELL]),
    b"deep_json.ipynb": b'{"x": "import replicate", "cells": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    b"not_json.ipynb": b'{"cells": [ import replicate',
    b"nbformat3.ipynb": _notebook([CODE_CELL], nbformat=3),
    b"cells_not_a_list.ipynb": _notebook({"0": CODE_CELL}),
    b"cell_source_number.ipynb": _notebook([{**CODE_CELL, "source": 42, "note": "import replicate"}]),
    b"notebook_not_utf8.ipynb": _notebook([CODE_CELL]).replace(b"import", b"\xff import", 1),
}
SPECIAL = ["fifo.py", "fifo.ipynb", "deep/er/fifo.py", "deep/fifo.py", "socket.py", "deep/socket.ipynb"]


def _build(tree: Path) -> dict[Path, bytes]:
    """The tree; returns each good file with the bytes --fix must leave in it."""
    expected: dict[Path, bytes] = {}
    (tree / "good").mkdir(parents=True)
    for case in _good_cases():
        target = tree / "good" / f"{case.name}.py"
        shutil.copy(case / "input.py", target)
        fixed = case / "expected.py"
        expected[target] = (fixed if fixed.exists() else case / "input.py").read_bytes()
    name = os.path.join(os.fsencode(tree / "good"), b"caf\xe9_not_utf8.py")
    with open(name, "wb") as f:
        f.write(GOOD_SOURCE)
    expected[Path(os.fsdecode(name))] = GOOD_SOURCE.replace(b"out[0] +", b"out[0].url +")
    for raw, data in BAD_FILES.items():
        with open(os.path.join(os.fsencode(tree), raw), "wb") as f:
            f.write(data)
    for relative in SPECIAL:
        (tree / relative).parent.mkdir(parents=True, exist_ok=True)
    for relative in (s for s in SPECIAL if "fifo" in s):
        os.mkfifo(tree / relative)
    (tree / "empty.py").write_bytes(b"")
    (tree / "loop.py").symlink_to(tree / "loop.py")  # never followed while walking
    (tree / "dangling.py").symlink_to(tree / "missing.py")
    (tree / "package.py").mkdir()  # a directory with a source file's name: walked
    (tree / "package.py" / "inner.py").write_bytes(GOOD_SOURCE)
    expected[tree / "package.py" / "inner.py"] = GOOD_SOURCE.replace(b"out[0] +", b"out[0].url +")
    for folder in ("a", "b"):  # same-named modules: whatever the analysis says, no crash
        (tree / "same" / folder).mkdir(parents=True)
        (tree / "same" / folder / "main.py").write_bytes(GOOD_SOURCE)
    return expected


@pytest.mark.parametrize("jobs", ["1", "3"])
def test_a_tree_of_nasty_files_ends_well(tmp_path: Path, jobs: str) -> None:
    tree = tmp_path / "tree"
    expected = _build(tree)
    sockets = []
    for relative in (s for s in SPECIAL if "socket" in s):
        server = socket.socket(socket.AF_UNIX)
        server.bind(str(tree / relative))
        sockets.append(server)
    try:
        completed = subprocess.run(
            [sys.executable, "-m", "replicate_migrate", "--no-progress", "--fix", "-j", jobs, "tree"],
            cwd=tmp_path, capture_output=True, timeout=120, check=False,  # a hang guard
        )
    finally:
        for server in sockets:
            server.close()

    stdout, stderr = completed.stdout, completed.stderr.decode("utf-8", "replace")
    assert completed.returncode == 2, stdout.decode("utf-8", "replace") + stderr
    assert "Traceback" not in stderr, stderr
    errors = [line for line in completed.stderr.splitlines() if b": error: " in line]
    for raw in [*BAD_FILES, *(s.encode() for s in SPECIAL)]:
        mine = [line for line in errors if line.startswith(b"tree/" + raw + b":")]
        assert len(mine) == 1, (raw, errors)
    for folder in (b"a", b"b"):
        assert len([line for line in errors if line.startswith(b"tree/same/" + folder)]) <= 1
    assert len(errors) <= len(BAD_FILES) + len(SPECIAL) + 2
    for path, data in expected.items():
        assert path.read_bytes() == data, path
    for raw, data in BAD_FILES.items():
        with open(os.path.join(os.fsencode(tree), raw), "rb") as f:
            assert f.read() == data, raw
    assert all(stat.S_ISFIFO(os.lstat(tree / s).st_mode) for s in SPECIAL if "fifo" in s)
