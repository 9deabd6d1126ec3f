"""What a model's output looks like, read from its published OpenAPI schema.

replicate 1.0 turns every ``https:``/``data:`` string in a ``run()`` output into a
``FileOutput``; the model's output schema (``components.schemas.Output``) is what tells
file outputs from text (REPLICATE_1_0.md, section 5).
"""

from __future__ import annotations

import copy
import enum
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["ModelFacts", "OutputKind", "as_cog_version_schema", "kind_from_schema", "model_of", "split_ref"]


class OutputKind(str, enum.Enum):
    """The shape of a model's output, as far as FileOutput is concerned."""

    FILE = "file"  # one URL -> one FileOutput
    FILE_LIST = "file-list"  # list of URLs
    FILE_DICT = "dict"  # object; some properties are files (see ModelFacts.file_keys)
    TEXT = "text"  # a plain string (captioners, classifiers)
    TEXT_ITERATOR = "text-iterator"  # streamed tokens; a list of str for owner/name refs
    FILE_ITERATOR = "file-iterator"  # streamed files (x-cog-array-type iterator of uri)
    OTHER = "other"  # numbers, bools, objects without files: unaffected by 1.0
    UNKNOWN = "unknown"


_FILE_KINDS = frozenset(
    {OutputKind.FILE, OutputKind.FILE_LIST, OutputKind.FILE_DICT, OutputKind.FILE_ITERATOR}
)
_TEXT_KINDS = frozenset({OutputKind.TEXT, OutputKind.TEXT_ITERATOR, OutputKind.OTHER})


@dataclass(frozen=True)
class ModelFacts:
    """What is known about one model's output and where that knowledge came from."""

    kind: OutputKind
    source: str  # "catalog" | "online" | "cache" (an online lookup cached earlier)
    file_keys: frozenset[str] = frozenset()  # FILE_DICT: properties holding a file or files
    list_keys: frozenset[str] = frozenset()  # FILE_DICT: which of file_keys hold a list

    @property
    def has_files(self) -> bool:
        return self.kind in _FILE_KINDS

    @property
    def is_text(self) -> bool:
        """True when 1.0 leaves the output as it was (text, tokens, numbers, plain objects)."""
        return self.kind in _TEXT_KINDS


# Same shape the client's ModelVersionIdentifier.parse accepts, minus whitespace, which no
# real owner, name or version id contains.
_REF = re.compile(r"^(?P<model>[^/:\s]+/[^/:\s]+)(?::(?P<version>[^/:\s]+))?$")


def split_ref(ref: str) -> tuple[str, str | None] | None:
    """Split ``owner/name[:version]`` into ``("owner/name", version or None)``; junk -> None."""
    if not isinstance(ref, str):
        return None
    match = _REF.match(ref)
    if match is None:
        return None
    return match.group("model"), match.group("version")


def model_of(refs: Sequence[str], models: Mapping[str, ModelFacts]) -> ModelFacts | None:
    """The facts of a call that may name any of `refs`: theirs when every one is known and
    of the same kind (a file iterator: none named by version); else None (unknown)."""
    found = [models.get(ref) for ref in refs]
    first = found[0] if found else None
    if first is None or any(f is None or (f.kind, f.file_keys, f.list_keys) !=
                            (first.kind, first.file_keys, first.list_keys) for f in found):
        return None
    versions = {(split_ref(ref) or ("", "?"))[1] is not None for ref in refs}
    if len(refs) > 1 and first.kind is OutputKind.FILE_ITERATOR and True in versions:
        return None
    return first


_Kind = tuple[OutputKind, frozenset[str], frozenset[str]]
_EMPTY: frozenset[str] = frozenset()
_UNKNOWN: _Kind = (OutputKind.UNKNOWN, _EMPTY, _EMPTY)
_MAX_DEPTH = 16  # $ref chains deeper than this are cycles or junk


class _Shape(enum.Enum):
    """What one schema node holds, for FileOutput purposes."""

    URI = "uri"
    URI_LIST = "uri-list"
    STRING = "string"
    PLAIN = "plain"  # numbers, bools, objects/arrays without files, untyped (Any)
    NESTED_FILES = "nested-files"  # files deeper than the top level of an object
    UNKNOWN = "unknown"


def kind_from_schema(
    openapi_schema: Mapping[str, Any],
) -> tuple[OutputKind, frozenset[str], frozenset[str]]:
    """Classify ``components.schemas.Output`` as (kind, file_keys, list_keys); never raises."""
    try:
        schemas = openapi_schema["components"]["schemas"]
        output = schemas["Output"]
    except (KeyError, TypeError, IndexError):
        return _UNKNOWN
    if not isinstance(schemas, Mapping) or not isinstance(output, Mapping):
        return _UNKNOWN
    try:
        return _classify_output(output, schemas)
    except (RecursionError, TypeError, ValueError, AttributeError):
        return _UNKNOWN


def as_cog_version_schema(schema: Mapping[str, Any], cog_version: object) -> Mapping[str, Any]:
    """The schema as the client reads it: cog < 0.3.9 streamed every top-level array output
    without saying so in x-cog-array-type (replicate.schema.make_schema_backwards_compatible)."""
    found = re.match(r"(\d+)\.(\d+)\.(\d+)", cog_version) if isinstance(cog_version, str) else None
    if found is None or tuple(int(n) for n in found.groups()) >= (0, 3, 9):
        return schema
    try:
        output = schema["components"]["schemas"]["Output"]
        if output.get("type") != "array":
            return schema
        patched = copy.deepcopy(dict(schema))
        patched["components"]["schemas"]["Output"]["x-cog-array-type"] = "iterator"
    except (KeyError, TypeError, AttributeError):
        return schema
    return patched


