"""Evaluate calls: replicate's run family, the ways it is passed around, and callees."""

from __future__ import annotations

import string

import libcst as cst

from replicate_migrate.analysis import semantics as sem
from replicate_migrate.analysis.builtin_calls import BuiltinCalls
from replicate_migrate.analysis.expressions import (
    NOTHING,
    results_of,
    step_all,
    string_value,
)
from replicate_migrate.analysis.values import (
    FACTORY,
    ITEM,
    OPAQUE,
    WRAP,
    Category,
    Class,
    Function,
    Pending,
    Qual,
    Replicate,
    Result,
    Source,
    Value,
    Values,
    key_step,
    ref_index,
)
from replicate_migrate.project.resolver import is_project_name

# Callees that call a function they are given with the arguments that follow it,
# passing keyword arguments through (so `use_file_output=False` can go on them).
_FORWARDERS = {
    "asyncio.to_thread": "to_thread",
    "functools.partial": "partial",
}
_PASS_THROUGH = frozenset(
    {"asyncio.create_task", "asyncio.ensure_future", "asyncio.wait_for", "asyncio.shield"}
)


def _has_format_spec(node: cst.BaseExpression) -> bool:
    """`"{:>40}".format(f)`: a FileOutput formats like an object, which takes no spec."""
    text = string_value(node)
    try:
        fields = list(string.Formatter().parse(text)) if text is not None else []
    except ValueError:  # the call raises in any version
        return False
    return any(name is not None and spec and conversion != "s" for _, name, spec, conversion in fields)


def method_of(values: Values) -> str | None:
    """The run-family method these values name, if they all name the same one."""
    methods = {v.method for v in values if isinstance(v, Replicate) and v.what == "method"}
    return methods.pop() if len(methods) == 1 else None


