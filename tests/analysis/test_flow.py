"""Unit tests of the flow analysis: which uses it records, with which category and path."""

from __future__ import annotations

import libcst as cst
import pytest

from replicate_migrate.analysis.module import analyze_module
from replicate_migrate.analysis.values import ITEM, Category
from replicate_migrate.engine.pipeline import migrate_sources
from replicate_migrate.options import Options

# Past 16 KB, where large files once took another route through the engine.
LARGE = 16_384


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


# One snippet per statement or expression context a call can sit in. Each must be found:
# a context the walker skips is a call whose result goes unmigrated.
CONTEXTS = {
    "match subject": "match replicate.run('a/b'):\n    case _:\n        pass\n",
    "match case body": "match mode:\n    case 'image':\n        replicate.run('a/b')\n",
    "match guard": "match mode:\n    case 'image' if replicate.run('a/b'):\n        pass\n",
    "match patterns": "match v:\n    case [a, *rest]:\n        replicate.run('a/b')\n"
    "    case {'k': w, **more}:\n        replicate.run('a/b')\n    case P(x=1) | None as q:\n"
    "        replicate.run('a/b')\n",
    "default argument": "def f(x=replicate.run('a/b')):\n    pass\n",
    "keyword-only default": "def f(*, x=replicate.run('a/b')):\n    pass\n",
    "async def default": "async def f(x=replicate.run('a/b')):\n    pass\n",
    "nested def default": "def g():\n    def h(x=replicate.run('a/b')):\n        pass\n",
    "method default": "class A:\n    def m(self, x=replicate.run('a/b')):\n        pass\n",
    "parameter annotation": "def f(x: replicate.run('a/b')):\n    pass\n",
    "return annotation": "def f() -> replicate.run('a/b'):\n    pass\n",
    "class body": "class A:\n    out = replicate.run('a/b')\n",
    "class body branch": "class A:\n    if flag:\n        out = replicate.run('a/b')\n",
    "class in a function": "def g():\n    class A:\n        out = replicate.run('a/b')\n",
    "class bases": "class A(replicate.run('a/b'), metaclass=replicate.run('a/b')):\n    pass\n",
    "function decorator": "@cache(replicate.run('a/b'))\ndef f():\n    pass\n",
    "class decorator": "@cache(replicate.run('a/b'))\nclass A:\n    pass\n",
    "method decorator": "class A:\n    @cache(replicate.run('a/b'))\n    def m(self):\n        pass\n",
    "lambda body": "f = lambda: replicate.run('a/b')\n",
    "lambda default": "f = lambda x=replicate.run('a/b'), *, y=replicate.run('a/b'): x\n",
    "lambda in a class body": "class A:\n    f = lambda self: replicate.run('a/b')\n",
    "list comprehension": "xs = [replicate.run('a/b') for i in range(2) if replicate.run('a/b')]\n",
    "set comprehension": "xs = {replicate.run('a/b') for i in replicate.run('a/b')}\n",
    "dict comprehension": "xs = {replicate.run('a/b'): replicate.run('a/b') for i in y}\n",
    "generator expression": "xs = list(replicate.run('a/b') for i in y)\n",
    "nested comprehensions": "xs = [[replicate.run('a/b') for j in replicate.run('a/b')] for k in y]\n",
    "comprehension in a class body": "class A:\n    xs = [replicate.run('a/b') for i in y]\n",
    "f-string": "print(f\"{replicate.run('a/b')!r} {x:{replicate.run('a/b')}}\")\n",
    "with item": "with open(replicate.run('a/b')) as f, g(replicate.run('a/b')):\n    pass\n",
    "async with and async for": "async def g():\n    async with replicate.run('a/b') as f:\n"
    "        async for i in replicate.run('a/b'):\n            pass\n",
    "try clauses": "try:\n    replicate.run('a/b')\nexcept replicate.run('a/b') as e:\n    replicate.run('a/b')\n"
    "else:\n    replicate.run('a/b')\nfinally:\n    replicate.run('a/b')\n",
    "try star": "try:\n    pass\nexcept* ValueError:\n    replicate.run('a/b')\n",
    "while else": "while replicate.run('a/b'):\n    replicate.run('a/b')\nelse:\n    replicate.run('a/b')\n",
    "for else": "for i in replicate.run('a/b'):\n    replicate.run('a/b')\nelse:\n    replicate.run('a/b')\n",
    "walrus": "if (o := replicate.run('a/b')):\n    pass\n",
    "global": "def g():\n    global o\n    o = replicate.run('a/b')\n",
    "nonlocal": "def g():\n    o = 1\n    def h():\n        nonlocal o\n        o = replicate.run('a/b')\n",
    "conditional expression": "o = replicate.run('a/b') if x else replicate.run('a/b')\n",
    "assert": "assert replicate.run('a/b'), replicate.run('a/b')\n",
    "del": "del d[replicate.run('a/b')]\n",
    "raise": "raise E(replicate.run('a/b')) from replicate.run('a/b')\n",
    "return": "def g():\n    return replicate.run('a/b')\n",
    "yield and yield from": "def g():\n    yield replicate.run('a/b')\n    yield from replicate.run('a/b')\n",
    "await": "async def g():\n    await replicate.async_run('a/b')\n",
    "starred": "print(*replicate.run('a/b'), **replicate.run('a/b'))\nx = [*replicate.run('a/b')]\n",
    "annotated assignment": "x: list[str] = replicate.run('a/b')\ny: replicate.run('a/b')\n",
    "augmented assignment": "x += replicate.run('a/b')\n",
    "slices": "x[replicate.run('a/b'):replicate.run('a/b')]\n",
    "one-line suites": "if x: replicate.run('a/b')\nwhile x: replicate.run('a/b')\n",
}


