"""Python source as bytes: decoded for analysis, parsed only when LibCST gives the bytes back.

LibCST already honours PEP 263 cookies and BOMs in `parse_module(bytes)` and re-encodes in
`Module.bytes`, keeping each line's own newline. What it lacks is one-line errors and a
guarantee: a few layouts do not survive parse + codegen (a final lone CR; the space in
`except A :`, https://github.com/Instagram/LibCST/issues/1457), so parse_python() checks.
"""

from __future__ import annotations

import ast
import io
import tokenize
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import libcst as cst


class SourceError(Exception):
    """A one-line message, starting with the path, saying why a file cannot be processed."""


def decode_python(data: bytes, path: str) -> str:
    """The text of `data` as Python reads it: BOM or coding cookie, else UTF-8."""
    encoding = detect_encoding(data, path)
    try:
        # utf-8-sig drops the BOM, so positions match LibCST's.
        return data.decode(encoding)
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise SourceError(f"{path}: cannot decode as {encoding}: line {line}: {e.reason}") from e


def parse_python(data: bytes, path: str, *, check_exact: bool = True) -> cst.Module:
    """The module parsed from `data`, whose `.bytes` are exactly `data`; else SourceError.

    `check_exact=False` skips the byte-for-byte check (a full codegen), for callers that
    only rewrite after calling `check_reproduces` themselves.
    """
    import libcst as cst  # here: the parent process of a run never loads LibCST

    decode_python(data, path)  # for its error message, which names the line
    try:
        module = cst.parse_module(data)
    except cst.ParserSyntaxError as e:
        raise SourceError(_syntax_message(data, path, e)) from e
    except (SyntaxError, ValueError, RecursionError) as e:
        raise SourceError(f"{path}: cannot parse: {_first_line(e)}") from e
    if check_exact:
        check_reproduces(module, data, path)
    return module


def check_reproduces(module: cst.Module, data: bytes, path: str) -> None:
    """SourceError unless LibCST gives `data` back byte for byte (only then may it rewrite)."""
    if module.bytes != data:
        line = first_difference(data, module.bytes)
        raise SourceError(
            f"{path}:{line}: LibCST does not reproduce this line byte for byte; not rewriting"
        )


def is_valid_python(data: bytes) -> bool:
    """True when LibCST parses `data`."""
    import libcst as cst

    try:
        cst.parse_module(data)
    except (cst.ParserSyntaxError, SyntaxError, ValueError, RecursionError):
        return False
    return True


def detect_encoding(data: bytes, path: str) -> str:
    """The codec Python reads `data` with (`utf-8-sig` when it starts with a BOM)."""
    try:
        return tokenize.detect_encoding(io.BytesIO(data).readline)[0]
    except SyntaxError as e:
        if str(e).startswith("invalid or missing encoding declaration"):
            return "utf-8"  # no cookie and not UTF-8: decoding says on which line
        raise SourceError(f"{path}: cannot decode: {_first_line(e)}") from e


def _syntax_message(data: bytes, path: str, error: cst.ParserSyntaxError) -> str:
    # LibCST's native parser often places its errors at 1:1; CPython says where and why.
    try:
        compile(data, path, "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as e:
        return f"{path}:{e.lineno or 1}:{e.offset or 1}: syntax error: {e.msg}"
    except ValueError:  # null bytes
        pass
    return f"{path}: LibCST cannot parse this file: {_first_line(error)}"


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def first_difference(a: bytes, b: bytes) -> int:
    """1-based line number of the first byte where `a` and `b` differ."""
    index = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    return a.count(b"\n", 0, index) + 1
