"""Which files a run analyses beyond those importing replicate: only those a result can reach."""

from __future__ import annotations

from pathlib import Path

from fixture_trees import run_tree, write_tree

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


def test_callers_are_found_however_their_import_statement_is_written(tmp_path: Path) -> None:
    top = write_tree(tmp_path, {
        "app/__init__.py": b"",
        "app/wrapper.py": WRAPPER,
        "joined.py": b"from app.wrapper \\\n    import generate\n\nprint(generate('x').upper())\n",
        "joined_crlf.py": b"from \\\r\n  app.wrapper import generate\r\n\r\nprint(generate('x').upper())\r\n",
        "dotted.py": b"import app.wrapper\n\nprint(app.wrapper.generate('x').upper())\n",
        "dynamic.py": b"import importlib\n\nw = importlib.import_module('app.wrapper')\n"
                      b"print(w.generate('x').upper())\n",
        "app/sibling.py": b"from . import wrapper\n\nprint(wrapper.generate('x').upper())\n",
        "app/regen.py": b"from .wrapper import regenerate  # another word: not a caller\n",
        # Says the function and the package, but imports neither: nothing to analyse.
        "prose.py": b"import json\n\n# app.wrapper's generate is not called here\nprint(json.dumps(1))\n",
    })
    results = run_tree(top, Options(jobs=1, project_root=str(top)))
    callers = {"joined.py", "joined_crlf.py", "dotted.py", "dynamic.py", "app/sibling.py"}
    assert set(results) == {"app/wrapper.py", *callers}
    assert b").url" in results["app/wrapper.py"].migrated
