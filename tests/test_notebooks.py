from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import nbformat
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from replicate_migrate.notebooks import (
    NotebookError,
    cells,
    locate,
    notebook_to_python,
    python_to_notebook,
)

RunCli = Callable[..., subprocess.CompletedProcess[str]]  # the run_cli fixture, conftest.py


def make_notebook(*sources: str, markdown_first: bool = True) -> str:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "Py"}
    if markdown_first:
        nb.cells.append(nbformat.v4.new_markdown_cell("# Title"))
    for source in sources:
        cell = nbformat.v4.new_code_cell(source)
        cell.outputs = [nbformat.v4.new_output("stream", text="out\n")]
        cell.execution_count = 3
        nb.cells.append(cell)
    return nbformat.writes(nb) + "\n"


def assert_valid_notebook(text: str) -> None:
    nbformat.validate(nbformat.reads(text, as_version=4))


def test_code_cells_join_in_order_with_markers_and_line_map() -> None:
    text = make_notebook("import replicate\nout = replicate.run('a/b')", "print(out)\n")
    nb = notebook_to_python(text, "n.ipynb")
    compile(nb.python, "n.ipynb", "exec")
    lines = nb.python.splitlines()
    assert [index for index, _ in nb.cell_lines] == [1, 2]
    for index, first in nb.cell_lines:
        assert lines[first - 2].endswith(f":cell {index}")
    assert lines[nb.cell_lines[1][1] - 1] == "print(out)"
    assert locate(nb, nb.cell_lines[0][1] + 1) == (1, 2)
    assert locate(nb, nb.cell_lines[1][1]) == (2, 1)


MAGIC_LINES = (
    "%matplotlib inline",
    "!pip install replicate",
    "files = !ls",
    "x = %env HOME",
    "replicate.run?",
    "?replicate",
    "for i in range(2):",
    "    %time f(i)",
    "%load_ext \\",
    "  autoreload",
    "y = 1",
)


def test_magics_become_placeholders_that_keep_line_numbers() -> None:
    source = "\n".join(MAGIC_LINES)
    nb = notebook_to_python(make_notebook(source), "n.ipynb")
    compile(nb.python, "n.ipynb", "exec")
    body = nb.python.splitlines()[1:]
    assert len(body) == source.count("\n") + 1
    assert body[2].startswith("files = None  #")
    assert body[3].startswith("x = None  #")
    assert body[7].startswith("    pass  #")
    assert body[9].startswith("pass  #"), "a line continued after a magic is part of it"
    assert body[10] == "y = 1"
    assert len(nb.magics) == 9


def test_percent_and_bang_inside_strings_and_brackets_are_python() -> None:
    source = 's = """\n%d items\n!not a shell\n"""\nt = (1,\n%2)\nu = "a" \\\n'
    nb = notebook_to_python(make_notebook(source), "n.ipynb")
    assert nb.magics == ()
    assert "%d items" in nb.python and "%2)" in nb.python


def test_cell_magics() -> None:
    bash = "%%bash\necho $HOME\n\nls"
    timed = "%%time\nout = replicate.run('a/b')"
    nb = notebook_to_python(make_notebook(bash, timed), "n.ipynb")
    compile(nb.python, "n.ipynb", "exec")
    assert nb.magics == ("%%bash", "echo $HOME", "", "ls", "%%time")
    assert "out = replicate.run('a/b')" in nb.python, "a %%time body is Python to migrate"


def test_placeholder_tag_cannot_collide_with_cell_text() -> None:
    nb = notebook_to_python(make_notebook("# replicate-migrate:magic 0\n%ls"), "n.ipynb")
    assert nb.tag != "replicate-migrate"
    assert python_to_notebook(make_notebook("# replicate-migrate:magic 0\n%ls"), nb, nb.python)


def test_changed_cell_is_spliced_and_everything_else_kept() -> None:
    text = make_notebook("import replicate\n%time 1\nout = replicate.run('a/b')", "print(out)")
    nb = notebook_to_python(text, "n.ipynb")
    new = nb.python.replace("print(out)", "print(out.url)\nprint('é')")
    result = python_to_notebook(text, nb, new)
    assert_valid_notebook(result)
    old_cells, new_cells = json.loads(text)["cells"], json.loads(result)["cells"]
    assert new_cells[:2] == old_cells[:2]
    assert new_cells[2]["source"] == ["print(out.url)\n", "print('é')"]
    assert new_cells[2]["outputs"] == old_cells[2]["outputs"]
    assert "é" in result, "ensure_ascii=False, as nbformat writes"
    assert cells(nb, new)[1] == (2, "print(out.url)\nprint('é')")
    changed = [
        line for line in set(result.splitlines()) ^ set(text.splitlines()) if "print" not in line
    ]
    assert changed == []


@pytest.mark.parametrize("indent", [1, 2, 4, None])
@pytest.mark.parametrize("as_string", [False, True])
def test_rewrite_keeps_layout_and_source_form(indent: int | None, as_string: bool) -> None:
    data = json.loads(make_notebook("a = 1\nb = 2\n", "c = 3"))
    if as_string:
        for cell in data["cells"]:
            cell["source"] = "".join(cell["source"])
    text = json.dumps(data, indent=indent, ensure_ascii=False)
    nb = notebook_to_python(text, "n.ipynb")
    result = python_to_notebook(text, nb, nb.python.replace("b = 2", "b = 2\nb2 = 4"))
    assert_valid_notebook(result)
    expected = json.loads(text)
    expected["cells"][1]["source"] = (
        "a = 1\nb = 2\nb2 = 4\n" if as_string else ["a = 1\n", "b = 2\n", "b2 = 4\n"]
    )
    assert result == json.dumps(expected, indent=indent, ensure_ascii=False)


