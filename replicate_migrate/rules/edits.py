"""Small CST edits the rules share: `.url` or `str()` on an expression, keywords on a call.

Each edit keeps the code's own layout: an inserted keyword goes where the call's other
arguments are (its own line when they are one per line), comments stay on the lines
they were on, and parentheses are added only where precedence needs them.
"""

from __future__ import annotations

import libcst as cst

# Expressions `.url` binds to as a whole; anything else (`a or b`, `await f()`, `"a" "b"`,
# a number) needs parentheses first.
_ATOMIC = (cst.Name, cst.Attribute, cst.Subscript, cst.Call)

# Expressions whose parentheses are part of their meaning inside a call's arguments:
# `str((a, b))` is not `str(a, b)`.
_NEEDS_OWN_PARENS = (cst.Tuple, cst.Yield, cst.GeneratorExp)

Gap = cst.BaseParenthesizableWhitespace


def with_url(node: cst.BaseExpression) -> cst.Attribute:
    """`node.url`, parenthesised when `node` binds looser than attribute access.

    An atom's own parentheses move outside (`(out[0])` -> `(out[0].url)`), so a
    multi-line parenthesised value keeps its lines.
    """
    if isinstance(node, _ATOMIC):
        bare = node.with_changes(lpar=[], rpar=[])
        return cst.Attribute(value=bare, attr=cst.Name("url"), lpar=node.lpar, rpar=node.rpar)
    if not node.lpar:
        node = node.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return cst.Attribute(value=node, attr=cst.Name("url"))


def as_str(node: cst.BaseExpression) -> cst.BaseExpression:
    """`str(node)`; an existing `str(...)` is kept as it is, never wrapped twice.

    The value's own parentheses give way to the call's, their line breaks and
    comments with them (`(  # c\n  x\n)` -> `str(  # c\n  x\n)`).
    """
    if _is_str_call(node):
        return node
    if len(node.lpar) != 1 or isinstance(node, _NEEDS_OWN_PARENS):
        return cst.Call(func=cst.Name("str"), args=[cst.Arg(node)])
    closing = node.rpar[0].whitespace_before
    return cst.Call(
        func=cst.Name("str"),
        whitespace_before_args=node.lpar[0].whitespace_after,
        args=[cst.Arg(node.with_changes(lpar=[], rpar=[]), whitespace_after_arg=closing)],
    )


def str_items(node: cst.BaseExpression) -> cst.ListComp:
    """`[str(item) for item in node]`: every item of a list or iterator made a str."""
    item = cst.Name("item")
    return cst.ListComp(
        elt=cst.Call(func=cst.Name("str"), args=[cst.Arg(item)]),
        for_in=cst.CompFor(target=item, iter=node),
    )


def _is_str_call(node: cst.BaseExpression) -> bool:
    return (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Name)
        and node.func.value == "str"
        and len(node.args) == 1
        and not node.args[0].keyword
        and not node.args[0].star
    )


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
    if at == len(args) and args:
        appended = _append_after(args[-1], _separator(call, at - 1), name, value)
        return call.with_changes(args=[*args[:-1], *appended])
    # Before `**kwargs` (or into an empty call): the new argument takes the line break
    # and indent that led to `**kwargs`, which keeps any comment before it.
    comma = cst.Comma(whitespace_after=_separator(call, at)) if args else cst.MaybeSentinel.DEFAULT
    args.insert(at, keyword(name, value, comma))
    return call.with_changes(args=args)


def _append_after(
    last: cst.Arg, separator: Gap, name: str, value: cst.BaseExpression
) -> list[cst.Arg]:
    """`last` and the new argument after it, the text that followed `last` split between them.

    What followed `last` (a trailing comma or none, the line break and indent before
    `)`) now ends the new argument; `last` keeps its comment, and the call's separator
    leads from it to the new argument.
    """
    trailing = last.comma if isinstance(last.comma, cst.Comma) else None
    gap = trailing.whitespace_after if trailing is not None else last.whitespace_after_arg
    between, end = separator, gap  # on one line, a comment stays at the end of it
    split = isinstance(separator, cst.ParenthesizedWhitespace)
    if split and isinstance(gap, cst.ParenthesizedWhitespace):
        between = separator.with_changes(first_line=gap.first_line)
        end = gap.with_changes(first_line=cst.TrailingWhitespace(newline=gap.first_line.newline))
    if trailing is not None:
        kept = last.with_changes(comma=trailing.with_changes(whitespace_after=between))
        return [kept, keyword(name, value, cst.Comma(whitespace_after=end))]
    kept = last.with_changes(
        comma=cst.Comma(whitespace_after=between), whitespace_after_arg=cst.SimpleWhitespace("")
    )
    new = keyword(name, value, cst.MaybeSentinel.DEFAULT)
    return [kept, new.with_changes(whitespace_after_arg=end)]


def _separator(call: cst.Call, index: int) -> Gap:
    """The whitespace that leads to argument `index` (after the comma before it, or
    after `(`), without its comment and blank lines: what goes between two arguments."""
    before = call.args[index - 1].comma if index >= 1 else None
    if isinstance(before, cst.Comma):
        gap = before.whitespace_after
    elif isinstance(call.whitespace_before_args, cst.ParenthesizedWhitespace):
        gap = call.whitespace_before_args
    else:
        return cst.SimpleWhitespace(" ")  # `f(x)`: the usual space after a comma
    if isinstance(gap, cst.ParenthesizedWhitespace):
        newline = gap.first_line.newline
        return gap.with_changes(first_line=cst.TrailingWhitespace(newline=newline), empty_lines=[])
    return gap


def positional_to_keywords(call: cst.Call, start: int, names: tuple[str, ...]) -> cst.Call:
    """Turn positional arguments from index `start` on into the keywords `names`."""
    args = list(call.args)
    for offset, name in enumerate(names):
        index = start + offset
        if index < len(args) and args[index].keyword is None and not args[index].star:
            args[index] = keyword(name, args[index].value, args[index].comma)
    return call.with_changes(args=args)
