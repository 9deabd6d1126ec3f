"""RM003: `input` of `stream` is keyword-only in replicate 1.0; a positional one becomes `input=`.

https://github.com/replicate/replicate-python/releases/tag/1.0.0 (not `async_stream`,
whose input stays positional).
"""

from __future__ import annotations

from replicate_migrate.rules.base import Example, Fact, ModuleContext, Rule, RuleOutput

ID = "RM003"


def check(ctx: ModuleContext) -> RuleOutput:
    """`input=` for the second positional argument of stream (and the one after it)."""
    # Imported here: LibCST loads only once a file is parsed, not for --list-rules.
    from replicate_migrate.rules.keyword_args import check_calls

    return check_calls(ctx, ID)


RULE = Rule(
    id=ID,
    name="stream-input-keyword",
    summary="replicate.stream input must be passed by keyword",
    explanation=(
        "In 1.0 the input of replicate.stream and Client.stream is keyword-only: "
        "replicate.stream(ref, {...}) raises TypeError. The argument is rewritten as input={...}."
    ),
    asks=frozenset({Fact.CALLS}),
    check=check,
    examples=(
        Example(
            'import replicate\nfor event in replicate.stream("meta/meta-llama-3-8b", {"prompt": "hi"}):\n    print(event)\n',
            'import replicate\nfor event in replicate.stream("meta/meta-llama-3-8b", input={"prompt": "hi"}):\n    print(event)\n',
        ),
        Example(
            'from replicate import Client\nClient().stream("a/b", {"prompt": "hi"})\n',
            'from replicate import Client\nClient().stream("a/b", input={"prompt": "hi"})\n',
        ),
        Example('import replicate\nfor event in replicate.stream("a/b", input={"prompt": "hi"}):\n    print(event)\n'),
        Example(
            "import replicate\n\nasync def go():\n"
            '    async for event in await replicate.async_stream("a/b", {"prompt": "hi"}):\n'
            "        print(event)\n"
        ),
    ),
)
