"""Dual-type guards: what each branch of a str/FileOutput test records, and the shape a
value has in the branch a single FileOutput never reaches under 1.0."""

from __future__ import annotations

import libcst as cst
import pytest

from replicate_migrate.analysis.models import ModelFacts, OutputKind
from replicate_migrate.analysis.module import analyze_module
from replicate_migrate.analysis.shape import Shape, shape_of
from replicate_migrate.analysis.values import ITEM, OTHER, Category, Path

HEAD = "import replicate\nout = replicate.run('a/b')\n"


def _uses(body: str) -> set[tuple[tuple[object, ...], Category, str]]:
    facts, _ = analyze_module(cst.parse_module(HEAD + body), "m.py", "m", None)
    return {(u.result.path, u.category, u.detail) for u in facts.uses if u.result.source.kind == "call"}


def _categories(body: str) -> set[Category]:
    return {category for _, category, _ in _uses(body)}


@pytest.mark.parametrize(
    "body",
    [
        "url = out if isinstance(out, str) else out.url\nprint(url.split('/'))\n",
        "url = out.url if not isinstance(out, str) else out\nprint(url.split('/'))\n",
        "if isinstance(out, str):\n    url = out\nelse:\n    url = str(out)\nprint(url.upper())\n",
        "url = getattr(out, 'url', out)\nprint(url.split('/'))\n",
    ],
)
def test_dual_type_code_records_no_str_use(body: str) -> None:
    assert Category.NEEDS_STR not in _categories(body)
    assert Category.FILE_OUTPUT not in _categories(body)
    assert Category.EITHER in _categories(body)


def test_isinstance_str_without_a_file_output_branch_is_still_a_str_use() -> None:
    body = "if isinstance(out, str):\n    print(out)\nelse:\n    print('none')\n"
    assert (((), Category.NEEDS_STR, "isinstance check")) in _uses(body)


def test_other_branch_of_hasattr_url_follows_the_value_one_other_step() -> None:
    body = "first = out.url if hasattr(out, 'url') else out[0]\nprint(first.split('/'))\n"
    assert ((OTHER, ITEM), Category.NEEDS_STR, ".split") in _uses(body)


def test_unguarded_read_next_to_a_guard_stays_file_output() -> None:
    body = "data = out.read()\nname = out if isinstance(out, str) else out.url\n"
    assert ((), Category.FILE_OUTPUT, ".read") in _uses(body)


@pytest.mark.parametrize(
    ("kind", "path", "shape"),
    [
        (OutputKind.FILE, (OTHER,), Shape.NO_FILE),  # one file never takes that branch
        (OutputKind.UNKNOWN, (OTHER,), Shape.NO_FILE),  # taken to be the one file handled
        (OutputKind.FILE_LIST, (OTHER,), Shape.CONTAINER),  # a list still gets there
        (OutputKind.FILE_LIST, (OTHER, ITEM), Shape.FILE),
    ],
)
def test_shape_after_other(kind: OutputKind, path: Path, shape: Shape) -> None:
    facts = ModelFacts(kind=kind, source="catalog")
    assert shape_of(facts, path) is shape


@pytest.mark.parametrize(
    "body",
    [
        "import logging\nlogging.getLogger(__name__).info(f'{out[0]!r} {type(out[0])}')\n",
        "import logging\nlogging.warning('%s %s', repr(out[0]), out[0])\n",
        "import click\nclick.echo(out[0])\n",
        "import csv\ncsv.writer(open('f', 'w')).writerow(['a', out[0]])\n",
        "import csv\ncsv.DictWriter(open('f', 'w'), ['a']).writerow({'a': out[0]})\n",
    ],
)
def test_stringifying_callees_work_with_one_file_output(body: str) -> None:
    found = _uses(body)
    assert {category for _, category, _ in found} == {Category.WORKS}
    assert all(path == (ITEM,) for path, _, _ in found)


def test_repr_printed_is_still_a_str_use() -> None:
    assert Category.NEEDS_STR in _categories("print(repr(out[0]))\n")
