"""Binding names to abstract values: assignments, imports, returns, stores into containers.

The statement walk (`flow.FlowWalker`) builds on this; what an expression evaluates to
is `expressions`/`calls`/`classes`.
"""

from __future__ import annotations

import libcst as cst

from replicate_migrate.analysis.classes import ClassEvaluator
from replicate_migrate.analysis.expressions import NOTHING, Env, results_of, step_all
from replicate_migrate.analysis.methods import dotted_name
from replicate_migrate.analysis.refs import Ref, RefReader
from replicate_migrate.analysis.values import (
    ITEM,
    OPAQUE,
    WRAP,
    Category,
    Qual,
    Values,
    key_step,
)
from replicate_migrate.project.resolver import is_project_name


def merge(a: Env, b: Env) -> Env:
    out: Env = {}
    for name in a.keys() | b.keys():
        values = a.get(name, NOTHING) | b.get(name, NOTHING)
        if values != NOTHING:
            out[name] = values
    return out


class Binder(ClassEvaluator, RefReader):
    consts: dict[str, Ref]
    # Names bound here are read where the walk does not follow them: `global`/`nonlocal`
    # names of the function walked, every name of the class body walked (`owner`).
    declared: frozenset[str]
    owner: str
    outside: tuple[Env, dict[str, Ref]]  # the scope around the class body walked

    def augmented(self, node: cst.AugAssign) -> None:
        right = self.eval(node.value)
        left = self.eval(node.target)
        self.use(node.value, right, Category.NEEDS_STR, "+=")
        self.use(node.target, left, Category.NEEDS_STR, "+=")
        if isinstance(node.target, cst.Name):
            self.env[node.target.value] = left | step_all(right, ITEM) | {OPAQUE}
            self.set_const(node.target.value, None)  # `MODEL += ":v1"`: not the constant any more

    def returned(self, value: cst.BaseExpression) -> None:
        values = self.eval(value)
        if self.scope and not self.scope.endswith(">"):
            self.rec.use(value, values, Category.RETURNED, "returned", self.scope, self.scope)
        else:
            self.use(value, values, Category.ESCAPES, "returned")

    def imported(self, node: cst.Import | cst.ImportFrom) -> None:
        """Bind imported names to what the import system would give: a project module's
        key (absolute or relative), or the qualified name of anything else."""
        if isinstance(node, cst.Import):
            for alias in node.names:
                dotted = dotted_name(alias.name)
                if alias.asname is not None:
                    self.bind_import(alias.asname.name, self.resolver.absolute(self.rec.module_name, dotted))
                else:
                    root = dotted.split(".", 1)[0]
                    self.bind_import(cst.Name(root), self.resolver.absolute(self.rec.module_name, root))
            return
        module = self.imported_module(node)
        if isinstance(node.names, cst.ImportStar):
            if module is not None and is_project_name(module) and not self.scope:
                self.rec.stars.append(module)
            elif module is not None:
                self.other_stars.append(module)
            return
        for alias in node.names:
            local = alias.asname.name if alias.asname is not None else alias.name
            if module is None:  # an ImportError when run: nothing to follow
                self.bind_name(local, NOTHING)
                continue
            values = self.qual_attribute(module, dotted_name(alias.name))
            name = next(iter(values))
            self.bind_import(local, name.name if isinstance(name, Qual) and len(values) == 1 else "", values)

    def imported_module(self, node: cst.ImportFrom) -> str | None:
        dotted = dotted_name(node.module) if node.module is not None else ""
        if node.relative:
            return self.resolver.relative(self.rec.module_name, len(node.relative), dotted)
        return self.resolver.absolute(self.rec.module_name, dotted)

    def bind_import(self, target: cst.BaseExpression, name: str, values: Values | None = None) -> None:
        """Bind an imported name; at module level, a project name is also an alias of this
        module's own name (`from .client import generate` in `pkg/__init__.py`)."""
        self.bind_name(target, values if values is not None else frozenset({Qual(name)}))
        own = f"{self.rec.module_name}.{target.value}" if isinstance(target, cst.Name) else name
        if not self.scope and is_project_name(name) and own != name:
            self.rec.aliases[own] = name

    def bind_name(self, target: cst.BaseExpression, values: Values) -> None:
        if isinstance(target, cst.Name):
            self.env[target.value] = values

    # -- binding ------------------------------------------------------------------------
    def bind(
        self, target: cst.BaseExpression, values: Values, source: cst.CSTNode | None, local: bool = False
    ) -> None:
        """Bind `target` to `values`; `local`: in a comprehension's own scope."""
        if isinstance(target, cst.Name):
            self.env[target.value] = values
            if not local:
                self.export(target, values, source)
            self.set_const(target.value, source)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                if isinstance(element, cst.StarredElement):
                    self.bind(element.value, values, None, local)
                else:
                    self.bind(element.value, step_all(values, ITEM), None, local)
        elif isinstance(target, cst.Attribute):
            self.store_attribute(target, values, source)
        elif isinstance(target, cst.Subscript):
            self.store_item(target, values, source)
        elif isinstance(target, cst.StarredElement):
            self.bind(target.value, values, None, local)

    def export(self, target: cst.Name, values: Values, source: cst.CSTNode | None) -> None:
        """A class attribute or a global/nonlocal name is read where the walk does not go."""
        if self.owner:
            why = "class attribute"
        elif target.value in self.declared:
            why = "global or nonlocal name"
        else:
            return
        if isinstance(source, cst.BaseExpression):
            self.use(source, values, Category.ESCAPES, why)
        else:  # unpacked: no expression of its own can take a fix
            self.use(target, values | {OPAQUE}, Category.ESCAPES, why)

    def store_item(self, target: cst.Subscript, values: Values, source: cst.CSTNode | None) -> None:
        """`d["k"] = out` keeps following `out` through the local container `d`."""
        base = target.value
        for element in target.slice:
            if isinstance(element.slice, cst.Index):
                index = element.slice.value
                self.use(index, self.eval(index), Category.NEEDS_STR, "used as a key")
            else:
                self.eval_children(element)
        if isinstance(base, cst.Name) and base.value in self.env and source is not None:
            wrapped = step_all(values, WRAP, self.rec.node_id(source))
            self.env[base.value] = self.env[base.value] | wrapped | {OPAQUE}
        else:
            self.eval(base)
            self.use(target, values, Category.ESCAPES, "stored in a container")

    # -- compound statements --------------------------------------------------------------

    def pair_iteration(self, node: cst.BaseExpression) -> Values | None:
        """`enumerate(out)` and `out.items()`: the second item of each pair is followed."""
        if (
            not isinstance(node, cst.Call)
            or not node.args
            and not isinstance(node.func, cst.Attribute)
        ):
            return None
        if isinstance(node.func, cst.Name) and node.func.value == "enumerate" and node.args:
            return self.iterate(node.args[0].value)
        if (
            isinstance(node.func, cst.Attribute)
            and node.func.attr.value == "items"
            and not node.args
        ):
            base = self.eval(node.func.value)
            return step_all(base, key_step(None)) if results_of(base) else None
        return None
