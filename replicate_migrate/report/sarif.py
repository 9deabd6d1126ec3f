"""SARIF 2.1.0 in the subset GitHub code scanning accepts; only actionable findings.

Notebook findings point at line 1 of the .ipynb file (a line inside a cell has no place in the
JSON text that GitHub shows) and name the cell and line in the message instead.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any
from urllib.parse import quote

from replicate_migrate.report.common import (
    INFORMATION_URI,
    TOOL_NAME,
    cell_label,
    file_error,
    findings,
    is_actionable,
    kind_note,
    ordered,
    posix_path,
)
from replicate_migrate.results import Action, FileResult, Finding
from replicate_migrate.rules import RULES_BY_ID

SARIF_SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
_LEVELS = {
    Action.REVIEW: "warning",
    Action.REWRITTEN: "note",
    Action.OPTED_OUT: "note",
    Action.ERROR: "error",
}


def render(results: Sequence[FileResult], *, tool_version: str) -> str:
    errors = [r for r in ordered(results) if r.error is not None]
    run = {
        "tool": {"driver": _driver(tool_version)},
        "invocations": [
            {
                "executionSuccessful": not errors,
                "toolExecutionNotifications": [_notification(r) for r in errors],
            }
        ],
        "results": [_result(f) for f in findings(results) if is_actionable(f)],
    }
    log = {"$schema": SARIF_SCHEMA_URI, "version": "2.1.0", "runs": [run]}
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _driver(tool_version: str) -> dict[str, Any]:
    return {
        "name": TOOL_NAME,
        "informationUri": INFORMATION_URI,
        "version": tool_version,
        "rules": [
            {
                "id": rule.id,
                "name": rule.name,
                "shortDescription": {"text": rule.summary},
                "fullDescription": {"text": rule.explanation},
                "helpUri": rule.help_uri,
                "defaultConfiguration": {"level": "warning"},
            }
            for rule in RULES_BY_ID
        ],
    }


def _result(finding: Finding) -> dict[str, Any]:
    cell = cell_label(finding)
    where = f"{cell}, line {finding.line}: " if cell else ""
    region = (
        {"startLine": 1}
        if cell
        else {"startLine": finding.line, "startColumn": max(finding.column, 1)}
    )
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "level": _LEVELS[finding.action],
        "message": {
            "text": f"{where}[{finding.action.value}] {finding.message}{kind_note(finding)}"
        },
        "locations": [
            {"physicalLocation": {"artifactLocation": _artifact(finding.path), "region": region}}
        ],
    }
    index = next((i for i, rule in enumerate(RULES_BY_ID) if rule.id == finding.rule), None)
    if index is not None:  # a rule missing from RULES still reports, just without the link
        result["ruleIndex"] = index
    return result


def _notification(result: FileResult) -> dict[str, Any]:
    error = file_error(result)
    location: dict[str, Any] = {"artifactLocation": _artifact(result.path)}
    if error.line is not None:
        location["region"] = {"startLine": error.line, "startColumn": max(error.column or 1, 1)}
    return {
        "level": "error",
        # Named in the text as well: viewers often show a notification without its location.
        "message": {"text": f"{error.where}: {error.message}"},
        "locations": [{"physicalLocation": location}],
    }


def _artifact(path: str) -> dict[str, str]:
    """Relative paths resolve against %SRCROOT% (the checkout); absolute ones become file URIs."""
    posix = posix_path(path)
    if PureWindowsPath(path).drive or PurePosixPath(posix).is_absolute():
        return {"uri": "file://" + ("" if posix.startswith("/") else "/") + _quote(posix, safe="/:")}
    return {"uri": _quote(posix.removeprefix("./"), safe="/"), "uriBaseId": "%SRCROOT%"}


def _quote(path: str, safe: str) -> str:
    # A file name that is not UTF-8 is percent-encoded as the bytes it has on disk.
    return quote(path.encode("utf-8", "surrogateescape"), safe=safe)
