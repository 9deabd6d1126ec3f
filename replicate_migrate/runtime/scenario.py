"""Scenarios: what each simulated model returns and the bytes behind each file URL.

Every shape problem is a ValueError (even a wrong type): callers catch one error for
"this scenario.json is bad", whatever the cause.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

SEMANTICS = ("0.34", "1.0")
_REF = re.compile(r"^(?P<model>[^/\s:]+/[^/\s:]+)(:(?P<version>\S+))?$")
_MODEL_KEYS = frozenset({"output", "iterator", "error"})
VARIANTS = ("data-urls",)  # built in runtime/variants.py


@dataclass(frozen=True)
class ModelSpec:
    """One simulated model: its raw output, or the error its predictions fail with."""

    output: Any = None
    iterator: bool = False  # output schema has `x-cog-array-type: iterator`
    error: str | None = None


@dataclass(frozen=True)
class Scenario:
    """Models by ref (`owner/name` or `owner/name:version`) and file bytes by URL."""

    models: Mapping[str, ModelSpec] = field(default_factory=dict)
    files: Mapping[str, bytes] = field(default_factory=dict)
    input_semantics: str = "0.34"
    variants: tuple[str, ...] = ()  # more runs of the expected output, outputs varied
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_dict(cls, data: object) -> Scenario:
        """Validate a decoded scenario.json; raise ValueError naming the first problem."""
        if not isinstance(data, dict):
            raise ValueError(f"scenario must be a JSON object, got {type(data).__name__}")  # noqa: TRY004
        semantics = data.get("input_semantics", "0.34")
        if semantics not in SEMANTICS:
            raise ValueError(
                f"scenario 'input_semantics' must be one of {SEMANTICS}, got {semantics!r}"
            )
        return cls(
            models=MappingProxyType(_parse_models(data.get("models", {}))),
            files=MappingProxyType(_parse_files(data.get("files", {}))),
            input_semantics=semantics,
            variants=_parse_variants(data.get("variants", [])),
            raw=MappingProxyType(dict(data)),
        )

    @classmethod
    def load(cls, path: Path | str) -> Scenario:
        """Read and validate a scenario.json file."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}: not valid JSON: {exc}") from exc
        return cls.from_dict(data)

    @classmethod
    def coerce(cls, value: Scenario | Mapping[str, Any] | Path | str) -> Scenario:
        """Accept a Scenario, an inline dict or a path to a scenario.json."""
        if isinstance(value, Scenario):
            return value
        if isinstance(value, (str, Path)):
            return cls.load(value)
        return cls.from_dict(dict(value))

    def to_json(self) -> str:
        """The scenario as scenario.json text (files as base64), for a subprocess."""
        return json.dumps(
            {
                **self.raw,
                "models": {ref: _dump_model(spec) for ref, spec in self.models.items()},
                "files": {
                    url: {"base64": base64.b64encode(body).decode("ascii")}
                    for url, body in self.files.items()
                },
                "input_semantics": self.input_semantics,
            }
        )

    def find_model(self, ref: str) -> ModelSpec | None:
        """The spec for `ref`: the exact key first, then its `owner/name` part."""
        if ref in self.models:
            return self.models[ref]
        match = _REF.match(ref)
        return self.models.get(match.group("model")) if match else None


def is_versioned_ref(ref: str) -> bool:
    """True for `owner/name:version` refs, the only ones that take the iterator path."""
    match = _REF.match(ref)
    return bool(match and match.group("version"))


def _parse_variants(variants: object) -> tuple[str, ...]:
    if not isinstance(variants, list) or not all(isinstance(v, str) for v in variants):
        raise ValueError("scenario 'variants' must be a list of names")
    unknown = sorted(set(variants) - set(VARIANTS))
    if unknown:
        raise ValueError(f"scenario has unknown variants {unknown}; known: {list(VARIANTS)}")
    return tuple(variants)


def _parse_models(models: object) -> dict[str, ModelSpec]:
    if not isinstance(models, dict):
        raise ValueError("scenario 'models' must be an object of ref -> model")  # noqa: TRY004
    return {ref: _parse_model(ref, spec) for ref, spec in models.items()}


def _parse_model(ref: str, spec: object) -> ModelSpec:
    if not _REF.match(ref):
        raise ValueError(f"scenario model key {ref!r} is not 'owner/name' or 'owner/name:version'")
    if not isinstance(spec, dict):
        raise ValueError(f"scenario model {ref!r} must be an object, got {type(spec).__name__}")  # noqa: TRY004
    unknown = sorted(set(spec) - _MODEL_KEYS)
    if unknown:
        raise ValueError(
            f"scenario model {ref!r} has unknown keys {unknown}; allowed: {sorted(_MODEL_KEYS)}"
        )
    if "output" not in spec and "error" not in spec:
        raise ValueError(f"scenario model {ref!r} needs 'output' or 'error'")
    iterator, error = spec.get("iterator", False), spec.get("error")
    if not isinstance(iterator, bool):
        raise ValueError(f"scenario model {ref!r}: 'iterator' must be true or false")  # noqa: TRY004
    if error is not None and not isinstance(error, str):
        raise ValueError(f"scenario model {ref!r}: 'error' must be a string")
    if iterator and "output" in spec and not isinstance(spec["output"], list):
        raise ValueError(f"scenario model {ref!r}: an iterator model's 'output' must be a list")
    return ModelSpec(output=spec.get("output"), iterator=iterator, error=error)


def _parse_files(files: object) -> dict[str, bytes]:
    if not isinstance(files, dict):
        raise ValueError("scenario 'files' must be an object of URL -> content")  # noqa: TRY004
    return {url: _parse_file(url, body) for url, body in files.items()}


def _parse_file(url: str, body: object) -> bytes:
    if not url.startswith(("https://", "http://")):
        raise ValueError(f"scenario file {url!r} must be an http(s) URL")
    if isinstance(body, str):
        return body.encode("utf-8")
    if isinstance(body, dict) and set(body) == {"base64"} and isinstance(body["base64"], str):
        try:
            return base64.b64decode(body["base64"], validate=True)
        except binascii.Error as exc:
            raise ValueError(f"scenario file {url!r}: invalid base64: {exc}") from exc
    raise ValueError(f'scenario file {url!r} must be a string or {{"base64": "..."}}')


def _dump_model(spec: ModelSpec) -> dict[str, Any]:
    dumped: dict[str, Any] = {"output": spec.output, "iterator": spec.iterator}
    if spec.error is not None:
        dumped["error"] = spec.error
    return dumped
