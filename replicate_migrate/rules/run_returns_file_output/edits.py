"""RM001's edits: a module's decisions made into `.url`, `str()` and opt-out node edits."""

from __future__ import annotations

import libcst as cst

from replicate_migrate.results import Finding
from replicate_migrate.rules.base import Edit, ModuleContext, NodeEdit, RuleOutput
from replicate_migrate.rules.edits import add_keyword, as_str, str_items, with_url
from replicate_migrate.rules.run_returns_file_output import ID
from replicate_migrate.rules.run_returns_file_output.decide import EditKind, decisions_in


def apply_decisions(ctx: ModuleContext) -> RuleOutput:
    """A finding per decision, and its edits: `.url`, `str()` or the opt-out."""
    edits, findings = [], []
    if ID not in ctx.enabled:  # the decisions are made for the rules that read them too
        return RuleOutput()
    for decision in decisions_in(ctx):
        call = decision.call
        findings.append(
            Finding(ctx.path, call.line, call.column, ID, decision.action, decision.message,
                    decision.kind, decision.kind_source, suppressed=ID in call.suppressed)
        )
        edits += [NodeEdit(node, edit_for(kind)) for node, kind in decision.edits]
    return RuleOutput(tuple(edits), tuple(findings))


def edit_for(kind: EditKind) -> Edit:
    """The node edit for a decision: `.url` on an expression, or the opt-out on a call."""
    return {EditKind.URL: _add_url, EditKind.STR: _as_str, EditKind.STR_ITEMS: _str_items}.get(kind, _opt_out)


def _add_url(node: cst.CSTNode) -> cst.CSTNode:
    return with_url(node) if isinstance(node, cst.BaseExpression) else node


def _as_str(node: cst.CSTNode) -> cst.CSTNode:
    return as_str(node) if isinstance(node, cst.BaseExpression) else node


def _str_items(node: cst.CSTNode) -> cst.CSTNode:
    return str_items(node) if isinstance(node, cst.BaseExpression) else node


def _opt_out(node: cst.CSTNode) -> cst.CSTNode:
    if isinstance(node, cst.Call):
        return add_keyword(node, "use_file_output", cst.Name("False"))
    return node
