"""The command line's flags merged with the configuration files: the frozen Options the
engine takes (one per distinct configuration among the files) and the Output cli.py follows.

Flags override every file's configuration. Which rules run and how (`strategy`, `select`,
`ignore`) follow the nearest configuration of each file, as in ruff, and so do the files a
configuration excludes below it (`exclude`, `extend-exclude`); the rest is run-wide and
comes from the configuration found for the first path.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from replicate_migrate.config import ConfigError, ConfigFiles, rule_selectors
from replicate_migrate.options import Mode, Options, Output, Strategy
from replicate_migrate.patterns import Excludes, compile_excludes

# Flags that shape the command's output only; a configuration file does not set them.
CLI_ONLY = ("diff", "check", "quiet", "verbose", "color", "config_file", "isolated")
_RENAMES = {"ignore_rules": "ignore", "fmt": "format"}
# The keys each file's nearest configuration decides, with the flag that overrides each.
_PER_FILE = {"strategy": "strategy", "select": "select", "ignore": "ignore_rules"}
# Patterns a nested configuration excludes below its directory, besides the run's own.
_PER_TREE = ("exclude", "extend_exclude")


def merge_settings(
    paths: Sequence[Path],
    flags: Mapping[str, object],
    cli_only: Mapping[str, object],
    files: ConfigFiles,
) -> tuple[dict[str, object], Path | None]:
    """The config file's table, overridden by the flags that were given, and the file read
    (None when none was). `flags` are click's parameters, None or () when not given."""
    pyproject = _config_file(paths, flags, cli_only, files)
    settings = dict(files.settings(pyproject)) if pyproject else {}
    if pyproject and "project_root" in settings:  # relative to the file that says it
        settings["project_root"] = str(pyproject.parent / str(settings["project_root"]))
    for key, value in flags.items():
        if value is None or value == ():
            continue
        name = _RENAMES.get(key, key)
        if key == "no_respect_gitignore":
            name, value = "respect_gitignore", not value
        elif key == "no_progress":
            name, value = "progress", not value
        elif name in ("select", "ignore"):
            value = list(rule_selectors(value, f"--{name}"))  # type: ignore[arg-type]
        settings[name] = value
    if _selects_on_command_line(flags):
        settings.pop("ignore", None)
    return settings, pyproject


def _selects_on_command_line(flags: Mapping[str, object]) -> bool:
    """--select without --ignore: as in ruff, the command line's selection is the whole one,
    so a configuration's `ignore` does not take back what --select asked for."""
    return flags.get("select") not in (None, ()) and flags.get("ignore_rules") in (None, ())


def _config_file(
    paths: Sequence[Path],
    flags: Mapping[str, object],
    cli_only: Mapping[str, object],
    files: ConfigFiles,
) -> Path | None:
    if cli_only["isolated"]:
        return None
    if cli_only["config_file"] is not None:
        given = Path(str(cli_only["config_file"]))
        if not given.is_file():
            raise ConfigError(f"{given}: --config: no such file")
        return given
    if paths and paths[0] != Path("-"):
        return files.nearest(paths[0])
    return files.nearest(Path(str(flags.get("stdin_filename") or Path.cwd())))


@dataclass(frozen=True)
class ConfigGroup:
    """Files that share one Options; `pyproject` is the first config file that gave it."""

    options: Options
    paths: tuple[Path, ...]
    pyproject: Path | None
    errors: tuple[tuple[str, str], ...] = ()  # (path, message): paths discovery could not read


def split_by_config(
    paths: Sequence[Path],
    flags: Mapping[str, object],
    cli_only: Mapping[str, object],
    root: tuple[Mapping[str, object], Path | None],
    mode: Mode,
    files: ConfigFiles,
) -> list[ConfigGroup]:
    """The run in groups of files with the same Options: one group (the paths as given)
    unless files below have a configuration of their own that changes the rules.

    Run-wide keys in those other configurations are not applied; run_wide_keys() names them.
    """
    settings, pyproject = root
    options = to_options(settings, mode)
    whole = [ConfigGroup(options, tuple(paths), pyproject)]
    if cli_only["isolated"] or cli_only["config_file"] is not None:
        return whole
    found, errors = _files_of(paths, options)
    by_config, dropped = _by_config(found, paths, pyproject, options, files)
    groups: dict[Options, ConfigGroup] = {}
    for own, members in by_config.items():
        own_options = (
            options if own == pyproject else _options_for(own, settings, flags, mode, files)
        )
        known = groups.get(own_options)
        if known is None:
            groups[own_options] = ConfigGroup(own_options, tuple(members), own)
        else:  # another file with the same effect: one run keeps their links
            groups[own_options] = ConfigGroup(own_options, (*known.paths, *members), known.pyproject)
    if not dropped and list(groups) in ([], [options]):
        return whole
    if not groups:
        return [ConfigGroup(options, (), pyproject, errors)]
    first = next(iter(groups.values()))
    groups[first.options] = ConfigGroup(first.options, first.paths, first.pyproject, errors)
    return list(groups.values())


