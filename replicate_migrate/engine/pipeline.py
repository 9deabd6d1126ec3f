"""One run: files -> facts from every file -> decisions -> rewritten files. Never raises for bad input."""

from __future__ import annotations

import contextlib
import gc
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from replicate_migrate.analysis.catalog import catalog_lookup
from replicate_migrate.analysis.decide import Decision, decide
from replicate_migrate.analysis.link import Links
from replicate_migrate.analysis.models import ModelFacts
from replicate_migrate.analysis.values import Category, ModuleFacts, Source
from replicate_migrate.discovery import DEFAULT_EXCLUDES, discover
from replicate_migrate.engine.pool import Job, Pool, Progress
from replicate_migrate.options import Options
from replicate_migrate.results import FileResult
from replicate_migrate.rules import RULES

# A file is analysed from the start when it imports replicate; others only when the run
# asks (they call a function returning a result, or define one a result is passed to).
IMPORTS_REPLICATE = re.compile(rb"\b(?:import|from)\b[^\n]*\breplicate\b|\\\r?\n[ \t]*replicate\b")
MAX_ROUNDS = 4


@dataclass(frozen=True)
class RunOutcome:
    results: tuple[FileResult, ...]  # files that were analysed, failed, or could not be read
    warnings: tuple[str, ...]  # run-wide problems that did not stop it (online lookups)
    scanned: int  # files discovered


def migrate_paths(paths: Sequence[Path], options: Options, progress: Progress | None = None) -> RunOutcome:
    """Discover, read and migrate the files under `paths` (nothing is written here).

    `progress(done, total)` is called as the files that import replicate are analysed.
    """
    # The workers start first: they load LibCST while this process walks the tree, and
    # analyse the first files while it reads the rest.
    explicit_file = len(paths) == 1 and paths[0].is_file()
    with _few_collections(), Pool(1 if explicit_file else _workers(options)) as pool:
        found = discover(
            paths,
            exclude=DEFAULT_EXCLUDES if options.exclude is None else options.exclude,
            extend_exclude=options.extend_exclude,
            force_exclude=options.force_exclude,
            respect_gitignore=options.respect_gitignore,
        )
        errors = [FileResult(path, b"", error=message) for path, message in found.errors]
        run = _Run(options, pool, [str(file) for file in found.files])
        for file in found.files:
            try:
                run.add(str(file), _read(str(file)))
            except OSError as error:
                errors.append(FileResult(str(file), b"", error=f"{file}: cannot read: {error.strerror}"))
        outcome = run.finish(progress)
    return RunOutcome((*errors, *outcome.results), outcome.warnings, len(found.files))


def migrate_sources(
    sources: Sequence[tuple[str, bytes]], options: Options, progress: Progress | None = None
) -> RunOutcome:
    """Migrate in-memory sources (path, bytes): the engine behind files and stdin."""
    with _few_collections(), Pool(1 if len(sources) <= 1 else _workers(options)) as pool:
        run = _Run(options, pool, [path for path, _ in sources])
        for path, data in sources:
            run.add(path, data)
        return run.finish(progress)


def _read(path: str) -> bytes:
    # os.read skips the buffered file object: a fifth of the cost of reading a small file.
    fd = os.open(path, os.O_RDONLY)
    try:
        chunks = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _workers(options: Options) -> int:
    return options.jobs or os.cpu_count() or 1


class _Run:
    """One run's files as they are read; those importing replicate go to a worker at once."""

    def __init__(self, options: Options, pool: Pool, paths: Sequence[str]) -> None:
        self.options = options
        self.pool = pool
        self.names = _module_names(paths)
        self.sources: list[tuple[str, bytes]] = []
        self.saying: set[str] = set()  # files that say replicate (and are not replicate itself)
        self.first: list[Job] = []
        pool.start(
            frozenset(name.split(".", 1)[0] for name in self.names.values()),
            frozenset(r.id for r in RULES if options.is_enabled(r.id)),
        )

    def add(self, path: str, data: bytes) -> None:
        self.sources.append((path, data))
        if len(self.sources) % 32 == 0:
            self.pool.poll()  # keep the workers fed while reading
        # The replicate package's own modules (a vendored copy, site-packages) are not its users.
        if b"replicate" in data and not _is_replicate_itself(self.names[path]):
            self.saying.add(path)
            if IMPORTS_REPLICATE.search(data):
                job = Job(path, self.names[path], data)
                self.first.append(job)
                self.pool.submit([job])

    def finish(self, progress: Progress | None) -> RunOutcome:
        """Gather the facts, analyse what they point to, decide, rewrite."""
        if not self.first:
            return RunOutcome((), (), len(self.sources))
        # While the workers finish, find the files that could call into the analysed ones.
        candidates = _importers(self.sources, self.names, {job.module_name for job in self.first})
        facts = {f.path: f for f in self.pool.gather(progress)}
        demand = _Demand(self.sources, candidates, self.names, self.first, self.saying)
        for _ in range(MAX_ROUNDS):
            more = demand.next(list(facts.values()))
            if not more:
                break
            facts.update((f.path, f) for f in self.pool.analyze(more))
        ordered = [facts[path] for path in sorted(facts)]  # workers answer in any order
        models, warnings = _models(ordered, self.options)
        decisions = _decisions(ordered, models, self.options)
        results = self.pool.rewrite(decisions)
        results.sort(key=lambda r: r.path)
        return RunOutcome(tuple(results), warnings, len(self.sources))


