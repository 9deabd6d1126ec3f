from __future__ import annotations

import libcst as cst
import pytest
from hypothesis import given
from hypothesis import strategies as st

from replicate_migrate.engine.source import (
    SourceError,
    decode_python,
    is_valid_python,
    parse_python,
)

BOM = b"\xef\xbb\xbf"

# Statements whose layout LibCST is known to keep; `{s}` is a string literal, `{c}` a comment.
STATEMENTS = [
    "x = {s}",
    "print(x, {s})  # {c}",
    "if x:{nl}{i}y = {s}{nl}else:{nl}{i}y = 2",
    "def f(a, b=1):{nl}{i}return replicate.run({s}, input={{'a': a}})",
    "for item in output:{nl}{i}print(item)  # {c}",
    "x = [{nl}{i}1,{nl}{i}{s},{nl}]",
    "# {c}",
    "",
    "   ",
    'y = """{nl}{s}{nl}"""',
    "z = (1 +  \t2)  ",
    "with open(p, 'wb') as f:{nl}{i}f.write(x)",
]
TEXT = st.text(
    alphabet=st.characters(codec="latin-1", exclude_characters="\r\n\x00\x0c\\\"'"),
    max_size=8,
)


@st.composite
def sources(draw: st.DrawFn, ending: str | None = "end = 1") -> tuple[bytes, str]:
    """Random modules: mixed LF/CRLF, tab or space indents, BOM or latin-1 cookie or neither.

    `ending` is a last statement; None lets whitespace-only lines end the file, which LibCST
    does not always reproduce.
    """
    header = draw(st.sampled_from(["plain", "bom", "latin-1"]))
    encoding = "latin-1" if header == "latin-1" else "utf-8"
    lines = ["# -*- coding: latin-1 -*-"] if header == "latin-1" else []
    newlines = []
    templates = draw(st.lists(st.sampled_from(STATEMENTS), min_size=1, max_size=8))
    for template in templates + ([ending] if ending is not None else []):
        nl = draw(st.sampled_from(["\n", "\r\n"]))
        indent = draw(st.sampled_from(["\t", "    ", "  "]))
        s, c = repr(draw(TEXT)), draw(TEXT)
        lines.append(template.format(s=s, c=c, nl=nl, i=indent))
        newlines.append(nl)
    if header == "latin-1":
        newlines.insert(0, draw(st.sampled_from(["\n", "\r\n"])))
    text = "".join(line + nl for line, nl in zip(lines, newlines))
    if draw(st.booleans()):  # no final newline
        text = text.rstrip("\r\n")
    data = text.encode(encoding)
    return (BOM + data if header == "bom" else data), text


@given(sources())
def test_parse_and_codegen_are_byte_exact(source: tuple[bytes, str]) -> None:
    data, text = source
    assert cst.parse_module(data).bytes == data
    assert parse_python(data, "a.py").bytes == data
    assert decode_python(data, "a.py") == text
    assert is_valid_python(data)


@given(sources(ending=None))
def test_parse_python_gives_back_the_bytes_or_refuses(source: tuple[bytes, str]) -> None:
    data, _ = source
    try:
        module = parse_python(data, "a.py")
    except SourceError as e:
        assert "LibCST does not reproduce" in str(e)
        assert cst.parse_module(data).bytes != data
    else:
        assert module.bytes == data


def test_each_line_keeps_its_newline() -> None:
    data = b"a = 1\r\nb = 2\nc = 3\r\n"
    module = parse_python(data, "a.py")
    changed = module.with_changes(body=[*module.body, cst.parse_statement("d = 4")])
    assert changed.bytes == data + b"d = 4\r\n"  # new lines take the first line's newline


def test_latin1_cookie_is_honoured() -> None:
    data = b"# coding: latin-1\nx = '\xe9'\n"
    assert decode_python(data, "a.py") == "# coding: latin-1\nx = '\u00e9'\n"
    assert parse_python(data, "a.py").encoding == "iso-8859-1"


def test_bom_is_dropped_from_text_and_kept_in_bytes() -> None:
    data = BOM + b"x = '\xc3\xa9'\n"
    assert decode_python(data, "a.py") == "x = '\u00e9'\n"
    assert parse_python(data, "a.py").bytes == data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\n\n\nx = '\xe9'\n", "a.py: cannot decode as utf-8: line 4: invalid continuation byte"),
        (b"# coding: klingon\n", "a.py: cannot decode: unknown encoding: klingon"),
        (BOM + b"# coding: latin-1\n", "a.py: cannot decode: encoding problem: utf-8"),
    ],
)
def test_decode_errors_are_one_line(data: bytes, message: str) -> None:
    with pytest.raises(SourceError) as info:
        decode_python(data, "a.py")
    assert str(info.value) == message
    with pytest.raises(SourceError):
        parse_python(data, "a.py")
    assert not is_valid_python(data)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"x = 1\ndef f(:\n    pass\n", "a.py:2:7: syntax error: invalid syntax"),
        (b"if x:\n\tpass\n        pass\n", "a.py:3:1: syntax error: inconsistent use of tabs"),
        (b'print "x"\n', "a.py:1:1: syntax error: Missing parentheses"),
    ],
)
def test_syntax_errors_say_where(data: bytes, message: str) -> None:
    with pytest.raises(SourceError) as info:
        parse_python(data, "a.py")
    assert str(info.value).startswith(message)
    assert "\n" not in str(info.value)
    assert not is_valid_python(data)


@pytest.mark.parametrize(
    ("data", "line"),
    [
        (b"x = 1\r", 1),  # a final lone CR is dropped
        (b"try:\n    pass\nexcept A :\n    pass\n", 3),  # Instagram/LibCST#1457
        (b"x = 1\n\n   \n", 2),  # a blank line before whitespace-only lines at the end
    ],
)
def test_what_libcst_cannot_reproduce_is_refused(data: bytes, line: int) -> None:
    # If LibCST fixes these, the first assertion fails and the case can go.
    assert cst.parse_module(data).bytes != data
    with pytest.raises(SourceError, match=rf"^a\.py:{line}: LibCST does not reproduce"):
        parse_python(data, "a.py")
    assert is_valid_python(data)
