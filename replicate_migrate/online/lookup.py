"""Ask the Replicate API for models' output schemas, with an on-disk cache; never raises.

Used for models the bundled catalog does not know. Every failure (no network, a rejected
token, an unknown model, rate limits that outlast the retries, a server too slow for the
overall deadline, an answer too large) becomes one warning line, and no warning shows the
token or credentials embedded in the base URL.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from replicate_migrate import __version__
from replicate_migrate.analysis.models import (
    ModelFacts,
    as_cog_version_schema,
    kind_from_schema,
    split_ref,
)
from replicate_migrate.online.cache import read_cache, write_cache
from replicate_migrate.online.http import Policy, Session, get
from replicate_migrate.online.limits import ACCEPT_ENCODING, Redactor

__all__ = ["LookupResult", "base_url_from_env", "lookup_models", "token_from_env"]

DEFAULT_BASE_URL = "https://api.replicate.com"


@dataclass(frozen=True)
class LookupResult:
    """Facts for the refs that were resolved, and one warning line per problem."""

    facts: dict[str, ModelFacts]
    warnings: tuple[str, ...]


def base_url_from_env() -> str:
    """REPLICATE_BASE_URL, or the public API; an empty value counts as unset, as in the client."""
    return os.environ.get("REPLICATE_BASE_URL") or DEFAULT_BASE_URL


def token_from_env() -> str | None:
    """REPLICATE_API_TOKEN, or None when unset or empty."""
    return os.environ.get("REPLICATE_API_TOKEN") or None


def lookup_models(
    refs: Iterable[str],
    *,
    token: str | None,
    base_url: str,
    cache_dir: Path | None,
    ttl_seconds: float = 7 * 24 * 3600,
    concurrency: int = 8,
    timeout: float = 10.0,
    retries: int = 3,
    transport: httpx.BaseTransport | None = None,
    backoff_seconds: float = 0.5,
    max_wait_seconds: float = 10.0,
    deadline_seconds: float = 30.0,
    max_response_bytes: int = 5 << 20,
) -> LookupResult:
    """Resolve each ``owner/name[:version]`` ref to its output kind; never raises.

    Fresh cache entries (younger than ``ttl_seconds``) are used without a request.
    ``retries`` counts attempts after the first, for 429, 5xx and transport errors.
    ``timeout`` bounds each network operation, ``deadline_seconds`` all the look-ups
    together (a server dripping bytes resets a read timeout forever); an answer larger
    than ``max_response_bytes`` once decompressed is dropped unread.
    """
    policy = Policy(
        max(0, retries), max(0.0, backoff_seconds), max(0.0, max_wait_seconds),
        timeout, max(0.0, deadline_seconds), max_response_bytes,
    )
    def client() -> httpx.Client:  # inside the "never raises" guard: a bad base URL fails here
        return httpx.Client(
            base_url=base_url, headers=_headers(token), timeout=timeout, transport=transport
        )

    return _lookup(list(dict.fromkeys(refs)), client, Redactor(token, base_url), policy,
                   (cache_dir, ttl_seconds, concurrency))


def _lookup(
    unique: list[str], make_client: Callable[[], httpx.Client], redactor: Redactor, policy: Policy,
    cache: tuple[Path | None, float, int],
) -> LookupResult:
    cache_dir, ttl_seconds, concurrency = cache
    facts: dict[str, ModelFacts] = {}
    try:
        with make_client() as client:
            session = Session(client, redactor, policy)
            todo = _from_cache(unique, cache_dir, ttl_seconds, facts, session)
            fetched = _fetch_all(session, cache_dir, todo, concurrency)
    except Exception as exc:  # noqa: BLE001 - the contract is "never raises"; say what broke
        problem = redactor.redact(f"online lookup failed: {type(exc).__name__}: {exc}")
        return LookupResult(facts, (problem,))
    ordered = {ref: facts.get(ref) or fetched.get(ref) for ref in unique}
    resolved = {ref: value for ref, value in ordered.items() if value is not None}
    return LookupResult(resolved, session.warnings())


def _headers(token: str | None) -> dict[str, str]:
    headers = {"User-Agent": f"replicate-migrate/{__version__}", "Accept-Encoding": ACCEPT_ENCODING}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return headers


def _fetch_all(
    session: Session, cache_dir: Path | None, todo: list[tuple[int, str]], concurrency: int
) -> dict[str, ModelFacts | None]:
    """The look-ups that finish by the deadline; those still running then are abandoned
    (they give up at their next network operation, and the client's closing ends them)."""
    pool = ThreadPoolExecutor(max_workers=max(1, concurrency))
    try:
        futures = [pool.submit(_resolve, session, cache_dir, order, ref) for order, ref in todo]
        # A little past the deadline, so a look-up that notices it itself says so first.
        done, late = wait(futures, timeout=max(0.0, session.deadline - time.monotonic()) + 0.2)
        if late:
            session.out_of_time()
        return dict(future.result() for future in done)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _from_cache(
    refs: list[str],
    cache_dir: Path | None,
    ttl: float,
    facts: dict[str, ModelFacts],
    session: Session,
) -> list[tuple[int, str]]:
    """Fill ``facts`` from fresh cache entries; return the (order, ref) pairs still to fetch."""
    todo: list[tuple[int, str]] = []
    now = time.time()
    for order, ref in enumerate(refs):
        if split_ref(ref) is None:
            session.warn(order, f"{ref!r}: not a model reference (owner/name[:version])")
            continue
        cached = read_cache(cache_dir, ref, ttl, now) if cache_dir else None
        if cached is None:
            todo.append((order, ref))
        else:
            facts[ref] = cached
    return todo


def _resolve(
    session: Session, cache_dir: Path | None, order: int, ref: str
) -> tuple[str, ModelFacts | None]:
    try:
        found = _fetch(session, order, ref)
        if found is not None and cache_dir is not None:
            try:
                write_cache(cache_dir, ref, found)
            except OSError as exc:
                session.warn(-1, f"cannot write the lookup cache in {cache_dir}: {exc}")
        return ref, found
    except Exception as exc:  # noqa: BLE001 - one broken lookup must not sink the others
        session.warn(order, f"{ref}: lookup failed: {type(exc).__name__}: {exc}")
        return ref, None


def _fetch(session: Session, order: int, ref: str) -> ModelFacts | None:
    model, version = split_ref(ref) or (ref, None)
    owner, name = model.split("/", 1)
    path = f"/v1/models/{quote(owner, safe='')}/{quote(name, safe='')}"
    if version is not None:
        path += f"/versions/{quote(version, safe='')}"
    body = get(session, order, ref, path)
    if body is None:
        return None
    try:
        payload = json.loads(body)
    except ValueError:
        session.warn(order, f"{ref}: {session.base_url} answered with something other than JSON")
        return None
    found = payload if version is not None else _get_key(payload, "latest_version")
    schema = _get_key(found, "openapi_schema")
    if not isinstance(schema, Mapping):
        session.warn(order, f"{ref}: no published output schema; its output kind stays unknown")
        return None
    cog_version = _get_key(found, "cog_version")
    kind, file_keys, list_keys = kind_from_schema(as_cog_version_schema(schema, cog_version))
    return ModelFacts(kind, "online", file_keys, list_keys)


def _get_key(value: Any, key: str) -> Any:
    return value.get(key) if isinstance(value, Mapping) else None
