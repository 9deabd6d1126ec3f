"""RM001: replicate 1.0's run() returns FileOutput objects where 0.34 returned URL strings.

https://github.com/replicate/replicate-python/releases/tag/1.0.0 — the project phase
makes one decision per run() call from every module's facts (uses may be in other files);
`check` turns a module's decisions into edits and findings. RM004 reads the decisions too.
"""

from __future__ import annotations

from replicate_migrate.rules.base import (
    Conclusions,
    Example,
    Fact,
    ModuleContext,
    ProjectContext,
    Rule,
    RuleOutput,
)

ID = "RM001"


def project(ctx: ProjectContext) -> Conclusions:
    """Module path -> one `Decision` per run()/async_run() call in it."""
    from replicate_migrate.rules.run_returns_file_output.decide import decide_project

    return decide_project(ctx)


def check(ctx: ModuleContext) -> RuleOutput:
    """A finding per decision, and its edits: `.url`, `str()` or the opt-out."""
    # Imported here: LibCST and the analysis load only once a file is parsed.
    from replicate_migrate.rules.run_returns_file_output.edits import apply_decisions

    return apply_decisions(ctx)


_FLUX = '"black-forest-labs/flux-schnell"'
RULE = Rule(
    id=ID,
    name="run-returns-file-output",
    summary="replicate.run returns FileOutput objects instead of URL strings",
    explanation=(
        "In 1.0 replicate.run returns FileOutput objects where 0.34 returned URL strings. "
        "Uses that need a string get `.url`, or the call opts out with use_file_output=False; "
        "where neither is proven safe the call is reported for review."
    ),
    asks=frozenset({Fact.CALLS, Fact.FLOWS, Fact.MODELS}),
    check=check,
    project=project,
    examples=(
        Example(
            f"import replicate\nout = replicate.run({_FLUX}, input={{}})\nprint(out[0].startswith('https:'))\n",
            f"import replicate\nout = replicate.run({_FLUX}, input={{}})\nprint(out[0].url.startswith('https:'))\n",
        ),
        Example(
            f"import replicate\nimport json\nout = replicate.run({_FLUX}, input={{}})\nprint(json.dumps(out))\n",
            f"import replicate\nimport json\nout = replicate.run({_FLUX}, input={{}}, use_file_output=False)\n"
            "print(json.dumps(out))\n",
        ),
        Example(f"import replicate\nout = replicate.run({_FLUX}, input={{}})\ndata = out[0].read()\n"),
        Example('import replicate\ntext = replicate.run("meta/meta-llama-3-8b", input={})\nprint("".join(text))\n'),
    ),
)
