"""RM004's tests beyond its examples (those run in test_every_rule.py)."""

from __future__ import annotations

import libcst as cst
import pytest
from rule_examples import rewrite

from replicate_migrate.rules.read_file_output import RULE


def test_a_function_is_walked_for_its_parents_once_however_many_downloads(monkeypatch: pytest.MonkeyPatch) -> None:
    # Each download asked for the parent map of the top-level statement holding it (twice):
    # a function with many downloads was walked once per download, quadratic in its size.
    from replicate_migrate.rules.read_file_output import matchers

    walked: list[str] = []

    class Counting(matchers._Parents):
        def on_visit(self, node: cst.CSTNode) -> bool:
            if not self.stack:
                walked.append(type(node).__name__)
            return super().on_visit(node)

    monkeypatch.setattr(matchers, "_Parents", Counting)
    downloads = "".join(f'    urllib.request.urlretrieve(out[{i}], "f{i}.png")\n' for i in range(40))
    code = (
        "import replicate\nimport urllib.request\n\ndef go():\n"
        '    out = replicate.run("black-forest-labs/flux-schnell", input={})\n' + downloads
    )
    fixed = rewrite(RULE, code)
    assert fixed.count(".read())") == 40
    assert walked.count("FunctionDef") == 1, walked.count("FunctionDef")
