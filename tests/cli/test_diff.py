from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from replicate_migrate.cli.diff import file_diff, notebook_diff, unified_diff


def test_equal_texts_have_no_diff() -> None:
    assert unified_diff("a.py", "x = 1\n", "x = 1\n") == ""


def test_headers_hunk_and_three_lines_of_context() -> None:
    old = "".join(f"line{i}\n" for i in range(1, 11))
    new = old.replace("line5\n", "line5.url\n")
    assert unified_diff("pkg/a.py", old, new) == (
        "--- a/pkg/a.py\n"
        "+++ b/pkg/a.py\n"
        "@@ -2,7 +2,7 @@\n"
        " line2\n line3\n line4\n-line5\n+line5.url\n line6\n line7\n line8\n"
    )


def test_missing_final_newline_is_marked() -> None:
    diff = unified_diff("a.py", "a\nb", "a\nc")
    assert diff.endswith("-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n")
    added = unified_diff("a.py", "a", "a\n")
    assert added.endswith("-a\n\\ No newline at end of file\n+a\n")


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("a\nb\n", "a\nB\n"),
        ("a\nb", "a\nb\nc"),
        ("", "x\n"),
        ("x = 1\n\x0c\ny\n", "x = 2\n\x0c\ny\n"),
    ],
)
def test_diff_applies_with_patch(tmp_path: Path, old: str, new: str) -> None:
    if shutil.which("patch") is None:  # pragma: no cover - depends on the image
        pytest.skip("patch is not installed")
    target = tmp_path / "a.py"
    target.write_bytes(old.encode())
    patch = unified_diff("a.py", old, new)
    done = subprocess.run(
        ["patch", "-p1", "--quiet"],
        check=False,
        cwd=tmp_path,
        input=patch.encode(),
        capture_output=True,
    )
    assert done.returncode == 0, done.stderr
    assert target.read_bytes().decode() == new


def test_color_only_when_asked() -> None:
    plain = unified_diff("a.py", "-- x\n", "y\n")
    assert "\x1b[" not in plain
    lines = unified_diff("a.py", "-- x\n", "y\n", color=True).splitlines()
    assert lines[0] == "\x1b[1m--- a/a.py\x1b[0m"
    assert lines[1] == "\x1b[1m+++ b/a.py\x1b[0m"
    assert lines[2].startswith("\x1b[36m@@")
    assert lines[3] == "\x1b[31m--- x\x1b[0m", "a removed line starting with -- is not a header"
    assert lines[4] == "\x1b[32m+y\x1b[0m"


def test_notebook_diff_names_changed_cells_one_based() -> None:
    old = [(1, "import replicate\n"), (3, "print(out)")]
    new = [(1, "import replicate\n"), (3, "print(out.url)")]
    assert notebook_diff("nb.ipynb", old, new) == (
        "--- a/nb.ipynb:cell 4\n+++ b/nb.ipynb:cell 4\n@@ -1 +1 @@\n-print(out)\n+print(out.url)\n"
    ), "cells rarely end in a newline: no marker unless the rewrite changes that"
    assert notebook_diff("nb.ipynb", [(0, "x")], [(0, "x\n")]).endswith(
        "-x\n\\ No newline at end of file\n+x\n"
    )
    assert notebook_diff("nb.ipynb", old, old) == ""


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (b"\xef\xbb\xbfx = f()\r\nprint(x)\r\n", b"\xef\xbb\xbfx = f()\r\nprint(x.url)\r\n"),
        (
            b"# -*- coding: latin-1 -*-\nname = '\xe9'\nrun(name)\n",
            b"# -*- coding: latin-1 -*-\nname = '\xe9'\nrun(name, k=1)\n",
        ),
        (b"a\n\xff\xfe\n", b"a\n\xff\xfe\nb"),
    ],
    ids=["bom-crlf", "latin-1", "undecodable"],
)
def test_file_diff_is_of_the_bytes_and_applies(tmp_path: Path, old: bytes, new: bytes) -> None:
    if shutil.which("patch") is None:  # pragma: no cover - depends on the image
        pytest.skip("patch is not installed")
    target = tmp_path / "a.py"
    target.write_bytes(old)
    patch = file_diff("a.py", old, new)
    assert patch.startswith(b"--- a/a.py\n+++ b/a.py\n")
    done = subprocess.run(
        ["patch", "-p1", "--quiet", "--binary"],
        check=False,
        cwd=tmp_path,
        input=patch,
        capture_output=True,
    )
    assert done.returncode == 0, done.stderr
    assert target.read_bytes() == new
