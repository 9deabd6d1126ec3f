"""Analyse one parsed module: its call sites of the run family and every use of their results."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from replicate_migrate.analysis.class_refs import ClassAttributes, mutated_names
from replicate_migrate.analysis.flow import FlowWalker
from replicate_migrate.analysis.methods import dotted_name, module_exports, module_instances
from replicate_migrate.analysis.recorder import Recorder
from replicate_migrate.analysis.refs import Ref
from replicate_migrate.analysis.values import (
    CallSite,
    Class,
    Instance,
    ModuleFacts,
    Qual,
    ref_index,
)
from replicate_migrate.project.resolver import Resolver

# A comment ending a call's first or last line, read as ruff reads noqa comments: bare, it
# silences every rule; with codes (`noqa: <rule id>, E501`) those listed; and likewise the
# tool's own `replicate-migrate: ignore` and `replicate-migrate: ignore[<rule id>]`.
_SUPPRESSION = re.compile(
    r"#\s*(?:replicate-migrate:\s*ignore(?:\[(?P<ids>[^\]]*)\])?"
    r"|noqa(?::\s*(?P<codes>[a-z]+[0-9]+(?:[\s,]+[a-z]+[0-9]+)*))?)\s*$",
    re.IGNORECASE,
)
_MAY_SUPPRESS = re.compile(r"noqa|replicate-migrate:", re.IGNORECASE)


def suppressed_rules(line: str) -> frozenset[str]:
    """The rule ids a suppression comment ending `line` names; every rule for a bare one."""
    match = _SUPPRESSION.search(line)
    if match is None:
        return frozenset()
    listed = match["ids"] if match["ids"] is not None else match["codes"]
    if listed is None:
        return _every_rule()
    return frozenset(code.upper() for code in re.split(r"[\s,]+", listed) if code)


def _every_rule() -> frozenset[str]:
    # Imported here: the rules read these facts, so analysis/ cannot import them first.
    from replicate_migrate.rules import RULES

    return frozenset(rule.id for rule in RULES)


# Where a call is in the file, given the module-level and the innermost statement it is in.
Locate = Callable[[cst.CSTNode, "cst.CSTNode | None", "cst.CSTNode | None"], CodeRange]


@dataclass(frozen=True)
class _FoundCall:
    """A replicate call the walk met, before its position in the file is known."""

    node: cst.Call
    method: str
    via: str
    ref_arg: cst.Arg | None
    ref: Ref | None | str  # the refs it may be, or why it is not a constant
    scope: str
    top: cst.CSTNode | None
    statement: cst.CSTNode | None


class _CallWalker(FlowWalker):
    def __init__(self, rec: Recorder, resolver: Resolver | None) -> None:
        super().__init__(rec, resolver)
        self.pending: list[_FoundCall] = []
        self.class_nodes: dict[str, ClassAttributes] = {}
        self.mutated: frozenset[str] | None = None
        self.on_call_site = self.record_call

    def record_call(self, node: cst.Call, method: str, via: str, ref_arg: cst.Arg | None) -> str:
        # Loop bodies are walked twice: a call seen again keeps its id.
        for index, seen in enumerate(self.pending):
            if seen.node is node:
                return f"{self.rec.module_name}#{index}"
        ref = self.resolve_ref(ref_arg)
        self.pending.append(
            _FoundCall(node, method, via, ref_arg, ref, self.scope, self.rec.top, self.rec.statement)
        )
        return f"{self.rec.module_name}#{len(self.pending) - 1}"

    def resolve_ref(self, arg: cst.Arg | None) -> Ref | None | str:
        """The constant refs the call's first argument may hold, or why it holds none."""
        if arg is None:
            return "no model ref"
        found = self.ref_of(arg.value)
        if found is None or found.is_table or not found.values:
            return f"model ref {dotted_name(arg.value) or 'expression'} is not a constant"
        return found

    def lookup_qual(self, name: str) -> str:
        found = self.lookup(name)
        quals = [value.name for value in found if isinstance(value, Qual)]
        return quals[0] if len(found) == 1 and quals else ""

    def class_of(self, name: str) -> ClassAttributes | None:
        found = self.lookup(name)
        owners = [v.qualname for v in found if isinstance(v, (Instance, Class))]
        return self.class_nodes.get(owners[0]) if len(found) == 1 and owners else None

    def is_overridden(self, cls: ClassAttributes, attr: str) -> bool:
        # Subclasses in other modules are not seen; a base is matched by its last name.
        name = cls.cls.name.value
        return any(
            other.sets(attr)
            for other in self.class_nodes.values()
            if any(dotted_name(base.value).rpartition(".")[2] == name for base in other.cls.bases)
        )

    def walk_module(self, module: cst.Module) -> None:
        self.module, self.mutated = module, None
        super().walk_module(module)

    def is_mutated(self, name: str) -> bool:
        if self.mutated is None:  # only modules with a literal dict of refs pay for the scan
            self.mutated = mutated_names(self.module)
        return name in self.mutated

    def classdef(self, node: cst.ClassDef) -> None:
        self.class_nodes[f"{self.owner or self.scope or self.rec.module_name}.{node.name.value}"] = ClassAttributes(node)
        super().classdef(node)


