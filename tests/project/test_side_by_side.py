"""A folder's results do not depend on the folders run with it: every fixture folder side
by side in one tree, run once, gives each folder what it gets when run alone."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from fixture_trees import CASES, input_tree, options_of, run_tree, write_tree


def _folder(case: Path) -> str:
    return f"{case.parent.name}_{case.name}"


def test_every_fixture_folder_alone_and_side_by_side(tmp_path: Path) -> None:
    groups: dict[object, list[Path]] = defaultdict(list)  # one tree per strategy and rule set
    for case in CASES:
        options = options_of(case)
        groups[options.strategy, options.ignore].append(case)
    for number, cases in enumerate(groups.values()):
        tree = tmp_path / f"tree-{number}"
        for case in cases:
            write_tree(tree / _folder(case), input_tree(case))
        together = run_tree(tree, options_of(cases[0], tree, jobs=2))
        for case in cases:
            alone_top = write_tree(tmp_path / "alone" / _folder(case), input_tree(case))
            alone = run_tree(alone_top, options_of(case, alone_top))
            prefix = f"{_folder(case)}/"
            seen = {name[len(prefix):]: r for name, r in together.items() if name.startswith(prefix)}
            assert seen == alone, _folder(case)
