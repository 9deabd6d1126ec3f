from __future__ import annotations

from replicate_migrate.cli import run

run()
