"""Print run_probes() as JSON: `real` uses the importable replicate, `runtime` the simulation."""

from __future__ import annotations

import json
import sys

import httpx
from conformance_support import SCENARIO, handle, run_probes


def main(kind: str, semantics: str) -> None:
    if kind == "real":
        import replicate

        client = replicate.Client(api_token="t", transport=httpx.MockTransport(handle))
        module = replicate
        module.default_client._client_kwargs["transport"] = httpx.MockTransport(handle)
        print(json.dumps(run_probes(client, module)))
        return
    from replicate_migrate.runtime import install

    with install(SCENARIO, semantics):
        import replicate

        print(json.dumps(run_probes(replicate.Client(api_token="t"), replicate)))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
