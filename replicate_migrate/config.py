"""The `[tool.replicate-migrate]` table of pyproject.toml: found (the nearest per file, as
ruff finds its own), read and checked. settings.py merges it with the command line's flags."""

from __future__ import annotations

import difflib
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from replicate_migrate.rules import RULES_BY_ID

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


class ConfigFiles:
    """The nearest pyproject.toml with a `[tool.replicate-migrate]` table, per directory.

    As ruff does with `[tool.ruff]`, a pyproject.toml without the table is passed over: a
    sub-project's packaging file does not reset the settings of the repository around it.
    Each file is read once; each directory is asked once.
    """

    def __init__(self) -> None:
        self._nearest: dict[str, Path | None] = {}
        self._settings: dict[Path, dict[str, object]] = {}

    def nearest(self, start: Path) -> Path | None:
        """For `start` (a file or a directory, which need not exist)."""
        directory = os.path.abspath(start)
        if not os.path.isdir(directory):
            directory = os.path.dirname(directory)
        return self._nearest_in(directory)

    def settings(self, pyproject: Path) -> dict[str, object]:
        """load_settings(pyproject), read once."""
        if pyproject not in self._settings:
            self._settings[pyproject] = load_settings(pyproject)
        return self._settings[pyproject]

    def _nearest_in(self, directory: str) -> Path | None:
        if directory in self._nearest:
            return self._nearest[directory]
        candidate = Path(directory, "pyproject.toml")
        found: Path | None
        if candidate.is_file() and _has_table(candidate):
            found = candidate
        else:
            parent = os.path.dirname(directory)
            found = None if parent == directory else self._nearest_in(parent)
        self._nearest[directory] = found
        return found


def _has_table(pyproject: Path) -> bool:
    document = _read_document(pyproject)
    tool = document.get("tool")
    return isinstance(tool, dict) and TABLE in tool


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
        if key in _RULE_KEYS:
            value = list(rule_selectors(value, f"{where} {key!r}"))  # type: ignore[arg-type]
        settings[key.replace("-", "_")] = value
    return settings


_RULE_KEYS = ("select", "ignore")


def rule_selectors(values: Sequence[str], where: str) -> tuple[str, ...]:
    """Rule ids or prefixes (an id, a prefix of ids, or `ALL`), upper-cased, as ruff reads them.

    ConfigError names the ones no rule starts with: an unknown id would otherwise select
    nothing, and the run would look clean.
    """
    selectors = tuple(
        item.strip().upper() for value in values for item in value.split(",") if item.strip()
    )
    unknown = [
        s for s in selectors if s != "ALL" and not any(rule.id.startswith(s) for rule in RULES_BY_ID)
    ]
    if unknown:
        known = ", ".join(rule.id for rule in RULES_BY_ID)
        raise ConfigError(
            f"{where}: unknown rule id {', '.join(map(repr, unknown))} (rules: {known})"
        )
    return selectors


def _read_document(pyproject: Path) -> dict[str, object]:
    if tomllib is None:  # pragma: no cover - see the import above
        raise ConfigError(f"{pyproject}: reading TOML on Python 3.10 needs tomli installed")
    try:
        with pyproject.open("rb") as f:
            return tomllib.load(f)
    except OSError as e:
        raise ConfigError(f"{pyproject}: cannot read: {e.strerror or e}") from e
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ConfigError(f"{pyproject}: invalid TOML: {e}") from e


def _read_table(pyproject: Path) -> dict[str, object]:
    document = _read_document(pyproject)
    tool = document.get("tool", {})
    table = tool.get(TABLE, {}) if isinstance(tool, dict) else {}
    if not isinstance(table, dict):
        raise ConfigError(f"{pyproject}: [tool.{TABLE}] must be a table")
    return table


def _suggestion(key: str) -> str:
    # `extend_exclude` for `extend-exclude` is the usual slip.
    close = difflib.get_close_matches(key.replace("_", "-"), _KEYS, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""
