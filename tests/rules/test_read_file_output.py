"""The examples read_file_output carries, as tests."""

from __future__ import annotations

from rule_examples import assert_has_both_kinds, check_example, parametrize

from replicate_migrate.rules.base import Example
from replicate_migrate.rules.read_file_output import RULE


@parametrize(RULE)
def test_example(example: Example) -> None:
    check_example(RULE, example)


def test_examples_cover_fixed_and_valid() -> None:
    assert_has_both_kinds(RULE)