class CallEvaluator(BuiltinCalls):
    def eval_Call(self, node: cst.Call) -> Values:
        func = node.func
        if isinstance(func, cst.Attribute) and isinstance(
            func.value, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)
        ):
            # "...".format(x) calls str(x); "sep".join(xs) needs every item to be a str.
            self.eval(func.value)
            fmt = func.attr.value in ("format", "format_map") and not _has_format_spec(func.value)
            category = Category.WORKS if fmt else Category.NEEDS_STR
            self.eval_args(node, category, f'"".{func.attr.value}()')
            return NOTHING
        if isinstance(func, cst.Attribute):
            special = self.container_method(node, func)
            if special is not None:
                return special
        if isinstance(func, cst.Attribute) and func.attr.value == "url":
            callee = self.url_called(func)
        else:
            callee = self.eval(func)
        method = method_of(callee)
        if method is not None:
            return self.run_call(node, method, node, via="")
        bound = [v for v in callee if isinstance(v, Replicate) and v.what == "bound"]
        if bound:
            self.eval_args(node, None)
            return self.run_result(bound[0].method, bound[0].call)
        quals = [v.name for v in callee if isinstance(v, Qual)]
        if quals:
            return self.qual_call(node, quals[0])
        functions = [v for v in callee if isinstance(v, Function)]
        if functions:
            return self.call_function(node, functions[0])
        classes = [v for v in callee if isinstance(v, Class)]
        if classes:
            return self.instantiate(node, classes[0])
        pending = [v for v in callee if isinstance(v, Pending)]
        if pending and isinstance(func, cst.Attribute) and func.attr.value == "result":
            return frozenset({p.result for p in pending})
        self.eval_args(node, Category.ESCAPES, self.callee_text(func))
        return NOTHING

    def url_called(self, func: cst.Attribute) -> Values:
        """What `x.url` names when it is called: a tracked `x` makes `.url()` (the JavaScript
        client's method) a bug in 0.34 and 1.0 alike, recorded as such, not as 1.0 code."""
        base = self.eval(func.value)
        results = frozenset(results_of(base))
        if results:
            self.use(func.value, results, Category.URL_CALLED, ".url()")
        callee: set[Value] = set()
        for value in base - results:
            callee |= self.attribute_of(func, value, "url")
        return frozenset(callee) or NOTHING

    def callee_text(self, func: cst.BaseExpression) -> str:
        if isinstance(func, cst.Name):
            stars = self.other_stars
            if stars and func.value not in self.env and func.value not in self.module_env:
                return f"{func.value}() (perhaps from `from {stars[-1]} import *`, not followed)"
            return f"{func.value}()"
        if isinstance(func, cst.Attribute):
            return f".{func.attr.value}()"
        return "a call"

    def run_call(self, node: cst.Call, method: str, site: cst.Call, via: str) -> Values:
        """A call of run/async_run/stream (or of a forwarder given one)."""
        first = ref_index(via)
        ref_arg = node.args[first] if len(node.args) > first else None
        for arg in node.args[first:]:
            self.use(arg.value, self.eval(arg.value), Category.NEEDS_STR, "another model's input")
        assert self.on_call_site is not None
        call_id = self.on_call_site(site, method, via, ref_arg)
        if via == "partial":
            return frozenset({Replicate("bound", method, call_id)})
        if via in ("to_thread", "executor", "submit"):
            return frozenset({Pending(Result(Source("call", call_id)))})
        return self.run_result(method, call_id)

    def run_result(self, method: str, call_id: str) -> Values:
        if method not in sem.RUN_METHODS or not call_id:
            return NOTHING
        result = Result(Source("call", call_id))
        return frozenset({Pending(result) if method == "async_run" else result})

    def forwarded(self, node: cst.Call, name: str) -> Values | None:
        """`to_thread(replicate.run, ...)`, `partial(...)`, `submit(...)`, executors."""
        if name.endswith("run_in_executor") and len(node.args) >= 2:
            target = node.args[1].value
            if isinstance(target, cst.Lambda):
                self.eval(node.args[0].value)
                values = self.lambda_body(target)
                return frozenset(Pending(r) for r in results_of(values)) or NOTHING
            method = method_of(self.eval(target))
            if method is not None:
                return self.run_call(node, method, node, via="executor")
            return None
        via = _FORWARDERS.get(name) or ("submit" if name.endswith(".submit") else None)
        if via is None or not node.args:
            return None
        method = method_of(self.eval(node.args[0].value))
        if method is None:
            return None
        return self.run_call(node, method, node, via=via)

    # -- other callees ---------------------------------------------------------------
    def qual_call(self, node: cst.Call, name: str) -> Values:
        if name in sem.CLIENT_CLASSES or self.known.get(name) == FACTORY:
            self.eval_args(node, None)
            return frozenset({Replicate("client")})
        if name == "importlib.import_module":
            return self.import_module(node)
        forwarded = self.forwarded(node, name)
        if forwarded is not None:
            return forwarded
        if name in _PASS_THROUGH and node.args:
            return self.eval(node.args[0].value)
        if name == "asyncio.gather":
            return self.gather(node)
        if name == "builtins.getattr" and (url := self.url_or_self(node)) is not None:
            return url
        if name in sem.LOG_CALLS or name in sem.CSV_WRITERS:
            return self.stringified(node, name)
        if name in ("builtins.isinstance", "builtins.hasattr") and len(node.args) == 2:
            return self.type_check(node, name)
        if name in ("builtins.list", "builtins.tuple", "builtins.reversed") and node.args:
            return self.materialised(node.args[0].value, name)
        if name in ("builtins.next", "builtins.iter") and node.args:
            values = self.iterate(node.args[0].value)
            return values if name == "builtins.next" else step_all(values, WRAP)
        if is_project_name(name):
            # `Qual("svc.Generator()")`: an instance, if it is a class (linked by name later).
            return self.project_call(node, name, None) | {Qual(f"{name}()")}
        for position, arg in enumerate(node.args):
            keyword = arg.keyword.value if arg.keyword else None
            category = sem.classify_call_argument(name, None if keyword else position, keyword)
            self.use(arg.value, self.eval(arg.value), category, f"passed to {name}()")
        if sem.is_module_of_interest(name):
            return frozenset({Qual(f"{name}()")})
        return NOTHING

    def materialised(self, node: cst.BaseExpression, name: str) -> Values:
        """`list(out)`: the same items; an iterator's items are all taken (recorded)."""
        values = self.eval(node)
        whole = frozenset(r for r in results_of(values) if not r.path)
        self.use(node, whole, Category.ITERATED, f"{name.removeprefix('builtins.')}()")
        return values

    def call_function(self, node: cst.Call, function: Function) -> Values:
        return self.project_call(node, function.qualname, function)

    def instantiate(self, node: cst.Call, cls: Class) -> Values:
        self.eval_args(node, Category.ESCAPES, f"{cls.qualname}()")
        return NOTHING

    def project_call(self, node: cst.Call, qualname: str, function: Function | None) -> Values:
        """A function of the project: arguments flow into its parameters."""
        offset = 1 if function is not None and function.bound else 0  # `self` is given
        params = function.params[offset:] if function is not None else ()
        for position, arg in enumerate(node.args):
            values = self.eval(arg.value)
            if arg.star:
                self.use(arg.value, values, Category.ESCAPES, "passed with *")
                continue
            param = arg.keyword.value if arg.keyword else f"#{position + offset}"
            if not arg.keyword and position < len(params):
                param = params[position]
            if function is not None and param in function.str_params:
                self.use(arg.value, values, Category.NEEDS_STR, f"parameter {param}: str")
                continue
            self.rec.use(
                arg.value,
                values,
                Category.PASSED,
                f"passed to {qualname}()",
                self.scope,
                target=f"{qualname}:{param}",
            )
        return frozenset({Result(Source("return", qualname))})

    def container_method(self, node: cst.Call, func: cst.Attribute) -> Values | None:
        """`out.get("key")`, `out.values()`, and `items.append(out)` into a local list."""
        attr = func.attr.value
        if attr == "get" and node.args:
            base = self.eval(func.value)
            if not results_of(base):
                return self.eval_call_rest(node, base, func)
            key = string_value(node.args[0].value)
            for arg in node.args[1:]:
                self.eval(arg.value)
            return step_all(base, key_step(key), self.rec.node_id(node))
        if attr in sem.DICT_ITEM_METHODS and not node.args:
            base = self.eval(func.value)
            if not results_of(base):
                return self.eval_call_rest(node, base, func)
            # Only `.values()` is followed; `for k, v in out.items()` is handled by the
            # statement walker, which knows the loop target.
            return step_all(step_all(base, key_step(None)), WRAP)
        if attr in ("append", "add", "insert", "extend") and isinstance(func.value, cst.Name):
            name = func.value.value
            if name not in self.env:
                return None
            values: set[Value] = set()
            for arg in node.args:
                v = self.eval(arg.value)
                values |= v if attr == "extend" else step_all(v, WRAP, self.rec.node_id(arg.value))
            self.env[name] = self.env[name] | frozenset(values) | {OPAQUE}
            return NOTHING
        return None

    def eval_call_rest(self, node: cst.Call, base: Values, func: cst.Attribute) -> Values:
        """A method call on an untracked object that looked like a container method."""
        callee: set[Value] = set()
        for value in base:
            callee |= self.attribute_of(func, value, func.attr.value)
        if any(isinstance(v, Qual) for v in callee):
            name = next(v.name for v in callee if isinstance(v, Qual))
            return self.qual_call(node, name)
        self.eval_args(node, Category.ESCAPES, self.callee_text(func))
        return NOTHING

    def iterate(self, node: cst.BaseExpression) -> Values:
        """The values an iteration over `node` yields."""
        values = self.eval(node)
        for value in values:
            if isinstance(value, Result) and (not value.path or value.path[-1] != WRAP):
                # Iterating a single file yields its bytes (1.0 style); iterating a
                # list yields its items. Which one it is depends on the model.
                self.use(node, frozenset({value}), Category.ITERATED, "iterated")
        return step_all(values, ITEM)
