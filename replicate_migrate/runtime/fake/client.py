"""`replicate.Client` with the run/stream signatures of 0.34.2 (`Client034`) and 1.0.7 (`Client10`)."""

from __future__ import annotations

import json
import os
import re
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, ClassVar

import httpx

from replicate_migrate.runtime.fake.exceptions import ModelError
from replicate_migrate.runtime.fake.helpers import transform_output
from replicate_migrate.runtime.fake.predictions import Deployments, Predictions
from replicate_migrate.runtime.fake.resources import (
    Model,
    Models,
    Prediction,
    Version,
    create_prediction,
)
from replicate_migrate.runtime.fake.state import World
from replicate_migrate.runtime.fake.stream import ServerSentEvent

_REF = re.compile(r"^(?P<owner>[^/]+)/(?P<name>[^/:]+)(:(?P<version>.+))?$")
_OUTPUT, _DONE = ServerSentEvent.EventType.OUTPUT, ServerSentEvent.EventType.DONE


def resolve_ref(ref: object) -> tuple[str, bool]:
    """The scenario ref for a run argument, and whether it names a version."""
    if isinstance(ref, Model):
        return f"{ref.owner}/{ref.name}", False
    if isinstance(ref, Version):
        return f"{ref.model}:{ref.id}", True
    if isinstance(ref, str):
        match = _REF.match(ref)
        if not match:
            raise ValueError(
                f"Invalid reference to model version: {ref}. Expected format: owner/name:version"
            )
        return ref, match.group("version") is not None
    raise ValueError(
        f"Invalid argument: {ref}. Expected model, version, or reference in the format "
        "owner/name or owner/name:version"
    )


class BaseClient:
    """What both versions share: namespaces, httpx clients, predictions and event streams."""

    __module__ = "replicate.client"
    _world: ClassVar[World]  # set on the subclass `install` makes for each world

    def __init__(
        self,
        api_token: str | None = None,
        *,
        base_url: str | None = None,
        timeout: httpx.Timeout | None = None,
        **kwargs: Any,
    ) -> None:
        self._api_token, self._base_url, self._timeout = api_token, base_url, timeout
        self._client_kwargs = kwargs
        self.poll_interval = float(os.environ.get("REPLICATE_POLL_INTERVAL", "0.5"))
        self._httpx: dict[str, Any] = {}

    @property
    def _client(self) -> httpx.Client:
        if "sync" not in self._httpx:
            self._httpx["sync"] = self._build_httpx(httpx.Client, httpx.HTTPTransport)
        return self._httpx["sync"]  # type: ignore[no-any-return]

    @property
    def _async_client(self) -> httpx.AsyncClient:
        if "async" not in self._httpx:
            self._httpx["async"] = self._build_httpx(httpx.AsyncClient, httpx.AsyncHTTPTransport)
        return self._httpx["async"]  # type: ignore[no-any-return]

    def _build_httpx(self, client_type: Any, transport_type: Any) -> Any:
        # Like the real client: a caller's `transport=` wins, so httpx.MockTransport works.
        kwargs = dict(self._client_kwargs)
        headers = {"User-Agent": "replicate-python/replicate-migrate", **kwargs.pop("headers", {})}
        transport = kwargs.pop("transport", None) or transport_type()
        return client_type(
            base_url=self._base_url or "https://api.replicate.com",
            headers=headers,
            timeout=self._timeout or httpx.Timeout(5.0, read=30.0, write=30.0, connect=5.0),
            transport=transport,
            **kwargs,
        )

    @property
    def predictions(self) -> Predictions:
        return Predictions(self)

    @property
    def models(self) -> Models:
        return Models(self)

    @property
    def deployments(self) -> Deployments:
        return Deployments(self)

    def _start(self, ref: object, input: Any, kind: str) -> tuple[Prediction, bool]:
        name, versioned = resolve_ref(ref)
        prediction = create_prediction(self, name, input, kind)
        # As in the real clients, only a version ref reads the schema that says "iterator".
        return prediction, versioned and prediction._iterator_output

    def _convert(self, value: Any) -> Any:
        return transform_output(value, self)

    def _events(self, ref: object, input: Any, convert: bool) -> Iterator[ServerSentEvent]:
        prediction, _ = self._start(ref, input, "stream")
        output = prediction.output
        items = output if isinstance(output, list) else ([] if output is None else [output])
        for index, item in enumerate(items):
            data = item if isinstance(item, str) else json.dumps(item)
            yield ServerSentEvent(_OUTPUT, self._convert(data) if convert else data, str(index))
        if prediction.error is not None:
            raise RuntimeError(prediction.error)  # the real EventSource's answer to an error event
        yield ServerSentEvent(_DONE, "{}", str(len(items)))

    async def _async_events(
        self,
        ref: object,
        input: Any,
        convert: bool,
    ) -> AsyncIterator[ServerSentEvent]:
        for event in self._events(ref, input, convert):
            yield event


