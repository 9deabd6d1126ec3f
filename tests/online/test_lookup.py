from __future__ import annotations

import base64
import json
import socket
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from replicate_migrate.analysis.models import OutputKind
from replicate_migrate.online import (
    LookupResult,
    base_url_from_env,
    lookup_models,
    token_from_env,
)

BASE = "https://api.test"
VERSION = "5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa"
FILE_LIST = {"type": "array", "items": {"type": "string", "format": "uri"}, "title": "Output"}
TOKENS = {
    "type": "array",
    "items": {"type": "string"},
    "x-cog-array-type": "iterator",
    "x-cog-array-display": "concatenate",
}


def openapi(output: dict[str, Any]) -> dict[str, Any]:
    return {"openapi": "3.0.2", "components": {"schemas": {"Output": output}}}


def model_body(output: dict[str, Any], cog_version: str = "0.9.4") -> dict[str, Any]:
    version = {"id": VERSION, "cog_version": cog_version, "openapi_schema": openapi(output)}
    return {"owner": "o", "name": "n", "latest_version": version}


Reply = tuple[int, Any, dict[str, str]]


class Script:
    """Per-path replies, played in order; the last one repeats. Records every request."""

    def __init__(self, replies: dict[str, list[Reply]]) -> None:
        self.replies = {path: list(seq) for path, seq in replies.items()}
        self.requests: list[tuple[str, str | None]] = []
        self._lock = threading.Lock()

    def next(self, path: str, auth: str | None) -> Reply:
        with self._lock:
            self.requests.append((path, auth))
            seq = self.replies.get(path)
            if not seq:
                return 404, {"detail": "Not found."}, {}
            return seq.pop(0) if len(seq) > 1 else seq[0]

    def count(self, path: str) -> int:
        return sum(1 for p, _ in self.requests if p == path)


def mock(script: Script) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        status, body, headers = script.next(request.url.path, request.headers.get("Authorization"))
        if isinstance(body, Exception):
            raise body
        content = body if isinstance(body, bytes) else json.dumps(body).encode()
        # A stream, not content=: httpx would decode content= whole when building the reply,
        # while a real transport streams it.
        return httpx.Response(status, stream=httpx.ByteStream(content), headers=headers)

    return httpx.MockTransport(handle)


def run(
    refs: list[str], script: Script, cache_dir: Path | None = None, **kwargs: Any
) -> LookupResult:
    options: dict[str, Any] = {"retries": 3, "backoff_seconds": 0.001, "concurrency": 4}
    options.update(kwargs)
    return lookup_models(
        refs,
        token="r8_test",
        base_url=BASE,
        cache_dir=cache_dir,
        transport=mock(script),
        **options,
    )


def ok(body: Any) -> list[Reply]:
    return [(200, body, {})]


def test_latest_version_schema_with_bearer_token() -> None:
    script = Script({"/v1/models/o/n": ok(model_body(FILE_LIST))})
    result = run(["o/n"], script)
    assert result.warnings == ()
    assert result.facts["o/n"].kind is OutputKind.FILE_LIST
    assert result.facts["o/n"].source == "online"
    assert script.requests == [("/v1/models/o/n", "Bearer r8_test")]


def test_version_ref_asks_for_that_version() -> None:
    path = f"/v1/models/o/n/versions/{VERSION}"
    script = Script({path: ok({"id": VERSION, "openapi_schema": openapi(TOKENS)})})
    result = run([f"o/n:{VERSION}"], script)
    assert result.facts[f"o/n:{VERSION}"].kind is OutputKind.TEXT_ITERATOR
    assert script.count(path) == 1


def test_object_output_file_keys_come_through() -> None:
    output = {
        "type": "object",
        "properties": {"audio_out": {"type": "string", "format": "uri"}, "n": {"type": "integer"}},
    }
    result = run(["o/n"], Script({"/v1/models/o/n": ok(model_body(output))}))
    assert result.facts["o/n"].file_keys == frozenset({"audio_out"})


def test_old_cog_arrays_are_iterators_as_the_client_treats_them() -> None:
    script = Script({"/v1/models/o/n": ok(model_body(FILE_LIST, cog_version="0.3.4"))})
    assert run(["o/n"], script).facts["o/n"].kind is OutputKind.FILE_ITERATOR


def test_404_warns_per_ref_and_others_still_resolve() -> None:
    script = Script({"/v1/models/o/n": ok(model_body(FILE_LIST))})
    result = run(["gone/a", "o/n", "gone/b"], script)
    assert list(result.facts) == ["o/n"]
    assert len(result.warnings) == 2
    assert "gone/a" in result.warnings[0] and "404" in result.warnings[0]
    assert "gone/b" in result.warnings[1]


