"""Every rule in RULES, from its table entry alone: its examples as tests, a fixture folder
and a README section. A new rule is covered here once it is in RULES; its own test module
(tests/rules/test_<name>.py) is for tests beyond its examples."""

from __future__ import annotations

from pathlib import Path

import pytest
from rule_examples import assert_has_both_kinds, check_example

from replicate_migrate.rules import RULES
from replicate_migrate.rules.base import Example, Rule

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = [
    pytest.param(rule, example, id=f"{rule.id}-{'invalid' if example.fixed is not None else 'valid'}-{index}")
    for rule in RULES
    for index, example in enumerate(rule.examples)
]
each_rule = pytest.mark.parametrize("rule", RULES, ids=[rule.id for rule in RULES])


@pytest.mark.parametrize(("rule", "example"), EXAMPLES)
def test_example(rule: Rule, example: Example) -> None:
    check_example(rule, example)


@each_rule
def test_examples_cover_fixed_and_valid(rule: Rule) -> None:
    assert_has_both_kinds(rule)


@each_rule
def test_fixtures_and_readme_section(rule: Rule) -> None:
    folder = ROOT / "tests" / "fixtures" / rule.id
    assert folder.is_dir() and any((case / "scenario.json").is_file() for case in folder.iterdir()), folder
    heading = f"### {rule.id} {rule.name}\n"
    assert heading in (ROOT / "README.md").read_text(encoding="utf-8"), heading
    assert rule.help_uri.endswith(f"#{rule.id.lower()}-{rule.name}")
