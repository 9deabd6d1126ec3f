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

from replicate_migrate.engine.job import Job
from replicate_migrate.engine.pool import Pool, Progress
from replicate_migrate.options import Options
from replicate_migrate.results import FileResult
from replicate_migrate.rules import enabled_ids

# A file is analysed from the start when it imports replicate; others only when the run
# asks (they call a function returning a result, or define one a result is passed to).
IMPORTS_REPLICATE = re.compile(rb"\b(?:import|from)\b[^\n]*\breplicate\b|\\\r?\n[ \t]*replicate\b")
MAX_ROUNDS = 6  # re-exports through packages take a round per step


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

    The project's other files (under its root: `--project-root`, else the nearest
    pyproject.toml, setup.cfg, setup.py or .git above the paths) are read for facts
    (callers, consumers, definitions) but neither reported nor rewritten, so that
    naming some files, as pre-commit does, decides them as a run over the project would.
    `progress(done, total)` is called as the files that import replicate are analysed.
    """
    # The workers start first: they load LibCST while this process walks the tree, and
    # analyse the first files while it reads the rest.
    explicit_file = len(paths) == 1 and paths[0].is_file()
    trees = _trees(paths)  # before discovery: a link swapped in later does not move them
    with _few_collections(), Pool(1 if explicit_file else _workers(options)) as pool:
        from replicate_migrate.project.files import discover_project  # after the fork

        found = discover_project(paths, options)
        errors = [FileResult(path, b"", error=message) for path, message in found.errors]
        named = {str(file) for file in found.files}
        every = [str(file) for file in (*found.files, *found.context)]
        run = _Run(options, pool, every, options.project_root, named)
        read_stats: dict[str, os.stat_result] = {}
        given = {str(path) for path in paths}  # a symbolic link named by the user is followed
        for file in every:
            try:
                run.add(file, _read(file, read_stats, follow=file in given))
            except OSError as error:
                if file in named:  # the project's other files only inform the run
                    errors.append(FileResult(file, b"", error=_unreadable(file, error)))
        outcome = run.finish(progress)
    return RunOutcome((*errors, *outcome.results), outcome.warnings, len(found.files), read_stats, trees)


def migrate_sources(
    sources: Sequence[tuple[str, bytes]],
    options: Options,
    progress: Progress | None = None,
    context: Sequence[str] = (),
) -> RunOutcome:
    """Migrate in-memory sources (path, bytes): the engine behind files and stdin.

    `context`: other files of the project, read for facts only.
    """
    paths = [path for path, _ in sources]
    with _few_collections(), Pool(min(len(sources) + len(context), _workers(options))) as pool:
        run = _Run(options, pool, [*paths, *context], options.project_root, set(paths))
        for path, data in sources:
            run.add(path, data)
        for path in context:
            try:
                run.add(path, _read(path, {}))
            except OSError:
                continue  # a file that vanished is no longer part of the project
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

    def __init__(self, options: Options, pool: Pool, paths: Sequence[str], root: str | None, named: set[str]) -> None:
        from replicate_migrate.project import build_project

        self.options = options
        self.pool = pool
        self.named = named  # reported and rewritten; the other files only inform them
        self.project = build_project(paths, os.path.abspath(root) if root else None)
        self.names = self.project.keys
        self.sources: list[tuple[str, bytes]] = []
        self.first: list[Job] = []
        pool.start(self.project.resolver, enabled_ids(options))

    def add(self, path: str, data: bytes) -> None:
        if self.project.is_replicate_itself(path):
            return  # the replicate package's own modules (vendored, site-packages)
        self.sources.append((path, data))
        if len(self.sources) % 32 == 0:
            self.pool.poll()  # keep the workers fed while reading
        if b"replicate" in data and IMPORTS_REPLICATE.search(data):
            job = Job(path, self.names[path], data)
            self.first.append(job)
            self.pool.submit([job])

    def finish(self, progress: Progress | None) -> RunOutcome:
        """Gather the facts, analyse what they point to, decide, rewrite."""
        if not any(job.path in self.named for job in self.first):
            return RunOutcome((), (), len(self.named))
        from replicate_migrate.engine import crossfile  # see its docstring

        demand = crossfile.Demand(self.sources, self.project, self.first)
        # Callers of a function returning a result are queued as soon as its file answers.
        facts = {f.path: f for f in self.pool.gather(progress, demand.follow)}
        for _ in range(MAX_ROUNDS):
            more = demand.next(list(facts.values()))
            if not more:
                break
            facts.update((f.path, f) for f in self.pool.analyze(more))
        ordered = [facts[path] for path in sorted(facts)]  # workers answer in any order
        models, warnings = crossfile.models_of(ordered, self.options)
        concluded = crossfile.project_phase(ordered, models, self.options)
        wanted = {path: items for path, items in concluded.items() if path in self.named}
        results = [r for r in self.pool.rewrite(wanted) if r.path in self.named]
        results.sort(key=lambda r: r.path)
        return RunOutcome(tuple(results), warnings, len(self.named))


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
