"""RM001: replicate 1.0's run() returns FileOutput objects where 0.34 returned URL strings.

https://github.com/replicate/replicate-python/releases/tag/1.0.0 — `decide` makes one
project-wide decision per run() call (the engine runs it over every module's facts, as
uses may be in other files); `check` turns a module's decisions into edits and findings.
"""

from __future__ import annotations

import libcst as cst

from replicate_migrate.results import Finding
from replicate_migrate.rules.base import (
    Edit,
    Example,
    Fact,
    ModuleContext,
    NodeEdit,
    Rule,
    RuleOutput,
)
from replicate_migrate.rules.edits import add_keyword, as_str, with_url
from replicate_migrate.rules.run_returns_file_output.decide import ID, Decision, EditKind, decide

__all__ = ["RULE", "Decision", "EditKind", "decide"]


def check(ctx: ModuleContext) -> RuleOutput:
    """A finding per decision, and its edits: `.url`, `str()` or the opt-out."""
    edits, findings = [], []
    for decision in ctx.decisions:
        call = decision.call
        findings.append(
            Finding(ctx.path, call.line, call.column, ID, decision.action, decision.message,
                    decision.kind, decision.kind_source, suppressed=ID in call.suppressed)
        )
        edits += [NodeEdit(node, edit_for(kind)) for node, kind in decision.edits]
    return RuleOutput(tuple(edits), tuple(findings))


def edit_for(kind: EditKind) -> Edit:
    """The node edit for a decision: `.url` on an expression, or the opt-out on a call."""
    return {EditKind.URL: _add_url, EditKind.STR: _as_str}.get(kind, _opt_out)


def _add_url(node: cst.CSTNode) -> cst.CSTNode:
    return with_url(node) if isinstance(node, cst.BaseExpression) else node


def _as_str(node: cst.CSTNode) -> cst.CSTNode:
    return as_str(node) if isinstance(node, cst.BaseExpression) else node


def _opt_out(node: cst.CSTNode) -> cst.CSTNode:
    if isinstance(node, cst.Call):
        return add_keyword(node, "use_file_output", cst.Name("False"))
    return node


_FLUX = '"black-forest-labs/flux-schnell"'
RULE = Rule(
    id=ID,
    name="run-returns-file-output",
    summary="replicate.run returns FileOutput objects instead of URL strings",
    explanation=(
        "In 1.0 replicate.run returns FileOutput objects where 0.34 returned URL strings. "
        "Uses that need a string get `.url`, or the call opts out with use_file_output=False; "
        "where neither is proven safe the call is reported for review."
    ),
    asks=frozenset({Fact.CALLS, Fact.FLOWS, Fact.MODELS}),
    check=check,
    examples=(
        Example(
            f"import replicate\nout = replicate.run({_FLUX}, input={{}})\nprint(out[0].startswith('https:'))\n",
            f"import replicate\nout = replicate.run({_FLUX}, input={{}})\nprint(out[0].url.startswith('https:'))\n",
        ),
        Example(
            f"import replicate\nimport json\nout = replicate.run({_FLUX}, input={{}})\nprint(json.dumps(out))\n",
            f"import replicate\nimport json\nout = replicate.run({_FLUX}, input={{}}, use_file_output=False)\n"
            "print(json.dumps(out))\n",
        ),
        Example(f"import replicate\nout = replicate.run({_FLUX}, input={{}})\ndata = out[0].read()\n"),
        Example('import replicate\ntext = replicate.run("meta/meta-llama-3-8b", input={})\nprint("".join(text))\n'),
    ),
)
