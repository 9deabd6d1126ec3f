"""The files a run names and the rest of their projects: what a partial run reads for facts."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from replicate_migrate import discovery
from replicate_migrate.discovery import DEFAULT_EXCLUDES, Discovered
from replicate_migrate.options import Options
from replicate_migrate.project.root import find_project_root


@dataclass(frozen=True)
class ProjectFiles:
    """The files a run names, and the rest of their projects, read for facts only."""

    files: tuple[Path, ...]  # named: reported and rewritten
    errors: tuple[tuple[str, str], ...]
    context: tuple[Path, ...]  # the projects' other files (same excludes and gitignore)


def discover_project(paths: Sequence[Path], options: Options) -> ProjectFiles:
    """The files under `paths`, and the other files of the projects they are in
    (`options.project_root`, else each path's nearest pyproject.toml, setup.cfg, setup.py
    or .git above it)."""
    found = _walk(paths, options, options.force_exclude)
    roots = sorted({_project_root(path, options) for path in paths})
    if all(os.path.abspath(path) in roots for path in paths):
        return ProjectFiles(found.files, found.errors, ())  # the run is the whole project
    named = {os.path.abspath(file) for file in found.files}
    around = _walk([Path(root) for root in roots], options, False).files
    return ProjectFiles(found.files, found.errors, tuple(f for f in around if os.path.abspath(f) not in named))


def discover_context(path: Path, options: Options) -> tuple[str, ...]:
    """The other files of the project around `path` (which need not exist)."""
    own = os.path.abspath(path)
    around = _walk([Path(_project_root(path, options))], options, False).files
    return tuple(str(f) for f in around if os.path.abspath(f) != own)


def _project_root(path: Path, options: Options) -> str:
    return os.path.abspath(options.project_root) if options.project_root else find_project_root(path)


def _walk(paths: Sequence[Path], options: Options, force_exclude: bool) -> Discovered:
    return discovery.discover(  # looked up at each call: a test may stand in for it
        paths,
        exclude=DEFAULT_EXCLUDES if options.exclude is None else options.exclude,
        extend_exclude=options.extend_exclude,
        force_exclude=force_exclude,
        respect_gitignore=options.respect_gitignore,
    )