def analyze_module(
    module: cst.Module,
    path: str,
    module_name: str,
    resolver: Resolver | None,
    text: str | None = None,
    locate: Locate | None = None,
    known: Mapping[str, str] | None = None,
) -> tuple[ModuleFacts, Recorder]:
    """Walk `module` once; the Recorder keeps the CST nodes the facts refer to by id.

    `locate` places call sites in the file when `module` holds only some of its
    statements; without it, positions come from `module` itself. `known`: clients and
    client factories of other modules, by qualified name (their ModuleFacts.exports).
    """
    rec = Recorder(module_name)
    walker = _CallWalker(rec, resolver)
    walker.known = dict(known or {})
    walker.walk_module(module)
    rec.body = tuple(module.body)
    if locate is None and walker.pending:
        positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
        locate = lambda node, top, statement: positions[node]
    calls = _call_sites(module, walker, rec, text, locate)
    facts = ModuleFacts(
        path=path,
        module_name=module_name,
        calls=calls,
        uses=tuple(rec.uses.values()),
        functions=tuple(rec.functions.values()),
        classes=tuple(rec.classes),
        instances=module_instances(walker.module_env, walker.factories, module_name),
        exports=module_exports(walker.module_env, walker.factories, module_name),
        aliases=tuple(sorted(rec.aliases.items())),
        stars=tuple(rec.stars),
    )
    return facts, rec


def _call_sites(
    module: cst.Module, walker: _CallWalker, rec: Recorder, text: str | None, locate: Locate | None
) -> tuple[CallSite, ...]:
    if not walker.pending or locate is None:
        return ()
    if text is None:
        text = module.code
    lines = text.splitlines() if _MAY_SUPPRESS.search(text) else []
    sites = []
    for index, job in enumerate(walker.pending):
        where = locate(job.node, job.top, job.statement)
        rec.top, rec.statement = job.top, job.statement  # for the node id taken below
        first, last = where.start.line, where.end.line
        suppressed = frozenset().union(
            *(suppressed_rules(lines[n - 1]) for n in {first, last} if 0 < n <= len(lines))
        )
        keywords = {a.keyword.value for a in job.node.args if a.keyword is not None}
        positional = [a for a in job.node.args if a.keyword is None and not a.star]
        offset = ref_index(job.via)
        sites.append(
            CallSite(
                id=f"{rec.module_name}#{index}",
                node=-1 if job.via == "executor" else rec.node_id(job.node),
                line=first,
                column=where.start.column + 1,
                method=job.method,
                ref=job.ref.single if isinstance(job.ref, Ref) else None,
                ref_note=job.ref.note if isinstance(job.ref, Ref) else job.ref or "no model ref",
                scope=job.scope,
                has_use_file_output="use_file_output" in keywords
                or len(positional) > 2 + offset,
                suppressed=suppressed,
                via=job.via,
                refs=job.ref.values if isinstance(job.ref, Ref) else (),
                ref_assumed=isinstance(job.ref, Ref) and job.ref.assumed,
            )
        )
    return tuple(sites)

