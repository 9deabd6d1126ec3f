"""The rules, one module each; RULES is the one list the engine, the report and the CLI ask.

A new rule is a module here (a `Rule` named RULE), its line in RULES, its fixtures and
its README section; see docs/ARCHITECTURE.md.
"""

from __future__ import annotations

from replicate_migrate.options import Options
from replicate_migrate.rules import (
    read_file_output,
    run_returns_file_output,
    stream_input_keyword,
    use_file_output_keyword,
)
from replicate_migrate.rules.base import Rule

# The order edits are applied in when two rules edit the same node. RM002 and RM003 come
# before RM001: they turn a positional use_file_output into the keyword RM001 reads (a
# call passing it is left alone by RM001), and RM001's opt-out is then added after it.
RULES: tuple[Rule, ...] = (
    use_file_output_keyword.RULE,
    stream_input_keyword.RULE,
    run_returns_file_output.RULE,
    read_file_output.RULE,  # after RM001: a read it makes replaces RM001's `.url` on that use
)

# `--list-rules`, SARIF and messages list the rules by id, whatever order they apply in.
RULES_BY_ID: tuple[Rule, ...] = tuple(sorted(RULES, key=lambda rule: rule.id))


def enabled_ids(options: Options) -> frozenset[str]:
    """The ids of the rules this run applies: selected, not ignored, on under its strategy."""
    return frozenset(r.id for r in RULES if options.is_enabled(r.id) and options.strategy in r.strategies)


def rule_by_id(rule_id: str) -> Rule | None:
    """The rule with this id, or None for an id the table does not know."""
    return next((rule for rule in RULES if rule.id == rule_id), None)