def test_ascii_escaped_notebook_stays_escaped() -> None:
    data = json.loads(make_notebook("s = 'é'\n", "t = 1"))
    text = json.dumps(data, indent=1, ensure_ascii=True)
    nb = notebook_to_python(text, "n.ipynb")
    result = python_to_notebook(text, nb, nb.python.replace("t = 1", "t = 'ü'"))
    assert result.isascii() and "\\u00fc" in result


def test_lost_marker_or_placeholder_is_an_error() -> None:
    text = make_notebook("%ls\nx = 1", "y = 2")
    nb = notebook_to_python(text, "n.ipynb")
    placeholder = nb.python.splitlines()[1]
    with pytest.raises(NotebookError, match="no longer maps"):
        python_to_notebook(text, nb, nb.python.replace(placeholder, "pass"))
    with pytest.raises(NotebookError, match="no longer maps"):
        python_to_notebook(text, nb, nb.python.replace(f"# {nb.tag}:cell 2\n", ""))


@pytest.mark.parametrize(
    "text",
    [
        "{",
        "[]",
        '{"cells": {}}',
        '{"cells": [], "nbformat": 3}',
        '{"nbformat": 4, "cells": [{"cell_type": "code"}]}',
    ],
)
def test_not_a_notebook(text: str) -> None:
    with pytest.raises(NotebookError) as info:
        notebook_to_python(text, "bad.ipynb")
    message = str(info.value)
    assert message.startswith("bad.ipynb: not a valid notebook: ") and "\n" not in message


def test_non_python_notebook_has_no_code() -> None:
    data = json.loads(make_notebook("x <- 1"))
    data["metadata"]["kernelspec"]["language"] = "R"
    nb = notebook_to_python(json.dumps(data), "r.ipynb")
    assert nb.python == "" and nb.cell_lines == ()


_LINES = st.sampled_from(
    [
        "x = 1",
        "%time f()",
        "!ls -l",
        "y = !pwd",
        "%%bash",
        "obj?",
        "  %cd ..",
        "s = '''",
        "'''",
        "é = 'ü'  # ☃",
        "",
        "  ",
        "\t",
        "if x:",
        "    pass",
        "z = (",
        ")",
        "a \\",
        "%%time",
    ]
)
_SOURCES = st.one_of(
    st.lists(_LINES, max_size=6).map("\n".join),
    st.text(max_size=40),
)
_CELLS = st.lists(st.tuples(st.sampled_from(["code", "markdown", "raw"]), _SOURCES), max_size=5)


@settings(max_examples=300, deadline=None)
@given(
    cells_=_CELLS,
    indent=st.sampled_from([1, 2, 4, None]),
    ensure_ascii=st.booleans(),
    trailing_newline=st.booleans(),
    as_list=st.booleans(),
    trailing_cell_newline=st.booleans(),
)
def test_unchanged_notebook_round_trips_byte_identical(
    cells_: list[tuple[str, str]],
    indent: int | None,
    ensure_ascii: bool,
    trailing_newline: bool,
    as_list: bool,
    trailing_cell_newline: bool,
) -> None:
    nb = nbformat.v4.new_notebook()
    for kind, source in cells_:
        source += "\n" if trailing_cell_newline and source else ""
        cell = {
            "code": nbformat.v4.new_code_cell,
            "markdown": nbformat.v4.new_markdown_cell,
            "raw": nbformat.v4.new_raw_cell,
        }[kind](source)
        nb.cells.append(cell)
    data = json.loads(nbformat.writes(nb))
    if not as_list:  # nbformat writes lists; other tools write one string
        for cell in data["cells"]:
            cell["source"] = "".join(cell["source"])
    text = json.dumps(data, indent=indent, ensure_ascii=ensure_ascii)
    text += "\n" if trailing_newline else ""
    joined = notebook_to_python(text, "h.ipynb")
    assert python_to_notebook(text, joined, joined.python) == text
    assert [code for _, code in cells(joined, joined.python)] == list(joined.cell_code)


@pytest.mark.parametrize("as_string", [False, True])
def test_compact_notebook_keeps_its_separators(as_string: bool) -> None:
    data = json.loads(make_notebook("a = 1\nb = 2\n", "c = 3"))
    if as_string:
        for cell in data["cells"]:
            cell["source"] = "".join(cell["source"])
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    nb = notebook_to_python(text, "n.ipynb")
    result = python_to_notebook(text, nb, nb.python.replace("b = 2", "b = 2\nb2 = 4"))
    expected = json.loads(text)
    expected["cells"][1]["source"] = (
        "a = 1\nb = 2\nb2 = 4\n" if as_string else ["a = 1\n", "b = 2\n", "b2 = 4\n"]
    )
    assert result == json.dumps(expected, separators=(",", ":"), ensure_ascii=False)


def test_syntax_error_names_the_cell_and_its_line(tmp_path: Path, run_cli: RunCli) -> None:
    text = make_notebook(
        "import replicate\nout = replicate.run('black-forest-labs/flux-schnell')",
        "x = 1\nprint(out[0]",
    )
    (tmp_path / "broken.ipynb").write_text(text, encoding="utf-8")

    result = run_cli("broken.ipynb", cwd=tmp_path)

    assert result.returncode == 2
    # Cell 3: the markdown cell counts, as in Jupyter; line 2 of that cell, column 6.
    output = result.stdout + result.stderr  # errors may go to either stream
    assert "broken.ipynb:cell 3:2:6: error: syntax error: '(' was never closed\n" in output
    assert text == (tmp_path / "broken.ipynb").read_text(encoding="utf-8")
