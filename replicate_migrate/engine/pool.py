"""Workers that keep their files between the two phases: in-process, or one process each.

A plain process pool would hand phase 2 of a file to any process, which would have
to parse it again; here each file stays with the worker that parsed it.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Sequence
from multiprocessing.connection import Connection
from typing import Any

from replicate_migrate.analysis.decide import Decision
from replicate_migrate.analysis.module import ModuleFacts
from replicate_migrate.engine.worker import Job, Worker
from replicate_migrate.results import FileResult


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
    """`jobs` workers; files are dealt to them by size so the work is even."""

    def __init__(self, jobs: int, roots: frozenset[str], rules: frozenset[str]) -> None:
        self.local = Worker(roots, rules) if jobs <= 1 else None
        self.conns: list[Connection] = []
        self.procs: list[Any] = []
        self.owner: dict[str, int] = {}
        if self.local is None:
            context = multiprocessing.get_context("fork")
            for _ in range(jobs):
                parent, child = context.Pipe()
                proc = context.Process(target=_serve, args=(child, roots, rules), daemon=True)
                proc.start()
                self.conns.append(parent)
                self.procs.append(proc)

    def analyze(self, jobs: Sequence[Job]) -> list[ModuleFacts]:
        if self.local is not None:
            return self.local.analyze(list(jobs))
        batches: list[list[Job]] = [[] for _ in self.conns]
        loads = [0] * len(self.conns)
        for job in sorted(jobs, key=lambda j: -len(j.data)):
            index = loads.index(min(loads))
            batches[index].append(job)
            loads[index] += len(job.data)
            self.owner[job.path] = index
        return self._gather("analyze", batches)

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
