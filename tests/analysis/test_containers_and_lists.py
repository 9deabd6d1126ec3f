"""Results made a list, type tests and len(): the facts the analysis records for them,
and the shape each path has for the model's output kind."""

from __future__ import annotations

import libcst as cst
import pytest

from replicate_migrate.analysis.models import ModelFacts, OutputKind
from replicate_migrate.analysis.module import analyze_module
from replicate_migrate.analysis.shape import Shape, shape_of
from replicate_migrate.analysis.values import ITEM, LISTED, WRAP, Category, Path

HEAD = "import replicate\nout = replicate.run('a/b')\n"


def uses(source: str) -> set[tuple[Path, Category, str]]:
    facts, _ = analyze_module(cst.parse_module(HEAD + source), "m.py", "m", None)
    return {(u.result.path, u.category, u.detail) for u in facts.uses if u.result.source.kind == "call"}


@pytest.mark.parametrize(
    "source",
    [
        "items = out if isinstance(out, list) else [out]\n",
        "items = [out] if not isinstance(out, (list, tuple)) else out\n",
        "items = list(out) if isinstance(out, list) else [out]\n",
        "items = out\nif not isinstance(items, list):\n    items = [items]\n",
    ],
)
def test_a_result_made_a_list_is_one_listed_value(source: str) -> None:
    found = uses(source + "for item in items:\n    item.startswith('h')\n")
    assert ((LISTED, ITEM), Category.NEEDS_STR, ".startswith") in found
    # Not the result itself iterated for its bytes, nor its wrapped branch's item.
    whole = {(category, detail) for path, category, detail in found if path == ()}
    assert whole <= {(Category.TYPE_TEST, "isinstance check"), (Category.ITERATED, "list()")}


def test_other_conditionals_keep_both_branches() -> None:
    found = uses("items = out if isinstance(out, str) else [out]\nfor item in items:\n    item.upper()\n")
    assert {path for path, _, detail in found if detail == ".upper"} == {(ITEM,), ()}


@pytest.mark.parametrize(
    ("source", "category"),
    [
        ("isinstance(out, list)\n", Category.TYPE_TEST),
        ("isinstance(out, (list, dict))\n", Category.TYPE_TEST),
        ("isinstance(out, str)\n", Category.NEEDS_STR),
        ("isinstance(out, (list, str))\n", Category.NEEDS_STR),
        ("isinstance(out, Thing)\n", Category.WORKS),
        ("len(out)\n", Category.SEQUENCE),
    ],
)
def test_type_tests_and_len(source: str, category: Category) -> None:
    assert {c for _, c, _ in uses(source)} == {category}


def test_list_of_a_result_records_its_items_taken() -> None:
    assert ((), Category.ITERATED, "list()") in uses("print(list(out))\n")


def _facts(kind: OutputKind) -> ModelFacts:
    return ModelFacts(kind, "catalog")


@pytest.mark.parametrize(
    ("kind", "path", "shape"),
    [
        (OutputKind.FILE_LIST, (LISTED,), Shape.CONTAINER),
        (OutputKind.FILE_LIST, (LISTED, ITEM), Shape.FILE),
        (OutputKind.FILE, (LISTED,), Shape.CONTAINER),
        (OutputKind.FILE, (LISTED, ITEM), Shape.FILE),
        (OutputKind.FILE, (LISTED, ITEM, WRAP), Shape.CONTAINER),
        (OutputKind.UNKNOWN, (LISTED, ITEM), Shape.UNKNOWN),
        (OutputKind.TEXT, (LISTED, ITEM), Shape.NO_FILE),
    ],
)
def test_the_kind_says_which_branch_a_listed_value_took(kind: OutputKind, path: Path, shape: Shape) -> None:
    assert shape_of(_facts(kind), path) is shape
