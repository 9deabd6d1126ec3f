"""replicate.exceptions, identical in 0.34.2 and 1.0.7 (minus the HTTP response parsing)."""

from __future__ import annotations

from typing import Any, Protocol


class _HasError(Protocol):
    error: str | None


class ReplicateException(Exception):
    """A base class for all Replicate exceptions."""

    __module__ = "replicate.exceptions"


class ModelError(ReplicateException):
    """An error from user's code in a model."""

    __module__ = "replicate.exceptions"

    def __init__(self, prediction: _HasError) -> None:
        self.prediction = prediction
        super().__init__(prediction.error)


class ReplicateError(ReplicateException):
    """An error from Replicate's API (RFC 7807 problem details)."""

    __module__ = "replicate.exceptions"

    def __init__(
        self,
        type: str | None = None,
        title: str | None = None,
        status: int | None = None,
        detail: str | None = None,
        instance: str | None = None,
    ) -> None:
        self.type = type
        self.title = title
        self.status = status
        self.detail = detail
        self.instance = instance

    def to_dict(self) -> dict[str, Any]:
        """Get a dictionary representation of the error."""
        fields = {
            "type": self.type,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "instance": self.instance,
        }
        return {key: value for key, value in fields.items() if value is not None}

    def __str__(self) -> str:
        return "ReplicateError Details:\n" + "\n".join(
            f"{key}: {value}" for key, value in self.to_dict().items()
        )

    def __repr__(self) -> str:
        params = ", ".join(
            f"{key}={getattr(self, key)!r}"
            for key in ("type", "title", "status", "detail", "instance")
        )
        return f"{self.__class__.__name__}({params})"


def not_found(what: str) -> ReplicateError:
    """The error the API answers for a model or version missing from the scenario."""
    return ReplicateError(
        title="Not Found",
        status=404,
        detail=f"{what} is not in the replicate-migrate scenario",
    )
