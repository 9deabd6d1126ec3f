"""Output kinds of widely used public models, bundled so most runs need no network.

The data lives in ``catalog.json`` next to this module; its ``source`` field says how it
was built. Entries are keyed by ``owner/name``: a version ref gets its model's entry.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

from replicate_migrate.analysis.models import ModelFacts, OutputKind, split_ref

__all__ = ["catalog_info", "catalog_lookup"]


@dataclass(frozen=True)
class _Catalog:
    source: str
    date: str
    models: dict[str, ModelFacts]  # keyed by lower-cased owner/name


def catalog_lookup(ref: str) -> ModelFacts | None:
    """Facts for ``owner/name`` or ``owner/name:version`` (case-insensitive), or None."""
    parts = split_ref(ref)
    if parts is None:
        return None
    return _load().models.get(parts[0].lower())


def catalog_info() -> tuple[str, str]:
    """(how the catalog was built, the date it describes), for reports."""
    catalog = _load()
    return catalog.source, catalog.date


@functools.cache
def _load() -> _Catalog:
    text = (
        resources.files("replicate_migrate.analysis")
        .joinpath("catalog.json")
        .read_text(encoding="utf-8")
    )
    raw = json.loads(text)
    models = {name.lower(): _facts(entry) for name, entry in raw["models"].items()}
    return _Catalog(source=str(raw["source"]), date=str(raw["date"]), models=models)


def _facts(entry: dict[str, Any]) -> ModelFacts:
    # The JSON ships with the package and a test checks every entry, so a bad entry is a
    # packaging bug worth failing loudly on rather than a user input to tolerate.
    file_keys = frozenset(entry.get("file_keys", ()))
    list_keys = frozenset(entry.get("list_keys", ()))
    if not list_keys <= file_keys:
        raise ValueError(f"catalog entry lists list_keys outside file_keys: {entry}")
    return ModelFacts(
        kind=OutputKind(entry["kind"]),
        source="catalog",
        file_keys=file_keys,
        list_keys=list_keys,
    )
