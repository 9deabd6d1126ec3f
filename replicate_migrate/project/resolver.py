"""Which module an import names, from the importing file: Python's import system, statically.

Every module of a run has a unique key, `@<root>.<dotted name>`: `<root>` numbers the
directory its dotted name starts from (the nearest ancestor without `__init__.py`), so
`services/a/main.py` and `services/b/main.py` are `@0.main` and `@1.main`, never one
module. Functions are `<key>.<name>` and call sites `<key>#<n>`, as before. A name
built from another directory on the path (`@2.services.a.main`, reaching the same file
through namespace packages) is brought back to the file's own key by `canonical`. Files no import can reach (notebooks, `pkg.py`
beside `pkg/__init__.py`) have keys of their own, `@<root>x.<name>`.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass

KEY_PREFIX = "@"
UNIMPORTABLE = "x"  # after a root's number: a notebook, or a module a package shadows
_TOKEN = re.compile(r"@\d+x?\.")
# Top-level names that mean the library rather than a lone project file of that name (a
# package of the name, with `__init__.py`, is deliberate and stays the project's):
# replicate, the standard library, and the HTTP clients the analysis knows. A module that
# shadowed one of them could not use it; files of that name are scripts badly named, or
# unrelated files gathered in one folder (a corpus, a scripts/ directory), whose
# neighbours must not lose what `json.dumps` or `requests.get` mean.
_LIBRARIES = frozenset(
    {"replicate", "requests", "httpx", "aiohttp", *getattr(sys, "stdlib_module_names", ())}
)


def display(text: str) -> str:
    """`text` with module keys shown as the plain dotted names people write."""
    return _TOKEN.sub("", text) if KEY_PREFIX in text else text


def is_project_name(name: str) -> bool:
    return name.startswith(KEY_PREFIX)


@dataclass(frozen=True)
class Resolver:
    """What the workers need to resolve imports; built once per run, pickled once per worker."""

    dirs: tuple[str, ...]  # root token -> absolute directory
    modules: dict[str, str]  # absolute path without suffix (a package: its directory) -> key
    packages: frozenset[str]  # absolute directories holding modules (namespace portions too)
    search: dict[str, tuple[int, ...]]  # key -> root tokens on its import path, in order
    external: frozenset[str]  # keys of the replicate package's own modules: not the project's
    inits: frozenset[str] = frozenset()  # keys of packages (`__init__.py`): `.` is themselves

    def canonical(self, name: str) -> str:
        """A project name's own key when it names a module; else the name unchanged."""
        if not is_project_name(name):
            return name
        path = self._path(name)
        found = self.modules.get(path) if path else None
        if found is None:
            return name
        return found if found not in self.external else _external_name(name)

    def absolute(self, importer: str, dotted: str) -> str:
        """`import a.b` in module `importer`: the key of `a.b`, or `a.b` itself when it is not
        the project's (the standard library, installed packages, the replicate package)."""
        head = dotted.split(".", 1)[0]
        library = head in _LIBRARIES
        namespace = ""
        for token in self.search.get(importer, ()):
            base = os.path.join(self.dirs[token], head)
            if base in self.modules:
                key = self.modules[base]
                if key in self.external or (library and key not in self.inits):
                    return dotted  # the replicate package's own tree (vendored), or a library
                return self.canonical(f"{KEY_PREFIX}{token}.{dotted}")
            if not namespace and base in self.packages:
                namespace = f"{KEY_PREFIX}{token}.{dotted}"
        if namespace and not library:  # Python finds namespace packages after everything else
            return self.canonical(namespace)
        return dotted

    def relative(self, importer: str, level: int, dotted: str) -> str | None:
        """`from ..x import y` in `importer`: the key of `..x`; None above the root (an ImportError)."""
        parts = importer.split(".")
        keep = len(parts) - level + (1 if importer in self.inits else 0)
        if keep < 2:  # `@<root>` alone is no package: above the top-level one
            return None
        base = ".".join(parts[:keep])
        return self.canonical(f"{base}.{dotted}" if dotted else base)

    def can_import(self, importer: str, module: str) -> bool:
        """True when `module` lies on `importer`'s import path (relative imports included)."""
        path = self._path(module)
        if not path:
            return False
        for token in self.search.get(importer, ()):
            if path.startswith(self.dirs[token] + os.sep):
                return True
        return False

    def _path(self, name: str) -> str:
        token, _, dotted = name[1:].partition(".")
        if not token.isdigit() or int(token) >= len(self.dirs) or not dotted:
            return ""
        return os.path.join(self.dirs[int(token)], *dotted.split("."))


EMPTY = Resolver((), {}, frozenset(), {}, frozenset())


def _external_name(name: str) -> str:
    return _TOKEN.sub("", name, count=1)
