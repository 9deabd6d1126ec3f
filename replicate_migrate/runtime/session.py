"""One simulated `replicate` for a whole test session, switched in place to each test's world.

Test files import the code under test at their top, so that code binds `replicate`, its
functions (`from replicate import run`) and its `Client` while pytest collects, long before
a test says which semantics and scenario it wants. Installing a new package per test would
leave those names on a stale one; instead the one package is kept and what it answers with
(its world) and how it behaves (the base class of its `Client`) change under it.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from types import ModuleType
from typing import Any

from replicate_migrate.runtime.fake.client import BaseClient, Client034, Client10
from replicate_migrate.runtime.fake.state import World
from replicate_migrate.runtime.network import patch_network
from replicate_migrate.runtime.scenario import SEMANTICS, Scenario
from replicate_migrate.runtime.world import VERSIONS, build_modules, is_replicate_module

_BASES: dict[str, type[BaseClient]] = {"0.34": Client034, "1.0": Client10}
_SYNC, _ASYNC = ("run", "stream"), ("async_run", "async_stream")


class Session:
    """Installs the package on creation; `select` switches its world, `close` removes it."""

    def __init__(self, scenario: Scenario, semantics: str) -> None:
        _check(semantics)
        self.scenario, self.semantics = scenario, semantics
        self._stack = contextlib.ExitStack()
        modules = build_modules(World(scenario, semantics))
        self._client: type[BaseClient] = modules["replicate"].Client
        self._about = modules["replicate.__about__"]
        _forward_to_base(self._client)
        _rebind_package(modules["replicate"])
        self.world = self.select(scenario, semantics)
        self._install(modules)

    def _install(self, modules: dict[str, ModuleType]) -> None:
        saved = {name: module for name, module in sys.modules.items() if is_replicate_module(name)}
        for name in saved:
            del sys.modules[name]
        sys.modules.update(modules)
        self._stack.callback(_restore, saved)
        self._stack.enter_context(patch_network(self.scenario))

    def select(self, scenario: Scenario, semantics: str) -> World:
        """Make the installed package answer from a fresh world of `scenario` with `semantics`."""
        _check(semantics)
        self.world = World(scenario, semantics)
        self._client._world = self.world
        base = _BASES[semantics]
        self._client.__bases__ = (base,)
        for name in (*_SYNC, *_ASYNC):
            # inspect.signature follows __wrapped__: it shows this version's signature.
            vars(self._client)[name].__wrapped__ = getattr(base, name)
        vars(self._about)["__version__"] = VERSIONS[semantics]
        return self.world

    def reset(self) -> World:
        """Back to the session's own scenario and semantics, with no calls recorded."""
        return self.select(self.scenario, self.semantics)

    def close(self) -> None:
        """Put back the `replicate` modules that were there before, and the network."""
        self._stack.close()


def _check(semantics: str) -> None:
    if semantics not in SEMANTICS:
        raise ValueError(f"semantics must be one of {SEMANTICS}, got {semantics!r}")


def _forward_to_base(client: type[BaseClient]) -> None:
    # A bound method keeps the function it was made from: `run` imported at collection must
    # look the version's method up again on every call, through the base of the moment.
    for name in _SYNC:
        setattr(client, name, _forwarder(client, name))
    for name in _ASYNC:
        setattr(client, name, _async_forwarder(client, name))


def _forwarder(client: type[BaseClient], name: str) -> Callable[..., Any]:
    def method(self: BaseClient, *args: Any, **kwargs: Any) -> Any:
        return getattr(super(client, self), name)(*args, **kwargs)

    method.__name__, method.__qualname__ = name, f"Client.{name}"
    return method


def _async_forwarder(client: type[BaseClient], name: str) -> Callable[..., Any]:
    async def method(self: BaseClient, *args: Any, **kwargs: Any) -> Any:
        return await getattr(super(client, self), name)(*args, **kwargs)

    method.__name__, method.__qualname__ = name, f"Client.{name}"
    return method


def _rebind_package(package: ModuleType) -> None:
    """`replicate.run` and friends: bound to the forwarders, not to one version's methods."""
    default_client = package.default_client
    for name in (*_SYNC, *_ASYNC):
        setattr(package, name, getattr(default_client, name))


def _restore(saved: dict[str, ModuleType]) -> None:
    for name in [name for name in sys.modules if is_replicate_module(name)]:
        del sys.modules[name]
    sys.modules.update(saved)
