"""RM004's plan for a module: each download of a certain FileOutput's URL, replaced by a
read of the FileOutput, or left (with the reason) where the response itself is used."""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from replicate_migrate.analysis.link import Links, Reach
from replicate_migrate.analysis.models import ModelFacts, OutputKind, split_ref
from replicate_migrate.analysis.shape import Shape, shape_of
from replicate_migrate.analysis.values import Source
from replicate_migrate.results import Action, Finding
from replicate_migrate.rules.base import SUPPRESSED, ModuleContext, NodeEdit, RuleOutput
from replicate_migrate.rules.read_file_output import ID
from replicate_migrate.rules.read_file_output.edits import (
    Statements,
    as_edit,
    free_name,
    in_block,
    to_aread,
    to_read,
    to_value,
    write_block,
)
from replicate_migrate.rules.read_file_output.imports import unused_imports
from replicate_migrate.rules.read_file_output.matchers import (
    APIS,
    Api,
    Download,
    find_download,
    handled_errors,
    parents,
)
from replicate_migrate.rules.read_file_output.response import (
    ResponseUses,
    enclosing_scope,
    response_uses,
)
from replicate_migrate.rules.run_returns_file_output import ID as RM001
from replicate_migrate.rules.run_returns_file_output.decide import Decision, decisions_in

_KINDS = frozenset({OutputKind.FILE, OutputKind.FILE_LIST, OutputKind.FILE_ITERATOR})
_READ = "replaced by FileOutput.read()"
_RESPONSE = "the response's status or headers are used"
_HANDLED = "its errors are handled here"
_WITH_LINES = (cst.SimpleStatementLine, cst.BaseCompoundStatement)


@dataclass
class _Out:
    edits: list[NodeEdit] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    replaced: set[int] = field(default_factory=set)  # RM001's `.url` nodes a read makes moot
    withdrawn: list[tuple[str, int, int]] = field(default_factory=list)
    removed: list[cst.CSTNode] = field(default_factory=list)  # the download code replaced


def plan_module(ctx: ModuleContext) -> RuleOutput:
    """The edits and findings RM004 makes in one module."""
    out = _Out()
    if ID not in ctx.enabled:
        return RuleOutput()
    links = Links([ctx.facts])
    for decision in decisions_in(ctx):
        model = _certain(decision)
        if model is not None:
            _plan_call(ctx, decision, model, links.reach(Source("call", decision.call.id)), out)
    out.edits += unused_imports(ctx, out.removed)
    return RuleOutput(_ordered(out.edits), tuple(out.findings), tuple(sorted(out.replaced)), tuple(out.withdrawn))


def _certain(decision: Decision) -> ModelFacts | None:
    """The model's facts when 1.0 certainly returns FileOutput here (RM001's reading)."""
    call = decision.call
    if decision.kind is None or decision.action is Action.OPTED_OUT or call.has_use_file_output:
        return None
    kind = OutputKind(decision.kind) if decision.kind in {k.value for k in OutputKind} else None
    if kind not in _KINDS or call.method not in ("run", "async_run"):
        return None
    if call.ref_assumed:
        return None  # an environment variable's default: the environment may name a text model
    refs = [split_ref(ref) for ref in call.refs or ([call.ref] if call.ref else [])]
    if kind is OutputKind.FILE_ITERATOR and (not refs or any(r is None or r[1] is not None for r in refs)):
        return None  # a version ref streams the files through an iterator
    return ModelFacts(kind, decision.kind_source or "")


def _plan_call(ctx: ModuleContext, decision: Decision, model: ModelFacts, reaches: list[Reach], out: _Out) -> None:
    """Replace each download of this call's result; RM001's finding goes when no `.url` is left."""
    call = decision.call
    found = [d for d in (_download(ctx, model, r) for r in reaches) if d is not None]
    if not found:
        return
    if ID in call.suppressed:
        out.findings.append(Finding(ctx.path, call.line, call.column, ID, Action.UNCHANGED, SUPPRESSED,
                                    suppressed=True))
        return
    url_nodes = {node for node, _ in decision.edits}
    tried = [(reach, _try(ctx, reach, download, reaches, found, url_nodes)) for reach, download in found]
    # `.url` at an origin (`url = output[0].url`) serves every use after it: it goes only
    # when every download through it reads the FileOutput instead.
    kept = {r.result.origin for r, (done, _, _) in tried if not done and r.result.origin in url_nodes}
    replaced: set[int] = set()
    for (reach, download), (_, (done, message, edits)) in zip(found, tried):
        origin = reach.result.origin
        if done and origin in kept:
            done, message = False, "left the download: the URL string is also used where .url is added before it"
        if done:
            out.edits += edits
            out.removed.append(download.statement or download.node)
            replaced |= {reach.use.node} | ({origin} if origin is not None else set())
        review = _RESPONSE in message or _HANDLED in message
        action = Action.REWRITTEN if done else Action.REVIEW if review else Action.UNCHANGED
        out.findings.append(Finding(ctx.path, call.line, call.column, ID, action, message,
                                    decision.kind, decision.kind_source))
    out.replaced |= replaced & url_nodes
    if url_nodes and url_nodes <= replaced:
        out.withdrawn.append((RM001, call.line, call.column))


