"""A mock Replicate API serving a scenario, and probes run against real and simulated clients.

Imported by test_conformance.py and by probe_client.py (in a subprocess for 0.34.2).
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Callable, Mapping
from typing import Any

import httpx

SCENARIO: dict[str, Any] = {
    "models": {
        "acme/files": {"output": ["https://replicate.delivery/a/out-0.webp", "http://plain/x.png"]},
        "acme/nested": {
            "output": {
                "image": "https://replicate.delivery/a/out-0.webp",
                "n": [1, 2.5, None, True],
            }
        },
        "acme/text:v1": {"output": ["Hello", " world"], "iterator": True},
        "acme/frames:v2": {
            "output": ["https://replicate.delivery/b/frame-0.png"],
            "iterator": True,
        },
        "acme/frames": {"output": ["https://replicate.delivery/b/frame-0.png"], "iterator": True},
        "acme/failing": {"error": "CUDA out of memory"},
    },
    "files": {
        "https://replicate.delivery/a/out-0.webp": "WEBPDATA",
        "https://replicate.delivery/b/frame-0.png": {"base64": "iVBORw0KGgo="},
    },
}


def _spec(ref: str) -> Mapping[str, Any] | None:
    models: dict[str, Any] = SCENARIO["models"]
    return models.get(ref) or models.get(ref.partition(":")[0])


def _file(url: str) -> bytes | None:
    body = SCENARIO["files"].get(url)
    if body is None:
        return None
    return base64.b64decode(body["base64"]) if isinstance(body, dict) else body.encode()


def _prediction(ref: str, body: dict[str, Any], finished: bool) -> httpx.Response:
    """A prediction; unfinished (as without `Prefer: wait`) until fetched again by id."""
    spec = _spec(ref)
    if spec is None:
        return httpx.Response(404, json={"title": "Not Found", "status": 404, "detail": ref})
    model, _, version = ref.partition(":")
    prediction_id = ref.replace("/", "--").replace(":", "__")
    status = ("failed" if "error" in spec else "succeeded") if finished else "starting"
    return httpx.Response(
        201,
        json={
            "id": prediction_id,
            "model": model,
            "version": version,
            "input": body.get("input"),
            "status": status,
            "output": spec.get("output") if finished else None,
            "error": spec.get("error") if finished else None,
            "logs": "",
            "urls": {
                "get": f"https://api.replicate.com/v1/predictions/{prediction_id}",
                "stream": f"https://stream.replicate.com/v1/{ref}",
            },
        },
    )


def _version(owner: str, name: str, version: str) -> httpx.Response:
    spec = _spec(f"{owner}/{name}:{version}") or {}
    output = {"type": "array", "items": {"type": "string"}, "x-cog-array-type": "iterator"}
    schema = {"components": {"schemas": {"Output": output if spec.get("iterator") else {}}}}
    return httpx.Response(
        200,
        json={
            "id": version,
            "created_at": "2024-01-01T00:00:00Z",
            "cog_version": "0.9.0",
            "openapi_schema": schema,
        },
    )


def _events(ref: str) -> httpx.Response:
    spec = _spec(ref) or {}
    output = spec.get("output")
    items = output if isinstance(output, list) else [output]
    lines = [f"event: output\nid: {i}\ndata: {item}\n\n" for i, item in enumerate(items)]
    lines.append(f"event: done\nid: {len(items)}\ndata: {{}}\n\n")
    return httpx.Response(200, headers={"content-type": "text/event-stream"}, text="".join(lines))


def handle(request: httpx.Request) -> httpx.Response:
    """The Replicate API and file host, answering from SCENARIO."""
    url, path = request.url, request.url.path
    parts = path.strip("/").split("/")
    if url.host == "api.replicate.com" and request.method == "POST":
        body, finished = json.loads(request.content), "Prefer" in request.headers
        if parts == ["v1", "predictions"]:
            refs = [ref for ref in SCENARIO["models"] if ref.endswith(f":{body['version']}")]
            return _prediction(refs[0] if refs else body["version"], body, finished)
        return _prediction(f"{parts[2]}/{parts[3]}", body, finished)
    if url.host == "api.replicate.com" and parts[:2] == ["v1", "predictions"]:
        ref = parts[2].replace("--", "/").replace("__", ":")
        return _prediction(ref, {}, finished=True)
    if url.host == "api.replicate.com" and "versions" in parts:
        return _version(parts[2], parts[3], parts[5])
    if url.host == "stream.replicate.com":
        return _events(path.removeprefix("/v1/"))
    body_bytes = _file(str(url))
    return (
        httpx.Response(200, content=body_bytes) if body_bytes is not None else httpx.Response(404)
    )


def shape(value: Any) -> Any:
    """A JSON-able description of a value: structure, type names, FileOutput URLs."""
    if type(value).__name__ == "FileOutput":
        return ["FileOutput", value.url, str(value), isinstance(value, str)]
    if isinstance(value, dict):
        return ["dict", {str(key): shape(item) for key, item in value.items()}]
    if isinstance(value, (list, tuple)):
        return [type(value).__name__, [shape(item) for item in value]]
    if isinstance(value, (bytes, bytearray)):
        return [type(value).__name__, value.decode("latin-1")]
    return [type(value).__name__, value]


def outcome(action: Callable[[], Any]) -> Any:
    """shape() of what `action` returns, or the exception it raises."""
    try:
        return shape(action())
    except Exception as exc:  # noqa: BLE001 - the exception is the result being compared
        # ReplicateError details come from the API answer, which the mock and runtime word differently.
        message = "" if type(exc).__name__ == "ReplicateError" else str(exc)
        return ["raises", type(exc).__name__, message]


def _events_of(events: Any) -> list[Any]:
    return [[event.event.value, shape(event.data)] for event in events]


async def _collect(result: Any) -> Any:
    value = await result
    if hasattr(value, "__aiter__"):
        return ["async-iterator", [shape(item) async for item in value]]
    return shape(value)


def _waited(prediction: Any) -> Any:
    prediction.wait()
    return [prediction.status, prediction.output]


def run_probes(client: Any, module: Any) -> dict[str, Any]:
    """Call `client` (a replicate.Client) and `module` (replicate) the ways user code does."""

    def iterated(result: Any) -> Any:
        return ["iterator" if hasattr(result, "__next__") else "value", shape(list(result))]

    first = outcome(lambda: client.run("acme/files", input={}, use_file_output=True)[0].read())
    return {
        "default": outcome(lambda: client.run("acme/files", input={"p": 1})),
        "opt_out": outcome(lambda: client.run("acme/files", input={}, use_file_output=False)),
        "opt_in": outcome(lambda: client.run("acme/files", input={}, use_file_output=True)),
        "positional_opt": outcome(lambda: client.run("acme/files", {}, False)),
        "nested": outcome(lambda: client.run("acme/nested")),
        "read": first,
        "text_iterator": outcome(lambda: iterated(client.run("acme/text:v1", input={}))),
        "file_iterator_opt_out": outcome(
            lambda: iterated(client.run("acme/frames:v2", input={}, use_file_output=False))
        ),
        "unversioned_iterator": outcome(lambda: client.run("acme/frames", input={})),
        "failing": outcome(lambda: client.run("acme/failing", input={})),
        "unknown": outcome(lambda: client.run("acme/missing", input={})),
        "stream_positional": outcome(lambda: _events_of(client.stream("acme/files", {"p": 1}))),
        "stream_keyword": outcome(lambda: _events_of(client.stream("acme/text:v1", input={}))),
        "stream_opt_out": outcome(
            lambda: _events_of(client.stream("acme/files", input={}, use_file_output=False))
        ),
        "prediction": outcome(lambda: _waited(client.predictions.create(version="v2", input={}))),
        "model_prediction": outcome(
            lambda: _waited(client.models.predictions.create(model="acme/files", input={}))
        ),
        "module_run": outcome(lambda: module.run("acme/files", input={})),
        "async_run": outcome(
            lambda: asyncio.run(_collect(client.async_run("acme/files", input={})))
        ),
        "async_iterator": outcome(
            lambda: asyncio.run(_collect(client.async_run("acme/frames:v2", input={})))
        ),
    }
