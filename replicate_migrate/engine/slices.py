"""The parts of a file the analysis needs: groups of top-level statements, parsed on demand.

A 5,000-line module that mentions replicate once must not cost a 5,000-line LibCST parse.
CPython (outline.py, about ten times faster) splits the file into groups of top-level
statements. LibCST parses a group only when the analysis can need it: it says a seed word
(`replicate`), it mentions a name bound by such a group (so replicate objects and results
can reach it), or it binds a name a needed group uses (a constant model ref, a function
a result is passed to). Every group keeps its lines, so positions stay exact and a
rewritten group is spliced back over exactly the lines it came from.

A file CPython rejects is a syntax error (SourceError), whatever its size. One it accepts
but that cannot be split this way (a lone CR) is one group: the whole file.
"""

from __future__ import annotations

import ast
import keyword
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import libcst as cst

from replicate_migrate.engine.group import Group, Groups, SliceError
from replicate_migrate.engine.outline import STAR, Rejected, split_lines, statement_groups
from replicate_migrate.engine.source import SourceError

__all__ = ["Group", "SliceError", "Sliced"]


@dataclass
class Sliced:
    """One file as groups; `selected` grows as the run asks for more of it."""

    groups: Sequence[Group]  # Groups, or the whole file as one
    whole: bool  # one group: the file could not be split
    taint: set[str] = field(default_factory=set)
    provide: set[str] = field(default_factory=set)
    selected: list[Group] = field(default_factory=list)
    owner: dict[int, Group] = field(default_factory=dict)  # id() of a top-level statement
    _index: _Index | None = None

    @classmethod
    def of_text(cls, text: str, path: str) -> Sliced:
        """`text` split into groups; SourceError naming `path` when CPython rejects it."""
        try:
            groups = _split(text)
        except Rejected as error:
            raise SourceError(f"{path}:{error.line}:{error.column}: syntax error: {error.message}") from error
        if groups is None:
            return cls([_whole_group(text)], whole=True)
        return cls(groups, whole=False)

    @classmethod
    def of_module(cls, text: str, module: cst.Module) -> Sliced:
        group = _whole_group(text)
        group.module = module
        return cls([group], whole=True)

    def select(self, taint: Iterable[str], provide: Iterable[str]) -> bool:
        """Widen the selection for these seeds; True when it grew (new groups are parsed)."""
        self.taint.update(taint)
        self.provide.update(provide)
        if self.whole:
            self.groups[0].parse()
            grew = not self.selected
            self.selected = list(self.groups)
            return grew
        groups = self.groups
        assert isinstance(groups, Groups)
        if self._index is None:
            self._index = _Index(groups)
        chosen = _closure(groups, self._index, self.taint, self.provide)
        grew = len(chosen) != len(self.selected)
        for run in _unparsed_runs(groups, chosen):
            _parse_run(run)
        self.selected = [self.groups[i] for i in chosen]
        return grew

    def module(self) -> cst.Module:
        """The selected statements as one module, for the walker (never rendered)."""
        self.owner = {id(s): g for g in self.selected for s in g.parse().body}
        if self.whole:
            return self.groups[0].parse()
        return cst.Module(body=[s for g in self.selected for s in g.parse().body])

    def group_of(self, statement: cst.CSTNode | None) -> Group:
        """The group a top-level statement of `module()` came from."""
        return self.groups[0] if self.whole else self.owner[id(statement)]

    def accepts(self, code: str) -> bool:
        """True when `code` may replace a group: it parses (with LibCST for a whole file)."""
        try:
            if self.whole:
                cst.parse_module(code)
            else:
                ast.parse(code)
        except (cst.ParserSyntaxError, SyntaxError, ValueError, RecursionError, MemoryError):
            return False
        return True

    def splice(self, text: str, replaced: list[tuple[Group, str]]) -> str:
        """`text` with these groups' lines replaced by their new code."""
        if self.whole:
            new = replaced[0][1] if replaced else text
        else:
            lines = split_lines(text)
            for group, code in sorted(replaced, key=lambda item: -item[0].first):
                lines[group.first - 1 : group.last] = [code]
            new = "".join(lines)
        if new.startswith(("\n", "\r")) and not text.startswith(("\n", "\r")):
            # The file's first statement was removed: the blank lines after it would open the file.
            new = new.lstrip("\r\n")
        return new


