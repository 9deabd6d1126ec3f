"""outline: CPython's groups of top-level statements, what they bind, and its verdict."""

from __future__ import annotations

import ast
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from replicate_migrate.engine import outline
from replicate_migrate.engine.pipeline import migrate_sources
from replicate_migrate.options import Options

RunCli = Callable[..., subprocess.CompletedProcess[str]]  # the run_cli fixture, conftest.py

TRICKY = '''"""Module docstring."""
import os, sys as system
from replicate import run as go  # a comment

# between statements

@decorator
@other(1,
       2)
def first(a, b=1):
    local = 1
    return a

    # trailing comment, indented further


class Thing(Base):
    attribute = 1

    def method(self):
        global shared
        shared = 2


if condition:
    x = 1
elif other:
    x = 2
else:
    x = 3

try:
    import json
except ImportError as error:
    json = None
else:
    pass
finally:
    done = True

for index in range(3):
    pass
else:
    looped = True

while False:
    pass
else:
    waited = True

match command:
    case [name, *rest]:
        pass
    case {"k": value, **others}:
        pass

async def coroutine():
    await thing()

TEXT = """
def not_a_function():
    pass
"""
a = 1; b = 2
total = (1 +
         2)
long = 1 + \\
    2
\x0c
(walrus := 5)
cache[key] = value
cfg.client = make()
del removed
'''


def test_groups_of_every_compound_form() -> None:
    groups = outline.statement_groups(TRICKY)
    assert groups is not None
    lines = TRICKY.splitlines()
    firsts = [lines[first - 1] for first, *_ in groups]
    assert firsts[:6] == ['"""Module docstring."""', "import os, sys as system", "from replicate import run as go  # a comment", "@decorator", "class Thing(Base):", "if condition:"]
    assert len(groups) == 19


def test_what_groups_bind() -> None:
    groups = outline.statement_groups(TRICKY)
    assert groups is not None
    bound = set().union(*(binds for _, _, binds, _ in groups))
    assert {"os", "system", "go", "first", "Thing", "shared", "x", "json", "error", "done"} <= bound
    assert {"index", "looped", "waited", "name", "rest", "value", "others", "coroutine"} <= bound
    assert {"TEXT", "a", "b", "total", "long", "walrus", "cache", "cfg", "removed"} <= bound
    assert not {"local", "attribute", "not_a_function", "sys"} & bound


@pytest.mark.parametrize(
    ("code", "bound"),
    [
        ("for p in ps:\n    urls.append(p)\n", {"p", "urls"}),
        ("if ok:\n    seen.add(x)\n", {"seen"}),
        ("urls.extend(out)\n", {"urls"}),
        ("urls.insert(0, out)\n", {"urls"}),
        ("self.items.append(out)\n", {"self"}),
        ("print(urls.count(x))\n", set()),  # reads the container, puts nothing in it
        ("def f():\n    urls.append(x)\n", {"f"}),  # the function body runs later
    ],
)
def test_filling_a_container_binds_it(code: str, bound: set[str]) -> None:
    # `urls.append(out[0])` in a loop: a later `", ".join(urls)` must be analysed too.
    groups = outline.statement_groups(code)
    assert groups is not None and len(groups) == 1
    assert groups[0][2] == bound


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("x = 1\n", "x"),
        ("x = other(1, 'y')  # a comment\n", "x"),
        ("x = x + 1\n", None),  # reads the value it replaces
        ("x = f'{x}'\n", None),
        ("x = 'x'\n", None),  # says the name: never too sure
        ("MODELS = {'a': 'b/c'}\n", None),  # a table of model refs outlives a rebinding
        ("x = y = 1\n", None),
        ("x, y = 1, 2\n", None),
        ("x += 1\n", None),
        ("x: int = 1\n", None),
        ("x.attr = 1\n", None),
        ("x = (y := 1)\n", None),
        ("x = 1; y = 2\n", None),
        ("def x():\n    pass\n", None),
    ],
)
def test_what_a_group_rebinds(code: str, name: str | None) -> None:
    groups = outline.statement_groups(code)
    assert groups is not None and len(groups) == 1
    assert groups[0][3] == name


def test_a_large_file_splits_as_its_parts_do() -> None:
    # One route for every size and version: the parser's groups of the file repeated.
    small = outline.statement_groups(TRICKY)
    large = outline.statement_groups(TRICKY * 40)
    assert small is not None and large is not None
    height = len(outline.split_lines(TRICKY))
    assert large == [(f + k * height, l + k * height, b, r) for k in range(40) for f, l, b, r in small]