def _count_calls(source: str) -> int:
    facts, _ = analyze_module(cst.parse_module(source), "m.py", "m", frozenset())
    return len(facts.calls)


@pytest.mark.parametrize("context", sorted(CONTEXTS))
def test_a_call_is_found_in_every_context(context: str) -> None:
    body = CONTEXTS[context]
    assert _count_calls("import replicate\n" + body) == body.count(".run(") + body.count(".async_run(")


def test_every_call_of_a_module_of_all_contexts_is_found() -> None:
    source = "import replicate\n" + "".join(CONTEXTS[c] for c in sorted(CONTEXTS))
    assert _count_calls(source) == source.count("replicate.run(") + source.count("replicate.async_run(")


def test_every_call_of_a_large_module_of_all_contexts_is_reported() -> None:
    # Over 16 KB: split into statement groups by the tokenizer, only some of them parsed.
    filler = "".join(f"def _filler_{i}(values):\n    return sum(values) + {i}\n\n\n" for i in range(400))
    body = "".join(f"{CONTEXTS[name]}\n\n" for name in sorted(CONTEXTS))
    source = "import replicate\n\n" + filler + body + filler
    assert len(source) > LARGE
    [result] = migrate_sources([("contexts.py", source.encode())], Options(jobs=1)).results
    assert result.error is None
    calls = source.count("replicate.run(") + source.count("replicate.async_run(")
    assert len([f for f in result.findings if f.rule == "RM001"]) == calls


def _use_details(source: str) -> dict[str, Category]:
    facts, _ = analyze_module(cst.parse_module(source), "m.py", "m", frozenset())
    return {u.detail: u.category for u in facts.uses if u.result.source.kind == "call"}


def test_a_class_attribute_escapes() -> None:
    source = "import replicate\nclass A:\n    out = replicate.run('a/b')\n    first = out[0]\n"
    found = _use_details(source)
    assert set(found.values()) == {Category.ESCAPES}
    assert "class attribute" in found


def test_class_attributes_do_not_leak_into_the_module_or_methods() -> None:
    source = (
        "import replicate\nclass A:\n    out = replicate.run('a/b')\n"
        "    def m(self):\n        return out.startswith('h')\nout = 'text'\nout.split()\n"
    )
    assert _use_details(source) == {"class attribute": Category.ESCAPES}


