"""Classes of the project: instances, methods called through them, attributes holding a
client or a result, and functions that make clients (`def make_client(): return Client()`).

Methods are keyed `module.Class.method`, like functions; link.py names a method called
through an instance in another module (`svc.Generator().generate`) the same way. A
result stored on `self` is followed as `Source("attr", "module.Class.attr")` to every
read of that attribute; code the run does not see may read it too, so it also escapes.
"""

from __future__ import annotations

from dataclasses import replace

import libcst as cst

from replicate_migrate.analysis.expressions import NOTHING, Env, results_of
from replicate_migrate.analysis.methods import (
    CLASSMETHOD,
    METHOD,
    PROPERTY,
    STATIC,
    attribute_stores,
    method_kind,
    objects_of,
    receiver_of,
    returns_of,
)
from replicate_migrate.analysis.peek import PeekEvaluator
from replicate_migrate.analysis.recorder import Recorder
from replicate_migrate.analysis.values import (
    Category,
    Class,
    Function,
    Instance,
    Qual,
    Result,
    Source,
    Value,
    Values,
)
from replicate_migrate.project.resolver import Resolver, is_project_name

_MAX_BASES = 16  # how deep a chain of project base classes is followed


class ClassEvaluator(PeekEvaluator):
    """Classes, instances and client factories, for the statement walker."""

    owner: str  # the class whose body the statement walker is in ("" outside one)

    def __init__(self, rec: Recorder, resolver: Resolver | None) -> None:
        super().__init__(rec, resolver)
        self.method_kinds: dict[str, str] = {}
        self.data_attrs: dict[str, set[str]] = {}  # class -> attributes holding plain values
        self.bases: dict[str, list[str]] = {}
        self.inits: dict[str, cst.FunctionDef] = {}
        self.foreign_bases: dict[str, list[str]] = {}  # bases in other project modules

    def classdef(self, node: cst.ClassDef) -> None:
        for decorator in node.decorators:
            self.eval(decorator.decorator)
        for arg in (*node.bases, *node.keywords):
            self.use(arg.value, self.eval(arg.value), Category.ESCAPES, "class base")
        qualname = f"{self.owner or self.scope or self.rec.module_name}.{node.name.value}"
        attrs: Env = {}
        self.class_attrs[qualname] = attrs
        self.data_attrs[qualname] = set()
        self.rec.classes.append(qualname)
        bases = {v for b in node.bases for v in self.peek(b.value)}
        self.bases[qualname] = [v.qualname for v in bases if isinstance(v, Class)]
        self.foreign_bases[qualname] = sorted(
            v.name for v in bases if isinstance(v, Qual) and is_project_name(v.name)
        )
        methods = [s for s in node.body.body if isinstance(s, cst.FunctionDef)]
        for method in methods:
            self.method_kinds[f"{qualname}.{method.name.value}"] = method_kind(method)
            if method.name.value == "__init__":
                self.inits[qualname] = method
        self.class_body(node, qualname)  # defines the methods, records calls in the body
        for method in methods:
            name = f"{qualname}.{method.name.value}"
            if self.method_kinds[name] == STATIC:  # no `self`, even through an instance
                self.rec.functions[name] = replace(self.rec.functions[name], static=True)
        self.env[node.name.value] = frozenset({Class(qualname)})  # before: methods may name it
        self.class_level_attributes(node, attrs)
        for _ in range(2):  # a method may use a factory method defined after it
            for method in methods:
                self.collect_attributes(method, qualname, attrs)
            for method in methods:
                self.collect_factory(method, f"{qualname}.{method.name.value}", qualname)

    def class_level_attributes(self, node: cst.ClassDef, attrs: Env) -> None:
        """`client = replicate.Client()` in the class body."""
        for statement in node.body.body:
            for small in statement.body if isinstance(statement, cst.SimpleStatementLine) else ():
                if isinstance(small, cst.Assign) and len(small.targets) == 1:
                    target, value = small.targets[0].target, small.value
                elif isinstance(small, cst.AnnAssign) and small.value is not None:
                    target, value = small.target, small.value  # `client: Client = Client()`
                else:
                    continue
                found = objects_of(self.peek(value))
                if isinstance(target, cst.Name) and found:
                    attrs[target.value] = found

    def collect_attributes(self, method: cst.FunctionDef, owner: str, attrs: Env) -> None:
        """Client objects kept on `self` (in any method, conditionally or not)."""
        receiver = receiver_of(method)
        if receiver is None or method_kind(method) != METHOD:
            return
        with self.receiving(method, receiver, Instance(owner)):
            for attr, value in attribute_stores(method, receiver):
                found = objects_of(self.peek(value))
                if found:
                    attrs[attr] = attrs.get(attr, frozenset()) | found
                else:
                    self.data_attrs[owner].add(attr)

    def collect_factory(self, function: cst.FunctionDef, qualname: str, owner: str) -> None:
        """Remember what a function returns when that is a client, a class or an instance."""
        receiver = receiver_of(function) if owner else None
        kind = self.method_kinds.get(qualname, METHOD)
        this: Value = Class(owner) if kind == CLASSMETHOD else Instance(owner)
        with self.receiving(function, receiver, this):
            made: set[Value] = set()
            for value in returns_of(function):
                made |= objects_of(self.peek(value))
        if made:
            self.factories[qualname] = frozenset(made)

    def define(self, node: cst.FunctionDef, owner: str = "") -> None:
        raise NotImplementedError  # the statement walker's

    def class_body(self, node: cst.ClassDef, qualname: str) -> None:
        raise NotImplementedError  # the statement walker's

    # -- values --------------------------------------------------------------------
    def receiver_value(self, node: cst.FunctionDef, owner: str) -> Values | None:
        """What the first parameter of a method holds while its body is walked."""
        kind = method_kind(node)
        if not owner or kind == STATIC:
            return None
        return frozenset({Class(owner) if kind == CLASSMETHOD else Instance(owner)})

    def mro(self, qualname: str) -> list[str]:
        order: list[str] = []
        stack = [qualname]
        while stack and len(order) < _MAX_BASES:
            current = stack.pop(0)
            if current not in order:
                order.append(current)
                stack.extend(self.bases.get(current, ()))
        return order

    def member(self, owner: Instance | Class, attr: str) -> Values:
        """`obj.attr` for an instance or a class of this module."""
        for cls in self.mro(owner.qualname):
            attrs = self.class_attrs.get(cls, {})
            if attr in attrs:
                return attrs[attr]
            function = self.rec.functions.get(f"{cls}.{attr}")
            if function is not None:
                return self.method_value(function, isinstance(owner, Instance))
            if attr in self.data_attrs.get(cls, ()) and isinstance(owner, Instance):
                return frozenset({Result(Source("attr", f"{cls}.{attr}"))})
        for cls in self.mro(owner.qualname):
            for base in self.foreign_bases.get(cls, ()):
                if isinstance(owner, Instance):  # linked by name, as for `base().attr`
                    return frozenset({Qual(f"{base}().{attr}")})
        return NOTHING

    def method_value(self, function: Function, through_instance: bool) -> Values:
        kind = self.method_kinds.get(function.qualname, METHOD)
        if kind == PROPERTY:
            if not through_instance:
                return NOTHING
            made = self.factories.get(function.qualname)
            return made or frozenset({Result(Source("return", function.qualname))})
        if kind == CLASSMETHOD or (kind == METHOD and through_instance):
            return frozenset({replace(function, bound=True)})
        return frozenset({function})

    def attribute_key(self, owner: str, attr: str) -> str | None:
        """The class whose methods store `attr` (the one readers resolve it to)."""
        for cls in self.mro(owner):
            if attr in self.data_attrs.get(cls, ()):
                return f"{cls}.{attr}"
        return None

    # -- calls and stores ------------------------------------------------------------
    def call_function(self, node: cst.Call, function: Function) -> Values:
        values = self.project_call(node, function.qualname, function)
        return self.factories.get(function.qualname) or values

    def instantiate(self, node: cst.Call, cls: Class) -> Values:
        """`Class(...)`: the arguments go to `__init__` (or escape when it is not seen)."""
        for name in self.mro(cls.qualname):
            init = self.rec.functions.get(f"{name}.__init__")
            if init is not None:
                self.inject(node, name, init)
                self.project_call(node, init.qualname, replace(init, bound=True))
                break
        else:
            self.eval_args(node, Category.ESCAPES, f"{cls.qualname}()")
        return frozenset({Instance(cls.qualname)})

    def inject(self, node: cst.Call, owner: str, init: Function) -> None:
        """`Service(replicate.Client())`: a client given to `__init__` and kept on `self`."""
        definition = self.inits.get(owner)
        receiver = receiver_of(definition) if definition is not None else None
        if definition is None or receiver is None:
            return
        given: dict[str, Values] = {}
        for position, arg in enumerate(node.args):
            found = objects_of(self.peek(arg.value)) if not arg.star else frozenset()
            if arg.keyword is not None:
                given[arg.keyword.value] = found
            elif position + 1 < len(init.params):
                given[init.params[position + 1]] = found
        attrs = self.class_attrs[owner]
        for attr, value in attribute_stores(definition, receiver):
            if isinstance(value, cst.Name) and given.get(value.value):
                attrs[attr] = attrs.get(attr, frozenset()) | given[value.value]

    def store_attribute(
        self, target: cst.Attribute, values: Values, source: cst.CSTNode | None
    ) -> None:
        """`self.attr = value`: a result is followed to the attribute's readers."""
        attr = target.attr.value
        owners = [v.qualname for v in self.eval(target.value) if isinstance(v, Instance)]
        keys = {self.attribute_key(owner, attr) for owner in owners}
        if not results_of(values) or source is None or not owners or None in keys:
            self.use(target, values, Category.ESCAPES, f"stored on .{attr}")
            return
        for key in sorted(k for k in keys if k is not None):
            self.rec.use(
                source, values, Category.STORED, f"stored on .{attr}", self.scope, target=key
            )
            stored = frozenset({Result(Source("attr", key))})
            # Other modules and code the run does not see may read it too.
            self.rec.use(
                target,
                stored,
                Category.ESCAPES,
                f"stored on .{attr}, readable outside the class",
                self.scope,
            )
