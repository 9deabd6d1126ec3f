"""The rules the tool reports under: one table for the report, SARIF and `--list-rules`."""

from __future__ import annotations

from dataclasses import dataclass

_README = "https://github.com/replicate-migrate/replicate-migrate"


@dataclass(frozen=True)
class Rule:
    """A 0.34 -> 1.0 change; `id` and `name` are the same everywhere (fixtures, README, report)."""

    id: str
    name: str
    summary: str  # one line, for `--list-rules` and SARIF's shortDescription
    explanation: str  # what breaks in 1.0 and what the tool does about it

    @property
    def help_uri(self) -> str:
        """The rule's README section (GitHub anchors are the lower-cased heading text)."""
        return f"{_README}#{self.id.lower()}-{self.name}"


RULES: tuple[Rule, ...] = (
    Rule(
        "RM001",
        "run-returns-file-output",
        "replicate.run returns FileOutput objects instead of URL strings",
        "In 1.0 replicate.run returns FileOutput objects where 0.34 returned URL strings. "
        "Uses that need a string get `.url`, or the call opts out with use_file_output=False; "
        "where neither is proven safe the call is reported for review.",
    ),
    Rule(
        "RM002",
        "use-file-output-keyword",
        "use_file_output must be passed by keyword",
        "In 1.0 use_file_output is keyword-only: replicate.run(ref, input, False) raises "
        "TypeError. The positional argument is rewritten as use_file_output=<value>.",
    ),
    Rule(
        "RM003",
        "stream-input-keyword",
        "replicate.stream input must be passed by keyword",
        "In 1.0 the input of replicate.stream and Client.stream is keyword-only: "
        "replicate.stream(ref, {...}) raises TypeError. The argument is rewritten as input={...}.",
    ),
)


def rule_by_id(rule_id: str) -> Rule | None:
    """The rule with this id, or None for an id the table does not know."""
    return next((rule for rule in RULES if rule.id == rule_id), None)
