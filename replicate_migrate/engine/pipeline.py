"""One run: files -> facts from every file -> decisions -> rewritten files. Never raises for bad input."""

from __future__ import annotations

import contextlib
import errno
import gc
import os
import re
import stat
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

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
    # Each file's os.fstat() as it was read: --fix replaces only that very file.
    read_stats: Mapping[str, os.stat_result] = field(default_factory=dict)
    trees: tuple[str, ...] = ()  # real paths of the directories given: --fix writes only there


def migrate_paths(paths: Sequence[Path], options: Options, progress: Progress | None = None) -> RunOutcome:
    """Discover, read and migrate the files under `paths` (nothing is written here).

    `progress(done, total)` is called as the files that import replicate are analysed.
    """
    # The workers start first: they load LibCST while this process walks the tree, and
    # analyse the first files while it reads the rest.
    explicit_file = len(paths) == 1 and paths[0].is_file()
    trees = _trees(paths)  # before discovery: a link swapped in later does not move them
    with _few_collections(), Pool(1 if explicit_file else _workers(options)) as pool:
        from replicate_migrate.discovery import DEFAULT_EXCLUDES, discover  # after the fork

        found = discover(
            paths,
            exclude=DEFAULT_EXCLUDES if options.exclude is None else options.exclude,
            extend_exclude=options.extend_exclude,
            force_exclude=options.force_exclude,
            respect_gitignore=options.respect_gitignore,
        )
        errors = [FileResult(path, b"", error=message) for path, message in found.errors]
        run = _Run(options, pool, [str(file) for file in found.files])
        read_stats: dict[str, os.stat_result] = {}
        given = {str(path) for path in paths}  # a symbolic link named by the user is followed
        for file in found.files:
            try:
                run.add(str(file), _read(str(file), read_stats, follow=str(file) in given))
            except OSError as error:
                errors.append(FileResult(str(file), b"", error=_unreadable(str(file), error)))
        outcome = run.finish(progress)
    return RunOutcome((*errors, *outcome.results), outcome.warnings, len(found.files), read_stats, trees)


def migrate_sources(
    sources: Sequence[tuple[str, bytes]], options: Options, progress: Progress | None = None
) -> RunOutcome:
    """Migrate in-memory sources (path, bytes): the engine behind files and stdin."""
    with _few_collections(), Pool(min(len(sources), _workers(options))) as pool:
        run = _Run(options, pool, [path for path, _ in sources])
        for path, data in sources:
            run.add(path, data)
        return run.finish(progress)


def _trees(paths: Sequence[Path]) -> tuple[str, ...]:
    """Each given directory's real path, or the real path of a given file's directory."""
    return tuple(
        os.path.realpath(path if os.path.isdir(path) else os.path.dirname(os.path.abspath(path)))
        for path in paths
    )


def _read(path: str, stats: dict[str, os.stat_result], *, follow: bool = False) -> bytes:
    """The bytes of the regular file at `path`; OSError for anything else, without blocking.

    Discovery saw a regular file, but by now it may be a FIFO (whose open would wait for a
    writer), a device, or a symbolic link: each is refused here, after the open.
    """
    # os.read skips the buffered file object: a fifth of the cost of reading a small file.
    fd = os.open(path, _READ_FLAGS if follow else _READ_FLAGS | _NOFOLLOW)
    try:
        info = stats[path] = os.fstat(fd)  # before reading: an edit while reading shows as a change
        if not stat.S_ISREG(info.st_mode):
            raise _NotRegular(info.st_mode)
        chunk = os.read(fd, _READ_SIZE)
        if len(chunk) < _READ_SIZE:  # a short read of a regular file is its end
            return chunk
        chunks = [chunk]
        while chunk := os.read(fd, _READ_SIZE):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


_READ_SIZE = 1 << 20
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


class _NotRegular(OSError):
    def __init__(self, mode: int) -> None:
        super().__init__(errno.EINVAL, "not a regular file")
        self.mode = mode


