"""What the report says where the tool cannot see a result's consumers."""

from __future__ import annotations

from pathlib import Path

from fixture_trees import FIXTURES, options_of, run_tree, write_tree


def _messages(top: Path, files: dict[str, bytes]) -> list[str]:
    write_tree(top, files)
    results = run_tree(top, options_of(FIXTURES / "RM001" / "star_import_hides_consumer_opt_out", top))
    return [finding[4] for outcome in results.values() for finding in outcome.findings]  # type: ignore[misc]


def test_a_library_function_says_its_consumers_are_outside_the_project(tmp_path: Path) -> None:
    library = b'import replicate\n\n\ndef render(prompt):\n    return replicate.run("acme/unknown", input={"prompt": prompt})\n'
    [message] = _messages(tmp_path, {"lib/api.py": library})
    assert "its consumers are outside the project" in message
    assert "used as a str" not in message
    assert "use_file_output=False" in message


def test_a_star_import_that_hides_a_consumer_is_named(tmp_path: Path) -> None:
    source = (FIXTURES / "RM001" / "star_import_hides_consumer_opt_out" / "input.py").read_bytes()
    [message] = _messages(tmp_path, {"main.py": source})
    assert "from json import *" in message
    assert "used as a str" not in message


def test_module_keys_never_show_in_a_report(tmp_path: Path) -> None:
    helper = b'import replicate\n\n\ndef make(p):\n    out = replicate.run("acme/unknown", input={"p": p})\n    keep(out)\n'
    keep = b"from archive import keep  # noqa: F401  (not the project's: not followed)\n"
    [message] = _messages(tmp_path, {"app/__init__.py": b"", "app/helper.py": helper + b"\n\nfrom .store import keep\n",
                                     "app/store.py": keep})
    assert "passed to app.store.keep()" in message, message
    assert "@" not in message, message
