"""Install a simulated `replicate` package (0.34.2 or 1.0.7 semantics) and an offline network."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

from replicate_migrate.runtime.fake import exceptions, helpers, predictions, resources, stream
from replicate_migrate.runtime.fake.client import BaseClient, Client034, Client10
from replicate_migrate.runtime.fake.state import World
from replicate_migrate.runtime.network import patch_network
from replicate_migrate.runtime.scenario import SEMANTICS, Scenario

VERSIONS = {"0.34": "0.34.2", "1.0": "1.0.7"}


def is_replicate_module(name: str) -> bool:
    """True for `replicate` and its submodules (not `replicate_migrate`)."""
    return name == "replicate" or name.startswith("replicate.")


@contextlib.contextmanager
def install(
    scenario: Scenario | Mapping[str, Any] | Path | str, semantics: str = "1.0"
) -> Iterator[World]:
    """Put a fake `replicate` in sys.modules and serve the scenario offline until exit.

    Modules imported before `install` keep the `replicate` they bound; import it inside.
    """
    if semantics not in SEMANTICS:
        raise ValueError(f"semantics must be one of {SEMANTICS}, got {semantics!r}")
    world = World(Scenario.coerce(scenario), semantics)
    saved = {name: module for name, module in sys.modules.items() if is_replicate_module(name)}
    for name in saved:
        del sys.modules[name]
    sys.modules.update(build_modules(world))
    try:
        with patch_network(world.scenario):
            yield world
    finally:
        for name in [name for name in sys.modules if is_replicate_module(name)]:
            del sys.modules[name]
        sys.modules.update(saved)


def build_modules(world: World) -> dict[str, ModuleType]:
    """The fake package's modules by name, bound to `world`."""
    base = Client034 if world.semantics == "0.34" else Client10
    client_type: type[BaseClient] = type(
        "Client",
        (base,),
        {"_world": world, "__module__": "replicate.client", "__qualname__": "Client"},
    )
    default_client: Any = client_type()
    modules = _submodules(world, client_type)
    # As in the real package, `replicate.stream` is the function, not the submodule.
    package = _module("", **{name.split(".", 1)[1]: module for name, module in modules.items()})
    package.__dict__.update(
        __path__=[],  # a package, so `import replicate.x` of an unknown x fails cleanly
        Client=client_type,
        default_client=default_client,
        run=default_client.run,
        async_run=default_client.async_run,
        stream=default_client.stream,
        async_stream=default_client.async_stream,
        predictions=default_client.predictions,
        models=default_client.models,
        deployments=default_client.deployments,
    )
    return {"replicate": package, **modules}


def _submodules(world: World, client_type: type[BaseClient]) -> dict[str, ModuleType]:
    return {
        "replicate.__about__": _module("__about__", __version__=VERSIONS[world.semantics]),
        "replicate.client": _module("client", Client=client_type),
        "replicate.exceptions": _module(
            "exceptions",
            ReplicateException=exceptions.ReplicateException,
            ModelError=exceptions.ModelError,
            ReplicateError=exceptions.ReplicateError,
        ),
        "replicate.helpers": _module(
            "helpers",
            FileOutput=helpers.FileOutput,
            transform_output=helpers.transform_output,
            encode_json=helpers.encode_json,
            base64_encode_file=helpers.base64_encode_file,
        ),
        "replicate.stream": _module("stream", ServerSentEvent=stream.ServerSentEvent),
        "replicate.prediction": _module(
            "prediction", Prediction=resources.Prediction, Predictions=predictions.Predictions
        ),
        "replicate.model": _module("model", Model=resources.Model, Models=resources.Models),
        "replicate.version": _module(
            "version", Version=resources.Version, Versions=resources.Versions
        ),
        "replicate.deployment": _module(
            "deployment",
            Deployment=predictions.Deployment,
            Deployments=predictions.Deployments,
            DeploymentPredictions=predictions.DeploymentPredictions,
            DeploymentsPredictions=predictions.DeploymentsPredictions,
        ),
    }


def _module(name: str, **attributes: Any) -> ModuleType:
    module = ModuleType(f"replicate.{name}" if name else "replicate")
    module.__dict__.update(attributes)
    return module
