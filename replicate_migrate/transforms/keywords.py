"""RM002 and RM003: arguments that became keyword-only in replicate 1.0.

RM002: `use_file_output` is keyword-only in `run`/`async_run`/`stream`/`async_stream`.
RM003: `input` is keyword-only in `Client.stream` (not in `async_stream`).
See ../shared facts, section 3, and the 1.0.0 release notes of replicate-python.
"""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst

from replicate_migrate.transforms.edits import positional_to_keywords

USE_FILE_OUTPUT_RULE = "RM002"
USE_FILE_OUTPUT_NAME = "use-file-output-keyword"
STREAM_INPUT_RULE = "RM003"
STREAM_INPUT_NAME = "stream-input-keyword"


def keyword_plan(call: cst.Call, method: str, offset: int, rules: frozenset[str]) -> tuple[str, ...]:
    """Which positional arguments after the ref must become keywords, in order.

    Returns the keyword names for positions offset+1, offset+2 (empty: nothing to do).
    """
    positional = [a for a in call.args if a.keyword is None and not a.star]
    count = len(positional) - offset
    if method == "stream" and count >= 2 and STREAM_INPUT_RULE in rules:
        return ("input", "use_file_output")[: count - 1]
    if count >= 3 and USE_FILE_OUTPUT_RULE in rules:
        return ("", "use_file_output")
    return ()


def edit_for(offset: int, plan: tuple[str, ...]) -> Callable[[cst.CSTNode], cst.CSTNode]:
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
    out = []
    for name in plan:
        if name == "input":
            out.append((STREAM_INPUT_RULE, "input is keyword-only in stream() in 1.0: passed as input="))
        elif name == "use_file_output":
            out.append((USE_FILE_OUTPUT_RULE, "use_file_output is keyword-only in 1.0: passed by keyword"))
    return out
