"""The uses of a download's response (`r` in `r = requests.get(u)`, `resp` in
`async with session.get(u) as resp`) in its scope.

The download is rewritten only when every use of the response is its body (`r.content`,
`await resp.read()`), its chunks (`r.iter_content(n)` as a for loop's iterable) or a
stream handed to a web framework's response, and the name is bound once; a use of its
status or headers has no FileOutput counterpart.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import libcst as cst

from replicate_migrate.rules.read_file_output.matchers import RESPONSE_FACTS, Api, parents


@dataclass
class ResponseUses:
    bodies: list[cst.CSTNode] = field(default_factory=list)  # `r.content` / `resp.read()`
    chunks: list[cst.CSTNode] = field(default_factory=list)  # `r.iter_content(n)` in a for
    # `StreamingResponse(r.iter_content())`, `HttpResponse(r.content)`: handed to a web
    # framework's response, which takes the FileOutput itself (it iterates its chunks).
    handed: list[cst.CSTNode] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)  # `.status_code`, `.headers`, ...
    others: int = 0  # any other use, or another binding of the name
    loops: set[str] = field(default_factory=set)  # the chunk methods looped over
    # id() of each use -> the top-level statement it is in, for uses at module level
    tops: dict[int, cst.CSTNode] = field(default_factory=dict)
    tight: set[int] = field(default_factory=set)  # id() of bodies an `await` must be parenthesised at
    # A body, chunks or stream taken more than once (two uses, or one in a loop the binding
    # is outside of): 0.34 downloaded once, reading the FileOutput each time would not.
    repeated: bool = False

    @property
    def taken(self) -> int:
        return len(self.bodies) + len(self.chunks) + len(self.handed)


class _Names(cst.CSTVisitor):
    def __init__(self, name: str) -> None:
        self.name = name
        self.found: list[cst.Name] = []

    def visit_Name(self, node: cst.Name) -> None:
        if node.value == self.name:
            self.found.append(node)


def enclosing_scope(top: cst.CSTNode, statement: cst.CSTNode) -> cst.CSTNode | None:
    """The innermost function in `top` holding `statement`; None at module level."""
    parent = parents(top)
    node = parent.get(id(statement))
    while node is not None:
        if isinstance(node, cst.FunctionDef):
            return node
        node = parent.get(id(node))
    return top if isinstance(top, cst.FunctionDef) and top is not statement else None


def response_uses(scope: Sequence[cst.CSTNode], name: str, target: cst.CSTNode, api: Api) -> ResponseUses:
    """How `name` is used in `scope` apart from `target`, the name its binding writes.

    `scope` is a function, or the top-level statements of a module (then `tops` says
    which statement each use is in)."""
    uses = ResponseUses()
    for node in scope:
        finder = _Names(name)
        node.visit(finder)
        parent = parents(node)
        binding = _ancestors(target, parent)
        for found in finder.found:
            if found is not target:
                before = uses.taken
                _classify(found, parent, api, uses)
                if uses.taken > before and _repeats(found, parent, binding):
                    uses.repeated = True
        if len(scope) > 1 or not isinstance(node, cst.FunctionDef):
            for use in [*uses.bodies, *uses.chunks, *uses.handed]:
                uses.tops.setdefault(id(use), node)
    return uses


def _ancestors(node: cst.CSTNode, parent: Mapping[int, cst.CSTNode]) -> set[int]:
    found: set[int] = set()
    above = parent.get(id(node))
    while above is not None:
        found.add(id(above))
        above = parent.get(id(above))
    return found


_REPEATING = (cst.While, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp, cst.Lambda, cst.FunctionDef)


def _repeats(use: cst.CSTNode, parent: Mapping[int, cst.CSTNode], binding: set[int]) -> bool:
    """Whether `use` may run more than once for one run of the binding (`binding`: the
    binding's ancestors): a loop or function around the use but not around the binding.
    A for loop repeats its body, not its iterable."""
    child, above = use, parent.get(id(use))
    while above is not None and id(above) not in binding:
        if isinstance(above, _REPEATING) or (isinstance(above, cst.For) and above.iter is not child):
            return True
        child, above = above, parent.get(id(above))
    return False


def _chain(name: cst.Name, parent: Mapping[int, cst.CSTNode]) -> tuple[str, cst.CSTNode, bool]:
    """`r.content.iter_chunked` -> ("content.iter_chunked", its outermost node, called)."""
    attrs: list[str] = []
    node: cst.CSTNode = name
    above = parent.get(id(node))
    while isinstance(above, cst.Attribute) and above.value is node:
        attrs.append(above.attr.value)
        node, above = above, parent.get(id(above))
    if isinstance(above, cst.Call) and above.func is node:
        return ".".join(attrs), above, True
    return ".".join(attrs), node, False


def _classify(name: cst.Name, parent: Mapping[int, cst.CSTNode], api: Api, uses: ResponseUses) -> None:
    chain, node, called = _chain(name, parent)
    head = chain.partition(".")[0]
    if head in RESPONSE_FACTS:
        uses.facts.append(f".{head}{'()' if called and head == chain else ''}")
    elif chain == api.body and called == api.body_called and not (called and node.args):  # type: ignore[attr-defined]
        handed = not api.body_called and _handler_of(node, parent) in _BODY_HANDLERS
        (uses.handed if handed else uses.bodies).append(node)
        if _is_tight(node, parent):
            uses.tight.add(id(node))
    elif chain in api.chunks and called and _handler_of(node, parent) in _STREAM_HANDLERS:
        uses.handed.append(node)
    elif chain in api.chunks and called and _is_loop_over(node, parent, api.is_async):
        uses.chunks.append(node)
        uses.loops.add(chain)
    else:
        uses.others += 1


def _is_tight(node: cst.CSTNode, parent: Mapping[int, cst.CSTNode]) -> bool:
    above = parent.get(id(node))
    return (isinstance(above, (cst.Attribute, cst.Subscript)) and above.value is node) or (
        isinstance(above, cst.Call) and above.func is node
    )


def _is_loop_over(node: cst.CSTNode, parent: Mapping[int, cst.CSTNode], is_async: bool) -> bool:
    loop = parent.get(id(node))
    return isinstance(loop, cst.For) and loop.iter is node and (loop.asynchronous is not None) == is_async


# Responses of web frameworks that stream an iterable of bytes given as their first argument
# (FastAPI/Starlette, Django, Flask's stream_with_context), and Django's HttpResponse, which
# joins the chunks of an iterable content.
_STREAM_HANDLERS = frozenset({"StreamingResponse", "StreamingHttpResponse", "stream_with_context"})
_BODY_HANDLERS = frozenset({"HttpResponse"})


def _handler_of(node: cst.CSTNode, parent: Mapping[int, cst.CSTNode]) -> str:
    """The name of the call `node` is the first argument of ("" when none)."""
    arg = parent.get(id(node))
    call = parent.get(id(arg)) if isinstance(arg, cst.Arg) else None
    if not isinstance(call, cst.Call) or not call.args or call.args[0] is not arg or arg.keyword:
        return ""
    func = call.func
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return func.value if isinstance(func, cst.Name) else ""
