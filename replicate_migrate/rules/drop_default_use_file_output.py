"""RM099: `use_file_output=True` is the 1.0 default; the keyword is dropped.

https://github.com/replicate/replicate-python/releases/tag/1.0.0
"""

from __future__ import annotations

import libcst as cst

from replicate_migrate.results import Action, Finding
from replicate_migrate.rules.base import Example, Fact, ModuleContext, NodeEdit, Rule, RuleOutput

ID = "RM099"


def _is_default(arg: cst.Arg) -> bool:
    return arg.keyword is not None and arg.keyword.value == "use_file_output" and (
        isinstance(arg.value, cst.Name) and arg.value.value == "True"
    )


def _drop(node: cst.CSTNode) -> cst.CSTNode:
    if not isinstance(node, cst.Call):
        return node
    args = [a for a in node.args if not _is_default(a)]
    if args:
        args[-1] = args[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return node.with_changes(args=args)


def check(ctx: ModuleContext) -> RuleOutput:
    """Drop `use_file_output=True` from run/async_run calls."""
    if ID not in ctx.enabled:
        return RuleOutput()
    edits, findings = [], []
    for call in ctx.facts.calls:
        node = ctx.call_node(call)
        if node is None or ID in call.suppressed or not any(_is_default(a) for a in node.args):
            continue
        edits.append(NodeEdit(call.node, _drop))
        findings.append(Finding(ctx.path, call.line, call.column, ID, Action.REWRITTEN,
                                "use_file_output=True is the 1.0 default: dropped"))
    return RuleOutput(tuple(edits), tuple(findings))


RULE = Rule(
    id=ID,
    name="drop-default-use-file-output",
    summary="use_file_output=True is the default in 1.0",
    explanation="In 1.0 use_file_output defaults to True; the keyword is dropped.",
    asks=frozenset({Fact.CALLS}),
    check=check,
    examples=(
        Example('import replicate\nreplicate.run("a/b", input={}, use_file_output=True)\n',
                'import replicate\nreplicate.run("a/b", input={})\n'),
        Example('import replicate\nreplicate.run("a/b", input={})\n'),
    ),
)
