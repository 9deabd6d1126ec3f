"""RM004: read files through FileOutput, as the 1.0 release recommends, instead of
downloading the URL: `file.write(output.read())`, `for chunk in output`.

https://github.com/replicate/replicate-python/releases/tag/1.0.0 — the URL may not stay
an HTTP URL (the API briefly returned `data:` URLs), which `requests.get` and
`urlretrieve` cannot fetch; `FileOutput.read()` reads both.
"""

from __future__ import annotations

from replicate_migrate.options import Strategy
from replicate_migrate.rules.base import Example, Fact, ModuleContext, Rule, RuleOutput
from replicate_migrate.rules.run_returns_file_output import ID as RM001

ID = "RM004"


def check(ctx: ModuleContext) -> RuleOutput:
    """Each download of a certain FileOutput's URL, replaced by a read of the FileOutput."""
    # Imported here: LibCST and the analysis load only once a file is parsed.
    from replicate_migrate.rules.read_file_output.plan import plan_module

    return plan_module(ctx)


_RUN = 'output = replicate.run("black-forest-labs/flux-schnell", input={})\n'
RULE = Rule(
    id=ID,
    name="read-file-output",
    summary="download a FileOutput by reading it, not by fetching its URL",
    explanation=(
        "In 1.0 replicate.run returns FileOutput objects, which read their own file: the release "
        "recommends `output.read()` and iterating the output over fetching its URL, which may be "
        "a data: URL. Downloads of a certain FileOutput (urlretrieve, requests/httpx .content, "
        "urlopen().read(), iter_content loops) are rewritten to read it; where the response's "
        "status or headers are used the download is left and reported."
    ),
    asks=frozenset({Fact.CALLS, Fact.FLOWS, Fact.MODELS}),
    check=check,
    strategies=frozenset({Strategy.AUTO}),
    reads=(RM001,),  # RM001's decisions: where 1.0 certainly returns a FileOutput
    examples=(
        Example(
            f"import replicate\nimport urllib.request\n{_RUN}urllib.request.urlretrieve(output[0], 'out.png')\n",
            f"import replicate\n{_RUN}"  # the import it no longer needs goes too
            "with open('out.png', \"wb\") as file:\n    file.write(output[0].read())\n",
        ),
        Example(
            f"import replicate\nimport requests\n{_RUN}data = requests.get(output[0]).content\n",
            f"import replicate\n{_RUN}data = output[0].read()\n",
        ),
        Example(f"import replicate\n{_RUN}data = output[0].read()\n"),
        Example(
            'import replicate\nimport requests\ntext = replicate.run("meta/meta-llama-3-8b", input={})\n'
            "print(requests.get(text).content)\n"
        ),
    ),
)
