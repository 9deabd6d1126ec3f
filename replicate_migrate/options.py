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
        if self.select and not any(rule.startswith(s) for s in self.select):
            return False
        return not any(rule.startswith(i) for i in self.ignore)
