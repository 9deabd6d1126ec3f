"""Command line: options -> run -> report -> exit code. Only this package prints.

What a run shows and writes (diffs, the report, --fix) is in `output`, beside the
atomic writer and the diff it uses.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import click

from replicate_migrate import __version__
from replicate_migrate.cli.output import (
    EXIT_CLEAN,
    EXIT_ERROR,
    echo,
    exit_code,
    finish,
    interrupted,
    report_run,
)
from replicate_migrate.cli.progress import ProgressBar, progress_bar
from replicate_migrate.cli.support import (
    Refused,
    check_output,
    ignore_interruptions,
    install_interrupt_handlers,
    interrupting_signals,
    release_interruptions,
)
from replicate_migrate.config import ConfigError, ConfigFiles
from replicate_migrate.engine.job import internal_error
from replicate_migrate.engine.pipeline import (
    RunOutcome,
    max_workers,
    migrate_paths,
    migrate_sources,
)
from replicate_migrate.options import Mode, Options, Output, Strategy
from replicate_migrate.report import FORMATS
from replicate_migrate.results import FileResult
from replicate_migrate.rules import RULES_BY_ID
from replicate_migrate.settings import (
    CLI_ONLY,
    ConfigGroup,
    merge_settings,
    run_wide_keys,
    split_by_config,
    to_options,
    to_output,
)


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
            code = interrupted()
        except Refused as error:
            echo(f"replicate-migrate: error: {error}", err=True)
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
    outcome = _migrate(groups, progress_bar(settings) if not out.quiet else None)
    code = finish(outcome, out)
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


def _migrate(groups: Sequence[ConfigGroup], bar: ProgressBar | None) -> RunOutcome:
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
        echo(f"replicate-migrate: warning: --jobs {jobs} is more than this machine can use; "
              f"using {max_workers()} worker processes", err=True)
    stdin_name = settings.get("stdin_filename")  # the file that stdin stands for
    check_output(settings.get("output"), [*paths, *([Path(str(stdin_name))] if stdin_name else [])])


def _internal_error(error: Exception, verbose: bool) -> None:
    echo(internal_error("replicate-migrate", error), err=True)
    if verbose:
        import traceback  # only for a bug: not worth its import on every run

        click.echo("".join(traceback.format_exception(error)), err=True, nl=False)


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
        code = interrupted()
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
        report_run(outcome, out, to_stderr=True)
        return exit_code(outcome.results)
    return finish(outcome, out)
