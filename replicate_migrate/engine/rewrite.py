"""Every rule's edits for one module, applied in a single CST pass, and what was done."""

from __future__ import annotations

from collections.abc import Mapping

import libcst as cst

from replicate_migrate.analysis.recorder import Recorder
from replicate_migrate.analysis.values import ModuleFacts
from replicate_migrate.results import Finding
from replicate_migrate.rules import RULES
from replicate_migrate.rules.base import Edit, ModuleContext


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
    concluded: Mapping[str, tuple[object, ...]],
    rules: frozenset[str],
    text: str = "",
) -> tuple[dict[int, list[Edit]], list[Finding]]:
    """The edits (by the Recorder's node id) every rule makes here, and the findings.

    Each rule in RULES is asked in turn; on a node two rules edit, the edits apply in
    RULES order. An edit of a node this module does not number raises: the conclusions
    were not this file's (facts of two files mistaken for one must not edit either).
    """
    ctx = ModuleContext(facts.path, rec, facts, concluded, rules, text)
    edits: dict[int, list[Edit]] = {}
    findings: list[Finding] = []
    for rule in RULES:
        output = rule.check(ctx)
        for node in output.replaces:
            edits.pop(node, None)
        withdrawn = set(output.withdraws)
        findings = [f for f in findings if (f.rule, f.line, f.column) not in withdrawn]
        findings += output.findings
        for node_edit in output.edits:
            if not 0 <= node_edit.node < len(rec.nodes):
                raise ValueError(f"{rule.id} edits node {node_edit.node}, which this file does not have")
            edits.setdefault(node_edit.node, []).append(node_edit.edit)
    findings.sort(key=lambda f: (f.line, f.column, f.rule))
    return edits, findings


def apply_edits(node: cst.CSTNode, rec: Recorder, edits: dict[int, list[Edit]]) -> cst.CSTNode:
    """`node` with the edits (keyed by node id) that fall inside it made, in one pass."""
    result = node.visit(_Rewriter({id(rec.nodes[n]): items for n, items in edits.items()}))
    assert isinstance(result, cst.CSTNode)
    return result
