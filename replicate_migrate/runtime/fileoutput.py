"""A FileOutput and transform_output that behave like replicate 1.0.7's `replicate.helpers`.

The methods mirror the real class line for line (no `__repr__`, no `__eq__`/`__hash__`),
because the point of the runtime is to fail exactly where the real 1.0 client fails.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from typing import Any, Protocol

import httpx


class HasHttpxClients(Protocol):
    """What FileOutput needs from a client: the httpx clients it downloads through."""

    @property
    def _client(self) -> httpx.Client: ...

    @property
    def _async_client(self) -> httpx.AsyncClient: ...


class _PlainClients:
    """Default httpx clients for a FileOutput made without a replicate client."""

    def __init__(self) -> None:
        self._sync: httpx.Client | None = None
        self._async: httpx.AsyncClient | None = None

    @property
    def _client(self) -> httpx.Client:
        if self._sync is None:
            self._sync = httpx.Client()
        return self._sync

    @property
    def _async_client(self) -> httpx.AsyncClient:
        if self._async is None:
            self._async = httpx.AsyncClient()
        return self._async


_PLAIN_CLIENTS = _PlainClients()


def _decode_data_uri(url: str) -> bytes:
    _, encoded = url.split(",", 1)
    return base64.b64decode(encoded)


class FileOutput(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A model output file: `.url`, `read()`, iteration; `str()` gives the URL."""

    url: str
    _client: HasHttpxClients

    def __init__(self, url: str, client: HasHttpxClients | None = None) -> None:
        self.url = url
        self._client = client if client is not None else _PLAIN_CLIENTS

    def read(self) -> bytes:
        if self.url.startswith("data:"):
            return _decode_data_uri(self.url)
        with self._client._client.stream("GET", self.url) as response:
            response.raise_for_status()
            return response.read()

    def __iter__(self) -> Iterator[bytes]:
        if self.url.startswith("data:"):
            yield self.read()
            return
        with self._client._client.stream("GET", self.url) as response:
            response.raise_for_status()
            yield from response.iter_bytes()

    async def aread(self) -> bytes:
        if self.url.startswith("data:"):
            return _decode_data_uri(self.url)
        async with self._client._async_client.stream("GET", self.url) as response:
            response.raise_for_status()
            return await response.aread()

    async def __aiter__(self) -> AsyncIterator[bytes]:
        if self.url.startswith("data:"):
            yield await self.aread()
            return
        async with self._client._async_client.stream("GET", self.url) as response:
            response.raise_for_status()
            async for chunk in response.aiter_bytes():
                yield chunk

    def __str__(self) -> str:
        return self.url


def is_file_url(value: object) -> bool:
    """True for the strings 1.0 turns into a FileOutput (https and data URIs, not http)."""
    return isinstance(value, str) and value.startswith(("https:", "data:"))


def convert_output(value: Any, make_file: Callable[[str], Any]) -> Any:
    """Walk `value` the way `transform_output` does, building files with `make_file`."""
    if isinstance(value, Mapping):
        return {key: convert_output(item, make_file) for key, item in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [convert_output(item, make_file) for item in value]
    if is_file_url(value):
        return make_file(value)
    return value


def transform_output(value: Any, client: HasHttpxClients | None = None) -> Any:
    """Return `value` with Mappings as dicts, Sequences as lists and file URLs as FileOutput."""
    return convert_output(value, lambda url: FileOutput(url, client))
