"""The imports a module no longer needs once its downloads read the FileOutput instead:
`import requests`, `from urllib.request import urlretrieve`, as ruff's F401 would flag them.

Only a name some replaced download used goes, only from a top-level import statement
LibCST parsed, and only when the name is no other word of the module: not a use, not in
`__all__`, a string or a comment. A package's `__init__.py` keeps its imports (they may
be re-exports). Another module importing the name from this one is not looked for (as
ruff's F401 fix does not).
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence

import libcst as cst

from replicate_migrate.analysis.methods import dotted_name
from replicate_migrate.rules.base import ModuleContext, NodeEdit

_RENDER = cst.Module(body=())


def unused_imports(ctx: ModuleContext, removed: Sequence[cst.CSTNode]) -> list[NodeEdit]:
    """Edits dropping the aliases whose name only the `removed` nodes used."""
    if not removed or not ctx.text or os.path.basename(ctx.path) == "__init__.py":
        return []
    gone = " ".join(_RENDER.code_for_node(node) for node in removed)
    edits = []
    for statement in ctx.rec.body:
        small = _import_of(statement)
        if small is None:
            continue
        names = small.names
        assert not isinstance(names, cst.ImportStar)
        if not any(_word(_bound(a)).search(gone) for a in names):
            continue  # the usual case: nothing it imports was in the replaced code
        own = _RENDER.code_for_node(statement)
        kept = tuple(i for i, a in enumerate(names) if not _unused(_bound(a), gone, own, ctx.text))
        if len(kept) == len(names):
            continue
        ctx.rec.top = ctx.rec.statement = statement
        edits.append(NodeEdit(ctx.rec.node_id(statement), _Drop(kept)))
    return edits


def _import_of(statement: cst.CSTNode) -> cst.Import | cst.ImportFrom | None:
    """The import a top-level statement line is, when it is one alone; else None."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return None
    small = statement.body[0]
    if isinstance(small, cst.Import):
        return small
    if isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar):
        module = dotted_name(small.module) if small.module is not None else ""
        return small if not small.relative and module != "__future__" else None
    return None


def _bound(alias: cst.ImportAlias) -> str:
    """The name an alias binds: `x` for `as x`, `a` for `import a.b`."""
    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
        return alias.asname.name.value
    return dotted_name(alias.name).partition(".")[0]


def _unused(name: str, gone: str, own: str, text: str) -> bool:
    """Whether the removed code used `name`, and no other word of the module is it."""
    word = _word(name)
    in_gone = len(word.findall(gone))
    return in_gone > 0 and len(word.findall(text)) == in_gone + len(word.findall(own))


def _word(name: str) -> re.Pattern[str]:
    """`name` as a word of its own, not an attribute (`x.name`) or part of a longer word."""
    return re.compile(rf"(?<![\w.]){re.escape(name)}\b")


class _Drop:
    """The edit of an import statement line keeping its aliases at positions `kept`, or
    removing the line when none is kept (the engine keeps the lines above it)."""

    def __init__(self, kept: tuple[int, ...]) -> None:
        self.kept = kept

    def __call__(self, node: cst.CSTNode) -> cst.CSTNode:
        if not isinstance(node, cst.SimpleStatementLine):
            return node
        if not self.kept:
            return node.with_changes(body=())
        small = node.body[0]
        assert isinstance(small, (cst.Import, cst.ImportFrom)) and not isinstance(small.names, cst.ImportStar)
        names = [a for i, a in enumerate(small.names) if i in self.kept]
        # The last kept alias ends as the last one did (no comma, or `,` before a `)` on its line).
        last = names[-1].with_changes(comma=small.names[-1].comma)
        return node.with_changes(body=[small.with_changes(names=[*names[:-1], last])])