def test_401_warns_once_and_stops_asking() -> None:
    script = Script({f"/v1/models/o/m{i}": [(401, {"detail": "bad token"}, {})] for i in range(5)})
    result = run([f"o/m{i}" for i in range(5)], script, concurrency=1)
    assert result.facts == {}
    assert len(result.warnings) == 1
    assert "REPLICATE_API_TOKEN rejected" in result.warnings[0]
    assert len(script.requests) == 1


def test_missing_token_is_named_in_the_warning() -> None:
    script = Script({"/v1/models/o/n": [(401, {}, {})]})
    result = lookup_models(
        ["o/n"], token=None, base_url=BASE, cache_dir=None, transport=mock(script)
    )
    assert "REPLICATE_API_TOKEN is not set" in result.warnings[0]
    assert script.requests == [("/v1/models/o/n", None)]


def test_429_honours_retry_after_then_succeeds() -> None:
    replies = [(429, {}, {"Retry-After": "0.05"}), (200, model_body(FILE_LIST), {})]
    script = Script({"/v1/models/o/n": replies})
    started = time.monotonic()
    result = run(["o/n"], script, backoff_seconds=0)
    assert time.monotonic() - started >= 0.05
    assert result.facts["o/n"].kind is OutputKind.FILE_LIST
    assert result.warnings == ()


def test_retry_after_is_capped() -> None:
    replies = [(429, {}, {"Retry-After": "3600"}), (200, model_body(FILE_LIST), {})]
    started = time.monotonic()
    result = run(["o/n"], Script({"/v1/models/o/n": replies}), max_wait_seconds=0.01)
    assert time.monotonic() - started < 2
    assert "o/n" in result.facts


def test_5xx_gives_up_after_the_retries() -> None:
    script = Script({"/v1/models/o/n": [(503, {}, {})]})
    result = run(["o/n"], script, retries=2)
    assert result.facts == {}
    assert script.count("/v1/models/o/n") == 3
    assert result.warnings == ("o/n: HTTP 503 after 3 attempts; giving up",)


def test_transport_errors_are_retried() -> None:
    replies: list[Reply] = [(0, httpx.ReadTimeout("slow"), {}), (200, model_body(TOKENS), {})]
    result = run(["o/n"], Script({"/v1/models/o/n": replies}))
    assert result.facts["o/n"].kind is OutputKind.TEXT_ITERATOR
    assert result.warnings == ()


@pytest.mark.parametrize(
    ("reply", "fragment"),
    [
        ((200, b"<html>", {}), "other than JSON"),
        ((200, {"owner": "o", "latest_version": None}, {}), "no published output schema"),
        ((418, {}, {}), "unexpected HTTP 418"),
        ((0, RuntimeError("boom"), {}), "RuntimeError: boom"),
    ],
)
def test_odd_answers_become_warnings(reply: Reply, fragment: str) -> None:
    result = run(["o/n"], Script({"/v1/models/o/n": [reply]}))
    assert result.facts == {}
    assert len(result.warnings) == 1 and fragment in result.warnings[0]


def test_junk_refs_are_reported_not_requested() -> None:
    script = Script({})
    result = run(["not a ref", "a/b/c"], script)
    assert script.requests == []
    assert len(result.warnings) == 2


def test_duplicate_refs_are_asked_once() -> None:
    script = Script({"/v1/models/o/n": ok(model_body(FILE_LIST))})
    result = run(["o/n", "o/n"], script)
    assert list(result.facts) == ["o/n"]
    assert len(script.requests) == 1


# -- cache -----------------------------------------------------------------------------


def test_cache_hit_avoids_the_request(tmp_path: Path) -> None:
    script = Script({"/v1/models/o/n": ok(model_body(FILE_LIST))})
    first = run(["o/n"], script, cache_dir=tmp_path)
    second = run(["O/N", "o/n"], script, cache_dir=tmp_path)
    assert first.facts["o/n"].source == "online"
    assert second.facts["o/n"].source == "cache"
    assert second.facts["O/N"].kind is OutputKind.FILE_LIST
    assert len(script.requests) == 1
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".tmp")] == []


def test_expired_entries_are_fetched_again(tmp_path: Path) -> None:
    script = Script({"/v1/models/o/n": ok(model_body(FILE_LIST))})
    run(["o/n"], script, cache_dir=tmp_path)
    (entry,) = tmp_path.glob("*.json")
    record = json.loads(entry.read_text())
    record["fetched_at"] -= 3600
    entry.write_text(json.dumps(record))
    assert run(["o/n"], script, cache_dir=tmp_path, ttl_seconds=7200).facts["o/n"].source == "cache"
    assert run(["o/n"], script, cache_dir=tmp_path, ttl_seconds=60).facts["o/n"].source == "online"
    assert len(script.requests) == 2


