"""A result made a list whichever it was: `out if isinstance(out, list) else [out]` and
`if not isinstance(out, list): out = [out]`.

Only one branch runs for a given model: a list stays itself, one file is wrapped. Followed
as two branches, the list branch would also be iterated as if it were one file (its bytes,
1.0 style) and the wrapped branch's item used as if it were the list; followed as one
value, a LISTED step, the model's output kind says which branch runs (`shape.shape_of`).
"""

from __future__ import annotations

import libcst as cst

from replicate_migrate.analysis.values import LISTED, OPAQUE, WRAP, Result, Value, Values

_LIST_TYPES = frozenset({"list", "tuple"})


def as_list(values: Values) -> Values:
    """What `x if isinstance(x, list) else [x]` holds, for the values `x` holds."""
    out: set[Value] = set()
    for value in values:
        if isinstance(value, Result) and value.path and value.path[-1] == WRAP:
            out.add(value)  # already a container the code built
        elif isinstance(value, Result):
            out.add(value.step(LISTED))
        else:
            out.add(OPAQUE)
    return frozenset(out) or frozenset({OPAQUE})


def listed_name(node: cst.IfExp) -> str | None:
    """`x` when `node` is `x if isinstance(x, list) else [x]` (or the negated spelling)."""
    test = node.test
    kept, wrapped = node.body, node.orelse
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        test, kept, wrapped = test.expression, node.orelse, node.body
    name = _checked_name(test)
    if name is None or _name_of(_unlisted(kept)) != name or _single_item(wrapped) != name:
        return None
    return name


def listed_target(node: cst.If) -> str | None:
    """`x` when `node` is `if not isinstance(x, list): x = [x]` with no other branch."""
    test = node.test
    if node.orelse is not None or not isinstance(test, cst.UnaryOperation):
        return None
    if not isinstance(test.operator, cst.Not):
        return None
    name = _checked_name(test.expression)
    body = node.body.body
    if name is None or len(body) != 1:
        return None
    statement = body[0]
    small = statement.body[0] if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1 else statement
    if not isinstance(small, cst.Assign) or len(small.targets) != 1:
        return None
    if _name_of(small.targets[0].target) != name or _single_item(small.value) != name:
        return None
    return name


def _checked_name(test: cst.BaseExpression) -> str | None:
    """`x` for `isinstance(x, list)`, `isinstance(x, (list, tuple))`."""
    if not isinstance(test, cst.Call) or _name_of(test.func) != "isinstance" or len(test.args) != 2:
        return None
    types = test.args[1].value
    elements = [e.value for e in types.elements] if isinstance(types, cst.Tuple) else [types]
    if not elements or any(_name_of(e) not in _LIST_TYPES for e in elements):
        return None
    return _name_of(test.args[0].value)


def _unlisted(node: cst.BaseExpression) -> cst.BaseExpression:
    """`x` for `list(x)`: the same items."""
    if isinstance(node, cst.Call) and _name_of(node.func) == "list" and len(node.args) == 1:
        return node.args[0].value
    return node


def _single_item(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.List) and len(node.elements) == 1:
        element = node.elements[0]
        return None if isinstance(element, cst.StarredElement) else _name_of(element.value)
    return None


def _name_of(node: cst.CSTNode) -> str | None:
    return node.value if isinstance(node, cst.Name) else None
