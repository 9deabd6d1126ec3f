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


@pytest.mark.parametrize(
    ("later", "name"),
    [
        ('print(f"{file}")\n', "file_1"),  # one STRING token before Python 3.12
        ("def log():\n    return file\n", "file_1"),  # a statement LibCST did not parse
        ("# the file is written above\n", "file"),  # a comment names no variable
        ('print("file")\n', "file"),
    ],
)
def test_a_module_level_download_binds_a_name_no_statement_of_the_module_uses(later: str, name: str) -> None:
    code = (
        'from urllib.request import urlretrieve\nimport replicate\nfile = "log.txt"\n'
        'out = replicate.run("black-forest-labs/flux-schnell", input={})\n'
        'urlretrieve(out[0], "a.png")\n' + later
    )
    if name == "file":
        code = code.replace('file = "log.txt"\n', "")
    fixed = rewrite(RULE, code)
    assert f'with open("a.png", "wb") as {name}:\n    {name}.write(out[0].read())\n' in fixed, fixed


RUN = 'out = replicate.run("black-forest-labs/flux-schnell", input={})\n'


@pytest.mark.parametrize(
    ("imports", "rest", "kept"),
    [
        ("import requests\n", "", ""),  # its one use was the download
        ("import requests\n", 'requests.post("https://example.com", data=data)\n', "import requests\n"),
        ("import requests\n", "# requests are logged\n", "import requests\n"),  # any word keeps it
        ("import requests\n", '__all__ = ["requests"]\n', "import requests\n"),
        ("import requests as rq\n", "", ""),
        ("import requests, json\n", "print(json.dumps(1))\n", "import json\n"),
        ("from requests import get, post\n", "post(data)\n", "from requests import post\n"),
        ("from requests import post, get\n", "post(data)\n", "from requests import post\n"),
        ("from requests import (\n    get,\n    post,\n)\n", "post(data)\n", "from requests import (\n    post,\n)\n"),
        ("from requests import (\n    post,\n    get,\n)\n", "post(data)\n", "from requests import (\n    post,\n)\n"),
    ],
)
def test_an_import_only_the_downloads_used_goes(imports: str, rest: str, kept: str) -> None:
    use = "rq.get" if " as rq" in imports else "get" if imports.startswith("from") else "requests.get"
    code = f"import replicate\n{imports}{RUN}data = {use}(out[0]).content\n{rest}"
    assert rewrite(RULE, code) == f"import replicate\n{kept}{RUN}data = out[0].read()\n{rest}"


def test_a_package_init_keeps_its_imports() -> None:
    from replicate_migrate.engine.pipeline import migrate_sources
    from replicate_migrate.options import Options

    code = f"import replicate\nimport requests\n{RUN}data = requests.get(out[0]).content\n"
    outcome = migrate_sources([("pkg/__init__.py", code.encode())], Options(select=frozenset({RULE.id}), jobs=1))
    [result] = outcome.results
    assert result.migrated == f"import replicate\nimport requests\n{RUN}data = out[0].read()\n".encode()