def _try(
    ctx: ModuleContext, reach: Reach, download: Download, reaches: list[Reach],
    found: list[tuple[Reach, Download]], url_nodes: set[int],
) -> tuple[bool, str, list[NodeEdit]]:
    """Whether the download can be replaced, the finding's message, and its edits."""
    if reach.result.origin in url_nodes and _shares_origin(reach, reaches, found):
        return False, "left the download: the URL string is also used where .url is added before it", []
    top = ctx.rec.tops[reach.use.node]
    handled = None if top is None else handled_errors(top, download.statement or download.node, bool(download.response))
    if handled is not None:
        return False, f"left the download: {_HANDLED} ({handled}); FileOutput.read() raises httpx's instead", []
    scratch = _Out()
    done, message = _replace(ctx, reach, download, scratch)
    return done, message, scratch.edits


def _shares_origin(reach: Reach, reaches: list[Reach], found: list[tuple[Reach, Download]]) -> bool:
    mine = {id(r) for r, _ in found}
    return any(r.result.origin == reach.result.origin and id(r) not in mine for r in reaches)


def _download(ctx: ModuleContext, model: ModelFacts, reach: Reach) -> tuple[Reach, Download] | None:
    use = reach.use
    if reach.linked or reach.module != ctx.facts.module_name or not use.pure:
        return None
    if shape_of(model, reach.result.path) is not Shape.FILE:
        return None
    node, statement = ctx.rec.nodes[use.node], ctx.rec.statements[use.node]
    if not isinstance(node, cst.BaseExpression) or statement is None:
        return None
    callee = use.detail.removeprefix("passed to ").removesuffix("()")
    download = find_download(callee, node, statement)
    return (reach, download) if download is not None else None


def _number(ctx: ModuleContext, node: cst.CSTNode, like: int, top: cst.CSTNode | None = None) -> int:
    """The Recorder's id for `node`, which lies in the statement of node `like` (or in the
    top-level statement `top`)."""
    rec = ctx.rec
    rec.top, rec.statement = (top, top) if top is not None else (rec.tops[like], rec.statements[like])
    return rec.node_id(node)


def _replace(ctx: ModuleContext, reach: Reach, download: Download, out: _Out) -> tuple[bool, str]:
    """Add the edits replacing `download`; the finding's message (why not, when not)."""
    use = reach.use
    top = ctx.rec.tops[use.node]
    if download.response:
        message = _replace_response(ctx, reach, download, out)
        return " replaced by " in message, message
    if download.idiom == "urlretrieve()":
        scope = enclosing_scope(top, download.node) if top is not None else None
        name = free_name([scope]) if scope is not None else free_name(ctx.rec.body, text=ctx.text)
        edits = _statement_edits(ctx, download.node, write_block(download.url, name), use.node)
        if edits is None:
            return False, "left the download: urlretrieve() is not a statement of its own block"
        out.edits += edits
        return True, f"urlretrieve() {_READ}"
    out.edits.append(NodeEdit(_number(ctx, download.node, use.node), to_read(download.url)))
    return True, f"{download.idiom} {_READ}"


