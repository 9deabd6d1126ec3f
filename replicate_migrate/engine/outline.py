"""Where a file's top-level statements are, and which names each binds: CPython's view.

Every file is parsed once with CPython's own parser (`compile(..., PyCF_ONLY_AST)`), which
is also the verdict on it: a file CPython rejects is a syntax error, whatever its size.
The parse is public API on every supported version and costs a tenth of LibCST's; an
earlier split of large files with the private C tokenizer saved part of it but could not
tell a valid file from one the parser rejects (an unexpected indent, a null byte).
"""

from __future__ import annotations

import ast
import re

# first line, last line, names bound, and the name when the group only gives it a new
# value computed without it (`x = 1`): see rebinds()
Group = tuple[int, int, "frozenset[str]", "str | None"]

_IDENTIFIER = re.compile(r"[^\W\d]\w*")
_ASCII_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")
# In a group's names bound: it imports `*`, which may bind any name.
STAR = "*"


class Rejected(Exception):
    """CPython rejects the text: where (1-based line and CPython's column) and why."""

    def __init__(self, line: int, column: int, message: str) -> None:
        super().__init__(f"{line}:{column}: {message}")
        self.line, self.column, self.message = line, column, message


def parse(text: str) -> ast.Module:
    """CPython's syntax tree of `text`; Rejected when CPython does not accept it."""
    try:
        tree = compile(text, "<file>", "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as error:  # IndentationError and TabError too
        line, column = error.lineno, error.offset
        if line is None:  # a null byte (3.12+): CPython gives no position
            line, column = _position(text, text.find("\0"))
        raise Rejected(line, column or 1, error.msg) from error
    except ValueError as error:  # a null byte (3.10, 3.11)
        raise Rejected(*_position(text, text.find("\0")), str(error)) from error
    except (RecursionError, MemoryError) as error:
        raise Rejected(1, 1, f"too deeply nested for CPython's parser ({type(error).__name__})") from error
    assert isinstance(tree, ast.Module)
    return tree


def _position(text: str, index: int) -> tuple[int, int]:
    if index < 0:
        return 1, 1
    line_start = max(text.rfind("\n", 0, index), text.rfind("\r", 0, index)) + 1
    return len(split_lines(text[:line_start])) + 1, index - line_start + 1


def statement_groups(text: str) -> list[Group] | None:
    """(first line, last line, names bound) per group of top-level statements that share no
    line; None when the file cannot be split (a lone CR). Rejected when CPython rejects it."""
    tree = parse(text)
    if text.count("\r") != text.count("\r\n"):
        return None  # CPython counts a lone CR as a line end; LibCST does not always
    lines = split_lines(text)
    groups: list[Group] = []
    shared: dict[frozenset[str], frozenset[str]] = {}  # one set for 2,000 lines binding `x`
    for first, last, members in _spans(tree.body):
        code = lines[first - 1] if first == last else "".join(lines[first - 1 : last])
        found = _assigned(members, code) or _binds(members, code)
        binds = shared.setdefault(found, found)
        groups.append((first, last, binds, rebinds(members, code, binds)))
    return groups


def _spans(body: list[ast.stmt]) -> list[tuple[int, int, list[ast.stmt]]]:
    """First line, last line and statements of each run of statements sharing lines."""
    spans: list[tuple[int, int, list[ast.stmt]]] = []
    for statement in body:
        decorators = getattr(statement, "decorator_list", None)
        first = min([statement.lineno, *(d.lineno for d in decorators)]) if decorators else statement.lineno
        last = statement.end_lineno or statement.lineno
        if spans and first <= spans[-1][1]:
            start, end, members = spans[-1]
            spans[-1] = (start, max(end, last), [*members, statement])
        else:
            spans.append((first, last, [statement]))
    return spans


def _assigned(members: list[ast.stmt], code: str) -> frozenset[str] | None:
    """What _binds() gives for the commonest group, `name = value`, at a fraction of its
    cost (a module of 16,000 such lines); None for any other group."""
    if len(members) != 1 or not isinstance(members[0], ast.Assign) or ":=" in code:
        return None
    targets = members[0].targets
    if len(targets) != 1 or type(targets[0]) is not ast.Name or "global" in code or "nonlocal" in code:
        return None
    return frozenset((targets[0].id,))


def rebinds(members: list[ast.stmt], code: str, binds: frozenset[str]) -> str | None:
    """The name a group of one `name = value` statement rebinds, when nothing else in it
    says the name: the value does not read it, and (not being a dict display) it leaves
    no table of model refs behind. Such a group hides every earlier value of the name
    from the statements after it."""
    if len(members) != 1 or not isinstance(members[0], ast.Assign) or len(members[0].targets) != 1:
        return None
    target, value = members[0].targets[0], members[0].value
    if not isinstance(target, ast.Name) or isinstance(value, ast.Dict) or binds != {target.id}:
        return None
    if code.count(target.id) == 1:  # the target alone: the common case, without a regex
        return target.id
    pattern = _ASCII_IDENTIFIER if code.isascii() else _IDENTIFIER
    return target.id if pattern.findall(code).count(target.id) == 1 else None


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


def _binds(statements: list[ast.stmt], text: str) -> frozenset[str]:
    """Names the statements bind in the module's namespace; STAR when one imports `*`.

    `global`, `nonlocal` and `:=` may bind from deep inside (a function body, a
    comprehension): the statements are walked for them only when the text says them, and
    words in strings and comments (a table of documentation) bind nothing.
    """
    binds: set[str] = set()
    for statement in statements:
        _collect_binds(statement, binds)
    if "global" in text or "nonlocal" in text or ":=" in text:
        for statement in statements:
            _collect_declared(statement, binds)
    return frozenset(binds)


def _collect_declared(statement: ast.stmt, out: set[str]) -> None:
    for node in ast.walk(statement):
        if isinstance(node, (ast.Global, ast.Nonlocal)):
            out.update(node.names)
        elif isinstance(node, ast.NamedExpr) and isinstance(node.target, ast.Name):
            out.add(node.target.id)


# Statements with no statement or pattern inside that binds in the module's namespace
# (function and class bodies bind in their own): most statements, not walked further.
_NOTHING_NESTED = (
    ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Assign, ast.AugAssign, ast.AnnAssign,
    ast.Expr, ast.Import, ast.ImportFrom, ast.Return, ast.Pass, ast.Break, ast.Continue,
    ast.Delete, ast.Raise, ast.Assert, ast.Global, ast.Nonlocal,
)


def _collect_binds(node: ast.AST, out: set[str]) -> None:
    """Names a module-level statement binds in the module's namespace (not in functions)."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        out.add(node.name)
    elif isinstance(node, (ast.Import, ast.ImportFrom)):
        out.update((a.asname or a.name).split(".", 1)[0] if a.name != "*" else STAR for a in node.names)
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
    elif isinstance(node, ast.Expr):
        _mutated_names(node.value, out)
    if isinstance(node, _NOTHING_NESTED):
        return
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.stmt, ast.excepthandler, ast.match_case, ast.pattern)):
            _collect_binds(child, out)


# Methods that put a value into the container they are called on: `urls.append(out[0])`
# in a loop changes what `urls` holds, as `urls[i] = ...` and `urls += ...` do.
_FILLING_METHODS = frozenset({"append", "extend", "insert", "add", "update", "setdefault", "appendleft"})


def _mutated_names(value: ast.expr, out: set[str]) -> None:
    """`urls.append(x)` as a statement binds `urls`: later uses of it may meet `x`."""
    func = value.func if isinstance(value, ast.Call) else None
    if isinstance(func, ast.Attribute) and func.attr in _FILLING_METHODS:
        _target_names(func.value, out)


def _target_names(target: ast.AST, out: set[str]) -> None:
    # `cfg.client = ...` and `cache[key] = ...` change what `cfg` and `cache` hold.
    while isinstance(target, (ast.Attribute, ast.Subscript, ast.Starred)):
        target = target.value
    if isinstance(target, ast.Name):
        out.add(target.id)
    elif isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            _target_names(element, out)


