"""The progress bar: drawn on a terminal for runs with many files, never into a pipe."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from replicate_migrate.cli.progress import ProgressBar
from replicate_migrate.cli.progress import progress_bar as _progress_bar
from replicate_migrate.engine.pipeline import migrate_sources
from replicate_migrate.options import Options

SOURCE = """import replicate


def make_{i}():
    out = replicate.run("black-forest-labs/flux-schnell", input={{"seed": {i}}})
    return out[0].startswith("https://")
"""


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _sources(count: int) -> list[tuple[str, bytes]]:
    return [(f"m{i}.py", SOURCE.format(i=i).encode()) for i in range(count)]


@pytest.mark.parametrize("jobs", [1, 2])
def test_progress_counts_every_file_once_up_to_the_total(jobs: int) -> None:
    calls: list[tuple[int, int]] = []
    outcome = migrate_sources(_sources(40), Options(jobs=jobs), lambda d, t: calls.append((d, t)))
    assert sum(1 for r in outcome.results if r.migrated) == 40
    assert calls[-1] == (40, 40)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    assert {t for _, t in calls} == {40}


def test_bar_redraws_in_place_and_erases_itself() -> None:
    stream = _Terminal()
    bar = ProgressBar(stream)
    bar(8, 32)
    bar(32, 32)
    bar.close()
    text = stream.getvalue()
    assert text.count("\r") == 3
    assert "analysing [#######.......................] 8/32 files" in text
    assert "32/32 files" in text
    assert text.endswith("\r\033[K")


def test_no_bar_for_a_few_files() -> None:
    stream = _Terminal()
    bar = ProgressBar(stream)
    bar(1, ProgressBar.MIN_FILES - 1)
    bar.close()
    assert stream.getvalue() == ""


def test_no_bar_into_a_pipe_or_when_switched_off() -> None:
    assert _progress_bar({}, io.StringIO()) is None
    assert _progress_bar({"progress": False}, _Terminal()) is None
    assert isinstance(_progress_bar({}, _Terminal()), ProgressBar)


def _run_on_terminal(tree: Path, *flags: str) -> str:
    """Run the CLI with stderr on a pseudo-terminal; what the terminal showed."""
    leader, follower = pty.openpty()
    try:
        subprocess.run(
            [sys.executable, "-m", "replicate_migrate", str(tree), *flags],
            stdout=subprocess.DEVNULL, stderr=follower, check=False, timeout=120,
        )
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the terminal is closed once everything is read
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(leader)
    return b"".join(chunks).decode()


def test_cli_draws_the_bar_on_a_terminal_unless_told_not_to(tmp_path: Path) -> None:
    for path, data in _sources(20):
        (tmp_path / path).write_bytes(data)
    assert "20/20 files" in _run_on_terminal(tmp_path)
    assert "analysing" not in _run_on_terminal(tmp_path, "--no-progress")
