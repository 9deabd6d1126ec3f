"""Walk statements in order, binding names to abstract values, one scope at a time.

Branches are walked on copies of the environment and merged; loop bodies are walked
twice so values carried around the loop are seen. Function bodies are walked after
the code that defines them, with the module's final bindings as globals.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import libcst as cst

from replicate_migrate.analysis.binding import merge
from replicate_migrate.analysis.conditionals import Conditionals
from replicate_migrate.analysis.expressions import NOTHING, Env
from replicate_migrate.analysis.methods import dotted_name
from replicate_migrate.analysis.refs import Ref
from replicate_migrate.analysis.values import Category, Function, Result, Source


@dataclass
class Deferred:
    node: cst.FunctionDef
    qualname: str
    env: Env
    consts: dict[str, Ref]
    owner: str  # class qualname for methods
    top: cst.CSTNode | None  # the module-level statement it is in


def _captures(pattern: cst.CSTNode) -> list[cst.Name]:
    """The names a `case` pattern binds."""
    names = []
    if isinstance(pattern, (cst.MatchAs, cst.MatchStar)) and pattern.name is not None:
        names.append(pattern.name)
    if isinstance(pattern, cst.MatchMapping) and pattern.rest is not None:
        names.append(pattern.rest)
    for child in pattern.children:
        names.extend(_captures(child))
    return names


class FlowWalker(Conditionals):
    """Statements in order: blocks, branches, loops, try, match, and deferred function bodies."""

    def walk_module(self, module: cst.Module) -> None:
        self.consts = {}
        self.deferred: list[Deferred] = []
        self.declared, self.owner = frozenset(), ""
        self.outside = (self.module_env, self.consts)
        for statement in module.body:
            self.rec.top = statement
            self.block((statement,))
        while self.deferred:
            job = self.deferred.pop(0)
            self.rec.top, self.rec.statement = job.top, job.node
            self.function(job)

    # -- blocks ------------------------------------------------------------------
    def block(self, body: Sequence[cst.BaseStatement | cst.BaseSmallStatement]) -> None:
        for statement in body:
            # Every node recorded while walking it lies inside `statement`.
            outer, self.rec.statement = self.rec.statement, statement
            if isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    self.small(small)
            elif isinstance(statement, cst.BaseCompoundStatement):
                self.compound(statement)
            elif isinstance(statement, cst.BaseSmallStatement):  # `if x: a = f(); b = g(a)`
                self.small(statement)
            self.rec.statement = outer

    def suite(self, suite: cst.BaseSuite) -> None:
        if isinstance(suite, (cst.IndentedBlock, cst.SimpleStatementSuite)):
            self.block(suite.body)

    def branch(self, suite: cst.BaseSuite | None) -> Env:
        saved = self.env
        self.env = dict(saved)
        try:
            if suite is not None:
                self.suite(suite)
            return self.env
        finally:
            self.env = saved

    def otherwise(self, orelse: cst.If | cst.Else | None) -> Env:
        """The environment after an `elif` chain or `else` (walked on a copy)."""
        if isinstance(orelse, cst.If):
            saved = self.env
            self.env = dict(saved)
            try:
                self.compound(orelse)
                return self.env
            finally:
                self.env = saved
        return self.branch(orelse.body if orelse is not None else None)

    def join(self, *envs: Env) -> None:
        merged = envs[0]
        for env in envs[1:]:
            merged = merge(merged, env)
        self.env.clear()
        self.env.update(merged)

    # -- small statements ---------------------------------------------------------------
    def small(self, node: cst.BaseSmallStatement) -> None:
        if isinstance(node, cst.Assign):
            values = self.eval(node.value)
            for target in node.targets:
                self.bind(target.target, values, node.value)
        elif isinstance(node, cst.AnnAssign):
            annotation = node.annotation.annotation
            self.use(annotation, self.eval(annotation), Category.ESCAPES, "annotation")
            if node.value is not None:
                self.bind(node.target, self.eval(node.value), node.value)
        elif isinstance(node, cst.AugAssign):
            self.augmented(node)
        elif isinstance(node, cst.Expr):
            self.eval(node.value)
        elif isinstance(node, cst.Return):
            if node.value is not None:
                self.returned(node.value)
        elif isinstance(node, (cst.Import, cst.ImportFrom)):
            self.imported(node)
        elif isinstance(node, (cst.Global, cst.Nonlocal)) and self.scope:
            self.declared |= {item.name.value for item in node.names}
        else:
            self.eval_children(node)

    def compound(self, node: cst.BaseCompoundStatement) -> None:
        if isinstance(node, cst.If):
            self.conditional(node)
        elif isinstance(node, cst.Else):
            self.suite(node.body)
        elif isinstance(node, (cst.For, cst.While)):
            self.loop(node)
        elif isinstance(node, (cst.Try, cst.TryStar)):
            self.trial(node)
        elif isinstance(node, cst.Match):
            self.matched(node)
        elif isinstance(node, cst.With):
            for item in node.items:
                values = self.eval(item.item)
                if item.asname is not None:
                    self.bind(item.asname.name, values, None)
            self.suite(node.body)
        elif isinstance(node, cst.FunctionDef):
            self.define(node, self.owner)
        elif isinstance(node, cst.ClassDef):
            self.classdef(node)
        else:
            self.eval_children(node)
            for child in node.children:
                if isinstance(child, cst.BaseSuite):
                    self.join(self.env, self.branch(child))

    def loop(self, node: cst.For | cst.While) -> None:
        before = dict(self.env)
        for _ in range(2):
            if isinstance(node, cst.For):
                self.for_target(node)
            else:
                self.eval(node.test)
            self.suite(node.body)
        self.join(before, dict(self.env))
        if node.orelse is not None:
            self.suite(node.orelse.body)

    def for_target(self, node: cst.For) -> None:
        pair = self.pair_iteration(node.iter)
        target = node.target
        if pair is not None and isinstance(target, cst.Tuple) and len(target.elements) == 2:
            self.bind(target.elements[0].value, NOTHING, None)
            self.bind(target.elements[1].value, pair, None)
        else:
            self.bind(target, self.iterate(node.iter), None)

    def trial(self, node: cst.Try | cst.TryStar) -> None:
        before = dict(self.env)
        self.suite(node.body)
        after_body = dict(self.env)
        branches = [after_body]
        for handler in node.handlers:
            self.env.clear()
            self.env.update(merge(before, after_body))
            if handler.type is not None:
                self.use(handler.type, self.eval(handler.type), Category.ESCAPES, "except")
            if handler.name is not None:
                self.bind(handler.name.name, NOTHING, None)
            self.suite(handler.body)
            branches.append(dict(self.env))
        self.join(*branches)
        if node.orelse is not None:
            self.suite(node.orelse.body)
        if node.finalbody is not None:
            self.suite(node.finalbody.body)

    def matched(self, node: cst.Match) -> None:
        """`match`: each case is a branch. What patterns do with the subject (type tests,
        `==`, destructuring) is not followed: a tracked subject escapes."""
        subject = self.eval(node.subject)
        self.use(node.subject, subject, Category.ESCAPES, "matched by a pattern")
        branches = [dict(self.env)]  # no case matched
        for case in node.cases:
            saved = self.env
            self.env = dict(saved)
            try:
                for name in _captures(case.pattern):
                    self.bind(name, NOTHING, None)
                if case.guard is not None:
                    self.eval(case.guard)
                self.suite(case.body)
                branches.append(self.env)
            finally:
                self.env = saved
        self.join(*branches)

    # -- functions and classes --------------------------------------------------------------
    def define(self, node: cst.FunctionDef, owner: str = "") -> None:
        for decorator in node.decorators:
            self.eval(decorator.decorator)
        prefix = f"{self.scope}." if self.scope else f"{self.rec.module_name}."
        if owner:
            prefix = f"{owner}."
        qualname = f"{prefix}{node.name.value}"
        params = tuple(p.name.value for p in (*node.params.posonly_params, *node.params.params))
        str_params = frozenset(
            p.name.value
            for p in (*node.params.params, *node.params.kwonly_params)
            if p.annotation is not None and dotted_name(p.annotation.annotation) == "str"
        )
        function = Function(qualname, params, str_params)
        self.rec.functions[qualname] = function
        self.signature(node.params, node.returns, qualname)
        if not owner:
            self.env[node.name.value] = frozenset({function})
            self.collect_factory(node, qualname, "")
        # A method's body sees the scope around its class, not the class body.
        env, consts = self.outside if owner else (self.env, self.consts)
        self.deferred.append(Deferred(node, qualname, env, dict(consts), owner, self.rec.top))

    def signature(self, params: cst.Parameters, returns: cst.Annotation | None, qualname: str) -> None:
        """Defaults and annotations are evaluated where the function is defined. A default
        reaches its parameter as an argument does, from a caller that passes none."""
        every = [*params.posonly_params, *params.params, *params.kwonly_params]
        for param in every:
            if param.default is not None:
                values = self.eval(param.default)
                target = f"{qualname}:{param.name.value}"
                self.rec.use(param.default, values, Category.PASSED, "default argument", self.scope, target)
        every += [p for p in (params.star_arg, params.star_kwarg) if isinstance(p, cst.Param)]
        annotations = [p.annotation for p in every] + [returns]
        for annotation in annotations:
            if annotation is not None:
                node = annotation.annotation
                self.use(node, self.eval(node), Category.ESCAPES, "annotation")

    def function(self, job: Deferred) -> None:
        saved = (self.env, self.scope, self.consts, self.declared, self.owner)
        self.env = dict(job.env) if job.env is not self.module_env else {}
        self.scope = job.qualname
        self.consts = dict(job.consts)
        self.declared, self.owner = frozenset(), ""
        params = job.node.params
        every = (*params.posonly_params, *params.params, *params.kwonly_params)
        for index, param in enumerate(every):
            name = param.name.value
            receiver = self.receiver_value(job.node, job.owner) if index == 0 else None
            if receiver is not None and param in (*params.posonly_params, *params.params):
                self.env[name] = receiver
                continue
            typed = self.annotated(param) - NOTHING  # `client: replicate.Client`
            self.env[name] = frozenset({Result(Source("param", f"{job.qualname}:{name}"))}) | typed
            self.set_param(name, param.default)
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                self.env[star.name.value] = NOTHING
        try:
            self.suite(job.node.body)
        finally:
            self.env, self.scope, self.consts, self.declared, self.owner = saved

    def class_body(self, node: cst.ClassDef, qualname: str) -> None:
        """Walk the body in its own namespace: what it binds is read as `A.x` or `self.x`;
        the methods it defines see the scope around the class."""
        saved = (self.env, self.consts, self.owner, self.outside)
        if not self.owner:  # a class in a class body: its methods see the same outside
            self.outside = (self.env, self.consts)
        self.env, self.consts, self.owner = dict(self.env), dict(self.consts), qualname
        try:
            self.suite(node.body)
        finally:
            self.env, self.consts, self.owner, self.outside = saved
