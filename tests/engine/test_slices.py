from __future__ import annotations

import textwrap
from pathlib import Path

import libcst as cst
import libcst.matchers as m
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from libcst.metadata import MetadataWrapper, PositionProvider

from replicate_migrate.engine import slices
from replicate_migrate.engine.pipeline import migrate_sources
from replicate_migrate.engine.slices import Sliced, SliceError
from replicate_migrate.engine.source import SourceError
from replicate_migrate.options import Options
from replicate_migrate.results import Action, FileResult


def fillers(count: int, prefix: str = "filler") -> str:
    body = "(x):\n    y = x + 1\n    return y * 2\n\n\n"
    return "".join(f"def {prefix}_{i}{body}" for i in range(count))


def sliced(text: str) -> Sliced:
    result = Sliced.of_text(text, "a.py")
    result.select({"replicate"}, ())
    return result


def chosen(result: Sliced) -> list[str]:
    """The first line of each selected group."""
    return [g.text.splitlines()[0] for g in result.groups if g.module is not None]


def migrate(sources: list[tuple[str, bytes]]) -> list[FileResult]:
    return list(migrate_sources(sources, Options(jobs=1)).results)


def test_only_groups_mentioning_replicate_are_parsed() -> None:
    call = 'def paint(p):\n    return replicate.run("a/b", input={"p": p})\n'
    text = "import os\n\n" + fillers(30) + "import replicate\n\n" + fillers(30, "more") + call
    result = sliced(text)
    assert len(result.groups) == 63
    assert chosen(result) == ["import replicate", "def paint(p):"]
    body = result.module().body
    assert [type(s).__name__ for s in body] == ["SimpleStatementLine", "FunctionDef"]
    assert isinstance(body[1], cst.FunctionDef) and body[1].name.value == "paint"
    assert result.group_of(body[1]).first == text.splitlines().index("def paint(p):") + 1


def test_closure_and_definitions() -> None:
    text = textwrap.dedent(
        """\
        import replicate
        MODEL = "a/b"
        UNUSED = "c/d"
        def make():
            return replicate.run(MODEL, input={})
        def caller():
            return make()
        def unrelated():
            return UNUSED
        client = replicate.Client()
        client = None
        def setup():
            global conn
            conn = make()
        def use_conn():
            return conn.predictions
        """
    )
    assert chosen(sliced(text)) == [
        "import replicate",
        'MODEL = "a/b"',  # a definition the chosen `make` uses
        "def make():",
        "def caller():",  # calls a tainted wrapper
        "client = replicate.Client()",
        "client = None",  # rebinds a tainted name
        "def setup():",
        "def use_conn():",  # `global conn` in setup binds conn at module level
    ]
    # Without the `global` statement, `conn` is local to setup: use_conn is not needed.
    assert "def use_conn():" not in chosen(sliced(text.replace("    global conn\n", "")))


def test_provide_selects_definition_and_what_it_uses() -> None:
    text = 'LIMIT = 3\nOTHER = 4\ndef save(url):\n    """replicate"""\n    return url[:LIMIT]\n'
    text += "def skip():\n    return OTHER\n"
    result = Sliced.of_text(text, "a.py")
    assert result.select((), {"save"})
    assert chosen(result) == ["LIMIT = 3", "def save(url):"]
    assert not result.select((), {"save"})  # nothing new: no growth


TRICKY = textwrap.dedent(
    """\
    import replicate
    class Painter:
        def paint(self, prompt):
            if prompt:
                out = replicate.run(
                    "a/b",
                    input={"prompt": prompt,
                           "n": 2},
                )
                same = ( replicate.run("a/b") )
                same = ( replicate.run("a/b") )
            return out, same
    def tabbed():
    \tfor _ in range(2):
    \t\tx = replicate.run(
    \t\t\t"c/d", input={"a": [1,
    \t\t\t2]})
    \treturn x
    """
)


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_where_matches_position_provider(newline: str) -> None:
    result = sliced(TRICKY.replace("\n", newline))
    calls = 0
    for group in result.selected:
        assert group.module is not None
        positions = MetadataWrapper(group.module, unsafe_skip_copy=True).resolve(PositionProvider)
        for node, expected in positions.items():
            if not isinstance(node, cst.Call):
                continue
            calls += 1
            got, shift = group.where(node), group.first - 1
            start, end = expected.start, expected.end
            assert (got.start.line - shift, got.start.column) == (start.line, start.column)
            assert (got.end.line - shift, got.end.column) == (end.line, end.column)
    assert calls == 5  # four run() calls and range()


