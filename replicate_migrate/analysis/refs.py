"""Model refs held in constants: the strings a `run()` ref may be, and where they came from.

Followed: literals, constants (module, function, parameter defaults), `os.getenv` and
`os.environ.get` defaults (the environment may name another model: `assumed`), f-strings
and `+` of constants, literal dicts of refs (`MODELS[key]`, `MODELS.get(key)`), and
`self.x` / `cls.x` / `Class.x` set once in the class (a class attribute, or in `__init__`,
from a parameter's default). Facts only: which kind those refs have is the catalog's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

import libcst as cst

from replicate_migrate.analysis.class_refs import ClassAttributes
from replicate_migrate.analysis.methods import dotted_name
from replicate_migrate.analysis.values import FROM_PARAMETER

__all__ = ["Ref", "RefReader", "resolve_ref"]

_ENV_READERS = frozenset({"os.getenv", "os.environ.get"})


@dataclass(frozen=True)
class Ref:
    """The strings an expression may hold, when every one of them is a constant."""

    values: tuple[str, ...]  # one, or every value of a literal dict
    note: str  # where it came from: "literal", "constant MODEL", ...
    # A default: of an environment variable (the environment may differ) or of a
    # parameter (a caller may pass another).
    assumed: bool = False
    keys: tuple[str, ...] = ()  # a literal dict: the key of each of `values`
    where: str = ""  # the scope of the name it is bound to

    @property
    def is_table(self) -> bool:
        return bool(self.keys)

    @property
    def single(self) -> str | None:
        return self.values[0] if len(self.values) == 1 and not self.keys else None


Qualify = Callable[[cst.BaseExpression], str]
Member = Callable[[cst.Attribute], "Ref | None"]


def resolve_ref(node: cst.BaseExpression, consts: Mapping[str, Ref], qualify: Qualify,
                member: Member | None = None) -> Ref | None:
    """The constant strings `node` may hold, or None when one of them is not a constant."""
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        value = node.evaluated_value
        return Ref((value,), "literal") if isinstance(value, str) else None
    if isinstance(node, cst.Name):
        found = consts.get(node.value)
        if found is None or not found.values:
            return None
        if found.note == "literal":
            return replace(found, note=f"constant {node.value}")
        return replace(found, note=f"{found.note} (via {node.value})")

    def again(inner: cst.BaseExpression) -> Ref | None:
        return resolve_ref(inner, consts, qualify, member)

    if isinstance(node, cst.FormattedString):
        return _joined(node.parts, again, "an f-string of constants")
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
        return _joined((node.left, node.right), again, "a concatenation of constants")
    if isinstance(node, cst.Dict):
        return _table(node, again)
    if isinstance(node, cst.IfExp):
        return _either(again(node.body), again(node.orelse), "either branch of a conditional")
    if isinstance(node, cst.Subscript):
        return _subscript(node, again)
    if isinstance(node, cst.Call):
        return _call(node, again, qualify)
    if isinstance(node, cst.BooleanOperation) and isinstance(node.operator, cst.Or):
        return _env_or(node, again, qualify)
    if isinstance(node, cst.Attribute) and member is not None:
        return member(node)
    return None


def _joined(parts: Sequence[cst.CSTNode], again: Callable[[cst.BaseExpression], Ref | None], note: str) -> Ref | None:
    text, assumed = "", False
    for part in parts:
        if isinstance(part, cst.FormattedStringText):
            text += part.value
            continue
        if isinstance(part, cst.FormattedStringExpression):
            if part.conversion is not None or part.format_spec is not None:
                return None
            part = part.expression
        found = again(part) if isinstance(part, cst.BaseExpression) else None
        if found is None or found.single is None:
            return None
        text, assumed = text + found.single, assumed or found.assumed
    return Ref((text,), note, assumed)


def _either(one: Ref | None, other: Ref | None, note: str) -> Ref | None:
    """Both refs' values, when neither is a dict (a dict is followed only when it is one)."""
    if one is None or other is None or one.is_table or other.is_table or not one.values or not other.values:
        return None
    if one.values == other.values:
        return replace(other, assumed=one.assumed or other.assumed)
    return Ref(tuple(sorted({*one.values, *other.values})), note, one.assumed or other.assumed)


def _rebound(old: Ref | None, new: Ref | None, where: str) -> Ref:
    """A name bound again in its scope (a branch, a loop, a later line) may hold either value."""
    if new is None:
        return Ref((), "not a constant", where=where)
    if old is None or (old.values, old.keys) == (new.values, new.keys):
        return replace(new, where=where)
    either = _either(old, new, "one of several constants")
    return replace(either or Ref((), "not a constant"), where=where)


def _table(node: cst.Dict, again: Callable[[cst.BaseExpression], Ref | None]) -> Ref | None:
    keys, values, assumed = [], [], False
    for element in node.elements:
        if not isinstance(element, cst.DictElement) or not isinstance(element.key, cst.SimpleString):
            return None
        key, found = element.key.evaluated_value, again(element.value)
        if not isinstance(key, str) or found is None or found.single is None:
            return None
        keys.append(key)
        values.append(found.single)
        assumed = assumed or found.assumed
    return Ref(tuple(values), "a literal dict", assumed, tuple(keys)) if keys else None


def _entry(table: Ref, name: str, key: cst.BaseExpression, get: bool = False) -> Ref | None:
    if isinstance(key, cst.SimpleString) and isinstance(key.evaluated_value, str):
        if key.evaluated_value not in table.keys:
            return None
        value = table.values[table.keys.index(key.evaluated_value)]
        return Ref((value,), f"{name}.get({key.value})" if get else f"{name}[{key.value}]", table.assumed)
    return Ref(tuple(sorted(set(table.values))), f"any entry of {name}", table.assumed)


