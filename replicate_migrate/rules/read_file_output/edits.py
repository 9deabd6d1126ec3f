"""The CST a replaced download becomes: `u.read()`, the FileOutput itself, or a
`with open(path, "wb") as file: file.write(u.read())` block."""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Callable, Sequence

import libcst as cst

from replicate_migrate.rules.base import Edit

_ATOMIC = (cst.Name, cst.Attribute, cst.Subscript, cst.Call)
_WITH_LINES = (cst.SimpleStatementLine, cst.BaseCompoundStatement)
# What a statement of a block becomes: none, itself changed, or several.
Statements = Callable[[cst.BaseStatement], list[cst.BaseStatement]]


def read_call(url: cst.BaseExpression, method: str = "read") -> cst.Call:
    """`url.read()`, parenthesised when `url` binds looser than attribute access."""
    if isinstance(url, _ATOMIC):
        bare = url.with_changes(lpar=[], rpar=[])
        return cst.Call(func=cst.Attribute(value=bare, attr=cst.Name(method)), lpar=url.lpar, rpar=url.rpar)
    if not url.lpar:
        url = url.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return cst.Call(func=cst.Attribute(value=url, attr=cst.Name(method)))


def to_read(url: cst.BaseExpression) -> Edit:
    """Replace an expression (the body of a response) with `url.read()`."""

    def edit(node: cst.CSTNode) -> cst.CSTNode:
        if not isinstance(node, cst.BaseExpression):
            return node
        return read_call(url).with_changes(lpar=node.lpar, rpar=node.rpar)

    return edit


def to_aread(url: cst.BaseExpression, awaited: bool, tight: bool) -> Edit:
    """Replace a response's body with `url.aread()` where it is awaited already
    (`await resp.read()`), else with `await url.aread()`, in parentheses when `tight`
    (the body is the value of an attribute, a subscript or a call)."""

    def edit(node: cst.CSTNode) -> cst.CSTNode:
        if not isinstance(node, cst.BaseExpression):
            return node
        call = read_call(url, "aread")
        if awaited:
            return call.with_changes(lpar=node.lpar, rpar=node.rpar)
        if tight and not node.lpar:
            return cst.Await(call, lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        return cst.Await(call, lpar=node.lpar, rpar=node.rpar)

    return edit


def to_value(url: cst.BaseExpression) -> Edit:
    """Replace an expression (a response's chunks) with the FileOutput itself."""

    def edit(node: cst.CSTNode) -> cst.CSTNode:
        return url if isinstance(node, cst.BaseExpression) else node

    return edit


def write_block(url: cst.BaseExpression, name: str) -> Statements:
    """`urlretrieve(u, path)` -> `with open(path, "wb") as name: name.write(u.read())`."""

    def change(node: cst.BaseStatement) -> list[cst.BaseStatement]:
        assert isinstance(node, cst.SimpleStatementLine)
        expr = node.body[0]
        assert isinstance(expr, cst.Expr) and isinstance(expr.value, cst.Call)
        path = expr.value.args[1].value
        write = cst.Expr(
            cst.Call(func=cst.Attribute(cst.Name(name), cst.Name("write")), args=[cst.Arg(read_call(url))])
        )
        opened = cst.Call(cst.Name("open"), args=[
            cst.Arg(path, comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))),
            cst.Arg(cst.SimpleString('"wb"')),
        ])
        item = cst.WithItem(opened, asname=cst.AsName(cst.Name(name)))
        block = cst.IndentedBlock([cst.SimpleStatementLine([write])], header=node.trailing_whitespace)
        return [cst.With([item], block, leading_lines=node.leading_lines)]

    return change


def as_edit(change: Statements) -> Edit:
    """`change` made an edit of a top-level statement (one that stays one statement)."""

    def edit(node: cst.CSTNode) -> cst.CSTNode:
        if not isinstance(node, cst.BaseStatement):
            return node
        new = change(node)
        if not new and isinstance(node, cst.SimpleStatementLine):
            return node.with_changes(body=())  # removed: the engine keeps the lines above it
        return new[0] if len(new) == 1 else node

    return edit


def free_name(scope: Sequence[cst.CSTNode], base: str = "file", text: str = "") -> str:
    """`base`, or `base_1`, `base_2`... when the name already occurs in `scope`, or in
    `text` (for module level: the statements LibCST did not parse may use a global of
    that name)."""
    taken = _names_in(text, base) if text else set()

    class _Names(cst.CSTVisitor):
        def visit_Name(self, node: cst.Name) -> None:
            taken.add(node.value)

    for node in scope:
        node.visit(_Names())
    name, n = base, 0
    while name in taken:
        n += 1
        name = f"{base}_{n}"
    return name


def _names_in(text: str, base: str) -> set[str]:
    """The names `base` or `base_N` among the source's tokens (words in comments and plain
    strings are no names; in an f-string, which is one token before Python 3.12, every
    such word counts); every such word if the source does not tokenize."""
    word = re.compile(rf"\b{re.escape(base)}(?:_\d+)?\b")
    names: set[str] = set()
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.NAME and word.fullmatch(token.string):
                names.add(token.string)
            elif token.type == tokenize.STRING and "f" in token.string.split("'")[0].split('"')[0].lower():
                names.update(word.findall(token.string))
    except (tokenize.TokenError, SyntaxError):
        return set(word.findall(text))
    return names


def in_block(index: int, change: Statements) -> Edit:
    """Replace statement `index` of an indented block by what `change` makes of it.

    A removed statement's comment lines stay, above the statement after it.
    """

    def edit(node: cst.CSTNode) -> cst.CSTNode:
        if not isinstance(node, cst.IndentedBlock):
            return node
        body = list(node.body)
        old = body[index]
        new = change(old)
        after = body[index + 1] if index + 1 < len(body) else None
        if not new and isinstance(old, cst.SimpleStatementLine) and isinstance(after, _WITH_LINES):
            body[index + 1] = after.with_changes(leading_lines=[*old.leading_lines, *after.leading_lines])
        body[index : index + 1] = new
        return node.with_changes(body=body)

    return edit