def _unreadable(path: str, error: OSError) -> str:
    """The one-line reason a discovered file was not read."""
    if isinstance(error, _NotRegular):
        from replicate_migrate.discovery import special_file

        return f"{path}: {special_file(error.mode)}"
    if error.errno == errno.ELOOP:  # O_NOFOLLOW met a link: it was a regular file when found
        return f"{path}: became a symbolic link since it was found; not followed"
    return f"{path}: cannot read: {error.strerror or error}"


def _workers(options: Options) -> int:
    return min(options.jobs, max_workers()) if options.jobs else os.cpu_count() or 1


def max_workers() -> int:
    """The most worker processes a run starts: more than a few per core only waits for
    the cores, and each one costs memory and file descriptors."""
    return (os.cpu_count() or 1) * 4


class _Run:
    """One run's files as they are read; those importing replicate go to a worker at once."""

    def __init__(self, options: Options, pool: Pool, paths: Sequence[str]) -> None:
        self.options = options
        self.pool = pool
        self.names = _module_names(paths)
        self.sources: list[tuple[str, bytes]] = []
        self.saying: set[str] = set()  # files that say replicate (and are not replicate itself)
        self.first: list[Job] = []
        self.importers = _Importers()
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
                self.importers.add_root(job.module_name.split(".", 1)[0])
        self.importers.add(path, data, self.names[path])

    def finish(self, progress: Progress | None) -> RunOutcome:
        """Gather the facts, analyse what they point to, decide, rewrite."""
        if not self.first:
            return RunOutcome((), (), len(self.sources))
        from replicate_migrate.engine import crossfile  # see its docstring

        demand = crossfile.Demand(self.sources, self.importers.found(), self.names, self.first, self.saying)
        # Callers of a function returning a result are queued as soon as its file answers.
        facts = {f.path: f for f in self.pool.gather(progress, demand.follow)}
        for _ in range(MAX_ROUNDS):
            more = demand.next(list(facts.values()))
            if not more:
                break
            facts.update((f.path, f) for f in self.pool.analyze(more))
        ordered = [facts[path] for path in sorted(facts)]  # workers answer in any order
        models, warnings = crossfile.models_of(ordered, self.options)
        decisions = crossfile.decisions_of(ordered, models, self.options)
        results = self.pool.rewrite(decisions)
        results.sort(key=lambda r: r.path)
        return RunOutcome(tuple(results), warnings, len(self.sources))


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


class _Importers:
    """Files that could import a module that imports replicate: they name its top-level
    package. Checked as files are read (before the workers need the cores); a file read
    before a package was seen is checked for it at the end.

    Only absolute imports count: the analysis does not follow relative ones, so a file
    reaching the module only through `from .x import f` could not link a call to it.
    """

    def __init__(self) -> None:
        self.roots: list[bytes] = []
        self.pattern: re.Pattern[bytes] | None = None
        self.common = b""  # a substring of every root: rejects most files at memchr speed
        self.files: list[tuple[str, bytes, int]] = []  # not found yet: roots checked then
        self.candidates: list[tuple[str, bytes]] = []

    def add_root(self, root: str) -> None:
        word = root.encode(errors="surrogateescape")  # from a file name, maybe not UTF-8
        if word not in self.roots:
            self.roots.append(word)
            self.pattern = re.compile(b"|".join(re.escape(r) for r in self.roots))
            self.common = _common_prefix(self.roots)

    def add(self, path: str, data: bytes, module: str) -> None:
        if _is_replicate_itself(module):
            return
        if self.pattern is not None and self.common in data and self.pattern.search(data):
            self.candidates.append((path, data))
        else:
            self.files.append((path, data, len(self.roots)))

    def found(self) -> list[tuple[str, bytes]]:
        for path, data, checked in self.files:
            if any(root in data for root in self.roots[checked:]):
                self.candidates.append((path, data))
        self.files = []
        return self.candidates


def _common_prefix(words: Sequence[bytes]) -> bytes:
    prefix = words[0]
    for word in words[1:]:
        while not word.startswith(prefix):
            prefix = prefix[:-1]
    return prefix


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
