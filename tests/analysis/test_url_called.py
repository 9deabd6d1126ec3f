"""`.url()`: the URL called like a method, as in the JavaScript client. It fails under 0.34
(a str has no `.url`) and under 1.0 (`FileOutput.url` is a str): a bug to report, not
code that "already uses the FileOutput API"."""

from __future__ import annotations

import libcst as cst
import pytest

from replicate_migrate.analysis.module import analyze_module
from replicate_migrate.analysis.values import ITEM, Category
from replicate_migrate.engine.pipeline import migrate_sources
from replicate_migrate.options import Options
from replicate_migrate.results import Action, Finding


def _categories(source: str) -> set[tuple[tuple[str, ...], Category]]:
    facts, _ = analyze_module(cst.parse_module(source), "m.py", "m", frozenset())
    return {(u.result.path, u.category) for u in facts.uses if u.result.source.kind == "call"}


def _finding(source: str) -> Finding:
    outcome = migrate_sources([("program.py", source.encode())], Options(jobs=1))
    [result] = outcome.results
    assert result.migrated is None, "a file with a .url() bug is not rewritten"
    [finding] = [f for f in result.findings if f.rule == "RM001"]
    return finding


def test_url_called_is_its_own_category() -> None:
    found = _categories("import replicate\nout = replicate.run('a/b')\nprint(out[0].url())\n")
    assert found == {((ITEM,), Category.URL_CALLED)}


def test_url_read_is_still_file_output() -> None:
    found = _categories("import replicate\nout = replicate.run('a/b')\nprint(out[0].url)\n")
    assert found == {((ITEM,), Category.FILE_OUTPUT)}


def test_url_method_of_another_object_is_not_a_use() -> None:
    source = "import replicate\nclass Page:\n    def url(self): return 'x'\nprint(Page().url())\n"
    assert _categories(source) == set()


@pytest.mark.parametrize(
    "use",
    ["print(output[0].url())", "link = output[0].url()\nprint(link)", "for item in output:\n    print(item.url())"],
    ids=["printed", "bound", "loop_item"],
)
def test_url_called_is_reported_as_a_bug(use: str) -> None:
    source = f'import replicate\n\noutput = replicate.run("black-forest-labs/flux-schnell", input={{}})\n{use}\n'
    finding = _finding(source)
    assert finding.action is Action.REVIEW
    assert "bug" in finding.message
    assert "0.34" in finding.message and "1.0" in finding.message
