"""The 0.34 -> 1.0 changes, one module each; REGISTRY is their order of application."""

from __future__ import annotations

from replicate_migrate.rules import RULES

REGISTRY = tuple(rule.id for rule in RULES)
