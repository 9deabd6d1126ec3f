"""The worker processes' side of the pool: serve files until the parent stops or goes away.

Whatever happens in a worker, the parent gets an answer or an EOF, never silence: files
that break the worker become errors in the answer, and a worker that dies closes its pipe.
"""

from __future__ import annotations

import os
import signal
import sys
from contextlib import suppress
from multiprocessing.connection import Connection
from multiprocessing.reduction import ForkingPickler
from typing import TYPE_CHECKING, Any

from replicate_migrate.engine.job import internal_error
from replicate_migrate.results import FileResult

if TYPE_CHECKING:
    from replicate_migrate.engine.worker import Worker


def serve_all(conns: list[Connection], parent_ends: list[Connection], parent: int) -> None:
    """Load LibCST (while the parent walks and reads), fork one worker per pipe, and wait.

    This process analyses nothing: when memory runs out the system kills a busy worker,
    never the one whose death would take all the others with it.
    """
    _detach(parent)
    # Only the parent may hold its ends, and each worker only its own: then a process that
    # dies is an EOF on its pipe in the parent, and the parent's death one in each worker.
    for end in parent_ends:
        end.close()
    import replicate_migrate.engine.worker  # noqa: F401  (~0.1 s; paid once, not per worker)

    me, children = os.getpid(), []
    for conn in conns:
        try:
            pid = os.fork()
        except OSError:  # no more processes: the pipes left unserved end here, as EOFs
            break
        if pid == 0:
            try:
                _die_with(me)
                for other in conns:
                    if other is not conn:
                        other.close()
                _serve(conn)
            finally:
                os._exit(0)  # freeing every parsed tree one by one would only delay the run's end
        children.append(pid)
    for conn in conns:
        conn.close()
    for pid in children:
        with suppress(ChildProcessError):
            os.waitpid(pid, 0)
    os._exit(0)  # a forked copy never runs its parent's exit handlers


def _detach(parent: int) -> None:
    """Signals are the parent's business: it stops the workers, by pipe or by killing them."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the parent, which ends us
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the parent's KeyboardInterrupt handler
    with suppress(OSError):
        os.setpgrp()  # one group, so the parent can end every worker at once
    # Out of the terminal's foreground group, a warning written to stderr would stop the
    # worker under `stty tostop` (SIGTTOU): ignored, the write goes through.
    for name in ("SIGTTOU", "SIGTTIN"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_IGN)
    _die_with(parent)


def _die_with(parent: int) -> None:
    """Be killed when `parent` ends, even in the middle of a file (Linux); elsewhere the
    next read of the pipe sees EOF."""
    if sys.platform.startswith("linux"):
        import ctypes

        with suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # it ended before prctl took effect
        os._exit(0)


_PR_SET_PDEATHSIG = 1


def _serve(conn: Connection) -> None:
    try:
        command, payload = conn.recv()
        if command != "start":  # the run found nothing to analyse
            return
        from replicate_migrate.engine.worker import Worker

        worker = Worker(*payload)
        while True:
            command, payload = conn.recv()
            if command not in ("analyze", "rewrite"):
                return
            conn.send_bytes(_answer(worker, command, payload))
    except (EOFError, OSError):
        return  # the parent is gone: it reports, the workers just stop


def _answer(worker: Worker, command: str, payload: Any) -> bytes:
    """The pickled reply; when the worker's own guard fails, its files' errors instead."""
    try:
        reply = worker.analyze(payload) if command == "analyze" else worker.rewrite(payload)
        return bytes(ForkingPickler.dumps(reply))
    except Exception as error:  # noqa: BLE001 - the parent must get an answer to go on
        if command == "analyze":
            for job in payload:
                worker.fail(job.path, job.data, internal_error(job.path, error))
            return bytes(ForkingPickler.dumps([]))
        paths = [*worker.parsed, *worker.failed]
        return bytes(ForkingPickler.dumps([FileResult(p, b"", error=internal_error(p, error)) for p in paths]))
