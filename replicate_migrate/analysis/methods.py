"""What a class's methods say, read from the CST alone: their kind (from decorators),
their receiver (`self`, `cls`), what they return, and what they store on `self`; and
what a module offers the others (instances, clients, client factories)."""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from replicate_migrate.analysis.values import (
    CLIENT,
    FACTORY,
    OPAQUE,
    Instance,
    Qual,
    Replicate,
    Result,
    Values,
)

Env = dict[str, Values]

METHOD, STATIC, CLASSMETHOD, PROPERTY = "method", "static", "classmethod", "property"
_DECORATOR_KINDS = {
    "staticmethod": STATIC,
    "classmethod": CLASSMETHOD,
    "property": PROPERTY,
    "functools.cached_property": PROPERTY,
    "cached_property": PROPERTY,
}


def method_kind(node: cst.FunctionDef) -> str:
    """What the first parameter of a method is bound to, from its decorators."""
    for decorator in node.decorators:
        expression = decorator.decorator
        name = dotted_name(expression.func if isinstance(expression, cst.Call) else expression)
        if name in _DECORATOR_KINDS:
            return _DECORATOR_KINDS[name]
        if name.endswith((".setter", ".deleter", ".getter")):  # `@image.setter`: still the property
            return PROPERTY
    return METHOD


def dotted_name(node: cst.BaseExpression) -> str:
    """`a.b.c` for a name or an attribute chain; "" for anything else."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{dotted_name(node.value)}.{node.attr.value}"
    return ""


def receiver_of(node: cst.FunctionDef) -> str | None:
    """The name of a method's `self` (or `cls`), if it has one."""
    if method_kind(node) == STATIC:
        return None
    positional = (*node.params.posonly_params, *node.params.params)
    return positional[0].name.value if positional else None


_BLOCKS = ("body", "orelse", "handlers", "finalbody", "cases")


def _statements(suite: cst.BaseSuite) -> Iterator[cst.BaseSmallStatement]:
    """The small statements of a body, nested blocks included, nested scopes excluded.

    Walked through the blocks' own fields: `node.children` rebuilds each node's
    child list, which costs more than the rest of a class's analysis.
    """
    if isinstance(suite, cst.SimpleStatementSuite):
        yield from suite.body
        return
    if not isinstance(suite, cst.IndentedBlock):
        return
    for statement in suite.body:
        if isinstance(statement, cst.SimpleStatementLine):
            yield from statement.body
        elif not isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            yield from _blocks(statement)


def _blocks(node: cst.CSTNode) -> Iterator[cst.BaseSmallStatement]:
    """The statements of a compound statement's blocks (`elif`, `else`, `except`... too)."""
    for name in _BLOCKS:
        part = getattr(node, name, None)
        for item in part if isinstance(part, (tuple, list)) else (part,):
            if isinstance(item, cst.BaseSuite):
                yield from _statements(item)
            elif isinstance(item, cst.CSTNode):
                yield from _blocks(item)


def returns_of(function: cst.FunctionDef) -> Iterator[cst.BaseExpression]:
    for statement in _statements(function.body):
        if isinstance(statement, cst.Return) and statement.value is not None:
            yield statement.value


def attribute_stores(
    method: cst.FunctionDef, receiver: str
) -> Iterator[tuple[str, cst.BaseExpression]]:
    """`self.attr = value` anywhere in the method's body, as (attr, value)."""
    for statement in _statements(method.body):
        if isinstance(statement, cst.Assign):
            targets = [t.target for t in statement.targets]
            value: cst.BaseExpression | None = statement.value
        elif isinstance(statement, cst.AnnAssign):
            targets, value = [statement.target], statement.value
        else:
            continue
        for target in targets:
            if value is not None and _is_attribute_of(target, receiver):
                assert isinstance(target, cst.Attribute)
                yield target.attr.value, value


def _is_attribute_of(target: cst.BaseExpression, name: str) -> bool:
    return (
        isinstance(target, cst.Attribute)
        and isinstance(target.value, cst.Name)
        and target.value.value == name
    )


def objects_of(values: Values) -> Values:
    """The replicate objects, classes and instances among these values (no results)."""
    return frozenset(v for v in values if not isinstance(v, (Result, type(OPAQUE))))


def module_instances(
    env: Env, factories: dict[str, Values], module_name: str
) -> tuple[tuple[str, str], ...]:
    """Module-level names bound to one instance of a project class, and functions
    returning one (`make_generator()`), as other modules name them."""
    named = [(f"{module_name}.{name}", values) for name, values in sorted(env.items())]
    made = [(f"{qualname}()", values) for qualname, values in sorted(factories.items())]
    out = []
    for name, values in named + made:
        classes = {v.qualname for v in values if isinstance(v, Instance)}
        if len(classes) == 1 and len(values) == 1:
            out.append((name, classes.pop()))
    return tuple(out)


def is_client(values: Values) -> bool:
    """A client, or the replicate module where one may be used (`Client() if t else replicate`)."""
    return Replicate("client") in values and all(
        v == Replicate("client") or v == Qual("replicate") for v in values
    )


def module_exports(
    env: Env, factories: dict[str, Values], module_name: str
) -> tuple[tuple[str, str], ...]:
    """Module-level clients and client factories, for the modules that import them."""
    out = [
        (f"{module_name}.{name}", CLIENT)
        for name, values in sorted(env.items())
        if is_client(values)
    ]
    prefix = f"{module_name}."
    for qualname, made in sorted(factories.items()):
        if qualname.startswith(prefix) and "." not in qualname[len(prefix) :] and is_client(made):
            out.append((qualname, FACTORY))
    return tuple(out)
