"""Offline answers for httpx, requests, urllib (and aiohttp): scenario files are served, nothing else.

Each library is patched at its transport layer, so the library's own URL handling still
runs: a FileOutput handed to `httpx.get` or `urlopen` fails the way it does for real.
"""

from __future__ import annotations

import contextlib
import http.client
import io
import ipaddress
import mimetypes
import socket
import urllib.error
import urllib.request
import urllib.response
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from replicate_migrate.runtime.scenario import Scenario

_ALWAYS_SERVED = ("replicate.delivery",)
_API_HOST = "api.replicate.com"  # the simulated client never calls it; the real one does
_LOOPBACK = ("127.0.0.1", "::1", "localhost")


@dataclass(frozen=True)
class Answer:
    """An HTTP answer for one URL."""

    status: int
    body: bytes
    content_type: str

    @property
    def reason(self) -> str:
        return http.client.responses.get(self.status, "")


class OfflineError(ConnectionError):
    """Raised underneath library-specific errors when a request leaves the scenario."""

    def __init__(self, url: str) -> None:
        self.url, self.host = url, urlsplit(url).hostname or ""
        super().__init__(f"replicate-migrate runtime: no network; {self.cause}")

    @property
    def is_real_client(self) -> bool:
        """The request came from the real replicate package, not from the simulation."""
        return self.host == _API_HOST

    @property
    def cause(self) -> str:
        if self.is_real_client:
            return (
                f"{self.host} was called by the real replicate client, which the offline world "
                f"does not answer ({self.url}): replicate was imported before the simulation"
            )
        return f"the offline world has no file at {self.url} (host {self.host})"


def answer_for(scenario: Scenario, url: str) -> Answer:
    """The scenario's answer for `url`: its bytes, 404 on a served host, else OfflineError."""
    if url in scenario.files:
        kind = mimetypes.guess_type(urlsplit(url).path)[0] or "application/octet-stream"
        return Answer(200, scenario.files[url], kind)
    host = urlsplit(url).hostname or ""
    served = {urlsplit(known).hostname for known in scenario.files} | set(_ALWAYS_SERVED)
    if any(host == name or host.endswith(f".{name}") for name in served if name):
        return Answer(404, b"Not Found", "text/plain")
    raise OfflineError(url)


@contextlib.contextmanager
def patch_network(scenario: Scenario) -> Iterator[None]:
    """Serve the scenario's files to httpx, requests, urllib, aiohttp; refuse every other request.

    Requests to loopback addresses go through: a test's local server stays reachable.
    """
    from replicate_migrate.runtime.aio import patched_aiohttp  # it builds on this module

    with contextlib.ExitStack() as stack:
        sync, async_ = httpx.HTTPTransport, httpx.AsyncHTTPTransport
        stack.enter_context(
            _patched(sync, "handle_request", _httpx_sync(scenario, sync.handle_request))
        )
        stack.enter_context(
            _patched(
                async_, "handle_async_request", _httpx_async(scenario, async_.handle_async_request)
            )
        )
        stack.enter_context(_patched_requests(scenario))
        stack.enter_context(_patched_urllib(scenario))
        stack.enter_context(patched_aiohttp(scenario))
        for name in ("connect", "connect_ex"):
            guard = _refusing(getattr(socket.socket, name))
            stack.enter_context(_patched(socket.socket, name, guard))
        stack.enter_context(_patched(socket, "getaddrinfo", _refusing_lookup(socket.getaddrinfo)))
        yield


@contextlib.contextmanager
def _patched(owner: Any, name: str, value: Any) -> Iterator[None]:
    # Restore exactly what the class itself held: an inherited attribute is deleted again.
    had_own = name in owner.__dict__
    original = owner.__dict__.get(name)
    setattr(owner, name, value)
    try:
        yield
    finally:
        if had_own:
            setattr(owner, name, original)
        else:
            delattr(owner, name)


def _httpx_response(scenario: Scenario, request: httpx.Request) -> httpx.Response:
    try:
        answer = answer_for(scenario, str(request.url))
    except OfflineError as exc:
        raise httpx.ConnectError(str(exc), request=request) from exc
    headers = {"content-type": answer.content_type}
    return httpx.Response(answer.status, headers=headers, content=answer.body, request=request)


def is_loopback(url: str) -> bool:
    """Whether `url` names this machine (a test's own server), which stays reachable."""
    return urlsplit(url).hostname in _LOOPBACK


def is_passed_through(url: str) -> bool:
    """Loopback URLs, and URLs no HTTP server answers (`data:`): the library's own code
    handles those (httpx raises UnsupportedProtocol for a `data:` URL, as it does for real)."""
    return is_loopback(url) or urlsplit(url).scheme not in ("http", "https")


