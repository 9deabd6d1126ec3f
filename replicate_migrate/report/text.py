"""The human report: one ruff-style line per finding, then a one-line summary."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from replicate_migrate.report.common import (
    FileError,
    Summary,
    cell_label,
    file_error,
    findings,
    kind_note,
    ordered,
    plural,
    posix_path,
    statistics_rows,
    summarize,
)
from replicate_migrate.results import Action, FileResult, Finding


@dataclass(frozen=True)
class TextReport:
    """The report's three parts, which the command line prints to different places."""

    body: tuple[str, ...]  # one line per finding, or with `statistics` the counts
    errors: tuple[str, ...]  # one line per file that could not be processed
    summary: str


def report(results: Sequence[FileResult], *, statistics: bool, written: bool) -> TextReport:
    """Findings (or with `statistics`, counts per rule and action), errors, and a summary."""
    body = _statistics(results) if statistics else [format_finding(f) for f in findings(results)]
    errors = [format_error(file_error(r)) for r in ordered(results) if r.error]
    return TextReport(tuple(body), tuple(errors), summary_line(summarize(results), written))


def render(results: Sequence[FileResult], *, statistics: bool, written: bool) -> str:
    """The whole report: findings (or counts), errors, then the summary, a line each."""
    parts = report(results, statistics=statistics, written=written)
    return "".join(line + "\n" for line in [*parts.body, *parts.errors, parts.summary])


def format_finding(finding: Finding) -> str:
    """`path[:cell N]:line:col: RULE [action] message (kind: ..., from ...)`."""
    where = ":".join(
        part
        for part in (posix_path(finding.path), cell_label(finding), str(finding.line))
        if part is not None
    )
    return (
        f"{where}:{finding.column}: {finding.rule} [{finding.action.value}] "
        f"{finding.message}{kind_note(finding)}"
    )


def format_error(error: FileError) -> str:
    """`path[:line:col]: error: message`, naming the file once."""
    return f"{error.where}: error: {error.message}"


def summary_line(summary: Summary, written: bool) -> str:
    """E.g. `3 files changed, 1 call site needs review, 2 errors.` or `No changes needed.`"""
    review = summary.count(Action.REVIEW)
    parts = []
    if summary.changed:
        verb = "changed" if written else "would change"
        parts.append(f"{plural(summary.changed, 'file')} {verb}")
    if review:
        parts.append(f"{plural(review, 'call site')} {'needs' if review == 1 else 'need'} review")
    if summary.errors:
        parts.append(plural(summary.errors, "error"))
    return ", ".join(parts) + "." if parts else "No changes needed."


def _statistics(results: Sequence[FileResult]) -> list[str]:
    rows = statistics_rows(results)
    width = max((len(str(count)) for _, _, count in rows), default=1)
    return [f"{count:>{width}}  {rule}  {label}" for rule, label, count in rows]
