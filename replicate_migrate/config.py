"""The `[tool.replicate-migrate]` table of pyproject.toml: found, read, checked, and merged
with the command line's flags into the frozen Options (the engine's) and Output (the cli's)."""

from __future__ import annotations

import difflib
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TextIO

from replicate_migrate.options import Mode, Options, Output, Strategy
from replicate_migrate.rules import RULES

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
        if key in _RULE_KEYS:
            value = list(rule_selectors(value, f"{where} {key!r}"))  # type: ignore[arg-type]
        settings[key.replace("-", "_")] = value
    return settings


_RULE_KEYS = ("select", "ignore")


def rule_selectors(values: Sequence[str], where: str) -> tuple[str, ...]:
    """Rule ids or prefixes (`RM001`, `rm00`, `ALL`), upper-cased, as ruff reads them.

    ConfigError names the ones no rule starts with: an unknown id would otherwise select
    nothing, and the run would look clean.
    """
    selectors = tuple(
        item.strip().upper() for value in values for item in value.split(",") if item.strip()
    )
    unknown = [
        s for s in selectors if s != "ALL" and not any(rule.id.startswith(s) for rule in RULES)
    ]
    if unknown:
        known = ", ".join(rule.id for rule in RULES)
        raise ConfigError(
            f"{where}: unknown rule id {', '.join(map(repr, unknown))} (rules: {known})"
        )
    return selectors


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


# Flags that shape the command's output only; a configuration file does not set them.
CLI_ONLY = ("diff", "check", "quiet", "verbose", "color", "config_file", "isolated")
_RENAMES = {"ignore_rules": "ignore", "fmt": "format"}


def merge_settings(
    paths: Sequence[Path], flags: Mapping[str, object], cli_only: Mapping[str, object]
) -> tuple[dict[str, object], Path | None]:
    """The config file's table, overridden by the flags that were given, and the file read
    (None when none was). `flags` are click's parameters, None or () when not given."""
    pyproject = _config_file(paths, cli_only)
    settings = load_settings(pyproject) if pyproject else {}
    for key, value in flags.items():
        if value is None or value == ():
            continue
        name = _RENAMES.get(key, key)
        if key == "no_respect_gitignore":
            name, value = "respect_gitignore", not value
        elif key == "no_progress":
            name, value = "progress", not value
        elif name in _RULE_KEYS:
            value = list(rule_selectors(value, f"--{name}"))  # type: ignore[arg-type]
        settings[name] = value
    return settings, pyproject


def _config_file(paths: Sequence[Path], cli_only: Mapping[str, object]) -> Path | None:
    if cli_only["isolated"]:
        return None
    if cli_only["config_file"] is not None:
        given = Path(str(cli_only["config_file"]))
        if not given.is_file():
            raise ConfigError(f"{given}: --config: no such file")
        return given
    start = paths[0] if paths and paths[0] != Path("-") else Path.cwd()
    return find_pyproject(start)


def to_output(
    settings: Mapping[str, object],
    cli_only: Mapping[str, object],
    *,
    fix_flag: bool,
    stdout: TextIO,
) -> Output:
    """What to print where. `fix_flag`: --fix was on the command line (not only in config)."""
    diff, check = bool(cli_only["diff"]), bool(cli_only["check"])
    if (diff or check) and fix_flag:
        raise ConfigError("--fix writes files; --diff and --check never do: give one of them")
    if cli_only["quiet"] and cli_only["verbose"]:
        raise ConfigError("--quiet and --verbose cannot be used together")
    fix = bool(settings.get("fix"))
    mode = Mode.DIFF if diff else Mode.CHECK if check else Mode.FIX if fix else Mode.DRY_RUN
    output = settings.get("output")
    return Output(
        mode=mode,
        format=str(settings.get("format", "text")),
        output=str(output) if output else None,
        statistics=bool(settings.get("statistics")),
        quiet=bool(cli_only["quiet"]),
        verbose=bool(cli_only["verbose"]),
        color=use_color(cli_only["color"], stdout),
        progress=bool(settings.get("progress", True)),
    )


def use_color(flag: object, stream: TextIO) -> bool:
    """--color/--no-color, else NO_COLOR (https://no-color.org), else FORCE_COLOR, else a tty.

    NO_COLOR winning over FORCE_COLOR is CPython's own order (Lib/_colorize.py).
    """
    if flag is not None:
        return bool(flag)
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return stream.isatty()


def to_options(s: Mapping[str, object], mode: Mode) -> Options:
    """The engine's frozen Options from the merged settings."""

    def strings(key: str) -> tuple[str, ...]:
        value = s.get(key, ())
        return _split([value] if isinstance(value, str) else list(value))  # type: ignore[call-overload]

    return Options(
        fix=mode is Mode.FIX,
        strategy=Strategy(str(s.get("strategy", "auto"))),
        select=frozenset(strings("select")),
        ignore=frozenset(strings("ignore")),
        online=bool(s.get("online", False)),
        jobs=int(s.get("jobs", 0)),  # type: ignore[call-overload]
        cache_dir=str(s["cache_dir"]) if s.get("cache_dir") else None,
        exclude=strings("exclude") if "exclude" in s else None,
        extend_exclude=strings("extend_exclude"),
        force_exclude=bool(s.get("force_exclude", False)),
        respect_gitignore=bool(s.get("respect_gitignore", True)),
    )


def _split(values: Sequence[str]) -> tuple[str, ...]:
    return tuple(item.strip() for value in values for item in value.split(",") if item.strip())