def _httpx_sync(scenario: Scenario, original: Any) -> Any:
    def handle_request(self: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
        if is_passed_through(str(request.url)):
            return original(self, request)  # type: ignore[no-any-return]
        return _httpx_response(scenario, request)

    return handle_request


def _httpx_async(scenario: Scenario, original: Any) -> Any:
    async def handle_async_request(
        self: httpx.AsyncHTTPTransport, request: httpx.Request
    ) -> httpx.Response:
        if is_passed_through(str(request.url)):
            return await original(self, request)  # type: ignore[no-any-return]
        return _httpx_response(scenario, request)

    return handle_async_request


@contextlib.contextmanager
def _patched_requests(scenario: Scenario) -> Iterator[None]:
    try:
        import requests
        import requests.adapters
    except ImportError:  # requests is optional: only user code that imports it needs it
        yield
        return

    original = requests.adapters.HTTPAdapter.send

    def send(self: Any, request: Any, **kwargs: Any) -> Any:
        if is_loopback(request.url):
            return original(self, request, **kwargs)
        try:
            answer = answer_for(scenario, request.url)
        except OfflineError as exc:
            raise requests.exceptions.ConnectionError(str(exc), request=request) from exc
        response = requests.Response()
        response.status_code, response.reason = answer.status, answer.reason
        response.headers["Content-Type"] = answer.content_type
        response.headers["Content-Length"] = str(len(answer.body))
        response._content, response._content_consumed = answer.body, True
        response.raw = io.BytesIO(answer.body)
        response.url, response.request, response.encoding = request.url, request, None
        return response

    with _patched(requests.adapters.HTTPAdapter, "send", send):
        yield


def _urllib_open(scenario: Scenario, request: urllib.request.Request) -> Any:
    url = request.full_url
    try:
        answer = answer_for(scenario, url)
    except OfflineError as exc:
        raise urllib.error.URLError(exc) from exc
    headers = http.client.HTTPMessage()
    headers["Content-Type"] = answer.content_type
    headers["Content-Length"] = str(len(answer.body))
    response = urllib.response.addinfourl(io.BytesIO(answer.body), headers, url, answer.status)
    response.msg = answer.reason  # type: ignore[attr-defined]  # HTTPErrorProcessor reads it
    return response


class _OfflineHTTPHandler(urllib.request.HTTPHandler):
    scenario: Scenario

    def http_open(self, req: urllib.request.Request) -> Any:
        if is_loopback(req.full_url):
            return super().http_open(req)
        return _urllib_open(self.scenario, req)


class _OfflineHTTPSHandler(urllib.request.HTTPSHandler):
    scenario: Scenario

    def https_open(self, req: urllib.request.Request) -> Any:
        if is_loopback(req.full_url):
            return super().https_open(req)
        return _urllib_open(self.scenario, req)


@contextlib.contextmanager
def _patched_urllib(scenario: Scenario) -> Iterator[None]:
    handlers: list[urllib.request.BaseHandler] = []
    for handler_type in (_OfflineHTTPHandler, _OfflineHTTPSHandler):
        handler = handler_type()
        handler.scenario = scenario
        handlers.append(handler)
    previous = urllib.request._opener  # type: ignore[attr-defined]
    urllib.request.install_opener(urllib.request.build_opener(*handlers))
    try:
        yield
    finally:
        urllib.request._opener = previous  # type: ignore[attr-defined]


def _refusing_lookup(getaddrinfo: Any) -> Any:
    # Name the host while it is still a name: once resolved, a refused connect knows only
    # an address (and without a network the lookup itself fails, naming nothing).
    def guarded(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode("ascii", "replace") if isinstance(host, bytes) else host
        if isinstance(name, str) and not _is_local_name(name):
            raise socket.gaierror(
                socket.EAI_NONAME, f"replicate-migrate runtime: no network (lookup of {name})"
            )
        return getaddrinfo(host, *args, **kwargs)

    return guarded


def _is_local_name(name: str) -> bool:
    """Loopback, this machine's own name, or an address (the connect guard judges those)."""
    if name in _LOOPBACK or name == socket.gethostname():
        return True
    try:
        ipaddress.ip_address(name.split("%", 1)[0])
    except ValueError:
        return False
    return True


def _refusing(connect: Any) -> Any:
    # Libraries we do not patch (aiohttp, raw sockets) must not reach the network either;
    # loopback and unix sockets stay usable (asyncio's self-pipe, local test servers).
    def guarded(self: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else None
        if host is not None and host not in _LOOPBACK:
            raise ConnectionRefusedError(
                f"replicate-migrate runtime: no network (connect to {host})"
            )
        return connect(self, address)

    return guarded
