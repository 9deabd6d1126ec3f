"""Which files a run analyses beyond those importing replicate: only those a result can reach."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixture_trees import run_tree, write_tree

from replicate_migrate.engine import crossfile
from replicate_migrate.options import Options

WRAPPER = b'import replicate\n\n\ndef generate(p):\n    return replicate.run("meta/musicgen", input={"prompt": p})\n'


def test_callers_of_functions_returning_no_result_are_not_analysed(tmp_path: Path) -> None:
    top = write_tree(tmp_path, {
        "app/__init__.py": b"",
        "app/wrapper.py": WRAPPER,
        "app/consumer.py": b"from .wrapper import generate\n\n\ndef song(p):\n    return generate(p).upper()\n",
        # Calls the wrapper, but returns something else: its own callers are not needed.
        "app/other.py": b"from .lib import thing\nfrom .wrapper import generate\n\n\n"
                        b"def tune():\n    print(generate('x'))\n    return thing()\n",
        "app/lib.py": b"def thing():\n    return 1\n",
        "app/user.py": b"from .other import tune\n\nprint(tune())\n",
    })
    results = run_tree(top, Options(jobs=1, project_root=str(top)))
    assert set(results) == {"app/wrapper.py", "app/consumer.py", "app/other.py"}


def test_a_relay_function_brings_in_its_own_callers(tmp_path: Path) -> None:
    top = write_tree(tmp_path, {
        "app/__init__.py": b"",
        "app/wrapper.py": WRAPPER,
        "app/relay.py": b"from .wrapper import generate\n\n\ndef song(p):\n    return generate(p)\n",
        "main.py": b"from app.relay import song\n\nprint(song('x').upper())\n",
    })
    results = run_tree(top, Options(jobs=1, project_root=str(top)))
    assert set(results) == {"app/wrapper.py", "app/relay.py", "main.py"}
    assert b").url" in results["app/wrapper.py"].migrated


def test_callers_found_by_scanning_and_by_the_word_index_are_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {
        "app/__init__.py": b"",
        "app/wrapper.py": WRAPPER,
        "app/relay.py": b"from .wrapper import generate\n\n\ndef song(p):\n    return generate(p)\n",
        "app/regen.py": b"from .wrapper import regenerate  # another word: not a caller\n",
        "main.py": b"from app.relay import song\n\nprint(song('x').upper())\n",
    }
    top = write_tree(tmp_path, files)
    scanned = run_tree(top, Options(jobs=1, project_root=str(top)))
    monkeypatch.setattr(crossfile, "SCAN_NAMES", 0)
    indexed = run_tree(top, Options(jobs=1, project_root=str(top)))
    assert scanned == indexed
    assert "app/regen.py" not in scanned
