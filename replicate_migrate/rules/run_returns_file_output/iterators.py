"""Version refs that may stream files: where the opt-out alone cannot be shown to fix a use.

1.0 converts every item of an iterator model's output, `use_file_output=False` or not
(REPLICATE_1_0.md section 1). A use of the whole output that takes its items together
(`"".join(out)`, `json.dumps(list(out))`, `print(list(out))`) then meets FileOutputs.
"""

from __future__ import annotations

from collections.abc import Iterable

from replicate_migrate.analysis.link import Reach
from replicate_migrate.analysis.values import ITEM, Category

_MATERIALISING = frozenset({"list()", "tuple()", "reversed()"})


def takes_items_together(reach: Reach, materialised: bool) -> bool:
    """A use of the whole output (no item taken) that reads its items: a join, or, when the
    output is made a list (`list(out)`, `materialised`), a callee given that list."""
    use = reach.use
    if ITEM in reach.result.path or use.category not in (Category.NEEDS_STR, Category.WORKS):
        return False
    return use.detail == 'passed to "".join()' or materialised and use.detail.startswith("passed to ")


def is_fixable_join(reach: Reach, call_node: int) -> bool:
    """`"".join(out)` on the output itself, seen here: `[str(item) for item in out]` in its
    place gives the 0.34 text (a join takes only str items) for a list or an iterator."""
    use = reach.use
    is_join = use.detail == 'passed to "".join()' and use.category is Category.NEEDS_STR
    return is_join and not reach.linked and use.pure and not reach.result.path and use.node != call_node


def is_materialised(reaches: Iterable[Reach]) -> bool:
    """The whole output is made a list or tuple somewhere (`list(out)`)."""
    return any(r.use.category is Category.ITERATED and r.use.detail in _MATERIALISING for r in reaches)


def streamed_items_message(reaches: list[Reach], reasons: str) -> str:
    """The review reason when such uses exist."""
    return (
        "a version ref of an unknown model: if it streams files, 1.0 converts each item even with"
        f" use_file_output=False, and the items reach a str use together ({reasons}); make each"
        " item a str (`str(item)`) where they are read, or check the model's output"
    )
