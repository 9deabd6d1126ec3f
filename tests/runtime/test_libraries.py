"""The libraries RM004's idioms run on (aiohttp, handler frameworks, Pillow), offline."""

from __future__ import annotations

import base64
import io
from pathlib import Path

from PIL import Image

from replicate_migrate.runtime import Scenario, run_program
from replicate_migrate.runtime.variants import make_variant

URL = "https://replicate.delivery/a/out.png"
SCENARIO = Scenario.from_dict(
    {"models": {"bfl/flux": {"output": URL}}, "files": {URL: "PNGDATA"}}
)

AIOHTTP = """\
import asyncio
import aiohttp
import replicate

async def main():
    out = replicate.run("bfl/flux")
    async with aiohttp.ClientSession() as session:
        async with session.get(str(out)) as resp:
            print(resp.status, resp.headers["Content-Type"], await resp.read())
        async with session.get(str(out)) as resp:
            print([chunk async for chunk in resp.content.iter_chunked(3)])
        async with session.get("https://replicate.delivery/a/none.png") as resp:
            print(resp.status, resp.ok)
        for url in (out, "data:image/png;base64,UE5HREFUQQ==", "https://example.com/"):
            try:
                async with session.get(url) as resp:
                    print(await resp.read())
            except Exception as exc:
                print(type(exc).__name__)

asyncio.run(main())
"""


def test_aiohttp_is_served_offline_and_fails_as_for_real(tmp_path: Path) -> None:
    program = tmp_path / "aio.py"
    program.write_text(AIOHTTP)
    outcome = run_program(program, SCENARIO, "1.0", tmp_path / "work")
    assert outcome.exception is None, outcome.stderr
    assert outcome.stdout.splitlines() == [
        "200 image/png b'PNGDATA'",
        "[b'PNG', b'DAT', b'A']",
        "404 False",
        "TypeError",  # yarl refuses a FileOutput
        "NonHttpUrlClientError",
        "ClientConnectorError",  # the offline world has no example.com
    ]


HANDLERS = """\
import replicate
from django.conf import settings
from fastapi import FastAPI
from fastapi.responses import StreamingResponse
from fastapi.testclient import TestClient
from flask import Flask, stream_with_context

out = replicate.run("bfl/flux")
api = FastAPI()
api.get("/")(lambda: StreamingResponse(out, media_type="image/png"))
print(TestClient(api).get("/").content)
app = Flask(__name__)
app.route("/")(lambda: app.response_class(stream_with_context(out), mimetype="image/png"))
print(app.test_client().get("/").data)
settings.configure()
from django.http import HttpResponse, StreamingHttpResponse
print(HttpResponse(out, content_type="image/png").content)
print(b"".join(StreamingHttpResponse(out).streaming_content))
"""


def test_handlers_stream_a_file_output_offline(tmp_path: Path) -> None:
    program = tmp_path / "handlers.py"
    program.write_text(HANDLERS)
    outcome = run_program(program, SCENARIO, "1.0", tmp_path / "work")
    assert outcome.exception is None, outcome.stderr
    assert outcome.stdout == "b'PNGDATA'\n" * 4


PILLOW = """\
from io import BytesIO

import replicate
from PIL import Image

out = replicate.run("owner/png")
print(Image.open(BytesIO(out.read())).size)
"""


def test_pillow_opens_a_read_file_output_over_https_and_data_urls(tmp_path: Path) -> None:
    png = io.BytesIO()
    Image.new("RGB", (3, 2), "red").save(png, format="PNG")
    url = "https://replicate.delivery/a/red.png"
    scenario = Scenario.from_dict(
        {
            "models": {"owner/png": {"output": url}},
            "files": {url: {"base64": base64.b64encode(png.getvalue()).decode()}},
        }
    )
    program = tmp_path / "pillow.py"
    program.write_text(PILLOW)
    for name, world in (("https", scenario), ("data", make_variant(scenario, "data-urls").scenario)):
        outcome = run_program(program, world, "1.0", tmp_path / name)
        assert (outcome.exception, outcome.stdout) == (None, "(3, 2)\n"), outcome.stderr
