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
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import libcst as cst
from libcst._nodes.internal import CodegenState  # what Module.code_for_node uses
from libcst.metadata import CodePosition, CodeRange, MetadataWrapper, PositionProvider

from replicate_migrate.engine.outline import STAR, Rejected, split_lines, statement_groups, words_of
from replicate_migrate.engine.source import SourceError

_INDENT = re.compile(r"^[ \t]*", re.MULTILINE)


class SliceError(Exception):
    """LibCST cannot parse a group on its own: the file is then handled whole."""


@dataclass(slots=True)
class Group:
    """Top-level statements on lines `first`..`last` (1-based, inclusive), no line shared."""

    first: int
    last: int
    text: str
    binds: frozenset[str]  # names it binds (or mutates) in the module's namespace
    rebinds: str | None = None  # `x = 1`: the name it gives a value computed without it
    module: cst.Module | None = None
    positions: dict[cst.CSTNode, CodeRange] | None = None
    # Renderings of this group's own nodes (alive as long as the group, so ids are stable).
    _rendered: dict[tuple[int, str], str] | None = None  # made when needed: most groups never are
    _words: frozenset[str] | None = None

    @property
    def words(self) -> frozenset[str]:
        """Every identifier-like word in it (strings and comments too): what it may mention."""
        if self._words is None:
            self._words = words_of(self.text)
        return self._words

    def parse(self) -> cst.Module:
        if self.module is None:
            try:
                self.module = cst.parse_module(self.text)
            except (cst.ParserSyntaxError, SyntaxError, ValueError, RecursionError) as error:
                raise SliceError(str(error)) from error
        return self.module

    def where(self, node: cst.CSTNode, statement: cst.CSTNode | None = None) -> CodeRange:
        """`node`'s range in file coordinates, parentheses excluded as PositionProvider does.

        `statement`, a statement that contains `node`, narrows the search when the
        node's code occurs more than once in the group.
        """
        start, end, _ = self._bare_span(node, statement)
        line = self.first + self.text.count("\n", 0, start)
        column = start - (self.text.rfind("\n", 0, start) + 1)
        breaks = self.text.count("\n", start, end)
        end_column = end - (self.text.rfind("\n", 0, end) + 1)
        return CodeRange(CodePosition(line, column), CodePosition(line + breaks, end_column))

    def span(self, node: cst.CSTNode, statement: cst.CSTNode | None = None) -> tuple[int, int, str]:
        """Offsets into `text` of `node`'s code with its own parentheses, and its indent."""
        start, end, indent = self._bare_span(node, statement)
        before = "".join(self.render(p, indent) for p in getattr(node, "lpar", ()))
        after = "".join(self.render(p, indent) for p in getattr(node, "rpar", ()))
        return start - len(before), end + len(after), indent

    def rendered(self, node: cst.CSTNode, indent: str) -> str:
        """render() of a node of this group's own tree, computed once."""
        key = (id(node), indent)
        if self._rendered is None:
            self._rendered = {}
        code = self._rendered.get(key)
        if code is None:
            code = self._rendered[key] = self.render(node, indent)
        return code

    def render(self, node: cst.CSTNode, indent: str) -> str:
        """`node`'s code inside a block indented by `indent` (code_for_node assumes none)."""
        module = self.parse()
        state = CodegenState(module.default_indent, module.default_newline, indent_tokens=[indent])
        node._codegen(state)
        return "".join(state.tokens)

    def _bare_span(self, node: cst.CSTNode, statement: cst.CSTNode | None) -> tuple[int, int, str]:
        # A node whose code occurs once in the group (or once in a statement whose code
        # occurs once) is found by searching for it: a few codegens of small nodes instead
        # of a positioned codegen of the whole group.
        bare = node.with_changes(lpar=(), rpar=()) if getattr(node, "lpar", None) else node
        found = self._find_once(bare, 0, len(self.text))
        if found is None and statement is not None and statement is not node:
            around = self._find_once(statement, 0, len(self.text))
            if around is not None:
                found = self._find_once(bare, around[0], around[1])
        return found if found is not None else self._positioned_span(node, bare)

    def _find_once(self, node: cst.CSTNode, start: int, end: int) -> tuple[int, int, str] | None:
        """Where `node`'s code occurs exactly once in text[start:end], with the indent it has.

        Continuation lines carry the enclosing block's indent, not known yet: each indent
        in the group is tried, and only a single match across all of them counts.
        """
        found: dict[int, tuple[int, int, str]] = {}  # by end: a shorter indent matches a suffix
        for indent in self._indents_for(node, start, end):
            code = self.rendered(node, indent)
            at = self.text.find(code, start, end) if code else -1
            if at >= 0 and self.text.find(code, at + 1, end) >= 0:
                return None
            if at >= 0:
                found[at + len(code)] = (at, at + len(code), indent)  # longest indent last
        return next(iter(found.values())) if len(found) == 1 else None

    def _indents_for(self, node: cst.CSTNode, start: int, end: int) -> list[str]:
        """The indents worth trying: none for one-line code, else those of the lines where
        its first line occurs (a statement's code starts with its own indent)."""
        code = self.rendered(node, "")
        if "\n" not in code.rstrip("\r\n"):
            return [""]
        first = code[: code.index("\n")].lstrip(" \t")
        indents = {""}
        at = self.text.find(first, start, end)
        while at >= 0 and len(indents) < 8:
            line_start = self.text.rfind("\n", 0, at) + 1
            lead = self.text[line_start:at]
            indents.add(lead if not lead.strip(" \t") else "")
            at = self.text.find(first, at + 1, end)
        return sorted(indents, key=len) if at < 0 else self._indents()

    def _positioned_span(self, node: cst.CSTNode, bare: cst.CSTNode) -> tuple[int, int, str]:
        if self.positions is None:
            wrapper = MetadataWrapper(self.parse(), unsafe_skip_copy=True)
            self.positions = dict(wrapper.resolve(PositionProvider))
        where = self.positions[node]
        start, end = self._offset(where.start), self._offset(where.end)
        for indent in self._indents():
            if self.text.startswith(self.render(bare, indent), start):
                return start, end, indent
        return start, end, ""

    def _indents(self) -> list[str]:
        return sorted(set(_INDENT.findall(self.text)), key=len)

    def _offset(self, position: CodePosition) -> int:
        at = 0
        for _ in range(position.line - 1):
            at = self.text.index("\n", at) + 1
        return at + position.column


