"""pytest plugin: run a test suite against simulated replicate 0.34 or 1.0, offline.

`--replicate-semantics` (or the `replicate_semantics` ini value) installs the simulation
before conftest files and test modules are imported, so code imported at their top binds
it; the `replicate_semantics` marker and the `replicate_world` fixture choose a test's
semantics and scenario, and everything is put back when the test ends.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Generator, Iterator, Mapping
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pytest

# The runtime (and httpx) load only for a run that uses the plugin: it is loaded by every
# pytest run once replicate-migrate is installed.
if TYPE_CHECKING:
    from replicate_migrate.runtime.fake.state import Call, World
    from replicate_migrate.runtime.network import OfflineError
    from replicate_migrate.runtime.scenario import Scenario
    from replicate_migrate.runtime.session import Session

_SESSION = pytest.StashKey["Session"]()
_SCENARIO = pytest.StashKey["Scenario | None"]()  # None: no models, no files
_MARKER = "replicate_semantics"
_EMPTY: Mapping[str, Any] = {"models": {}}


class ReplicateWorld:
    """A test's simulated replicate; everything is undone when the test ends."""

    def __init__(
        self, session: Session | None, semantics: str | None, scenario: Scenario | None
    ) -> None:
        self._session, self._semantics, self._scenario = session, semantics, scenario
        self._stack = contextlib.ExitStack()
        self._modules_before: frozenset[str] = frozenset()
        self.world: World | None = None

    @property
    def semantics(self) -> str:
        """The marker's semantics, else the session's, else "1.0"."""
        if self._semantics is not None:
            return self._semantics
        return self._session.semantics if self._session is not None else "1.0"

    def install(
        self, scenario: Scenario | Mapping[str, Any] | Path | str, semantics: str | None = None
    ) -> World:
        """Simulate `replicate` answering from `scenario`, by default with the test's semantics.

        Under `--replicate-semantics` the package imported at collection switches to it;
        otherwise a new one is installed: import the module under test after this call.
        """
        from replicate_migrate.runtime.network import patch_network
        from replicate_migrate.runtime.scenario import Scenario
        from replicate_migrate.runtime.world import install

        coerced = Scenario.coerce(scenario)
        chosen = semantics or self.semantics
        self.close()
        if self._session is not None:
            self.world = self._session.select(coerced, chosen)
            self._stack.enter_context(patch_network(coerced))
        else:
            self._modules_before = frozenset(sys.modules)
            self.world = self._stack.enter_context(install(coerced, chosen))
        return self.world

    def begin(self) -> None:
        """The test's starting world: the session's, or the marker's semantics without a session."""
        if self._session is not None:
            self.world = self._session.select(self._session.scenario, self.semantics)
        elif self._semantics is not None:
            self.install(_EMPTY if self._scenario is None else self._scenario)

    @property
    def calls(self) -> list[Call]:
        """The predictions the code under test asked for, in order."""
        return [] if self.world is None else self.world.calls

    def close(self) -> None:
        """Remove the simulation and forget modules that imported it during the test."""
        self._stack.close()
        if self._session is not None:
            self.world = self._session.reset()
            return
        if self.world is None:
            return
        for name in [name for name in sys.modules if name not in self._modules_before]:
            module = sys.modules.get(name)
            if module is not None and _is_bound_to_fake(module):
                del sys.modules[name]
        self.world = None


def _is_bound_to_fake(module: ModuleType) -> bool:
    # A module that kept the fake `replicate` (or its functions and classes) would hand
    # the next test a stale simulation instead of the real package.
    return any(_is_fake_object(value) for value in list(vars(module).values()))


def _is_fake_object(value: object) -> bool:
    from replicate_migrate.runtime.fake.client import BaseClient
    from replicate_migrate.runtime.world import is_replicate_module

    try:
        if isinstance(value, ModuleType):
            return is_replicate_module(value.__name__)
        if isinstance(getattr(value, "__self__", None), BaseClient):
            return True
        module_name = getattr(value, "__module__", None) if isinstance(value, type) else None
    except Exception:  # noqa: BLE001 - odd objects (lazy proxies) are not ours
        return False
    return isinstance(module_name, str) and is_replicate_module(module_name)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("replicate-migrate", "simulated replicate (replicate-migrate)")
    group.addoption(
        "--replicate-semantics",
        metavar="0.34|1.0",
        help="run every test against simulated replicate with these semantics, offline",
    )
    group.addoption(
        "--replicate-scenario",
        metavar="PATH",
        help="scenario.json for tests that do not install one (default: no models, no files)",
    )
    parser.addini("replicate_semantics", "default for --replicate-semantics", default="")
    parser.addini(
        "replicate_scenario", "default for --replicate-scenario (relative to the ini file)", default=""
    )


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config) -> None:
    # Before conftest.py files are imported: they often import the application.
    _start_session(early_config)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{_MARKER}(version): run this test against simulated replicate "
        "'0.34' or '1.0', offline",
    )
    _start_session(config)  # a plugin loaded too late for the hook above