def test_span_and_render_of_indented_call() -> None:
    group = sliced(TRICKY.replace("\n", "\r\n")).selected[1]
    assert group.text.startswith("class Painter:") and group.module is not None
    multi, first, second = m.findall(group.module, m.Call())
    start, end, indent = group.span(multi)
    assert indent == " " * 12
    assert group.text[start:end] == group.render(multi, indent)
    assert group.text[start:end].startswith("replicate.run(\r\n" + " " * 16 + '"a/b",\r\n')
    assert group.text[start:end].endswith("\r\n" + " " * 12 + ")")
    # Two identical parenthesized calls: each span is its own, parentheses included.
    spans = [group.span(first), group.span(second)]
    assert spans[0][0] < spans[1][0]
    for start, end, indent in spans:
        assert group.text[start:end] == '( replicate.run("a/b") )' == group.render(first, indent)


@pytest.mark.parametrize(
    "text",
    ["import replicate\rx = replicate.run('a/b')\n", "x = 1\ny = 2\r"],
    ids=["lone-cr", "trailing-lone-cr"],
)
def test_unsplittable_file_is_one_whole_group(text: str) -> None:
    result = Sliced.of_text(text, "a.py")
    assert result.whole and len(result.groups) == 1
    assert result.groups[0].text == text and result.groups[0].first == 1


def test_text_cpython_rejects_is_a_syntax_error() -> None:
    with pytest.raises(SourceError, match=r"^a\.py:2:5: syntax error: invalid syntax$"):
        Sliced.of_text("import replicate\nx = = 1\n", "a.py")


def test_empty_text() -> None:
    result = Sliced.of_text("", "a.py")
    assert not result.whole and result.groups == []
    result.select({"replicate"}, ())
    assert result.module().body == []
    assert result.splice("", []) == ""


def test_splice_replaces_exactly_the_group_lines() -> None:
    # A form feed is not a line end for Python: line numbers must not count it.
    text = "a = 1  # \x0c\r\nimport replicate\r\nx = replicate.run(\r\n    'm/n')\r\nb = 2\r\n"
    result = sliced(text)
    group = result.selected[-1]
    assert (group.first, group.last) == (3, 4)
    new = result.splice(text, [(group, "x = 0\r\n")])
    assert new == "a = 1  # \x0c\r\nimport replicate\r\nx = 0\r\nb = 2\r\n"


FLUX = "black-forest-labs/flux-schnell"
PAINT = textwrap.dedent(
    f"""\
    def paint(prompt):
        output = replicate.run("{FLUX}", input={{"prompt": prompt}})
        if output[0].startswith("https://replicate.delivery/"):
            return "hosted"
        return "external"
    """
)


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_big_module_changes_only_the_call_function(tmp_path: Path, newline: str) -> None:
    text = "import replicate\n\n\n" + fillers(700) + PAINT + "\n\n" + fillers(700, "after")
    data = text.replace("\n", newline).encode()
    assert data.count(newline.encode()) > 5000
    [result] = migrate([(str(tmp_path / "big.py"), data)])
    assert result.error is None and result.migrated is not None
    old, new = data.splitlines(keepends=True), result.migrated.splitlines(keepends=True)
    assert len(old) == len(new)
    changed = [i for i, (a, b) in enumerate(zip(old, new)) if a != b]
    assert len(changed) == 1
    assert old[changed[0]].strip() == b'if output[0].startswith("https://replicate.delivery/"):'
    assert new[changed[0]] == old[changed[0]].replace(b"output[0].", b"output[0].url.")
    assert all(line.endswith(newline.encode()) for line in new)
    assert [f.action for f in result.findings] == [Action.REWRITTEN]


NESTED = textwrap.dedent(
    f"""\
    class Painter:
        def paint(self, prompt):
            if prompt:
                output = replicate.run(
                    "{FLUX}",
                    input={{"prompt": prompt}},
                )
                print(output)
    """
)


