"""`replicate.predictions` and `replicate.deployments`: the same in 0.34.2 and 1.0.7."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from replicate_migrate.runtime.fake.exceptions import not_found
from replicate_migrate.runtime.fake.resources import (
    Models,
    Prediction,
    create_prediction,
    ref_for_model,
    ref_for_version,
)

if TYPE_CHECKING:
    from replicate_migrate.runtime.fake.client import BaseClient


class Predictions:
    """`replicate.predictions`: create and get predictions; outputs stay raw JSON."""

    __module__ = "replicate.prediction"

    def __init__(self, client: BaseClient) -> None:
        self._client = client

    def create(
        self,
        *args: Any,
        model: Any = None,
        version: Any = None,
        deployment: Any = None,
        input: dict[str, Any] | None = None,
        **params: Any,
    ) -> Prediction:
        if args:
            version = args[0]
            input = args[1] if len(args) > 1 else input
        if sum(bool(x) for x in [model, version, deployment]) != 1:
            raise ValueError(
                "Exactly one of 'model', 'version', or 'deployment' must be specified."
            )
        if model is not None:
            return Models(self._client).predictions.create(model=model, input=input or {})
        if deployment is not None:
            return DeploymentsPredictions(self._client).create(deployment, input or {})
        ref = ref_for_version(self._client, version)
        return create_prediction(self._client, ref, input, "prediction")

    async def async_create(self, *args: Any, **kwargs: Any) -> Prediction:
        return self.create(*args, **kwargs)

    def get(self, id: str) -> Prediction:
        prediction = self._client._world.predictions.get(id)
        if prediction is None:
            raise not_found(f"prediction {id!r}")
        return prediction  # type: ignore[no-any-return]

    async def async_get(self, id: str) -> Prediction:
        return self.get(id)

    def list(self) -> list[Prediction]:
        return list(self._client._world.predictions.values())


class DeploymentPredictions:
    """`deployment.predictions` of one deployment."""

    __module__ = "replicate.deployment"

    def __init__(self, client: BaseClient, deployment: str) -> None:
        self._client, self._deployment = client, deployment

    def create(self, input: dict[str, Any], **params: Any) -> Prediction:
        return create_prediction(self._client, self._deployment, input, "prediction")

    async def async_create(self, input: dict[str, Any], **params: Any) -> Prediction:
        return self.create(input, **params)


class Deployment:
    """A deployment; the scenario model `owner/name` stands for the deployment of that name."""

    __module__ = "replicate.deployment"

    def __init__(self, client: BaseClient, owner: str, name: str) -> None:
        self._client, self.owner, self.name = client, owner, name

    @property
    def id(self) -> str:
        return f"{self.owner}/{self.name}"

    @property
    def predictions(self) -> DeploymentPredictions:
        return DeploymentPredictions(self._client, self.id)


class DeploymentsPredictions:
    """`replicate.deployments.predictions`."""

    __module__ = "replicate.deployment"

    def __init__(self, client: BaseClient) -> None:
        self._client = client

    def create(self, deployment: Any, input: dict[str, Any], **params: Any) -> Prediction:
        name = deployment.id if isinstance(deployment, Deployment) else ref_for_model(deployment)
        return create_prediction(self._client, name, input, "prediction")

    async def async_create(
        self, deployment: Any, input: dict[str, Any], **params: Any
    ) -> Prediction:
        return self.create(deployment, input, **params)


class Deployments:
    """`replicate.deployments`."""

    __module__ = "replicate.deployment"

    def __init__(self, client: BaseClient) -> None:
        self._client = client

    @property
    def predictions(self) -> DeploymentsPredictions:
        return DeploymentsPredictions(self._client)

    def get(self, name: str) -> Deployment:
        if name not in self._client._world.scenario.models:
            raise not_found(f"deployment {name!r}")
        owner, _, model = name.partition("/")
        return Deployment(self._client, owner, model)

    async def async_get(self, name: str) -> Deployment:
        return self.get(name)