def _importers(
    sources: Sequence[tuple[str, bytes]], names: dict[str, str], modules: set[str]
) -> list[tuple[str, bytes]]:
    """Files that could import one of `modules`: in the same top-level package, or naming it."""
    roots = {module.split(".", 1)[0] for module in modules}
    pattern = re.compile(b"|".join(re.escape(r.encode()) for r in sorted(roots)))
    # A substring every root shares rejects most files at memchr speed.
    common = os.path.commonprefix(sorted(roots)).encode()
    out = []
    for path, data in sources:
        root = names[path].split(".", 1)[0]
        if root == "replicate":
            continue
        if root in roots or (common in data and pattern.search(data)):
            out.append((path, data))
    return out


@contextlib.contextmanager
def _few_collections() -> Iterator[None]:
    """Parsing allocates millions of small acyclic objects; at the default thresholds the
    cycle collector runs over every live CST node again and again (a quarter of a run)."""
    saved = gc.get_threshold()
    gc.set_threshold(50_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*saved)


class _Demand:
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

    def next(self, facts: list[ModuleFacts]) -> list[Job]:
        wanted: dict[str, tuple[set[str], set[str]]] = {}
        for path, words in self._callers(facts).items():
            wanted.setdefault(path, (set(), set()))[0].update(words)
        for path, name in self._definitions(facts):
            wanted.setdefault(path, (set(), set()))[1].add(name)
        data = self.data
        jobs = []
        for path, (taint, provide) in sorted(wanted.items()):
            old_taint, old_provide = self.asked.get(path, (frozenset(), frozenset()))
            if taint <= old_taint and provide <= old_provide:
                continue
            fresh = path not in self.asked  # else the worker holding it has its bytes
            self.asked[path] = (old_taint | taint, old_provide | provide)
            jobs.append(Job(path, self.names[path], data[path] if fresh else b"",
                            frozenset(taint), frozenset(provide), consumer=True))
        return jobs

    def _callers(self, facts: list[ModuleFacts]) -> dict[str, set[str]]:
        exported: dict[str, set[str]] = {}  # function name -> modules defining one
        for module in facts:
            for use in module.uses:
                returns_call = use.category is Category.RETURNED and use.result.source.kind == "call"
                if returns_call and use.target not in self.scanned:
                    self.scanned.add(use.target)
                    owner, _, name = use.target.rpartition(".")
                    exported.setdefault(name, set()).add(owner)
        if not exported:
            return {}
        return _callers(self.candidates, self.names, exported)

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
                    out.append((path, parts[cut]))
                    break
        return out


def _callers(
    sources: Sequence[tuple[str, bytes]], names: dict[str, str], exported: dict[str, set[str]]
) -> dict[str, set[str]]:
    """Files naming one of these functions and a module defining it, with those words."""
    roots = {owner.split(".", 1)[0] for owners in exported.values() for owner in owners}
    # An importer names the defining package's root, unless it is inside that package.
    root_pattern = re.compile(b"|".join(re.escape(r.encode()) for r in sorted(roots)))
    name_pattern = re.compile(rb"\b(?:" + b"|".join(re.escape(n.encode()) for n in sorted(exported)) + rb")\b")
    out: dict[str, set[str]] = {}
    for path, data in sources:
        if names[path].split(".", 1)[0] not in roots and not root_pattern.search(data):
            continue
        for found in {m.group().decode() for m in name_pattern.finditer(data)}:
            leaves = {owner.rsplit(".", 1)[-1] for owner in exported[found]}
            present = {leaf for leaf in leaves if leaf.encode() in data}
            if present:
                out.setdefault(path, set()).update({found, *present})
    return out


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


def _is_replicate_itself(module: str) -> bool:
    return module == "replicate" or module.startswith("replicate.")


def _module_names(paths: Sequence[str]) -> dict[str, str]:
    """Each file's dotted module name, from the packages (`__init__.py`) above it."""
    packages: dict[str, str] = {}  # directory -> dotted package ("" when not a package)

    def package(directory: str) -> str:
        found = packages.get(directory)
        if found is None:
            if os.path.isfile(os.path.join(directory, "__init__.py")):
                parent, name = os.path.split(directory)
                above = package(parent) if parent != directory else ""
                found = f"{above}.{name}" if above else name
            else:
                found = ""
            packages[directory] = found
        return found

    absolute: dict[str, str] = {}
    out = {}
    for path in paths:
        given, file = os.path.split(path)
        directory = absolute.get(given)
        if directory is None:
            directory = absolute[given] = os.path.abspath(given or ".")
        stem = os.path.splitext(file)[0]
        prefix = package(directory)
        out[path] = (prefix if stem == "__init__" and prefix else f"{prefix}.{stem}" if prefix else stem)
    return out
