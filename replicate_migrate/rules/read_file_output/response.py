"""The uses of a download's response (`r` in `r = requests.get(u)`) in its scope.

The two-statement form is rewritten only when every use of `r` is its body (`r.content`,
`r.read()`) or its chunks (`r.iter_content(n)` as a for loop's iterable) and `r` is
bound once; a use of its status or headers has no FileOutput counterpart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import libcst as cst

from replicate_migrate.rules.read_file_output.matchers import RESPONSE_FACTS, parents


@dataclass
class ResponseUses:
    bodies: list[cst.CSTNode] = field(default_factory=list)  # `r.content` / `r.read()`
    chunks: list[cst.CSTNode] = field(default_factory=list)  # `r.iter_content(n)` in a for
    # `StreamingResponse(r.iter_content())`, `HttpResponse(r.content)`: handed to a web
    # framework's response, which takes the FileOutput itself (it iterates its chunks).
    handed: list[cst.CSTNode] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)  # `.status_code`, `.headers`, ...
    others: int = 0  # any other use, or another binding of the name


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


def response_uses(scope: Sequence[cst.CSTNode], name: str, assign: cst.CSTNode, body: str) -> ResponseUses:
    """How `name` is used in `scope` outside its assignment `assign`."""
    uses = ResponseUses()
    target = _target(assign)
    for node in scope:
        finder = _Names(name)
        node.visit(finder)
        parent = parents(node)
        for found in finder.found:
            if found is not target:
                _classify(found, parent, body, uses)
    return uses


def _target(assign: cst.CSTNode) -> cst.CSTNode | None:
    if isinstance(assign, cst.SimpleStatementLine) and isinstance(assign.body[0], cst.Assign):
        return assign.body[0].targets[0].target
    return None


def _classify(name: cst.Name, parent: dict[int, cst.CSTNode], body: str, uses: ResponseUses) -> None:
    above = parent.get(id(name))
    if not isinstance(above, cst.Attribute) or above.value is not name:
        uses.others += 1
        return
    attr = above.attr.value
    call = parent.get(id(above))
    called = isinstance(call, cst.Call) and call.func is above
    if attr in RESPONSE_FACTS:
        uses.facts.append(f".{attr}{'()' if called else ''}")
    elif attr == body == "content" and not called and _handler_of(above, parent) in _BODY_HANDLERS:
        uses.handed.append(above)
    elif attr == body == "content" and not called:
        uses.bodies.append(above)
    elif attr == body == "read" and called and isinstance(call, cst.Call) and not call.args:
        uses.bodies.append(call)
    elif attr == "iter_content" and called and isinstance(call, cst.Call) and _handler_of(call, parent) in _STREAM_HANDLERS:
        uses.handed.append(call)
    elif attr == "iter_content" and called and isinstance(parent.get(id(call)), cst.For):
        loop = parent[id(call)]
        assert isinstance(call, cst.Call) and isinstance(loop, cst.For)
        if loop.iter is call:
            uses.chunks.append(call)
        else:
            uses.others += 1
    else:
        uses.others += 1


# Responses of web frameworks that stream an iterable of bytes given as their first argument
# (FastAPI/Starlette, Django, Flask's stream_with_context), and Django's HttpResponse, which
# joins the chunks of an iterable content.
_STREAM_HANDLERS = frozenset({"StreamingResponse", "StreamingHttpResponse", "stream_with_context"})
_BODY_HANDLERS = frozenset({"HttpResponse"})


def _handler_of(node: cst.CSTNode, parent: dict[int, cst.CSTNode]) -> str:
    """The name of the call `node` is the first argument of ("" when none)."""
    arg = parent.get(id(node))
    call = parent.get(id(arg)) if isinstance(arg, cst.Arg) else None
    if not isinstance(call, cst.Call) or not call.args or call.args[0] is not arg or arg.keyword:
        return ""
    func = call.func
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return func.value if isinstance(func, cst.Name) else ""
