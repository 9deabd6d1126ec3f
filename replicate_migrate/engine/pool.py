"""Workers that keep their files between the two phases: in-process, or one process each.

A plain process pool would hand phase 2 of a file to any process, which would have
to parse it again; here each file stays with the worker that parsed it.
"""

from __future__ import annotations

import multiprocessing
import os
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import TYPE_CHECKING, Any, cast

from replicate_migrate.analysis.values import ModuleFacts
from replicate_migrate.results import FileResult

if TYPE_CHECKING:
    from replicate_migrate.analysis.decide import Decision
    from replicate_migrate.engine.worker import Worker
    from replicate_migrate.project.resolver import Resolver


SEEDS = frozenset({"replicate"})


@dataclass(frozen=True)
class Job:
    """Analyse `path` (again, with more of it, when the worker already holds it)."""

    path: str  # as given on the command line or found by discovery
    module_name: str  # the module's key in the run (replicate_migrate.project)
    data: bytes  # empty when the worker already holds the file
    taint: frozenset[str] = SEEDS  # words whose statements may hold replicate values
    provide: frozenset[str] = frozenset()  # names whose definitions the run needs
    consumer: bool = False  # taken only because it may meet a result from elsewhere


CHUNK = 16  # files per message to a worker
Progress = Callable[[int, int], None]
Follow = Callable[[list[ModuleFacts]], Sequence[Job]]


def _serve_all(conns: list[Connection], parent_ends: list[Connection]) -> None:
    """The first worker: load LibCST (while the parent walks and reads), fork the others."""
    # Only the parent may hold its ends: if it dies, every worker then reads EOF and exits.
    for end in parent_ends:
        end.close()
    import replicate_migrate.engine.worker  # noqa: F401  (~0.1 s; paid once, not per worker)

    children = []
    for conn in conns[1:]:
        pid = os.fork()
        if pid == 0:
            try:
                _serve(conn)
            except Exception:  # noqa: BLE001 - shown, then the worker exits
                traceback.print_exc()
            finally:
                os._exit(0)  # a forked copy never runs its parent's exit handlers
        children.append(pid)
    try:
        _serve(conns[0])
    except Exception:  # noqa: BLE001 - shown, then the worker exits
        traceback.print_exc()
    finally:
        for pid in children:
            os.waitpid(pid, 0)
        os._exit(0)  # freeing every parsed tree one by one would only delay the run's end


def _serve(conn: Connection) -> None:
    from replicate_migrate.engine.worker import Worker

    try:
        command, payload = conn.recv()
        if command != "start":  # the run found nothing to analyse
            return
        worker = Worker(*payload)
        while True:
            command, payload = conn.recv()
            if command == "analyze":
                conn.send(worker.analyze(payload))
            elif command == "rewrite":
                conn.send(worker.rewrite(payload))
            else:
                return
    except (EOFError, ConnectionError, KeyboardInterrupt):
        return  # the parent is gone or interrupted: it reports, the workers just stop


