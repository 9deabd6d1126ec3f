"""The --online look-up cache: one small JSON file per model ref, replaced atomically."""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import time
from pathlib import Path

from replicate_migrate.analysis.models import ModelFacts, OutputKind

_CACHE_FORMAT = 1  # bump when the cached fields or kind_from_schema's answers change


def _path(cache_dir: Path, ref: str) -> Path:
    key = ref.lower()
    readable = re.sub(r"[^a-z0-9._-]+", "_", key)[:80]
    # The hash keeps refs that sanitize alike (a/b_c, a_b/c) in separate files.
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]
    return cache_dir / f"{readable}-{digest}.json"


def read_cache(cache_dir: Path, ref: str, ttl_seconds: float, now: float) -> ModelFacts | None:
    """A fresh cached answer for ``ref``, or None when absent, stale or unreadable."""
    try:
        data = json.loads(_path(cache_dir, ref).read_text(encoding="utf-8"))
        if data["format"] != _CACHE_FORMAT or data["ref"] != ref.lower():
            return None
        if not 0 <= now - float(data["fetched_at"]) < ttl_seconds:
            return None
        file_keys = frozenset(str(k) for k in data["file_keys"])
        list_keys = frozenset(str(k) for k in data["list_keys"])
        return ModelFacts(OutputKind(data["kind"]), "cache", file_keys, list_keys)
    except Exception:  # noqa: BLE001 - a corrupt or foreign cache file is just a miss
        return None


def write_cache(cache_dir: Path, ref: str, facts: ModelFacts) -> None:
    """Store `facts` for `ref`; an OSError says why it could not."""
    record = {
        "format": _CACHE_FORMAT,
        "ref": ref.lower(),
        "fetched_at": time.time(),
        "kind": facts.kind.value,
        "file_keys": sorted(facts.file_keys),
        "list_keys": sorted(facts.list_keys),
    }
    cache_dir.mkdir(parents=True, exist_ok=True)
    # Write then rename, so a concurrent run never reads half a file.
    fd, tmp = tempfile.mkstemp(dir=cache_dir, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(record, handle)
        os.replace(tmp, _path(cache_dir, ref))
    except BaseException:
        os.unlink(tmp)
        raise
