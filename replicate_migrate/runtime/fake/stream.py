"""replicate.stream.ServerSentEvent without pydantic: the fields and `str()` user code reads."""

from __future__ import annotations

from enum import Enum
from typing import Any


class ServerSentEvent:
    """A server-sent event."""

    __module__ = "replicate.stream"

    class EventType(Enum):
        """A server-sent event type."""

        OUTPUT = "output"
        LOGS = "logs"
        ERROR = "error"
        DONE = "done"

    def __init__(self, event: EventType, data: Any, id: str, retry: int | None = None) -> None:
        self.event = event
        self.data = data
        self.id = id
        self.retry = retry

    def __str__(self) -> str:
        # Like the real one this returns `data` as is: after 1.0 converts an output event's
        # data to a FileOutput, `str(event)` raises TypeError, and user code must see that.
        if self.event == ServerSentEvent.EventType.OUTPUT:
            return self.data  # type: ignore[no-any-return]
        return ""

    def __repr__(self) -> str:
        return (
            f"ServerSentEvent(event={self.event!r}, data={self.data!r}, "
            f"id={self.id!r}, retry={self.retry!r})"
        )
