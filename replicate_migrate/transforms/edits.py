"""Small CST edits the transforms share: `.url` on an expression, keywords on a call."""

from __future__ import annotations

import libcst as cst

_ATOMIC = (cst.Name, cst.Attribute, cst.Subscript, cst.Call)


def with_url(node: cst.BaseExpression) -> cst.Attribute:
    """`node.url`, parenthesised when `node` binds looser than attribute access."""
    if not isinstance(node, _ATOMIC) and not node.lpar:
        node = node.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return cst.Attribute(value=node, attr=cst.Name("url"))


def keyword(name: str, value: cst.BaseExpression, comma: cst.Comma | cst.MaybeSentinel) -> cst.Arg:
    return cst.Arg(
        value=value,
        keyword=cst.Name(name),
        equal=cst.AssignEqual(
            whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
        ),
        comma=comma,
    )


def add_keyword(call: cst.Call, name: str, value: cst.BaseExpression) -> cst.Call:
    """Add `name=value` after the last argument (before `**kwargs`), in the call's layout."""
    args = list(call.args)
    at = next((i for i, a in enumerate(args) if a.star == "**"), len(args))
    if at == 0:
        return call.with_changes(args=[keyword(name, value, cst.MaybeSentinel.DEFAULT), *args])
    before = args[at - 1]
    separator = _separator(args, at)
    if at == len(args):
        # The last argument's comma (trailing comma and the newline before `)`) moves
        # to the new last argument, so a call split over lines stays split the same way.
        args[at - 1] = before.with_changes(comma=separator)
        args.append(keyword(name, value, before.comma))
    else:
        args.insert(at, keyword(name, value, separator))
    return call.with_changes(args=args)


def _separator(args: list[cst.Arg], at: int) -> cst.Comma:
    """The comma used between arguments in this call (the one before `at` if any)."""
    for arg in reversed(args[: at - 1]):
        if isinstance(arg.comma, cst.Comma):
            return arg.comma
    return cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))


def positional_to_keywords(call: cst.Call, start: int, names: tuple[str, ...]) -> cst.Call:
    """Turn positional arguments from index `start` on into the keywords `names`."""
    args = list(call.args)
    for offset, name in enumerate(names):
        index = start + offset
        if index < len(args) and args[index].keyword is None and not args[index].star:
            args[index] = keyword(name, args[index].value, args[index].comma)
    return call.with_changes(args=args)
