"""The HTTP side of the online look-ups: one session's retries, deadline and warnings."""

from __future__ import annotations

import email.utils
import random
import threading
import time
from dataclasses import dataclass

import httpx

from replicate_migrate.online.limits import OutOfTime, Redactor, TooLarge, read_body


@dataclass(frozen=True)
class Policy:
    retries: int
    backoff_seconds: float
    max_wait_seconds: float
    timeout: float  # per network operation, as httpx counts it
    deadline_seconds: float  # for all look-ups together
    max_response_bytes: int  # decoded


class Session:
    """What the worker threads share: the client, the deadline, the stop flag, the warnings."""

    def __init__(self, client: httpx.Client, redactor: Redactor, policy: Policy) -> None:
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


def get(session: Session, order: int, ref: str, path: str) -> bytes | None:
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


def _request(session: Session, path: str) -> tuple[httpx.Response, bytes]:
    """One GET, streamed: no operation waits past the deadline, no body grows past the cap."""
    remaining = session.deadline - time.monotonic()
    if remaining <= 0:
        raise OutOfTime
    timeout = min(session.policy.timeout, remaining)
    with session.client.stream("GET", path, timeout=timeout) as response:
        if response.status_code != 200:
            return response, b""  # only a 200's body is read; the status says the rest
        return response, read_body(response, session.policy.max_response_bytes, session.deadline)


def _is_final(session: Session, order: int, ref: str, response: httpx.Response) -> bool:
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


def _delay(policy: Policy, attempt: int, response: httpx.Response | None) -> float:
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
