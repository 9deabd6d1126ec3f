"""Command line: options -> run -> report -> exit code. The only module that prints."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

import click

from replicate_migrate import __version__
from replicate_migrate.cli_support import (
    Refused,
    check_output,
    encode,
    ignore_interruptions,
    install_interrupt_handlers,
    interrupting_signals,
    release_interruptions,
    write_report,
)
from replicate_migrate.config import ConfigError, ConfigFiles
from replicate_migrate.engine.diff import result_diff
from replicate_migrate.engine.job import internal_error
from replicate_migrate.engine.pipeline import (
    RunOutcome,
    max_workers,
    migrate_paths,
    migrate_sources,
)
from replicate_migrate.options import Mode, Options, Output, Strategy
from replicate_migrate.report import FORMATS, render
from replicate_migrate.results import FileResult
from replicate_migrate.rules import RULES_BY_ID
from replicate_migrate.settings import (
    CLI_ONLY,
    Group,
    merge_settings,
    run_wide_keys,
    split_by_config,
    to_options,
    to_output,
)

EXIT_CLEAN, EXIT_CHANGES, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 130


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--fix/--no-fix", default=None, help="Write the rewrites in place (default: dry run).")
@click.option("--diff", is_flag=True, default=None,
              help="Print only the diff; write nothing; exit 1 when there is one.")
@click.option("--check", is_flag=True, default=None,
              help="Print only the findings (no diff); write nothing; exit 1 when something would change.")
@click.option("--strategy", type=click.Choice([s.value for s in Strategy]), default=None,
              help="auto: .url where proven, else use_file_output=False; url or opt-out force one kind.")
@click.option("--select", multiple=True, help="Rule ids (or prefixes, or ALL) to run, comma separated.")
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
@click.option("--config", "config_file", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Read [tool.replicate-migrate] from this file instead of the nearest pyproject.toml.")
@click.option("--isolated", is_flag=True, default=None, help="Read no configuration file.")
@click.option("--project-root", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where the project's other files are read for facts (default: the nearest "
                   "pyproject.toml, setup.cfg, setup.py or .git above the paths).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None, help="Report format.")
@click.option("--output", "-o", type=click.Path(path_type=Path), default=None, help="Write the report here.")
@click.option("--statistics", is_flag=True, default=None, help="Counts per rule and action.")
@click.option("--quiet", "-q", is_flag=True, default=None,
              help="Print only errors and the summary (nothing when there is nothing to do).")
@click.option("--verbose", "-v", is_flag=True, default=None,
              help="Also say which config file applies, what was read and how long it took (stderr).")
@click.option("--no-progress", is_flag=True, default=None, help="No progress bar.")
@click.option("--color/--no-color", default=None,
              help="Colour the diff (default: on a terminal, unless NO_COLOR; FORCE_COLOR forces it).")
@click.version_option(__version__, prog_name="replicate-migrate")
def main(paths: tuple[Path, ...], **flags: object) -> None:
    """Migrate code from the replicate client 0.34 to 1.0 (FileOutput). Dry run by default."""
    if flags.pop("list_rules"):
        for rule in RULES_BY_ID:
            click.echo(f"{rule.id}  {rule.name:28} {rule.summary}")
        sys.exit(EXIT_CLEAN)
    verbose = bool(flags.get("verbose"))
    with interrupting_signals():
        try:
            release_interruptions()
            code = _main(paths, flags)
        except KeyboardInterrupt:
            code = _interrupted()
        except Refused as error:
            _echo(f"replicate-migrate: error: {error}", err=True)
            code = EXIT_ERROR
        except click.ClickException:
            raise
        except BrokenPipeError:  # the reader went away (`| head`): the report is cut short, not wrong
            code = EXIT_ERROR
        except Exception as error:  # noqa: BLE001 - a bug, not bad input: one line, and never exit 1
            _internal_error(error, verbose)
            code = EXIT_ERROR
    sys.exit(code)


def _main(paths: tuple[Path, ...], flags: dict[str, object]) -> int:
    started = time.monotonic()
    cli_only = {key: flags.pop(key) for key in CLI_ONLY}
    files, paths = ConfigFiles(), paths or (Path("."),)
    try:
        settings, pyproject = merge_settings(paths, flags, cli_only, files)
        out = to_output(settings, cli_only, fix_flag=flags["fix"] is True, stdout=sys.stdout)
        _check_run(settings, paths)
        if paths == (Path("-"),):
            _say_configs(out, [(pyproject, 1)])
            return _run_stdin(settings, to_options(settings, out.mode), out)
        groups = split_by_config(paths, flags, cli_only, (settings, pyproject), out.mode, files)
    except ConfigError as error:
        raise Refused(str(error)) from None
    _say_configs(out, [(group.pyproject, len(group.paths)) for group in groups])
    for note in run_wide_keys(groups, pyproject, files):
        click.echo(f"replicate-migrate: warning: {note}", err=True)
    outcome = _migrate(groups, _progress_bar(settings) if not out.quiet else None)
    code = _finish(outcome, out)
    if out.verbose:
        took = time.monotonic() - started
        click.echo(f"replicate-migrate: {outcome.scanned} files found, {len(outcome.results)} "
                   f"analysed or failed, in {took:.2f}s", err=True)
    return code


def _say_configs(out: Output, configs: Sequence[tuple[Path | None, int]]) -> None:
    if not out.verbose:
        return
    for pyproject, count in configs:
        files = f" ({count} paths)" if len(configs) > 1 else ""
        click.echo(f"replicate-migrate: config: {pyproject or '(none)'}{files}", err=True)


def _migrate(groups: Sequence[Group], bar: ProgressBar | None) -> RunOutcome:
    """One engine run per group of files sharing their Options (usually there is one)."""
    try:
        outcomes = [migrate_paths(list(group.paths), group.options, bar) for group in groups]
    finally:
        if bar is not None:
            bar.close()
    if len(outcomes) == 1:
        return outcomes[0]
    errors = [FileResult(path, b"", error=message) for group in groups for path, message in group.errors]
    results = [*errors, *(result for outcome in outcomes for result in outcome.results)]
    warnings = dict.fromkeys(warning for outcome in outcomes for warning in outcome.warnings)
    return RunOutcome(tuple(results), tuple(warnings), sum(outcome.scanned for outcome in outcomes))


def _check_run(settings: dict[str, object], paths: Sequence[Path]) -> None:
    """Refuse, before anything is read or written, what the run could not do safely."""
    jobs = settings.get("jobs")
    if isinstance(jobs, int) and jobs > max_workers():
        _echo(f"replicate-migrate: warning: --jobs {jobs} is more than this machine can use; "
              f"using {max_workers()} worker processes", err=True)
    stdin_name = settings.get("stdin_filename")  # the file that stdin stands for
    check_output(settings.get("output"), [*paths, *([Path(str(stdin_name))] if stdin_name else [])])


def _internal_error(error: Exception, verbose: bool) -> None:
    _echo(internal_error("replicate-migrate", error), err=True)
    if verbose:
        import traceback  # only for a bug: not worth its import on every run

        click.echo("".join(traceback.format_exception(error)), err=True, nl=False)


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
    install_interrupt_handlers()  # for good: the process ends here
    try:
        main()
        code: object = 0
    except SystemExit as done:
        code = done.code
    except KeyboardInterrupt:  # not seen by main(): as it started, or after it answered
        code = _interrupted()
    except Exception as error:  # noqa: BLE001 - raised before main's own handler (in click)
        _internal_error(error, verbose=False)
        code = EXIT_ERROR
    ignore_interruptions()
    if code is not None and not isinstance(code, int):
        print(code, file=sys.stderr)
        code = EXIT_ERROR
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, OSError):
        pass
    os._exit(code or 0)


def _run_stdin(settings: dict[str, object], options: Options, out: Output) -> int:
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
    if out.mode is Mode.FIX:
        result = next(iter(outcome.results), None)
        sys.stdout.buffer.write(result.migrated if result and result.migrated else data)
        _report(outcome, out, to_stderr=True)
        return _exit_code(outcome.results)
    return _finish(outcome, out)


def _finish(outcome: RunOutcome, out: Output) -> int:
    results = list(outcome.results)
    if out.mode is Mode.FIX:
        results = _write(results, outcome)
    if _prints_diff(out):
        for result in results:
            if result.changed:
                click.echo(result_diff(result, out.color), nl=False)  # bytes: the file's own
    _report(RunOutcome(tuple(results), outcome.warnings, outcome.scanned), out)
    return _exit_code(results)


def _prints_diff(out: Output) -> bool:
    # A JSON or SARIF report on stdout must stay parseable: the diff goes with -o only.
    if out.mode is Mode.DIFF:
        return True
    return out.mode is Mode.DRY_RUN and not out.quiet and (out.format == "text" or out.output is not None)


def _write(results: list[FileResult], outcome: RunOutcome) -> list[FileResult]:
    """Write changed files atomically, each only while it is still the file that was read.

    A file that cannot be written, or that changed meanwhile, becomes an error and is left as it is.
    """
    from replicate_migrate.engine.writer import (  # only --fix writes
        NotWritten,
        interruptible,
        write_atomic,
    )

    out = []
    with interruptible():
        for result in results:
            if result.changed and result.migrated is not None:
                stat = outcome.read_stats.get(result.path)
                try:
                    write_atomic(Path(result.path), result.migrated, original=result.original,
                                 read_stat=stat, trees=outcome.trees)
                except (OSError, NotWritten) as error:
                    message = _not_written(result.path, error)
                    result = FileResult(result.path, result.original, None, result.findings, message)
            out.append(result)
    return out


def _not_written(path: str, error: Exception) -> str:
    if isinstance(error, OSError):
        return f"{path}: cannot write: {error.strerror or error}"
    return f"{path}: {error}; left as it is"


def _report(outcome: RunOutcome, out: Output, *, to_stderr: bool = False) -> None:
    """Warnings and errors on stderr; the report on stdout, in a file (-o), or, for a patch
    on stdout (--diff) or code on stdout (`-` with --fix), its summary on stderr."""
    from replicate_migrate.report.text import report  # loaded once there is something to say

    written = out.mode is Mode.FIX
    parts = report(outcome.results, statistics=out.statistics, written=written)
    for warning in outcome.warnings:
        _echo(f"replicate-migrate: warning: {warning}", err=True)
    for line in parts.errors:
        _echo(line, err=True)
    escape = out.format in ("json", "sarif")  # a file name that is not UTF-8 becomes a JSON escape
    if out.output:
        text = render(outcome.results, out.format, statistics=out.statistics,
                      tool_version=__version__, written=written)
        write_report(out.output, encode(text, "utf-8", escape=escape))
    elif out.format != "text" and out.mode is not Mode.DIFF:
        text = render(outcome.results, out.format, statistics=out.statistics,
                      tool_version=__version__, written=written)
        _echo(text, nl=False, err=to_stderr, escape=escape)
    if out.format == "text" or out.mode is Mode.DIFF:
        _print_text(parts.body, parts.summary, outcome, out, to_stderr or out.mode is Mode.DIFF)


def _print_text(
    body: Sequence[str], summary: str, outcome: RunOutcome, out: Output, to_stderr: bool
) -> None:
    """The findings (or counts) and the summary, as -q and --diff want them."""
    if out.output and out.format == "text":
        return  # the whole report went to the file
    show_body = out.statistics or (not out.quiet and out.mode is not Mode.DIFF)
    for line in body if show_body else ():
        _echo(line, err=to_stderr)
    if not (out.quiet and _exit_code(outcome.results) == EXIT_CLEAN):
        _echo(summary, err=to_stderr)


def _exit_code(results: Sequence[FileResult]) -> int:
    if any(r.error for r in results):
        return EXIT_ERROR
    if any(r.changed or r.needs_review for r in results):
        return EXIT_CHANGES
    return EXIT_CLEAN


def _interrupted() -> int:
    """Interrupted (Ctrl-C, SIGTERM): every file is whole, but the run is not done."""
    ignore_interruptions()  # one message, however many signals follow
    _echo("replicate-migrate: interrupted", err=True)
    return EXIT_INTERRUPTED


def _echo(text: str, *, nl: bool = True, err: bool = False, escape: bool = False) -> None:
    """click.echo, for text holding names that are not UTF-8 (surrogates) too."""
    stream = sys.stderr if err else sys.stdout
    click.echo(encode(text, getattr(stream, "encoding", None) or "utf-8", escape=escape), nl=nl, err=err)
