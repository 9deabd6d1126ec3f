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
    summarize,
)
from replicate_migrate.results import FileResult, Finding

REPORT_VERSION = 1  # bump when a field changes meaning or goes away; adding one is compatible


def render(results: Sequence[FileResult], *, tool_version: str) -> str:
    summary = summarize(results)
    document = {
        "version": REPORT_VERSION,
        "tool": {"name": TOOL_NAME, "version": tool_version},
        "findings": [_finding(f) for f in findings(results)],
        "errors": [
            {"path": posix_path(r.path), "message": r.error} for r in ordered(results) if r.error
        ],
        "summary": {
            "files": summary.files,
            "changed": summary.changed,
            "findings_by_action": {action.value: n for action, n in summary.by_action},
            "errors": summary.errors,
        },
    }
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
    }
