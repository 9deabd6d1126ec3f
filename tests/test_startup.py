"""Startup: LibCST (and the analysis) are loaded only when a file needs parsing.

Behaviour, not timing: importing LibCST is most of a small run's cost, so a run over
files that never import replicate must not load it. The speed itself is measured in bench/.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

# Runs the command line in this interpreter, then says which heavy modules it loaded.
PROBE = """
import sys
from replicate_migrate.cli import main
try:
    main(["--no-progress", *sys.argv[1:]])
except SystemExit:
    pass
print("\\nLOADED", sorted(m for m in ("libcst", "replicate_migrate.analysis.module") if m in sys.modules))
"""


def loaded_by_a_run(*args: str, cwd: Path) -> str:
    completed = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        cwd=cwd, capture_output=True, text=True, timeout=120, check=False,
    )
    return completed.stdout.rpartition("\nLOADED ")[2].strip()


@pytest.mark.parametrize(
    "source",
    [
        'print("hello")\n',
        "# mentions replicate, never imports it\nreplicate = None\n",
    ],
)
def test_a_file_without_replicate_loads_no_libcst(tmp_path: Path, source: str) -> None:
    (tmp_path / "plain.py").write_text(source)
    assert loaded_by_a_run("plain.py", cwd=tmp_path) == "[]"


def test_a_tree_without_replicate_loads_no_libcst_in_this_process(tmp_path: Path) -> None:
    for n in range(3):
        (tmp_path / f"plain_{n}.py").write_text(f"x = {n}\n")
    assert loaded_by_a_run("--jobs", "2", ".", cwd=tmp_path) == "[]"


def test_a_file_with_a_call_loads_it(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text('import replicate\n\nprint(replicate.run("a/b"))\n')
    assert loaded_by_a_run("app.py", cwd=tmp_path) == "['libcst', 'replicate_migrate.analysis.module']"
