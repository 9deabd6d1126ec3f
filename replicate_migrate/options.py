"""The frozen settings one run uses, after config files and flags are merged."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Strategy(str, enum.Enum):
    AUTO = "auto"  # `.url` where provably a FileOutput and every use is visible, else opt-out
    URL = "url"  # only `.url` fixes; where not valid the call is reported for review
    OPT_OUT = "opt-out"  # only `use_file_output=False`; where not valid, reported for review


@dataclass(frozen=True)
class Options:
    fix: bool = False
    strategy: Strategy = Strategy.AUTO
    select: frozenset[str] = frozenset()  # empty means every rule
    ignore: frozenset[str] = frozenset()
    online: bool = False
    jobs: int = 0  # 0 means the CPU count
    cache_dir: str | None = None
    exclude: tuple[str, ...] | None = None  # None means the default excludes
    extend_exclude: tuple[str, ...] = ()
    force_exclude: bool = False
    respect_gitignore: bool = True
    project_root: str | None = None  # None: found from the paths (pyproject.toml, .git...)

    def is_enabled(self, rule: str) -> bool:
        """Selected (by id or prefix, `ALL` for every rule) and not ignored."""
        if self.select and not any(_matches(rule, s) for s in self.select):
            return False
        return not any(_matches(rule, i) for i in self.ignore)


def _matches(rule: str, selector: str) -> bool:
    return selector == "ALL" or rule.startswith(selector)


class Mode(str, enum.Enum):
    """What a run does with the rewrites it finds."""

    DRY_RUN = "dry-run"  # print the diff and the findings; exit 1 when something is to do
    FIX = "fix"  # write them in place
    DIFF = "diff"  # print only the diff (a patch on stdout), as `ruff --diff`, `black --diff`
    CHECK = "check"  # print only the findings, as `black --check`


@dataclass(frozen=True)
class Output:
    """How the command line reports a run: its side of the settings, next to Options."""

    mode: Mode = Mode.DRY_RUN
    format: str = "text"
    output: str | None = None  # the report goes to this file instead of stdout
    statistics: bool = False
    quiet: bool = False  # errors and the summary only, nothing at all for a clean run
    verbose: bool = False  # also the config files used, the counts and the time, on stderr
    color: bool = False
