"""Class attributes a model ref may be read from: where a class sets `attr`, and to what.

`self.model`, `cls.MODEL` and `Class.MODEL` are followed when the class sets the attribute
exactly once (see analysis/refs.py); any other store in the class makes it unknown.
"""

from __future__ import annotations

import libcst as cst

from replicate_migrate.analysis.values import FROM_PARAMETER

__all__ = ["ClassAttributes", "mutated_names"]

_Store = tuple["cst.FunctionDef | None", cst.BaseExpression]


class ClassAttributes:
    """One class and where it sets each attribute; its body is searched once, when first
    asked (each `self.attr` read asks: a search per read made large classes quadratic)."""

    def __init__(self, cls: cst.ClassDef) -> None:
        self.cls = cls
        self._stores: dict[str, list[_Store]] | None = None
        self._attributes: dict[str, list[cst.BaseExpression]] | None = None

    def sets(self, attr: str) -> bool:
        """Whether the class body or one of its methods binds `attr` (`x.attr = ...`)."""
        return bool(self.stores(attr) or self.attributes(attr))

    def stores(self, attr: str) -> list[_Store]:
        """Every `x.attr = value` in the class (any target spelled `<name>.attr`), with its method."""
        if self._stores is None:
            self._stores = _find_stores(self.cls)
        return self._stores.get(attr, [])

    def attributes(self, attr: str) -> list[cst.BaseExpression]:
        """The values the class body assigns to `attr` (`attr = ...`, `attr: T = ...`)."""
        if self._attributes is None:
            self._attributes = _class_attributes(self.cls)
        return self._attributes.get(attr, [])

    def value(self, attr: str) -> tuple[cst.BaseExpression, str] | None:
        """The expression `self.attr` / `cls.attr` / `Class.attr` holds when the class sets it
        once: a class attribute, or `self.attr = ...` in `__init__` (a parameter's default, or
        the value itself); with where it was set. None when it is set anywhere else too."""
        return _value(self.cls, attr, self.stores(attr), self.attributes(attr))


def _value(
    cls: cst.ClassDef, attr: str, stores: list[_Store], attributes: list[cst.BaseExpression]
) -> tuple[cst.BaseExpression, str] | None:
    if len(stores) + len(attributes) != 1:
        return None
    if attributes:
        return attributes[0], f"class attribute {cls.name.value}.{attr}"
    method, value = stores[0]
    if method is None or method.name.value != "__init__":
        return None
    defaults = {p.name.value: p.default for p in (*method.params.params, *method.params.kwonly_params)}
    if isinstance(value, cst.Name) and value.value in defaults:
        default = defaults[value.value]
        where = f"{FROM_PARAMETER} {value.value} of {cls.name.value}.__init__"
        return None if default is None else (default, where)
    return value, f"self.{attr} set in {cls.name.value}.__init__"


def _class_attributes(cls: cst.ClassDef) -> dict[str, list[cst.BaseExpression]]:
    out: dict[str, list[cst.BaseExpression]] = {}
    for statement in cls.body.body:
        for small in statement.body if isinstance(statement, cst.SimpleStatementLine) else ():
            if isinstance(small, cst.Assign):
                for target in small.targets:
                    if isinstance(target.target, cst.Name):
                        out.setdefault(target.target.value, []).append(small.value)
            elif isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name) and small.value:
                out.setdefault(small.target.value, []).append(small.value)
    return out


def _find_stores(cls: cst.ClassDef) -> dict[str, list[_Store]]:
    """Every `x.attr = value` in a class, by attr, with the method it is in.

    Only statements can store into an attribute (a walrus binds names only), so the walk
    goes from statement to statement and never into expressions."""
    found: dict[str, list[_Store]] = {}

    def target(node: cst.BaseExpression, value: cst.BaseExpression | None, method: cst.FunctionDef | None) -> None:
        if isinstance(node, (cst.Tuple, cst.List)):
            for element in node.elements:
                target(element.value, None, method)
        elif isinstance(node, cst.Attribute):
            # Only a plain `x.attr = value` has a value to follow; anything else counts twice.
            stores = found.setdefault(node.attr.value, [])
            stores += [(method, value)] if value is not None else [(None, node), (None, node)]

    def statement(node: cst.CSTNode, methods: tuple[cst.FunctionDef, ...]) -> None:
        method = methods[0] if len(methods) == 1 else None
        if isinstance(node, cst.Assign):
            for assigned in node.targets:
                target(assigned.target, node.value if len(node.targets) == 1 else None, method)
        elif isinstance(node, cst.AnnAssign):
            target(node.target, node.value, method)
        elif isinstance(node, cst.AugAssign):
            target(node.target, None, method)
        elif isinstance(node, cst.SimpleStatementLine):
            for small in node.body:
                statement(small, methods)
        elif isinstance(node, (cst.BaseCompoundStatement, cst.ExceptHandler, cst.ExceptStarHandler, cst.Else, cst.Finally, cst.MatchCase)):
            inner = (*methods, node) if isinstance(node, cst.FunctionDef) else methods
            for part in _parts(node):
                statement(part, inner)
        elif isinstance(node, (cst.IndentedBlock, cst.SimpleStatementSuite)):
            for child in node.body:
                statement(child, methods)

    statement(cls.body, ())
    return found


def _parts(node: cst.CSTNode) -> list[cst.CSTNode]:
    """The blocks and clauses of a compound statement (body, else, handlers, finally, cases)."""
    parts: list[cst.CSTNode] = []
    for name in ("body", "handlers", "cases", "orelse", "finalbody"):
        value = getattr(node, name, None)
        if isinstance(value, cst.CSTNode):
            parts.append(value)
        elif isinstance(value, (tuple, list)):
            parts += [item for item in value if isinstance(item, cst.CSTNode)]
    return parts


_MUTATORS = frozenset({"update", "setdefault", "pop", "popitem", "clear", "__setitem__", "__delitem__"})


def mutated_names(module: cst.Module) -> frozenset[str]:
    """Names the module stores items into (`d[k] = v`, `del d[k]`, `d |= ...`) or calls a
    mutating dict method on (`d.update(...)`): their literal value may not last."""
    finder = _MutationFinder()
    module.visit(finder)
    return frozenset(finder.names)


class _MutationFinder(cst.CSTVisitor):
    def __init__(self) -> None:
        self.names: set[str] = set()

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._store(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._store(node.target)
        if isinstance(node.target, cst.Name):
            self.names.add(node.target.value)

    def visit_Del(self, node: cst.Del) -> None:
        self._store(node.target)

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.attr.value in _MUTATORS:
            self.names.add(func.value.value)

    def _store(self, target: cst.BaseExpression) -> None:
        if isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._store(element.value)
        elif isinstance(target, cst.Subscript) and isinstance(target.value, cst.Name):
            self.names.add(target.value.value)