def _classify_output(output: Mapping[str, Any], schemas: Mapping[str, Any]) -> _Kind:
    node = _resolve(output, schemas)
    if node is None or not isinstance(node.get("type"), str):
        # An untyped Output is cog's `Any`: it may well hold URLs, so nothing is proven.
        return _UNKNOWN
    kind = node["type"]
    if kind == "array":
        return _classify_array(node, schemas), _EMPTY, _EMPTY
    if kind == "object":
        return _classify_object(node, schemas)
    shape = _shape(node, schemas, 0)
    if shape is _Shape.URI:
        return OutputKind.FILE, _EMPTY, _EMPTY
    if shape is _Shape.STRING:
        return OutputKind.TEXT, _EMPTY, _EMPTY
    if kind in ("number", "integer", "boolean"):
        return OutputKind.OTHER, _EMPTY, _EMPTY
    return _UNKNOWN


def _classify_array(node: Mapping[str, Any], schemas: Mapping[str, Any]) -> OutputKind:
    is_iterator = node.get("x-cog-array-type") == "iterator"
    items = _resolve(node.get("items"), schemas)
    item_shape = _shape(items, schemas, 1) if items is not None else _Shape.UNKNOWN
    if item_shape is _Shape.URI:
        return OutputKind.FILE_ITERATOR if is_iterator else OutputKind.FILE_LIST
    if item_shape is _Shape.STRING:
        return OutputKind.TEXT_ITERATOR if is_iterator else OutputKind.OTHER
    if item_shape is _Shape.PLAIN and items is not None and "type" in items:
        return OutputKind.OTHER
    return OutputKind.UNKNOWN


def _classify_object(node: Mapping[str, Any], schemas: Mapping[str, Any]) -> _Kind:
    properties = node.get("properties")
    if not isinstance(properties, Mapping) or not properties:
        # A bare `dict` output can hold anything, URLs included.
        return _UNKNOWN
    if _shape(node.get("additionalProperties"), schemas, 1) not in (_Shape.PLAIN, _Shape.STRING):
        return _UNKNOWN
    file_keys: set[str] = set()
    list_keys: set[str] = set()
    for key, value in properties.items():
        shape = _shape(value, schemas, 1)
        if shape in (_Shape.NESTED_FILES, _Shape.UNKNOWN):
            # file_keys cannot say "a file two levels down": let the caller be careful.
            return _UNKNOWN
        if shape in (_Shape.URI, _Shape.URI_LIST):
            file_keys.add(str(key))
        if shape is _Shape.URI_LIST:
            list_keys.add(str(key))
    if not file_keys:
        return OutputKind.OTHER, _EMPTY, _EMPTY
    return OutputKind.FILE_DICT, frozenset(file_keys), frozenset(list_keys)


def _shape(node: Any, schemas: Mapping[str, Any], depth: int) -> _Shape:
    """What a (sub)schema holds; ``depth`` > 1 means below a top-level property."""
    if node is None or node is True or node is False:
        return _Shape.PLAIN  # absent / `additionalProperties: bool`
    resolved = _resolve(node, schemas)
    if resolved is None:
        return _Shape.UNKNOWN
    kind = resolved.get("type")
    if kind == "string":
        return _Shape.URI if resolved.get("format") == "uri" else _Shape.STRING
    if kind == "array":
        inner = _shape(resolved.get("items"), schemas, depth + 1)
        if inner is _Shape.URI:
            return _Shape.URI_LIST if depth <= 1 else _Shape.NESTED_FILES
        return inner if inner in (_Shape.NESTED_FILES, _Shape.UNKNOWN) else _Shape.PLAIN
    if kind == "object":
        return _object_shape(resolved, schemas, depth)
    return _Shape.PLAIN


def _object_shape(node: Mapping[str, Any], schemas: Mapping[str, Any], depth: int) -> _Shape:
    properties = node.get("properties")
    values = list(properties.values()) if isinstance(properties, Mapping) else []
    values.append(node.get("additionalProperties"))
    shapes = {_shape(value, schemas, depth + 1) for value in values}
    if _Shape.UNKNOWN in shapes:
        return _Shape.UNKNOWN
    if shapes & {_Shape.URI, _Shape.URI_LIST, _Shape.NESTED_FILES}:
        return _Shape.NESTED_FILES
    return _Shape.PLAIN


def _resolve(node: Any, schemas: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """Follow local $refs and the single-branch allOf/anyOf/oneOf wrappers cog and pydantic
    emit (``Optional[X]`` is ``anyOf: [X, {type: null}]``); None when it stays ambiguous."""
    for _ in range(_MAX_DEPTH):
        if not isinstance(node, Mapping):
            return None
        ref = node.get("$ref")
        if isinstance(ref, str):
            node = _lookup_ref(ref, schemas)
            continue
        branches = _wrapper_branches(node)
        if branches is None:
            return node
        if len(branches) != 1:
            return None
        node = branches[0]
    return None


def _wrapper_branches(node: Mapping[str, Any]) -> list[Any] | None:
    for key in ("allOf", "anyOf", "oneOf"):
        branches = node.get(key)
        if isinstance(branches, list):
            return [b for b in branches if not (isinstance(b, Mapping) and b.get("type") == "null")]
    return None


def _lookup_ref(ref: str, schemas: Mapping[str, Any]) -> Any:
    prefix = "#/components/schemas/"
    if not ref.startswith(prefix):
        return None  # remote refs are never followed: lookups stay offline
    return schemas.get(ref[len(prefix) :])
