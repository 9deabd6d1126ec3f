from __future__ import annotations

import importlib.util
import inspect
import json
import sys

import pytest

from replicate_migrate.runtime.scenario import Scenario
from replicate_migrate.runtime.session import Session
from replicate_migrate.runtime.world import is_replicate_module

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


# A user's project as it is before migrating: 0.34 code, imported at the top of its tests.
APP = """
import httpx
import replicate
from replicate import run


def generate(prompt, path):
    output = replicate.run("black-forest-labs/flux-schnell", input={"prompt": prompt})
    path.write_bytes(httpx.get(output[0]).content)


def caption(path):
    return run("acme/captioner", input={"image": str(path)})
"""
APP_TESTS = """
from app import caption, generate

SCENARIO = {
    "models": {
        "black-forest-labs/flux-schnell": {"output": ["https://replicate.delivery/a/out-0.webp"]},
        "acme/captioner": {"output": "a cat"},
    },
    "files": {"https://replicate.delivery/a/out-0.webp": "WEBPDATA"},
}


def test_generate_saves_the_image(replicate_world, tmp_path):
    replicate_world.install(SCENARIO)
    generate("a cat", tmp_path / "cat.webp")
    assert (tmp_path / "cat.webp").read_bytes() == b"WEBPDATA"


def test_caption(replicate_world, tmp_path):
    replicate_world.install(SCENARIO)
    assert caption(tmp_path) == "a cat"
"""


def test_module_top_imports_get_the_semantics_of_the_option(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(app=APP, test_app=APP_TESTS)

    before = pytester.runpytest_subprocess("--replicate-semantics=0.34")
    before.assert_outcomes(passed=2)

    after = pytester.runpytest_subprocess("--replicate-semantics=1.0")
    after.assert_outcomes(passed=1, failed=1)
    after.stdout.fnmatch_lines(["E *TypeError: Invalid type for url*FileOutput*"])


def test_migrated_code_passes_under_one_point_oh(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(app=APP.replace("httpx.get(output[0])", "httpx.get(output[0].url)"))
    pytester.makepyfile(test_app=APP_TESTS)
    pytester.makeconftest("import app  # imported before any test module, as apps often are\n")
    pytester.makepyprojecttoml('[tool.pytest.ini_options]\nreplicate_semantics = "1.0"\n')

    result = pytester.runpytest_subprocess()

    result.assert_outcomes(passed=2)


def test_marker_switches_semantics_per_test_and_each_test_starts_clean(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        app=APP,
        test_app="""
import pytest
import replicate
from replicate import run
from replicate.helpers import FileOutput

MODELS = {"models": {"bfl/flux": {"output": ["https://replicate.delivery/a/0.webp"]}}}


@pytest.mark.replicate_semantics("1.0")
def test_one_point_oh(replicate_world):
    replicate_world.install(MODELS)
    assert isinstance(run("bfl/flux")[0], FileOutput)
    assert isinstance(replicate.Client().run("bfl/flux")[0], FileOutput)
    assert [call.ref for call in replicate_world.calls] == ["bfl/flux", "bfl/flux"]


def test_back_to_the_option_and_no_scenario_left(replicate_world):
    with pytest.raises(replicate.exceptions.ReplicateError):
        run("bfl/flux")
    replicate_world.install(MODELS)
    assert run("bfl/flux") == ["https://replicate.delivery/a/0.webp"]
    assert len(replicate_world.calls) == 1


def test_the_same_package_all_along():
    import sys
    assert sys.modules["replicate"] is replicate
""",
    )

    result = pytester.runpytest_subprocess("--replicate-semantics=0.34", "-p", "no:randomly")

    result.assert_outcomes(passed=3)


def test_marker_without_the_option_installs_for_that_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_marked="""
import sys

import pytest


@pytest.mark.replicate_semantics("0.34")
def test_marked():
    import replicate
    assert replicate.__about__.__version__ == "0.34.2"


def test_unmarked_is_left_alone():
    # The simulated package is made in memory: it has no __file__, the real one has.
    assert "replicate" not in sys.modules or hasattr(sys.modules["replicate"], "__file__")
""",
    )

    result = pytester.runpytest_subprocess()

    result.assert_outcomes(passed=2)


@pytest.mark.parametrize("from_ini", [False, True])
def test_scenario_setting_serves_tests_that_do_not_install_one(
    pytester: pytest.Pytester, from_ini: bool
) -> None:
    pytester.makepyfile(
        app=APP,
        test_plain="""
from app import caption


def test_caption(tmp_path):
    assert caption(tmp_path) == "a dog"
""",
    )
    scenario = {"models": {"acme/captioner": {"output": "a dog"}}}
    (pytester.path / "tests").mkdir()
    (pytester.path / "tests" / "scenario.json").write_text(json.dumps(scenario))
    if from_ini:  # relative to the ini file
        pytester.makeini("[pytest]\nreplicate_scenario = tests/scenario.json\n")
        result = pytester.runpytest_subprocess("--replicate-semantics=1.0")
    else:  # relative to where pytest runs
        result = pytester.runpytest_subprocess(
            "--replicate-semantics=1.0", "--replicate-scenario=tests/scenario.json"
        )

    result.assert_outcomes(passed=1)


def test_bad_marker_and_bad_scenario_are_clear_errors(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_bad="""
import pytest

@pytest.mark.replicate_semantics("2.0")
def test_bad_marker():
    pass
""",
    )
    marker = pytester.runpytest_subprocess()
    marker.assert_outcomes(errors=1)
    marker.stdout.fnmatch_lines(["*replicate_semantics*'2.0'*0.34*1.0*"])

    scenario = pytester.runpytest_subprocess(
        "--replicate-semantics=1.0", "--replicate-scenario=missing.json"
    )
    assert scenario.ret == pytest.ExitCode.USAGE_ERROR
    scenario.stderr.fnmatch_lines(["*missing.json*"])

    option = pytester.runpytest_subprocess("--replicate-semantics=2.0")
    assert option.ret == pytest.ExitCode.USAGE_ERROR
    option.stderr.fnmatch_lines(["*replicate_semantics*0.34*1.0*'2.0'*"])


def test_a_request_the_offline_world_cannot_answer_names_the_host(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        test_fetch="""
import httpx


def test_fetch():
    httpx.get("https://cdn.example.com/cat.png")
""",
    )

    result = pytester.runpytest_subprocess("--replicate-semantics=1.0")

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*cdn.example.com*no file*https://cdn.example.com/cat.png*"]
    )