def _start_session(config: pytest.Config) -> None:
    if _SCENARIO in config.stash:
        return
    config.stash[_SCENARIO] = scenario = _default_scenario(config)
    semantics = _setting(config, "replicate_semantics")
    if semantics is None:
        return
    from replicate_migrate.runtime.scenario import SEMANTICS, Scenario
    from replicate_migrate.runtime.session import Session

    if semantics not in SEMANTICS:
        raise pytest.UsageError(f"replicate_semantics: expected one of {SEMANTICS}, got {semantics!r}")
    session = Session(Scenario.coerce(_EMPTY) if scenario is None else scenario, semantics)
    config.stash[_SESSION] = session
    config.add_cleanup(session.close)


def _setting(config: pytest.Config, name: str) -> str | None:
    """A flag, else the ini value; early, only `known_args_namespace` holds the flags."""
    value = getattr(config.known_args_namespace, name, None) or getattr(config.option, name, None)
    if value:
        return str(value)
    ini = config.getini(name)
    return str(ini) if ini else None


def _default_scenario(config: pytest.Config) -> Scenario | None:
    flag = getattr(config.known_args_namespace, "replicate_scenario", None)
    ini = config.getini("replicate_scenario")
    if not flag and not ini:
        return None
    from replicate_migrate.runtime.scenario import Scenario

    if flag:
        path = config.invocation_params.dir / flag
    else:
        path = (config.inipath.parent if config.inipath else config.rootpath) / str(ini)
    try:
        return Scenario.coerce(path)
    except (OSError, ValueError) as error:
        raise pytest.UsageError(f"replicate_scenario {path}: {error}") from None


@pytest.fixture(autouse=True)
def _replicate_semantics(request: pytest.FixtureRequest) -> Iterator[ReplicateWorld]:
    """Each test starts from the session's world, or the marker's, and ends with it undone."""
    stash = request.config.stash
    world = ReplicateWorld(stash.get(_SESSION, None), _marked(request.node), stash[_SCENARIO])
    try:
        world.begin()
        yield world
    finally:
        world.close()


def _marked(item: pytest.Item) -> str | None:
    marker = item.get_closest_marker(_MARKER)
    if marker is None:
        return None
    from replicate_migrate.runtime.scenario import SEMANTICS

    semantics = marker.args[0] if marker.args else marker.kwargs.get("semantics")
    if semantics not in SEMANTICS:
        pytest.fail(f"@pytest.mark.{_MARKER}: got {semantics!r}, expected one of {SEMANTICS}", pytrace=False)
    return str(semantics)


@pytest.fixture
def replicate_world(_replicate_semantics: ReplicateWorld) -> ReplicateWorld:
    """Simulated replicate for this test: call `.install(scenario)` (semantics optional)."""
    return _replicate_semantics


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    offline = _offline_error(call.excinfo.value) if call.excinfo is not None else None
    if offline is not None:
        report.sections.append(("replicate-migrate", _explain(offline)))
    return report


def _offline_error(error: BaseException) -> OfflineError | None:
    network = sys.modules.get("replicate_migrate.runtime.network")
    if network is None:  # never loaded: nothing was simulated
        return None
    offline: type[OfflineError] = network.OfflineError
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, offline):
            return current
        seen.add(id(current))
        reason = getattr(current, "reason", None)  # urllib's URLError holds it as `reason`
        if isinstance(reason, offline):
            return reason
        current = current.__cause__ or current.__context__
    return None


def _explain(error: OfflineError) -> str:
    if error.is_real_client:
        return (
            f"This test reached {error.host}: the real replicate client made the request, "
            "imported before the simulation was installed; run pytest with "
            "--replicate-semantics=0.34 or 1.0 (or set replicate_semantics in the ini file) "
            "so the code under test imports the simulated one.\n"
        )
    return (
        f"This test reached {error.host}: the offline world has no file at {error.url}. "
        'Add it to the scenario\'s "files", or mock the request.\n'
    )
