from __future__ import annotations

from pathlib import Path

import pytest

from replicate_migrate.runtime import Scenario, run_program

SCENARIO = Scenario.from_dict(
    {
        "models": {
            "bfl/flux": {"output": ["https://replicate.delivery/a/out-0.webp"]},
            "owner/failing": {"error": "CUDA out of memory"},
        },
        "files": {"https://replicate.delivery/a/out-0.webp": "WEBPDATA"},
    }
)

DOWNLOAD = """\
import urllib.request
import replicate

output = replicate.run("bfl/flux", input={"prompt": "cat"})
print(output)
urllib.request.urlretrieve(output[0], "out.webp")
"""

MIGRATED = """\
import replicate

output = replicate.run("bfl/flux", input={"prompt": "cat"})
print([item.url for item in output])
with open("out.webp", "wb") as file:
    file.write(output[0].read())
"""


def _run(tmp_path: Path, source: str, semantics: str, name: str = "program.py") -> object:
    program = tmp_path / "src" / name
    program.parent.mkdir(exist_ok=True)
    program.write_text(source)
    work = tmp_path / f"work-{semantics}"
    return run_program(program, SCENARIO, semantics, work)


def test_migrated_program_under_1_0_matches_original_under_0_34(tmp_path: Path) -> None:
    before = _run(tmp_path, DOWNLOAD, "0.34")
    after = _run(tmp_path, MIGRATED, "1.0", "migrated.py")
    assert before == after
    assert before.files == {"out.webp": b"WEBPDATA"}  # type: ignore[attr-defined]
    assert before.exception is None  # type: ignore[attr-defined]


def test_unmigrated_program_fails_under_1_0(tmp_path: Path) -> None:
    outcome = _run(tmp_path, DOWNLOAD, "1.0")
    assert outcome.exception == "TypeError: expected string or bytes-like object, got 'FileOutput'"  # type: ignore[attr-defined]
    assert outcome.stdout == "[<replicate.helpers.FileOutput object at 0x...>]\n"  # type: ignore[attr-defined]
    assert outcome.files == {}  # type: ignore[attr-defined]


def test_outcome_is_deterministic(tmp_path: Path) -> None:
    source = "import replicate\nprint(replicate.run('bfl/flux'), {'a', 'b', 'c'})\n"
    first = run_program(_write(tmp_path / "p.py", source), SCENARIO, "1.0", tmp_path / "w1")
    second = run_program(_write(tmp_path / "p.py", source), SCENARIO, "1.0", tmp_path / "w2")
    assert first == second


def test_model_error_and_exit_codes(tmp_path: Path) -> None:
    failing = _run(tmp_path, "import replicate\nreplicate.run('owner/failing')\n", "1.0")
    assert failing.exception == "ModelError: CUDA out of memory"  # type: ignore[attr-defined]
    assert "Traceback" in failing.stderr  # type: ignore[attr-defined]
    assert _run(tmp_path, "import sys\nsys.exit(0)\n", "1.0").exception is None  # type: ignore[attr-defined]
    assert _run(tmp_path, "import sys\nsys.exit(3)\n", "1.0").exception == "SystemExit: 3"  # type: ignore[attr-defined]


def test_async_programs_and_directories(tmp_path: Path) -> None:
    program = tmp_path / "app"
    _write(
        program / "helpers.py",
        "async def first(r):\n    return (await r.async_run('bfl/flux'))[0]\n",
    )
    _write(
        program / "main.py",
        "import asyncio, replicate, helpers\n"
        "data = asyncio.run(helpers.first(replicate)).read()\n"
        "open('out/a.bin', 'wb').write(data) if __import__('os').makedirs('out') is None else None\n",
    )
    outcome = run_program(program, SCENARIO, "1.0", tmp_path / "work")
    assert outcome.exception is None, outcome.stderr
    assert outcome.files == {"out/a.bin": b"WEBPDATA"}


def test_no_network_and_timeout(tmp_path: Path) -> None:
    source = "import httpx\nhttpx.get('https://example.com')\n"
    assert _run(tmp_path, source, "1.0").exception.startswith(
        "ConnectError: replicate-migrate runtime"
    )  # type: ignore[attr-defined]
    slow = run_program(
        _write(tmp_path / "slow.py", "import time\ntime.sleep(5)\n"),
        SCENARIO,
        "1.0",
        tmp_path / "ws",
        timeout=0.5,
    )
    assert slow.exception is not None and slow.exception.startswith("TimeoutError")


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.mark.parametrize("semantics", ["0.34", "1.0"])
def test_program_sees_the_requested_version(tmp_path: Path, semantics: str) -> None:
    source = "from replicate.__about__ import __version__\nprint(__version__)\n"
    assert _run(tmp_path, source, semantics).stdout.startswith(semantics)  # type: ignore[attr-defined]
