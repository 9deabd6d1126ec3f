"""Workers that keep their files between the two phases: in-process, or one process each.

A plain process pool would hand phase 2 of a file to any process, which would have
to parse it again; here each file stays with the worker that parsed it.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import TYPE_CHECKING, Any, cast

from replicate_migrate.analysis.decide import Decision
from replicate_migrate.analysis.values import ModuleFacts
from replicate_migrate.results import FileResult

if TYPE_CHECKING:
    from replicate_migrate.engine.worker import Worker


SEEDS = frozenset({"replicate"})


@dataclass(frozen=True)
class Job:
    """Analyse `path` (again, with more of it, when the worker already holds it)."""

    path: str  # as given on the command line or found by discovery
    module_name: str
    data: bytes  # empty when the worker already holds the file
    taint: frozenset[str] = SEEDS  # words whose statements may hold replicate values
    provide: frozenset[str] = frozenset()  # names whose definitions the run needs
    consumer: bool = False  # taken only because it may meet a result from elsewhere


CHUNK = 16  # files per message to a worker
Progress = Callable[[int, int], None]


def _serve(conn: Connection) -> None:
    # Imported here: a worker loads LibCST while the parent is still reading files.
    from replicate_migrate.engine.worker import Worker

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


class Pool:
    """`jobs` workers; new files are dealt to them by size so the work is even."""

    def __init__(self, jobs: int) -> None:
        self.local: Worker | None = None
        self.in_process = jobs <= 1
        self.conns: list[Connection] = []
        self.procs: list[Any] = []
        self.owner: dict[str, int] = {}
        self.loads = [0] * max(jobs, 1)
        if not self.in_process:
            context = multiprocessing.get_context("fork")
            for _ in range(jobs):
                parent, child = context.Pipe()
                proc = context.Process(target=_serve, args=(child,), daemon=True)
                proc.start()
                self.conns.append(parent)
                self.procs.append(proc)

    def start(self, roots: frozenset[str], rules: frozenset[str]) -> None:
        """What every worker needs to know before its first file (known once files are read)."""
        if self.in_process:
            from replicate_migrate.engine.worker import Worker

            self.local = Worker(roots, rules)
        for conn in self.conns:
            conn.send(("start", (roots, rules)))

    def analyze(self, jobs: Sequence[Job], progress: Progress | None = None) -> list[ModuleFacts]:
        """Facts of the files; `progress(done, total)` after each chunk of files."""
        if self.local is not None:
            out = []
            for start in range(0, len(jobs), CHUNK):
                out.extend(self.local.analyze(list(jobs[start : start + CHUNK])))
                if progress is not None:
                    progress(min(start + CHUNK, len(jobs)), len(jobs))
            return out
        batches: list[list[Job]] = [[] for _ in self.conns]
        for job in sorted(jobs, key=lambda j: -len(j.data)):
            index = self.owner.get(job.path)
            if index is None:  # a new file goes to the least loaded worker, and stays there
                index = self.owner[job.path] = self.loads.index(min(self.loads))
            batches[index].append(job)
            self.loads[index] += len(job.data)
        return self._stream(batches, len(jobs), progress)

    def _stream(self, batches: list[list[Job]], total: int, progress: Progress | None) -> list[ModuleFacts]:
        # Chunks, not whole batches, so that progress moves; the next chunk is sent as
        # soon as a worker answers, so no worker waits for another.
        chunks = [[batch[i : i + CHUNK] for i in range(0, len(batch), CHUNK)] for batch in batches]
        busy: dict[Connection, tuple[int, int]] = {}  # conn -> (worker, files in flight)
        for index, conn in enumerate(self.conns):
            if chunks[index]:
                chunk = chunks[index].pop(0)
                conn.send(("analyze", chunk))
                busy[conn] = (index, len(chunk))
        out: list[ModuleFacts] = []
        done = 0
        while busy:
            for ready in wait(list(busy)):
                conn = cast(Connection, ready)
                out.extend(conn.recv())
                index, count = busy.pop(conn)
                done += count
                if chunks[index]:
                    chunk = chunks[index].pop(0)
                    conn.send(("analyze", chunk))
                    busy[conn] = (index, len(chunk))
                if progress is not None:
                    progress(done, total)
        return out

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
