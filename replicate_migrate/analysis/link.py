"""Follow a call's result across functions and files: returns to callers, arguments to parameters."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

from replicate_migrate.analysis.values import (
    WRAP,
    Category,
    Function,
    ModuleFacts,
    Result,
    Source,
    Use,
)

MAX_DEPTH = 8
_LINKED = (Category.RETURNED, Category.PASSED, Category.STORED)


@dataclass(frozen=True)
class Reach:
    """One use of a call's result, wherever it is, with the path from the call."""

    use: Use
    result: Result  # path and origin as seen from the call site
    module: str  # module of the use's node
    linked: bool  # reached through a return or a parameter
    # The first return or argument on the way, in the call's own function: `.url`
    # there hands the rest of the program exactly the 0.34 string.
    entry: Use | None = None


class Links:
    """Run-wide index of uses by source, built once from every module's facts."""

    def __init__(self, facts: Sequence[ModuleFacts]) -> None:
        self.uses: dict[Source, list[tuple[Use, str]]] = defaultdict(list)
        self.functions: dict[str, Function] = {}
        # Functions a result was passed to that no module in the run defines (so far).
        self.unresolved: set[str] = set()
        self.names = ProjectNames(facts)
        self.functions = self.names.functions
        classes = frozenset(c for module in facts for c in module.classes)
        instances = {name: cls for module in facts for name, cls in module.instances}
        statics = frozenset(f.qualname for module in facts for f in module.functions if f.static)
        for module in facts:
            for use in module.uses:
                if classes:  # methods named through an instance become the method itself
                    use = canonical_use(use, classes, instances, statics)
                self.uses[self.names.source(use.result.source)].append((use, module.module_name))

    def reach(self, source: Source) -> list[Reach]:
        self.expanded: set[tuple[Source, Result, Use | None, int]] = set()
        return list(self._reach(source, Result(source), None, 0, frozenset()))

    def _reach(
        self, source: Source, base: Result, entry: Use | None, depth: int, seen: frozenset[Source]
    ) -> Iterator[Reach]:
        # Call graphs with diamonds reach one function by many paths: expand it once.
        key = (source, base, entry, depth)
        if key in self.expanded:
            return
        self.expanded.add(key)
        linked = entry is not None
        for use, module in self.uses.get(source, ()):
            result = base.extend(use.result.path) if linked else use.result
            if linked and use.result.path and use.result.path[-1] != WRAP:
                result = Result(result.source, result.path, None)
            reach = Reach(use, result, module, linked, entry if linked else use)
            if use.category in _LINKED:
                yield from self._follow(reach, depth, seen | {source})
            else:
                yield reach

    def _follow(self, reach: Reach, depth: int, seen: frozenset[Source]) -> Iterator[Reach]:
        use = reach.use
        target = self._target(use)
        callee = self.names.resolve(use.target.rpartition(":")[0])
        if use.category is Category.PASSED and callee not in self.functions:
            self.unresolved.add(callee)
        if target is None or depth >= MAX_DEPTH or target in seen:
            yield Reach(_escaped(use, self._unknown(callee)), *_rest(reach))
            return
        if isinstance(target, Use):
            yield Reach(target, *_rest(reach))
            return
        if not self.uses.get(target):
            if target.kind in ("return", "attr"):
                why = "no use of it was found in the project: its consumers are outside the project, or use it in ways not followed"
                yield Reach(_escaped(use, why), *_rest(reach))
            return
        yield from self._reach(target, reach.result, reach.entry, depth + 1, seen)

    def _unknown(self, callee: str) -> str:
        owner = callee.rpartition(".")[0]
        if callee not in self.functions and self.names.stars.get(owner):
            return "it may come from a star import no file of the project defines it in"
        return "its callers are not all known"

    def _target(self, use: Use) -> Source | Use | None:
        if use.category is Category.STORED:
            return Source("attr", use.target)
        if use.category is Category.RETURNED:
            qualname = self.names.resolve(use.target)
            return Source("return", qualname) if qualname in self.functions else None
        qualname, _, param = use.target.rpartition(":")
        qualname = self.names.resolve(qualname)
        function = self.functions.get(qualname)
        if function is None:
            return None
        if param.startswith("#"):
            index = int(param[1:])
            if index >= len(function.params):
                return None
            param = function.params[index]
        if param in function.str_params:
            return Use(use.result, Category.NEEDS_STR, use.node, f"parameter {param}: str",
                       use.scope, use.pure)
        return Source("param", f"{qualname}:{param}")


