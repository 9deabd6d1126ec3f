"""--online end to end: a schema server on 127.0.0.1 says which unknown models return files."""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

TEXT_SCHEMA = {"components": {"schemas": {"Output": {"type": "array", "items": {"type": "string"},
                                                     "x-cog-array-type": "iterator"}}}}
FILE_SCHEMA = {"components": {"schemas": {"Output": {"type": "string", "format": "uri"}}}}
SCHEMAS = {"/v1/models/acme/chatbot": TEXT_SCHEMA, "/v1/models/acme/painter": FILE_SCHEMA}

PROGRAM = """import replicate

reply = replicate.run("acme/chatbot", input={"prompt": "hi"})
print("".join(reply).upper())
image = replicate.run("acme/painter", input={"prompt": "a boat"})
print(image.startswith("https://"))
"""


class _Schemas(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        schema = SCHEMAS.get(self.path)
        body = json.dumps({"latest_version": {"id": "v1", "openapi_schema": schema}}).encode()
        self.send_response(200 if schema else 404)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body if schema else b"{}")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Schemas)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def _run(tmp_path: Path, base_url: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "app.py").write_text(PROGRAM)
    env = {**os.environ, "REPLICATE_BASE_URL": base_url, "REPLICATE_API_TOKEN": "r8_test"}
    command = [sys.executable, "-m", "replicate_migrate", "app.py", "--online",
               "--cache-dir", str(tmp_path / "cache")]
    return subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_online_schemas_decide_text_and_file_models(tmp_path: Path, server: str) -> None:
    done = _run(tmp_path, server)
    assert done.returncode == 1, done.stderr
    assert '-reply = replicate.run("acme/chatbot"' not in done.stdout  # text model untouched
    assert '+print(image.url.startswith("https://"))' in done.stdout
    assert "from online" in done.stdout


def test_server_down_still_finishes_with_a_warning(tmp_path: Path) -> None:
    done = _run(tmp_path, "http://127.0.0.1:9")
    assert done.returncode == 1, done.stderr
    assert "warning" in done.stderr and "Traceback" not in done.stderr
    assert "use_file_output=False" in done.stdout  # unknown kinds get the text-safe fix


def test_credentials_are_echoed_nowhere(tmp_path: Path, server: str) -> None:
    host = server.removeprefix("http://")
    (tmp_path / "app.py").write_text(PROGRAM.replace("acme/chatbot", "acme/unknown"))
    env = {**os.environ, "REPLICATE_BASE_URL": f"http://us3r-s3cret:pw-s3cret@{host}",
           "REPLICATE_API_TOKEN": "r8_t0ken-s3cret"}
    runs = [
        subprocess.run(
            [sys.executable, "-m", "replicate_migrate", "app.py", "--online", *extra,
             "--cache-dir", str(tmp_path / "cache")],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False,
        )
        for extra in ([], ["--format", "json", "-o", "report.json"])
    ]
    seen = "".join(run.stdout + run.stderr for run in runs) + (tmp_path / "report.json").read_text()
    assert "acme/unknown: not found at" in seen  # the look-up did happen and was reported
    assert "s3cret" not in seen, seen