def test_one_public_route_on_every_version(monkeypatch: pytest.MonkeyPatch) -> None:
    # Whatever the size and the Python, groups come from one compile() with PyCF_ONLY_AST:
    # no private tokenizer whose signature changes between versions (3.12 did).
    calls = []
    real = compile

    def spy(*args: object, **kwargs: object) -> object:
        calls.append(args[3] if len(args) > 3 else kwargs.get("flags"))
        return real(*args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(outline, "compile", spy, raising=False)
    for text in (TRICKY, TRICKY * 40):
        assert outline.statement_groups(text) is not None
    assert calls == [ast.PyCF_ONLY_AST, ast.PyCF_ONLY_AST]


def test_unsplittable_and_rejected_text() -> None:
    assert outline.statement_groups("x = 1\ry = 2\n") is None  # valid, but a lone CR
    with pytest.raises(outline.Rejected) as info:
        outline.statement_groups("x = 1\ry = (\n")  # a lone CR does not hide an error
    assert info.value.line == 2
    with pytest.raises(outline.Rejected) as info:
        outline.statement_groups("pass\n" * 5000 + "def broken(:\n    pass\n")
    assert (info.value.line, info.value.column, info.value.message) == (5001, 12, "invalid syntax")


# --- CPython's verdict: every file it rejects is a syntax error, whatever its size -------

CALL = "import replicate\n\nout = replicate.run('black-forest-labs/flux-schnell', input={})\nok = out[0].startswith('h')\n"
FILLER = "".join(f"def filler_{i}(x):\n    return x + {i}\n\n\n" for i in range(500))  # > 16 KB
# (name, the bad lines, where CPython says the error is and what it says), line 1 = the bad lines' first
REJECTED = [
    ("indent", "x = 1\n    y = 2\n", (2, 4, "unexpected indent")),
    ("nul", "x = 1\n# a\0b\n", (2, 4, "source code string cannot contain null bytes")),
    ("parens", "v = " + "(" * 201 + "1" + ")" * 201 + "\n", (1, 205, "too many nested parentheses")),
    ("tabs", "if x:\n\tpass\n        pass\n", (3, 1, "inconsistent use of tabs")),
]


def _rejected_files() -> dict[str, tuple[str, int, int, str]]:
    """name -> (text, line, column, message): each bad file small and large, a call above
    the error and one below it."""
    files = {}
    for name, bad, (line, column, message) in REJECTED:
        for size, filler in (("small", ""), ("large", FILLER)):
            above = CALL + filler
            text = above + bad + filler + CALL.replace("out", "later")
            files[f"{name}_{size}.py"] = (text, above.count("\n") + line, column, message)
    return files


def test_large_files_really_are_large() -> None:
    assert all(len(text) > 16_384 for name, (text, *_) in _rejected_files().items() if "large" in name)


@pytest.mark.parametrize("name", sorted(_rejected_files()))
def test_every_file_cpython_rejects_is_a_syntax_error(name: str) -> None:
    text, line, column, message = _rejected_files()[name]
    result = migrate_sources([(name, text.encode())], Options(jobs=1)).results[0]
    assert result.migrated is None
    assert result.error is not None and result.error.startswith(f"{name}:{line}:{column}: syntax error: {message}")
    assert "\n" not in result.error


@pytest.mark.parametrize("fix", [False, True], ids=["dry-run", "fix"])
def test_rejected_files_are_reported_and_left_alone(fix: bool, tmp_path: Path, run_cli: RunCli) -> None:
    files = _rejected_files()
    for name, (text, *_) in files.items():
        (tmp_path / name).write_bytes(text.encode())
    (tmp_path / "good.py").write_text(CALL)

    result = run_cli(*(["--fix"] if fix else []), ".", cwd=tmp_path)

    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    for name, (text, line, column, message) in files.items():
        said = [s for s in result.stderr.splitlines() if s.startswith(f"{name}:")]
        assert len(said) == 1 and said[0].startswith(f"{name}:{line}:{column}: error: syntax error: {message}"), result.stderr
        assert f"+++ {name}" not in result.stdout and f"b/{name}" not in result.stdout
        assert (tmp_path / name).read_bytes() == text.encode()
    assert ((tmp_path / "good.py").read_text() != CALL) is fix
