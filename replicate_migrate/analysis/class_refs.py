"""Class attributes a model ref may be read from: where a class sets `attr`, and to what.

`self.model`, `cls.MODEL` and `Class.MODEL` are followed when the class sets the attribute
exactly once (see analysis/refs.py); any other store in the class makes it unknown.
"""

from __future__ import annotations

import libcst as cst

__all__ = ["class_value", "mutated_names", "sets_attribute"]


def sets_attribute(cls: cst.ClassDef, attr: str) -> bool:
    """Whether the class body or one of its methods binds `attr` (`x.attr = ...`)."""
    return bool(_stores(cls, attr) or _class_attributes(cls, attr))


def class_value(cls: cst.ClassDef, attr: str) -> tuple[cst.BaseExpression, str] | None:
    """The expression `self.attr` / `cls.attr` / `Class.attr` holds when the class sets it
    once: a class attribute, or `self.attr = ...` in `__init__` (a parameter's default, or
    the value itself); with where it was set. None when it is set anywhere else too."""
    stores = _stores(cls, attr)
    attributes = _class_attributes(cls, attr)
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
        where = f"the default of {cls.name.value}.__init__ parameter {value.value}"
        return None if default is None else (default, f"self.{attr} set in {where}")
    return value, f"self.{attr} set in {cls.name.value}.__init__"


def _class_attributes(cls: cst.ClassDef, attr: str) -> list[cst.BaseExpression]:
    out: list[cst.BaseExpression] = []
    for statement in cls.body.body:
        for small in statement.body if isinstance(statement, cst.SimpleStatementLine) else ():
            if isinstance(small, cst.Assign):
                names = [t.target for t in small.targets]
                out += [small.value for n in names if isinstance(n, cst.Name) and n.value == attr]
            elif isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name) and small.value:
                out += [small.value] if small.target.value == attr else []
    return out


def _stores(cls: cst.ClassDef, attr: str) -> list[tuple[cst.FunctionDef | None, cst.BaseExpression]]:
    """Every `x.attr = value` in the class (any target spelled `<name>.attr`), with its method."""
    finder = _StoreFinder(attr)
    cls.visit(finder)
    return finder.found


class _StoreFinder(cst.CSTVisitor):
    def __init__(self, attr: str) -> None:
        self.attr = attr
        self.method: list[cst.FunctionDef] = []
        self.found: list[tuple[cst.FunctionDef | None, cst.BaseExpression]] = []

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.method.append(node)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.method.pop()

    def _target(self, target: cst.BaseExpression, value: cst.BaseExpression | None) -> None:
        if isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._target(element.value, None)
        elif isinstance(target, cst.Attribute) and target.attr.value == self.attr:
            where = self.method[-1] if len(self.method) == 1 else None
            # Only a plain `x.attr = value` has a value to follow; anything else counts twice.
            self.found += [(where, value)] if value is not None else [(None, target), (None, target)]

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._target(target.target, node.value if len(node.targets) == 1 else None)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._target(node.target, node.value)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._target(node.target, None)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._target(node.target, None)


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
