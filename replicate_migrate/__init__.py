"""replicate-migrate: move Python code from the replicate client 0.34 to 1.0 without breaking it."""

from __future__ import annotations

__version__ = "0.1.0"