def test_corrupt_cache_file_is_ignored_and_replaced(tmp_path: Path) -> None:
    script = Script({"/v1/models/o/n": ok(model_body(FILE_LIST))})
    run(["o/n"], script, cache_dir=tmp_path)
    (entry,) = tmp_path.glob("*.json")
    entry.write_text('{"format": 1, "ref": "o/n", "kind": "fi')
    result = run(["o/n"], script, cache_dir=tmp_path)
    assert result.facts["o/n"].source == "online"
    assert result.warnings == ()
    assert json.loads(entry.read_text())["kind"] == "file-list"


def test_unwritable_cache_is_a_warning(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    script = Script({"/v1/models/o/n": ok(model_body(FILE_LIST))})
    result = run(["o/n"], script, cache_dir=blocker / "cache")
    assert result.facts["o/n"].kind is OutputKind.FILE_LIST
    assert len(result.warnings) == 1 and "cache" in result.warnings[0]


# -- environment -----------------------------------------------------------------------


def test_env_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REPLICATE_BASE_URL", raising=False)
    monkeypatch.setenv("REPLICATE_API_TOKEN", "")
    assert base_url_from_env() == "https://api.replicate.com"
    assert token_from_env() is None
    monkeypatch.setenv("REPLICATE_BASE_URL", "http://localhost:5000")
    monkeypatch.setenv("REPLICATE_API_TOKEN", "r8_abc")
    assert base_url_from_env() == "http://localhost:5000"
    assert token_from_env() == "r8_abc"


# -- a real HTTP server on 127.0.0.1 ---------------------------------------------------


@pytest.fixture
def serve() -> Iterator[Callable[[Script], str]]:
    servers: list[ThreadingHTTPServer] = []

    def start(script: Script) -> str:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, body, headers = script.next(self.path, self.headers.get("Authorization"))
                content = json.dumps(body).encode()
                self.send_response(status)
                for name, value in {"Content-Type": "application/json", **headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep pytest output clean

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        servers.append(server)
        threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True).start()
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def over_http(base_url: str, refs: list[str], token: str, **kwargs: Any) -> LookupResult:
    return lookup_models(
        refs, token=token, base_url=base_url, cache_dir=None, backoff_seconds=0.01, **kwargs
    )


def test_real_server_mixed_answers(serve: Callable[[Script], str]) -> None:
    script = Script(
        {
            "/v1/models/a/files": ok(model_body(FILE_LIST)),
            "/v1/models/a/llm": ok(model_body(TOKENS)),
            "/v1/models/a/busy": [
                (429, {}, {"Retry-After": "0"}),
                (200, model_body(FILE_LIST), {}),
            ],
            "/v1/models/a/flaky": [(500, {}, {}), (502, {}, {}), (200, model_body(TOKENS), {})],
            "/v1/models/a/down": [(500, {}, {})],
        }
    )
    refs = ["a/files", "a/llm", "a/busy", "a/flaky", "a/down", "a/missing"]
    base_url = serve(script)
    result = over_http(base_url, refs, "r8_real", retries=3)
    kinds = {ref: facts.kind for ref, facts in result.facts.items()}
    assert kinds == {
        "a/files": OutputKind.FILE_LIST,
        "a/llm": OutputKind.TEXT_ITERATOR,
        "a/busy": OutputKind.FILE_LIST,
        "a/flaky": OutputKind.TEXT_ITERATOR,
    }
    assert result.warnings == (
        "a/down: HTTP 500 after 4 attempts; giving up",
        f"a/missing: not found at {base_url} (HTTP 404)",
    )
    assert script.count("/v1/models/a/busy") == 2
    assert script.count("/v1/models/a/flaky") == 3
    assert script.count("/v1/models/a/down") == 4
    assert {auth for _, auth in script.requests} == {"Bearer r8_real"}


def test_real_server_401(serve: Callable[[Script], str]) -> None:
    script = Script({"/v1/models/a/x": [(401, {"detail": "Invalid token."}, {})]})
    result = over_http(serve(script), ["a/x"], "r8_wrong")
    assert result.facts == {}
    assert len(result.warnings) == 1 and "REPLICATE_API_TOKEN rejected" in result.warnings[0]
    assert "r8_wrong" not in result.warnings[0]


def test_server_down_gives_up_fast_with_one_warning() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # Nothing listens on `port` now: every connect is refused.
    refs = [f"o/m{i}" for i in range(40)]
    started = time.monotonic()
    result = lookup_models(
        refs, token="r8", base_url=f"http://127.0.0.1:{port}", cache_dir=None, concurrency=4
    )
    assert time.monotonic() - started < 3
    assert result.facts == {}
    assert len(result.warnings) == 1 and "cannot reach" in result.warnings[0]


# -- hostile servers -------------------------------------------------------------------


@pytest.fixture
def drip() -> Iterator[str]:
    """A server that answers 200 and then sends one byte every 0.3 s for a minute."""
    stop = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            for _ in range(200):
                if stop.wait(0.3):
                    return
                self.wfile.write(b" ")
                self.wfile.flush()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    stop.set()
    server.shutdown()
    server.server_close()


def test_dripping_server_is_cut_off_at_the_deadline(drip: str) -> None:
    refs = [f"o/m{i}" for i in range(6)]
    answer: list[LookupResult] = []
    # A thread, so that a run which ignores the deadline fails here instead of hanging.
    worker = threading.Thread(
        target=lambda: answer.append(
            lookup_models(refs, token="r8", base_url=drip, cache_dir=None, concurrency=2,
                          deadline_seconds=1.0)
        ),
        daemon=True,
    )
    worker.start()
    worker.join(timeout=20)  # hang guard, far above the deadline; not a speed assertion
    assert not worker.is_alive(), "the look-ups outlived their deadline"
    (result,) = answer
    assert result.facts == {}
    assert len(result.warnings) == 1, result.warnings
    assert "deadline" in result.warnings[0] and drip in result.warnings[0]


def gzip_bomb(prefix: bytes, padding: int, suffix: bytes) -> bytes:
    """Valid JSON once decompressed: `padding` spaces inside; a few hundred KB gzipped."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    chunk = b" " * (1 << 20)
    parts = [packer.compress(prefix)]
    parts += [packer.compress(chunk) for _ in range(padding >> 20)]
    parts += [packer.compress(suffix), packer.flush()]
    return b"".join(parts)


def test_gzip_bomb_is_cut_off_after_decompression() -> None:
    body = json.dumps(model_body(FILE_LIST)).encode()
    bomb = gzip_bomb(body[:-1], 256 << 20, b"}")
    assert len(bomb) < 1 << 20
    script = Script({"/v1/models/o/n": [(200, bomb, {"Content-Encoding": "gzip"})]})
    tracemalloc.start()
    try:
        result = run(["o/n"], script)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.facts == {}
    assert len(result.warnings) == 1 and "larger than" in result.warnings[0], result.warnings
    assert peak < 64 << 20, f"peak {peak >> 20} MB while reading a capped response"


def test_small_gzip_answer_is_decoded() -> None:
    body = gzip_bomb(json.dumps(model_body(FILE_LIST)).encode(), 0, b"")
    script = Script({"/v1/models/o/n": [(200, body, {"Content-Encoding": "gzip"})]})
    result = run(["o/n"], script)
    assert result.warnings == ()
    assert result.facts["o/n"].kind is OutputKind.FILE_LIST


def test_oversized_plain_answer_is_cut_off() -> None:
    body = json.dumps(model_body(FILE_LIST)).encode()
    huge = body[:-1] + b" " * (6 << 20) + b"}"
    result = run(["o/n"], Script({"/v1/models/o/n": [(200, huge, {})]}))
    assert result.facts == {}
    assert len(result.warnings) == 1 and "larger than" in result.warnings[0]


SECRETS = (
    "pw-s3cret",
    "r8_t0ken-s3cret",
    "us3r-s3cret",
    base64.b64encode(b"us3r-s3cret:pw-s3cret").decode(),  # the Basic auth httpx derives
)


def test_credentials_are_never_echoed_in_warnings() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/down"):
            auth = request.headers["Authorization"]
            raise httpx.ConnectError(f"boom for {request.url} ({auth})")
        if request.url.path.endswith("/odd"):
            raise RuntimeError(f"odd {request.url!r}")
        return httpx.Response(404, json={"detail": "Not found."})

    base = "https://us3r-s3cret:pw-s3cret@api.test/base"
    result = lookup_models(
        ["o/missing", "o/odd", "o/down"], token="r8_t0ken-s3cret", base_url=base,
        cache_dir=None, transport=httpx.MockTransport(handle), retries=0, concurrency=1,
    )
    assert len(result.warnings) == 3, result.warnings
    text = "\n".join(result.warnings)
    assert not [secret for secret in SECRETS if secret in text], text
    assert "https://api.test/base" in text


@pytest.mark.parametrize(
    "base",
    [
        "https://us3r-s3cret:pw-s3cret@api.test:badport/v",
        "https://us3r-s3cret:pw-s3cret@[::1/v",
        "https://us3r-s3cret:pw%2Ds3cret@api.test/v",
    ],
)
def test_malformed_or_encoded_credentials_are_not_echoed(base: str) -> None:
    script = Script({})
    result = lookup_models(["o/n"], token="r8_t0ken-s3cret", base_url=base, cache_dir=None,
                           transport=mock(script), retries=0)
    text = "\n".join(result.warnings)
    assert result.warnings and "s3cret" not in text, text
