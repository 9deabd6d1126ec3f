"""Evaluate the builtin and library calls the analysis knows: importlib.import_module,
asyncio.gather, isinstance/hasattr checks; `calls.CallEvaluator` builds on this."""

from __future__ import annotations

import libcst as cst

from replicate_migrate.analysis import semantics as sem
from replicate_migrate.analysis.expressions import (
    NOTHING,
    string_value,
)
from replicate_migrate.analysis.guards import GuardEvaluator
from replicate_migrate.analysis.values import (
    WRAP,
    Category,
    Pending,
    Qual,
    Result,
    Value,
    Values,
)


class BuiltinCalls(GuardEvaluator):
    def eval_args(self, node: cst.Call, category: Category | None, detail: str = "") -> None:
        for arg in node.args:
            values = self.eval(arg.value)
            if category is not None:
                self.use(arg.value, values, category, f"passed to {detail}")

    def import_module(self, node: cst.Call) -> Values:
        """`importlib.import_module("pkg.mod")` is `import pkg.mod as m`; a computed name is
        no module the analysis can follow (its functions' results then escape)."""
        self.eval_args(node, None)
        dotted = string_value(node.args[0].value) if node.args else None
        if not dotted or dotted.startswith("."):
            return NOTHING
        return frozenset({Qual(self.resolver.absolute(self.rec.module_name, dotted))})

    def gather(self, node: cst.Call) -> Values:
        out: set[Result] = set()
        for arg in node.args:
            for value in self.eval(arg.value):
                if isinstance(value, Pending):
                    result = value.result if arg.star else value.result.step(WRAP)
                    out.add(result)
        return frozenset({Pending(r) for r in out}) if out else NOTHING

    def type_check(self, node: cst.Call, name: str) -> Values:
        subject = self.eval(node.args[0].value)
        second = node.args[1].value
        if name == "builtins.hasattr":
            attribute = string_value(second) or ""
            category = Category.FILE_OUTPUT if attribute in ("read", "url") else Category.WORKS
            if attribute in ("__iter__", "split", "startswith", "strip", "lower"):
                category = Category.NEEDS_STR
            self.use(node.args[0].value, subject, category, f"hasattr(x, {attribute!r})")
            return NOTHING
        types = self.eval(second) | self.wrapped_names(second)
        names = {v.name for v in types if isinstance(v, Qual)}
        if names & sem.FILE_OUTPUT_CLASSES:
            category = Category.FILE_OUTPUT
        elif "builtins.str" in names:
            category = Category.NEEDS_STR
        elif names and names <= sem.NEITHER_STR_NOR_FILE_OUTPUT:
            category = Category.TYPE_TEST
        else:
            category = Category.WORKS
        self.use(node.args[0].value, subject, category, "isinstance check")
        return NOTHING

    def wrapped_names(self, node: cst.BaseExpression) -> Values:
        if isinstance(node, cst.Tuple):
            out: set[Value] = set()
            for element in node.elements:
                out |= self.eval(element.value)
            return frozenset(out)
        return frozenset()
