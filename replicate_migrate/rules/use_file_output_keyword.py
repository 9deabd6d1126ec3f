"""RM002: `use_file_output` is keyword-only in replicate 1.0; a positional one becomes a keyword.

https://github.com/replicate/replicate-python/releases/tag/1.0.0
"""

from __future__ import annotations

from replicate_migrate.rules.base import Example, Fact, ModuleContext, Rule, RuleOutput

ID = "RM002"


def check(ctx: ModuleContext) -> RuleOutput:
    """`use_file_output=` for a third positional argument of run/async_run/stream."""
    # Imported here: LibCST loads only once a file is parsed, not for --list-rules.
    from replicate_migrate.rules.keyword_args import check_calls

    return check_calls(ctx, ID)


RULE = Rule(
    id=ID,
    name="use-file-output-keyword",
    summary="use_file_output must be passed by keyword",
    explanation=(
        "In 1.0 use_file_output is keyword-only: replicate.run(ref, input, False) raises "
        "TypeError. The positional argument is rewritten as use_file_output=<value>."
    ),
    asks=frozenset({Fact.CALLS}),
    check=check,
    examples=(
        Example(
            'import replicate\nout = replicate.run("meta/meta-llama-3-8b", {"prompt": "hi"}, False)\n',
            'import replicate\nout = replicate.run("meta/meta-llama-3-8b", {"prompt": "hi"}, use_file_output=False)\n',
        ),
        Example(
            "import replicate\n\nasync def go(ref, data):\n    return await replicate.async_run(ref, data, True)\n",
            "import replicate\n\nasync def go(ref, data):\n    return await replicate.async_run(ref, data, use_file_output=True)\n",
        ),
        Example('import replicate\nout = replicate.run("meta/meta-llama-3-8b", input={}, use_file_output=False)\n'),
        Example("def run(a, b, c):\n    return a\n\nrun(1, 2, 3)\n"),
    ),
)
