from __future__ import annotations

import json
from importlib import resources
from typing import Any
from urllib.parse import urlparse

import jsonschema
import pytest

from replicate_migrate.report import FORMATS, render
from replicate_migrate.report.github import escape_data, escape_property
from replicate_migrate.results import Action, FileResult, Finding
from replicate_migrate.rules import RULES, RULES_BY_ID

VERSION = "0.1.0"


def schema(name: str) -> dict[str, Any]:
    text = resources.files("replicate_migrate").joinpath("report_schemas", name).read_text()
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def finding(path: str, line: int, action: Action, **extra: Any) -> Finding:
    fields: dict[str, Any] = {"rule": "RM001", "message": f"{action.value} here", "column": 5}
    fields.update(extra)
    return Finding(path=path, line=line, action=action, **fields)


RESULTS = (
    FileResult(
        "src/gen.py",
        b"old",
        b"new",
        findings=(
            finding("src/gen.py", 12, Action.UNCHANGED, message="output is printed only"),
            finding("src/gen.py", 4, Action.REWRITTEN, kind="file-list", kind_source="catalog"),
        ),
    ),
    FileResult(
        "app.py",
        b"x",
        b"y",
        findings=(
            finding("app.py", 7, Action.REVIEW, kind="file"),
            finding("app.py", 9, Action.OPTED_OUT, rule="RM002", column=1),
        ),
    ),
    FileResult(
        "notebooks/demo.ipynb",
        b"{}",
        b"{ }",
        findings=(finding("notebooks/demo.ipynb", 2, Action.REWRITTEN, cell=3, rule="RM003"),),
    ),
    FileResult("broken.py", b"def (", error="cannot parse: line 1"),
)


def test_text_lists_every_finding_then_errors_and_summary() -> None:
    assert render(RESULTS, "text", tool_version=VERSION) == (
        "app.py:7:5: RM001 [needs-review] needs-review here (kind: file)\n"
        "app.py:9:1: RM002 [opted-out] opted-out here\n"
        "notebooks/demo.ipynb:cell 4:2:5: RM003 [rewritten] rewritten here\n"
        "src/gen.py:4:5: RM001 [rewritten] rewritten here (kind: file-list, from catalog)\n"
        "src/gen.py:12:5: RM001 [unchanged] output is printed only\n"
        "broken.py: error: cannot parse: line 1\n"
        "3 files changed, 1 call site needs review, 1 error.\n"
    )


def test_text_summary_wording() -> None:
    clean = [FileResult("a.py", b"x", findings=(finding("a.py", 1, Action.UNCHANGED),))]
    assert render(clean, "text", tool_version=VERSION).endswith("\nNo changes needed.\n")
    assert render([], "text", tool_version=VERSION) == "No changes needed.\n"
    reviews = [FileResult("a.py", b"x", findings=(finding("a.py", 1, Action.REVIEW),) * 2)]
    assert render(reviews, "text", tool_version=VERSION).endswith("2 call sites need review.\n")
    dry = render(RESULTS, "text", tool_version=VERSION, written=False)
    assert dry.endswith("3 files would change, 1 call site needs review, 1 error.\n")


def test_text_statistics_count_per_rule_and_action() -> None:
    assert render(RESULTS, "text", statistics=True, tool_version=VERSION) == (
        "1  RM001  rewritten\n"
        "1  RM001  needs-review\n"
        "1  RM001  unchanged\n"
        "1  RM002  opted-out\n"
        "1  RM003  rewritten\n"
        "broken.py: error: cannot parse: line 1\n"
        "3 files changed, 1 call site needs review, 1 error.\n"
    )


def test_json_matches_schema_and_content() -> None:
    document = json.loads(render(RESULTS, "json", tool_version=VERSION))
    jsonschema.Draft202012Validator.check_schema(schema("report.schema.json"))
    jsonschema.Draft202012Validator(schema("report.schema.json")).validate(document)
    assert document["tool"] == {"name": "replicate-migrate", "version": VERSION}
    assert [f["path"] for f in document["findings"]][:2] == ["app.py", "app.py"]
    notebook = next(f for f in document["findings"] if f["path"].endswith(".ipynb"))
    assert (notebook["cell"], notebook["line"], notebook["rule"]) == (4, 2, "RM003")
    assert document["errors"] == [{"path": "broken.py", "message": "cannot parse: line 1"}]
    assert document["summary"] == {
        "files": 4,
        "changed": 3,
        "findings_by_action": {
            "rewritten": 2,
            "opted-out": 1,
            "needs-review": 1,
            "unchanged": 1,
            "error": 0,
        },
        "errors": 1,
        "suppressed": 0,
    }


