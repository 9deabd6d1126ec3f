"""Files -> module keys and a Resolver: each file's import root, dotted name and import path.

A file's import root is the nearest ancestor directory without `__init__.py`, the
directory Python must have on `sys.path` to import it by its dotted name: a script's
own folder (`python path/to/main.py` puts it first on the path), or the folder holding
a package (`pkg/sub/mod.py` is `pkg.sub.mod`). Its import path, in order, is that root,
then each directory above it up to the project root, each followed by its `src/`:
the places a project's code is run from or installed from (an editable install of a
`src/` layout), the way mypy and pyright add the project root and `src` to the path.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

from replicate_migrate.project.resolver import KEY_PREFIX, UNIMPORTABLE, Resolver
from replicate_migrate.project.root import Markers


@dataclass(frozen=True)
class Project:
    keys: dict[str, str]  # path, as given -> module key
    resolver: Resolver

    def is_replicate_itself(self, path: str) -> bool:
        """The replicate package's own modules (vendored, site-packages) are not its users."""
        return self.keys[path] in self.resolver.external


def build_project(paths: Sequence[str], top: str | None = None) -> Project:
    """Keys and import paths of `paths`. `top` (absolute) bounds every import path; without
    it each file's is bounded by its own project (the nearest marker above it), so that a
    file resolves its imports the same whichever other files a run names."""
    layout = _Layout(top)
    keys = {path: layout.add(path) for path in paths}
    search = {key: layout.search_path(key) for key in layout.roots}  # adds tokens
    resolver = Resolver(
        dirs=tuple(layout.tokens),
        modules=layout.modules,
        packages=frozenset(layout.packages),
        search=search,
        external=frozenset(layout.external),
        inits=frozenset(layout.inits),
    )
    return Project(keys, resolver)


class _Layout:
    def __init__(self, top: str | None) -> None:
        self.top = top
        self.markers = Markers()
        self.tokens: list[str] = []
        self.token_of: dict[str, int] = {}
        self.is_package: dict[str, bool] = {}
        self.absolute: dict[str, str] = {}
        self.modules: dict[str, str] = {}
        self.packages: set[str] = set()
        self.roots: dict[str, str] = {}  # key -> its import root
        self.folders: dict[str, str] = {}  # key -> the directory it is in
        self.external: set[str] = set()
        self.inits: set[str] = set()

    def add(self, path: str) -> str:
        given, file = os.path.split(path)
        directory = self.absolute.get(given)
        if directory is None:
            directory = self.absolute[given] = os.path.abspath(given or ".")
        stem, suffix = os.path.splitext(file)
        root, parts = directory, []
        while self._has_init(root):
            root, name = os.path.split(root)
            parts.append(name)
            if not name:
                break
        parts.reverse()
        if stem != "__init__" or not parts:
            parts.append(stem)
        # A notebook, or a module beside a package of its name, is imported by nobody;
        # its key must still differ from the importable module's.
        importable = suffix == ".py" and (stem == "__init__" or not self._has_init(os.path.join(directory, stem)))
        token = f"{KEY_PREFIX}{self._token(root)}{'' if importable else UNIMPORTABLE}"
        key = ".".join([token, *(p.replace(".", "%2E") for p in parts)])
        self.roots.setdefault(key, root)
        self.folders.setdefault(key, directory)
        if stem == "__init__":
            self.inits.add(key)
        if importable:
            module = directory if stem == "__init__" else os.path.join(directory, stem)
            self.modules.setdefault(module, key)
            self._note_dirs(directory)
            if parts[0] == "replicate" and (len(parts) > 1 or stem == "__init__"):
                self.external.add(key)
        return key

    def search_path(self, key: str) -> tuple[int, ...]:
        """Root tokens on `key`'s import path: its root, then each folder up to the project's
        top, each with its `src/`; the top itself when the root is above it (a project whose
        top folder is a package, run from that folder)."""
        root = self.roots[key]
        top = self.top or self.markers.nearest(self.folders[key]) or os.sep
        found: list[int] = []
        directory = root
        while True:
            self._add_search(found, root, directory)
            parent = os.path.dirname(directory)
            if directory == top or parent == directory or not _is_within(directory, top):
                break
            directory = parent
        if not _is_within(root, top):
            self._add_search(found, root, top)
        return tuple(found)

    def _add_search(self, found: list[int], root: str, directory: str) -> None:
        for candidate in (directory, os.path.join(directory, "src")):
            if (candidate == root or candidate in self.packages) and self._token(candidate) not in found:
                found.append(self._token(candidate))

    def _has_init(self, directory: str) -> bool:
        found = self.is_package.get(directory)
        if found is None:
            found = self.is_package[directory] = os.path.isfile(os.path.join(directory, "__init__.py"))
        return found

    def _token(self, directory: str) -> int:
        token = self.token_of.get(directory)
        if token is None:
            token = self.token_of[directory] = len(self.tokens)
            self.tokens.append(directory)
        return token

    def _note_dirs(self, directory: str) -> None:
        while directory not in self.packages:
            self.packages.add(directory)
            parent = os.path.dirname(directory)
            if parent == directory:
                return
            directory = parent


def _is_within(directory: str, top: str) -> bool:
    return directory == top or directory.startswith(top.rstrip(os.sep) + os.sep)
