"""Paths -> the Python files and notebooks to migrate, the way ruff finds them. No parsing."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from replicate_migrate.patterns import (
    Excludes,
    IgnoreFile,
    compile_excludes,
    gitignore_spec,
    is_ignored,
)

# ruff's defaults, plus `__pycache__`: tool and build directories nobody migrates by hand.
DEFAULT_EXCLUDES: tuple[str, ...] = (
    ".bzr", ".direnv", ".eggs", ".git", ".git-rewrite", ".hg", ".ipynb_checkpoints",
    ".mypy_cache", ".nox", ".pants.d", ".pyenv", ".pytest_cache", ".pytype", ".ruff_cache",
    ".svn", ".tox", ".venv", ".vscode", "__pypackages__", "_build", "buck-out", "build",
    "dist", "node_modules", "site-packages", "venv", "__pycache__",
)  # fmt: skip
SUFFIXES = (".py", ".ipynb")


@dataclass(frozen=True)
class Discovered:
    """What a set of paths names: the files to migrate and the paths that could not be read."""

    files: tuple[Path, ...]  # sorted, unique
    errors: tuple[tuple[str, str], ...]  # (path, one-line message), sorted


def discover(
    paths: Sequence[Path],
    *,
    exclude: Sequence[str] = DEFAULT_EXCLUDES,
    extend_exclude: Sequence[str] = (),
    force_exclude: bool = False,
    respect_gitignore: bool = True,
    root: Path | None = None,
) -> Discovered:
    """Walk `paths` for .py and .ipynb files; never raises, unreadable paths become errors.

    Exclude patterns are gitignore-style, matched against the bare name and against the path
    relative to `root` (the project root; the current directory when None), or relative to
    the walked path when that lies outside `root`. Paths given explicitly are taken as they
    are unless `force_exclude`, which pre-commit needs because it passes file names.
    """
    excludes = compile_excludes([*exclude, *extend_exclude])
    anchor = os.path.abspath(root if root is not None else os.curdir)
    walker = _TreeWalker(excludes, respect_gitignore, anchor)
    for path in paths:
        walker.add(path, force_exclude)
    # Sorting strings by their parts orders like sorting Paths, at a fraction of the cost.
    files = sorted(walker.files, key=lambda f: f.split(os.sep))
    return Discovered(tuple(map(Path, files)), tuple(sorted(set(walker.errors))))


def mentions(data: bytes, needles: Iterable[bytes]) -> bool:
    """True when any needle occurs in `data`: the cheap test that skips most files unparsed."""
    return any(needle in data for needle in needles)


class _TreeWalker:
    """The state of one discover() call: files found, errors, ignore files already read."""

    def __init__(self, excludes: Excludes, respect_gitignore: bool, anchor: str) -> None:
        self.excludes = excludes
        self.respect_gitignore = respect_gitignore
        self.anchor = anchor
        self.files: set[str] = set()
        self.errors: list[tuple[str, str]] = []
        self._rules: dict[str, tuple[bool, tuple[IgnoreFile, ...]]] = {}

    def add(self, path: Path, force_exclude: bool) -> None:
        shown = str(path)
        try:
            mode = os.stat(shown).st_mode
        except OSError as e:
            self.errors.append((shown, _stat_message(shown, e)))
            return
        absolute = os.path.abspath(shown)
        is_dir = stat.S_ISDIR(mode)
        if force_exclude and self._is_excluded_explicit(absolute, is_dir):
            return
        if is_dir:
            self._walk(shown, absolute)
        elif stat.S_ISREG(mode):
            self.files.add(shown)
        else:
            self.errors.append((shown, special_file(mode)))

    def _is_excluded_explicit(self, absolute: str, is_dir: bool) -> bool:
        # The project root itself is never excluded, whatever its name (`build/` is common).
        if absolute != self.anchor and self._is_excluded_by_pattern(absolute, is_dir):
            return True
        if not self.respect_gitignore:
            return False
        return is_ignored(self._rules_for(os.path.dirname(absolute)), absolute, is_dir)

    def _is_excluded_by_pattern(self, absolute: str, is_dir: bool) -> bool:
        name = os.path.basename(absolute)
        rel = self._relative(absolute)
        # A walk never enters an excluded directory; a named file must check its ancestors.
        if rel and not self.excludes.names.isdisjoint(rel.split("/")):
            return True
        return self.excludes.is_excluded(rel or name, name, is_dir)

    def _relative(self, absolute: str) -> str:
        """`absolute` relative to the anchor, with `/` separators; "" when outside it."""
        try:
            rel = os.path.relpath(absolute, self.anchor)
        except ValueError:  # another drive, on Windows
            return ""
        if rel == os.curdir or rel == os.pardir or rel.startswith(os.pardir + os.sep):
            return ""
        return rel.replace(os.sep, "/")

    def _walk(self, top: str, top_abs: str) -> None:
        start = self._rules_above(top_abs) if self.respect_gitignore else ()
        if start and is_ignored(start, top_abs, is_dir=True):
            # Given explicitly, so wanted: an ignored ancestor must not hide everything below.
            start = ()
        stack = [(top, top_abs, self._relative(top_abs), start)]
        while stack:
            shown, absolute, rel, rules = stack.pop()
            entries = self._scan(shown)
            if self.respect_gitignore:
                rules = rules + self._own_rules(absolute, {e.name for e in entries})
            for entry in entries:
                name = entry.name
                # Symbolic links are neither files nor directories here: never followed,
                # so no loops and nothing outside the tree.
                is_dir = entry.is_dir(follow_symlinks=False)
                special = not is_dir and _is_special(entry)
                if not is_dir and not special and not _is_source(entry):
                    continue
                entry_rel = f"{rel}/{name}" if rel else name
                entry_abs = os.path.join(absolute, name)
                if self.excludes.is_excluded(entry_rel, name, is_dir):
                    continue
                if rules and is_ignored(rules, entry_abs, is_dir):
                    continue
                # Joined by hand so that walking "." yields "a.py", as pathlib spells it.
                entry_shown = name if shown == os.curdir else entry.path
                if special:  # reading it could block for ever: said, and skipped
                    self.errors.append((entry_shown, special_file(entry.stat(follow_symlinks=False).st_mode)))
                elif is_dir:
                    stack.append((entry_shown, entry_abs, entry_rel, rules))
                else:
                    self.files.add(entry_shown)

    def _scan(self, directory: str) -> list[os.DirEntry[str]]:
        try:
            with os.scandir(directory) as it:
                return list(it)
        except OSError as e:
            self.errors.append((directory, f"cannot read directory: {e.strerror or e}"))
            return []

    def _rules_above(self, directory: str) -> tuple[IgnoreFile, ...]:
        """Ignore files of the directories above `directory`, up to its git work tree's top."""
        parent = os.path.dirname(directory)
        if parent == directory or _is_git_top(directory):
            return ()
        return self._rules_for(parent)

    def _rules_for(self, directory: str) -> tuple[IgnoreFile, ...]:
        """Every ignore file that applies to the entries of `directory`, innermost last.

        Outside a git work tree this is empty: a stray .gitignore in a home directory must not
        hide a project. Inside the walked tree, _walk() reads them regardless.
        """
        return self._chain(directory)[1]

    def _chain(self, directory: str) -> tuple[bool, tuple[IgnoreFile, ...]]:
        cached = self._rules.get(directory)
        if cached is not None:
            return cached
        names = {n for n in (".git", ".gitignore") if os.path.lexists(os.path.join(directory, n))}
        parent = os.path.dirname(directory)
        above: tuple[IgnoreFile, ...]
        if ".git" in names:
            in_repo, above = True, ()
        elif parent == directory:
            in_repo, above = False, ()
        else:
            in_repo, above = self._chain(parent)
        result = (True, above + self._own_rules(directory, names)) if in_repo else (False, ())
        self._rules[directory] = result
        return result

    def _own_rules(self, directory: str, names: set[str]) -> tuple[IgnoreFile, ...]:
        own: list[IgnoreFile] = []
        if ".git" in names:
            info_exclude = os.path.join(directory, ".git", "info", "exclude")
            own.extend(self._read_ignore(directory, info_exclude))
        if ".gitignore" in names:
            own.extend(self._read_ignore(directory, os.path.join(directory, ".gitignore")))
        return tuple(own)

    def _read_ignore(self, directory: str, path: str) -> list[IgnoreFile]:
        try:
            with open(path, encoding="utf-8", errors="surrogateescape") as f:
                lines = f.read().splitlines()
        except (FileNotFoundError, NotADirectoryError):  # `.git` is a file in worktrees and submodules
            return []
        except OSError as e:
            self.errors.append((path, f"cannot read ignore file: {e.strerror or e}"))
            return []
        spec = gitignore_spec(lines)
        if not spec.patterns:
            return []
        return [IgnoreFile(directory.rstrip(os.sep) + os.sep, spec)]


