"""Which download of a FileOutput's URL a use sits in, read from the CST around it.

A download is a call of a known HTTP function with the value as its URL: `urlretrieve`
as a statement, `requests.get(u).content`, `httpx.get(u).content`, `urlopen(u).read()`,
and the two-statement form `r = requests.get(u)` ... `r.content`.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass

import libcst as cst

from replicate_migrate.analysis.methods import dotted_name

URLRETRIEVE = "urllib.request.urlretrieve"
URLOPEN = "urllib.request.urlopen"
# Response attributes that 1.0's FileOutput has no counterpart for.
RESPONSE_FACTS = frozenset(
    {"status_code", "headers", "ok", "raise_for_status", "status", "reason", "getcode",
     "getheader", "getheaders", "is_success", "is_error", "elapsed", "history", "cookies"}
)  # fmt: skip


@dataclass(frozen=True)
class Api:
    """How a download function's response gives its bytes."""

    body: str  # the attribute (`content`) or method (`read`) that is the whole body
    body_called: bool
    chunks: frozenset[str]  # the methods (`iter_content`, `content.iter_chunked`) giving chunks
    is_async: bool = False


_REQUESTS = Api("content", False, frozenset({"iter_content"}))
_HTTPX = Api("content", False, frozenset({"iter_bytes"}))
APIS = {
    "requests.get": _REQUESTS,
    "requests.Session().get": _REQUESTS,
    "requests.session().get": _REQUESTS,
    "httpx.get": _HTTPX,
    "httpx.Client().get": _HTTPX,
    URLOPEN: Api("read", True, frozenset()),
    "httpx.AsyncClient().get": Api("content", False, frozenset({"aiter_bytes"}), is_async=True),
    "aiohttp.ClientSession().get": Api(
        "read", True, frozenset({"content.iter_chunked", "content.iter_any"}), is_async=True
    ),
}


@dataclass(frozen=True)
class Download:
    """One download of the value at `url`: the node to replace and how."""

    idiom: str  # e.g. "urlretrieve()", "requests.get().content"
    node: cst.CSTNode  # the expression or statement the edit replaces
    url: cst.BaseExpression  # the value the download reads (the run() result)
    callee: str = ""  # the download function, by qualified name
    response: str = ""  # the name bound to the response (`r = get(u)`, `with get(u) as r`)
    statement: cst.CSTNode | None = None  # the statement binding `response`
    target: cst.CSTNode | None = None  # the Name node that binding writes


class _Parents(cst.CSTVisitor):
    def __init__(self) -> None:
        self.parent: dict[int, cst.CSTNode] = {}
        self.stack: list[cst.CSTNode] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        if self.stack:
            self.parent[id(node)] = self.stack[-1]
        self.stack.append(node)
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        self.stack.pop()


@functools.lru_cache(maxsize=16)
def parents(node: cst.CSTNode) -> Mapping[int, cst.CSTNode]:
    """id() of each node inside `node` -> its parent. Each use of a result asks for its
    top-level statement's map: one walk per statement, not per use (nodes hash by identity,
    and the cache keeps them alive, so no id is reused while its map is cached)."""
    visitor = _Parents()
    node.visit(visitor)
    return visitor.parent


def find_download(callee: str, url: cst.BaseExpression, statement: cst.CSTNode) -> Download | None:
    """The download `url` is the URL of, inside `statement`, or None."""
    parent = parents(statement)
    call = _url_call(url, parent)
    if call is None:
        return None
    if callee == URLRETRIEVE:
        return _urlretrieve(call, url, statement)
    api = APIS.get(callee)
    if api is None or not _is_plain_get(call, callee):
        return None
    above = parent.get(id(call))
    if isinstance(above, cst.Attribute) and above.value is call and above.attr.value == api.body:
        read = parent.get(id(above))
        if api.is_async:
            return None
        if not api.body_called:
            return Download(f"{callee}().{api.body}", above, url, callee)
        if isinstance(read, cst.Call) and read.func is above and not read.args:
            return Download(f"{callee.rpartition('.')[2]}().read()", read, url, callee)
        return None
    if isinstance(statement, cst.With):
        return _with_item(callee, api, call, url, statement)
    return _assigned(callee, api, call, url, statement)


