"""Offline answers for aiohttp: its TCP connector hands back a scripted connection.

Only the connection is simulated: aiohttp's own URL checks, request writer and response
parser run, so `resp.read()`, `resp.content.iter_chunked(n)`, `resp.status` and
`raise_for_status()` behave as for real, and a FileOutput or a `data:` URL handed to
`session.get` fails as it really does. aiohttp is patched when the program imports it:
importing it for every program would cost more than most programs take to run.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import importlib.abc
import importlib.machinery
import sys
from collections.abc import Callable, Iterator, Sequence
from types import ModuleType
from typing import Any

from replicate_migrate.runtime.network import Answer, OfflineError, answer_for, is_loopback
from replicate_migrate.runtime.scenario import Scenario

_CONNECTOR = "aiohttp.connector"


class _ScriptedTransport(asyncio.Transport):
    """A connection that answers the first request written to it with one HTTP response."""

    def __init__(self, protocol: asyncio.Protocol, response: bytes) -> None:
        super().__init__()
        self._protocol, self._response, self._closing, self._answered = protocol, response, False, False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not self._answered:
            self._answered = True
            asyncio.get_running_loop().call_soon(self._protocol.data_received, self._response)

    def writelines(self, list_of_data: Any) -> None:
        for data in list_of_data:
            self.write(data)

    def is_closing(self) -> bool:
        return self._closing

    def close(self) -> None:
        if not self._closing:
            self._closing = True
            asyncio.get_running_loop().call_soon(self._protocol.connection_lost, None)

    def abort(self) -> None:
        self.close()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return default

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass

    def is_reading(self) -> bool:
        return not self._closing

    def get_write_buffer_size(self) -> int:
        return 0


def http_response(answer: Answer) -> bytes:
    """`answer` as the bytes a server sends: status line, headers, then the body."""
    head = (
        f"HTTP/1.1 {answer.status} {answer.reason}\r\n"
        f"Content-Type: {answer.content_type}\r\n"
        f"Content-Length: {len(answer.body)}\r\n"
        "Connection: close\r\n\r\n"
    )
    return head.encode("latin-1") + answer.body


def _offline_create_connection(scenario: Scenario, original: Any, connector: ModuleType) -> Any:
    async def _create_connection(self: Any, req: Any, traces: Any, timeout: Any) -> Any:
        url = str(req.url)
        if is_loopback(url):
            return await original(self, req, traces, timeout)
        try:
            answer = answer_for(scenario, url)
        except OfflineError as exc:
            refused = ConnectionRefusedError(errno.ECONNREFUSED, exc.cause)
            raise connector.ClientConnectorError(req.connection_key, refused) from exc
        protocol = self._factory()
        protocol.connection_made(_ScriptedTransport(protocol, http_response(answer)))
        return protocol

    return _create_connection


def _patch_connector(scenario: Scenario, module: ModuleType) -> Callable[[], None]:
    """Patch `aiohttp.connector.TCPConnector`; return what undoes it."""
    tcp = module.TCPConnector
    original = tcp.__dict__["_create_connection"]
    tcp._create_connection = _offline_create_connection(scenario, original, module)
    return lambda: setattr(tcp, "_create_connection", original)


class _PatchOnImport(importlib.abc.MetaPathFinder):
    """Finds `aiohttp.connector` as usual and patches it once it has run."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario, self.undo = scenario, list[Callable[[], None]]()

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != _CONNECTOR:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path, target)
        if spec is None or spec.loader is None:
            return spec
        exec_module = spec.loader.exec_module

        def exec_and_patch(module: ModuleType) -> None:
            exec_module(module)
            self.undo.append(_patch_connector(self.scenario, module))

        spec.loader.exec_module = exec_and_patch  # type: ignore[method-assign]
        return spec


@contextlib.contextmanager
def patched_aiohttp(scenario: Scenario) -> Iterator[None]:
    """Serve the scenario's files to aiohttp, now or when the program first imports it."""
    finder = _PatchOnImport(scenario)
    if _CONNECTOR in sys.modules:
        finder.undo.append(_patch_connector(scenario, sys.modules[_CONNECTOR]))
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)
        for undo in reversed(finder.undo):
            undo()