class ProjectNames:
    """Project names as the run's facts resolve them: the function a name is bound to,
    through re-exports (`from .client import generate` in `__init__.py`) and star imports."""

    def __init__(self, facts: Sequence[ModuleFacts]) -> None:
        self.functions: dict[str, Function] = {}
        self.aliases: dict[str, str] = {}
        self.stars: dict[str, tuple[str, ...]] = {}
        for module in facts:
            self.aliases.update(module.aliases)
            if module.stars:
                self.stars[module.module_name] = module.stars
            for function in module.functions:
                self.functions[function.qualname] = function
        self.cache: dict[str, str] = {}

    def resolve(self, name: str) -> str:
        """The qualname of the function `name` is bound to; `name` itself when none is known."""
        found = self.cache.get(name)
        if found is None:
            found = self.cache[name] = self._resolve(name, MAX_DEPTH)
        return found

    def _resolve(self, name: str, budget: int) -> str:
        if name in self.functions or budget <= 0:
            return name
        target = self.aliases.get(name)
        if target is not None:
            return self._resolve(target, budget - 1)
        owner, _, attr = name.rpartition(".")
        if owner in self.aliases:  # `from .sub import client as x` re-exported, then `x.f`
            return self._resolve(f"{self.aliases[owner]}.{attr}", budget - 1)
        for star in reversed(self.stars.get(owner, ())):  # the last import of a name wins
            found = self._resolve(f"{star}.{attr}", budget - 1)
            if found in self.functions:
                return found
        return name

    def source(self, source: Source) -> Source:
        if source.kind == "return":
            return Source("return", self.resolve(source.name))
        if source.kind == "param":
            qualname, _, param = source.name.rpartition(":")
            return Source("param", f"{self.resolve(qualname)}:{param}")
        return source


def _escaped(use: Use, why: str) -> Use:
    return Use(use.result, Category.ESCAPES, use.node, f"{use.detail}; {why}", use.scope, use.pure)


def _rest(reach: Reach) -> tuple[Result, str, bool, Use | None]:
    return reach.result, reach.module, reach.linked, reach.entry


# -- methods called through an instance in another module (see analysis/classes.py) ----
def canonical_callee(
    name: str, classes: frozenset[str], instances: dict[str, str]
) -> tuple[str, int]:
    """A method as another module names it: (`svc.Generator.generate`, 1) for
    `svc.Generator().generate` or `svc.generator.generate` (an instance); 1 = `self` given."""
    owner, dot, attr = name.rpartition(".")
    if dot and owner.endswith("()") and owner[:-2] in classes:
        return f"{owner[:-2]}.{attr}", 1
    if dot and owner in instances:
        return f"{instances[owner]}.{attr}", 1
    return name, 0


def canonical_use(
    use: Use, classes: frozenset[str], instances: dict[str, str], statics: frozenset[str]
) -> Use:
    """`use` with the methods it names through an instance named as the method itself."""
    source = use.result.source
    if source.kind == "return":
        name, _ = canonical_callee(source.name, classes, instances)
        if name != source.name:
            use = replace(use, result=replace(use.result, source=Source("return", name)))
    if use.category is Category.PASSED:
        callee, _, param = use.target.rpartition(":")
        if callee in classes:  # `Class(...)` passes its arguments to `__init__`
            name, offset = f"{callee}.__init__", 1
        else:
            name, offset = canonical_callee(callee, classes, instances)
        offset = 0 if name in statics else offset
        if name != callee:
            param = f"#{int(param[1:]) + offset}" if param.startswith("#") else param
            use = replace(use, target=f"{name}:{param}")
    return use
