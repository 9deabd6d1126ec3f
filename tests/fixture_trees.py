"""Fixture folders as trees of files, and runs of the tool over such trees on disk.

A fixture is `input.py` (one program) or `input/` (a tree whose program is `main.py`).
`expected.py` / `expected/` hold the files the migration changes, by hand; a file
missing from `expected/` (or a missing `expected.py`) is expected unchanged.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from replicate_migrate.engine.pipeline import migrate_paths
from replicate_migrate.options import Options, Strategy

FIXTURES = Path(__file__).parent / "fixtures"
CASES = sorted(p.parent for p in FIXTURES.glob("*/*/scenario.json"))
TREE_CASES = [case for case in CASES if (case / "input").is_dir()]
PROGRAM = "main.py"


def case_id(case: Path) -> str:
    return f"{case.parent.name}/{case.name}"


def options_of(case: Path, root: Path | None = None, jobs: int = 1) -> Options:
    settings = json.loads((case / "scenario.json").read_text()).get("options", {})
    return Options(
        strategy=Strategy(settings.get("strategy", "auto")),
        ignore=frozenset(settings.get("ignore", ())),
        jobs=jobs,
        project_root=str(root) if root is not None else None,
    )


def _files(top: Path) -> dict[str, bytes]:
    return {
        p.relative_to(top).as_posix(): p.read_bytes()
        for p in sorted(top.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def input_tree(case: Path) -> dict[str, bytes]:
    """The fixture's input files by relative path (a single program is `main.py`)."""
    if (case / "input").is_dir():
        return _files(case / "input")
    return {PROGRAM: (case / "input.py").read_bytes()}


def expected_tree(case: Path) -> dict[str, bytes]:
    """The whole tree after migration: the input with the expected files laid over it."""
    tree = input_tree(case)
    if (case / "expected").is_dir():
        tree.update(_files(case / "expected"))
    elif (case / "expected.py").exists():
        tree[PROGRAM] = (case / "expected.py").read_bytes()
    return tree


def write_tree(top: Path, tree: dict[str, bytes]) -> Path:
    for name, data in tree.items():
        path = top / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return top


@dataclass(frozen=True)
class FileOutcome:
    """One file's rewrite and findings, without the path it was run at."""

    migrated: bytes
    findings: tuple[tuple[object, ...], ...]
    error: str | None


def run_tree(top: Path, options: Options, paths: list[Path] | None = None) -> dict[str, FileOutcome]:
    """Each reported file (relative to `top`) -> its outcome; unreported files are absent."""
    outcome = migrate_paths(paths or [top], options)
    out = {}
    for result in outcome.results:
        rel = Path(result.path).resolve().relative_to(top.resolve()).as_posix()
        findings = tuple(
            (f.line, f.column, f.rule, f.action.value, f.message, f.kind, f.kind_source, f.cell)
            for f in result.findings
        )
        error = result.error.replace(str(top), "<top>") if result.error else None
        out[rel] = FileOutcome(result.migrated or result.original, findings, error)
    return out
