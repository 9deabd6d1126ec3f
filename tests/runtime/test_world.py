from __future__ import annotations

import asyncio
import sys
import urllib.error
import urllib.request
from typing import Any

import httpx
import pytest
import requests

from replicate_migrate.runtime import install

SCENARIO: dict[str, Any] = {
    "models": {
        "bfl/flux": {"output": ["https://replicate.delivery/a/out-0.webp"]},
        "meta/llama": {"output": ["Hello", " world"], "iterator": True},
        "acme/frames:v2": {
            "output": ["https://replicate.delivery/b/frame-0.png"],
            "iterator": True,
        },
        "owner/failing": {"error": "CUDA out of memory"},
    },
    "files": {"https://replicate.delivery/a/out-0.webp": "WEBPDATA"},
}
URL = "https://replicate.delivery/a/out-0.webp"


def test_install_replaces_and_restores_replicate() -> None:
    import replicate as real

    with install(SCENARIO, "1.0") as world:
        import replicate
        import replicate.client
        import replicate.exceptions
        import replicate.helpers

        assert replicate is not real
        assert replicate.client.Client is replicate.Client
        assert isinstance(replicate.default_client, replicate.Client)
        replicate.run("bfl/flux")
        assert [call.ref for call in world.calls] == ["bfl/flux"]
    assert sys.modules["replicate"] is real


def test_0_34_returns_raw_output_and_accepts_positional_arguments() -> None:
    with install(SCENARIO, "0.34"):
        import replicate

        assert replicate.run("bfl/flux", {"p": 1}) == [URL]
        files = replicate.run("bfl/flux", {"p": 1}, True)
        assert files[0].read() == b"WEBPDATA"
        chunks = replicate.run("acme/frames:v2", use_file_output=True)
        assert list(chunks) == ["https://replicate.delivery/b/frame-0.png"]
        events = list(replicate.stream("meta/llama:v1", {"p": 1}))
        assert [str(event) for event in events] == ["Hello", " world", ""]


def test_1_0_converts_by_default_and_is_keyword_only() -> None:
    with install(SCENARIO, "1.0"):
        import replicate
        from replicate.helpers import FileOutput

        assert isinstance(replicate.run("bfl/flux")[0], FileOutput)
        assert replicate.run("bfl/flux", use_file_output=False) == [URL]
        with pytest.raises(TypeError, match=r"Client\.run\(\) takes"):
            replicate.run("bfl/flux", {}, False)
        with pytest.raises(TypeError, match=r"Client\.stream\(\) takes"):
            replicate.stream("bfl/flux", {})
        frames = list(replicate.run("acme/frames:v2", use_file_output=False))
        assert isinstance(frames[0], FileOutput)
        assert list(replicate.run("meta/llama:v1")) == ["Hello", " world"]
        assert replicate.run("meta/llama") == ["Hello", " world"]  # no version: plain list


def test_errors() -> None:
    with install(SCENARIO, "1.0"):
        import replicate

        with pytest.raises(replicate.exceptions.ModelError, match="CUDA out of memory"):
            replicate.run("owner/failing")
        with pytest.raises(replicate.exceptions.ReplicateError, match="nobody/nothing"):
            replicate.run("nobody/nothing")
        file = replicate.run("bfl/flux")[0]
        with pytest.raises(TypeError, match="Object of type FileOutput is not JSON serializable"):
            replicate.run("bfl/flux", input={"image": file})


def test_predictions_deployments_and_models_stay_raw() -> None:
    with install(SCENARIO, "1.0"):
        import replicate

        prediction = replicate.predictions.create(version="v2", input={})
        prediction.wait()
        assert (prediction.status, prediction.output) == (
            "succeeded",
            ["https://replicate.delivery/b/frame-0.png"],
        )
        assert replicate.predictions.get(prediction.id) is prediction
        deployed = replicate.deployments.get("bfl/flux").predictions.create(input={})
        assert deployed.output == [URL]
        assert replicate.models.predictions.create(model="bfl/flux", input={}).output == [URL]
        assert replicate.models.get("acme/frames").latest_version.id == "v2"


def test_async_run_and_stream() -> None:
    async def main() -> tuple[Any, ...]:
        import replicate

        files = await replicate.async_run("bfl/flux")
        tokens = [token async for token in await replicate.async_run("meta/llama:v1")]
        events = [event.event.value async for event in await replicate.async_stream("bfl/flux", {})]
        return await files[0].aread(), tokens, events

    with install(SCENARIO, "1.0"):
        assert asyncio.run(main()) == (b"WEBPDATA", ["Hello", " world"], ["output", "done"])


def test_network_answers_from_the_scenario() -> None:
    with install(SCENARIO, "1.0"):
        assert httpx.get(URL).content == b"WEBPDATA"
        assert requests.get(URL).content == b"WEBPDATA"
        assert urllib.request.urlopen(URL).read() == b"WEBPDATA"
        assert httpx.get("https://replicate.delivery/missing").status_code == 404
        assert requests.get("https://replicate.delivery/missing").status_code == 404
        with pytest.raises(urllib.error.HTTPError, match="404"):
            urllib.request.urlopen("https://replicate.delivery/missing")
        with pytest.raises(httpx.ConnectError, match="no network"):
            httpx.get("https://example.com/")
        with pytest.raises(requests.ConnectionError, match="no network"):
            requests.get("https://example.com/")
        with pytest.raises(urllib.error.URLError, match="no network"):
            urllib.request.urlopen("https://example.com/")


def test_file_outputs_fail_where_the_real_ones_do(tmp_path: Any) -> None:
    with install(SCENARIO, "1.0"):
        import replicate

        file = replicate.run("bfl/flux")[0]
        assert requests.get(file).content == b"WEBPDATA"  # requests calls str() on the URL
        with pytest.raises(TypeError):
            urllib.request.urlretrieve(file, tmp_path / "out.webp")
        with pytest.raises(TypeError, match="Invalid type for url"):
            httpx.get(file)


def test_unknown_semantics() -> None:
    with pytest.raises(ValueError, match="semantics"), install(SCENARIO, "2.0"):
        pass
