"""The reference runtime: FileOutput and a simulated replicate 0.34.2 / 1.0.7 that runs offline."""

from __future__ import annotations

from replicate_migrate.runtime.execute import Outcome, run_program
from replicate_migrate.runtime.fake.state import Call, World
from replicate_migrate.runtime.fileoutput import FileOutput, transform_output
from replicate_migrate.runtime.scenario import ModelSpec, Scenario
from replicate_migrate.runtime.world import install

__all__ = [
    "Call",
    "FileOutput",
    "ModelSpec",
    "Outcome",
    "Scenario",
    "World",
    "install",
    "run_program",
    "transform_output",
]
