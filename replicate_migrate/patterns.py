"""Gitignore-style patterns: the exclude options and the ignore files discovery reads."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathspec import GitIgnoreSpec

_GLOB_CHARS = frozenset("/*?[]!\\#")


@dataclass(frozen=True)
class Excludes:
    """Exclude patterns, with plain names split off so the common case is a set lookup."""

    names: frozenset[str]
    spec: GitIgnoreSpec | None

    def is_excluded(self, rel: str, name: str, is_dir: bool) -> bool:
        if name in self.names:
            return True
        if self.spec is None:
            return False
        slash = "/" if is_dir else ""
        return self.spec.match_file(rel + slash) or self.spec.match_file(name + slash)


@dataclass(frozen=True)
class IgnoreFile:
    """One ignore file (.gitignore or .git/info/exclude), anchored at its directory."""

    prefix: str  # the absolute directory, ending in a separator
    spec: GitIgnoreSpec


def gitignore_spec(lines: Iterable[str]) -> GitIgnoreSpec:
    from pathspec import GitIgnoreSpec  # here: most runs of one file never need it

    return GitIgnoreSpec.from_lines(lines)


def compile_excludes(patterns: Sequence[str]) -> Excludes:
    # A negation can re-include a plain name, so with one present every pattern goes through
    # pathspec in order.
    if any(p.lstrip().startswith("!") for p in patterns):
        return Excludes(frozenset(), gitignore_spec(patterns))
    names = frozenset(p for p in patterns if p and _GLOB_CHARS.isdisjoint(p))
    rest = [p for p in patterns if p and p not in names]
    return Excludes(names, gitignore_spec(rest) if rest else None)


def is_ignored(rules: tuple[IgnoreFile, ...], absolute: str, is_dir: bool) -> bool:
    # The innermost ignore file with an opinion wins, as in git.
    slash = "/" if is_dir else ""
    for rule in reversed(rules):
        rel = absolute[len(rule.prefix) :].replace(os.sep, "/") + slash
        verdict = rule.spec.check_file(rel).include
        if verdict is not None:
            return verdict
    return False
