"""Command line: options -> run -> report -> exit code. The only module that prints."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

import click

from replicate_migrate import __version__
from replicate_migrate.config import ConfigError, find_pyproject, load_settings
from replicate_migrate.engine.diff import notebook_diff, unified_diff
from replicate_migrate.engine.pipeline import RunOutcome, migrate_paths, migrate_sources
from replicate_migrate.engine.source import SourceError, decode_python
from replicate_migrate.options import Options, Strategy
from replicate_migrate.report import FORMATS, render
from replicate_migrate.results import FileResult
from replicate_migrate.rules import RULES

EXIT_CLEAN, EXIT_CHANGES, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 130


def _split(values: Sequence[str]) -> tuple[str, ...]:
    return tuple(item.strip() for value in values for item in value.split(",") if item.strip())


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--fix", is_flag=True, default=None, help="Write the rewrites in place (default: dry run).")
@click.option("--strategy", type=click.Choice([s.value for s in Strategy]), default=None,
              help="auto: .url where proven, else use_file_output=False; url or opt-out force one kind.")
@click.option("--select", multiple=True, help="Rule ids (or prefixes) to run, comma separated.")
@click.option("--ignore", "ignore_rules", multiple=True, help="Rule ids (or prefixes) to skip.")
@click.option("--list-rules", is_flag=True, help="List the rules and exit.")
@click.option("--online/--offline", default=None, help="Look up unknown models' schemas on the Replicate API.")
@click.option("--jobs", "-j", type=click.IntRange(min=0), default=None, help="Worker processes (0: CPU count).")
@click.option("--cache-dir", type=click.Path(), default=None, help="Where --online caches schemas.")
@click.option("--exclude", multiple=True, help="Replace the default excludes (gitignore-style).")
@click.option("--extend-exclude", multiple=True, help="Add to the excludes.")
@click.option("--force-exclude", is_flag=True, default=None, help="Apply excludes to paths given explicitly.")
@click.option("--no-respect-gitignore", is_flag=True, default=None, help="Do not read .gitignore files.")
@click.option("--stdin-filename", default=None, help="The path to report for `-` (stdin).")
@click.option("--project-root", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where the project's other files are read for facts (default: the nearest "
                   "pyproject.toml, setup.cfg, setup.py or .git above the paths).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None, help="Report format.")
@click.option("--output", "-o", type=click.Path(path_type=Path), default=None, help="Write the report here.")
@click.option("--statistics", is_flag=True, default=None, help="Counts per rule and action.")
@click.option("--no-progress", is_flag=True, default=None, help="No progress bar.")
@click.option("--color/--no-color", default=None, help="Colour the diff (default: on a terminal).")
@click.version_option(__version__, prog_name="replicate-migrate")
def main(paths: tuple[Path, ...], **flags: object) -> None:
    """Migrate code from the replicate client 0.34 to 1.0 (FileOutput). Dry run by default."""
    if flags.pop("list_rules"):
        for rule in RULES:
            click.echo(f"{rule.id}  {rule.name:28} {rule.summary}")
        sys.exit(EXIT_CLEAN)
    try:
        settings = _settings(paths, flags)
    except ConfigError as error:
        click.echo(f"replicate-migrate: error: {error}", err=True)
        sys.exit(EXIT_ERROR)
    options = _options(settings)
    try:
        if paths == (Path("-"),):
            sys.exit(_run_stdin(settings, options))
        bar = _progress_bar(settings)
        try:
            outcome = migrate_paths(list(paths) or [Path(".")], options, bar)
        finally:
            if bar is not None:
                bar.close()
        sys.exit(_finish(outcome, settings, options))
    except KeyboardInterrupt:
        # Interrupted (Ctrl-C, SIGTERM): every file is whole, but the run is not done.
        click.echo("replicate-migrate: interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)


class ProgressBar:
    """`analysing [#####.....] 120/405 files` on a terminal, redrawn in place, erased at the end."""

    WIDTH = 30
    MIN_FILES = 16  # below this a run is over before a bar could be read

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.drawn = False

    def __call__(self, done: int, total: int) -> None:
        if total < self.MIN_FILES:
            return
        filled = self.WIDTH * done // total
        bar = "#" * filled + "." * (self.WIDTH - filled)
        self.stream.write(f"\ranalysing [{bar}] {done}/{total} files")
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        if self.drawn:
            self.stream.write("\r\033[K")
            self.stream.flush()


def _progress_bar(settings: dict[str, object], stream: TextIO | None = None) -> ProgressBar | None:
    """A bar on stderr when it is a terminal, unless --no-progress (or `progress = false`)."""
    stream = stream or sys.stderr
    if not settings.get("progress", True) or not stream.isatty():
        return None
    return ProgressBar(stream)


def run() -> None:
    """The installed command: main(), then exit without tearing down the heap object by object.

    Everything was written by then (files fsynced, output flushed below); a large run's
    interpreter teardown only delays the prompt.
    """
    try:
        main()
        code: object = 0
    except SystemExit as done:
        code = done.code
    if code is not None and not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, OSError):
        pass
    os._exit(code or 0)


def _settings(paths: tuple[Path, ...], flags: dict[str, object]) -> dict[str, object]:
    """pyproject.toml's [tool.replicate-migrate], overridden by the flags that were given."""
    start = paths[0] if paths and paths[0] != Path("-") else Path.cwd()
    pyproject = find_pyproject(start)
    settings = load_settings(pyproject) if pyproject else {}
    if pyproject and "project_root" in settings:
        settings["project_root"] = str(pyproject.parent / str(settings["project_root"]))
    renames = {"ignore_rules": "ignore", "fmt": "format"}
    for key, value in flags.items():
        if value is None or value == ():
            continue
        name = renames.get(key, key)
        if key == "no_respect_gitignore":
            name, value = "respect_gitignore", not value
        elif key == "no_progress":
            name, value = "progress", not value
        settings[name] = value
    return settings


