from __future__ import annotations

from pathlib import Path

import pytest

from replicate_migrate.config import ConfigError, ConfigFiles, load_settings
from replicate_migrate.rules import RULES_BY_ID

KNOWN = ", ".join(rule.id for rule in RULES_BY_ID)  # today RM001, RM002, RM003
assert KNOWN.startswith("RM001, RM002, RM003")


def write(directory: Path, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    pyproject = directory / "pyproject.toml"
    pyproject.write_text(text)
    return pyproject


TABLE = "[tool.replicate-migrate]\n"


def test_nearest_from_a_directory_or_a_file(tmp_path: Path) -> None:
    outer = write(tmp_path, TABLE)
    inner_dir = tmp_path / "pkg" / "sub"
    inner_dir.mkdir(parents=True)
    (inner_dir / "a.py").write_text("")
    assert ConfigFiles().nearest(inner_dir) == outer
    assert ConfigFiles().nearest(inner_dir / "a.py") == outer
    inner = write(tmp_path / "pkg", TABLE)
    files = ConfigFiles()
    assert files.nearest(inner_dir / "a.py") == inner
    assert files.nearest(tmp_path / "pkg") == inner
    assert files.nearest(tmp_path / "b.py") == outer


def test_nearest_passes_over_a_pyproject_without_the_table(tmp_path: Path) -> None:
    outer = write(tmp_path, '[tool.replicate-migrate]\nstrategy = "url"\n')
    write(tmp_path / "sub", "[project]\nname = 'sub'\n")
    assert ConfigFiles().nearest(tmp_path / "sub" / "a.py") == outer


def test_nearest_from_a_relative_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pyproject = write(tmp_path, TABLE)
    (tmp_path / "src").mkdir()
    monkeypatch.chdir(tmp_path / "src")
    assert ConfigFiles().nearest(Path(".")) == pyproject
    assert ConfigFiles().nearest(Path("missing.py")) == pyproject


def test_none_when_there_is_none(tmp_path: Path) -> None:
    if ConfigFiles().nearest(tmp_path.parent) is not None:
        pytest.skip("a configuration above the temporary directory")
    write(tmp_path, "[tool.ruff]\n")
    assert ConfigFiles().nearest(tmp_path) is None


def test_a_broken_pyproject_on_the_way_up_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, TABLE)
    broken = write(tmp_path / "sub", "[tool\n")
    with pytest.raises(ConfigError, match=f"{broken}: invalid TOML"):
        ConfigFiles().nearest(tmp_path / "sub" / "a.py")


def test_every_key_with_underscores(tmp_path: Path) -> None:
    pyproject = write(
        tmp_path,
        """
[project]
name = "x"

[tool.replicate-migrate]
fix = true
strategy = "opt-out"
select = ["rm00"]
ignore = []
exclude = ["gen"]
extend-exclude = ["tests/fixtures"]
force-exclude = true
online = false
jobs = 4
cache-dir = ".cache/rm"
format = "sarif"
output = "out.sarif"
statistics = true
progress = false
respect-gitignore = false
""",
    )
    assert load_settings(pyproject) == {
        "fix": True,
        "strategy": "opt-out",
        "select": ["RM00"],  # ids match case-insensitively
        "ignore": [],
        "exclude": ["gen"],
        "extend_exclude": ["tests/fixtures"],
        "force_exclude": True,
        "online": False,
        "jobs": 4,
        "cache_dir": ".cache/rm",
        "format": "sarif",
        "output": "out.sarif",
        "statistics": True,
        "progress": False,
        "respect_gitignore": False,
    }


@pytest.mark.parametrize("text", ["", "[project]\nname = 'x'\n", "[tool.ruff]\nline-length = 1\n"])
def test_no_table_means_no_settings(tmp_path: Path, text: str) -> None:
    assert load_settings(write(tmp_path, text)) == {}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("colour = 1", "unknown key 'colour'"),
        ("extend_exclude = []", "unknown key 'extend_exclude' (did you mean 'extend-exclude'?)"),
        ("fix = 1", "'fix' must be a boolean, not 1"),
        ("jobs = -1", "'jobs' must be an integer >= 0, not -1"),
        ("jobs = true", "'jobs' must be an integer >= 0, not True"),
        ("jobs = 1.5", "'jobs' must be an integer >= 0, not 1.5"),
        ("strategy = 'fast'", """'strategy' must be one of "auto", "url", "opt-out", not 'fast'"""),
        ("format = 'xml'", "'format' must be one of"),
        ("select = 'RM1'", "'select' must be a list of strings, not 'RM1'"),
        ("exclude = ['a', 1]", "'exclude' must be a list of strings"),
        ("cache-dir = 1", "'cache-dir' must be a string, not 1"),
        ("select = ['RM9']", f"'select': unknown rule id 'RM9' (rules: {KNOWN})"),
        ("ignore = ['RM001', 'x1']", "'ignore': unknown rule id 'X1'"),
    ],
)
def test_bad_keys_and_values(tmp_path: Path, body: str, message: str) -> None:
    pyproject = write(tmp_path, f"[tool.replicate-migrate]\n{body}\n")
    with pytest.raises(ConfigError) as info:
        load_settings(pyproject)
    assert str(info.value).startswith(f"{pyproject}: [tool.replicate-migrate] {message}")
    assert "\n" not in str(info.value)


def test_table_that_is_not_a_table(tmp_path: Path) -> None:
    pyproject = write(tmp_path, '[tool]\nreplicate-migrate = "yes"\n')
    with pytest.raises(ConfigError, match=r"\[tool.replicate-migrate\] must be a table"):
        load_settings(pyproject)


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    pyproject = write(tmp_path, "[tool.replicate-migrate\nfix = \n")
    with pytest.raises(ConfigError) as info:
        load_settings(pyproject)
    assert str(info.value).startswith(f"{pyproject}: invalid TOML: ")
    assert "\n" not in str(info.value)


def test_unreadable_file_names_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="pyproject.toml: cannot read: "):
        load_settings(tmp_path / "pyproject.toml")


def test_invalid_utf8_is_invalid_toml(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_bytes(b"[tool.replicate-migrate]\noutput = '\xff'\n")
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_settings(pyproject)
