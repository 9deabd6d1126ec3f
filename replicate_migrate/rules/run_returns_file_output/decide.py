"""Decide, per call site, the one action RM001 takes: `.url` fixes, the opt-out, or a report."""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace

from replicate_migrate.analysis.link import Links, Reach
from replicate_migrate.analysis.models import ModelFacts, OutputKind, model_of, split_ref
from replicate_migrate.analysis.shape import Shape, is_file_output_use, needs_fix, shape_of
from replicate_migrate.analysis.values import WRAP, CallSite, Category, Path, Source
from replicate_migrate.options import Strategy
from replicate_migrate.project.resolver import display
from replicate_migrate.results import Action
from replicate_migrate.rules.base import ModuleContext, ProjectContext
from replicate_migrate.rules.run_returns_file_output import ID
from replicate_migrate.rules.run_returns_file_output.iterators import (
    is_fixable_join,
    is_materialised,
    streamed_items_message,
    takes_items_together,
)


class EditKind(str, enum.Enum):
    """The edit a decision makes at one node."""

    URL = "url"  # `.url` on the expression
    STR = "str"  # wrap in str(): the URL of a FileOutput, the text itself of a str
    OPT_OUT = "opt-out"  # `use_file_output=False` on the call
    STR_ITEMS = "str-items"  # `[str(item) for item in x]`: each item of an iterator a str


URL, STR, OPT_OUT, STR_ITEMS = EditKind.URL, EditKind.STR, EditKind.OPT_OUT, EditKind.STR_ITEMS
_URL_CALLED = (
    "bug: `.url()` calls the URL like a method (the JavaScript client's API); it fails under 0.34"
    " (a str has no .url) and under 1.0 (FileOutput.url is a str): fix it by hand"
)


@dataclass(frozen=True)
class Decision:
    call: CallSite
    action: Action
    message: str
    edits: tuple[tuple[int, EditKind], ...] = ()  # (node id in the call's module, what to do there)
    kind: str | None = None  # the model output kind the decision used
    kind_source: str | None = None  # catalog, online, cache, inferred, unknown


@dataclass(frozen=True)
class _Facts:
    bad: tuple[Reach, ...]
    file_output_uses: tuple[Reach, ...]
    url_called: bool
    materialised: bool = False  # the whole output is made a list (`list(out)`)
    dual: tuple[Reach, ...] = ()  # works with both types: no fix, but `.url` upstream skips its FileOutput branch


def decide_project(ctx: ProjectContext) -> dict[str, tuple[Decision, ...]]:
    """Module path -> the decision for each run()/async_run() call in it."""
    return {
        module.path: tuple(
            decide(call, model_of(call.refs or ([call.ref] if call.ref else []), ctx.models), ctx.links, ctx.strategy)
            for call in module.calls
            if call.method in ("run", "async_run")
        )
        for module in ctx.facts
    }


def decisions_in(ctx: ModuleContext) -> tuple[Decision, ...]:
    """The module's decisions. Raises for one naming a call the module does not have: the
    facts of two files were mistaken for one, and its node ids would edit the wrong nodes."""
    decisions = tuple(d for d in ctx.project.get(ID, ()) if isinstance(d, Decision))
    calls = {call.id for call in ctx.facts.calls}
    for decision in decisions:
        if decision.call.id not in calls:
            raise ValueError(f"a decision names call {decision.call.id!r}, which this file does not have")
    return decisions


def decide(call: CallSite, model: ModelFacts | None, links: Links, strategy: Strategy) -> Decision:
    """The one action for `call`, with the model kind it rests on."""
    decision = _decide(call, model, links, strategy)
    kind = model.kind.value if model is not None else "unknown"
    source = model.source if model is not None else _unknown_source(call)
    if call.ref_note != "literal" and (model is not None or call.refs):
        source += f", ref: {call.ref_note}"
    if call.ref_assumed:
        decision = _environment_default(decision, call, model, links, strategy)
    return replace(decision, kind=kind, kind_source=source)


def _environment_default(
    decision: Decision, call: CallSite, model: ModelFacts | None, links: Links, strategy: Strategy
) -> Decision:
    """The environment may name another model than the default: a file default is kept
    only when nothing changes for it; else the call is decided as for an unknown model.
    A parameter's default is always decided so: a caller may pass any model, the text
    model of one caller and the file model of another."""
    default = call.ref or " or ".join(call.refs)
    if call.ref_from_parameter:
        decision = _decide(call, None, links, strategy)
        note = f"decided as for an unknown model: a caller may pass another model than {default}"
    elif model is not None and model.has_files and decision.action is not Action.UNCHANGED:
        decision = _decide(call, None, links, strategy)
        note = f"decided as for an unknown model: the environment variable may name another than {default}"
    else:
        note = f"assumed the environment variable's default model, {default} (the environment may name another)"
    return replace(decision, message=f"{decision.message}; {note}")


