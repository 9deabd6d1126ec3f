"""RM001: replicate 1.0's run() returns FileOutput objects for file outputs.

https://github.com/replicate/replicate-python/releases/tag/1.0.0 — the decisions come
from `analysis.decide`; this transform only applies them.
"""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst

from replicate_migrate.analysis.decide import STR, URL
from replicate_migrate.transforms.edits import add_keyword, as_str, with_url

RULE = "RM001"
NAME = "run-returns-file-output"


def edit_for(kind: str) -> Callable[[cst.CSTNode], cst.CSTNode]:
    """The node edit for a decision: `.url` on an expression, or the opt-out on a call."""
    return {URL: _add_url, STR: _as_str}.get(kind, _opt_out)


def _add_url(node: cst.CSTNode) -> cst.CSTNode:
    return with_url(node) if isinstance(node, cst.BaseExpression) else node


def _as_str(node: cst.CSTNode) -> cst.CSTNode:
    return as_str(node) if isinstance(node, cst.BaseExpression) else node


def _opt_out(node: cst.CSTNode) -> cst.CSTNode:
    if isinstance(node, cst.Call):
        return add_keyword(node, "use_file_output", cst.Name("False"))
    return node