def test_json_says_whether_it_was_a_dry_run_and_gives_each_edit() -> None:
    before = 'x = run()\nprint(x[0].startswith("h"))\n\u00e9 = 1\n'
    after = 'x = run()\nprint(x[0].url.startswith("h"))\n\u00e9 = 1\n'
    result = FileResult("pkg\\gen.py", before.encode(), after.encode())
    for written in (False, True):
        document = json.loads(render([result], "json", tool_version=VERSION, written=written))
        jsonschema.Draft202012Validator(schema("report.schema.json")).validate(document)
        assert document["dry_run"] is not written
    assert document["edits"] == [
        {
            "path": "pkg/gen.py",
            # the longest common prefix is `print(x[0].`, so the insertion is `url.`
            "range": {"start": {"line": 2, "column": 12}, "end": {"line": 2, "column": 12}},
            "old": "",
            "new": "url.",
        }
    ]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("a\nb = f(x, 1)\nc\n", "a\nb = f(x,\n  use=1)\nc\n"),
        ("x\n", ""),
        ("", "x\n"),
        ("a\n\x0cb\nc\nd\n", "a\n\x0cB\nc\nD"),
        ("f(\u00e9)\r\n", "f(\u00e9.url)\r\n"),
    ],
)
def test_edits_applied_in_reverse_give_the_new_text(old: str, new: str) -> None:
    from replicate_migrate.report.edits import text_edits

    lines = old.split("\n")
    starts = [sum(len(line) + 1 for line in lines[:n]) for n in range(len(lines))]
    text = old
    for edit in reversed(text_edits(old, new)):
        start = starts[edit.start[0] - 1] + edit.start[1] - 1
        end = starts[edit.end[0] - 1] + edit.end[1] - 1
        assert text[start:end] == edit.old
        text = text[:start] + edit.new + text[end:]
    assert text == new


def test_json_statistics_count_per_rule_and_action_with_suppressed_calls() -> None:
    results = [
        *RESULTS,
        FileResult(
            "quiet.py",
            b"",
            findings=(
                finding("quiet.py", 3, Action.UNCHANGED, message="suppressed", suppressed=True),
            ),
        ),
    ]
    plain = json.loads(render(results, "json", tool_version=VERSION))
    assert "statistics" not in plain
    document = json.loads(render(results, "json", tool_version=VERSION, statistics=True))
    jsonschema.Draft202012Validator(schema("report.schema.json")).validate(document)
    assert document["statistics"] == [
        {"rule": "RM001", "action": "rewritten", "count": 1},
        {"rule": "RM001", "action": "needs-review", "count": 1},
        {"rule": "RM001", "action": "unchanged", "count": 1},
        {"rule": "RM001", "action": "suppressed", "count": 1},
        {"rule": "RM002", "action": "opted-out", "count": 1},
        {"rule": "RM003", "action": "rewritten", "count": 1},
    ]
    assert document["summary"]["suppressed"] == 1
    text = render(results, "text", tool_version=VERSION, statistics=True)
    assert "1  RM001  suppressed\n" in text


def test_json_schema_rejects_what_we_never_write() -> None:
    document = json.loads(render(RESULTS, "json", tool_version=VERSION))
    document["findings"][0]["column"] = 0
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, schema("report.schema.json"))


def sarif_log(results: tuple[FileResult, ...] | list[FileResult] = RESULTS) -> dict[str, Any]:
    log: dict[str, Any] = json.loads(render(results, "sarif", tool_version=VERSION))
    subset = schema("sarif-2.1.0-subset.schema.json")
    jsonschema.Draft4Validator.check_schema(subset)
    jsonschema.Draft4Validator(subset).validate(log)
    return log


def test_sarif_validates_and_describes_the_rules() -> None:
    log = sarif_log()
    assert log["version"] == "2.1.0" and len(log["runs"]) == 1
    driver = log["runs"][0]["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("replicate-migrate", VERSION)
    assert [(r["id"], r["name"]) for r in driver["rules"]][:3] == [
        ("RM001", "run-returns-file-output"),
        ("RM002", "use-file-output-keyword"),
        ("RM003", "stream-input-keyword"),
    ]
    assert [r["id"] for r in driver["rules"]] == [rule.id for rule in RULES_BY_ID]
    for rule in driver["rules"]:
        assert urlparse(rule["helpUri"]).fragment == f"{rule['id'].lower()}-{rule['name']}"
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]


def test_sarif_results_are_the_actionable_findings() -> None:
    run = sarif_log()["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    summary = [
        (r["ruleId"], r["level"], r["message"]["text"].split("]")[0]) for r in run["results"]
    ]
    assert summary == [
        ("RM001", "warning", "[needs-review"),
        ("RM002", "note", "[opted-out"),
        ("RM003", "note", "cell 4, line 2: [rewritten"),
        ("RM001", "note", "[rewritten"),
    ]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert not location["artifactLocation"]["uri"].startswith("/")
        assert location["region"]["startLine"] >= 1
    assert run["results"][0]["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 7,
        "startColumn": 5,
    }


