from __future__ import annotations

import pytest

# Here rather than in tests/runtime/conftest.py: pytest rejects `pytest_plugins` in a
# conftest below the rootdir when the whole suite runs.
pytest_plugins = ["pytester"]

USER_TESTS = """
import json
import sys

import pytest

SCENARIO = {
    "models": {"bfl/flux": {"output": ["https://replicate.delivery/a/out-0.webp"]}},
    "files": {"https://replicate.delivery/a/out-0.webp": "WEBPDATA"},
}


def test_one_point_oh(replicate_world):
    replicate_world.install(SCENARIO, semantics="1.0")
    import replicate

    output = replicate.run("bfl/flux", input={"prompt": "cat"})
    assert output[0].read() == b"WEBPDATA"
    assert [call.ref for call in replicate_world.calls] == ["bfl/flux"]


def test_zero_thirty_four_from_a_file(replicate_world, tmp_path):
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(SCENARIO))
    replicate_world.install(path, semantics="0.34")
    import replicate

    assert replicate.run("bfl/flux") == ["https://replicate.delivery/a/out-0.webp"]


def test_removed_after_each_test():
    assert "replicate" not in sys.modules or not hasattr(sys.modules["replicate"].Client, "_world")
"""


def test_fixture_installs_and_removes_the_world(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_user=USER_TESTS)
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(passed=3)


def test_user_modules_bound_to_the_fake_are_dropped(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        app="import replicate\n\ndef generate():\n    return replicate.run('bfl/flux')\n",
        test_app="""
import sys

def test_first(replicate_world):
    replicate_world.install({"models": {"bfl/flux": {"output": "x"}}}, semantics="1.0")
    import app
    assert app.generate() == "x"

def test_second():
    assert "app" not in sys.modules
""",
    )
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(passed=2)
