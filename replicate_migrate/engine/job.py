"""What the pool hands a worker, and the one-line error a broken file becomes.

Its own module so that the pool, the worker processes and the worker import it without
importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass

SEEDS = frozenset({"replicate"})

# What the rules' project phases concluded: module path -> rule id -> items (the worker
# holding the module hands its part to the rules' checks).
Concluded = dict[str, dict[str, tuple[object, ...]]]


@dataclass(frozen=True)
class Job:
    """Analyse `path` (again, with more of it, when the worker already holds it)."""

    path: str  # as given on the command line or found by discovery
    module_name: str  # the module's key in the run (replicate_migrate.project)
    data: bytes  # empty when the worker already holds the file
    taint: frozenset[str] = SEEDS  # words whose statements may hold replicate values
    provide: frozenset[str] = frozenset()  # names whose definitions the run needs
    consumer: bool = False  # taken only because it may meet a result from elsewhere
    known: frozenset[tuple[str, str]] = frozenset()  # other modules' clients (their exports)


def internal_error(path: str, error: BaseException) -> str:
    """`path: internal error: <ExcType: message> (please report this)`, on one line."""
    detail = " ".join(str(error).split())
    if len(detail) > _DETAIL_LIMIT:
        detail = detail[: _DETAIL_LIMIT - 3] + "..."
    what = f"{type(error).__name__}: {detail}" if detail else type(error).__name__
    return f"{path}: internal error: {what} (please report this)"


_DETAIL_LIMIT = 300
