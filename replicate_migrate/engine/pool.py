"""Workers that keep their files between the two phases: in-process, or one process each.

A plain process pool would hand phase 2 of a file to any process, which would have
to parse it again; here each file stays with the worker that parsed it.
"""

from __future__ import annotations

import os
import pickle
import signal
from collections.abc import Callable, Sequence
from contextlib import suppress
from typing import TYPE_CHECKING, Any, cast

from replicate_migrate.engine.job import Concluded, Job
from replicate_migrate.results import FileResult

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

    from replicate_migrate.analysis.values import ModuleFacts
    from replicate_migrate.engine.worker import Worker
    from replicate_migrate.project.resolver import Resolver


CHUNK = 16  # files per message to a worker
Progress = Callable[[int, int], None]
Follow = Callable[[list["ModuleFacts"]], Sequence[Job]]


class Pool:
    """`jobs` workers; a new file goes to the least loaded one, and stays with it.

    A worker that dies (killed, out of memory) costs its own files, each reported, and the
    run goes on with the others.
    """

    def __init__(self, jobs: int) -> None:
        self._local: Worker | None = None
        self._local_args: tuple[Resolver, frozenset[str]] | None = None
        self.in_process = jobs <= 1
        self.conns: list[Connection] = []
        self.procs: list[Any] = []
        self.owner: dict[str, int] = {}
        self.loads = [0] * max(jobs, 1)
        self.queued: list[list[Job]] = [[] for _ in self.loads]  # not sent yet, per worker
        self.busy: dict[Connection, int] = {}  # files in flight per worker
        self.dead: set[int] = set()  # workers that stopped answering: their files are lost
        self.facts: list[ModuleFacts] = []  # answers not gathered yet
        self.total = self.done = 0
        self.follow: Follow | None = None
        self.sent = False  # whether a worker was ever given a file
        if not self.in_process:
            import multiprocessing  # here: a run of one file starts no process

            from replicate_migrate.engine.process import serve_all

            context = multiprocessing.get_context("fork")
            pipes = [context.Pipe() for _ in range(jobs)]
            self.conns = [parent for parent, _ in pipes]
            proc = context.Process(
                target=serve_all, args=([c for _, c in pipes], self.conns, os.getpid()), daemon=True
            )
            proc.start()
            for _, child in pipes:
                child.close()  # so that a worker that dies is an EOF here, not a hang
            self.procs.append(proc)

    def start(self, resolver: Resolver, rules: frozenset[str]) -> None:
        """What every worker needs to know before its first file (known once files are read)."""
        self._local_args = (resolver, rules)
        for index in range(len(self.conns)):
            self._send(index, ("start", (resolver, rules)))

    @property
    def local(self) -> Worker:
        """The in-process worker, made for the first file to parse: LibCST loads only then."""
        if self._local is None:
            from replicate_migrate.engine.worker import Worker

            assert self._local_args is not None, "start() comes first"
            self._local = Worker(*self._local_args)
        return self._local

    def analyze(self, jobs: Sequence[Job], progress: Progress | None = None) -> list[ModuleFacts]:
        """Facts of the files (new, or whose analysed part grew); biggest files first."""
        self.submit(sorted(jobs, key=lambda j: -len(j.data)))
        return self.gather(progress)

    def submit(self, jobs: Sequence[Job]) -> None:
        """Queue files; a chunk goes out as soon as it is full and its worker is idle."""
        self._enqueue(jobs)
        if not self.in_process:
            self._pump(flush=False)

    def _enqueue(self, jobs: Sequence[Job]) -> None:
        for job in jobs:
            index = self.owner.get(job.path)
            if index is None:  # a new file goes to the least loaded worker, and stays there
                index = self.owner[job.path] = self._least_loaded()
            if index in self.dead:
                continue  # reported with its worker's other files
            self.queued[index].append(job)
            self.loads[index] += len(job.data)
            self.total += 1

    def _least_loaded(self) -> int:
        alive = [i for i in range(len(self.loads)) if i not in self.dead]
        return min(alive, key=self.loads.__getitem__) if alive else 0

    def poll(self) -> None:
        """Take the answers that are in and hand out the next chunks, without waiting."""
        if not self.in_process:
            self._pump(flush=False)

    def gather(self, progress: Progress | None = None, follow: Follow | None = None) -> list[ModuleFacts]:
        """Wait for every queued file; `progress(done, total)` after each chunk.

        `follow(facts)` sees each chunk's facts as it comes in and may queue more files,
        which this same call then waits for.
        """
        self.follow = follow
        if self.in_process:
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
                    if self._send(index, ("analyze", chunk)):
                        self.sent = True
                        self.busy[conn] = len(chunk)
            if not self.busy:
                return
            ready = self._wait(list(self.busy), block=flush)
            if not ready:
                return
            for conn in ready:
                facts = self._receive(conn)
                self._answered(facts or [], self.busy.pop(conn), progress)

    def rewrite(self, concluded: Concluded) -> list[FileResult]:
        """Every file's result: rewritten, unchanged, or its error (a dead worker's files too)."""
        if self.in_process:
            return self.local.rewrite(concluded)
        batches: list[Concluded] = [{} for _ in self.conns]
        for path, items in concluded.items():
            batches[self.owner.get(path, 0)][path] = items
        pending = [conn for index, conn in enumerate(self.conns) if self._send(index, ("rewrite", batches[index]))]
        out: list[FileResult] = []
        while pending:
            for conn in self._wait(pending, block=True):
                pending.remove(conn)
                out.extend(self._receive(conn) or [])
        lost = [path for path, index in self.owner.items() if index in self.dead]
        return out + [FileResult(path, b"", error=_lost(path)) for path in lost]

    def _send(self, index: int, message: object) -> bool:
        """Send to a live worker; False (and the worker counted dead) when it is gone."""
        if index in self.dead:
            return False
        try:
            self.conns[index].send(message)
        except OSError:  # a broken pipe: the worker died
            self.dead.add(index)
            return False
        return True

    def _receive(self, conn: Connection) -> list[Any] | None:
        """The worker's answer, or None when it died (EOF) or sent what cannot be read."""
        index = self.conns.index(conn)
        if index in self.dead:
            return None
        try:
            answer = conn.recv()
        except (EOFError, OSError, pickle.UnpicklingError):
            self.dead.add(index)
            return None
        return cast("list[Any]", answer)

    def _wait(self, conns: list[Connection], *, block: bool) -> list[Connection]:
        """The connections with an answer (or EOF). Never waits on nothing: a worker that
        dies closes its pipe, and the death of the process that forked them ends them all."""
        from multiprocessing.connection import wait  # only runs with worker processes get here

        while True:
            ready = [cast("Connection", c) for c in wait(conns, timeout=_CHECK_EVERY if block else 0)]
            if ready or not block:
                return ready
            if self.procs and not self.procs[0].is_alive():
                self._kill_all()  # its children might be orphans: their pipes end now

    def _kill_all(self) -> None:
        for proc in self.procs:
            # The forking process ends well only after the workers: then no group is left.
            if proc.exitcode != 0:
                with suppress(OSError):
                    os.killpg(proc.pid, signal.SIGKILL)
            with suppress(OSError):
                proc.kill()

    def close(self, *, interrupted: bool = False) -> None:
        """Stop the workers: ask them, or on an interruption kill them at once."""
        if not interrupted:
            for index in range(len(self.conns)):
                self._send(index, ("stop", None))
            for proc in self.procs:
                proc.join(timeout=5)
        self._kill_all()
        for proc in self.procs:
            proc.join(timeout=1)
        for conn in self.conns:
            conn.close()

    def __enter__(self) -> Pool:  # noqa: PYI034 - typing.Self needs 3.11
        return self

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        self.close(interrupted=kind is not None)


_CHECK_EVERY = 1.0  # seconds between checks that the forking process still runs


def _lost(path: str) -> str:
    return f"{path}: internal error: its worker process stopped (killed, or out of memory?) (please report this)"
