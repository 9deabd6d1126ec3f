"""The project model: import roots, module keys, and which file can import which."""

from __future__ import annotations

from replicate_migrate.project.model import Project, build_project
from replicate_migrate.project.resolver import Resolver, display, is_project_name
from replicate_migrate.project.root import find_project_root

__all__ = ["Project", "Resolver", "build_project", "display", "find_project_root", "is_project_name"]