def _subscript(node: cst.Subscript, again: Callable[[cst.BaseExpression], Ref | None]) -> Ref | None:
    table = again(node.value)
    index = node.slice[0].slice if len(node.slice) == 1 else None
    if table is None or not table.is_table or not isinstance(index, cst.Index):
        return None
    return _entry(table, dotted_name(node.value) or "a dict", index.value)


def _call(node: cst.Call, again: Callable[[cst.BaseExpression], Ref | None], qualify: Qualify) -> Ref | None:
    if qualify(node.func) in _ENV_READERS:
        return _env_default(node, again, qualify)
    args = node.args
    if not isinstance(node.func, cst.Attribute) or node.func.attr.value != "get" or not 1 <= len(args) <= 2:
        return None
    table = again(node.func.value)
    if any(a.keyword is not None or a.star for a in args) or table is None or not table.is_table:
        return None
    name = dotted_name(node.func.value) or "a dict"
    found = _entry(table, name, args[0].value, get=True)
    if found is None or len(args) == 1:
        return found
    default = again(args[1].value)
    if default is None or default.single is None:
        return None
    values = tuple(sorted({*found.values, default.single}))
    return Ref(values, f"{found.note} or the default", found.assumed or default.assumed)


def _env_default(node: cst.Call, again: Callable[[cst.BaseExpression], Ref | None], qualify: Qualify) -> Ref | None:
    """`os.getenv("MODEL", "owner/name")`: the default, assumed (the environment may differ)."""
    positional = [a.value for a in node.args if a.keyword is None and not a.star]
    keywords = {a.keyword.value: a.value for a in node.args if a.keyword is not None}
    default = positional[1] if len(positional) == 2 else keywords.get("default")
    found = again(default) if default is not None and positional else None
    if found is None or found.single is None:
        return None
    variable = positional[0]
    shown = variable.value if isinstance(variable, cst.SimpleString) else "..."
    return Ref(found.values, f"the default of {qualify(node.func)}({shown})", True)


def _env_or(node: cst.BooleanOperation, again: Callable[[cst.BaseExpression], Ref | None],
             qualify: Qualify) -> Ref | None:
    """`os.getenv("MODEL") or "owner/name"`: the default, assumed, as for `getenv`'s own."""
    left, right = node.left, again(node.right)
    if right is None or right.single is None:
        return None
    if isinstance(left, cst.Call) and qualify(left.func) in _ENV_READERS and len(left.args) == 1:
        return Ref(right.values, f"the default of {qualify(left.func)}(...) or ...", True)
    found = again(left)
    if found is None or not found.assumed:
        return None  # `a or b` of constants: `a` unless it is empty, not worth following
    return _either(found, right, found.note)


class RefReader:
    """The statement walker's view of refs: its constants, imports and the classes it is in."""

    consts: dict[str, Ref]
    scope: str
    owner: str

    def set_const(self, name: str, source: cst.CSTNode | None, fresh: bool = False) -> None:
        """Bind `name` to the refs `source` holds; bound again in the same scope, to every
        value it may hold (or to "not a constant"). `fresh`: a parameter, new in its scope."""
        where = f"{self.scope}|{self.owner}"
        ref = self.ref_of(source) if isinstance(source, cst.BaseExpression) else None
        if ref is not None and ref.is_table and self.is_mutated(name):
            ref = None  # `MODELS[key] = other` somewhere: its entries are not known
        old = None if fresh else self.consts.get(name)
        self.consts[name] = _rebound(old if old is not None and old.where == where else None, ref, where)

    def set_param(self, name: str, default: cst.BaseExpression | None) -> None:
        """Bind a parameter: to its default's refs, assumed (a caller may pass another)."""
        self.set_const(name, default, fresh=True)
        found = self.consts.get(name)
        if found is not None and found.values:
            self.consts[name] = replace(found, note=f"{FROM_PARAMETER} {name}", assumed=True)

    def is_mutated(self, name: str) -> bool:
        """Whether the module stores into `name[...]` or calls a mutating method on it."""
        return True

    def is_overridden(self, cls: ClassAttributes, attr: str) -> bool:
        """Whether a subclass of `cls` may set `attr` (then `self.attr` may be its value)."""
        return True

    def lookup_qual(self, name: str) -> str:
        """The qualified name `name` is bound to by an import, or ""."""
        return ""

    def class_of(self, name: str) -> ClassAttributes | None:
        """The class `name` is (`Class`) or whose instance it is (`self`, `cls`), if known."""
        return None

    def ref_of(self, node: cst.BaseExpression) -> Ref | None:
        return resolve_ref(node, self.consts, self.qualify, self.member_ref)

    def qualify(self, node: cst.BaseExpression) -> str:
        """`os.getenv` for `os.getenv`, `getenv` (from os) or `o.getenv` (import os as o)."""
        head, _, rest = dotted_name(node).partition(".")
        found = self.lookup_qual(head) if head else ""
        return f"{found}.{rest}" if found and rest else found

    def member_ref(self, node: cst.Attribute) -> Ref | None:
        if not isinstance(node.value, cst.Name):
            return None
        cls = self.class_of(node.value.value)
        if cls is None or self.is_overridden(cls, node.attr.value):
            return None
        found = cls.value(node.attr.value)
        ref = resolve_ref(found[0], self.consts, self.qualify) if found is not None else None
        if found is None or ref is None:
            return None
        # `self.model = model` from a parameter's default: `G(model=...)` may pass another.
        return replace(ref, note=found[1], assumed=ref.assumed or found[1].startswith(FROM_PARAMETER))

