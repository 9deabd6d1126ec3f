"""Ask the Replicate API for models' output schemas, with an on-disk cache; never raises.

Used for models the bundled catalog does not know. Every failure (no network, a rejected
token, an unknown model, rate limits that outlast the retries, a server too slow for the
overall deadline, an answer too large) becomes one warning line, and no warning shows the
token or credentials embedded in the base URL.
"""

from __future__ import annotations

import email.utils
import json
import os
import random
import threading
import time
from collections.abc import Iterable, Mapping
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
from replicate_migrate.analysis.online_cache import read_cache, write_cache
from replicate_migrate.analysis.online_limits import (
    ACCEPT_ENCODING,
    OutOfTime,
    Redactor,
    TooLarge,
    read_body,
)

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


@dataclass(frozen=True)
class _Policy:
    retries: int
    backoff_seconds: float
    max_wait_seconds: float
    timeout: float  # per network operation, as httpx counts it
    deadline_seconds: float  # for all look-ups together
    max_response_bytes: int  # decoded


class _Session:
    """What the worker threads share: the client, the deadline, the stop flag, the warnings."""

    def __init__(self, client: httpx.Client, redactor: Redactor, policy: _Policy) -> None:
        self.client = client
        self.redactor = redactor
        self.base_url = redactor.public_url  # the only form of it a message may show
        self.policy = policy
        self.deadline = time.monotonic() + policy.deadline_seconds
        self.stopped = threading.Event()
        self._lock = threading.Lock()
        self._warnings: list[tuple[int, str]] = []

    def warn(self, order: int, message: str) -> None:
        with self._lock:
            # After a stop, what fails is the stop's consequence, already said once.
            if not self.stopped.is_set():
                self._warnings.append((order, self.redactor.redact(message)))

    def stop(self, message: str) -> None:
        """Record why every remaining lookup is pointless, once, and make them give up."""
        with self._lock:
            if self.stopped.is_set():
                return
            self.stopped.set()
            self._warnings.append((-1, self.redactor.redact(message)))

    def out_of_time(self) -> None:
        self.stop(
            f"online lookups stopped at their {self.policy.deadline_seconds:g} s deadline "
            f"({self.base_url} answers too slowly); the models not looked up stay unknown"
        )

    def warnings(self) -> tuple[str, ...]:
        with self._lock:
            # Sorted so reports do not depend on which thread finished first.
            return tuple(message for _, message in sorted(self._warnings))


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
    unique = list(dict.fromkeys(refs))
    facts: dict[str, ModelFacts] = {}
    policy = _Policy(
        max(0, retries), max(0.0, backoff_seconds), max(0.0, max_wait_seconds),
        timeout, max(0.0, deadline_seconds), max_response_bytes,
    )
    redactor = Redactor(token, base_url)
    headers = {"User-Agent": f"replicate-migrate/{__version__}", "Accept-Encoding": ACCEPT_ENCODING}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        with httpx.Client(
            base_url=base_url, headers=headers, timeout=timeout, transport=transport
        ) as client:
            session = _Session(client, redactor, policy)
            todo = _from_cache(unique, cache_dir, ttl_seconds, facts, session)
            fetched = _fetch_all(session, cache_dir, todo, concurrency)
    except Exception as exc:  # noqa: BLE001 - the contract is "never raises"; say what broke
        problem = redactor.redact(f"online lookup failed: {type(exc).__name__}: {exc}")
        return LookupResult(facts, (problem,))
    ordered = {ref: facts.get(ref) or fetched.get(ref) for ref in unique}
    resolved = {ref: value for ref, value in ordered.items() if value is not None}
    return LookupResult(resolved, session.warnings())


