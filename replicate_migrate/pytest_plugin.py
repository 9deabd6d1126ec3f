"""pytest plugin: the `replicate_world` fixture runs a test against simulated replicate, offline."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from replicate_migrate.runtime.fake.client import BaseClient
from replicate_migrate.runtime.fake.state import Call, World
from replicate_migrate.runtime.scenario import Scenario
from replicate_migrate.runtime.world import install, is_replicate_module


class ReplicateWorld:
    """Installs a scenario for one test; everything is undone when the test ends."""

    def __init__(self) -> None:
        self._stack = contextlib.ExitStack()
        self._modules_before: frozenset[str] = frozenset()
        self.world: World | None = None

    def install(
        self, scenario: Scenario | Mapping[str, Any] | Path | str, semantics: str = "1.0"
    ) -> World:
        """Simulate `replicate` with `semantics` ("0.34" or "1.0") answering from `scenario`.

        Import replicate (or the module under test) after this call: modules imported
        earlier keep the `replicate` they bound; `importlib.reload` them if needed.
        """
        self.close()
        self._modules_before = frozenset(sys.modules)
        self.world = self._stack.enter_context(install(scenario, semantics))
        return self.world

    @property
    def calls(self) -> list[Call]:
        """The predictions the code under test asked for, in order."""
        return [] if self.world is None else self.world.calls

    def close(self) -> None:
        """Remove the simulation and forget modules that imported it during the test."""
        if self.world is None:
            return
        self._stack.close()
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
    try:
        if isinstance(value, ModuleType):
            return is_replicate_module(value.__name__)
        if isinstance(getattr(value, "__self__", None), BaseClient):
            return True
        module_name = getattr(value, "__module__", None) if isinstance(value, type) else None
    except Exception:  # noqa: BLE001 - odd objects (lazy proxies) are not ours
        return False
    return isinstance(module_name, str) and is_replicate_module(module_name)


@pytest.fixture
def replicate_world() -> Iterator[ReplicateWorld]:
    """Simulated replicate for this test: call `.install(scenario, semantics="1.0")`."""
    world = ReplicateWorld()
    try:
        yield world
    finally:
        world.close()