def _options(s: dict[str, object]) -> Options:
    def strings(key: str) -> tuple[str, ...]:
        value = s.get(key, ())
        return _split([value] if isinstance(value, str) else list(value))  # type: ignore[call-overload]

    exclude = strings("exclude") if "exclude" in s else None
    return Options(
        fix=bool(s.get("fix", False)),
        strategy=Strategy(str(s.get("strategy", "auto"))),
        select=frozenset(strings("select")),
        ignore=frozenset(strings("ignore")),
        online=bool(s.get("online", False)),
        jobs=int(s.get("jobs", 0)),  # type: ignore[call-overload]
        cache_dir=str(s["cache_dir"]) if s.get("cache_dir") else None,
        exclude=exclude,
        extend_exclude=strings("extend_exclude"),
        force_exclude=bool(s.get("force_exclude", False)),
        respect_gitignore=bool(s.get("respect_gitignore", True)),
        project_root=str(s["project_root"]) if s.get("project_root") else None,
    )


def _run_stdin(settings: dict[str, object], options: Options) -> int:
    """`-`: read stdin; with --fix print the migrated code, else the diff and report."""
    path = str(settings.get("stdin_filename") or "-")
    if options.force_exclude and settings.get("stdin_filename"):
        from replicate_migrate.discovery import discover

        if not discover([Path(path)], force_exclude=True).files:
            sys.stdout.buffer.write(sys.stdin.buffer.read())
            return EXIT_CLEAN
    data = sys.stdin.buffer.read()
    context: tuple[str, ...] = ()
    if settings.get("stdin_filename"):  # the project around the file informs it
        from replicate_migrate.project.files import discover_context

        context = discover_context(Path(path), options)
    outcome = migrate_sources([(path, data)], options, context=context)
    if options.fix:
        result = next(iter(outcome.results), None)
        sys.stdout.buffer.write(result.migrated if result and result.migrated else data)
        _report(outcome, settings, written=True, to_stderr=True)
        return _exit_code(outcome.results)
    return _finish(outcome, settings, options)


def _finish(outcome: RunOutcome, settings: dict[str, object], options: Options) -> int:
    fmt = str(settings.get("format", "text"))
    results = list(outcome.results)
    if options.fix:
        results = _write(results)
    elif fmt == "text" or settings.get("output"):
        color = settings.get("color")
        use_color = sys.stdout.isatty() if color is None else bool(color)
        for result in results:
            if result.changed:
                click.echo(_diff(result, use_color), nl=False)
    _report(RunOutcome(tuple(results), outcome.warnings, outcome.scanned), settings, written=options.fix)
    return _exit_code(results)


def _write(results: list[FileResult]) -> list[FileResult]:
    """Write changed files atomically; a file that cannot be written becomes an error."""
    from replicate_migrate.engine.writer import interruptible, write_atomic  # only --fix writes

    out = []
    with interruptible():
        for result in results:
            if result.changed and result.migrated is not None:
                try:
                    write_atomic(Path(result.path), result.migrated)
                except OSError as error:
                    message = f"{result.path}: cannot write: {error.strerror or error}"
                    result = FileResult(result.path, result.original, None, result.findings, message)
            out.append(result)
    return out


def _display_path(path: str) -> str:
    """Paths in diffs are relative to the current directory when they are below it."""
    # abspath, not resolve(): no system call per path component, and a path through a
    # symlinked directory is shown the way it was reached.
    try:
        relative = os.path.relpath(os.path.abspath(path), os.getcwd())
    except ValueError:  # another drive
        return path
    if relative == ".." or relative.startswith(".." + os.sep):
        return path.lstrip("/").replace(os.sep, "/")
    return relative.replace(os.sep, "/")


def _diff(result: FileResult, color: bool) -> str:
    old = result.original.decode("utf-8", "replace")
    new = (result.migrated or b"").decode("utf-8", "replace")
    if result.path.endswith(".ipynb"):
        from replicate_migrate.notebooks import NotebookError, cells, notebook_to_python

        try:
            before, after = notebook_to_python(old, result.path), notebook_to_python(new, result.path)
            name = _display_path(result.path)
            return notebook_diff(name, cells(before), cells(after), color=color)
        except NotebookError:
            pass
    old_text, new_text = _decoded(result.original), _decoded(result.migrated or b"")
    return unified_diff(_display_path(result.path), old_text, new_text, color=color)


def _decoded(data: bytes) -> str:
    try:
        return decode_python(data, "")
    except SourceError:  # a diff of undecodable text is still worth showing
        return data.decode("utf-8", "replace")


def _report(outcome: RunOutcome, settings: dict[str, object], *, written: bool, to_stderr: bool = False) -> None:
    fmt = str(settings.get("format", "text"))
    for warning in outcome.warnings:
        click.echo(f"replicate-migrate: warning: {warning}", err=True)
    text = render(outcome.results, fmt, statistics=bool(settings.get("statistics")),
                  tool_version=__version__, written=written)
    output = settings.get("output")
    if output:
        Path(str(output)).write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False, err=to_stderr)


def _exit_code(results: Sequence[FileResult]) -> int:
    if any(r.error for r in results):
        return EXIT_ERROR
    if any(r.changed or r.needs_review for r in results):
        return EXIT_CHANGES
    return EXIT_CLEAN

