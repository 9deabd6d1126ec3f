"""Scenario variants: the same fixture once more with the model outputs changed in one way.

`data-urls` is the one the 1.0 release warns about: the sync API briefly returned `data:`
URLs (October 2024), so a FileOutput's `.url` may not be an HTTP URL.
"""

from __future__ import annotations

import base64
import mimetypes
from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

from replicate_migrate.runtime.scenario import VARIANTS, Scenario

DATA_URLS = "data-urls"


@dataclass(frozen=True)
class Variant:
    """A varied scenario, and each URL it put in place of an original (new -> original)."""

    name: str
    scenario: Scenario
    originals: Mapping[str, str]

    def restore(self, text: str) -> str:
        """`text` with every substituted URL mapped back to the URL it stands for."""
        for new, original in self.originals.items():
            text = text.replace(new, original)
        return text

    def restore_bytes(self, data: bytes) -> bytes:
        """As `restore`, for the bytes of a written file."""
        for new, original in self.originals.items():
            data = data.replace(new.encode("utf-8"), original.encode("utf-8"))
        return data


def make_variant(scenario: Scenario, name: str) -> Variant:
    """The scenario varied as `name` says; ValueError for an unknown name."""
    if name != DATA_URLS:
        raise ValueError(f"unknown scenario variant {name!r}; known: {list(VARIANTS)}")
    data_urls = {url: data_url(url, body) for url, body in scenario.files.items()}
    models = {
        ref: replace(spec, output=_substitute(spec.output, data_urls))
        for ref, spec in scenario.models.items()
    }
    varied = replace(scenario, models=MappingProxyType(models))
    return Variant(name, varied, MappingProxyType({new: old for old, new in data_urls.items()}))


def data_url(url: str, body: bytes) -> str:
    """A base64 `data:` URL of `body`, typed as the offline world serves `url`."""
    kind = mimetypes.guess_type(urlsplit(url).path)[0] or "application/octet-stream"
    return f"data:{kind};base64,{base64.b64encode(body).decode('ascii')}"


def _substitute(value: Any, urls: Mapping[str, str]) -> Any:
    # Only served files change: a URL without bytes (a 404) has nothing to encode.
    if isinstance(value, str):
        return urls.get(value, value)
    if isinstance(value, list):
        return [_substitute(item, urls) for item in value]
    if isinstance(value, dict):
        return {key: _substitute(item, urls) for key, item in value.items()}
    return value

