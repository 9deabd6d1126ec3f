"""outline: the tokenizer split of large files equals the parser's, and so does what they bind."""

from __future__ import annotations

import pytest

from replicate_migrate.engine import outline
from replicate_migrate.engine.pipeline import migrate_sources
from replicate_migrate.options import Options

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


def _parser_groups(text: str, monkeypatch: pytest.MonkeyPatch) -> list[outline.Group]:
    monkeypatch.setattr(outline, "_TOKENIZER", None)
    found = outline.statement_groups(text)
    monkeypatch.undo()
    assert found is not None
    return found


@pytest.mark.skipif(outline._TOKENIZER is None, reason="no C tokenizer on this Python")
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_tokenizer_groups_equal_the_parsers(newline: str, monkeypatch: pytest.MonkeyPatch) -> None:
    text = TRICKY.replace("\n", newline)
    expected = _parser_groups(text, monkeypatch)
    got = outline._token_groups(text)
    assert [(first, last) for first, last, _ in got] == [(first, last) for first, last, _ in expected]
    lines = outline.split_lines(text)
    for (first, last, _), (_, _, binds) in zip(got, expected):
        assert outline.binds_of("".join(lines[first - 1 : last])) == binds
    assert len(got) == 19


def test_what_groups_bind(monkeypatch: pytest.MonkeyPatch) -> None:
    groups = _parser_groups(TRICKY, monkeypatch)
    bound = set().union(*(binds for _, _, binds in groups if binds is not None))
    assert {"os", "system", "go", "first", "Thing", "shared", "x", "json", "error", "done"} <= bound
    assert {"index", "looped", "waited", "name", "rest", "value", "others", "coroutine"} <= bound
    assert {"TEXT", "a", "b", "total", "long", "walrus", "cache", "cfg", "removed"} <= bound
    assert not {"local", "attribute", "not_a_function", "sys"} & bound


def test_large_files_are_split_by_the_tokenizer(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = outline._TOKENIZER

    def spy(text: str) -> object:
        calls.append(len(text))
        return real(text) if real is not None else iter(())

    monkeypatch.setattr(outline, "_TOKENIZER", spy)
    text = TRICKY * (outline.TOKENS_FROM // len(TRICKY) + 1)
    groups = outline.statement_groups(text)
    assert calls == [len(text)]
    assert groups is not None and all(binds is None for _, _, binds in groups)
    assert outline.statement_groups(TRICKY) is not None and calls == [len(text)]  # small: parser


def test_unsplittable_text() -> None:
    assert outline.statement_groups("def broken(:\n    pass\n" * 2000) is None
    assert outline.statement_groups("x = 1\ry = 2\n") is None
    assert outline.binds_of("def broken(:\n") >= {"def", "broken"}  # never too few names


def test_a_large_module_migrates_the_same_either_way(monkeypatch: pytest.MonkeyPatch) -> None:
    filler = "".join(f"def helper_{i}(values):\n    return sum(values) + {i}\n\n\n" for i in range(600))
    source = (
        "import replicate\n\nMODEL = 'black-forest-labs/flux-schnell'\n\n\n" + filler
        + "def make(prompt):\n    output = replicate.run(MODEL, input={'prompt': prompt})\n"
        + "    return output[0].startswith('https://')\n"
    ).encode()
    assert len(source) > outline.TOKENS_FROM
    tokenized = migrate_sources([("big.py", source)], Options(jobs=1)).results[0]
    monkeypatch.setattr(outline, "_TOKENIZER", None)
    parsed = migrate_sources([("big.py", source)], Options(jobs=1)).results[0]
    assert tokenized.migrated is not None
    assert tokenized.migrated == parsed.migrated
    assert b"output[0].url.startswith" in tokenized.migrated
    assert [f.message for f in tokenized.findings] == [f.message for f in parsed.findings]