def _unknown_source(call: CallSite) -> str:
    if len(call.refs) > 1:
        return "unknown: its models are not all known or differ in kind"
    return "unknown: not in the catalog" if call.ref else f"unknown: {call.ref_note}"


def _may_be_version(call: CallSite) -> bool:
    """Whether a ref the call may name has a version (or the ref is not known)."""
    parts = [split_ref(ref) for ref in call.refs or ([call.ref] if call.ref else [])]
    return not parts or any(part is None or part[1] is not None for part in parts)


def _decide(call: CallSite, model: ModelFacts | None, links: Links, strategy: Strategy) -> Decision:
    if ID in call.suppressed:
        return Decision(call, Action.UNCHANGED, "suppressed by a comment (noqa or replicate-migrate: ignore)")
    if call.has_use_file_output:
        return Decision(call, Action.UNCHANGED, "passes use_file_output already")
    if model is not None and model.is_text:
        return Decision(call, Action.UNCHANGED, f"{model.kind.value} model: its output is unchanged in 1.0")
    facts = _gather(links.reach(Source("call", call.id)), model)
    if facts.url_called:
        return Decision(call, Action.REVIEW, _URL_CALLED)
    if not facts.bad:
        return Decision(call, Action.UNCHANGED, _why_unchanged(facts))
    return _choose(call, model, facts, strategy)


def _why_unchanged(facts: _Facts) -> str:
    if facts.file_output_uses:
        return "already uses the FileOutput API"
    if facts.dual:
        return "already handles both a str and a FileOutput"
    return "every use works with FileOutput"


def _gather(reaches: list[Reach], model: ModelFacts | None) -> _Facts:
    bad, v1, dual = [], [], []
    url_called = False
    for reach in reaches:
        shape = shape_of(model, reach.result.path)
        category = reach.use.category
        url_called = url_called or category is Category.URL_CALLED
        if category is Category.EITHER:
            dual.append(reach)
        elif is_file_output_use(category, shape):
            v1.append(reach)
        elif needs_fix(category, shape):
            bad.append(reach)
    return _Facts(tuple(bad), tuple(v1), url_called, is_materialised(reaches), tuple(dual))


def _choose(call: CallSite, model: ModelFacts | None, facts: _Facts, strategy: Strategy) -> Decision:
    certain = model is not None and model.has_files
    plan = _url_plan(call, model, facts) if certain else None
    iterator = _is_iterator(call, model)
    reasons = _reasons(facts.bad)
    if plan is not None and strategy is not Strategy.OPT_OUT:
        # In auto, a result that escapes is opted out at the call: one visible edit,
        # and every consumer the tool cannot see gets the 0.34 str.
        escapes = any(r.use.category is Category.ESCAPES for r in facts.bad)
        prefer_opt_out = escapes and strategy is Strategy.AUTO
        if not (prefer_opt_out and not facts.file_output_uses and not iterator):
            return Decision(call, Action.REWRITTEN, f"added .url where a FileOutput is used as a str ({reasons})", plan)
    if strategy is Strategy.AUTO and _may_stream_files(call, model) and not facts.file_output_uses:
        return _opt_out_and_str(call, model, facts, reasons)
    blocked = _opt_out_blocked(call, facts, iterator)
    if strategy is Strategy.URL or blocked:
        why = blocked or "no .url fix is provable (the model's output kind is not certain or a use is not visible)"
        return Decision(call, Action.REVIEW, f"{why}; uses that need a str: {reasons}")
    return Decision(call, Action.OPTED_OUT, _opt_out_message(call, model, facts, reasons), ((call.node, OPT_OUT),))


def _may_stream_files(call: CallSite, model: ModelFacts | None) -> bool:
    """A version ref of an unknown model: 1.0 may stream its files, ignoring the opt-out."""
    unknown = model is None or model.kind is OutputKind.UNKNOWN
    return unknown and _may_be_version(call) and call.node >= 0


