"""The `[tool.replicate-migrate]` table of pyproject.toml: found, read and checked."""

from __future__ import annotations

import difflib
import sys
from collections.abc import Callable
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10 reads TOML only when tomli happens to be installed
    try:
        import tomli as tomllib
    except ImportError:
        tomllib = None

TABLE = "replicate-migrate"


class ConfigError(Exception):
    """A one-line message naming the file and the key at fault."""


def _is_bool(value: object) -> bool:
    return isinstance(value, bool)


def _is_str(value: object) -> bool:
    return isinstance(value, str)


def _is_str_list(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _is_jobs(value: object) -> bool:
    # bool is an int subclass, and `jobs = true` is a mistake, not one job.
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _one_of(*choices: str) -> tuple[Callable[[object], bool], str]:
    return (lambda value: value in choices), "one of " + ", ".join(f'"{c}"' for c in choices)


# key -> (check, what the check wants, said in the error message)
_KEYS: dict[str, tuple[Callable[[object], bool], str]] = {
    "fix": (_is_bool, "a boolean"),
    "strategy": _one_of("auto", "url", "opt-out"),
    "select": (_is_str_list, "a list of strings"),
    "ignore": (_is_str_list, "a list of strings"),
    "exclude": (_is_str_list, "a list of strings"),
    "extend-exclude": (_is_str_list, "a list of strings"),
    "force-exclude": (_is_bool, "a boolean"),
    "online": (_is_bool, "a boolean"),
    "jobs": (_is_jobs, "an integer >= 0"),
    "cache-dir": (_is_str, "a string"),
    "format": _one_of("text", "json", "sarif", "github"),
    "output": (_is_str, "a string"),
    "statistics": (_is_bool, "a boolean"),
    "progress": (_is_bool, "a boolean"),
    "respect-gitignore": (_is_bool, "a boolean"),
    "project-root": (_is_str, "a string"),  # relative to the pyproject.toml's folder
}


def find_pyproject(start: Path) -> Path | None:
    """The nearest pyproject.toml in `start` (a file or directory) or a directory above it."""
    directory = start.absolute()
    if not directory.is_dir():
        directory = directory.parent
    for candidate in (directory, *directory.parents):
        pyproject = candidate / "pyproject.toml"
        if pyproject.is_file():
            return pyproject
    return None


def load_settings(pyproject: Path) -> dict[str, object]:
    """The checked `[tool.replicate-migrate]` table, keys spelled with underscores.

    Empty when the table is absent. Raises ConfigError for unreadable files, invalid TOML,
    unknown keys and values of the wrong type.
    """
    table = _read_table(pyproject)
    where = f"{pyproject}: [tool.{TABLE}]"
    settings: dict[str, object] = {}
    for key, value in table.items():
        if key not in _KEYS:
            raise ConfigError(f"{where} unknown key {key!r}{_suggestion(key)}")
        check, wanted = _KEYS[key]
        if not check(value):
            raise ConfigError(f"{where} {key!r} must be {wanted}, not {value!r}")
        settings[key.replace("-", "_")] = value
    return settings


def _read_table(pyproject: Path) -> dict[str, object]:
    if tomllib is None:  # pragma: no cover - see the import above
        raise ConfigError(f"{pyproject}: reading TOML on Python 3.10 needs tomli installed")
    try:
        with pyproject.open("rb") as f:
            document = tomllib.load(f)
    except OSError as e:
        raise ConfigError(f"{pyproject}: cannot read: {e.strerror or e}") from e
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ConfigError(f"{pyproject}: invalid TOML: {e}") from e
    tool = document.get("tool", {})
    table = tool.get(TABLE, {}) if isinstance(tool, dict) else {}
    if not isinstance(table, dict):
        raise ConfigError(f"{pyproject}: [tool.{TABLE}] must be a table")
    return table


def _suggestion(key: str) -> str:
    # `extend_exclude` for `extend-exclude` is the usual slip.
    close = difflib.get_close_matches(key.replace("_", "-"), _KEYS, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""
