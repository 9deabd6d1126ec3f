"""The online schema client (HTTP and cache) for models the bundled catalog does not know.

Imported only by runs that go online; what a schema means is decided in `analysis.models`.
"""

from __future__ import annotations

from replicate_migrate.online.lookup import (
    LookupResult,
    base_url_from_env,
    lookup_models,
    token_from_env,
)

__all__ = ["LookupResult", "base_url_from_env", "lookup_models", "token_from_env"]