def _opt_out_and_str(call: CallSite, model: ModelFacts | None, facts: _Facts, reasons: str) -> Decision:
    """Opt out for a plain list, and `str(item)` where items are used, for an iterator:
    `str()` of a FileOutput is its URL and of a str the str itself, so both are covered."""
    # A literal version ref: an unknown ref may name one too, but nothing says it does.
    versioned = _is_version_ref(call)
    together = [r for r in facts.bad if versioned and takes_items_together(r, facts.materialised)]
    joins = [r for r in together if is_fixable_join(r, call.node)]
    plan = _url_plan(call, model, replace(facts, bad=tuple(r for r in facts.bad if r not in joins)))
    if plan is None and len(joins) < len(together):
        left = tuple(r for r in together if r not in joins)
        return Decision(call, Action.REVIEW, streamed_items_message(list(left), _reasons(left)))
    if plan is None and not joins:
        return Decision(call, Action.OPTED_OUT, _opt_out_message(call, model, facts, reasons), ((call.node, OPT_OUT),))
    # A join needs str items in 0.34: made str one by one, each gives the same text in 1.0.
    items = tuple((node, STR) for node, _ in plan or ()) + tuple((r.use.node, STR_ITEMS) for r in joins)
    message = (f"added use_file_output=False and str() where items are used as a str ({reasons}): "
               "the model is unknown and a version ref may stream files, which 1.0 converts anyway")
    return Decision(call, Action.OPTED_OUT, message, ((call.node, OPT_OUT), *sorted(set(items))))


def _opt_out_blocked(call: CallSite, facts: _Facts, iterator: bool) -> str:
    if facts.file_output_uses:
        return "use_file_output=False would break code that already reads the FileOutput"
    if iterator:
        return "an iterator model: 1.0 converts its chunks even with use_file_output=False"
    if call.node < 0:
        return "run is passed to run_in_executor, which cannot forward use_file_output"
    return ""


def _opt_out_message(call: CallSite, model: ModelFacts | None, facts: _Facts, reasons: str) -> str:
    kind = "unknown model kind" if model is None or model.kind is OutputKind.UNKNOWN else model.kind.value
    # A result that only leaves what the tool can see is not known to be used as a str.
    hidden = all(r.use.category is Category.ESCAPES for r in facts.bad)
    why = "its consumers cannot all be seen" if hidden else "the result is used as a str"
    message = f"added use_file_output=False: {why} ({reasons}; {kind})"
    if _may_be_version(call) and (model is None or model.kind is OutputKind.UNKNOWN):
        message += "; if this model streams files through an iterator, 1.0 ignores the opt-out"
    return message


def _is_version_ref(call: CallSite) -> bool:
    refs = [split_ref(ref) for ref in call.refs or ([call.ref] if call.ref else [])]
    return any(ref is not None and ref[1] is not None for ref in refs)


def _is_iterator(call: CallSite, model: ModelFacts | None) -> bool:
    return _is_version_ref(call) and model is not None and model.kind is OutputKind.FILE_ITERATOR


def _url_plan(call: CallSite, model: ModelFacts | None, facts: _Facts) -> tuple[tuple[int, EditKind], ...] | None:
    """Where `.url` makes every use that needs a str get exactly the 0.34 string."""
    # Every node named here (origins, direct uses, entries) is in the call's own module.
    v1_origins = {r.result.origin for r in (*facts.file_output_uses, *facts.dual)}
    # `.url` at a return or a store would hand a str to the code that reads the FileOutput too.
    v1_entries = {r.entry.node for r in facts.file_output_uses if r.linked and r.entry is not None}
    edits: set[tuple[int, EditKind]] = set()
    for reach in facts.bad:
        origin = reach.result.origin
        if origin is not None and origin not in v1_origins:
            if shape_of(model, _unwrapped(reach.result.path)) is not Shape.FILE:
                return None
            edits.add((origin, URL))
        elif not reach.linked and reach.use.pure and shape_of(model, reach.result.path) is Shape.FILE:
            edits.add((reach.use.node, URL))
        elif reach.linked and _is_fixable_entry(reach, model):
            assert reach.entry is not None
            if reach.entry.node in v1_entries:
                return None
            edits.add((reach.entry.node, URL))
        else:
            return None
    return tuple(sorted(edits))


def _unwrapped(path: Path) -> Path:
    """The path at a value's origin: only wrapping into containers happens after it."""
    while path and path[-1] == WRAP:
        path = path[:-1]
    return path


def _is_fixable_entry(reach: Reach, model: ModelFacts | None) -> bool:
    entry = reach.entry
    return (
        entry is not None
        and entry.pure
        and entry.result.origin is None
        and shape_of(model, entry.result.path) is Shape.FILE
    )


def _reasons(bad: tuple[Reach, ...]) -> str:
    details = sorted({display(r.use.detail) for r in bad})
    text = ", ".join(details[:4])
    return text + (f" and {len(details) - 4} more" if len(details) > 4 else "")
