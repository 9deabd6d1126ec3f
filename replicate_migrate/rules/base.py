"""The rule interface: what a rule is told about one module, and what it answers.

A rule is a `Rule` value in its own module under `rules/`, listed once in `RULES`. A rule
whose answer depends on other files has a `project` phase: the engine hands it every
module's facts (`ProjectContext`) once they are all in, and keeps what it concludes per
module. Then the engine hands each rule a `ModuleContext` (the module's facts from
`analysis/`, the CST nodes they number, the project phases' conclusions for it) and applies
the `NodeEdit`s the rule returns, in `RULES` order, in one pass; the findings go to the report.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from replicate_migrate.options import Strategy
from replicate_migrate.results import Action, Finding

if TYPE_CHECKING:
    import libcst as cst

    from replicate_migrate.analysis.link import Links
    from replicate_migrate.analysis.models import ModelFacts
    from replicate_migrate.analysis.recorder import Recorder
    from replicate_migrate.analysis.values import CallSite, ModuleFacts

_README = "https://github.com/replicate-migrate/replicate-migrate"
RELEASE_1_0 = "https://github.com/replicate/replicate-python/releases/tag/1.0.0"

# LibCST is imported only where a file is parsed: the CLI reads RULES without it.
Edit = Callable[["cst.CSTNode"], "cst.CSTNode"]
# What a rule's project phase concluded for one module (any picklable values: they go to
# the worker holding the module), by module path.
Conclusions = Mapping[str, tuple[Any, ...]]


class Fact(str, enum.Enum):
    """What a rule asks `analysis/` for: the engine gathers these before it asks the rule."""

    CALLS = "calls"  # each replicate call site: method, ref, arguments, suppressions
    FLOWS = "flows"  # where each run() result goes, across modules, and what each use needs
    MODELS = "models"  # each model's output kind (catalog, schema, --online): looked up only
    # when a rule on (or one whose conclusions it reads) asks for it


@dataclass(frozen=True)
class Example:
    """A snippet for the rule's docs and its generated tests; `fixed` None means valid as is."""

    code: str
    fixed: str | None = None


@dataclass(frozen=True)
class NodeEdit:
    """Replace the node the Recorder numbers `node` with `edit(node)` (its rewritten form).

    A top-level statement line edited to one with no statements (`body=()`) is removed; the
    comment and blank lines above it stay."""

    node: int
    edit: Edit


@dataclass(frozen=True)
class ModuleContext:
    """Everything a rule may read about one module; nothing here does I/O."""

    path: str
    rec: Recorder  # node id -> CST node, its top-level statement and its statement
    facts: ModuleFacts  # the module's call sites, values and uses
    project: Mapping[str, tuple[Any, ...]]  # rule id -> its project phase's conclusions here
    enabled: frozenset[str]  # the rule ids this run applies
    # The whole module's source. LibCST parsed only the statements that can meet a replicate
    # value (`rec.body`): a name a rule binds anew may be taken in the others.
    text: str = ""

    def call_node(self, call: CallSite) -> cst.Call | None:
        """The call's CST node, or None when the call is only referenced (run_in_executor)."""
        import libcst as cst

        if call.node < 0:
            return None
        node = self.rec.nodes[call.node]
        assert isinstance(node, cst.Call)
        return node


@dataclass(frozen=True)
class ProjectContext:
    """What a rule's project phase reads: the facts of every module the run analysed."""

    facts: tuple[ModuleFacts, ...]  # sorted by path
    models: Mapping[str, ModelFacts]  # model ref -> output kind (catalog, schema, --online)
    strategy: Strategy

    @cached_property
    def links(self) -> Links:
        """Where each run() result flows, across modules (built once, when first asked)."""
        from replicate_migrate.analysis.link import Links

        return Links(list(self.facts))


@dataclass(frozen=True)
class RuleOutput:
    edits: tuple[NodeEdit, ...] = ()
    findings: tuple[Finding, ...] = ()
    # What this rule's edits make moot of the rules before it in RULES: their edits on
    # these nodes, and their findings at these (rule, line, column), are dropped.
    replaces: tuple[int, ...] = ()
    withdraws: tuple[tuple[str, int, int], ...] = ()


@dataclass(frozen=True)
class Rule:
    """A 0.34 -> 1.0 change; `id` and `name` are the same everywhere (fixtures, README, report)."""

    id: str
    name: str
    summary: str  # one line, for `--list-rules` and SARIF's shortDescription
    explanation: str  # what breaks in 1.0 and what the tool does about it
    asks: frozenset[Fact]
    check: Callable[[ModuleContext], RuleOutput]
    examples: tuple[Example, ...] = ()
    release_note: str = RELEASE_1_0
    strategies: frozenset[Strategy] = frozenset(Strategy)  # the --strategy values it runs under
    # The project phase, for a rule whose answer depends on other files: every module's
    # facts -> its conclusions per module path, handed to `check` as `ctx.project[id]`.
    project: Callable[[ProjectContext], Conclusions] | None = None
    # Rules whose conclusions `check` reads too: their project phase runs whenever this
    # rule is on, also when they are not (RM004 reads RM001's decisions).
    reads: tuple[str, ...] = ()

    @property
    def help_uri(self) -> str:
        """The rule's README section (GitHub anchors are the lower-cased heading text)."""
        return f"{_README}#{self.id.lower()}-{self.name}"


SUPPRESSED = "suppressed by a comment (noqa or replicate-migrate: ignore)"


def suppressed_finding(path: str, call: CallSite, rule: str) -> Finding:
    """The finding for a call a comment keeps `rule` away from."""
    return Finding(path, call.line, call.column, rule, Action.UNCHANGED, SUPPRESSED, suppressed=True)
