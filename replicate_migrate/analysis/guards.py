"""Dual-type code (guards that send a str one way and a FileOutput another) and the calls
that stringify what they are given (csv writers, log messages).

`x if isinstance(x, str) else x.url`, `x.url if hasattr(x, "url") else x` and
`getattr(x, "url", x)` give the URL string under 0.34 and 1.0 alike. Inside the str branch
of `isinstance(x, str)` no FileOutput arrives under 1.0, so the tracked value is dropped
there; the other branch of `hasattr(x, "url")` still receives lists, so there the value is
followed one `OTHER` step on (`shape` makes it no file unless it is a container). The guard
itself and the FileOutput uses in its FileOutput branch are recorded as `EITHER`: they work
with both types, need no fix and do not stop an opt-out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import libcst as cst

from replicate_migrate.analysis import semantics as sem
from replicate_migrate.analysis.containers import ContainerEvaluator
from replicate_migrate.analysis.expressions import NOTHING, Env, results_of, step_all, string_value
from replicate_migrate.analysis.values import ITEM, OTHER, Category, Qual, Value, Values

_FILE_ATTRIBUTES = ("url", "read")


@dataclass(frozen=True)
class Guard:
    """`name` is not a FileOutput when the test is `str_if_true`, and is handled as one
    (`.url`, `.read()`, `str(name)`) in the other branch. `exact`: that branch sees a str
    only (`isinstance(x, str)`), not any other object (`hasattr(x, "url")`)."""

    name: str
    str_if_true: bool
    exact: bool


def _test_of(test: cst.BaseExpression, qual: Callable[[str], str]) -> Guard | None:
    """The guard a type test of a plain name makes, before its FileOutput branch is read."""
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        inner = _test_of(test.expression, qual)
        return None if inner is None else Guard(inner.name, not inner.str_if_true, inner.exact)
    if not isinstance(test, cst.Call) or not isinstance(test.func, cst.Name) or len(test.args) != 2:
        return None
    subject, second = test.args[0].value, test.args[1].value
    if not isinstance(subject, cst.Name):
        return None
    callee = qual(test.func.value)
    if callee == "builtins.isinstance" and isinstance(second, cst.Name):
        kind = qual(second.value)
        if kind == "builtins.str":
            return Guard(subject.value, True, True)
        if kind in sem.FILE_OUTPUT_CLASSES:
            return Guard(subject.value, False, False)
    if callee == "builtins.hasattr" and string_value(second) in _FILE_ATTRIBUTES:
        return Guard(subject.value, False, False)
    return None


def handles_file_output(branch: cst.CSTNode, name: str) -> bool:
    """Whether `branch` reads `name` as a FileOutput or as its URL (`.url`, `.read()`, `str()`)."""
    found = False

    class _Finder(cst.CSTVisitor):
        def visit_Attribute(self, node: cst.Attribute) -> None:
            nonlocal found
            is_name = isinstance(node.value, cst.Name) and node.value.value == name
            found = found or (is_name and node.attr.value in _FILE_ATTRIBUTES)

        def visit_Call(self, node: cst.Call) -> None:
            nonlocal found
            func, args = node.func, node.args
            is_str = isinstance(func, cst.Name) and func.value == "str" and len(args) == 1
            found = found or (is_str and isinstance(args[0].value, cst.Name) and args[0].value.value == name)

    branch.visit(_Finder())
    return found


class GuardEvaluator(ContainerEvaluator):
    """Evaluates guarded branches and stringifying calls; the flow walker calls `guarded_if`."""

    guarded: frozenset[Value] = frozenset()  # values whose FileOutput uses are guarded

    def qual_name(self, name: str) -> str:
        found = [v.name for v in self.lookup(name) if isinstance(v, Qual)]
        return found[0] if len(found) == 1 else ""

    def guard_for(self, test: cst.BaseExpression, body: cst.CSTNode, orelse: cst.CSTNode | None) -> Guard | None:
        """The guard `test` makes, when its FileOutput branch handles the FileOutput."""
        guard = _test_of(test, self.qual_name)
        if guard is None:
            return None
        file_branch = orelse if guard.str_if_true else body
        if file_branch is None or not handles_file_output(file_branch, guard.name):
            return None
        return guard

    def guard_test(self, test: cst.BaseExpression, guard: Guard) -> None:
        """Record the guard's own check as working with both types."""
        values = self.lookup(guard.name)
        self.use(_subject(test), values, Category.EITHER, "str/FileOutput guard")

    @contextmanager
    def branch_of(self, guard: Guard | None, is_str_branch: bool) -> Iterator[None]:
        """Walk one branch of `guard`: in the other-than-FileOutput branch without the tracked
        value (a str only) or with it as `OTHER` (any other object); in the FileOutput branch
        with its FileOutput uses guarded."""
        if guard is None:
            yield
            return
        values = self.lookup(guard.name)
        saved_env, saved_guarded = self.env, self.guarded
        if is_str_branch:
            narrowed = values - set(results_of(values)) if guard.exact else step_all(values, OTHER)
            self.env = {**self.env, guard.name: narrowed or NOTHING}
        else:
            self.guarded = saved_guarded | set(results_of(values))
        try:
            yield
        finally:
            if is_str_branch:
                saved_env.update({k: v for k, v in self.env.items() if k != guard.name})
            self.env, self.guarded = saved_env, saved_guarded

    def use(self, node: cst.CSTNode, values: Values, category: Category, detail: str) -> None:
        results = set(results_of(values))
        if category is Category.FILE_OUTPUT and results and results <= self.guarded:
            category, detail = Category.EITHER, f"{detail} behind a str/FileOutput guard"
        super().use(node, values, category, detail)

    def eval_IfExp(self, node: cst.IfExp) -> Values:
        guard = self.guard_for(node.test, node.body, node.orelse)
        if guard is None:
            return super().eval_IfExp(node)
        self.guard_test(node.test, guard)
        with self.branch_of(guard, guard.str_if_true):
            body = self.eval(node.body)
        with self.branch_of(guard, not guard.str_if_true):
            orelse = self.eval(node.orelse)
        return body | orelse

    def guarded_if(self, node: cst.If) -> None:
        """An `if` statement: its branches walked as a guard's when the test is one."""
        guard = self.guard_for(node.test, node.body, node.orelse)
        if guard is None:
            self.eval(node.test)
            self.join(self.branch(node.body), self.otherwise(node.orelse))
            return
        self.guard_test(node.test, guard)
        with self.branch_of(guard, guard.str_if_true):
            body = self.branch(node.body)
        with self.branch_of(guard, not guard.str_if_true):
            orelse = self.otherwise(node.orelse)
        self.join(body, orelse)

    def branch(self, suite: cst.BaseSuite | None) -> Env:
        raise NotImplementedError

    def otherwise(self, orelse: cst.If | cst.Else | None) -> Env:
        raise NotImplementedError

    def join(self, *envs: Env) -> None:
        raise NotImplementedError

    def url_or_self(self, node: cst.Call) -> Values | None:
        """`getattr(x, "url", x)`: the URL string in both versions."""
        args = node.args
        if len(args) != 3 or string_value(args[1].value) != "url":
            return None
        first, default = args[0].value, args[2].value
        if not (isinstance(first, cst.Name) and isinstance(default, cst.Name) and first.value == default.value):
            return None
        self.use(first, self.eval(first), Category.EITHER, 'getattr(x, "url", x)')
        return NOTHING

    # -- calls that stringify their arguments ------------------------------------------
    def stringified(self, node: cst.Call, callee: str) -> Values:
        """A logging call or a csv writer: every field it formats calls `str()`."""
        depth = sem.CSV_WRITERS.get(callee)
        for arg in node.args:
            if depth is not None and arg is node.args[0]:
                values = self.eval(arg.value)
                for _ in range(depth):
                    values = step_all(values, ITEM)
                self.use(arg.value, values, Category.WORKS, f"a field of {callee}()")
            elif depth is None:
                self.use(arg.value, self.message_part(arg.value), Category.WORKS, f"logged by {callee}()")
            else:
                self.use(arg.value, self.eval(arg.value), Category.ESCAPES, f"passed to {callee}()")
        return NOTHING

    def message_part(self, node: cst.BaseExpression) -> Values:
        """What goes into a log message: `repr(x)`, `type(x)` and `{x!r}` too (only the log
        text differs). A format spec stays a str use: `{f:>40}` raises on a FileOutput."""
        if isinstance(node, cst.FormattedString):
            for part in node.parts:
                if isinstance(part, cst.FormattedStringExpression) and not part.format_spec:
                    self.use(part.expression, self.message_part(part.expression), Category.WORKS, "log message")
                elif isinstance(part, cst.FormattedStringExpression):
                    self.formatted([part])
            return NOTHING
        if _is_repr_or_type(node, self.qual_name):
            assert isinstance(node, cst.Call)
            inner = node.args[0].value
            self.use(inner, self.eval(inner), Category.WORKS, "repr() or type() in a log message")
            return NOTHING
        return self.eval(node)


def _is_repr_or_type(node: cst.BaseExpression, qual: Callable[[str], str]) -> bool:
    if not (isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and len(node.args) == 1):
        return False
    return qual(node.func.value) in ("builtins.repr", "builtins.type")


def _subject(test: cst.BaseExpression) -> cst.BaseExpression:
    while isinstance(test, cst.UnaryOperation):
        test = test.expression
    assert isinstance(test, cst.Call)
    return test.args[0].value
