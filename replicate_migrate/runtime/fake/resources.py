"""Predictions, models, versions and deployments: raw JSON outputs, unchanged between versions."""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any

from replicate_migrate.runtime.fake.exceptions import ModelError, not_found
from replicate_migrate.runtime.fake.helpers import encode_json
from replicate_migrate.runtime.fake.state import Call
from replicate_migrate.runtime.scenario import ModelSpec

if TYPE_CHECKING:
    from replicate_migrate.runtime.fake.client import BaseClient

_ITERATOR_SCHEMA = {"type": "array", "items": {"type": "string"}, "x-cog-array-type": "iterator"}


class Prediction:
    """A finished prediction; mutable like the real pydantic model."""

    __module__ = "replicate.prediction"

    def __init__(self, client: BaseClient, id: str, ref: str, spec: ModelSpec, input: Any) -> None:
        model, _, version = ref.partition(":")
        self._client = client
        self.id, self.model, self.version, self.input = id, model, version, input
        self.status = "failed" if spec.error is not None else "succeeded"
        self.output = None if spec.error is not None else copy.deepcopy(spec.output)
        self.error, self.logs = spec.error, ""
        self.metrics: dict[str, Any] = {}
        self._iterator_output = spec.iterator
        self.created_at = self.started_at = self.completed_at = "2024-01-01T00:00:00.000000Z"
        api = f"https://api.replicate.com/v1/predictions/{id}"
        self.urls = {
            "get": api,
            "cancel": f"{api}/cancel",
            "stream": f"https://stream.replicate.com/v1/{id}",
        }

    def wait(self) -> None:
        """Already finished: the scenario answers at once."""

    async def async_wait(self) -> None:
        """Already finished: the scenario answers at once."""

    def reload(self) -> None:
        """Nothing changes after creation."""

    async def async_reload(self) -> None:
        """Nothing changes after creation."""

    def cancel(self) -> None:
        """Finished predictions cannot be canceled; the real API ignores it too."""

    def output_iterator(self) -> Iterator[Any]:
        if self.status == "failed":
            raise ModelError(self)
        yield from self.output or []

    async def async_output_iterator(self) -> AsyncIterator[Any]:
        for item in self.output_iterator():
            yield item

    def __repr__(self) -> str:
        return f"Prediction(id={self.id!r}, model={self.model!r}, status={self.status!r})"


def create_prediction(client: BaseClient, ref: str, input: Any, kind: str) -> Prediction:
    """Create the prediction for `ref`; unknown refs fail like a 404 from the API."""
    world = client._world
    spec = world.scenario.find_model(ref)
    if spec is None:
        raise not_found(f"model {ref!r}")
    # The real client sends the input through encode_json and httpx's json.dumps:
    # a FileOutput (or any other object) inside it fails here the same way.
    encoded = json.loads(json.dumps(encode_json(input or {}, client)))
    world.calls.append(Call(ref, encoded, kind))
    prediction = Prediction(client, world.new_prediction_id(), ref, spec, encoded)
    world.predictions[prediction.id] = prediction
    return prediction


def ref_for_version(client: BaseClient, version: object) -> str:
    """`owner/name:id` for a Version object or a bare version id found in the scenario."""
    if isinstance(version, Version):
        return f"{version.model}:{version.id}"
    for ref in client._world.scenario.models:
        if ref.endswith(f":{version}"):
            return ref
    raise not_found(f"version {version!r}")


def ref_for_model(model: object) -> str:
    """`owner/name` for a str, an (owner, name) tuple or a Model."""
    if isinstance(model, Model):
        return f"{model.owner}/{model.name}"
    if isinstance(model, tuple):
        return f"{model[0]}/{model[1]}"
    return str(model).partition(":")[0]


class Version:
    """A model version; its schema says whether the output is an iterator."""

    __module__ = "replicate.version"

    def __init__(self, model: str, id: str, spec: ModelSpec) -> None:
        self.model, self.id, self.cog_version = model, id, "0.9.0"
        self.created_at = "2024-01-01T00:00:00.000000Z"
        output = _ITERATOR_SCHEMA if spec.iterator else {}
        self.openapi_schema = {"components": {"schemas": {"Output": dict(output)}}}


class Versions:
    """The versions of one model."""

    __module__ = "replicate.version"

    def __init__(self, client: BaseClient, model: str) -> None:
        self._client, self._model = client, model

    def get(self, id: str) -> Version:
        ref = f"{self._model}:{id}"
        spec = self._client._world.scenario.find_model(ref)
        if spec is None:
            raise not_found(f"version {ref!r}")
        return Version(self._model, id, spec)

    def list(self) -> list[Version]:
        prefix = f"{self._model}:"
        refs = [ref for ref in self._client._world.scenario.models if ref.startswith(prefix)]
        return [self.get(ref[len(prefix) :]) for ref in refs]


class Model:
    """A model of the scenario (`owner/name`), with its versions."""

    __module__ = "replicate.model"

    def __init__(self, client: BaseClient, owner: str, name: str) -> None:
        self._client, self.owner, self.name = client, owner, name
        self.url = f"https://replicate.com/{owner}/{name}"
        self.description, self.visibility = None, "public"

    @property
    def id(self) -> str:
        return f"{self.owner}/{self.name}"

    @property
    def versions(self) -> Versions:
        return Versions(self._client, self.id)

    @property
    def latest_version(self) -> Version | None:
        versions = self.versions.list()
        return versions[-1] if versions else None


class ModelsPredictions:
    """`models.predictions`: predictions of a model's latest version."""

    __module__ = "replicate.model"

    def __init__(self, client: BaseClient) -> None:
        self._client = client

    def create(self, model: object, input: dict[str, Any], **params: Any) -> Prediction:
        return create_prediction(self._client, ref_for_model(model), input, "prediction")

    async def async_create(self, model: object, input: dict[str, Any], **params: Any) -> Prediction:
        return self.create(model, input, **params)


class Models:
    """`replicate.models`."""

    __module__ = "replicate.model"

    def __init__(self, client: BaseClient) -> None:
        self._client = client

    @property
    def predictions(self) -> ModelsPredictions:
        return ModelsPredictions(self._client)

    def get(self, *args: str, **kwargs: str) -> Model:
        key = "/".join(args) if args else kwargs.get("key") or f"{kwargs['owner']}/{kwargs['name']}"
        owner, _, name = key.partition("/")
        if not any(ref.partition(":")[0] == key for ref in self._client._world.scenario.models):
            raise not_found(f"model {key!r}")
        return Model(self._client, owner, name)

    async def async_get(self, *args: str, **kwargs: str) -> Model:
        return self.get(*args, **kwargs)
