"""One group of top-level statements: its text, its LibCST tree, where its nodes are.

render() uses LibCST internals where speedups.py finds them tested, else public API.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import overload

import libcst as cst
from libcst.metadata import CodePosition, CodeRange, MetadataWrapper, PositionProvider

from replicate_migrate.engine import speedups
from replicate_migrate.engine.outline import split_lines, words_of

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
        if not isinstance(node, cst.BaseExpression):  # a `with (a, b):` keeps its own parentheses
            return start, end, indent
        before = "".join(self.render(p, indent) for p in node.lpar)
        after = "".join(self.render(p, indent) for p in node.rpar)
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
        return speedups.render(node, self.parse(), indent)

    def _bare_span(self, node: cst.CSTNode, statement: cst.CSTNode | None) -> tuple[int, int, str]:
        # A node whose code occurs once in the group (or once in a statement whose code
        # occurs once) is found by searching for it: a few codegens of small nodes instead
        # of a positioned codegen of the whole group.
        bare = node.with_changes(lpar=(), rpar=()) if isinstance(node, cst.BaseExpression) and node.lpar else node
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


class Groups(Sequence[Group]):
    """A file's groups as columns; a Group object is made only for a group asked for.

    A run keeps every file's groups from the first phase to the second: 600 files of
    2,000 one-line statements are 1.2 million groups, most of the run's memory as objects.
    """

    def __init__(self, text: str, found: list[tuple[int, int, frozenset[str], str | None]]) -> None:
        self.text = text
        self.starts = array("q", accumulate(map(len, split_lines(text)), initial=0))  # by line
        self.first = array("i", [group[0] for group in found])
        self.last = array("i", [group[1] for group in found])
        self.binds = [group[2] for group in found]
        self.rebinds = [group[3] for group in found]
        self._made: dict[int, Group] = {}

    def __len__(self) -> int:
        return len(self.first)

    @overload
    def __getitem__(self, index: int) -> Group: ...
    @overload
    def __getitem__(self, index: slice) -> list[Group]: ...
    def __getitem__(self, index: int | slice) -> Group | list[Group]:
        if isinstance(index, slice):
            return [self[i] for i in range(len(self))[index]]
        index = range(len(self))[index]  # IndexError, negative indexes
        group = self._made.get(index)
        if group is None:
            group = self._made[index] = Group(
                self.first[index], self.last[index], self.text_of(index), self.binds[index],
                rebinds=self.rebinds[index],
            )
        return group

    def __eq__(self, other: object) -> bool:
        return list(self) == other if isinstance(other, list) else NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def text_of(self, index: int) -> str:
        return self.text[self.starts[self.first[index] - 1] : self.starts[self.last[index]]]

    def words_at(self, index: int) -> frozenset[str]:
        """Group `index`'s words, without making (and keeping) the group."""
        made = self._made.get(index)
        return made.words if made is not None else words_of(self.text_of(index))