def _fetch_all(
    session: _Session, cache_dir: Path | None, todo: list[tuple[int, str]], concurrency: int
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
    session: _Session,
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
    session: _Session, cache_dir: Path | None, order: int, ref: str
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


def _fetch(session: _Session, order: int, ref: str) -> ModelFacts | None:
    model, version = split_ref(ref) or (ref, None)
    owner, name = model.split("/", 1)
    path = f"/v1/models/{quote(owner, safe='')}/{quote(name, safe='')}"
    if version is not None:
        path += f"/versions/{quote(version, safe='')}"
    body = _get(session, order, ref, path)
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


def _get(session: _Session, order: int, ref: str, path: str) -> bytes | None:
    """GET with retries: the body of a 200 answer, or None (after a warning)."""
    policy = session.policy
    problem = ""
    for attempt in range(policy.retries + 1):
        if session.stopped.is_set():
            return None
        response: httpx.Response | None = None
        try:
            response, body = _request(session, path)
        except OutOfTime:
            session.out_of_time()
            return None
        except TooLarge:
            limit = f"{policy.max_response_bytes / (1 << 20):g} MB"
            session.warn(order, f"{ref}: the answer from {session.base_url} is larger than {limit}; ignored")
            return None
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            # A refused or unreachable host rarely heals in seconds: one retry rides out a
            # blip; more would only make every lookup wait while the network is down.
            if attempt >= min(policy.retries, 1):
                session.stop(f"cannot reach {session.base_url} ({exc}); online lookups skipped")
                return None
            problem = str(exc)
        except httpx.TransportError as exc:
            problem = f"{type(exc).__name__}: {exc}"
        else:
            if _is_final(session, order, ref, response):
                return body if response.status_code == 200 else None
            problem = f"HTTP {response.status_code}"
        pause = min(_delay(policy, attempt, response), max(0.0, session.deadline - time.monotonic()))
        if attempt < policy.retries and session.stopped.wait(pause):
            return None
    if time.monotonic() >= session.deadline:  # the last attempt timed out at the deadline
        session.out_of_time()
    else:
        session.warn(order, f"{ref}: {problem} after {policy.retries + 1} attempts; giving up")
    return None


def _request(session: _Session, path: str) -> tuple[httpx.Response, bytes]:
    """One GET, streamed: no operation waits past the deadline, no body grows past the cap."""
    remaining = session.deadline - time.monotonic()
    if remaining <= 0:
        raise OutOfTime
    timeout = min(session.policy.timeout, remaining)
    with session.client.stream("GET", path, timeout=timeout) as response:
        if response.status_code != 200:
            return response, b""  # only a 200's body is read; the status says the rest
        return response, read_body(response, session.policy.max_response_bytes, session.deadline)


def _is_final(session: _Session, order: int, ref: str, response: httpx.Response) -> bool:
    """False when the status is worth retrying; warns about final statuses other than 200."""
    status = response.status_code
    if status == 429 or status >= 500:
        return False
    if status in (401, 403):
        if session.client.headers.get("Authorization"):
            problem = f"REPLICATE_API_TOKEN rejected by {session.base_url}"
        else:
            problem = f"REPLICATE_API_TOKEN is not set and {session.base_url} requires one"
        session.stop(f"{problem} (HTTP {status}); online lookups stopped")
    elif status == 404:
        session.warn(order, f"{ref}: not found at {session.base_url} (HTTP 404)")
    elif status != 200:
        session.warn(order, f"{ref}: unexpected HTTP {status} from {session.base_url}")
    return True


def _delay(policy: _Policy, attempt: int, response: httpx.Response | None) -> float:
    """Seconds before the next attempt: the server's Retry-After, else exponential backoff."""
    hint = _retry_after(response.headers.get("Retry-After")) if response is not None else None
    if hint is None:
        base = policy.backoff_seconds * 2**attempt
        hint = base + random.uniform(0, base / 4)  # jitter keeps workers from retrying in step
    return min(hint, policy.max_wait_seconds)


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _get_key(value: Any, key: str) -> Any:
    return value.get(key) if isinstance(value, Mapping) else None
