"""Where a file's top-level statements are, and which names each binds: CPython's view.

Most files are split with CPython's parser. A large one is split with CPython's own
tokenizer, three to four times faster, which finds the statement boundaries without
building a syntax tree; the names a group binds are then read from a parse of that
group alone, and only for the groups the selection asks about.
"""

from __future__ import annotations

import ast
import re
from token import DEDENT, ENDMARKER, INDENT, NEWLINE

try:  # CPython 3.11's C tokenizer; other versions go through the parser
    from _tokenize import TokenizerIter as _TOKENIZER  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover
    _TOKENIZER = None

Group = tuple[int, int, "frozenset[str] | None"]  # first line, last line, names bound

TOKENS_FROM = 16_384  # characters: below this one parse is cheaper than many small ones
_CONTINUES = frozenset({"else", "elif", "except", "finally"})

_IDENTIFIER = re.compile(r"[^\W\d]\w*")
_ASCII_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")
_GLOBAL = re.compile(r"\b(?:global|nonlocal)[ \t]+([^\r\n;#]+)")
_WALRUS = re.compile(r"([^\W\d]\w*)[ \t]*:=")


def _token_groups(text: str) -> list[Group]:
    """Groups from the tokenizer: a top-level logical line starts one, unless it continues
    a compound statement (`else:`...) or follows a decorator."""
    groups: list[Group] = []
    depth, first, last = 0, 0, 0
    at_start, decorated = True, False
    for string, kind, line, end_line, *_ in _TOKENIZER(text):
        if kind == INDENT:
            depth += 1
        elif kind == DEDENT:
            depth -= 1
        elif kind == ENDMARKER:
            break
        elif at_start:
            at_start = False
            if depth == 0 and not (first and (decorated or string in _CONTINUES)):
                if first:
                    groups.append((first, last, None))
                first = line
            if depth == 0:
                decorated = string == "@"
        if kind == NEWLINE:
            at_start, last = True, end_line
    if first:
        groups.append((first, last, None))
    return groups


def statement_groups(text: str) -> list[Group] | None:
    """(first line, last line, names bound or None) per group of top-level statements that
    share no line; None when CPython cannot split the file (a syntax error, a lone CR)."""
    if text.count("\r") != text.count("\r\n"):
        return None  # CPython counts a lone CR as a line end; LibCST does not always
    if len(text) >= TOKENS_FROM and _TOKENIZER is not None:
        try:
            return _token_groups(text)
        except (SyntaxError, ValueError, TypeError, MemoryError):
            pass  # the syntax tree says why, or splits it after all
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    spans: list[tuple[int, int, list[ast.stmt]]] = []
    for statement in tree.body:
        decorators = getattr(statement, "decorator_list", ())
        first = min([statement.lineno, *(d.lineno for d in decorators)])
        last = statement.end_lineno or statement.lineno
        if spans and first <= spans[-1][1]:
            start, end, members = spans[-1]
            spans[-1] = (start, max(end, last), [*members, statement])
        else:
            spans.append((first, last, [statement]))
    lines = split_lines(text)
    return [(first, last, _binds(members, "".join(lines[first - 1 : last]))) for first, last, members in spans]


def split_lines(text: str) -> list[str]:
    """Lines with their ends, split where Python splits them (not at form feeds)."""
    if "\r" in text:
        return _LINE.findall(text)
    lines = [line + "\n" for line in text.split("\n")]
    lines[-1] = lines[-1][:-1]
    if not lines[-1]:
        lines.pop()
    return lines


def words_of(text: str) -> frozenset[str]:
    """Every identifier-like word in `text`, strings and comments included."""
    pattern = _ASCII_IDENTIFIER if text.isascii() else _IDENTIFIER
    return frozenset(pattern.findall(text))


def binds_of(text: str) -> frozenset[str]:
    """The names a group of top-level statements binds, from a parse of it alone."""
    try:
        return _binds(ast.parse(text).body, text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return words_of(text)  # every name it says: never too few


def _binds(statements: list[ast.stmt], text: str) -> frozenset[str]:
    binds: set[str] = set()
    for statement in statements:
        _collect_binds(statement, binds)
    if "global" in text or "nonlocal" in text:
        for names in _GLOBAL.findall(text):
            binds.update(n.strip() for n in names.split(",") if n.strip().isidentifier())
    if ":=" in text:
        binds.update(_WALRUS.findall(text))
    return frozenset(binds)


def _collect_binds(node: ast.AST, out: set[str]) -> None:
    """Names a module-level statement binds in the module's namespace (not in functions)."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        out.add(node.name)
    elif isinstance(node, (ast.Import, ast.ImportFrom)):
        out.update((a.asname or a.name).split(".", 1)[0] for a in node.names if a.name != "*")
    elif isinstance(node, (ast.Assign, ast.Delete)):
        for target in node.targets:
            _target_names(target, out)
    elif isinstance(node, (ast.AugAssign, ast.AnnAssign, ast.For, ast.AsyncFor)):
        _target_names(node.target, out)
    elif isinstance(node, (ast.With, ast.AsyncWith)):
        for item in node.items:
            if item.optional_vars is not None:
                _target_names(item.optional_vars, out)
    elif isinstance(node, (ast.ExceptHandler, ast.MatchAs, ast.MatchStar)) and node.name:
        out.add(node.name)
    elif isinstance(node, ast.MatchMapping) and node.rest:
        out.add(node.rest)
    elif type(node).__name__ == "TypeAlias":
        _target_names(node.name, out)  # type: ignore[attr-defined]
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
        return
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.stmt, ast.excepthandler, ast.match_case, ast.pattern)):
            _collect_binds(child, out)


def _target_names(target: ast.AST, out: set[str]) -> None:
    # `cfg.client = ...` and `cache[key] = ...` change what `cfg` and `cache` hold.
    while isinstance(target, (ast.Attribute, ast.Subscript, ast.Starred)):
        target = target.value
    if isinstance(target, ast.Name):
        out.add(target.id)
    elif isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            _target_names(element, out)


