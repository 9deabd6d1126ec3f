"""One run: files -> facts from every file -> decisions -> rewritten files. Never raises for bad input."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from replicate_migrate.analysis.catalog import catalog_lookup
from replicate_migrate.analysis.decide import Decision, decide
from replicate_migrate.analysis.link import Links
from replicate_migrate.analysis.models import ModelFacts
from replicate_migrate.analysis.module import ModuleFacts
from replicate_migrate.analysis.online import base_url_from_env, lookup_models, token_from_env
from replicate_migrate.discovery import DEFAULT_EXCLUDES, discover, mentions
from replicate_migrate.engine.pool import Pool
from replicate_migrate.engine.worker import Job
from replicate_migrate.options import Options
from replicate_migrate.results import FileResult
from replicate_migrate.rules import RULES

NEEDLE = b"replicate"


@dataclass(frozen=True)
class RunOutcome:
    results: tuple[FileResult, ...]  # files that were analysed, failed, or could not be read
    warnings: tuple[str, ...]  # run-wide problems that did not stop it (online lookups)
    scanned: int  # files discovered


def migrate_paths(paths: Sequence[Path], options: Options) -> RunOutcome:
    """Discover, read and migrate the files under `paths` (nothing is written here)."""
    found = discover(
        paths,
        exclude=DEFAULT_EXCLUDES if options.exclude is None else options.exclude,
        extend_exclude=options.extend_exclude,
        force_exclude=options.force_exclude,
        respect_gitignore=options.respect_gitignore,
    )
    errors = [FileResult(path, b"", error=message) for path, message in found.errors]
    sources: list[tuple[str, bytes]] = []
    for file in found.files:
        try:
            sources.append((str(file), file.read_bytes()))
        except OSError as error:
            errors.append(FileResult(str(file), b"", error=f"{file}: cannot read: {error.strerror}"))
    outcome = migrate_sources(sources, options)
    return RunOutcome((*errors, *outcome.results), outcome.warnings, len(found.files))


def migrate_sources(sources: Sequence[tuple[str, bytes]], options: Options) -> RunOutcome:
    """Migrate in-memory sources (path, bytes): the engine behind files and stdin."""
    roots = frozenset(module_name(path).split(".", 1)[0] for path, _ in sources)
    names = {path: module_name(path) for path, _ in sources}
    first = [Job(p, names[p], d) for p, d in sources if mentions(d, (NEEDLE,))]
    if not first:
        return RunOutcome((), (), len(sources))
    rules = frozenset(r.id for r in RULES if options.is_enabled(r.id))
    jobs = min(options.jobs or os.cpu_count() or 1, len(first))
    with Pool(jobs, roots, rules) as pool:
        facts = pool.analyze(first)
        taken = {job.path for job in first}
        consumers = _consumers(facts, [(p, d) for p, d in sources if p not in taken], names)
        if consumers:
            facts += pool.analyze(consumers)
        models, warnings = _models(facts, options)
        decisions = _decisions(facts, models, options)
        results = pool.rewrite(decisions)
    results.sort(key=lambda r: r.path)
    return RunOutcome(tuple(results), warnings, len(sources))


def _consumers(
    facts: list[ModuleFacts], rest: list[tuple[str, bytes]], names: dict[str, str]
) -> list[Job]:
    """Files that never say `replicate` but call a function that returns a run() result."""
    # Only functions that return a run() result matter, and only files that name both
    # the function and the module defining it (an import of it) can call it.
    exported: dict[bytes, set[bytes]] = {}
    for module in facts:
        for use in module.uses:
            if use.category.value == "returned" and use.result.source.kind == "call":
                owner, _, name = use.target.rpartition(".")
                leaf = owner.rsplit(".", 1)[-1]
                exported.setdefault(name.encode(), set()).add(leaf.encode())
    if not exported:
        return []
    pattern = re.compile(rb"\b(?:" + b"|".join(re.escape(n) for n in sorted(exported)) + rb")\b")
    jobs = []
    for path, data in rest:
        found = {m.group() for m in pattern.finditer(data)}
        if any(leaf in data for name in found for leaf in exported[name]):
            jobs.append(Job(path, names[path], data, consumer=True))
    return jobs


def _models(facts: list[ModuleFacts], options: Options) -> tuple[dict[str, ModelFacts], tuple[str, ...]]:
    refs = {call.ref for module in facts for call in module.calls if call.ref}
    models: dict[str, ModelFacts] = {}
    for ref in refs:
        found = catalog_lookup(ref)
        if found is not None:
            models[ref] = found
    unknown = sorted(refs - models.keys())
    if not options.online or not unknown:
        return models, ()
    cache = Path(options.cache_dir) if options.cache_dir else _default_cache()
    lookup = lookup_models(
        unknown, token=token_from_env(), base_url=base_url_from_env(), cache_dir=cache
    )
    models.update(lookup.facts)
    return models, lookup.warnings


def _default_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "replicate-migrate"


def _decisions(
    facts: list[ModuleFacts], models: dict[str, ModelFacts], options: Options
) -> dict[str, list[Decision]]:
    links = Links(facts)
    out: dict[str, list[Decision]] = {module.path: [] for module in facts}
    if not options.is_enabled("RM001"):
        return out
    for module in facts:
        for call in module.calls:
            if call.method in ("run", "async_run"):
                model = models.get(call.ref) if call.ref else None
                out[module.path].append(decide(call, model, links, options.strategy))
    return out


def module_name(path: str) -> str:
    """The dotted module name of a file, from the packages (`__init__.py`) above it."""
    absolute = os.path.abspath(path)
    directory, file = os.path.split(absolute)
    parts = [os.path.splitext(file)[0]]
    while os.path.isfile(os.path.join(directory, "__init__.py")):
        directory, package = os.path.split(directory)
        parts.append(package)
    if parts[0] == "__init__" and len(parts) > 1:
        parts.pop(0)
    return ".".join(reversed(parts))
