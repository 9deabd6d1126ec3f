"""Evaluate expressions to abstract values, recording how tracked values are used."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import libcst as cst

from replicate_migrate.analysis import semantics as sem
from replicate_migrate.analysis.normalise import as_list, listed_name
from replicate_migrate.analysis.recorder import Recorder
from replicate_migrate.analysis.values import (
    CLIENT,
    OPAQUE,
    WRAP,
    Category,
    Class,
    Instance,
    PathStep,
    Pending,
    Qual,
    Replicate,
    Result,
    Value,
    Values,
)
from replicate_migrate.project.resolver import EMPTY, Resolver, is_project_name

Env = dict[str, Values]
NOTHING: Values = frozenset({OPAQUE})


def results_of(values: Values) -> list[Result]:
    return [v for v in values if isinstance(v, Result)]


def step_all(values: Values, step: PathStep, origin: int | None = None) -> Values:
    """Every tracked value one step further; untracked values stay untracked.

    `origin`, the expression taking the step, can take a `.url` fix only when it
    holds nothing else (not another call's result, not another branch's value).
    """
    if len(values) != 1:
        origin = None
    out: set[Value] = set()
    for v in values:
        if isinstance(v, Result):
            out.add(v.step(step, origin))
        elif isinstance(v, Pending) and step == WRAP:
            out.add(Pending(v.result.step(WRAP, origin)))
        else:
            out.add(OPAQUE)
    return frozenset(out)


def string_value(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


class Evaluator:
    """Expression half of the flow walk. Subclasses provide statements and scopes."""

    rec: Recorder
    module_env: Env
    class_attrs: dict[str, Env]
    resolver: Resolver

    def __init__(self, rec: Recorder, resolver: Resolver | None) -> None:
        self.rec = rec
        self.module_env = {}
        self.class_attrs = {}
        self.resolver = resolver or EMPTY
        self.other_stars: list[str] = []  # `from <not the project's> import *`: names unknown
        self.known: dict[str, str] = {}  # other modules' CLIENT and FACTORY names (their exports)
        self.scope = ""
        self.env: Env = self.module_env
        self.on_call_site: Callable[[cst.Call, str, str, cst.Arg | None], str] | None = None
        # While a comprehension is walked: the scope its `:=` targets bind in.
        self.walrus_scope: Env | None = None

    # -- names -------------------------------------------------------------
    def lookup(self, name: str) -> Values:
        found = self.env.get(name)
        if found is None and self.env is not self.module_env:
            found = self.module_env.get(name)
        if found is not None:
            return found
        if name in sem.BUILTIN_NAMES:
            return frozenset({Qual(f"builtins.{name}")})
        if self.rec.stars:  # maybe from `from .m import *`: resolved with the run's facts
            return frozenset({Qual(f"{self.rec.module_name}.{name}")})
        return NOTHING

    def use(self, node: cst.CSTNode, values: Values, category: Category, detail: str) -> None:
        self.rec.use(node, values, category, detail, self.scope)

    # -- dispatch ----------------------------------------------------------
    def eval(self, node: cst.BaseExpression) -> Values:
        method = getattr(self, f"eval_{type(node).__name__}", None)
        if method is not None:
            result: Values = method(node)
            return result
        self.eval_children(node)
        return NOTHING

    def eval_children(self, node: cst.CSTNode) -> None:
        for child in node.children:
            if isinstance(child, cst.BaseExpression):
                self.use(child, self.eval(child), Category.ESCAPES, type(node).__name__)
            elif not isinstance(child, (cst.BaseSuite, cst.BaseStatement)):
                self.eval_children(child)

    def eval_Name(self, node: cst.Name) -> Values:
        return self.lookup(node.value)

    def eval_Attribute(self, node: cst.Attribute) -> Values:
        base = self.eval(node.value)
        attr = node.attr.value
        out: set[Value] = set()
        for value in base:
            out |= self.attribute_of(node, value, attr)
        if results_of(base):
            self.use_attribute(node, base, attr)
        return frozenset(out) or NOTHING

    def attribute_of(self, node: cst.Attribute, value: Value, attr: str) -> Values:
        if isinstance(value, Qual):
            return self.qual_attribute(value.name, attr)
        if isinstance(value, Replicate) and value.what == "client":
            if attr in sem.REPLICATE_METHODS:
                return frozenset({Replicate("method", attr)})
            return NOTHING
        if isinstance(value, (Instance, Class)):
            return self.member(value, attr)
        return NOTHING  # a result's attribute use is recorded once, with all `x` holds

    def qual_attribute(self, name: str, attr: str) -> Values:
        if name == "replicate" and attr in sem.REPLICATE_METHODS:
            return frozenset({Replicate("method", attr)})
        dotted = f"{name}.{attr}"
        if is_project_name(name):  # a module's attribute, or one of its submodules
            dotted = self.resolver.canonical(dotted)
            if self.known.get(dotted) == CLIENT:  # a client another module made
                return frozenset({Replicate("client")})
            return frozenset({Qual(dotted)})
        if dotted in sem.CLIENT_OBJECTS:
            return frozenset({Replicate("client")})
        return frozenset({Qual(dotted)})

    def use_attribute(self, node: cst.Attribute, base: Values, attr: str) -> None:
        """`x.attr` on tracked values (with all `x` holds: a fix there must suit each)."""
        if attr in sem.FILE_OUTPUT_ATTRIBUTES:
            self.use(node.value, base, Category.FILE_OUTPUT, f".{attr}")
        elif attr in sem.CONTAINER_METHODS:
            self.use(node.value, base, Category.SEQUENCE, f".{attr}()")
        else:
            self.use(node.value, base, Category.NEEDS_STR, f".{attr}")

    # -- simple expressions ---------------------------------------------------
    def eval_Await(self, node: cst.Await) -> Values:
        out: set[Value] = set()
        for value in self.eval(node.expression):
            out.add(value.result if isinstance(value, Pending) else value)
        return frozenset(out)

    def eval_IfExp(self, node: cst.IfExp) -> Values:
        self.eval(node.test)
        values = self.eval(node.body) | self.eval(node.orelse)
        listed = listed_name(node)  # `out if isinstance(out, list) else [out]`
        return as_list(self.lookup(listed)) if listed is not None else values

    def eval_BooleanOperation(self, node: cst.BooleanOperation) -> Values:
        return self.eval(node.left) | self.eval(node.right)

    def eval_UnaryOperation(self, node: cst.UnaryOperation) -> Values:
        self.eval(node.expression)
        return NOTHING

    def eval_NamedExpr(self, node: cst.NamedExpr) -> Values:
        values = self.eval(node.value)
        self.bind(node.target, values, node.value)
        if self.walrus_scope is not None and isinstance(node.target, cst.Name):
            self.walrus_scope[node.target.value] = values  # `:=` in a comprehension binds outside it
        return values

    def eval_BinaryOperation(self, node: cst.BinaryOperation) -> Values:
        left = self.eval(node.left)
        is_format = isinstance(node.operator, cst.Modulo) and isinstance(
            node.left, (cst.SimpleString, cst.ConcatenatedString)
        )
        if is_format and isinstance(node.right, cst.Tuple):
            for element in node.right.elements:
                self.use(element.value, self.eval(element.value), Category.WORKS, "% format")
            return NOTHING
        right = self.eval(node.right)
        if is_format:
            self.use(node.right, right, Category.WORKS, "% format")
            return NOTHING
        operator = type(node.operator).__name__
        self.use(node.left, left, Category.NEEDS_STR, operator)
        self.use(node.right, right, Category.NEEDS_STR, operator)
        return NOTHING

    def eval_Comparison(self, node: cst.Comparison) -> Values:
        operands = [node.left, *(c.comparator for c in node.comparisons)]
        identity = all(isinstance(c.operator, (cst.Is, cst.IsNot)) for c in node.comparisons)
        category = Category.WORKS if identity else Category.NEEDS_STR
        for operand in operands:
            self.use(operand, self.eval(operand), category, "comparison")
        return NOTHING

    def eval_FormattedString(self, node: cst.FormattedString) -> Values:
        self.formatted(node.parts)
        return NOTHING

    def formatted(self, parts: Sequence[cst.BaseFormattedStringContent]) -> None:
        for part in parts:
            if not isinstance(part, cst.FormattedStringExpression):
                continue
            # FileOutput formats like an object: `{f!r}` and `{f:>40}` differ from the str's.
            spec = bool(part.format_spec) and part.conversion != "s"
            category = Category.NEEDS_STR if part.conversion == "r" or spec else Category.WORKS
            detail = "f-string with a format spec" if spec else "f-string"
            self.use(part.expression, self.eval(part.expression), category, detail)
            if part.format_spec:
                self.formatted(part.format_spec)

    def member(self, owner: Instance | Class, attr: str) -> Values:
        raise NotImplementedError

    def iterate(self, node: cst.BaseExpression) -> Values:
        raise NotImplementedError

    def bind(
        self, target: cst.BaseExpression, values: Values, source: cst.CSTNode | None, local: bool = False
    ) -> None:
        raise NotImplementedError
