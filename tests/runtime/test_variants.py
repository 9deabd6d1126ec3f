"""The `data-urls` scenario variant: outputs become data: URLs, and the libraries treat them
as they really do (requests and httpx refuse them, urllib and FileOutput decode them)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import replicate.helpers

from replicate_migrate.runtime import FileOutput, Scenario, install, run_program
from replicate_migrate.runtime.variants import make_variant

URL = "https://replicate.delivery/a/out-0.png"
SCENARIO = Scenario.from_dict(
    {
        "models": {
            "bfl/flux": {"output": [URL, "https://replicate.delivery/a/missing.png"]},
            "owner/text": {"output": ["a", URL]},
        },
        "files": {URL: "PNGDATA"},
        "variants": ["data-urls"],
    }
)
DATA_URL = "data:image/png;base64,UE5HREFUQQ=="

DOWNLOAD = """\
import requests
import replicate

output = replicate.run("bfl/flux", input={"prompt": "cat"})
open("out.png", "wb").write(requests.get(output[0].url).content)
print(output[0].url)
"""

READ = """\
import replicate

output = replicate.run("bfl/flux", input={"prompt": "cat"})
with open("out.png", "wb") as file:
    file.write(output[0].read())
print(output[0].url)
"""


def test_served_urls_become_data_urls_and_map_back() -> None:
    variant = make_variant(SCENARIO, "data-urls")
    assert variant.scenario.models["bfl/flux"].output == [
        DATA_URL,
        "https://replicate.delivery/a/missing.png",  # no bytes served: nothing to encode
    ]
    assert variant.scenario.models["owner/text"].output == ["a", DATA_URL]
    assert variant.restore(f"got {DATA_URL}\n") == f"got {URL}\n"
    assert SCENARIO.variants == ("data-urls",)


def test_unknown_variant_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown"):
        Scenario.from_dict({"variants": ["gzip"]})
    with pytest.raises(ValueError, match="unknown"):
        make_variant(SCENARIO, "gzip")


def _run(tmp_path: Path, source: str, scenario: Scenario, name: str) -> object:
    program = tmp_path / f"{name}.py"
    program.write_text(source)
    return run_program(program, scenario, "1.0", tmp_path / name)


def test_requests_download_fails_and_read_passes_under_data_urls(tmp_path: Path) -> None:
    varied = make_variant(SCENARIO, "data-urls").scenario
    https = _run(tmp_path, DOWNLOAD, SCENARIO, "https")
    assert (https.exception, https.files) == (None, {"out.png": b"PNGDATA"})  # type: ignore[attr-defined]
    failed = _run(tmp_path, DOWNLOAD, varied, "download")
    assert failed.exception == f"InvalidSchema: No connection adapters were found for {DATA_URL!r}"  # type: ignore[attr-defined]
    read = _run(tmp_path, READ, varied, "read")
    assert (read.exception, read.files, read.stdout) == (None, {"out.png": b"PNGDATA"}, DATA_URL + "\n")  # type: ignore[attr-defined]


def test_libraries_on_data_urls_as_for_real() -> None:
    import httpx
    import requests

    with install(make_variant(SCENARIO, "data-urls").scenario, "1.0"):
        import urllib.request

        with pytest.raises(requests.exceptions.InvalidSchema):
            requests.get(DATA_URL)
        with pytest.raises(httpx.UnsupportedProtocol):
            httpx.get(DATA_URL)
        with pytest.raises(httpx.UnsupportedProtocol):
            asyncio.run(httpx.AsyncClient().get(DATA_URL))
        assert urllib.request.urlopen(DATA_URL).read() == b"PNGDATA"


async def _read_async(file: object) -> tuple[bytes, list[bytes]]:
    return await file.aread(), [chunk async for chunk in file]  # type: ignore[attr-defined]


def test_fileoutput_decodes_data_urls_as_replicate_1_0_7() -> None:
    ours, real = FileOutput(DATA_URL), replicate.helpers.FileOutput(DATA_URL, None)  # type: ignore[arg-type]
    assert (ours.read(), list(ours)) == (real.read(), list(real)) == (b"PNGDATA", [b"PNGDATA"])
    assert asyncio.run(_read_async(ours)) == asyncio.run(_read_async(real))