@pytest.mark.skipif(
    importlib.util.find_spec("replicate") is None, reason="needs the real replicate package"
)
def test_the_real_client_reaching_the_api_is_named_as_the_cause(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(app=APP, test_app=APP_TESTS)

    result = pytester.runpytest_subprocess("-k", "caption")

    result.assert_outcomes(failed=1, deselected=1)
    result.stdout.fnmatch_lines(
        [
            "*api.replicate.com*",
            "*real replicate client*imported before the simulation*--replicate-semantics*",
        ]
    )


def test_session_switches_in_place_and_close_puts_the_modules_back() -> None:
    before = {name: module for name, module in sys.modules.items() if is_replicate_module(name)}
    session = Session(Scenario.coerce({"models": {"a/b": {"output": "x"}}}), "1.0")
    try:
        package = sys.modules["replicate"]
        run = package.run
        assert "use_file_output" in str(inspect.signature(run)).split("*,")[1]
        session.select(Scenario.coerce({"models": {"a/b": {"output": "y"}}}), "0.34")
        assert run("a/b", {}, False) == "y", "0.34 takes use_file_output positionally"
        assert package.__about__.__version__ == "0.34.2"
        assert "*," not in str(inspect.signature(run))
        assert [call.ref for call in session.world.calls] == ["a/b"]
        assert session.reset().calls == []
        with pytest.raises(TypeError, match=r"Client\.run\(\) takes from 2 to 3 positional"):
            run("a/b", {}, False)
    finally:
        session.close()
    after = {name: module for name, module in sys.modules.items() if is_replicate_module(name)}
    assert after == before


def test_a_local_test_server_stays_reachable(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_local="""
import http.server
import threading
import urllib.request

import httpx
import pytest
import requests


class Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"hello")

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = http.server.HTTPServer(("127.0.0.1", 0), Hello)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_port}/"
    httpd.shutdown()


def test_httpx(server):
    assert httpx.get(server).content == b"hello"


def test_requests(server):
    assert requests.get(server).content == b"hello"


def test_urllib(server):
    assert urllib.request.urlopen(server).read() == b"hello"
""",
    )

    result = pytester.runpytest_subprocess("--replicate-semantics=1.0")

    result.assert_outcomes(passed=3)


def test_a_suite_that_does_not_use_the_plugin_does_not_load_the_runtime(
    pytester: pytest.Pytester,
) -> None:
    # The plugin loads with every pytest run once replicate-migrate is installed.
    pytester.makepyfile(
        test_plain="""
import sys

def test_plain():
    assert "replicate_migrate.runtime" not in sys.modules
    assert "httpx" not in sys.modules
""",
    )
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(passed=1)


def test_a_raw_connection_names_the_host_it_looked_up(pytester: pytest.Pytester) -> None:
    # Libraries the runtime does not patch (aiohttp, raw sockets) resolve the name first.
    pytester.makepyfile(
        test_socket="""
import socket


def test_connect():
    socket.create_connection(("cdn.example.com", 443), timeout=5)


def test_loopback_name_still_resolves():
    assert socket.getaddrinfo("localhost", 80)
""",
    )

    result = pytester.runpytest_subprocess("--replicate-semantics=1.0")

    result.assert_outcomes(failed=1, passed=1)
    result.stdout.fnmatch_lines(["E *no network*cdn.example.com*"])
