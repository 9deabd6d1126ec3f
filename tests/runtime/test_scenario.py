from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from replicate_migrate.runtime import ModelSpec, Scenario


def test_parses_the_documented_format(tmp_path: Path) -> None:
    data = {
        "models": {
            "o/text:abc": {"output": ["Hi"], "iterator": True},
            "o/fail": {"error": "boom"},
        },
        "files": {
            "https://replicate.delivery/a.txt": "A",
            "https://replicate.delivery/b": {"base64": "AAE="},
        },
        "options": {"anything": True},
    }
    (tmp_path / "scenario.json").write_text(json.dumps(data))
    scenario = Scenario.load(tmp_path / "scenario.json")
    assert scenario.models["o/text:abc"] == ModelSpec(output=["Hi"], iterator=True)
    assert scenario.files == {
        "https://replicate.delivery/a.txt": b"A",
        "https://replicate.delivery/b": b"\x00\x01",
    }
    assert scenario.input_semantics == "0.34"
    assert Scenario.from_dict(json.loads(scenario.to_json())) == scenario


def test_find_model_tries_the_exact_ref_then_owner_name() -> None:
    scenario = Scenario.from_dict({"models": {"o/m": {"output": 1}, "o/m:v2": {"output": 2}}})
    assert scenario.find_model("o/m:v2") == ModelSpec(output=2)
    assert scenario.find_model("o/m:v9") == ModelSpec(output=1)
    assert scenario.find_model("o/other") is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "must be a JSON object"),
        ({"models": []}, "'models' must be an object"),
        ({"models": {"nomodel": {"output": 1}}}, "'owner/name'"),
        ({"models": {"o/m": "x"}}, "must be an object"),
        ({"models": {"o/m": {}}}, "needs 'output' or 'error'"),
        ({"models": {"o/m": {"output": 1, "iterater": True}}}, "unknown keys"),
        ({"models": {"o/m": {"output": "x", "iterator": True}}}, "must be a list"),
        ({"models": {"o/m": {"output": [], "iterator": "yes"}}}, "'iterator' must be"),
        ({"files": {"https://a/x": 3}}, "must be a string or"),
        ({"files": {"ftp://a/x": "x"}}, "http(s) URL"),
        ({"files": {"https://a/x": {"base64": "%%%"}}}, "invalid base64"),
        ({"input_semantics": "2.0"}, "input_semantics"),
    ],
)
def test_bad_shapes_raise_value_error_naming_the_problem(data: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Scenario.from_dict(data)


def test_invalid_json_file(tmp_path: Path) -> None:
    (tmp_path / "scenario.json").write_text("{")
    with pytest.raises(ValueError, match="not valid JSON"):
        Scenario.load(tmp_path / "scenario.json")
