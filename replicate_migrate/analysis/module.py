"""Analyse one parsed module: its call sites of the run family and every use of their results."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from replicate_migrate.analysis.flow import FlowWalker
from replicate_migrate.analysis.methods import dotted_name, module_exports, module_instances
from replicate_migrate.analysis.recorder import Recorder
from replicate_migrate.analysis.values import CallSite, ModuleFacts
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
    ref: str | None
    ref_note: str
    scope: str
    top: cst.CSTNode | None
    statement: cst.CSTNode | None


class _CallWalker(FlowWalker):
    def __init__(self, rec: Recorder, resolver: Resolver | None) -> None:
        super().__init__(rec, resolver)
        self.pending: list[_FoundCall] = []
        self.dict_consts: dict[str, dict[str, str]] = {}
        self.on_call_site = self.record_call

    def record_call(self, node: cst.Call, method: str, via: str, ref_arg: cst.Arg | None) -> str:
        # Loop bodies are walked twice: a call seen again keeps its id.
        for index, seen in enumerate(self.pending):
            if seen.node is node:
                return f"{self.rec.module_name}#{index}"
        ref, note = self.resolve_ref(ref_arg)
        self.pending.append(
            _FoundCall(node, method, via, ref_arg, ref, note, self.scope, self.rec.top, self.rec.statement)
        )
        return f"{self.rec.module_name}#{len(self.pending) - 1}"

    def resolve_ref(self, arg: cst.Arg | None) -> tuple[str | None, str]:
        """A literal ref, or one held in a simple constant (module, default, dict)."""
        if arg is None:
            return None, "no model ref"
        node = arg.value
        if isinstance(node, cst.SimpleString) and isinstance(node.evaluated_value, str):
            return node.evaluated_value, "literal"
        if isinstance(node, cst.Name) and node.value in self.consts:
            return self.consts[node.value], f"constant {node.value}"
        if isinstance(node, cst.Subscript):
            return self.resolve_dict_ref(node)
        return None, f"model ref {dotted_name(node) or 'expression'} is not a constant"

    def resolve_dict_ref(self, node: cst.Subscript) -> tuple[str | None, str]:
        name = dotted_name(node.value)
        table = self.dict_consts.get(name)
        index = node.slice[0].slice if len(node.slice) == 1 else None
        if table is not None and isinstance(index, cst.Index):
            key = index.value
            if isinstance(key, cst.SimpleString) and key.evaluated_value in table:
                return table[str(key.evaluated_value)], f"constant {name}[{key.value}]"
        return None, f"model ref {name or 'expression'}[...] is not a constant"

    def small(self, node: cst.BaseSmallStatement) -> None:
        if isinstance(node, cst.Assign) and not (self.scope or self.owner) and len(node.targets) == 1:
            self.remember_table(node.targets[0].target, node.value)
        super().small(node)

    def remember_table(self, target: cst.BaseAssignTargetExpression, value: cst.BaseExpression) -> None:
        if not isinstance(target, cst.Name) or not isinstance(value, cst.Dict):
            return
        table: dict[str, str] = {}
        for element in value.elements:
            if isinstance(element, cst.DictElement):
                key, item = element.key, element.value
                if isinstance(key, cst.SimpleString) and isinstance(item, cst.SimpleString):
                    table[str(key.evaluated_value)] = str(item.evaluated_value)
        self.dict_consts[target.value] = table


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
        offset = 1 if job.via else 0
        sites.append(
            CallSite(
                id=f"{rec.module_name}#{index}",
                node=-1 if job.via == "executor" else rec.node_id(job.node),
                line=first,
                column=where.start.column + 1,
                method=job.method,
                ref=job.ref,
                ref_note=job.ref_note,
                scope=job.scope,
                has_use_file_output="use_file_output" in keywords
                or len(positional) > 2 + offset,
                suppressed=suppressed,
                via=job.via,
            )
        )
    return tuple(sites)