def test_an_assignment_to_a_global_or_nonlocal_escapes() -> None:
    for declare in ("global", "nonlocal"):
        source = (
            f"import replicate\nlatest = None\ndef outer():\n    latest = None\n"
            f"    def g():\n        {declare} latest\n        latest = replicate.run('a/b')\n"
        )
        assert Category.ESCAPES in _use_details(source).values(), declare


def test_a_match_subject_escapes_and_its_captures_are_not_followed() -> None:
    source = (
        "import replicate\nout = replicate.run('a/b')\nmatch out:\n"
        "    case [first, *_]:\n        first.startswith('h')\n"
    )
    found = _use_details(source)
    assert found.get("matched by a pattern") is Category.ESCAPES
    assert ".startswith" not in found


def test_a_match_case_body_sees_earlier_bindings() -> None:
    source = (
        "import replicate\nout = replicate.run('a/b')\nmatch mode:\n"
        "    case 'x' if out[0].endswith('.png'):\n        pass\n    case _:\n        out[0].split('/')\n"
    )
    assert {".endswith", ".split"} <= set(_use_details(source))


def test_a_default_argument_flows_into_its_parameter() -> None:
    source = "import replicate\ndef f(x=replicate.run('a/b')):\n    return x.startswith('h')\n"
    facts, _ = analyze_module(cst.parse_module(source), "m.py", "m", frozenset())
    [use] = [u for u in facts.uses if u.result.source.kind == "call"]
    assert use.category is Category.PASSED and use.target == "m.f:x"
    [param_use] = [u for u in facts.uses if u.result.source.kind == "param"]
    assert param_use.detail == ".startswith"


def test_a_lambda_default_escapes_and_lambda_parameters_shadow() -> None:
    source = (
        "import replicate\nout = replicate.run('a/b')\n"
        "f = lambda out, *rest, key=replicate.run('a/b'), **kw: out.startswith('h')\n"
    )
    found = _use_details(source)
    assert ".startswith" not in found
    assert Category.ESCAPES in found.values()


def test_a_walrus_in_a_comprehension_binds_in_the_enclosing_scope() -> None:
    source = (
        "import replicate\nout = replicate.run('a/b')\n"
        "any((last := item) for item in out)\nlast.startswith('h')\n"
    )
    assert ".startswith" in _use_details(source)


def test_a_use_holding_two_results_or_an_untracked_value_is_not_pure() -> None:
    source = (
        "import replicate\na = replicate.run('a/b') if x else replicate.run('c/d')\na.split()\n"
        "b = replicate.run('a/b') if x else 'text'\nb.split()\nc = replicate.run('a/b')\nc.split()\n"
    )
    facts, _ = analyze_module(cst.parse_module(source), "m.py", "m", frozenset())
    purity = sorted((u.result.source.name, u.pure) for u in facts.uses if u.detail == ".split")
    assert purity == [("m#0", False), ("m#1", False), ("m#2", False), ("m#3", True)]


def test_a_client_kept_as_a_class_attribute() -> None:
    source = """
import replicate
class Gen:
    client = replicate.Client(api_token='t')
    def make(self):
        return self.client.run('a/b')
    @classmethod
    def other(cls):
        return cls.client.run('a/b')
class Module:
    api = replicate
    def make(self):
        return self.api.run('a/b')
"""
    assert calls(source) == ["run", "run", "run"]


def test_a_nested_class_is_named_inside_its_class() -> None:
    source = """
import replicate
class Outer:
    class Inner:
        def make(self):
            return replicate.run('a/b')
class Inner:
    def make(self):
        return 'text'
"""
    facts, _ = analyze_module(cst.parse_module(source), "m.py", "m", frozenset())
    assert {f.qualname for f in facts.functions} == {"m.Outer.Inner.make", "m.Inner.make"}
    assert [u.target for u in facts.uses] == ["m.Outer.Inner.make"]
