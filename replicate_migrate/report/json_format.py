"""The machine-readable report, described by report_schemas/report.schema.json."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from replicate_migrate.report.common import (
    TOOL_NAME,
    findings,
    ordered,
    posix_path,
    statistics_rows,
    summarize,
)
from replicate_migrate.report.edits import TextEdit, file_edits
from replicate_migrate.results import FileResult, Finding

REPORT_VERSION = 1  # bump when a field changes meaning or goes away; adding one is compatible


def render(
    results: Sequence[FileResult],
    *,
    tool_version: str,
    written: bool = True,
    statistics: bool = False,
) -> str:
    """The report; `written` False says it was a dry run, `statistics` adds counts per rule."""
    summary = summarize(results)
    document: dict[str, Any] = {
        "version": REPORT_VERSION,
        "tool": {"name": TOOL_NAME, "version": tool_version},
        "dry_run": not written,
        "findings": [_finding(f) for f in findings(results)],
        "edits": [_edit(r.path, e) for r in ordered(results) for e in file_edits(r)],
        "errors": [
            {"path": posix_path(r.path), "message": r.error} for r in ordered(results) if r.error
        ],
        "summary": {
            "files": summary.files,
            "changed": summary.changed,
            "findings_by_action": {action.value: n for action, n in summary.by_action},
            "errors": summary.errors,
            "suppressed": sum(f.suppressed for r in results for f in r.findings),
        },
    }
    if statistics:
        document["statistics"] = [
            {"rule": rule, "action": label, "count": count}
            for rule, label, count in statistics_rows(results)
        ]
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _finding(finding: Finding) -> dict[str, Any]:
    return {
        "path": posix_path(finding.path),
        "line": finding.line,
        "column": finding.column,
        "cell": None if finding.cell is None else finding.cell + 1,
        "rule": finding.rule,
        "action": finding.action.value,
        "message": finding.message,
        "kind": finding.kind,
        "kind_source": finding.kind_source,
        "suppressed": finding.suppressed,
    }


def _edit(path: str, edit: TextEdit) -> dict[str, Any]:
    return {
        "path": posix_path(path),
        "range": {
            "start": {"line": edit.start[0], "column": edit.start[1]},
            "end": {"line": edit.end[0], "column": edit.end[1]},
        },
        "old": edit.old,
        "new": edit.new,
    }
