"""What every report format needs: a stable order, counts, and how a location is spelled."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import PurePath, PureWindowsPath

from replicate_migrate.results import Action, FileResult, Finding

TOOL_NAME = "replicate-migrate"
INFORMATION_URI = "https://github.com/replicate-migrate/replicate-migrate"
ACTION_ORDER: tuple[Action, ...] = (
    Action.REWRITTEN,
    Action.OPTED_OUT,
    Action.REVIEW,
    Action.UNCHANGED,
    Action.ERROR,
)
_LINE_COLUMN = re.compile(r"(\d+):(\d+): ")
_CELL_LINE_COLUMN = re.compile(r"cell \d+:\d+:\d+(?=: )")


@dataclass(frozen=True)
class Summary:
    """Counts over one run; `errors` covers unreadable files and findings with Action.ERROR."""

    files: int
    changed: int
    by_action: tuple[tuple[Action, int], ...]  # every action in ACTION_ORDER, zeros included
    errors: int

    def count(self, action: Action) -> int:
        return dict(self.by_action)[action]


def summarize(results: Sequence[FileResult]) -> Summary:
    counts = Counter(f.action for r in results for f in r.findings)
    file_errors = sum(1 for r in results if r.error is not None)
    return Summary(
        files=len(results),
        changed=sum(1 for r in results if r.changed),
        by_action=tuple((action, counts[action]) for action in ACTION_ORDER),
        errors=file_errors + counts[Action.ERROR],
    )


SUPPRESSED = "suppressed"  # the statistics' label for findings a noqa comment silenced


def statistics_rows(results: Sequence[FileResult]) -> list[tuple[str, str, int]]:
    """(rule, action or `suppressed`, count), by rule then action, for `--statistics`."""
    counts = Counter(
        (f.rule, SUPPRESSED if f.suppressed else f.action.value)
        for r in results
        for f in r.findings
    )
    order = [action.value for action in ACTION_ORDER] + [SUPPRESSED]
    return [
        (rule, label, count)
        for (rule, label), count in sorted(
            counts.items(), key=lambda i: (i[0][0], order.index(i[0][1]))
        )
    ]


def ordered(results: Sequence[FileResult]) -> list[FileResult]:
    """Results by path, so output does not depend on the order worker processes finish in."""
    return sorted(results, key=lambda r: r.path)


def findings(results: Sequence[FileResult]) -> Iterator[Finding]:
    """Every finding, by path, then cell, line and column."""
    for result in ordered(results):
        yield from sorted(
            result.findings,
            key=lambda f: (-1 if f.cell is None else f.cell, f.line, f.column, f.rule),
        )


@dataclass(frozen=True)
class FileError:
    """Why a file could not be processed, with the file named once and the line apart."""

    path: str  # with forward slashes
    message: str  # without the path
    line: int | None = None
    column: int | None = None
    cell: str | None = None  # `cell N:line:col` in a notebook, whose lines are not the file's

    @property
    def where(self) -> str:
        """`path:line:col`, `path:cell N:line:col`, or `path` when the error names no line."""
        if self.cell is not None:
            return f"{self.path}:{self.cell}"
        return self.path if self.line is None else f"{self.path}:{self.line}:{self.column}"


def file_error(result: FileResult) -> FileError:
    """`result.error` without the `path:` (and `line:col:`) the engine starts most messages with.

    A notebook's `cell N:line:col:` goes to `cell`: a line inside a cell is no line of the
    .ipynb file, so `line` stays None.
    """
    message, prefix = result.error or "", f"{result.path}:"
    rest = message[len(prefix) :].lstrip(" ")
    if not message.startswith(prefix) or not rest:
        return FileError(posix_path(result.path), message)
    if result.path.endswith(".ipynb"):
        cell = _CELL_LINE_COLUMN.match(rest)
        if cell is None:
            return FileError(posix_path(result.path), rest)
        return FileError(posix_path(result.path), rest[cell.end() + 2 :], cell=cell.group())
    match = _LINE_COLUMN.match(rest)
    if match is None:
        return FileError(posix_path(result.path), rest)
    return FileError(posix_path(result.path), rest[match.end() :], int(match[1]), int(match[2]))


def is_actionable(finding: Finding) -> bool:
    """Whether a finding reports something done or to do; plain `unchanged` ones do not."""
    return finding.action is not Action.UNCHANGED


def cell_label(finding: Finding) -> str | None:
    return None if finding.cell is None else f"cell {finding.cell + 1}"


def kind_note(finding: Finding) -> str:
    """` (kind: file-list, from catalog)`, or "" when the decision used no output kind."""
    if finding.kind is None:
        return ""
    source = f", from {finding.kind_source}" if finding.kind_source else ""
    return f" (kind: {finding.kind}{source})"


def posix_path(path: str) -> str:
    """`path` with forward slashes, whichever OS produced it."""
    return PureWindowsPath(path).as_posix() if "\\" in path else PurePath(path).as_posix()


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    return f"{count} {singular if count == 1 else plural_form or singular + 's'}"