def test_nested_multiline_call_rewritten_as_in_small_file(tmp_path: Path) -> None:
    # As tests/fixtures/RM001/strategy_opt_out_startswith_first_item: a multi-line call
    # gets `use_file_output=False,` as one more argument line (print(list) opts out).
    close = "            )\n"
    expected = NESTED.replace(close, "                use_file_output=False,\n" + close)
    assert expected != NESTED
    small = "import replicate\n\n\n" + NESTED
    big = "import replicate\n\n\n" + fillers(500) + NESTED + "\n\n" + fillers(500, "after")
    for text in (small, big):
        [result] = migrate([(str(tmp_path / "paint.py"), text.encode())])
        assert result.error is None and result.migrated is not None
        assert result.migrated.decode() == text.replace(NESTED, expected)
        assert [f.action for f in result.findings] == [Action.OPTED_OUT]


def test_cross_file_definition_mentioning_replicate_only_in_docstring(tmp_path: Path) -> None:
    a = textwrap.dedent(
        f"""\
        import replicate
        from b import save

        output = replicate.run("{FLUX}", input={{"prompt": "a fox"}})
        save(output[0])
        """
    )
    b = fillers(200) + textwrap.dedent(
        """\
        def save(url):
            \"\"\"Keep a replicate delivery URL.\"\"\"
            if url.startswith("https"):
                print(url)
        """
    )
    results = migrate([(str(tmp_path / "a.py"), a.encode()), (str(tmp_path / "b.py"), b.encode())])
    by_name = {Path(r.path).name: r for r in results}
    first = by_name["a.py"]
    assert first.error is None
    [finding] = first.findings
    assert finding.action is Action.REWRITTEN, finding.message
    assert "callers are not all known" not in finding.message
    assert first.migrated == a.replace("save(output[0])", "save(output[0].url)").encode()
    assert by_name.get("b.py") is None or by_name["b.py"].migrated is None


def test_repeated_code_is_found_through_its_statement() -> None:
    text = textwrap.dedent(
        """\
        import replicate


        def make(path):
            output = replicate.run("m/n", input={})
            url = output[0]
            with open(path, "wb") as f:
                f.write(output[0].read())
        """
    )
    sliced = Sliced.of_text(text, "a.py")
    sliced.select({"replicate"}, set())
    group = sliced.groups[1]
    module = group.parse()
    function = module.body[0]
    assert isinstance(function, cst.FunctionDef)
    statement = function.body.body[1]  # url = output[0]
    subscript = m.findall(statement, m.Subscript())[0]
    where = group.where(subscript, statement)
    assert (where.start.line, where.start.column, where.end.column) == (6, 10, 19)
    assert group.positions is None  # found by its code, not by a positioned codegen
    start, end, indent = group.span(subscript, statement)
    assert group.text[start:end] == "output[0]" and indent == ""  # one line: no indent needed
    assert group.text[:start].endswith("url = ")


# --- the closure: what it selects, on long chains and against a plain fixpoint ----------


def test_a_chain_of_groups_is_followed_to_its_end() -> None:
    # Each value flows to the next group; every group of the chain can meet the result,
    # and each definition the chain's last group uses is needed in turn.
    n = 3000
    chain = "".join(f"v{i} = v{i - 1}\n" for i in range(1, n))
    definitions = "d0 = 'a/b'\n" + "".join(f"d{i} = d{i - 1}\n" for i in range(1, n))
    unrelated = "".join(f"u{i} = {i}\n" for i in range(n))
    text = definitions + unrelated + "import replicate\nv0 = replicate.run(d2999)\n" + chain
    result = sliced(text)
    picked = chosen(result)
    assert picked[:n] == [f"d{i} = d{i - 1}" if i else "d0 = 'a/b'" for i in range(n)]
    assert picked[n:] == ["import replicate", "v0 = replicate.run(d2999)", *chain.splitlines()]


NAMES = ["a", "b", "c", "d"]
TEMPLATES = [
    "{x} = {y}",
    "{x} = replicate.run({y})",
    "def {x}():\n    return {y}",
    "print({x}, {y})",
    "{x}.attr = {y}",
    "for {x} in {y}:\n    pass",
    "def {x}():\n    global {y}\n    {y} = 1",
    "if {x}:\n    import {y}",
]


