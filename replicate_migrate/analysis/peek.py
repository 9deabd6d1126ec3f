"""Evaluate, without recording anything, what objects an expression or a type annotation
gives: clients, project classes and their instances (for attributes and factories)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import libcst as cst

from replicate_migrate.analysis.calls import CallEvaluator
from replicate_migrate.analysis.expressions import NOTHING
from replicate_migrate.analysis.methods import dotted_name
from replicate_migrate.analysis.recorder import Recorder
from replicate_migrate.analysis.semantics import CLIENT_CLASSES
from replicate_migrate.analysis.values import (
    FACTORY,
    Class,
    Function,
    Instance,
    Qual,
    Replicate,
    Value,
    Values,
)
from replicate_migrate.project.resolver import Resolver, is_project_name


class PeekEvaluator(CallEvaluator):
    """Peeking for the class walker: what attributes and factories hold, before any walk."""

    def __init__(self, rec: Recorder, resolver: Resolver | None) -> None:
        super().__init__(rec, resolver)
        self.factories: dict[str, Values] = {}  # qualname -> the objects it returns

    @contextlib.contextmanager
    def receiving(
        self, function: cst.FunctionDef, receiver: str | None, this: Value
    ) -> Iterator[None]:
        """While peeking into a function: its receiver holds `this`, typed parameters their type."""
        saved = self.env
        params = function.params
        every = (*params.posonly_params, *params.params, *params.kwonly_params)
        self.env = {**saved, **{p.name.value: self.annotated(p) for p in every}}
        if receiver is not None:
            self.env[receiver] = frozenset({this})
        try:
            yield
        finally:
            self.env = saved

    def annotated(self, param: cst.Param) -> Values:
        """What a parameter annotated with the client class or a project class holds."""
        if param.annotation is None:
            return NOTHING
        out: set[Value] = set()
        for value in self.peek_type(param.annotation.annotation):
            if isinstance(value, Qual) and value.name in CLIENT_CLASSES:
                out.add(Replicate("client"))
            elif isinstance(value, Class):
                out.add(Instance(value.qualname))
            elif isinstance(value, Qual) and is_project_name(value.name):
                out.add(Qual(f"{value.name}()"))
        return frozenset(out) or NOTHING

    def peek_type(self, node: cst.BaseExpression) -> Values:
        """The classes a type annotation names (`X`, `X | None`, `Optional[X]`)."""
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.BitOr):
            return self.peek_type(node.left) | self.peek_type(node.right)
        if isinstance(node, cst.Subscript) and dotted_name(node.value).rsplit(".", 1)[-1] in (
            "Optional",
            "Union",
        ):
            elements = [e.slice.value for e in node.slice if isinstance(e.slice, cst.Index)]
            return frozenset(v for e in elements for v in self.peek_type(e))
        if isinstance(node, (cst.Name, cst.Attribute)):
            return self.peek(node)
        return NOTHING

    def peek(self, node: cst.BaseExpression) -> Values:
        """The objects an expression gives (clients, classes, instances), recording nothing."""
        if isinstance(node, cst.IfExp):
            return self.peek(node.body) | self.peek(node.orelse)
        if isinstance(node, cst.BooleanOperation):
            return self.peek(node.left) | self.peek(node.right)
        if isinstance(node, cst.Name):
            return self.lookup(node.value)
        if isinstance(node, cst.Attribute):
            base = self.peek(node.value)
            return frozenset(
                v for value in base for v in self.peek_attribute(value, node.attr.value)
            )
        if isinstance(node, cst.Call):
            return self.peek_call(self.peek(node.func))
        return NOTHING

    def peek_attribute(self, value: Value, attr: str) -> Values:
        if isinstance(value, Qual):
            return self.qual_attribute(value.name, attr)
        if isinstance(value, (Instance, Class)):
            return self.member(value, attr)
        return NOTHING

    def peek_call(self, callee: Values) -> Values:
        out: set[Value] = set()
        for value in callee:
            if isinstance(value, Qual) and (
                value.name in CLIENT_CLASSES or self.known.get(value.name) == FACTORY
            ):
                out.add(Replicate("client"))
            elif isinstance(value, Function):
                out |= self.factories.get(value.qualname, frozenset())
            elif isinstance(value, Class):
                out.add(Instance(value.qualname))
            elif isinstance(value, Qual) and is_project_name(value.name):
                out.add(Qual(f"{value.name}()"))  # as qual_call: an instance, if a class
        return frozenset(out) or NOTHING

