"""GitHub Actions workflow commands (`::warning file=...::message`) that annotate the diff.

Escaping follows GitHub's runner (`toolkit/packages/core/src/command.ts`): in the message,
`%`, CR and LF; in property values also `:` and `,`, which would otherwise end the value.
"""

from __future__ import annotations

from collections.abc import Sequence

from replicate_migrate.report.common import (
    FileError,
    cell_label,
    file_error,
    findings,
    is_actionable,
    kind_note,
    ordered,
    posix_path,
)
from replicate_migrate.results import Action, FileResult, Finding

_COMMANDS = {
    Action.REVIEW: "warning",
    Action.REWRITTEN: "notice",
    Action.OPTED_OUT: "notice",
    Action.ERROR: "error",
}


def render(results: Sequence[FileResult]) -> str:
    lines = [_finding(f) for f in findings(results) if is_actionable(f)]
    lines += [_error(file_error(r)) for r in ordered(results) if r.error is not None]
    return "".join(line + "\n" for line in lines)


def _error(error: FileError) -> str:
    properties = {"file": error.path}
    if error.line is not None:
        properties |= {"line": str(error.line), "col": str(error.column)}
    message = error.message if error.cell is None else f"{error.cell}: {error.message}"
    return _command("error", properties, message)


def _finding(finding: Finding) -> str:
    cell = cell_label(finding)
    properties = {"file": posix_path(finding.path)}
    if cell is None:  # a line number inside a cell would point into the notebook's JSON
        properties |= {"line": str(finding.line), "col": str(finding.column)}
    properties["title"] = finding.rule
    where = f"{cell}, line {finding.line}: " if cell else ""
    message = f"{where}[{finding.action.value}] {finding.message}{kind_note(finding)}"
    return _command(_COMMANDS[finding.action], properties, message)


def _command(name: str, properties: dict[str, str], message: str) -> str:
    props = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items())
    return f"::{name} {props}::{escape_data(message)}"


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")
