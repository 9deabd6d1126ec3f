"""One worker's files: parse once, analyse (phase 1), then apply the run's decisions (phase 2).

The parsed modules stay in the worker between the phases, so each file is parsed
exactly once however the facts of other files change the decisions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from replicate_migrate.analysis.decide import Decision
from replicate_migrate.analysis.module import ModuleFacts, analyze_module
from replicate_migrate.analysis.recorder import Recorder
from replicate_migrate.engine.rewrite import rewrite_module
from replicate_migrate.engine.source import (
    SourceError,
    check_reproduces,
    decode_python,
    is_valid_python,
    parse_python,
)
from replicate_migrate.notebooks import (
    NotebookError,
    NotebookSource,
    locate,
    notebook_to_python,
    python_to_notebook,
)
from replicate_migrate.results import FileResult, Finding


@dataclass(frozen=True)
class Job:
    path: str  # as given on the command line or found by discovery
    module_name: str
    data: bytes
    consumer: bool = False  # taken only because it may call a function returning a result


@dataclass
class _Parsed:
    job: Job
    module: cst.Module
    rec: Recorder
    facts: ModuleFacts
    notebook: NotebookSource | None = None


@dataclass
class Worker:
    project_roots: frozenset[str]
    rules: frozenset[str]
    parsed: dict[str, _Parsed] = field(default_factory=dict)
    failed: dict[str, FileResult] = field(default_factory=dict)

    def analyze(self, jobs: list[Job]) -> list[ModuleFacts]:
        out = []
        for job in jobs:
            try:
                parsed = self._parse(job)
            except (SourceError, NotebookError, RecursionError) as error:
                # A file taken on suspicion that cannot be read is simply not a consumer.
                if not job.consumer:
                    self.failed[job.path] = FileResult(job.path, job.data, error=_message(job, error))
                continue
            self.parsed[job.path] = parsed
            out.append(parsed.facts)
        return out

    def _parse(self, job: Job) -> _Parsed:
        notebook = None
        if job.path.endswith(".ipynb"):
            notebook = notebook_to_python(_decode_notebook(job), job.path)
            data = notebook.python.encode("utf-8")
        else:
            data = job.data
        # The byte-for-byte check costs a codegen; it runs only for files that change.
        module = parse_python(data, job.path, check_exact=False)
        text = notebook.python if notebook is not None else decode_python(data, job.path)
        facts, rec = analyze_module(module, job.path, job.module_name, self.project_roots, text)
        return _Parsed(job, module, rec, facts, notebook)

    def rewrite(self, decisions: dict[str, list[Decision]]) -> list[FileResult]:
        results = list(self.failed.values())
        for path, parsed in self.parsed.items():
            results.append(self._rewrite_one(parsed, decisions.get(path, [])))
        return results

    def _rewrite_one(self, parsed: _Parsed, decisions: list[Decision]) -> FileResult:
        job = parsed.job
        module, findings = rewrite_module(parsed.module, parsed.rec, parsed.facts, decisions, self.rules)
        if parsed.notebook is not None:
            findings = [_in_cell(f, parsed.notebook) for f in findings]
        if module is parsed.module:
            return FileResult(job.path, job.data, None, tuple(findings))
        if parsed.notebook is None:
            try:
                check_reproduces(parsed.module, job.data, job.path)
            except SourceError as problem:
                return FileResult(job.path, job.data, None, tuple(findings), error=str(problem))
        migrated = self._encode(parsed, module)
        if migrated is None:
            message = f"{job.path}: internal error: the rewritten file does not parse; left unchanged"
            return FileResult(job.path, job.data, None, tuple(findings), error=message)
        return FileResult(job.path, job.data, migrated, tuple(findings))

    def _encode(self, parsed: _Parsed, module: cst.Module) -> bytes | None:
        if parsed.notebook is None:
            data = module.bytes
            return data if is_valid_python(data) else None
        if not is_valid_python(module.code.encode("utf-8")):
            return None
        original = _decode_notebook(parsed.job)
        try:
            text = python_to_notebook(original, parsed.notebook, module.code)
        except NotebookError:
            return None
        return text.encode("utf-8")


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

