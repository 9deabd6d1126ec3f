"""FileResults rendered as text, JSON, SARIF or GitHub workflow commands. No I/O: `cli` prints.

Conventions shared by every format: `Finding.line` and `Finding.column` are 1-based; for a
notebook, `line` counts within the cell and `Finding.cell` (0-based) is shown 1-based as
`cell N`, numbering every notebook cell as Jupyter and ruff do. Output that is not empty
ends with a newline.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from replicate_migrate.results import FileResult

FORMATS: tuple[str, ...] = ("text", "json", "sarif", "github")


def render(
    results: Sequence[FileResult],
    fmt: str,
    *,
    statistics: bool = False,
    tool_version: str,
    written: bool = True,
) -> str:
    """The report for `results` in format `fmt` (one of FORMATS); ValueError for others.

    `statistics` swaps the text format's per-finding lines for counts per rule and action (and
    adds them to JSON); `written` says whether changes were applied (the text summary's wording,
    JSON's `dry_run`).
    """
    # The formats load when a report is made, not when the command starts.
    from replicate_migrate.report import github, json_format, sarif, text

    renderers: dict[str, Callable[[], str]] = {
        "text": lambda: text.render(results, statistics=statistics, written=written),
        "json": lambda: json_format.render(
            results, tool_version=tool_version, written=written, statistics=statistics
        ),
        "sarif": lambda: sarif.render(results, tool_version=tool_version),
        "github": lambda: github.render(results),
    }
    if fmt not in renderers:
        raise ValueError(f"unknown report format {fmt!r}; expected one of {', '.join(FORMATS)}")
    return renderers[fmt]()
