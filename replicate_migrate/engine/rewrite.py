"""Every rule's edits for one module, applied in a single CST pass, and what was done."""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst

from replicate_migrate.analysis.decide import Decision
from replicate_migrate.analysis.recorder import Recorder
from replicate_migrate.analysis.values import ModuleFacts
from replicate_migrate.results import Action, Finding
from replicate_migrate.transforms import file_output, keywords

Edit = Callable[[cst.CSTNode], cst.CSTNode]


class _Rewriter(cst.CSTTransformer):
    def __init__(self, edits: dict[int, list[Edit]]) -> None:
        super().__init__()
        self.edits = edits  # id() of an original node -> edits, applied in rule order

    def on_leave(  # type: ignore[override]
        self, original_node: cst.CSTNode, updated_node: cst.CSTNode
    ) -> cst.CSTNode:
        for edit in self.edits.get(id(original_node), ()):
            updated_node = edit(updated_node)
        return updated_node


def plan_edits(
    rec: Recorder,
    facts: ModuleFacts,
    decisions: list[Decision],
    rules: frozenset[str],
) -> tuple[dict[int, list[Edit]], list[Finding]]:
    """The edits (by the Recorder's node id) every rule makes here, and the findings."""
    edits: dict[int, list[Edit]] = {}
    findings = _keyword_edits(rec, facts, rules, edits)
    for decision in decisions:
        call = decision.call
        suppressed = file_output.RULE in call.suppressed
        findings.append(
            Finding(facts.path, call.line, call.column, file_output.RULE, decision.action,
                    decision.message, decision.kind, decision.kind_source, suppressed=suppressed)
        )
        for node_id, kind in decision.edits:
            edits.setdefault(node_id, []).append(file_output.edit_for(kind))
    findings.sort(key=lambda f: (f.line, f.column, f.rule))
    return edits, findings


def apply_edits(node: cst.CSTNode, rec: Recorder, edits: dict[int, list[Edit]]) -> cst.CSTNode:
    """`node` with the edits (keyed by node id) that fall inside it made, in one pass."""
    result = node.visit(_Rewriter({id(rec.nodes[n]): items for n, items in edits.items()}))
    assert isinstance(result, cst.CSTNode)
    return result


def _keyword_edits(
    rec: Recorder, facts: ModuleFacts, rules: frozenset[str], edits: dict[int, list[Edit]]
) -> list[Finding]:
    findings = []
    for call in facts.calls:
        if call.node < 0:
            continue
        node = rec.nodes[call.node]
        assert isinstance(node, cst.Call)
        offset = 1 if call.via else 0
        plan = keywords.keyword_plan(node, call.method, offset, rules - call.suppressed)
        wanted = keywords.describe(keywords.keyword_plan(node, call.method, offset, rules))
        done = keywords.describe(plan)
        findings += [
            _suppressed(facts.path, call.line, call.column, rule)
            for rule, message in wanted
            if rule in call.suppressed and (rule, message) not in done
        ]
        if not plan:
            continue
        edits.setdefault(call.node, []).append(keywords.edit_for(offset, plan))
        for rule, message in done:
            findings.append(Finding(facts.path, call.line, call.column, rule, Action.REWRITTEN, message))
    return findings


def _suppressed(path: str, line: int, column: int, rule: str) -> Finding:
    message = "suppressed by a comment (noqa or replicate-migrate: ignore)"
    return Finding(path, line, column, rule, Action.UNCHANGED, message, suppressed=True)
