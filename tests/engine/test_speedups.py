"""The LibCST internals render() uses, and the public route that replaces them elsewhere."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest
from fixture_trees import CASES

from replicate_migrate.engine import speedups
from replicate_migrate.engine.pipeline import migrate_sources
from replicate_migrate.options import Options

INPUTS = sorted(p for case in CASES for p in [case / "input.py", *(case / "input").rglob("*.py")] if p.is_file())
NESTED = '''import replicate


class Studio:
    def paint(self, prompt):
        if prompt:
            out = replicate.run(
                "black-forest-labs/flux-schnell",
                input={"prompt": prompt},

            )
            return out[0].startswith(
                "https://"
            )
'''


class _Nodes(cst.CSTVisitor):
    def __init__(self) -> None:
        self.nodes: list[cst.CSTNode] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        # Never rendered alone: a module (a group's nodes are inside one), a clause.
        if not isinstance(node, (cst.Module, *speedups._CLAUSES)):
            self.nodes.append(node)
        return True


@pytest.mark.skipif(speedups.FAST is None, reason="this LibCST is not one the fast route is tested on")
@pytest.mark.parametrize("path", INPUTS, ids=lambda p: str(p.relative_to(p.parents[2])))
def test_the_public_route_renders_every_node_as_libcst_does(path: Path) -> None:
    assert speedups.FAST is not None
    module = cst.parse_module(path.read_bytes())
    visitor = _Nodes()
    module.visit(visitor)
    for node in visitor.nodes:
        for indent in ("", "    ", "\t", "        "):
            assert _code(speedups.render_public, node, module, indent) == _code(speedups.FAST, node, module, indent)


def _code(render: speedups.Render, node: cst.CSTNode, module: cst.Module, indent: str) -> str:
    try:
        return render(node, module, indent)
    except Exception as error:  # noqa: BLE001 - an annotation alone fails alike on both routes
        return f"{type(error).__name__}: {error}"


def test_a_run_on_the_public_route_gives_the_same_files(monkeypatch: pytest.MonkeyPatch) -> None:
    sources = [("studio.py", NESTED.encode())] + [(str(p), p.read_bytes()) for p in INPUTS]
    fast = {r.path: r.migrated for r in migrate_sources(sources, Options(jobs=1)).results}
    monkeypatch.setattr(speedups, "render", speedups.render_public)
    public = {r.path: r.migrated for r in migrate_sources(sources, Options(jobs=1)).results}
    assert public == fast
    assert sum(code is not None for code in fast.values()) > 100
    assert b"out[0].url.startswith(\n" in (fast["studio.py"] or b"")


def test_an_untested_libcst_takes_the_public_route(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(speedups, "_TESTED", ("0.0.",))
    assert speedups._fast() is None
