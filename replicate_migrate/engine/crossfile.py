"""Run-wide steps between the two phases: what else to analyse, the models, the rules' project phases.

Imported once every file is read, so that a run's start (and the fork of its workers)
does not wait for the analysis and catalog modules.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

from replicate_migrate.analysis.catalog import catalog_lookup
from replicate_migrate.analysis.link import Links
from replicate_migrate.analysis.models import ModelFacts
from replicate_migrate.analysis.values import Category, ModuleFacts, Source
from replicate_migrate.engine.importers import ImportIndex
from replicate_migrate.engine.job import Job
from replicate_migrate.options import Options
from replicate_migrate.project import Project
from replicate_migrate.rules import RULES, enabled_ids
from replicate_migrate.rules.base import Conclusions, Fact, ProjectContext, Rule


class Demand:
    """What the facts so far say the run must still analyse; each request is made once.

    Callers: files that may call a function returning a run() result: they name it,
    can import its module (replicate_migrate.project), name its top-level package in an
    import statement or import relatively (importers.py finds those few files without
    tokenising the rest), and name a part of the module's dotted name. Re-exports of such a function (`__init__.py`,
    star imports) are looked for in the same way. Definitions: project functions a
    result is passed to, in any file of the run, for the names the run needs only.
    """

    def __init__(self, sources: Sequence[tuple[str, bytes]], project: Project, first: list[Job]) -> None:
        self.sources = sources
        self.keys = project.keys
        self.resolver = project.resolver
        self.data = dict(sources)
        self.paths = {self.keys[path]: path for path, _ in sources}
        self.asked = {job.path: (job.taint, job.provide) for job in first}
        self.returning: set[str] = set()  # functions returning a result, and their re-exports
        self.aliases: dict[str, set[str]] = {}  # project name -> module-level names bound to it
        self.stars: dict[str, set[str]] = {}  # module -> modules importing it with `*`
        self.relays: dict[str, set[str]] = {}  # function -> functions returning what it returns
        self.scanned: set[str] = set()  # names whose callers were looked for
        self.imports: ImportIndex | None = None  # built when a first caller is looked for
        self.classes: set[str] = set()  # classes of the project seen so far
        self.stored: set[str] = set()  # attributes a result is stored on (`self.last = run()`)
        self.exports: dict[str, str] = {}  # clients and client factories other modules may import
        self.known_of: dict[str, int] = {}  # how many exports a file was last analysed with

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
        for path in self._star_modules(facts):
            wanted.setdefault(path, (set(), set()))[0].add("import")
        for path, words in self._client_users(facts).items():
            wanted.setdefault(path, (set(), set()))[0].update(words)
        return self._jobs(wanted)

    def _star_modules(self, facts: list[ModuleFacts]) -> list[str]:
        """Modules imported with `*`: what they import in turn says where their names come from."""
        return [self.paths[star] for module in facts for star in module.stars if star in self.paths]

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
            jobs.append(Job(path, self.keys[path], data[path] if fresh else b"",
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
        return self._importers(fresh) if fresh else {}

    def _callers(self, facts: list[ModuleFacts]) -> dict[str, set[str]]:
        for module in facts:
            self.classes.update(module.classes)
            # A getter of `self.last = replicate.run(...)` returns a result too.
            self.stored.update(
                u.target for u in module.uses
                if u.category is Category.STORED and u.result.source.kind == "call"
            )
        for module in facts:
            for use in module.uses:
                if use.category is not Category.RETURNED:
                    continue
                source = use.result.source
                if source.kind == "call" or source.kind == "attr" and source.name in self.stored:
                    self.returning.add(use.target)
                elif use.result.source.kind == "return":  # returns what another function returns
                    self.relays.setdefault(use.result.source.name, set()).add(use.target)
            for own, target in module.aliases:
                self.aliases.setdefault(target, set()).add(own)
            for star in module.stars:
                self.stars.setdefault(star, set()).add(module.module_name)
        exported: dict[str, set[str]] = {}  # function name -> modules it can be imported from
        for qualname in self._returning():
            if qualname not in self.scanned:
                self.scanned.add(qualname)
                owner, _, name = qualname.rpartition(".")
                exported.setdefault(name, set()).add(owner)
                if owner in self.classes:  # a caller may name only an instance and its module
                    exported[name].add(owner.rpartition(".")[0])
        return self._importers(exported) if exported else {}

    def _returning(self) -> set[str]:
        """Functions returning a result, every name they are re-exported as (aliases, star
        imports), and the functions returning what one of those returns."""
        out: set[str] = set()
        stack = list(self.returning)
        while stack:
            name = stack.pop()
            if name in out:
                continue
            out.add(name)
            stack.extend(self.aliases.get(name, ()))
            owner, _, attr = name.rpartition(".")
            stack.extend(f"{module}.{attr}" for module in self.stars.get(owner, ()))
            stack.extend(self.relays.get(name, ()))
        return out

    def _importers(self, exported: dict[str, set[str]]) -> dict[str, set[str]]:
        """Files naming one of these functions that can import a module defining it."""
        if self.imports is None:
            self.imports = ImportIndex(self.sources, self.keys)
        out: dict[str, set[str]] = {}
        for name, owners in exported.items():
            word = name.encode()
            pattern = re.compile(rb"(?<![A-Za-z0-9_\x80-\xff])" + re.escape(word) + rb"(?![A-Za-z0-9_\x80-\xff])")
            for number in self.imports.candidates(owners):
                path, data = self.sources[number]
                if word not in data or not pattern.search(data):
                    continue
                words = self._import_words(self.keys[path], data, owners)
                if words:
                    out.setdefault(path, set()).update({name, *words})
        return out

    def _import_words(self, importer: str, data: bytes, owners: set[str]) -> set[str]:
        """The words by which `data` may import one of `owners`; empty when it cannot.

        `from pkg.mod import f`, `import pkg.mod`, `from pkg import mod` name the first and
        the last part; `from .mod import f`, `from ..sub import mod` only the last, and only
        within the same top-level package; `from pkg import *` the first.
        """
        words: set[str] = set()
        star = b"import *" in data
        for owner in owners:
            token, *parts = owner.split(".")
            if not parts or not self.resolver.can_import(importer, owner):
                continue
            first, last = parts[0], parts[-1]
            tail = last.encode() in data or star
            if first.encode() in data and tail:
                words.update(w for w in (first, last) if w.encode() in data)
            elif importer.split(".", 1)[0] == token and b"from ." in data and tail:
                words.update(w for w in (last,) if w.encode() in data)
        return words

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


def models_of(facts: list[ModuleFacts], options: Options) -> tuple[dict[str, ModelFacts], tuple[str, ...]]:
    """Each model's output kind, from the catalog and --online, when a rule on asks for them."""
    if not any(Fact.MODELS in rule.asks for rule in _wanted(options)):
        return {}, ()
    refs = {ref for module in facts for call in module.calls for ref in (call.refs or [call.ref]) if ref}
    models: dict[str, ModelFacts] = {}
    for ref in refs:
        found = catalog_lookup(ref)
        if found is not None:
            models[ref] = found
    unknown = sorted(refs - models.keys())
    if not options.online or not unknown:
        return models, ()
    # httpx is imported only by runs that go online.
    from replicate_migrate.online import base_url_from_env, lookup_models, token_from_env

    cache = Path(options.cache_dir) if options.cache_dir else _default_cache()
    lookup = lookup_models(
        unknown, token=token_from_env(), base_url=base_url_from_env(), cache_dir=cache
    )
    models.update(lookup.facts)
    return models, lookup.warnings


def _default_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "replicate-migrate"


def _wanted(options: Options) -> list[Rule]:
    """The rules on in this run, and those whose conclusions they read, in RULES order."""
    enabled = enabled_ids(options)
    wanted = enabled | {read for rule in RULES if rule.id in enabled for read in rule.reads}
    return [rule for rule in RULES if rule.id in wanted]


def project_phase(
    facts: list[ModuleFacts], models: dict[str, ModelFacts], options: Options
) -> dict[str, dict[str, tuple[object, ...]]]:
    """Module path -> rule id -> what that rule's project phase concluded for the module.

    A phase runs when its rule is on, or a rule that is on reads its conclusions.
    """
    out: dict[str, dict[str, tuple[object, ...]]] = {module.path: {} for module in facts}
    ctx = ProjectContext(tuple(facts), models, options.strategy)
    for rule in _wanted(options):
        if rule.project is not None:
            concluded: Conclusions = rule.project(ctx)
            for path, items in concluded.items():
                out[path][rule.id] = items
    return out
