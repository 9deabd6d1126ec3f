"""Every fixture again inside a large file: the rewrite must not depend on its size.

Files of 16 KB or more are split into top-level statement groups by CPython's tokenizer
and only the groups that can meet a replicate value are parsed; a statement context the
split or the selection mishandles would show here as a missing or different rewrite.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_fixtures import FILE_CASES, _expected, _id, _rewrite

# Past 16 KB, where large files once took another route through the engine.
LARGE = 16_384


# Top-level statements of every common kind that neither mention replicate nor bind
# a name the fixtures use.
FILLER = "".join(
    f"def _filler_{i}(values, scale={i}):\n    return [v * scale for v in values if v]\n\n\n"
    f"class _Filler{i}:\n    size = {i}\n\n\n"
    f"_table_{i} = {{'key': {i}, 'values': [_filler_{i}([1, 2])]}}\n"
    f"if _table_{i}['key'] > 1:\n    _table_{i}['key'] -= 1\n\n\n"
    for i in range(80)
)


def _padded(source: str) -> str:
    """`source` with filler before its first statement (after its imports and the blank
    lines between them, which a rewrite may remove with an import) and at its end."""
    lines = source.splitlines(keepends=True)
    head = 0
    while head < len(lines) and (lines[head].startswith(("import ", "from ")) or not lines[head].strip()):
        head += 1
    return "".join(lines[:head]) + "\n\n" + FILLER + "".join(lines[head:]) + "\n\n" + FILLER


def test_the_filler_makes_a_large_file() -> None:
    assert len(FILLER) > LARGE


@pytest.mark.parametrize("case", FILE_CASES, ids=_id)  # tree fixtures are not padded
def test_rewrite_of_the_padded_fixture_equals_the_padded_expected(case: Path) -> None:
    source = _padded((case / "input.py").read_text())
    expected = _padded(_expected(case).read_text())
    assert _rewrite(case, source.encode()).decode() == expected

