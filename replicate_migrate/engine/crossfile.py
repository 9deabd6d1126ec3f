"""Run-wide steps between the two phases: what else to analyse, the models, one decision per call.

Imported once every file is read, so that a run's start (and the fork of its workers)
does not wait for the analysis and catalog modules.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

from replicate_migrate.analysis.catalog import catalog_lookup
from replicate_migrate.analysis.decide import Decision, decide
from replicate_migrate.analysis.link import Links
from replicate_migrate.analysis.models import ModelFacts
from replicate_migrate.analysis.values import Category, ModuleFacts, Source
from replicate_migrate.engine.pool import Job
from replicate_migrate.options import Options


class Demand:
    """What the facts so far say the run must still analyse; each request is made once.

    Callers: files that may call a function returning a run() result (they name it and
    its module). Definitions: project functions a result is passed to, in files that say
    `replicate` but were not analysed that far yet (a run does not wander into every
    module of the tree).
    """

    def __init__(
        self,
        sources: Sequence[tuple[str, bytes]],
        candidates: Sequence[tuple[str, bytes]],  # files that could import an analysed one
        names: dict[str, str],
        first: list[Job],
        saying: set[str],
    ) -> None:
        self.candidates = candidates
        self.names = names
        self.data = dict(sources)
        self.paths = {names[path]: path for path in saying}
        self.asked = {job.path: (job.taint, job.provide) for job in first}
        self.scanned: set[str] = set()  # returning functions already looked for
        self.exports: dict[str, str] = {}  # clients and client factories other modules may import
        self.known_of: dict[str, int] = {}  # how many exports a file was last analysed with
        self.index: dict[bytes, list[int]] | None = None  # word -> candidates saying it

    def follow(self, facts: list[ModuleFacts]) -> list[Job]:
        """The callers of functions these new facts show returning a result (during a phase)."""
        wanted: dict[str, tuple[set[str], set[str]]] = {}
        for path, words in self._callers(facts).items():
            wanted.setdefault(path, (set(), set()))[0].update(words)
        return self._jobs(wanted)

    def next(self, facts: list[ModuleFacts]) -> list[Job]:
        """Everything the facts so far ask for that was not asked for before."""
        wanted: dict[str, tuple[set[str], set[str]]] = {}
        for path, words in self._callers(facts).items():
            wanted.setdefault(path, (set(), set()))[0].update(words)
        for path, name in self._definitions(facts):
            wanted.setdefault(path, (set(), set()))[1].add(name)
        for path, words in self._client_users(facts).items():
            wanted.setdefault(path, (set(), set()))[0].update(words)
        return self._jobs(wanted)

    def _jobs(self, wanted: dict[str, tuple[set[str], set[str]]]) -> list[Job]:
        data = self.data
        jobs = []
        for path, (taint, provide) in sorted(wanted.items()):
            old_taint, old_provide = self.asked.get(path, (frozenset(), frozenset()))
            # Clients exported since it was analysed may make new call sites appear in it.
            known_then = self.known_of.get(path, 0)
            if taint <= old_taint and provide <= old_provide and known_then == len(self.exports):
                continue
            fresh = path not in self.asked  # else the worker holding it has its bytes
            self.asked[path] = (old_taint | taint, old_provide | provide)
            self.known_of[path] = len(self.exports)
            jobs.append(Job(path, self.names[path], data[path] if fresh else b"",
                            frozenset(taint), frozenset(provide), consumer=True,
                            known=frozenset(self.exports.items())))
        return jobs

    def _client_users(self, facts: list[ModuleFacts]) -> dict[str, set[str]]:
        """Files that may import a client (or a client factory) another module defines."""
        fresh: dict[str, set[str]] = {}  # name -> modules defining it
        for module in facts:
            for name, kind in module.exports:
                if name not in self.exports:
                    self.exports[name] = kind
                    owner, _, leaf = name.rpartition(".")
                    fresh.setdefault(leaf, set()).add(owner)
        if not fresh:
            return {}
        if self.index is None:
            self.index = _word_index(self.candidates)
        return _callers(self.candidates, self.index, fresh)

    def _callers(self, facts: list[ModuleFacts]) -> dict[str, set[str]]:
        exported: dict[str, set[str]] = {}  # function name -> modules defining one
        classes = {name for module in facts for name in module.classes}
        # A getter of `self.last = replicate.run(...)` returns a result too.
        stored = {
            u.target
            for m in facts
            for u in m.uses
            if u.category is Category.STORED and u.result.source.kind == "call"
        }
        for module in facts:
            for use in module.uses:
                source = use.result.source
                returns_call = use.category is Category.RETURNED and (
                    source.kind == "call" or source.kind == "attr" and source.name in stored
                )
                if returns_call and use.target not in self.scanned:
                    self.scanned.add(use.target)
                    owner, _, name = use.target.rpartition(".")
                    exported.setdefault(name, set()).add(owner)
                    if owner in classes:  # a caller may name only an instance and its module
                        exported[name].add(owner.rpartition(".")[0])
        if not exported:
            return {}
        if self.index is None:  # built once, at the first function to look for
            self.index = _word_index(self.candidates)
        return _callers(self.candidates, self.index, exported)

    def _definitions(self, facts: list[ModuleFacts]) -> list[tuple[str, str]]:
        links = Links(facts)
        for module in facts:
            for call in module.calls:
                links.reach(Source("call", call.id))
        out = []
        for qualname in sorted(links.unresolved):
            parts = qualname.split(".")
            for cut in range(len(parts) - 1, 0, -1):
                path = self.paths.get(".".join(parts[:cut]))
                if path is not None:
                    out.append((path, parts[cut].removesuffix("()")))  # `svc.Saver().save`
                    break
        return out


_IDENTIFIER = re.compile(rb"[A-Za-z_\x80-\xff][A-Za-z0-9_\x80-\xff]*")


def _word_index(sources: Sequence[tuple[str, bytes]]) -> dict[bytes, list[int]]:
    """Every identifier-like word (UTF-8 ones too) -> the indexes of the sources saying it."""
    index: dict[bytes, list[int]] = {}
    for number, (_, data) in enumerate(sources):
        for word in set(_IDENTIFIER.findall(data)):
            index.setdefault(word, []).append(number)
    return index


def _callers(
    sources: Sequence[tuple[str, bytes]],
    index: dict[bytes, list[int]],
    exported: dict[str, set[str]],
) -> dict[str, set[str]]:
    """Files naming one of these functions and a module defining it, with those words."""
    out: dict[str, set[str]] = {}
    for name, owners in exported.items():
        roots = {owner.split(".", 1)[0] for owner in owners}
        leaves = {owner.rsplit(".", 1)[-1] for owner in owners}
        for number in index.get(name.encode(), ()):
            path, data = sources[number]
            # An importer names the defining package's root (absolute imports only, as above).
            # A module named by a file name that is not UTF-8 keeps its bytes (surrogateescape).
            if not any(r.encode(errors="surrogateescape") in data for r in roots):
                continue
            present = {leaf for leaf in leaves if leaf.encode(errors="surrogateescape") in data}
            if present:
                out.setdefault(path, set()).update({name, *present})
    return out


def models_of(facts: list[ModuleFacts], options: Options) -> tuple[dict[str, ModelFacts], tuple[str, ...]]:
    refs = {call.ref for module in facts for call in module.calls if call.ref}
    models: dict[str, ModelFacts] = {}
    for ref in refs:
        found = catalog_lookup(ref)
        if found is not None:
            models[ref] = found
    unknown = sorted(refs - models.keys())
    if not options.online or not unknown:
        return models, ()
    # httpx is imported only by runs that go online.
    from replicate_migrate.analysis.online import base_url_from_env, lookup_models, token_from_env

    cache = Path(options.cache_dir) if options.cache_dir else _default_cache()
    lookup = lookup_models(
        unknown, token=token_from_env(), base_url=base_url_from_env(), cache_dir=cache
    )
    models.update(lookup.facts)
    return models, lookup.warnings


def _default_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "replicate-migrate"


def decisions_of(
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