@dataclass
class Sliced:
    """One file as groups; `selected` grows as the run asks for more of it."""

    groups: list[Group]
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
        if self._index is None:
            self._index = _Index(self.groups)
        chosen = _closure(self.groups, self._index, self.taint, self.provide)
        grew = len(chosen) != len(self.selected)
        for run in _unparsed_runs(self.groups, chosen):
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
            return replaced[0][1] if replaced else text
        lines = split_lines(text)
        for group, code in sorted(replaced, key=lambda item: -item[0].first):
            lines[group.first - 1 : group.last] = [code]
        return "".join(lines)


def _unparsed_runs(groups: list[Group], chosen: list[int]) -> list[list[Group]]:
    """The chosen groups not parsed yet, as runs of groups adjacent in the file."""
    runs: list[list[Group]] = []
    previous = -2
    for i in chosen:
        if groups[i].module is None:
            if i == previous + 1 and runs:
                runs[-1].append(groups[i])
            else:
                runs.append([groups[i]])
            previous = i
    return runs


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


def _split(text: str) -> list[Group] | None:
    found = statement_groups(text)
    if found is None:
        return None
    lines = split_lines(text)
    return [
        Group(first, last, "".join(lines[first - 1 : last]), binds, rebinds=name)
        for first, last, binds, name in found
    ]


class _Index:
    """Which groups mention and which bind each name: the closure asks both in O(1).

    `hidden`: groups rebinding a name (`x = 1`) whose next mention is another such
    rebinding. No statement sees the value they give (the analysis reads a module's
    statements in order, and functions see module names as they are at the end), so a
    use of the name does not need them: 2,000 lines of `x = 1` need only the last.
    """

    def __init__(self, groups: list[Group]) -> None:
        self.mentioning: dict[str, list[int]] = {}
        self.binding: dict[str, list[int]] = {}
        self.hidden: set[int] = set()
        rebound: dict[str, int] = {}  # name -> the last group rebinding it, not mentioned since
        for index, group in enumerate(groups):
            # Not group.words: that would keep a set per group for the run's whole life.
            for word in words_of(group.text) if group._words is None else group._words:
                self.mentioning.setdefault(word, []).append(index)
                earlier = rebound.pop(word, None)
                if earlier is not None and group.rebinds == word:
                    self.hidden.add(earlier)
            for name in group.binds:
                self.binding.setdefault(name, []).append(index)
            if group.rebinds is not None:
                rebound[group.rebinds] = index

    def binders(self, name: str) -> list[int]:
        """The groups binding `name` whose value some statement may see."""
        return [i for i in self.binding.get(name, ()) if i not in self.hidden]


def _closure(groups: list[Group], index: _Index, taint: set[str], provide: set[str]) -> list[int]:
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
                names.extend(groups[i].binds - done)
    # Definitions a chosen group uses: their values are not replicate's, so their users
    # are not needed, only what they in turn use.
    asked: set[str] = set()
    stack = [i for name in provide for i in index.binders(name)]
    stack.extend(_binders(groups, index, chosen, asked))
    # A star import may bind any name: the analysis must see where names come from.
    stack.extend(i for i, g in enumerate(groups) if STAR in g.binds)
    while stack:
        i = stack.pop()
        if i not in chosen:
            chosen.add(i)
            stack.extend(_binders(groups, index, (i,), asked))
    return sorted(chosen)


def _binders(groups: list[Group], index: _Index, users: Iterable[int], asked: set[str]) -> list[int]:
    """The groups binding a name these groups use, for the names not asked about before."""
    found: list[int] = []
    for user in users:
        for word in groups[user].words - asked:
            asked.add(word)
            if not keyword.iskeyword(word):
                found.extend(index.binders(word))
    return found