def _files_of(
    paths: Sequence[Path], options: Options
) -> tuple[list[Path], tuple[tuple[str, str], ...]]:
    """The files the run would read: the paths themselves unless a directory is among them."""
    if not any(os.path.isdir(path) for path in paths):
        return list(paths), ()
    from replicate_migrate.discovery import DEFAULT_EXCLUDES, discover

    found = discover(
        paths,
        exclude=DEFAULT_EXCLUDES if options.exclude is None else options.exclude,
        extend_exclude=options.extend_exclude,
        force_exclude=options.force_exclude,
        respect_gitignore=options.respect_gitignore,
    )
    return list(found.files), found.errors


def _by_config(
    found: list[Path], paths: Sequence[Path], root: Path | None, options: Options, files: ConfigFiles
) -> tuple[dict[Path | None, list[Path]], bool]:
    """The files by their nearest configuration, without those a nested one excludes (a
    file given by name only with force-exclude, as the run's own excludes); and whether
    any was left out."""
    by_config: dict[Path | None, list[Path]] = {}
    given = {os.path.abspath(path) for path in paths}
    nested: dict[Path, Excludes | None] = {}
    dropped = False
    for file in found:
        own = files.nearest(file)
        excluded = own is not None and own != root and _excluded_below(own, file, nested, files)
        if excluded and (options.force_exclude or os.path.abspath(file) not in given):
            dropped = True
            continue
        by_config.setdefault(own, []).append(file)
    return by_config, dropped


def _excluded_below(
    pyproject: Path, file: Path, nested: dict[Path, Excludes | None], files: ConfigFiles
) -> bool:
    """Whether `pyproject`'s own `exclude`/`extend-exclude` patterns, relative to its
    directory, match `file` or a directory between them. (A nested `exclude` adds to the
    run's excludes: what the run's own patterns leave out, it cannot bring back.)
    `nested` keeps each configuration's compiled patterns."""
    if pyproject not in nested:
        own = files.settings(pyproject)
        patterns = [str(p) for key in _PER_TREE for p in own.get(key, ()) or ()]  # type: ignore[attr-defined]
        nested[pyproject] = compile_excludes(patterns) if patterns else None
    excludes = nested[pyproject]
    if excludes is None:
        return False
    rel = os.path.relpath(os.path.abspath(file), pyproject.parent.absolute()).replace(os.sep, "/")
    parts = rel.split("/")
    if parts[0] == os.pardir:
        return False
    for depth, name in enumerate(parts, start=1):
        if excludes.is_excluded("/".join(parts[:depth]), name, depth < len(parts)):
            return True
    return False


def run_wide_keys(groups: Sequence[ConfigGroup], root: Path | None, files: ConfigFiles) -> list[str]:
    """`path: 'key', ...` for each configuration besides the root's that sets keys only the
    root's configuration decides, so that they are not ignored in silence."""
    notes = []
    for group in groups:
        if group.pyproject is None or group.pyproject == root:
            continue
        keys = [key for key in files.settings(group.pyproject) if key not in _PER_FILE and key not in _PER_TREE]
        if keys:
            listed = ", ".join(repr(key.replace("_", "-")) for key in keys)
            where = root or "the defaults (no config file for the first path)"
            notes.append(
                f"{group.pyproject}: {listed} ignored here: run-wide settings come from {where}"
            )
    return notes


def _options_for(
    pyproject: Path | None,
    root: Mapping[str, object],
    flags: Mapping[str, object],
    mode: Mode,
    files: ConfigFiles,
) -> Options:
    """The run-wide settings with the rule settings of `pyproject`, unless flags set them."""
    own = files.settings(pyproject) if pyproject else {}
    merged = dict(root)
    for key, flag in _PER_FILE.items():
        if flags.get(flag) in (None, ()):
            merged.pop(key, None)
            if key in own and not (key == "ignore" and _selects_on_command_line(flags)):
                merged[key] = own[key]
    return to_options(merged, mode)


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
        project_root=str(s["project_root"]) if s.get("project_root") else None,
    )


def _split(values: Sequence[str]) -> tuple[str, ...]:
    return tuple(item.strip() for value in values for item in value.split(",") if item.strip())
