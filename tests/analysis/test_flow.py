"""Unit tests of the flow analysis: which uses it records, with which category and path."""

from __future__ import annotations

import libcst as cst

from replicate_migrate.analysis.module import analyze_module
from replicate_migrate.analysis.values import ITEM, Category


def uses(source: str) -> set[tuple[tuple[str, ...], Category, str]]:
    facts, _ = analyze_module(cst.parse_module(source), "m.py", "m", None)
    return {(u.result.path, u.category, u.detail) for u in facts.uses if u.result.source.kind == "call"}


def calls(source: str) -> list[str]:
    facts, _ = analyze_module(cst.parse_module(source), "m.py", "m", None)
    return [c.method + (f" via {c.via}" if c.via else "") for c in facts.calls]


def test_item_used_as_str_and_printed() -> None:
    found = uses("import replicate\nout = replicate.run('a/b')\nu = out[0]\nu.startswith('h')\nprint(u)\n")
    assert ((ITEM,), Category.NEEDS_STR, ".startswith") in found
    assert ((ITEM,), Category.WORKS, "passed to builtins.print()") in found


def test_elif_branch_is_walked() -> None:
    source = "import replicate\nout = replicate.run('a/b')\nif x:\n    pass\nelif y:\n    out.split()\n"
    assert ((), Category.NEEDS_STR, ".split") in uses(source)


def test_already_1_0_uses_are_file_output() -> None:
    found = uses("import replicate\nout = replicate.run('a/b')\nout.read()\nprint(out.url)\n")
    assert {c for _, c, _ in found} == {Category.FILE_OUTPUT}


def test_recognised_forms_by_binding_not_spelling() -> None:
    source = """
import asyncio, functools
import replicate as rp
from replicate import run as go
from replicate.client import Client
client = Client()
go('a/b')
rp.async_run('a/b')
client.run('a/b')
functools.partial(rp.run, 'a/b')
asyncio.to_thread(rp.run, 'a/b')
"""
    assert calls(source) == ["run", "async_run", "run", "run via partial", "run via to_thread"]


def test_not_replicate() -> None:
    source = """
import subprocess
def run(x): return x
class replicate:
    @staticmethod
    def run(x): return x
subprocess.run(['ls'])
run('a/b')
replicate.run('a/b')
"""
    assert calls(source) == []


def test_self_client_attribute() -> None:
    source = """
import replicate
class Gen:
    def __init__(self):
        self.client = replicate.Client(api_token='t')
    def make(self):
        return self.client.run('a/b')
"""
    assert calls(source) == ["run"]


def test_result_returned_is_linked_by_function_name() -> None:
    facts, _ = analyze_module(
        cst.parse_module("import replicate\ndef gen():\n    return replicate.run('a/b')\n"),
        "m.py", "m", None,
    )
    [use] = facts.uses
    assert use.category is Category.RETURNED and use.target == "m.gen"