class Pool:
    """`jobs` workers; a new file goes to the least loaded one, and stays with it."""

    def __init__(self, jobs: int) -> None:
        self.local: Worker | None = None
        self.in_process = jobs <= 1
        self.conns: list[Connection] = []
        self.procs: list[Any] = []
        self.owner: dict[str, int] = {}
        self.loads = [0] * max(jobs, 1)
        self.queued: list[list[Job]] = [[] for _ in self.loads]  # not sent yet, per worker
        self.busy: dict[Connection, int] = {}  # files in flight per worker
        self.facts: list[ModuleFacts] = []  # answers not gathered yet
        self.total = self.done = 0
        self.follow: Follow | None = None
        if not self.in_process:
            context = multiprocessing.get_context("fork")
            pipes = [context.Pipe() for _ in range(jobs)]
            self.conns = [parent for parent, _ in pipes]
            proc = context.Process(
                target=_serve_all, args=([c for _, c in pipes], self.conns), daemon=True
            )
            proc.start()
            for _, child in pipes:
                child.close()  # so that a worker that dies is an EOF here, not a hang
            self.procs.append(proc)

    def start(self, resolver: Resolver, rules: frozenset[str]) -> None:
        """What every worker needs to know before its first file (known once files are read)."""
        if self.in_process:
            from replicate_migrate.engine.worker import Worker

            self.local = Worker(resolver, rules)
        for conn in self.conns:
            conn.send(("start", (resolver, rules)))

    def analyze(self, jobs: Sequence[Job], progress: Progress | None = None) -> list[ModuleFacts]:
        """Facts of the files (new, or whose analysed part grew); biggest files first."""
        self.submit(sorted(jobs, key=lambda j: -len(j.data)))
        return self.gather(progress)

    def submit(self, jobs: Sequence[Job]) -> None:
        """Queue files; a chunk goes out as soon as it is full and its worker is idle."""
        self._enqueue(jobs)
        if self.local is None:
            self._pump(flush=False)

    def _enqueue(self, jobs: Sequence[Job]) -> None:
        for job in jobs:
            index = self.owner.get(job.path)
            if index is None:  # a new file goes to the least loaded worker, and stays there
                index = self.owner[job.path] = self.loads.index(min(self.loads))
            self.queued[index].append(job)
            self.loads[index] += len(job.data)
            self.total += 1

    def poll(self) -> None:
        """Take the answers that are in and hand out the next chunks, without waiting."""
        if self.local is None:
            self._pump(flush=False)

    def gather(self, progress: Progress | None = None, follow: Follow | None = None) -> list[ModuleFacts]:
        """Wait for every queued file; `progress(done, total)` after each chunk.

        `follow(facts)` sees each chunk's facts as it comes in and may queue more files,
        which this same call then waits for.
        """
        self.follow = follow
        if self.local is not None:
            jobs = self.queued[0]
            while jobs:
                chunk = jobs[:CHUNK]
                del jobs[:CHUNK]
                self._answered(self.local.analyze(chunk), len(chunk), progress)
        else:
            self._pump(flush=True, progress=progress)
        out, self.facts, self.total, self.done, self.follow = self.facts, [], 0, 0, None
        return out

    def _answered(self, facts: list[ModuleFacts], count: int, progress: Progress | None) -> None:
        self.facts.extend(facts)
        self.done += count
        if self.follow is not None:
            self._enqueue(self.follow(facts))
        if progress is not None:
            progress(self.done, self.total)

    def _pump(self, *, flush: bool, progress: Progress | None = None) -> None:
        # One chunk in flight per worker: with two, both pipes could fill at once. When
        # flushing, wait for every answer; else take only the answers already there.
        while True:
            for index, conn in enumerate(self.conns):
                queue = self.queued[index]
                if conn not in self.busy and (len(queue) >= CHUNK or (flush and queue)):
                    chunk = queue[:CHUNK]
                    del queue[:CHUNK]
                    conn.send(("analyze", chunk))
                    self.busy[conn] = len(chunk)
            if not self.busy:
                return
            ready = wait(list(self.busy), timeout=None if flush else 0)
            if not ready:
                return
            for item in ready:
                conn = cast(Connection, item)
                self._answered(conn.recv(), self.busy.pop(conn), progress)

    def rewrite(self, decisions: dict[str, list[Decision]]) -> list[FileResult]:
        if self.local is not None:
            return self.local.rewrite(decisions)
        batches: list[dict[str, list[Decision]]] = [{} for _ in self.conns]
        for path, items in decisions.items():
            batches[self.owner.get(path, 0)][path] = items
        return self._gather("rewrite", batches)

    def _gather(self, command: str, batches: Sequence[object]) -> list[Any]:
        for conn, batch in zip(self.conns, batches):
            conn.send((command, batch))
        out: list[Any] = []
        for conn in self.conns:
            out.extend(conn.recv())
        return out

    def close(self) -> None:
        for conn in self.conns:
            try:
                conn.send(("stop", None))
            except (BrokenPipeError, OSError):
                pass
        for proc in self.procs:
            proc.join(timeout=5)
            if proc.is_alive():
                proc.terminate()

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