def _unparsed_runs(groups: Groups, chosen: list[int]) -> list[list[Group]]:
    """The chosen groups not parsed yet, as runs of at most _RUN_GROUPS adjacent groups."""
    runs: list[list[Group]] = []
    previous = -2
    for i in chosen:
        if groups[i].module is None:
            if i == previous + 1 and runs and len(runs[-1]) < _RUN_GROUPS:
                runs[-1].append(groups[i])
            else:
                runs.append([groups[i]])
            previous = i
    return runs


# LibCST's parse grows faster than the text (16,000 lines cost 25x 1,000): runs longer
# than this are parsed in pieces, so a file's cost grows linearly.
_RUN_GROUPS = 1_000


def _parse_run(run: list[Group]) -> None:
    """Parse adjacent groups with one LibCST parse: one parse of many small statements
    costs a fraction of as many parses. Each group gets a module holding its own
    statement, with the run's layout (indent, newline), whose code is the group's text.
    A run whose statements do not map one to one onto its groups is parsed group by group,
    and so is a last group without a final newline (LibCST's newline for it is its own).
    """
    if not run[-1].text.endswith(("\n", "\r")):
        run[-1].parse()
        run = run[:-1]
    if len(run) > 1:
        try:
            batch = cst.parse_module("".join(group.text for group in run))
        except (cst.ParserSyntaxError, SyntaxError, ValueError, RecursionError):
            batch = None
        if batch is not None and len(batch.body) == len(run) and not batch.header and not batch.footer:
            for group, statement in zip(run, batch.body):
                group.module = batch.with_changes(body=(statement,))
            return
    for group in run:
        group.parse()


def _whole_group(text: str) -> Group:
    return Group(1, max(1, text.count("\n")), text, frozenset())


def _split(text: str) -> Groups | None:
    found = statement_groups(text)
    return None if found is None else Groups(text, found)


class _Index:
    """Which groups mention and which bind each name: the closure asks both in O(1).

    `hidden`: groups rebinding a name (`x = 1`) whose next mention is another such
    rebinding. No statement sees the value they give (the analysis reads a module's
    statements in order, and functions see module names as they are at the end), so a
    use of the name does not need them: 2,000 lines of `x = 1` need only the last.
    """

    def __init__(self, groups: Groups) -> None:
        self.mentioning: dict[str, list[int]] = {}
        self.binding: dict[str, list[int]] = {}
        self.hidden: set[int] = set()
        rebound: dict[str, int] = {}  # name -> the last group rebinding it, not mentioned since
        for index, (binds, rebinds) in enumerate(zip(groups.binds, groups.rebinds)):
            # Not groups[index].words: that would keep a group and a set per group.
            for word in groups.words_at(index):
                self.mentioning.setdefault(word, []).append(index)
                earlier = rebound.pop(word, None)
                if earlier is not None and rebinds == word:
                    self.hidden.add(earlier)
            for name in binds:
                self.binding.setdefault(name, []).append(index)
            if rebinds is not None:
                rebound[rebinds] = index

    def binders(self, name: str) -> list[int]:
        """The groups binding `name` whose value some statement may see."""
        return [i for i in self.binding.get(name, ()) if i not in self.hidden]


def _closure(groups: Groups, index: _Index, taint: set[str], provide: set[str]) -> list[int]:
    """Groups that may hold or meet replicate values, then the definitions they use.

    A worklist over names: each name is followed once and each group chosen once, so the
    cost is linear in the words of the file, not groups times names.
    """
    chosen: set[int] = set()
    done: set[str] = set()
    names = list(taint)
    while names:
        name = names.pop()
        if name in done:
            continue
        done.add(name)
        for i in index.mentioning.get(name, ()):
            if i not in chosen:
                chosen.add(i)
                names.extend(groups.binds[i] - done)
    # Definitions a chosen group uses: their values are not replicate's, so their users
    # are not needed, only what they in turn use.
    asked: set[str] = set()
    stack = [i for name in provide for i in index.binders(name)]
    stack.extend(_binders(groups, index, chosen, asked))
    # A star import may bind any name: the analysis must see where names come from.
    stack.extend(i for i, binds in enumerate(groups.binds) if STAR in binds)
    while stack:
        i = stack.pop()
        if i not in chosen:
            chosen.add(i)
            stack.extend(_binders(groups, index, (i,), asked))
    return sorted(chosen)


def _binders(groups: Groups, index: _Index, users: Iterable[int], asked: set[str]) -> list[int]:
    """The groups binding a name these groups use, for the names not asked about before."""
    found: list[int] = []
    for user in users:
        for word in groups[user].words - asked:
            asked.add(word)
            if not keyword.iskeyword(word):
                found.extend(index.binders(word))
    return found