def _replace_response(ctx: ModuleContext, reach: Reach, download: Download, out: _Out) -> str:
    """`r = get(u)` ... `r.content`, `with get(u) as r: ... r.read()`: the FileOutput read
    at each use of the body, its chunks or its stream; the binding statement goes."""
    use, statement, target = reach.use, download.statement, download.target
    top = ctx.rec.tops[use.node]
    assert statement is not None and top is not None and target is not None
    scope = enclosing_scope(top, statement)
    api = APIS[download.callee]
    # At module level, every statement that names the response was parsed and walked.
    uses = response_uses([scope] if scope is not None else ctx.rec.body, download.response, target, api)
    if uses.facts:
        facts = ", ".join(f"{download.response}{fact}" for fact in sorted(set(uses.facts)))
        return f"left the download: {_RESPONSE} ({facts}); FileOutput has no counterpart"
    if uses.others or not uses.taken:
        return f"left the download: the response {download.response} has other uses"
    if uses.repeated or uses.taken > 1:
        return (f"left the download: the body of {download.response} is taken more than once, and "
                "reading the FileOutput each time would download it again")
    change: Statements = _unwrapped if isinstance(statement, cst.With) else lambda _: []
    replaced = _statement_edits(ctx, statement, change, use.node)
    if replaced is None:
        return f"left the download: the statement binding {download.response} cannot be removed here"
    out.edits += replaced
    for body in uses.bodies:
        tight = id(body) in uses.tight
        read = to_aread(download.url, api.body_called, tight) if api.is_async else to_read(download.url)
        out.edits.append(NodeEdit(_number(ctx, body, use.node, uses.tops.get(id(body))), read))
    out.edits += [NodeEdit(_number(ctx, node, use.node, uses.tops.get(id(node))), to_value(download.url))
                  for node in [*uses.chunks, *uses.handed]]
    return _response_message(download, api, uses)


def _unwrapped(statement: cst.BaseStatement) -> list[cst.BaseStatement]:
    """A `with` block's statements, in its place (its item is the download, now gone)."""
    assert isinstance(statement, cst.With) and isinstance(statement.body, cst.IndentedBlock)
    body = list(statement.body.body)
    if body and isinstance(body[0], _WITH_LINES):
        body[0] = body[0].with_changes(leading_lines=[*statement.leading_lines, *body[0].leading_lines])
    return body


def _response_message(download: Download, api: Api, uses: ResponseUses) -> str:
    if uses.handed:
        return f"{download.callee}() response handed on replaced by the FileOutput itself"
    if uses.chunks:
        methods = ", ".join(f"{m}()" for m in sorted(uses.loops))
        return f"{download.callee}().{methods} loop replaced by iterating the FileOutput"
    body = f"{api.body}()" if api.body_called else api.body
    read = "FileOutput.aread()" if api.is_async else "FileOutput.read()"
    return f"{download.callee}().{body} replaced by {read}"


def _statement_edits(
    ctx: ModuleContext, statement: cst.CSTNode, change: Statements, like: int
) -> list[NodeEdit] | None:
    """Edits making `change` of `statement`: on the block that holds it, the compound
    statement around that block rendered again (a block is never rendered alone)."""
    top = ctx.rec.tops[like]
    assert isinstance(statement, cst.BaseStatement)
    if statement is top:  # a top-level statement is rendered alone: it stays one or goes
        return [NodeEdit(_number(ctx, statement, like), as_edit(change))] if len(change(statement)) <= 1 else None
    assert top is not None
    parent = parents(top)
    block, owner = parent.get(id(statement)), None
    if isinstance(block, cst.IndentedBlock):
        owner = parent.get(id(block))
    if not isinstance(owner, cst.BaseCompoundStatement) or not isinstance(block, cst.IndentedBlock):
        return None
    if not change(statement) and len(block.body) < 2:
        return None  # a block keeps one statement at least
    index = next(i for i, s in enumerate(block.body) if s is statement)
    # Sorted later by `index`, highest first: removing a statement moves the ones after it.
    return [NodeEdit(_number(ctx, owner, like), _BlockEdit(_child_path(owner, block), index, change))]


def _child_path(owner: cst.CSTNode, block: cst.CSTNode) -> tuple[int, ...]:
    """The child indices leading from `owner` down to `block`."""
    for i, child in enumerate(owner.children):
        if child is block:
            return (i,)
        if not isinstance(child, cst.BaseSuite):  # clauses (else, except) lie between
            found = _child_path(child, block) if not isinstance(child, cst.BaseStatement) else None
            if found:
                return (i, *found)
    return ()


@dataclass(frozen=True)
class _BlockEdit:
    """An edit of the compound statement `owner`: statement `index` of its block at `path`
    (its block is edited through it, as a block is never rendered alone)."""

    path: tuple[int, ...]
    index: int
    change: Statements

    def __call__(self, node: cst.CSTNode) -> cst.CSTNode:
        block = node
        for i in self.path:
            block = block.children[i]
        return node.deep_replace(block, in_block(self.index, self.change)(block))


def _ordered(edits: list[NodeEdit]) -> tuple[NodeEdit, ...]:
    """Edits of one block from its last statement up, so each index stays true."""
    def key(edit: NodeEdit) -> int:
        return -edit.edit.index if isinstance(edit.edit, _BlockEdit) else 0

    return tuple(sorted(edits, key=key))