class Client034(BaseClient):
    """0.34.2: raw output unless `use_file_output` is truthy; it may be passed positionally."""

    __qualname__ = "Client"

    def run(
        self,
        ref: Any,
        input: dict[str, Any] | None = None,
        use_file_output: bool | None = None,
        **params: Any,
    ) -> Any:
        return self._run(ref, input, use_file_output, Prediction.output_iterator)

    async def async_run(
        self,
        ref: Any,
        input: dict[str, Any] | None = None,
        use_file_output: bool | None = None,
        **params: Any,
    ) -> Any:
        return self._run(ref, input, use_file_output, Prediction.async_output_iterator)

    def _run(
        self,
        ref: Any,
        input: Any,
        use_file_output: bool | None,
        chunks: Callable[[Prediction], Any],
    ) -> Any:
        """run and async_run, which differ only in what `chunks` makes of an iterator's output."""
        prediction, is_iterator = self._start(ref, input, "run")
        if is_iterator:
            return chunks(prediction)  # raw chunks; conversion is never applied
        if prediction.status == "failed":
            raise ModelError(prediction)
        return self._convert(prediction.output) if use_file_output else prediction.output

    def stream(
        self,
        ref: Any,
        input: dict[str, Any] | None = None,
        use_file_output: bool | None = None,
        **params: Any,
    ) -> Iterator[ServerSentEvent]:
        return self._events(ref, input, bool(use_file_output))

    async def async_stream(
        self,
        ref: Any,
        input: dict[str, Any] | None = None,
        use_file_output: bool | None = None,
        **params: Any,
    ) -> AsyncIterator[ServerSentEvent]:
        return self._async_events(ref, input, bool(use_file_output))


class Client10(BaseClient):
    """1.0.7: FileOutput by default; `use_file_output` keyword-only; stream's `input` too."""

    __qualname__ = "Client"

    def run(
        self,
        ref: Any,
        input: dict[str, Any] | None = None,
        *,
        use_file_output: bool | None = True,
        **params: Any,
    ) -> Any:
        return self._run(ref, input, use_file_output, self._converted)

    async def async_run(
        self,
        ref: Any,
        input: dict[str, Any] | None = None,
        *,
        use_file_output: bool | None = True,
        **params: Any,
    ) -> Any:
        return self._run(ref, input, use_file_output, self._async_converted)

    def _run(
        self,
        ref: Any,
        input: Any,
        use_file_output: bool | None,
        chunks: Callable[[list[Any]], Any],
    ) -> Any:
        """run and async_run, which differ only in what `chunks` makes of an iterator's output."""
        prediction, is_iterator = self._start(ref, input, "run")
        if prediction.status == "failed":
            raise ModelError(prediction)
        if is_iterator and prediction.output is not None:
            # Every chunk is converted: the opt-out only covers the non-iterator path.
            return chunks(prediction.output)
        return self._convert(prediction.output) if use_file_output else prediction.output

    def _converted(self, chunks: list[Any]) -> Iterator[Any]:
        return (self._convert(chunk) for chunk in chunks)

    async def _async_converted(self, chunks: list[Any]) -> AsyncIterator[Any]:
        for chunk in chunks:
            yield self._convert(chunk)

    def stream(
        self,
        ref: Any,
        *,
        input: dict[str, Any] | None = None,
        use_file_output: bool | None = True,
        **params: Any,
    ) -> Iterator[ServerSentEvent]:
        # The real EventSource does `use_file_output or True`: output events always convert.
        return self._events(ref, input, True)

    async def async_stream(
        self,
        ref: Any,
        input: dict[str, Any] | None = None,
        *,
        use_file_output: bool | None = True,
        **params: Any,
    ) -> AsyncIterator[ServerSentEvent]:
        return self._async_events(ref, input, True)


def _name_methods_like_the_real_client() -> None:
    # TypeError messages name the function ("Client.run() takes from 2 to 3 positional
    # arguments ..."), and programs print them: they must match the real client's.
    for client_type in (Client034, Client10):
        for name in ("run", "async_run", "stream", "async_stream"):
            getattr(client_type, name).__qualname__ = f"Client.{name}"


_name_methods_like_the_real_client()