def _fixpoint(groups: list[tuple[frozenset[str], frozenset[str]]], taint: set[str], provide: set[str]) -> set[int]:
    """The closure by its definition, repeated until nothing changes: (words, binds) per group."""
    chosen: set[int] = set()
    names = set(taint)
    while grown := {i for i, (words, _) in enumerate(groups) if i not in chosen and words & names}:
        chosen |= grown
        names |= {n for i in grown for n in groups[i][1]}
    used = set(provide) | {w for i in chosen for w in groups[i][0]}
    while grown := {i for i, (_, binds) in enumerate(groups) if i not in chosen and binds & used}:
        chosen |= grown
        used |= {w for i in grown for w in groups[i][0]}
    return chosen


def _everything_visible(monkeypatch: pytest.MonkeyPatch) -> None:
    """The closure without hiding rebindings no statement sees (its plain definition)."""
    monkeypatch.setattr(slices._Index, "binders", lambda self, name: self.binding.get(name, []))


PROGRAMS = st.lists(st.tuples(st.sampled_from(TEMPLATES), st.sampled_from(NAMES), st.sampled_from(NAMES)), max_size=12)


@given(PROGRAMS, st.sets(st.sampled_from(NAMES)))
def test_the_closure_equals_a_plain_fixpoint(statements: list[tuple[str, str, str]], provide: set[str]) -> None:
    text = "".join(t.format(x=x, y=y) + "\n" for t, x, y in statements)
    with pytest.MonkeyPatch.context() as monkeypatch:
        _everything_visible(monkeypatch)
        result = Sliced.of_text(text, "a.py")
        result.select({"replicate"}, provide)
    expected = _fixpoint([(g.words, g.binds) for g in result.groups], {"replicate"}, provide)
    assert [g.first for g in result.selected] == [result.groups[i].first for i in sorted(expected)]


REBINDING = [
    "{x} = {y}",
    "{x} = {n}",
    "{x} = 'black-forest-labs/flux-schnell'",
    "{x} = {{'k': 'black-forest-labs/flux-schnell'}}",
    "{x} = replicate.run({y}, input={{}})",
    "{x} = replicate.run({y}['k'], input={{}})",
    "print({x}[0].startswith('h'))",
    "def {x}(v):\n    return v.startswith({y})",
    "{x}({y})",
]


@settings(deadline=None, max_examples=60)
@example(  # a table of model refs outlives a rebinding of its name (`a = 1`)
    [(REBINDING[3], "a", "a", 0), (REBINDING[1], "a", "a", 1), (REBINDING[5], "b", "a", 0), (REBINDING[6], "b", "b", 0)]
)
@given(st.lists(st.tuples(st.sampled_from(REBINDING), st.sampled_from(NAMES), st.sampled_from(NAMES), st.integers(0, 3)), max_size=14))
def test_hidden_rebindings_change_nothing(statements: list[tuple[str, str, str, int]]) -> None:
    text = "import replicate\n" + "".join(t.format(x=x, y=y, n=n) + "\n" for t, x, y, n in statements)
    source = [("a.py", text.encode())]
    hidden = migrate(source)[0]
    with pytest.MonkeyPatch.context() as monkeypatch:
        _everything_visible(monkeypatch)
        visible = migrate(source)[0]
    assert (hidden.migrated, hidden.error) == (visible.migrated, visible.error)
    assert [(f.line, f.column, f.action, f.message) for f in hidden.findings] == [
        (f.line, f.column, f.action, f.message) for f in visible.findings
    ]


def test_only_the_last_of_a_run_of_rebindings_is_needed() -> None:
    text = "import replicate\n" + "x = 1\n" * 500 + "out = replicate.run('a/b', input={'n': x})\n"
    assert chosen(sliced(text)) == ["import replicate", "x = 1", "out = replicate.run('a/b', input={'n': x})"]
    assert [g.first for g in sliced(text).selected] == [1, 501, 502]
    read = text.replace("x = 1\n" * 500, "x = 1\n" * 250 + "x = x + 1\n" + "x = 1\n" * 249)
    assert [g.first for g in sliced(read).selected] == [1, 251, 252, 501, 502]  # x + 1 reads the one before
    said = text.replace("x = 1\n" * 500, "x = 1\n" * 250 + "print(x)\n" + "x = 1\n" * 249)
    assert [g.first for g in sliced(said).selected] == [1, 251, 501, 502]  # print(x) says x: 251 is seen