def test_sarif_errors_are_tool_notifications() -> None:
    invocation = sarif_log()["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    [notice] = invocation["toolExecutionNotifications"]
    assert notice["level"] == "error" and "cannot parse" in notice["message"]["text"]
    clean = sarif_log([RESULTS[0]])["runs"][0]["invocations"][0]
    assert clean == {"executionSuccessful": True, "toolExecutionNotifications": []}


def test_sarif_uris_are_posix_and_percent_encoded() -> None:
    results = [
        FileResult(
            "dir\\my file.py", b"", findings=(finding("dir\\my file.py", 1, Action.REVIEW),)
        ),
        FileResult("/abs/x.py", b"", findings=(finding("/abs/x.py", 1, Action.REVIEW),)),
    ]
    uris = [
        r["locations"][0]["physicalLocation"]["artifactLocation"]
        for r in sarif_log(results)["runs"][0]["results"]
    ]
    assert uris == [
        {"uri": "file:///abs/x.py"},
        {"uri": "dir/my%20file.py", "uriBaseId": "%SRCROOT%"},
    ]


def test_github_annotations() -> None:
    assert render(RESULTS, "github", tool_version=VERSION).splitlines() == [
        "::warning file=app.py,line=7,col=5,title=RM001::[needs-review] needs-review here (kind: file)",
        "::notice file=app.py,line=9,col=1,title=RM002::[opted-out] opted-out here",
        "::notice file=notebooks/demo.ipynb,title=RM003::cell 4, line 2: [rewritten] rewritten here",
        (
            "::notice file=src/gen.py,line=4,col=5,title=RM001::[rewritten] rewritten here"
            " (kind: file-list, from catalog)"
        ),
        "::error file=broken.py::cannot parse: line 1",
    ]


def test_github_escaping() -> None:
    assert escape_data("100% done\r\nnext: a,b") == "100%25 done%0D%0Anext: a,b"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    weird = [FileResult("we,ird:name.py", b"", error="line 1\nline 2 at 50%")]
    assert render(weird, "github", tool_version=VERSION) == (
        "::error file=we%2Cird%3Aname.py::line 1%0Aline 2 at 50%25\n"
    )


# The engine starts most error messages with the path, and a syntax error with `line:col`.
ENGINE_ERRORS = (
    FileResult("src/bad.py", b"x = (", error="src/bad.py:2:5: syntax error: '(' was never closed"),
    FileResult("src/gone.py", b"", error="src/gone.py: cannot read: Permission denied"),
    FileResult("demo.ipynb", b"{}", error="demo.ipynb:4:1: syntax error: invalid syntax"),
    FileResult("src/loop.py", b"", error="symbolic link loop"),
)


def test_text_errors_name_the_file_once() -> None:
    assert render(ENGINE_ERRORS, "text", tool_version=VERSION).splitlines()[:-1] == [
        # A notebook's line counts in its joined cells, so it stays in the message.
        "demo.ipynb: error: 4:1: syntax error: invalid syntax",
        "src/bad.py:2:5: error: syntax error: '(' was never closed",
        "src/gone.py: error: cannot read: Permission denied",
        "src/loop.py: error: symbolic link loop",
    ]


def test_github_errors_name_the_file_once_and_point_at_the_line() -> None:
    assert render(ENGINE_ERRORS, "github", tool_version=VERSION).splitlines() == [
        "::error file=demo.ipynb::4:1: syntax error: invalid syntax",
        "::error file=src/bad.py,line=2,col=5::syntax error: '(' was never closed",
        "::error file=src/gone.py::cannot read: Permission denied",
        "::error file=src/loop.py::symbolic link loop",
    ]


def test_sarif_error_notifications_name_the_file_once_with_a_region() -> None:
    notices = sarif_log(ENGINE_ERRORS)["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert [n["message"]["text"] for n in notices] == [
        "demo.ipynb: 4:1: syntax error: invalid syntax",
        "src/bad.py:2:5: syntax error: '(' was never closed",
        "src/gone.py: cannot read: Permission denied",
        "src/loop.py: symbolic link loop",
    ]
    regions = [n["locations"][0]["physicalLocation"].get("region") for n in notices]
    assert regions == [None, {"startLine": 2, "startColumn": 5}, None, None]


def test_json_errors_keep_the_engine_message() -> None:
    document = json.loads(render(ENGINE_ERRORS[:1], "json", tool_version=VERSION))
    assert document["errors"] == [
        {"path": "src/bad.py", "message": "src/bad.py:2:5: syntax error: '(' was never closed"}
    ]


def test_every_format_renders_and_unknown_ones_fail() -> None:
    for fmt in FORMATS:
        assert render(RESULTS, fmt, tool_version=VERSION).endswith("\n")
    with pytest.raises(ValueError, match="unknown report format 'xml'"):
        render(RESULTS, "xml", tool_version=VERSION)


def test_rules_table_is_consistent() -> None:
    assert len({rule.id for rule in RULES}) == len(RULES)
    assert all(rule.id.startswith("RM") and rule.name == rule.name.lower() for rule in RULES)