def _url_call(url: cst.BaseExpression, parent: Mapping[int, cst.CSTNode]) -> cst.Call | None:
    arg = parent.get(id(url))
    call = parent.get(id(arg)) if isinstance(arg, cst.Arg) else None
    if not isinstance(call, cst.Call) or not call.args or call.args[0] is not arg:
        return None
    return call if arg.keyword is None and not arg.star else None


def _is_plain_get(call: cst.Call, callee: str) -> bool:
    """The URL alone, or with keywords that only shape the transfer (timeout, stream)."""
    rest = call.args[1:]
    allowed = {"timeout", "stream"} if callee != URLOPEN else {"timeout"}
    return all(a.keyword is not None and a.keyword.value in allowed for a in rest)


def _urlretrieve(call: cst.Call, url: cst.BaseExpression, statement: cst.CSTNode) -> Download | None:
    """`urlretrieve(u, path)` as a whole statement (its result unused)."""
    if len(call.args) != 2 or any(a.keyword is not None or a.star for a in call.args):
        return None
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return None
    expr = statement.body[0]
    if not isinstance(expr, cst.Expr) or expr.value is not call:
        return None
    return Download("urlretrieve()", statement, url, URLRETRIEVE)


def _assigned(callee: str, api: Api, call: cst.Call, url: cst.BaseExpression, statement: cst.CSTNode) -> Download | None:
    """`r = requests.get(u)`, `r = await client.get(u)`: the response named."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return None
    assign = statement.body[0]
    if not isinstance(assign, cst.Assign) or len(assign.targets) != 1:
        return None
    value = assign.value
    if api.is_async and isinstance(value, cst.Await):
        value = value.expression
    target = assign.targets[0].target
    if value is not call or not isinstance(target, cst.Name):
        return None
    return Download(f"{callee}()", call, url, callee, target.value, statement, target)


def _with_item(callee: str, api: Api, call: cst.Call, url: cst.BaseExpression, statement: cst.With) -> Download | None:
    """`with urlopen(u) as resp:`, `async with session.get(u) as resp:` as the only item."""
    if len(statement.items) != 1 or (statement.asynchronous is not None) != api.is_async:
        return None
    item = statement.items[0]
    name = item.asname.name if item.asname is not None else None
    if item.item is not call or not isinstance(name, cst.Name):
        return None
    if not isinstance(statement.body, cst.IndentedBlock):
        return None
    return Download(f"{callee}()", statement, url, callee, name.value, statement, name)


_BROAD = frozenset({"Exception", "BaseException", "builtins.Exception", "builtins.BaseException"})


def handled_errors(top: cst.CSTNode, node: cst.CSTNode, any_handler: bool = False) -> str | None:
    """`except X` when `node` lies in the body of a `try` (in its function, or at module
    level) with a handler of errors narrower than Exception, which the download's library
    raises and FileOutput.read() would not (it raises httpx's); with `any_handler`, any
    handler counts (the read would move out of the `try`). None when there is none."""
    parent = parents(top)
    child, above = node, parent.get(id(node))
    while above is not None and not isinstance(above, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
        if isinstance(above, (cst.Try, cst.TryStar)) and child is above.body:
            for handler in above.handlers:
                caught = _caught(handler.type)
                if any_handler or not _BROAD.issuperset(caught) and caught:
                    return f"except {', '.join(caught) or ''}".rstrip()
        child, above = above, parent.get(id(above))
    return None


def _caught(kind: cst.BaseExpression | None) -> tuple[str, ...]:
    """The dotted names an `except` clause catches; () for a bare `except:`."""
    if kind is None:
        return ()
    elements = [e.value for e in kind.elements] if isinstance(kind, cst.Tuple) else [kind]
    return tuple(dotted_name(e) or "<expression>" for e in elements)
