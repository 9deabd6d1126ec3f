"""The positional-to-keyword plan RM002 and RM003 share: in 1.0 `use_file_output` (run,
async_run, stream, async_stream) and `input` (stream, not async_stream) are keyword-only.

One plan covers both because a positional argument cannot follow a keyword one: once
`input` becomes a keyword, a positional `use_file_output` after it must become one too.
"""

from __future__ import annotations

import libcst as cst

from replicate_migrate.analysis.values import CallSite
from replicate_migrate.results import Action, Finding
from replicate_migrate.rules.base import (
    Edit,
    ModuleContext,
    NodeEdit,
    RuleOutput,
    suppressed_finding,
)
from replicate_migrate.rules.edits import positional_to_keywords
from replicate_migrate.rules.stream_input_keyword import ID as STREAM_INPUT
from replicate_migrate.rules.use_file_output_keyword import ID as USE_FILE_OUTPUT

_MESSAGES = {
    "input": (STREAM_INPUT, "input is keyword-only in stream() in 1.0: passed as input="),
    "use_file_output": (USE_FILE_OUTPUT, "use_file_output is keyword-only in 1.0: passed by keyword"),
}


def keyword_plan(call: cst.Call, method: str, offset: int, rules: frozenset[str]) -> tuple[str, ...]:
    """Which positional arguments after the ref must become keywords, in order.

    Returns the keyword names for positions offset+1, offset+2 (empty: nothing to do;
    a leading "" keeps position offset+1 positional).
    """
    positional = [a for a in call.args if a.keyword is None and not a.star]
    count = len(positional) - offset
    if method == "stream" and count >= 2 and STREAM_INPUT in rules:
        return ("input", "use_file_output")[: count - 1]
    if count >= 3 and USE_FILE_OUTPUT in rules:
        return ("", "use_file_output")
    return ()


def edit_for(offset: int, plan: tuple[str, ...]) -> Edit:
    """The node edit turning the planned positional arguments into keywords."""

    def edit(node: cst.CSTNode) -> cst.CSTNode:
        if not isinstance(node, cst.Call):
            return node
        if plan[0] == "":
            return positional_to_keywords(node, _positional_index(node, offset + 2), plan[1:])
        return positional_to_keywords(node, _positional_index(node, offset + 1), plan)

    return edit


def _positional_index(call: cst.Call, nth: int) -> int:
    """Index in `call.args` of the nth positional argument (0-based)."""
    seen = -1
    for index, arg in enumerate(call.args):
        if arg.keyword is None and not arg.star:
            seen += 1
            if seen == nth:
                return index
    return len(call.args)


def describe(plan: tuple[str, ...]) -> list[tuple[str, str]]:
    """(rule, message) for each argument the plan turns into a keyword."""
    return [_MESSAGES[name] for name in plan if name in _MESSAGES]


def plan_call(
    ctx: ModuleContext, call: CallSite, owns: str
) -> tuple[Edit | None, list[Finding]]:
    """The edit and findings for `call` that belong to rule `owns`.

    The rule whose branch of the plan applies owns the edit and every finding it makes
    (RM003 reports the `use_file_output` it has to move as RM002); a rule a comment
    suppresses reports that instead, when the plan without it no longer covers it.
    """
    node = ctx.call_node(call)
    if node is None:
        return None, []
    offset = call.ref_index
    plan = keyword_plan(node, call.method, offset, ctx.enabled - call.suppressed)
    done = describe(plan)
    wanted = {rule for rule, _ in describe(keyword_plan(node, call.method, offset, ctx.enabled))}
    findings = []
    if owns in call.suppressed and owns in wanted and owns not in {rule for rule, _ in done}:
        findings.append(suppressed_finding(ctx.path, call, owns))
    if not plan or _owner(plan) != owns:
        return None, findings
    findings += [Finding(ctx.path, call.line, call.column, r, Action.REWRITTEN, m) for r, m in done]
    return edit_for(offset, plan), findings


def _owner(plan: tuple[str, ...]) -> str:
    return STREAM_INPUT if plan[0] == "input" else USE_FILE_OUTPUT


def check_calls(ctx: ModuleContext, owns: str) -> RuleOutput:
    """`plan_call` over every call site of the module."""
    edits, findings = [], []
    for call in ctx.facts.calls:
        edit, found = plan_call(ctx, call, owns)
        findings += found
        if edit is not None:
            edits.append(NodeEdit(call.node, edit))
    return RuleOutput(tuple(edits), tuple(findings))