LAYOUTS = textwrap.dedent(
    """\
    import replicate  # a comment
    @decorator
    # between decorators
    @other(1,
           2)
    def first(a):
      return a  # two-space indent
    x = 1; y = 2
    class Thing:
    \tvalue = 1  # a tab
    if x:
        z = 1
    else:
        z = 2
    text = '''
    not code
    '''
    last = replicate.run("a/b", input={"x": x, "y": y, "text": text, "f": first, "t": Thing, "z": z})"""
)


@pytest.mark.parametrize("newlines", ["\n", "\r\n", "mixed"])
@pytest.mark.parametrize("final_newline", [True, False])
def test_groups_parsed_in_one_run_give_back_their_text(newlines: str, final_newline: bool) -> None:
    lines = LAYOUTS.split("\n")
    ends = ["\r\n" if newlines == "\r\n" or (newlines == "mixed" and i % 2) else "\n" for i in range(len(lines))]
    text = "".join(line + end for line, end in zip(lines, ends))
    text = text if final_newline else text.rstrip("\r\n")
    result = sliced(text)
    assert len(result.selected) == len(result.groups) == 7  # all in one run
    for group in result.groups:
        assert group.module is not None and group.module.code == group.text
        (statement,) = group.module.body
        alone = cst.parse_module(group.text)
        assert group.render(statement, "") == alone.code_for_node(alone.body[0])
    assert migrate([("a.py", text.encode())])[0].error is None


def test_a_run_that_does_not_map_onto_its_groups_is_parsed_group_by_group() -> None:
    # CPython puts `y = ...` in a group of its own; LibCST sees one statement line and
    # cannot parse the first part alone: the file is then handled whole, as before.
    text = "import replicate\nx = 1; \\\ny = replicate.run('a/b')\n"
    result = Sliced.of_text(text, "a.py")
    assert len(result.groups) == 3
    with pytest.raises(SliceError):
        result.select({"replicate", "x"}, ())
    assert result.groups[0].module is not None and result.groups[0].module.code == "import replicate\n"


def test_a_long_table_of_text_saying_import_star_is_not_analysed() -> None:
    # The shape of the standard library's pydoc_data/topics.py: one dict of thousands of
    # implicitly concatenated strings (deeper than the analysis can walk), whose text says
    # `import *`, `global name` and `name :=` without any such statement.
    pieces = "".join(f"          'line {i} of the text about it\\n'\n" for i in range(2000))
    table = (
        "topics = {'import': 'from os import *\\n'\n"
        "          # a name declared with: global out\n"
        "          'out := value, in an expression\\n'\n" + pieces + "}\n"
    )
    call = (
        "import replicate\n\n\ndef render(prompt):\n"
        '    out = replicate.run("black-forest-labs/flux-schnell", input={"prompt": prompt})\n'
        '    return out[0].startswith("https://")\n'
    )
    text = table + "\n\n" + call
    assert chosen(sliced(text)) == ["import replicate", "def render(prompt):"]
    [result] = migrate([("topics.py", text.encode())])
    assert result.error is None
    assert result.migrated is not None and b"out[0].url.startswith" in result.migrated


def test_a_long_run_of_needed_groups_is_parsed_in_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "import replicate\nx = 1\n" + "x = x + 1\n" * 2_499 + 'replicate.run("a/b", input={"n": x})\n'
    parses: list[int] = []
    parse = cst.parse_module
    monkeypatch.setattr(cst, "parse_module", lambda code: parses.append(len(code)) or parse(code))
    result = sliced(text)
    assert len(result.selected) == 2_502
    assert len(parses) == 3  # 1,000 + 1,000 + 502 groups, not one parse of 2,502
    assert "".join(g.module.code for g in result.selected if g.module) == text
