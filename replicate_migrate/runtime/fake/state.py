"""The state of one installed world: its scenario, the calls made and the predictions created."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from typing import Any

from replicate_migrate.runtime.scenario import Scenario


@dataclass(frozen=True)
class Call:
    """One prediction the program asked for: the ref as given and its JSON-encoded input."""

    ref: str
    input: Any
    kind: str  # "run", "stream" or "prediction"


@dataclass
class World:
    """Mutable by design: it records what the program under test does while it runs."""

    scenario: Scenario
    semantics: str
    calls: list[Call] = field(default_factory=list)
    predictions: dict[str, Any] = field(default_factory=dict)

    def new_prediction_id(self) -> str:
        """A replicate-looking id that depends only on how many predictions came before."""
        digest = hashlib.sha256(f"prediction-{len(self.predictions)}".encode()).digest()
        return base64.b32encode(digest).decode("ascii").lower()[:26]
