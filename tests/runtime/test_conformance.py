"""The runtime must behave like the real replicate packages (1.0.7 in the venv, 0.34.2 in .cache)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest
import replicate
import replicate.helpers
from conformance_support import SCENARIO, handle, run_probes, shape
from hypothesis import given
from hypothesis import strategies as st

from replicate_migrate.runtime import FileOutput, install, transform_output

HERE = Path(__file__).parent
PROJECT = HERE.parent.parent
CACHE_034 = PROJECT / ".cache" / "replicate-0.34.2"


class Pairs(Mapping[str, Any]):
    """A Mapping that is not a dict."""

    def __init__(self, **items: Any) -> None:
        self._items = items

    def __getitem__(self, key: str) -> Any:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)


class Text(str):
    """A str subclass."""


PROBES: list[Any] = [
    "https://replicate.delivery/a.png",
    "http://example.com/a.png",
    "data:text/plain;base64,aGk=",
    "ftp://example.com/a.png",
    "HTTPS://upper.example/a.png",
    "hello",
    "",
    0,
    1.5,
    None,
    True,
    False,
    [],
    {},
    (),
    ("https://t.example/1", ["http://t.example/2", {"k": ("data:,x",)}]),
    {"a": ["https://x.example/1", {"b": "https://x.example/2"}], "c": 3},
    Text("https://sub.example/a"),
    Pairs(x="https://map.example/a", y=[1]),
    b"https:bytes",
    bytearray(b"ab"),
    range(2),
    iter([1]),
    {1, 2},
]


@pytest.fixture
def real_client() -> replicate.Client:
    client = replicate.Client(api_token="t", transport=httpx.MockTransport(handle))
    client.poll_interval = 0
    return client


class MockClients:
    """What the runtime FileOutput downloads through, served by the same mock."""

    _client = httpx.Client(transport=httpx.MockTransport(handle))
    _async_client = httpx.AsyncClient(transport=httpx.MockTransport(handle))


@pytest.mark.parametrize("value", PROBES, ids=repr)
def test_transform_output_matches_real(value: Any, real_client: replicate.Client) -> None:
    if isinstance(value, Iterator):
        # One iterator cannot be walked twice; both must return it untouched.
        assert transform_output(value) is value
        assert replicate.helpers.transform_output(value, real_client) is value
        return
    real = replicate.helpers.transform_output(value, real_client)
    assert shape(transform_output(value)) == shape(real)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.sampled_from(["https://a.example/x", "http://a.example/x", "data:,x", "text"]),
    lambda children: (
        st.lists(children, max_size=3)
        | st.tuples(children, children)
        | st.dictionaries(st.text(max_size=3), children, max_size=3)
    ),
    max_leaves=12,
)


@given(json_values)
def test_transform_output_matches_real_on_json_like_values(value: Any) -> None:
    real = replicate.helpers.transform_output(value, replicate.Client(api_token="t"))
    assert shape(transform_output(value)) == shape(real)


def _pair(url: str, real_client: replicate.Client) -> tuple[Any, Any]:
    return FileOutput(url, MockClients()), replicate.helpers.FileOutput(url, real_client)


def test_fileoutput_object_behaviour_matches_real(real_client: replicate.Client) -> None:
    url = "https://replicate.delivery/a/out-0.webp"
    ours, real = _pair(url, real_client)
    pattern = re.compile(r"<[\w.]+\.FileOutput object at 0x[0-9a-f]+>")
    assert str(ours) == str(real) == url
    assert pattern.fullmatch(repr(ours)) and pattern.fullmatch(repr(real))
    assert (ours == url) is (real == url) is False
    assert hash(ours) == object.__hash__(ours) and hash(real) == object.__hash__(real)
    assert isinstance(ours, str) is isinstance(real, str) is False
    assert f"{ours}" == f"{real}" and "%s" % ours == "%s" % real  # noqa: UP031
    for base in (httpx.SyncByteStream, httpx.AsyncByteStream):
        assert isinstance(ours, base) and isinstance(real, base)
    assert [n for n in ("__repr__", "__eq__", "__hash__") if n in vars(type(ours))] == [
        n for n in ("__repr__", "__eq__", "__hash__") if n in vars(type(real))
    ]


def test_fileoutput_in_the_world_is_named_like_the_real_one() -> None:
    with install(SCENARIO, "1.0"):
        import replicate as fake

        file = fake.run("acme/files")[0]
        assert type(file).__name__ == "FileOutput"
        assert re.fullmatch(r"<replicate\.helpers\.FileOutput object at 0x[0-9a-f]+>", repr(file))
        assert isinstance(file, fake.helpers.FileOutput)


@pytest.mark.parametrize(
    "url",
    [
        "https://replicate.delivery/a/out-0.webp",
        "https://replicate.delivery/b/frame-0.png",
        "data:application/octet-stream;base64,AAEC",
    ],
)
def test_fileoutput_reads_like_real(url: str, real_client: replicate.Client) -> None:
    ours, real = _pair(url, real_client)
    assert ours.read() == real.read()
    assert b"".join(ours) == b"".join(real)


async def _aread_all(file: Any) -> tuple[bytes, bytes]:
    return await file.aread(), b"".join([chunk async for chunk in file])


def test_fileoutput_async_reads_like_real() -> None:
    import asyncio

    real_client = replicate.Client(api_token="t", transport=httpx.MockTransport(handle))
    url = "https://replicate.delivery/b/frame-0.png"
    ours = asyncio.run(_aread_all(FileOutput(url, MockClients())))
    real = asyncio.run(_aread_all(replicate.helpers.FileOutput(url, real_client)))
    assert ours == real


def test_fileoutput_404_raises_like_real(real_client: replicate.Client) -> None:
    ours, real = _pair("https://replicate.delivery/missing.png", real_client)
    for file in (ours, real):
        with pytest.raises(httpx.HTTPStatusError, match="404"):
            file.read()
        with pytest.raises(httpx.HTTPStatusError, match="404"):
            list(file)


def test_run_matches_real_1_0(real_client: replicate.Client) -> None:
    expected = run_probes(real_client, real_client)
    with install(SCENARIO, "1.0"):
        import replicate as fake

        actual = run_probes(fake.Client(api_token="t"), fake)
    assert json.loads(json.dumps(actual)) == json.loads(json.dumps(expected))


@pytest.fixture(scope="session")
def replicate_034() -> Path:
    if not (CACHE_034 / "replicate" / "__init__.py").exists():
        command = [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--quiet",
            "--target",
            str(CACHE_034),
            "replicate==0.34.2",
        ]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            pytest.skip(f"cannot install replicate==0.34.2: {result.stderr.strip()}")
    return CACHE_034


def _probe_in_subprocess(kind: str, semantics: str, path: Path | None) -> dict[str, Any]:
    env = {
        "PYTHONPATH": str(path) if path else "",
        "REPLICATE_POLL_INTERVAL": "0",
        "PATH": "/usr/bin:/bin",
    }
    command = [sys.executable, str(HERE / "probe_client.py"), kind, semantics]
    result = subprocess.run(command, capture_output=True, text=True, cwd=HERE, env=env, check=False)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_run_matches_real_0_34(replicate_034: Path) -> None:
    expected = _probe_in_subprocess("real", "0.34", replicate_034)
    assert expected["default"][1][0] == ["str", "https://replicate.delivery/a/out-0.webp"]
    assert expected["positional_opt"][0] == "list"  # positional use_file_output accepted
    assert expected["stream_positional"][0] == "list"  # positional stream input accepted
    assert _probe_in_subprocess("runtime", "0.34", None) == expected
