"""The shared CST edits, on strings in and out: an inserted keyword, `.url` and `str()`
follow the code's own layout, and nothing outside the edited node changes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import libcst as cst
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from replicate_migrate.engine.pipeline import migrate_sources
from replicate_migrate.options import Options
from replicate_migrate.rules.edits import add_keyword, as_str, with_url
from replicate_migrate.runtime import Scenario, run_program

NodeEdit = Callable[[cst.CSTNode], cst.CSTNode]
Pick = Callable[[cst.CSTNode], "cst.CSTNode | None"]


class _EditFirst(cst.CSTTransformer):
    """Applies `edit` to the first node `pick` names (it is given each node, outermost first)."""

    def __init__(self, pick: Pick, edit: NodeEdit) -> None:
        super().__init__()
        self.pick, self.edit = pick, edit
        self.target: cst.CSTNode | None = None
        self.done = False

    def on_visit(self, node: cst.CSTNode) -> bool:
        if self.target is None:
            self.target = self.pick(node)
        return True

    def on_leave(  # type: ignore[override]
        self, original: cst.CSTNode, updated: cst.CSTNode
    ) -> cst.CSTNode:
        if original is self.target and not self.done:
            self.done = True
            return self.edit(updated)
        return updated


def _edited(source: str, pick: Pick, edit: NodeEdit) -> str:
    transformer = _EditFirst(pick, edit)
    code = cst.parse_module(source).visit(transformer).code
    assert transformer.done, "nothing matched"
    cst.parse_module(code)  # the result is Python
    trailing = [line for line in code.splitlines() if line != line.rstrip(" \t")]
    assert not trailing, f"trailing whitespace on {trailing}"
    return code


def _run_call(node: cst.CSTNode) -> cst.CSTNode | None:
    is_run = isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "run"
    return node if is_run else None


def _opt_out(node: cst.CSTNode) -> cst.CSTNode:
    assert isinstance(node, cst.Call)
    return add_keyword(node, "use_file_output", cst.Name("False"))


KEYWORD_CASES = {
    "one_line": ('run("m", input=x)\n', 'run("m", input=x, use_file_output=False)\n'),
    "one_line_one_argument": ('run("m")\n', 'run("m", use_file_output=False)\n'),
    "no_arguments": ("run()\n", "run(use_file_output=False)\n"),
    "one_line_trailing_comma": ('run("m", input=x,)\n', 'run("m", input=x, use_file_output=False,)\n'),
    "space_before_paren": ('run("m", input=x )\n', 'run("m", input=x, use_file_output=False )\n'),
    "star_args_last": ("run(*a)\n", "run(*a, use_file_output=False)\n"),
    "split_no_trailing_comma": (
        'run(\n    "m",\n    input=x\n)\n',
        'run(\n    "m",\n    input=x,\n    use_file_output=False\n)\n',
    ),
    "split_trailing_comma": (
        'run(\n    "m",\n    input=x,\n)\n',
        'run(\n    "m",\n    input=x,\n    use_file_output=False,\n)\n',
    ),
    "paren_after_last_argument": (
        'run(\n    "m",\n    input=x)\n',
        'run(\n    "m",\n    input=x,\n    use_file_output=False)\n',
    ),
    "one_argument_per_line_single": (
        'run(\n    "m"\n)\n',
        'run(\n    "m",\n    use_file_output=False\n)\n',
    ),
    "one_argument_per_line_single_trailing_comma": (
        'run(\n    "m",\n)\n',
        'run(\n    "m",\n    use_file_output=False,\n)\n',
    ),
    "hanging_indent_one_line_of_arguments": (
        'run(\n    "m", input=x\n)\n',
        'run(\n    "m", input=x, use_file_output=False\n)\n',
    ),
    "aligned_indent": (
        'out = run("m",\n          input=x)\n',
        'out = run("m",\n          input=x,\n          use_file_output=False)\n',
    ),
    "aligned_indent_trailing_comma": (
        'out = run("m",\n          input=x,\n          )\n',
        'out = run("m",\n          input=x,\n          use_file_output=False,\n          )\n',
    ),
    "two_per_line": (
        "run(a, b,\n    c, d)\n",
        "run(a, b,\n    c, d, use_file_output=False)\n",
    ),
    "multi_line_last_argument": (
        (
            'output = run(\n    "m",\n    input={\n        "prompt": prompt,\n        "num_outputs": 1\n'
            "    }\n)\n"
        ),
        (
            'output = run(\n    "m",\n    input={\n        "prompt": prompt,\n        "num_outputs": 1\n'
            "    },\n    use_file_output=False\n)\n"
        ),
    ),
    "dict_hugging_the_parens": (
        'run("m", input={\n    "prompt": p,\n})\n',
        'run("m", input={\n    "prompt": p,\n}, use_file_output=False)\n',
    ),
    "comment_after_opening_paren": (
        'run(  # generate\n    "m",\n    input=x\n)\n',
        'run(  # generate\n    "m",\n    input=x,\n    use_file_output=False\n)\n',
    ),
    "comment_after_opening_paren_single_argument": (
        'run(  # generate\n    "m"\n)\n',
        'run(  # generate\n    "m",\n    use_file_output=False\n)\n',
    ),
    "comment_after_opening_paren_one_line_of_arguments": (
        'run(  # generate\n    "m", input=x\n)\n',
        'run(  # generate\n    "m", input=x, use_file_output=False\n)\n',
    ),
    "comment_after_first_argument": (
        'run(\n    "m",  # the model\n    input=x\n)\n',
        'run(\n    "m",  # the model\n    input=x,\n    use_file_output=False\n)\n',
    ),
    "comment_after_last_argument": (
        'run(\n    "m",\n    input=x  # the input\n)\n',
        'run(\n    "m",\n    input=x,  # the input\n    use_file_output=False\n)\n',
    ),
    "comment_after_last_argument_trailing_comma": (
        'run(\n    "m",\n    input=x,  # the input\n)\n',
        'run(\n    "m",\n    input=x,  # the input\n    use_file_output=False,\n)\n',
    ),
    "comment_after_every_argument": (
        'run(\n    "m",  # the model\n    input=x,  # the input\n)\n',
        'run(\n    "m",  # the model\n    input=x,  # the input\n    use_file_output=False,\n)\n',
    ),
    "comment_on_one_line_of_arguments": (
        'run(\n    "m", input=x  # both\n)\n',
        'run(\n    "m", input=x, use_file_output=False  # both\n)\n',
    ),
    "comment_line_before_closing_paren": (
        'run(\n    "m",\n    input=x\n    # done\n)\n',
        'run(\n    "m",\n    input=x,\n    use_file_output=False\n    # done\n)\n',
    ),
    "blank_line_between_arguments": (
        'run(\n    "m",\n\n    input=x\n)\n',
        'run(\n    "m",\n\n    input=x,\n    use_file_output=False\n)\n',
    ),
    "double_star_kwargs_last": (
        'run("m", input=x, **opts)\n',
        'run("m", input=x, use_file_output=False, **opts)\n',
    ),
    "double_star_kwargs_only": ("run(**opts)\n", "run(use_file_output=False, **opts)\n"),
    "double_star_kwargs_split": (
        'run(\n    "m",\n    input=x,\n    **opts\n)\n',
        'run(\n    "m",\n    input=x,\n    use_file_output=False,\n    **opts\n)\n',
    ),
    "double_star_kwargs_split_after_comment": (
        'run(\n    "m",\n    input=x,  # the input\n    **opts,\n)\n',
        'run(\n    "m",\n    input=x,  # the input\n    use_file_output=False,\n    **opts,\n)\n',
    ),
    "double_star_kwargs_only_split": (
        "run(\n    **opts\n)\n",
        "run(\n    use_file_output=False,\n    **opts\n)\n",
    ),
    "inside_function": (
        'def f():\n    out = run(\n        "m",\n        input=x\n    )\n',
        'def f():\n    out = run(\n        "m",\n        input=x,\n        use_file_output=False\n    )\n',
    ),
    "inside_method": (
        'class A:\n    def f(self):\n        return run("m",\n                   input=x)\n',
        (
            'class A:\n    def f(self):\n        return run("m",\n                   input=x,\n'
            "                   use_file_output=False)\n"
        ),
    ),
    "tabs": (
        'def f():\n\tout = run(\n\t\t"m",\n\t\tinput=x\n\t)\n',
        'def f():\n\tout = run(\n\t\t"m",\n\t\tinput=x,\n\t\tuse_file_output=False\n\t)\n',
    ),
    "nested_in_another_call": (
        'print(run(\n    "m",\n    input=x\n).startswith("h"))\n',
        'print(run(\n    "m",\n    input=x,\n    use_file_output=False\n).startswith("h"))\n',
    ),
    "nested_in_another_calls_arguments": (
        'json.dumps(\n    run("m",\n        input=x),\n    indent=2,\n)\n',
        'json.dumps(\n    run("m",\n        input=x,\n        use_file_output=False),\n    indent=2,\n)\n',
    ),
}


@pytest.mark.parametrize(("source", "expected"), KEYWORD_CASES.values(), ids=KEYWORD_CASES.keys())
def test_add_keyword_follows_the_call_layout(source: str, expected: str) -> None:
    assert _edited(source, _run_call, _opt_out) == expected


def test_add_keyword_keeps_crlf() -> None:
    source = 'run(\r\n    "m",  # the model\r\n    input=x\r\n)\r\n'
    expected = 'run(\r\n    "m",  # the model\r\n    input=x,\r\n    use_file_output=False\r\n)\r\n'
    assert _edited(source, _run_call, _opt_out) == expected


def _value_of_x(node: cst.CSTNode) -> cst.CSTNode | None:
    """The value assigned by `x = ...`: where the analysis puts `.url` or `str()`."""
    if isinstance(node, cst.Assign):
        target = node.targets[0].target
        return node.value if isinstance(target, cst.Name) and target.value == "x" else None
    return None


def _edit_value(source: str, edit: Callable[[cst.BaseExpression], cst.BaseExpression]) -> str:
    def apply(node: cst.CSTNode) -> cst.CSTNode:
        assert isinstance(node, cst.BaseExpression)
        return edit(node)

    return _edited(source, _value_of_x, apply)


URL_CASES = {
    "name": ("x = out\n", "x = out.url\n"),
    "subscript": ("x = out[0]\n", "x = out[0].url\n"),
    "key": ('x = out["image"]\n', 'x = out["image"].url\n'),
    "call": ('x = out.get("image")\n', 'x = out.get("image").url\n'),
    "boolean_operation": ("x = a or b\n", "x = (a or b).url\n"),
    "conditional": ("x = a if c else b\n", "x = (a if c else b).url\n"),
    "await": ("x = await f()\n", "x = (await f()).url\n"),
    "already_parenthesised": ("x = (a or b)\n", "x = (a or b).url\n"),
    "parenthesised_atom": ("x = (out[0])\n", "x = (out[0].url)\n"),
    "multi_line_parentheses": ("x = (\n    out[0]\n)\n", "x = (\n    out[0].url\n)\n"),
    "multi_line_subscript": ("x = out[\n    0\n]\n", "x = out[\n    0\n].url\n"),
    "multi_line_or": (
        "x = (\n    a  # first\n    or b\n)\n",
        "x = (\n    a  # first\n    or b\n).url\n",
    ),
    "concatenation_of_strings": ('x = "a" "b"\n', 'x = ("a" "b").url\n'),
}


@pytest.mark.parametrize(("source", "expected"), URL_CASES.values(), ids=URL_CASES.keys())
def test_with_url_parenthesises_only_where_needed(source: str, expected: str) -> None:
    assert _edit_value(source, with_url) == expected


STR_CASES = {
    "name": ("x = out\n", "x = str(out)\n"),
    "subscript": ("x = out[0]\n", "x = str(out[0])\n"),
    "parentheses_dropped": ("x = (a or b)\n", "x = str(a or b)\n"),
    "already_str": ("x = str(out)\n", "x = str(out)\n"),
    "tuple_keeps_its_parentheses": ("x = (a, b)\n", "x = str((a, b))\n"),
    "generator_keeps_its_parentheses": ("x = (a for a in b)\n", "x = str((a for a in b))\n"),
    "parentheses_with_comment_kept": (
        "x = (  # the first\n    out[0]\n)\n",
        "x = str(  # the first\n    out[0]\n)\n",
    ),
}


@pytest.mark.parametrize(("source", "expected"), STR_CASES.values(), ids=STR_CASES.keys())
def test_as_str_wraps_once(source: str, expected: str) -> None:
    assert _edit_value(source, as_str) == expected


# -- through the engine: the edited call is rendered inside its block and spliced back --

_CALL = (
    '{i}output = replicate.run(\n'
    '{i}    "acme/house-style",  # pinned by the design team\n'
    '{i}    input={{\n'
    '{i}        "prompt": prompt,\n'
    '{i}        "num_outputs": 1\n'
    '{i}    }}\n'
    '{i})\n'
    '{i}print(output.startswith("https://"))\n'
)
_OPTED_OUT = (
    '{i}output = replicate.run(\n'
    '{i}    "acme/house-style",  # pinned by the design team\n'
    '{i}    input={{\n'
    '{i}        "prompt": prompt,\n'
    '{i}        "num_outputs": 1\n'
    '{i}    }},\n'
    '{i}    use_file_output=False\n'
    '{i})\n'
    '{i}print(output.startswith("https://"))\n'
)


def _migrated(source: bytes) -> bytes:
    outcome = migrate_sources([("program.py", source)], Options(jobs=1))
    [result] = outcome.results
    assert result.error is None, result.error
    assert result.migrated is not None, "nothing was rewritten"
    return result.migrated


def test_crlf_file_keeps_crlf_and_every_other_byte() -> None:
    head = 'import replicate\r\n\r\nprompt = "a lighthouse"  # \xe9t\xe9\r\n'
    source = head + _CALL.format(i="").replace("\n", "\r\n")
    expected = head + _OPTED_OUT.format(i="").replace("\n", "\r\n")
    assert _migrated(source.encode()) == expected.encode()


def test_crlf_and_tabs_inside_a_function() -> None:
    head = "import replicate\r\n\r\n\r\ndef main(prompt):\r\n"
    tail = '\r\n\r\nmain("a lighthouse")\r\n'
    source = head + _CALL.format(i="\t").replace("    ", "\t").replace("\n", "\r\n") + tail
    expected = head + _OPTED_OUT.format(i="\t").replace("    ", "\t").replace("\n", "\r\n") + tail
    assert _migrated(source.encode()) == expected.encode()


def _filler(count: int) -> str:
    return "".join(f"def helper_{n}(value):\n    return value * {n}  # unrelated\n\n\n" for n in range(count))


@pytest.mark.parametrize(
    ("wrap", "indent"),
    [("", ""), ("class Outer:\n    def make(self):\n        def inner():\n", "            ")],
    ids=["module_level", "function_in_a_method"],
)
def test_large_file_split_into_groups(wrap: str, indent: str) -> None:
    # Past 16 KB the file is split into statement groups and only the group with the
    # call is parsed and re-rendered: the rest must come back byte for byte.
    head = 'import replicate\n\nprompt = "a lighthouse"\n\n\n' + _filler(300)
    tail = "\n\n" + _filler(300)
    source = head + wrap + _CALL.format(i=indent) + tail
    assert len(source) > 32_000
    assert _migrated(source.encode()) == (head + wrap + _OPTED_OUT.format(i=indent) + tail).encode()


LAYOUTS = sorted(Path(__file__).parents[1].glob("fixtures/RM001/layout_*"))


@pytest.mark.parametrize("case", LAYOUTS, ids=lambda case: case.name)
def test_layout_fixture_needs_its_edit(case: Path, tmp_path: Path) -> None:
    """Each layout fixture's input behaves differently under 1.0 unmigrated, so the
    edit it checks is one the migration must make."""
    scenario = Scenario.load(case / "scenario.json")
    before = run_program(case / "input.py", scenario, "0.34", tmp_path / "before")
    after = run_program(case / "input.py", scenario, "1.0", tmp_path / "after")
    assert (after.stdout, after.files, after.exception) != (before.stdout, before.files, before.exception)


# -- any layout: generated calls keep their shape --------------------------------------

_ARGUMENTS = ['"acme/model"', "input=payload", 'input={\n    "prompt": p,\n}', "wait=True"]


@st.composite
def _calls(draw: st.DrawFn) -> tuple[str, str, bool]:
    """(source, indent of the arguments, one argument per line) of a generated call."""
    block = draw(st.sampled_from(["", "    ", "\t"]))  # the enclosing block's indent
    style = draw(st.sampled_from(["one_line", "hanging", "per_line", "aligned"]))
    args = [_ARGUMENTS[0], *draw(st.lists(st.sampled_from(_ARGUMENTS[1:]), max_size=3))]
    args += ["**options"] if draw(st.booleans()) else []
    trailing = "," if draw(st.booleans()) else ""
    head = f"{block}out = run("
    if style == "one_line":
        return f"{head}{', '.join(args)}{trailing})\n", "", False
    inner = " " * len(head) if style == "aligned" else block + "    "
    pieces = [a.replace("\n", "\n" + inner) for a in args]
    comments = [draw(st.sampled_from(["", "  # note"])) for _ in args]
    opening = "" if style == "aligned" else draw(st.sampled_from(["", "  # open"]))
    if style == "hanging":  # every argument on one continuation line
        body = f"{opening}\n{inner}{', '.join(pieces)}{trailing}{comments[-1]}\n{block})"
        return head + body + "\n", inner, len(pieces) == 1  # one argument: it is on its own line
    commas = [","] * (len(pieces) - 1) + [trailing]
    lines = [p + c + note for p, c, note in zip(pieces, commas, comments)]
    own_line = draw(st.booleans()) or bool(comments[-1])  # `)` on its own line
    if style == "aligned":
        end = f"\n{inner})" if own_line else ")"
        return head + f"\n{inner}".join(lines) + end + "\n", inner, len(pieces) > 1
    end = f"\n{block})" if own_line else ")"
    return f"{head}{opening}\n{inner}" + f"\n{inner}".join(lines) + end + "\n", inner, True


@settings(max_examples=150, deadline=None)
@given(_calls())
def test_generated_layouts_stay_well_formed(case: tuple[str, str, bool]) -> None:
    source, inner, per_line = case
    wrapped = ("def f():\n" if source.startswith(("\t", " ")) else "") + source
    code = _edited(wrapped, _run_call, _opt_out)  # parses, no trailing whitespace
    added = [line for line in code.splitlines() if "use_file_output" in line]
    assert len(added) == 1
    assert code.count("#") == wrapped.count("#")  # no comment lost or copied
    assert len(code.splitlines()) - len(wrapped.splitlines()) == (1 if per_line else 0)
    if per_line:  # on its own line at the other arguments' indentation
        assert added[0].rstrip(",)") == inner + "use_file_output=False"
    assert _tokens(code.replace("use_file_output=False", "")) == _tokens(wrapped)


def _tokens(code: str) -> str:
    """The code without whitespace and commas: what an insertion must leave in order."""
    return "".join(code.split()).replace(",", "")
