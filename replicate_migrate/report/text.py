"""The human report: one ruff-style line per finding, then a one-line summary."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from replicate_migrate.report.common import (
    ACTION_ORDER,
    FileError,
    Summary,
    cell_label,
    file_error,
    findings,
    kind_note,
    ordered,
    plural,
    posix_path,
    summarize,
)
from replicate_migrate.results import Action, FileResult, Finding


def render(results: Sequence[FileResult], *, statistics: bool, written: bool) -> str:
    """Findings (or with `statistics`, counts per rule and action), errors, then a summary."""
    body = _statistics(results) if statistics else [format_finding(f) for f in findings(results)]
    errors = [format_error(file_error(r)) for r in ordered(results) if r.error]
    return "".join(
        line + "\n" for line in [*body, *errors, summary_line(summarize(results), written)]
    )


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
    counts = Counter((f.rule, f.action) for r in results for f in r.findings)
    rows = sorted(counts.items(), key=lambda item: (item[0][0], ACTION_ORDER.index(item[0][1])))
    width = max((len(str(count)) for _, count in rows), default=1)
    return [f"{count:>{width}}  {rule}  {action.value}" for (rule, action), count in rows]
