"""Evaluate containers and scopes inside expressions: subscripts, literals, comprehensions,
lambdas and yields; the base `Evaluator` is in `expressions`."""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from replicate_migrate.analysis.expressions import NOTHING, Evaluator, step_all, string_value
from replicate_migrate.analysis.values import (
    ITEM,
    OPAQUE,
    WRAP,
    Category,
    Value,
    Values,
    key_step,
)


class ContainerEvaluator(Evaluator):
    def eval_Subscript(self, node: cst.Subscript) -> Values:
        base = self.eval(node.value)
        elements = node.slice
        if len(elements) != 1 or not isinstance(elements[0].slice, cst.Index):
            for element in elements:
                self.eval_children(element)
            self.use(node.value, base, Category.SEQUENCE, "slicing")
            return base
        index = elements[0].slice.value
        key = string_value(index)
        index_values = self.eval(index)
        self.use(index, index_values, Category.NEEDS_STR, "used as a key")
        step = key_step(key) if key is not None else ITEM
        return step_all(base, step, self.rec.node_id(node))

    # -- containers ------------------------------------------------------------
    def wrap_elements(self, elements: Sequence[cst.BaseElement]) -> Values:
        out: set[Value] = {OPAQUE}
        for element in elements:
            values = self.eval(element.value)
            if isinstance(element, cst.StarredElement):
                out |= values
            else:
                out |= step_all(values, WRAP, self.rec.node_id(element.value))
        return frozenset(out)

    def eval_List(self, node: cst.List) -> Values:
        return self.wrap_elements(node.elements)

    def eval_Tuple(self, node: cst.Tuple) -> Values:
        return self.wrap_elements(node.elements)

    def eval_Set(self, node: cst.Set) -> Values:
        for element in node.elements:
            self.use(element.value, self.eval(element.value), Category.NEEDS_STR, "set item")
        return NOTHING

    def eval_Dict(self, node: cst.Dict) -> Values:
        out: set[Value] = {OPAQUE}
        for element in node.elements:
            if isinstance(element, cst.DictElement):
                self.use(element.key, self.eval(element.key), Category.NEEDS_STR, "dict key")
                values = self.eval(element.value)
                out |= step_all(values, WRAP, self.rec.node_id(element.value))
            else:
                out |= self.eval(element.value)
        return frozenset(out)

    def comprehension(self, node: cst.BaseComp, results: list[cst.BaseExpression]) -> Values:
        saved, walrus_scope = self.env, self.walrus_scope
        self.env = dict(saved)
        if walrus_scope is None:
            self.walrus_scope = saved
        try:
            clause: cst.CompFor | None = node.for_in
            while clause is not None:
                items = self.iterate(clause.iter)
                self.bind(clause.target, items, None, local=True)
                for condition in clause.ifs:
                    self.eval(condition.test)
                clause = clause.inner_for_in
            out: set[Value] = {OPAQUE}
            for expression in results:
                out |= step_all(self.eval(expression), WRAP, self.rec.node_id(expression))
            return frozenset(out)
        finally:
            self.env, self.walrus_scope = saved, walrus_scope

    def eval_ListComp(self, node: cst.ListComp) -> Values:
        return self.comprehension(node, [node.elt])

    def eval_GeneratorExp(self, node: cst.GeneratorExp) -> Values:
        return self.comprehension(node, [node.elt])

    def eval_SetComp(self, node: cst.SetComp) -> Values:
        values = self.comprehension(node, [node.elt])
        self.use(node.elt, values, Category.NEEDS_STR, "set item")
        return NOTHING

    def eval_DictComp(self, node: cst.DictComp) -> Values:
        return self.comprehension(node, [node.key, node.value])

    def eval_Lambda(self, node: cst.Lambda) -> Values:
        self.use(node.body, self.lambda_body(node), Category.ESCAPES, "returned from a lambda")
        return NOTHING

    def lambda_body(self, node: cst.Lambda) -> Values:
        """The lambda's value when called; its defaults are evaluated where it is defined."""
        params = node.params
        every = [*params.posonly_params, *params.params, *params.kwonly_params]
        for param in every:
            if param.default is not None:
                self.use(param.default, self.eval(param.default), Category.ESCAPES, "lambda default")
        every += [p for p in (params.star_arg, params.star_kwarg) if isinstance(p, cst.Param)]
        saved, walrus_scope = self.env, self.walrus_scope
        self.env, self.walrus_scope = dict(saved), None
        for param in every:
            self.env[param.name.value] = NOTHING
        try:
            return self.eval(node.body)
        finally:
            self.env, self.walrus_scope = saved, walrus_scope

    def eval_Yield(self, node: cst.Yield) -> Values:
        if isinstance(node.value, cst.BaseExpression):
            self.use(node.value, self.eval(node.value), Category.ESCAPES, "yielded")
        elif isinstance(node.value, cst.From):
            self.use(node.value.item, self.eval(node.value.item), Category.ESCAPES, "yielded")
        return NOTHING

    # -- provided by the statement walker ----------------------------------------
