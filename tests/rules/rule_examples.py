"""Tests generated from a rule's examples: each invalid snippet becomes its fix, each valid
one stays as it is, and every output parses again."""

from __future__ import annotations

import ast

import libcst as cst

from replicate_migrate.engine.pipeline import migrate_sources
from replicate_migrate.options import Options
from replicate_migrate.rules.base import Example, Rule


def rewrite(rule: Rule, code: str) -> str:
    """`code` after a run with only `rule` selected (findings with errors fail the test)."""
    outcome = migrate_sources([("example.py", code.encode())], Options(select=frozenset({rule.id}), jobs=1))
    for result in outcome.results:
        assert result.error is None, result.error
        if result.migrated is not None:
            return result.migrated.decode()
    return code


def check_example(rule: Rule, example: Example) -> None:
    got = rewrite(rule, example.code)
    assert got == (example.fixed if example.fixed is not None else example.code)
    cst.parse_module(got)
    ast.parse(got)
    if example.fixed is not None:  # a fix is itself valid: a second run leaves it alone
        assert rewrite(rule, example.fixed) == example.fixed


def assert_has_both_kinds(rule: Rule) -> None:
    """A rule documents at least one snippet it fixes and one it leaves alone."""
    assert any(e.fixed is not None for e in rule.examples)
    assert any(e.fixed is None for e in rule.examples)
