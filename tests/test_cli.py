"""The command line end to end: exit codes, diffs, fix modes, rule selection, suppression,
output streams and colour, config, stdin, notebooks."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

import nbformat
import pytest

from replicate_migrate.rules import RULES, RULES_BY_ID

SOURCE = (
    "import urllib.request\n"
    "\n"
    "import replicate\n"
    "\n"
    # RM004 would read the FileOutput instead: these tests show RM001's `.url`.
    'output = replicate.run("bytedance/sdxl-lightning-4step", input={"prompt": "a crane"})  # noqa: RM004\n'
    'urllib.request.urlretrieve(output[0], "crane.png")\n'
)
MIGRATED = SOURCE.replace("output[0],", "output[0].url,")
OPTED_OUT = SOURCE.replace('"a crane"})', '"a crane"}, use_file_output=False)')
CLEAN = 'print("nothing to do")\n'
RunCli = Callable[..., subprocess.CompletedProcess[str]]  # the run_cli fixture, conftest.py


def test_clean_tree_exits_0_without_a_diff(tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / "clean.py").write_text(CLEAN)
    (tmp_path / "uses_replicate.py").write_text(MIGRATED)

    result = run_cli(".", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert "--- a/" not in result.stdout
    assert "+++ b/" not in result.stdout


def test_dry_run_prints_a_unified_diff_exits_1_and_writes_nothing(
    tmp_path: Path, run_cli: RunCli
) -> None:
    target = tmp_path / "app.py"
    target.write_text(SOURCE)
    os.utime(target, ns=(1_000_000_000_000_000_000, 1_000_000_000_000_000_000))
    before = target.stat()

    result = run_cli("app.py", cwd=tmp_path)

    assert result.returncode == 1, result.stderr
    assert "--- a/app.py\n+++ b/app.py\n" in result.stdout
    assert '-urllib.request.urlretrieve(output[0], "crane.png")' in result.stdout
    assert '+urllib.request.urlretrieve(output[0].url, "crane.png")' in result.stdout
    assert target.read_bytes() == SOURCE.encode()
    assert target.stat().st_mtime_ns == before.st_mtime_ns


def test_fix_rewrites_then_a_second_fix_changes_nothing(tmp_path: Path, run_cli: RunCli) -> None:
    target = tmp_path / "app.py"
    target.write_text(SOURCE)

    first = run_cli("--fix", ".", cwd=tmp_path)
    assert first.returncode == 1, first.stderr
    assert target.read_text() == MIGRATED
    mtime = target.stat().st_mtime_ns

    second = run_cli("--fix", ".", cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert target.read_text() == MIGRATED
    assert target.stat().st_mtime_ns == mtime


def test_syntax_error_exits_2_names_the_file_and_the_good_file_is_still_fixed(
    tmp_path: Path, run_cli: RunCli
) -> None:
    (tmp_path / "broken.py").write_text("import replicate\nx = (\n")
    good = tmp_path / "good.py"
    good.write_text(SOURCE)

    result = run_cli("--fix", ".", cwd=tmp_path)

    assert result.returncode == 2
    errors = [
        line
        for line in result.stdout.splitlines() + result.stderr.splitlines()
        if "error" in line and "broken.py" in line
    ]
    assert len(errors) == 1, result.stdout + result.stderr
    assert errors[0].startswith("broken.py:2:") and errors[0].count("broken.py") == 1, errors
    assert "Traceback" not in result.stderr
    assert good.read_text() == MIGRATED
    assert (tmp_path / "broken.py").read_text() == "import replicate\nx = (\n"


def test_unknown_option_is_a_usage_error(tmp_path: Path, run_cli: RunCli) -> None:
    result = run_cli("--no-such-option", ".", cwd=tmp_path)
    assert result.returncode == 2
    assert "No such option" in result.stderr


def test_unknown_strategy_is_a_usage_error(tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / "app.py").write_text(SOURCE)
    result = run_cli("--strategy", "sometimes", "app.py", cwd=tmp_path)
    assert result.returncode == 2
    assert "--strategy" in result.stderr
    assert (tmp_path / "app.py").read_text() == SOURCE


def test_list_rules_lists_every_rule(tmp_path: Path, run_cli: RunCli) -> None:
    result = run_cli("--list-rules", cwd=tmp_path)
    assert result.returncode == 0
    ids = [line.split()[0] for line in result.stdout.splitlines() if line.strip()]
    assert ids[:3] == ["RM001", "RM002", "RM003"]
    assert ids == [rule.id for rule in RULES_BY_ID]  # a new rule is listed without a test edit


def test_invalid_config_exits_2_with_one_line_naming_pyproject(
    tmp_path: Path, run_cli: RunCli
) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.replicate-migrate]\nstrategy = "bogus"\n')
    (tmp_path / "app.py").write_text(SOURCE)

    result = run_cli(".", cwd=tmp_path)

    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "pyproject.toml" in lines[0] and "strategy" in lines[0]
    assert (tmp_path / "app.py").read_text() == SOURCE


def test_config_strategy_changes_the_fix_and_a_flag_overrides_it(
    tmp_path: Path, run_cli: RunCli
) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.replicate-migrate]\nstrategy = "opt-out"\n')
    target = tmp_path / "app.py"
    target.write_text(SOURCE)

    configured = run_cli("--fix", ".", cwd=tmp_path)
    assert configured.returncode == 1, configured.stderr
    assert target.read_text() == OPTED_OUT

    target.write_text(SOURCE)
    overridden = run_cli("--fix", "--strategy", "auto", ".", cwd=tmp_path)
    assert overridden.returncode == 1, overridden.stderr
    assert target.read_text() == MIGRATED


def test_stdin_with_fix_prints_the_migrated_code(tmp_path: Path, run_cli: RunCli) -> None:
    result = run_cli(
        "-", "--stdin-filename", "app.py", "--fix", cwd=tmp_path, stdin=SOURCE.encode()
    )
    assert result.returncode == 1, result.stderr
    assert result.stdout == MIGRATED
    assert not list(tmp_path.iterdir())


def test_stdin_clean_code_is_echoed_unchanged(tmp_path: Path, run_cli: RunCli) -> None:
    result = run_cli("-", "--stdin-filename", "app.py", "--fix", cwd=tmp_path, stdin=CLEAN.encode())
    assert result.returncode == 0, result.stderr
    assert result.stdout == CLEAN


def _notebook() -> str:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "Py"}
    nb.cells.append(nbformat.v4.new_code_cell("!pip install replicate"))
    nb.cells.append(nbformat.v4.new_markdown_cell("# Generate an image\nWith `replicate.run`."))
    nb.cells.append(
        nbformat.v4.new_code_cell(
            "import urllib.request\n"
            "import replicate\n"
            'output = replicate.run("black-forest-labs/flux-schnell", input={"prompt": "a fox"})  # noqa: RM004\n'
            'urllib.request.urlretrieve(output[0], "fox.webp")'
        )
    )
    return nbformat.writes(nb) + "\n"


def test_notebook_fix_changes_only_the_cell_line(tmp_path: Path, run_cli: RunCli) -> None:
    target = tmp_path / "demo.ipynb"
    original = _notebook()
    target.write_text(original, encoding="utf-8")

    dry = run_cli("demo.ipynb", cwd=tmp_path)
    assert dry.returncode == 1, dry.stderr
    assert "--- a/demo.ipynb:cell 3\n+++ b/demo.ipynb:cell 3\n" in dry.stdout

    fixed = run_cli("--fix", "demo.ipynb", cwd=tmp_path)
    assert fixed.returncode == 1, fixed.stderr
    text = target.read_text(encoding="utf-8")
    json.loads(text)
    nbformat.validate(nbformat.reads(text, as_version=4))
    old_lines, new_lines = original.splitlines(), text.splitlines()
    assert len(old_lines) == len(new_lines)
    changed = [(a, b) for a, b in zip(old_lines, new_lines) if a != b]
    assert changed == [
        (
            '    "urllib.request.urlretrieve(output[0], \\"fox.webp\\")"',
            '    "urllib.request.urlretrieve(output[0].url, \\"fox.webp\\")"',
        )
    ]


# Rule selection


def test_unknown_rule_id_is_an_error_naming_it(tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / "app.py").write_text(SOURCE)

    flag = run_cli("--select", "RM9", ".", cwd=tmp_path)
    assert flag.returncode == 2
    assert flag.stderr.strip().splitlines() == [
        "replicate-migrate: error: --select: unknown rule id 'RM9' (rules: "
        + ", ".join(rule.id for rule in RULES_BY_ID)
        + ")"
    ]
    assert flag.stdout == ""

    (tmp_path / "pyproject.toml").write_text('[tool.replicate-migrate]\nignore = ["RM001", "X"]\n')
    config = run_cli(".", cwd=tmp_path)
    assert config.returncode == 2
    assert "pyproject.toml" in config.stderr and "'X'" in config.stderr, config.stderr


def test_rule_ids_match_case_insensitively(tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / "app.py").write_text(SOURCE)
    selected = run_cli("--select", "rm001", "app.py", cwd=tmp_path)
    assert selected.returncode == 1, selected.stderr
    assert "+urllib.request.urlretrieve(output[0].url" in selected.stdout
    ignored = run_cli("--ignore", "rm00", "app.py", cwd=tmp_path)
    assert ignored.returncode == 0, ignored.stderr
    assert "--- a/" not in ignored.stdout


# Fix modes


def test_no_fix_turns_off_fix_from_config(tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.replicate-migrate]\nfix = true\n")
    target = tmp_path / "app.py"
    target.write_text(SOURCE)

    result = run_cli("--no-fix", ".", cwd=tmp_path)

    assert result.returncode == 1, result.stderr
    assert "+urllib.request.urlretrieve(output[0].url" in result.stdout
    assert "1 file would change." in result.stdout
    assert target.read_text() == SOURCE


def test_diff_prints_only_the_patch_and_writes_nothing(tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.replicate-migrate]\nfix = true\n")
    target = tmp_path / "app.py"
    target.write_text(SOURCE)

    result = run_cli("--diff", ".", cwd=tmp_path)

    assert result.returncode == 1, result.stderr
    assert result.stdout.startswith("--- a/app.py\n+++ b/app.py\n@@ ")
    assert all(line[:1] in " -+@\\" for line in result.stdout.splitlines()), result.stdout
    assert "1 file would change." in result.stderr
    assert target.read_text() == SOURCE

    target.write_text(MIGRATED)
    clean = run_cli("--diff", ".", cwd=tmp_path)
    assert (clean.returncode, clean.stdout) == (0, ""), clean.stderr


def test_check_prints_the_findings_without_a_diff(tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.replicate-migrate]\nfix = true\n")
    target = tmp_path / "app.py"
    target.write_text(SOURCE)

    result = run_cli("--check", ".", cwd=tmp_path)

    assert result.returncode == 1, result.stderr
    assert "--- a/" not in result.stdout
    assert "app.py:5:10: RM001 [rewritten]" in result.stdout
    assert target.read_text() == SOURCE

    target.write_text(MIGRATED)
    assert run_cli("--check", ".", cwd=tmp_path).returncode == 0


def test_fix_with_diff_or_check_is_a_usage_error(tmp_path: Path, run_cli: RunCli) -> None:
    target = tmp_path / "app.py"
    target.write_text(SOURCE)
    for mode in ("--diff", "--check"):
        result = run_cli("--fix", mode, ".", cwd=tmp_path)
        assert result.returncode == 2
        assert "--fix" in result.stderr and mode in result.stderr
    assert target.read_text() == SOURCE


# Suppression


def test_suppressed_sites_are_left_and_counted_under_statistics(
    tmp_path: Path, run_cli: RunCli
) -> None:
    target = tmp_path / "app.py"
    source = (
        "import replicate\n"
        "\n"
        'out = replicate.run("black-forest-labs/flux-schnell", {"prompt": "a"}, False)  # NOQA: rm002\n'
        'print(out[0].split("/")[-1])\n'
        'more = replicate.run("bytedance/sdxl-lightning-4step", input={"prompt": "b"})  # noqa\n'
        'print(more[0].startswith("https://"))\n'
    )
    target.write_text(source)

    result = run_cli("--statistics", "--fix", ".", cwd=tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    assert target.read_text() == source
    assert "1  RM001  suppressed\n" in result.stdout
    assert "1  RM002  suppressed\n" in result.stdout

    report = run_cli("--format", "json", "--statistics", ".", cwd=tmp_path)
    document = json.loads(report.stdout)
    assert document["summary"]["suppressed"] == 2
    assert {"rule": "RM002", "action": "suppressed", "count": 1} in document["statistics"]


EVERY_RULE = {rule.id for rule in RULES}
assert {"RM001", "RM002", "RM003"} <= EVERY_RULE


@pytest.mark.parametrize(
    ("line", "rules"),
    [
        ("x = run()  # noqa", EVERY_RULE),
        ("x = run()  #noqa:RM001", {"RM001"}),
        ("x = run()  # noqa: E501, rm003", {"E501", "RM003"}),
        ("x = run()  # replicate-migrate: ignore", EVERY_RULE),
        ("x = run()  # replicate-migrate: ignore[RM001, RM002]", {"RM001", "RM002"}),
        ("x = run()  # noqa: not a code", set()),
        ("x = run()  # noqa comes first, then words", set()),
        ("x = '# noqa' + run()", set()),
    ],
)
def test_suppression_comments(line: str, rules: set[str]) -> None:
    from replicate_migrate.analysis.module import suppressed_rules

    assert suppressed_rules(line) == rules


# Output


def test_quiet_prints_nothing_for_a_clean_tree(tmp_path: Path, run_cli: RunCli) -> None:
    for n in range(20):
        (tmp_path / f"clean_{n}.py").write_text(MIGRATED if n % 2 else CLEAN)

    clean = run_cli("-q", ".", cwd=tmp_path)
    assert (clean.returncode, clean.stdout, clean.stderr) == (0, "", "")

    (tmp_path / "app.py").write_text(SOURCE)
    (tmp_path / "broken.py").write_text("import replicate\nx = (\n")
    dirty = run_cli("--quiet", ".", cwd=tmp_path)
    assert dirty.returncode == 2
    assert dirty.stdout == "1 file would change, 1 error.\n"
    assert dirty.stderr.startswith("broken.py:2:"), dirty.stderr
    assert len(dirty.stderr.splitlines()) == 1


def test_verbose_names_the_config_file_on_stderr(tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.replicate-migrate]\n")
    (tmp_path / "app.py").write_text(MIGRATED)
    result = run_cli("-v", ".", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"config: {tmp_path / 'pyproject.toml'}" in result.stderr
    assert "1 files found" in result.stderr
    assert "config:" not in result.stdout
    assert run_cli("-q", "-v", ".", cwd=tmp_path).returncode == 2


def test_missing_path_is_an_error_line_and_the_others_are_processed(
    tmp_path: Path, run_cli: RunCli
) -> None:
    good = tmp_path / "good.py"
    good.write_text(SOURCE)

    result = run_cli("--fix", "missing.py", "good.py", "gone/", cwd=tmp_path)

    assert result.returncode == 2
    assert good.read_text() == MIGRATED
    assert result.stderr.splitlines() == [
        "gone: error: no such file or directory",
        "missing.py: error: no such file or directory",
    ]
    assert "good.py:5:10: RM001 [rewritten]" in result.stdout
    assert "missing" not in result.stdout


def test_findings_and_diffs_on_stdout_errors_on_stderr(tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / "app.py").write_text(SOURCE)
    (tmp_path / "bad.py").write_bytes(b"import replicate\nname = '\xff'\n")

    result = run_cli(".", cwd=tmp_path)

    assert result.returncode == 2
    assert "--- a/app.py" in result.stdout and "app.py:5:10: RM001" in result.stdout
    assert "bad.py" not in result.stdout
    assert [line.split(":")[0] for line in result.stderr.splitlines()] == ["bad.py"]


@pytest.mark.parametrize(
    ("flags", "env", "colored"),
    [
        ((), {}, False),
        ((), {"FORCE_COLOR": "1"}, True),
        ((), {"NO_COLOR": "1", "FORCE_COLOR": "1"}, False),
        ((), {"NO_COLOR": ""}, False),
        (("--color",), {"NO_COLOR": "1"}, True),
        (("--no-color",), {"FORCE_COLOR": "1"}, False),
    ],
)
def test_colour_follows_the_flags_then_no_color_then_force_color(
    tmp_path: Path,
    run_cli: RunCli,
    monkeypatch: pytest.MonkeyPatch,
    flags: tuple[str, ...],
    env: dict[str, str],
    colored: bool,
) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    (tmp_path / "app.py").write_text(SOURCE)

    result = run_cli(*flags, "app.py", cwd=tmp_path)

    assert result.returncode == 1, result.stderr
    assert ("\x1b[" in result.stdout) is colored


def test_json_report_says_dry_run_and_gives_the_edits(tmp_path: Path, run_cli: RunCli) -> None:
    target = tmp_path / "app.py"
    target.write_text(SOURCE)

    dry = json.loads(run_cli("--format", "json", "app.py", cwd=tmp_path).stdout)
    assert dry["dry_run"] is True
    assert dry["edits"] == [
        {
            "path": "app.py",
            # after `urllib.request.urlretrieve(output[0]`, 36 characters
            "range": {"start": {"line": 6, "column": 37}, "end": {"line": 6, "column": 37}},
            "old": "",
            "new": ".url",
        }
    ]
    fixed = json.loads(run_cli("--format", "json", "--fix", "app.py", cwd=tmp_path).stdout)
    assert fixed["dry_run"] is False and fixed["edits"] == dry["edits"]
    assert target.read_text() == MIGRATED


# Exit codes


def test_an_internal_error_exits_2_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from replicate_migrate import cli

    def broken(*args: object, **kwargs: object) -> NoReturn:
        raise RuntimeError("the engine fell over")

    monkeypatch.setattr(cli, "migrate_paths", broken)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "app.py").write_text(SOURCE)

    result = CliRunner().invoke(cli.main, ["--no-progress", "app.py"])

    assert result.exit_code == 2, result.output
    message = "internal error: RuntimeError: the engine fell over (please report this)"
    assert result.output.strip().splitlines() == [f"replicate-migrate: {message}"]
    verbose = CliRunner().invoke(cli.main, ["--no-progress", "-v", "app.py"])
    assert verbose.exit_code == 2 and "Traceback" in verbose.output


# Diffs apply


@pytest.mark.parametrize("mode", [(), ("--diff",)], ids=["dry-run", "diff"])
def test_dry_run_diff_of_a_bom_file_applies_with_git_apply(
    tmp_path: Path, run_cli: RunCli, mode: tuple[str, ...]
) -> None:
    if shutil.which("git") is None:  # pragma: no cover - depends on the image
        pytest.skip("git is not installed")
    # The change is within three lines of the top, so the hunk's context has the BOM line.
    program = (
        "import replicate\n"
        'output = replicate.run("bytedance/sdxl-lightning-4step", input={"prompt": "a crane"})\n'
        'print(output[0].startswith("https://"))\n'
    )
    source = ("\ufeff" + program).replace("\n", "\r\n").encode("utf-8")
    (tmp_path / "fixed").mkdir()
    (tmp_path / "patched").mkdir()
    for folder in ("fixed", "patched"):
        (tmp_path / folder / "app.py").write_bytes(source)

    diff = run_cli(*mode, "app.py", cwd=tmp_path / "patched")  # git apply skips the findings
    assert diff.returncode == 1, diff.stderr
    applied = subprocess.run(
        ["git", "apply", "-"],
        cwd=tmp_path / "patched",
        input=diff.stdout.encode(),
        capture_output=True,
        check=False,
    )
    assert applied.returncode == 0, applied.stderr
    fixed = run_cli("--fix", "app.py", cwd=tmp_path / "fixed")
    assert fixed.returncode == 1, fixed.stderr

    written = (tmp_path / "fixed" / "app.py").read_bytes()
    assert (
        written.startswith(b"\xef\xbb\xbfimport replicate\r\n")
        and b"print(output[0].url.startswith" in written
    )
    assert (tmp_path / "patched" / "app.py").read_bytes() == written


# Config


def test_config_flag_reads_that_file_and_isolated_reads_none(
    tmp_path: Path, run_cli: RunCli
) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.replicate-migrate]\nstrategy = "opt-out"\n')
    (tmp_path / "other.toml").write_text('[tool.replicate-migrate]\nstrategy = "auto"\n')
    target = tmp_path / "app.py"

    for flags, expected in (
        ((), OPTED_OUT),
        (("--config", "other.toml"), MIGRATED),
        (("--isolated",), MIGRATED),
    ):
        target.write_text(SOURCE)
        result = run_cli("--fix", *flags, "app.py", cwd=tmp_path)
        assert result.returncode == 1, result.stderr
        assert target.read_text() == expected, flags

    missing = run_cli("--config", "nowhere.toml", "app.py", cwd=tmp_path)
    assert missing.returncode == 2 and "nowhere.toml" in missing.stderr


def test_each_file_takes_its_nearest_config_and_flags_override_them_all(
    tmp_path: Path, run_cli: RunCli
) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.replicate-migrate]\nstrategy = "opt-out"\n')
    for name in ("auto", "packaging_only", "no_rm001"):
        (tmp_path / name).mkdir()
    (tmp_path / "auto" / "pyproject.toml").write_text(
        '[tool.replicate-migrate]\nstrategy = "auto"\n'
    )
    (tmp_path / "packaging_only" / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (tmp_path / "no_rm001" / "pyproject.toml").write_text(
        '[tool.replicate-migrate]\nignore = ["RM001"]\n'
    )
    targets = ["app.py", "auto/app.py", "packaging_only/app.py", "no_rm001/app.py"]

    def run(*args: str) -> list[str]:
        for target in targets:
            (tmp_path / target).write_text(SOURCE)
        result = run_cli("--fix", *args, cwd=tmp_path)
        assert result.returncode == 1, result.stdout + result.stderr
        return [(tmp_path / target).read_text() for target in targets]

    # the sub-directory's own table wins; one without the table is passed over, as in ruff
    assert run(".") == [OPTED_OUT, MIGRATED, OPTED_OUT, SOURCE]
    assert run(*targets) == [
        OPTED_OUT,
        MIGRATED,
        OPTED_OUT,
        SOURCE,
    ]  # files given, as pre-commit does
    # no_rm001's own table sets no strategy: the default applies there, not the root's
    assert run("--strategy", "url", ".") == [MIGRATED, MIGRATED, MIGRATED, SOURCE]
    assert run("--select", "RM001", ".") == [OPTED_OUT, MIGRATED, OPTED_OUT, MIGRATED]


def test_run_wide_keys_in_a_nested_config_are_named_not_ignored_in_silence(
    tmp_path: Path, run_cli: RunCli
) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.replicate-migrate]\nstrategy = "opt-out"\n')
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "pyproject.toml").write_text(
        '[tool.replicate-migrate]\nstrategy = "auto"\nformat = "json"\n'
    )
    (tmp_path / "sub" / "app.py").write_text(SOURCE)

    result = run_cli(".", cwd=tmp_path)

    assert result.returncode == 1, result.stderr
    assert "--- a/sub/app.py" in result.stdout  # the text format of the root's config
    warning = (
        f"replicate-migrate: warning: {tmp_path / 'sub' / 'pyproject.toml'}: 'format' ignored here:"
        f" run-wide settings come from {tmp_path / 'pyproject.toml'}\n"
    )
    assert result.stderr == warning


@pytest.mark.parametrize("key", ["extend-exclude", "exclude"])
def test_a_nested_config_excludes_files_below_it(tmp_path: Path, run_cli: RunCli, key: str) -> None:
    # A monorepo's service excludes its vendored code; a run from the root must not
    # rewrite it (as ruff, which reads each directory's nearest configuration).
    (tmp_path / "pyproject.toml").write_text("[tool.replicate-migrate]\n")
    service = tmp_path / "services" / "a"
    (service / "legacy").mkdir(parents=True)
    (service / "pyproject.toml").write_text(f'[tool.replicate-migrate]\n{key} = ["legacy", "gen_*.py"]\n')
    targets = ["app.py", "services/a/app.py", "services/a/legacy/old.py", "services/a/gen_x.py", "services/a/legacy.py"]
    for target in targets:
        (tmp_path / target).write_text(SOURCE)

    result = run_cli("--fix", ".", cwd=tmp_path)

    assert result.returncode == 1, result.stderr
    assert result.stderr == ""  # the keys are applied, not named as ignored
    changed = [target for target in targets if (tmp_path / target).read_text() != SOURCE]
    assert changed == ["app.py", "services/a/app.py", "services/a/legacy.py"]
    # Named one by one, as pre-commit does: taken as given, unless force-exclude.
    named = run_cli("--check", *targets, cwd=tmp_path)
    assert "services/a/legacy/old.py" in named.stdout
    forced = run_cli("--check", "--force-exclude", *targets, cwd=tmp_path)
    assert "legacy/old.py" not in forced.stdout and "gen_x.py" not in forced.stdout
