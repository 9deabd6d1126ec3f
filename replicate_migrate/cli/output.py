"""What a run shows and writes: diffs, the report, the rewritten files, the exit code."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import click

from replicate_migrate import __version__
from replicate_migrate.cli.diff import result_diff
from replicate_migrate.cli.support import encode, ignore_interruptions, write_report
from replicate_migrate.engine.pipeline import RunOutcome
from replicate_migrate.options import Mode, Output
from replicate_migrate.report import render
from replicate_migrate.results import FileResult

EXIT_CLEAN, EXIT_CHANGES, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 130


def finish(outcome: RunOutcome, out: Output) -> int:
    results = list(outcome.results)
    if out.mode is Mode.FIX:
        results = write_fixes(results, outcome)
    if _prints_diff(out):
        for result in results:
            if result.changed:
                click.echo(result_diff(result, out.color), nl=False)  # bytes: the file's own
    report_run(RunOutcome(tuple(results), outcome.warnings, outcome.scanned), out)
    return exit_code(results)


def _prints_diff(out: Output) -> bool:
    # A JSON or SARIF report on stdout must stay parseable: the diff goes with -o only.
    if out.mode is Mode.DIFF:
        return True
    return out.mode is Mode.DRY_RUN and not out.quiet and (out.format == "text" or out.output is not None)


def write_fixes(results: list[FileResult], outcome: RunOutcome) -> list[FileResult]:
    """Write changed files atomically, each only while it is still the file that was read.

    A file that cannot be written, or that changed meanwhile, becomes an error and is left as it is.
    """
    from replicate_migrate.cli.writer import (  # only --fix writes
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


def report_run(outcome: RunOutcome, out: Output, *, to_stderr: bool = False) -> None:
    """Warnings and errors on stderr; the report on stdout, in a file (-o), or, for a patch
    on stdout (--diff) or code on stdout (`-` with --fix), its summary on stderr."""
    from replicate_migrate.report.text import report  # loaded once there is something to say

    written = out.mode is Mode.FIX
    parts = report(outcome.results, statistics=out.statistics, written=written)
    for warning in outcome.warnings:
        echo(f"replicate-migrate: warning: {warning}", err=True)
    for line in parts.errors:
        echo(line, err=True)
    escape = out.format in ("json", "sarif")  # a file name that is not UTF-8 becomes a JSON escape
    if out.output:
        text = render(outcome.results, out.format, statistics=out.statistics,
                      tool_version=__version__, written=written)
        write_report(out.output, encode(text, "utf-8", escape=escape))
    elif out.format != "text" and out.mode is not Mode.DIFF:
        text = render(outcome.results, out.format, statistics=out.statistics,
                      tool_version=__version__, written=written)
        echo(text, nl=False, err=to_stderr, escape=escape)
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
        echo(line, err=to_stderr)
    if not (out.quiet and exit_code(outcome.results) == EXIT_CLEAN):
        echo(summary, err=to_stderr)


def exit_code(results: Sequence[FileResult]) -> int:
    if any(r.error for r in results):
        return EXIT_ERROR
    if any(r.changed or r.needs_review for r in results):
        return EXIT_CHANGES
    return EXIT_CLEAN


def interrupted() -> int:
    """Interrupted (Ctrl-C, SIGTERM): every file is whole, but the run is not done."""
    ignore_interruptions()  # one message, however many signals follow
    echo("replicate-migrate: interrupted", err=True)
    return EXIT_INTERRUPTED


def echo(text: str, *, nl: bool = True, err: bool = False, escape: bool = False) -> None:
    """click.echo, for text holding names that are not UTF-8 (surrogates) too."""
    stream = sys.stderr if err else sys.stdout
    click.echo(encode(text, getattr(stream, "encoding", None) or "utf-8", escape=escape), nl=nl, err=err)
