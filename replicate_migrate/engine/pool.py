"""Workers that keep their files between the two phases: in-process, or one process each.

A plain process pool would hand phase 2 of a file to any process, which would have
to parse it again; here each file stays with the worker that parsed it.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection, wait
from typing import Any, cast

from replicate_migrate.analysis.decide import Decision
from replicate_migrate.analysis.module import ModuleFacts
from replicate_migrate.engine.worker import Job, Worker
from replicate_migrate.results import FileResult


CHUNK = 16  # files per message to a worker
Progress = Callable[[int, int], None]


def _serve(conn: Connection, roots: frozenset[str], rules: frozenset[str]) -> None:
    worker = Worker(roots, rules)
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

    def __init__(self, jobs: int, roots: frozenset[str], rules: frozenset[str]) -> None:
        self.local = Worker(roots, rules) if jobs <= 1 else None
        self.conns: list[Connection] = []
        self.procs: list[Any] = []
        self.owner: dict[str, int] = {}
        self.loads = [0] * max(jobs, 1)
        if self.local is None:
            context = multiprocessing.get_context("fork")
            for _ in range(jobs):
                parent, child = context.Pipe()
                proc = context.Process(target=_serve, args=(child, roots, rules), daemon=True)
                proc.start()
                self.conns.append(parent)
                self.procs.append(proc)

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
