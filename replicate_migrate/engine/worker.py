"""One worker's files: parse once, analyse (phase 1), then ask the rules for edits (phase 2).

The parsed groups of each file stay in the worker between the phases, so no statement
is parsed twice however the facts of other files widen or change the rules' conclusions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import libcst as cst

from replicate_migrate.analysis.module import analyze_module
from replicate_migrate.analysis.recorder import Recorder
from replicate_migrate.analysis.values import ModuleFacts
from replicate_migrate.engine.job import Concluded, Job, internal_error
from replicate_migrate.engine.rewrite import apply_edits, plan_edits
from replicate_migrate.engine.slices import Group, Sliced, SliceError
from replicate_migrate.engine.source import (
    SourceError,
    decode_python,
    detect_encoding,
    first_difference,
    parse_python,
)
from replicate_migrate.notebooks import (
    NotebookError,
    NotebookSource,
    locate,
    notebook_to_python,
    python_to_notebook,
    syntax_error,
)
from replicate_migrate.project.resolver import Resolver
from replicate_migrate.results import FileResult, Finding
from replicate_migrate.rules.base import Edit


@dataclass
class _Parsed:
    job: Job  # the first job for the file, with its bytes
    text: str
    sliced: Sliced
    rec: Recorder
    facts: ModuleFacts
    notebook: NotebookSource | None = None
    known: frozenset[tuple[str, str]] = frozenset()  # other modules' clients it was analysed with


@dataclass
class Worker:
    resolver: Resolver
    rules: frozenset[str]
    parsed: dict[str, _Parsed] = field(default_factory=dict)
    failed: dict[str, FileResult] = field(default_factory=dict)

    def analyze(self, jobs: list[Job]) -> list[ModuleFacts]:
        """Facts of each file that is new or whose analysed part grew. Never raises for a file:
        whatever goes wrong with one becomes its error, and the others go on."""
        out = []
        for job in jobs:
            known = self.parsed.get(job.path)
            try:
                parsed = self._parse(job) if known is None else self._widen(known, job)
            except (SourceError, NotebookError, RecursionError) as error:
                # A file taken on suspicion that cannot be read is simply not a consumer.
                if not job.consumer and known is None:
                    self.failed[job.path] = FileResult(job.path, job.data, error=_message(job, error))
                continue
            except Exception as error:  # noqa: BLE001 - a bug here must not cost the other files
                self.fail(job.path, known.job.data if known else job.data, internal_error(job.path, error))
                continue
            if parsed is not None:
                self.parsed[job.path] = parsed
                out.append(parsed.facts)
        return out

    def fail(self, path: str, data: bytes, message: str) -> None:
        """Report `path` with `message` instead of rewriting it (its facts may have been used)."""
        self.parsed.pop(path, None)
        self.failed[path] = FileResult(path, data, error=message)

    def _parse(self, job: Job) -> _Parsed:
        notebook = None
        if job.path.endswith(".ipynb"):
            notebook = notebook_to_python(_decode_notebook(job), job.path)
            text = notebook.python
        else:
            text = decode_python(job.data, job.path)
        try:
            sliced = Sliced.of_text(text, job.path)
        except SourceError as error:
            if notebook is None:
                raise
            raise _in_notebook(error, notebook) from error
        try:
            sliced.select(job.taint, job.provide)
        except SliceError:
            sliced = _whole(job, text, notebook)
        return self._analyse(job, text, sliced, notebook, job.known)

    def _widen(self, parsed: _Parsed, job: Job) -> _Parsed | None:
        sliced = parsed.sliced
        known = parsed.known | job.known
        try:
            # Clients of other modules newly known can make new call sites appear.
            if not sliced.select(job.taint, job.provide) and known == parsed.known:
                return None
        except SliceError:
            sliced = _whole(parsed.job, parsed.text, parsed.notebook)
        return self._analyse(parsed.job, parsed.text, sliced, parsed.notebook, known)

    def _analyse(
        self,
        job: Job,
        text: str,
        sliced: Sliced,
        notebook: NotebookSource | None,
        known: frozenset[tuple[str, str]],
    ) -> _Parsed:
        facts, rec = analyze_module(
            sliced.module(), job.path, job.module_name, self.resolver, text,
            locate=lambda node, top, statement: sliced.group_of(top).where(node, statement),
            known=dict(known),
        )
        return _Parsed(job, text, sliced, rec, facts, notebook, known)

    def rewrite(self, concluded: Concluded) -> list[FileResult]:
        """Every file this worker holds, rewritten or with its error. Never raises for a file."""
        results = list(self.failed.values())
        for path, items in concluded.items():  # the files the run reports, no others
            parsed = self.parsed.get(path)
            if parsed is None:
                continue
            try:
                results.append(self._rewrite_one(parsed, items))
            except Exception as error:  # noqa: BLE001 - a bug here must not cost the other files
                results.append(FileResult(path, parsed.job.data, error=internal_error(path, error)))
        return results

    def _rewrite_one(self, parsed: _Parsed, concluded: Mapping[str, tuple[object, ...]]) -> FileResult:
        job = parsed.job
        edits, findings = plan_edits(parsed.rec, parsed.facts, concluded, self.rules, parsed.text)
        if parsed.notebook is not None:
            findings = [_in_cell(f, parsed.notebook) for f in findings]
        try:
            replaced = self._rewrite_groups(parsed, edits)
        except SourceError as problem:
            return FileResult(job.path, job.data, None, tuple(findings), error=str(problem))
        if not replaced:
            return FileResult(job.path, job.data, None, tuple(findings))
        try:
            migrated = self._encode(parsed, parsed.sliced.splice(parsed.text, replaced))
        except (SourceError, NotebookError) as problem:
            return FileResult(job.path, job.data, None, tuple(findings), error=str(problem))
        return FileResult(job.path, job.data, migrated, tuple(findings))

    def _rewrite_groups(self, parsed: _Parsed, edits: dict[int, list[Edit]]) -> list[tuple[Group, str]]:
        """New code for each group an edit changes; SourceError when one cannot be rewritten."""
        by_group: dict[int, tuple[Group, dict[int, list[Edit]]]] = {}
        for node_id, items in edits.items():
            group = parsed.sliced.group_of(parsed.rec.tops[node_id])
            by_group.setdefault(id(group), (group, {}))[1][node_id] = items
        replaced = []
        for group, group_edits in by_group.values():
            code = self._rewrite_group(parsed, group, group_edits)
            if code != group.text:
                replaced.append((group, code))
        return replaced

    def _rewrite_group(self, parsed: _Parsed, group: Group, edits: dict[int, list[Edit]]) -> str:
        """The group's new text: the outermost edited nodes' code replaced, the rest kept."""
        rec, path = parsed.rec, parsed.job.path
        spans = sorted(
            (group.span(rec.nodes[n], rec.statements[n]) + (n,) for n in edits), key=lambda s: (s[0], -s[1])
        )
        outermost: list[tuple[int, int, str, int]] = []
        nested: set[int] = set()  # outermost nodes with another edited node inside
        for span in spans:
            if not outermost or span[0] >= outermost[-1][1]:
                outermost.append(span)
            else:
                nested.add(outermost[-1][3])
        text = group.text
        for start, end, indent, node_id in reversed(outermost):
            node = rec.nodes[node_id]
            if text[start:end] != group.rendered(node, indent):  # LibCST must give it back exactly
                line = group.first + text.count("\n", 0, start)
                raise SourceError(f"{path}:{line}: LibCST does not reproduce this line byte for byte; not rewriting")
            if node_id in nested:
                new = apply_edits(node, rec, edits)
            else:  # no tree walk needed for the node alone
                new = node
                for edit in edits[node_id]:
                    new = edit(new)
            text = text[:start] + _code_of(group, new, indent) + text[end:]
        if not parsed.sliced.accepts(text):
            raise SourceError(f"{path}: internal error: the rewritten file does not parse; left unchanged")
        return text

    def _encode(self, parsed: _Parsed, text: str) -> bytes:
        """The migrated file's bytes: the text in the file's own encoding, or the notebook."""
        job = parsed.job
        if parsed.notebook is not None:
            return python_to_notebook(_decode_notebook(job), parsed.notebook, text).encode("utf-8")
        encoding = detect_encoding(job.data, job.path)
        if parsed.text.encode(encoding) != job.data:
            line = first_difference(job.data, parsed.text.encode(encoding))
            raise SourceError(f"{job.path}:{line}: the file does not round-trip through {encoding}; not rewriting")
        return text.encode(encoding)


def _code_of(group: Group, new: cst.CSTNode, indent: str) -> str:
    """An edited node's code; a statement line left with no statements is removed (the
    comment and blank lines above it stay), as `rules.base.NodeEdit` allows."""
    if isinstance(new, cst.SimpleStatementLine) and not new.body:
        return "".join(group.render(line, indent) for line in new.leading_lines)
    return group.render(new, indent)


def _whole(job: Job, text: str, notebook: NotebookSource | None) -> Sliced:
    """The file as one group, parsed whole: for files the slicer cannot split."""
    if notebook is None:
        module = parse_python(job.data, job.path, check_exact=False)
    else:
        try:
            module = parse_python(notebook.python.encode("utf-8"), job.path, check_exact=False)
        except SourceError as error:
            raise _in_notebook(error, notebook) from error
    sliced = Sliced.of_module(text, module)
    sliced.select(job.taint, job.provide)
    return sliced


def _in_notebook(error: SourceError, notebook: NotebookSource) -> SourceError:
    """A syntax error of a notebook names its cell: a line of the joined cells is no place
    in the notebook."""
    return SourceError(syntax_error(notebook) or str(error))


def _message(job: Job, error: Exception) -> str:
    if isinstance(error, RecursionError):
        return f"{job.path}: too deeply nested to analyse"
    return str(error)


def _decode_notebook(job: Job) -> str:
    try:
        return job.data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise NotebookError(f"{job.path}: not UTF-8: {error.reason}") from error


def _in_cell(finding: Finding, notebook: NotebookSource) -> Finding:
    cell, line = locate(notebook, finding.line)
    return Finding(
        finding.path, line, finding.column, finding.rule, finding.action, finding.message,
        finding.kind, finding.kind_source, cell,
    )