def _is_source(entry: os.DirEntry[str]) -> bool:
    return entry.name.endswith(SUFFIXES) and entry.is_file(follow_symlinks=False)


def _is_special(entry: os.DirEntry[str]) -> bool:
    """A FIFO, socket or device named like a source file (a symbolic link is none of these)."""
    if not entry.name.endswith(SUFFIXES) or entry.is_symlink() or entry.is_file(follow_symlinks=False):
        return False
    try:
        return not stat.S_ISDIR(entry.stat(follow_symlinks=False).st_mode)
    except OSError:  # gone since the directory was read
        return False


_SPECIAL_KINDS = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def special_file(mode: int) -> str:
    """Why a path of this `mode` is not read: `not a regular file (a FIFO); skipped`."""
    kind = next((name for test, name in _SPECIAL_KINDS if test(mode)), "a special file")
    return f"not a regular file ({kind}); skipped"


def _is_git_top(directory: str) -> bool:
    return os.path.lexists(os.path.join(directory, ".git"))


def _stat_message(path: str, error: OSError) -> str:
    if error.errno == errno.ELOOP:
        return "symbolic link loop"
    if isinstance(error, FileNotFoundError):
        return "broken symbolic link" if os.path.islink(path) else "no such file or directory"
    return error.strerror or str(error)
