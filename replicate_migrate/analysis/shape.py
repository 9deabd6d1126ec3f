"""What a value at a path is, given the model's output kind: one FileOutput, a list, text."""

from __future__ import annotations

import enum

from replicate_migrate.analysis.models import ModelFacts, OutputKind
from replicate_migrate.analysis.values import ITEM, LISTED, OTHER, WRAP, Category, Key, Path


class Shape(enum.Enum):
    FILE = "one FileOutput"
    CONTAINER = "a list or dict holding FileOutputs"
    NO_FILE = "not a file"
    UNKNOWN = "unknown"


def shape_of(facts: ModelFacts | None, path: Path) -> Shape:
    """The shape of the run() result at `path` under replicate 1.0."""
    if OTHER in path:
        # Dual-type code handles one FileOutput in the other branch: a result not known
        # to be a container is taken to be that one file, which never reaches here.
        at = path.index(OTHER)
        if shape_of(facts, path[:at]) is not Shape.CONTAINER:
            return Shape.NO_FILE
        path = path[:at] + path[at + 1 :]
    resolved = _without_listed(facts, path)
    if resolved is None:
        return Shape.UNKNOWN
    path = resolved
    inner = tuple(step for step in path if step != WRAP)
    shape = _unwrapped(facts, inner)
    if path and path[-1] == WRAP and shape is not Shape.NO_FILE:
        return Shape.CONTAINER
    return shape


def _without_listed(facts: ModelFacts | None, path: Path) -> Path | None:
    """`path` with each LISTED step resolved by the kind: nothing on a list, a wrap on one
    file (so an item taken next is the file itself); None when the kind cannot say."""
    while LISTED in path:
        index = path.index(LISTED)
        prefix, rest = path[:index], path[index + 1 :]
        shape = shape_of(facts, prefix)
        if shape is Shape.UNKNOWN:
            return None
        path = _stepped((*prefix, WRAP), rest) if shape is Shape.FILE else (*prefix, *rest)
    return path


def _stepped(path: Path, steps: Path) -> Path:
    """As `Result.step` goes: an item or key of a wrapped value is the value itself."""
    for step in steps:
        path = path[:-1] if step != WRAP and path and path[-1] == WRAP else (*path, step)
    return path


def _unwrapped(facts: ModelFacts | None, path: Path) -> Shape:
    kind = facts.kind if facts is not None else OutputKind.UNKNOWN
    if kind in (OutputKind.TEXT, OutputKind.TEXT_ITERATOR, OutputKind.OTHER):
        return Shape.NO_FILE
    if kind is OutputKind.FILE:
        return Shape.FILE if not path else Shape.UNKNOWN
    if kind in (OutputKind.FILE_LIST, OutputKind.FILE_ITERATOR):
        return {0: Shape.CONTAINER, 1: Shape.FILE}.get(len(path), Shape.UNKNOWN) if all(
            step == ITEM for step in path
        ) else Shape.UNKNOWN
    if kind is OutputKind.FILE_DICT and facts is not None:
        return _dict_shape(facts, path)
    return _guess(path)


def _dict_shape(facts: ModelFacts, path: Path) -> Shape:
    if not path:
        return Shape.CONTAINER
    step = path[0]
    if not isinstance(step, Key) or step.is_any:
        return Shape.UNKNOWN
    key = step.name
    if key not in facts.file_keys:
        return Shape.NO_FILE
    rest = path[1:]
    if key in facts.list_keys:
        return Shape.CONTAINER if not rest else Shape.FILE if rest == (ITEM,) else Shape.UNKNOWN
    return Shape.FILE if not rest else Shape.UNKNOWN


def _guess(path: Path) -> Shape:
    # Unknown model: an item or a key of the output is taken to be one file at most,
    # which only decides whether printing it is safe; fixes stay text-safe.
    return Shape.FILE if path else Shape.UNKNOWN


_NEVER_FIXED = (Category.FILE_OUTPUT, Category.URL_CALLED, Category.EITHER, Category.TYPE_TEST)


def needs_fix(category: Category, shape: Shape) -> bool:
    """Whether a use of this category breaks in 1.0 for a value of this shape."""
    if shape is Shape.NO_FILE or category in _NEVER_FIXED:
        return False
    if category is Category.WORKS:
        return shape is not Shape.FILE
    if category is Category.ITERATED:
        # Iterating an unknown result: a list's items are followed on their own, and a
        # single file iterated for its bytes is 1.0 code already.
        return False
    if category is Category.SEQUENCE:
        return shape is not Shape.CONTAINER
    return True


def is_file_output_use(category: Category, shape: Shape) -> bool:
    """Code that already needs the FileOutput: an opt-out upstream would break it."""
    if category is Category.FILE_OUTPUT:
        return True
    return category is Category.ITERATED and shape is Shape.FILE
