"""Unit tests of model ref resolution: which constant refs a run() call's first argument holds."""

from __future__ import annotations

import libcst as cst
import pytest

from replicate_migrate.analysis.models import ModelFacts, OutputKind, model_of
from replicate_migrate.analysis.module import analyze_module


def refs(source: str) -> list[tuple[tuple[str, ...], bool, str]]:
    facts, _ = analyze_module(cst.parse_module("import os\nimport replicate\n" + source), "m.py", "m", None)
    return [(call.refs, call.ref_assumed, call.ref_note) for call in facts.calls]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('M = os.getenv("M", "a/b")\nreplicate.run(M)\n', ("a/b",)),
        ('replicate.run(os.environ.get("M", default="a/b"))\n', ("a/b",)),
        ('from os import getenv as ge\nreplicate.run(ge("M", "a/b"))\n', ("a/b",)),
        ('D = "a/b"\nreplicate.run(os.getenv("M") or D)\n', ("a/b",)),
        ('replicate.run(os.environ.get("M", "a/b") or "a/c")\n', ("a/b", "a/c")),
        ('def f():\n    m = os.getenv("M", "a/b")\n    replicate.run(m)\n', ("a/b",)),
    ],
)
def test_environment_defaults_are_assumed(source: str, expected: tuple[str, ...]) -> None:
    [(found, assumed, note)] = refs(source)
    assert (found, assumed) == (expected, True)
    assert "the default of os." in note


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('O = "a"\nN = "b"\nreplicate.run(f"{O}/{N}")\n', ("a/b",)),
        ('O = "a"\nN = "b"\nV = "v1"\nreplicate.run(f"{O}/{N}:{V}")\n', ("a/b:v1",)),
        ('O = "a"\nreplicate.run(O + "/" + "b")\n', ("a/b",)),
        ('T = {"x": "a/b", "y": "a/c"}\nreplicate.run(T["y"])\n', ("a/c",)),
        ('T = {"x": "a/b", "y": "a/c"}\ndef f(k):\n    replicate.run(T[k])\n', ("a/b", "a/c")),
        ('T = {"x": "a/b"}\ndef f(k):\n    replicate.run(T.get(k, "a/d"))\n', ("a/b", "a/d")),
        ('import sys\nM = "a/b" if sys.argv else "a/c"\nreplicate.run(M)\n', ("a/b", "a/c")),
        ('import sys\nif sys.argv:\n    M = "a/b"\nelse:\n    M = "a/c"\nreplicate.run(M)\n', ("a/b", "a/c")),
    ],
)
def test_constants_are_followed(source: str, expected: tuple[str, ...]) -> None:
    [(found, assumed, _)] = refs(source)
    assert (found, assumed) == (expected, False)


INIT = 'class G:\n    def __init__(self, model="a/b"):\n        self.model = model\n'
GO = "    def go(self):\n        replicate.run(self.model)\n"
CLASSES = [
    (INIT + GO, ("a/b",)),
    ('class G:\n    MODEL = "a/b"\n    def go(self):\n        replicate.run(self.MODEL)\n', ("a/b",)),
    ('class G:\n    MODEL = "a/b"\n    @classmethod\n    def go(cls):\n        replicate.run(cls.MODEL)\n', ("a/b",)),
    ('class G:\n    MODEL = "a/b"\ndef go():\n    replicate.run(G.MODEL)\n', ("a/b",)),
    # Assigned anywhere else in the class: not known.
    (INIT + "    def use(self, m):\n        self.model = m\n" + GO, ()),
    (INIT.replace("class G:\n", 'class G:\n    model = "a/c"\n') + GO, ()),
    (INIT.replace("__init__", "setup") + GO, ()),
    ('class G:\n    def __init__(self):\n        self.model = "a/b"\n' + GO, ("a/b",)),
    (INIT + GO + 'class H(G):\n    model = "a/c"\n', ()),  # a subclass sets it: either
]


@pytest.mark.parametrize(("source", "expected"), CLASSES)
def test_attributes_set_once_in_the_class_are_followed(source: str, expected: tuple[str, ...]) -> None:
    [(found, _, _)] = refs(source)
    assert found == expected


@pytest.mark.parametrize(
    "source",
    [
        'replicate.run(os.environ["M"])\n',
        'replicate.run(os.getenv("M"))\n',
        'replicate.run(os.getenv("M") or os.getenv("N"))\n',
        'def f(model=None):\n    replicate.run(model or "a/b")\n',
        'M = "a/b"\nM = input()\nM = "a/b"\nreplicate.run(M)\n',  # once not a constant, not again
        'M = "a/b"\ndef f(M):\n    replicate.run(M)\n',  # a parameter shadows the constant
        'def getenv(name, default):\n    return name\nreplicate.run(getenv("M", "a/b"))\n',
        'O = "a"\nreplicate.run(f"{O!r}/b")\n',
        'T = {"x": "a/b", **other}\nreplicate.run(T["x"])\n',
        'T = {"x": "a/b"}\nreplicate.run(T["z"])\n',
        'T = {"x": "a/b"}\ndef add(k, m):\n    T[k] = m\ndef go(k):\n    replicate.run(T[k])\n',
        'T = {"x": "a/b"}\nT.update(other)\nreplicate.run(T["x"])\n',
        'M = "a/b"\nM += ":v1"\nreplicate.run(M)\n',
    ],
)
def test_not_constants(source: str) -> None:
    [(found, _, note)] = refs(source)
    assert found == ()
    assert "not a constant" in note


FILE_LIST = ModelFacts(OutputKind.FILE_LIST, "catalog")
TEXT = ModelFacts(OutputKind.TEXT_ITERATOR, "catalog")
FILE_ITERATOR = ModelFacts(OutputKind.FILE_ITERATOR, "catalog")


def test_model_of_several_refs_needs_one_known_kind() -> None:
    models = {"a/b": FILE_LIST, "a/c": FILE_LIST, "a/t": TEXT, "a/s:v1": FILE_ITERATOR, "a/s": FILE_ITERATOR}
    assert model_of(["a/b", "a/c"], models) == FILE_LIST
    assert model_of(["a/b", "a/t"], models) is None  # mixed kinds: unknown
    assert model_of(["a/b", "a/unknown"], models) is None
    assert model_of([], models) is None
    assert model_of(["a/s"], models) == FILE_ITERATOR
    assert model_of(["a/s", "a/s:v1"], models) is None  # streams for one ref, a list for the other


def test_a_class_is_searched_for_its_attribute_stores_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # Each `x = self.attr` asks where the class sets attr: walking the class body per ask
    # made a large class quadratic (a 2,000-line class with 300 such reads took seconds).
    from replicate_migrate.analysis import class_refs

    walks = []
    original = class_refs._find_stores

    def counting(cls: cst.ClassDef) -> object:
        walks.append(cls.name.value)
        return original(cls)

    monkeypatch.setattr(class_refs, "_find_stores", counting)
    reads = "".join(f"    def m{i}(self):\n        v{i} = self.a{i % 7}\n        return v{i}\n" for i in range(60))
    source = INIT + reads + GO + 'class H(G):\n    b = "a/c"\n'
    [(found, _, _)] = refs(source)
    assert found == ("a/b",)
    assert walks.count("G") == 1 and walks.count("H") <= 1, walks
