"""The data every stage passes on: findings per call site and one result per file."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Action(str, enum.Enum):
    """What happened to one call site (or one file-level problem)."""

    REWRITTEN = "rewritten"  # uses fixed in place (`.url`, keyword arguments)
    OPTED_OUT = "opted-out"  # `use_file_output=False` added at the call
    UNCHANGED = "unchanged"  # nothing to do; the message says why
    REVIEW = "needs-review"  # the tool could not prove a fix safe; a person must look
    ERROR = "error"  # the file could not be processed


@dataclass(frozen=True)
class Finding:
    """One reported line: a call site and what the tool did with it, with the reason."""

    path: str
    line: int
    column: int
    rule: str
    action: Action
    message: str
    kind: str | None = None  # model output kind used for the decision (file, text, ...)
    kind_source: str | None = None  # where the kind came from (catalog, online, ...)
    cell: int | None = None  # notebook cell index (0-based) when the file is a notebook
    suppressed: bool = False  # left alone for a noqa or replicate-migrate ignore comment


@dataclass(frozen=True)
class FileResult:
    """The outcome for one file. `migrated` is None when nothing changes or on error."""

    path: str
    original: bytes
    migrated: bytes | None = None
    findings: tuple[Finding, ...] = field(default_factory=tuple)
    error: str | None = None

    @property
    def changed(self) -> bool:
        return self.migrated is not None and self.migrated != self.original

    @property
    def needs_review(self) -> bool:
        return any(f.action is Action.REVIEW for f in self.findings)
