"""The one use of LibCST internals, behind a version check, and its public-API twin.

Splicing an edit needs a node's code as it stands inside an indented block. LibCST's own
codegen does that with an indent given (`CodegenState(indent_tokens=...)`, `_codegen`):
private names, used on the LibCST versions they are known to work on (FAST). Any other
version, or a missing name, takes render_public(): the node inside a block of that
indent, rendered by `Module.code`, then cut out (statements), or the indent written into
the node's own whitespace (other nodes). tests/engine/test_speedups.py pins that both
give the same code. Outline (outline.py) uses public CPython API only.
"""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst

Render = Callable[[cst.CSTNode, cst.Module, str], str]

# LibCST releases whose CodegenState and _codegen render() was tested on.
_TESTED = ("1.",)


def render_public(node: cst.CSTNode, module: cst.Module, indent: str) -> str:
    """`node`'s code inside a block indented by `indent`, with public API only."""
    layout = module.with_changes(body=(), header=(), footer=())
    if not indent:
        return layout.code_for_node(node)
    if isinstance(node, _CLAUSES):
        raise TypeError(f"{type(node).__name__} is rendered as part of its statement only")
    if isinstance(node, cst.BaseStatement):
        block = cst.If(cst.Name("x"), cst.IndentedBlock((node,), indent=indent))
        code = layout.code_for_node(block)
        return code[code.index(layout.default_newline) + len(layout.default_newline) :]
    indented = node.visit(_Indented(indent))
    assert isinstance(indented, cst.CSTNode)  # the transformer replaces whitespace only
    return layout.code_for_node(indented)


# Parts of compound statements that indent themselves (clauses, blocks, decorators): no
# edit renders one alone.
_CLAUSES = (
    cst.BaseSuite, cst.Else, cst.ExceptHandler, cst.ExceptStarHandler, cst.Finally, cst.MatchCase, cst.Decorator,
)


class _Indented(cst.CSTTransformer):
    """Writes the enclosing indent into the whitespace that codegen would indent."""

    def __init__(self, indent: str) -> None:
        super().__init__()
        self.indent = indent

    def leave_ParenthesizedWhitespace(
        self, original: cst.ParenthesizedWhitespace, updated: cst.ParenthesizedWhitespace
    ) -> cst.ParenthesizedWhitespace:
        if not updated.indent:
            return updated
        last = cst.SimpleWhitespace(self.indent + updated.last_line.value)
        return updated.with_changes(indent=False, last_line=last)

    def leave_EmptyLine(self, original: cst.EmptyLine, updated: cst.EmptyLine) -> cst.EmptyLine:
        if not updated.indent:
            return updated
        return updated.with_changes(indent=False, whitespace=cst.SimpleWhitespace(self.indent + updated.whitespace.value))


def _fast() -> Render | None:
    try:
        from libcst._nodes.internal import CodegenState
        from libcst._version import __version__
    except ImportError:
        return None
    if not __version__.startswith(_TESTED):
        return None

    def render(node: cst.CSTNode, module: cst.Module, indent: str) -> str:
        state = CodegenState(module.default_indent, module.default_newline, indent_tokens=[indent])
        node._codegen(state)
        return "".join(state.tokens)

    return render


FAST = _fast()
render: Render = FAST or render_public
