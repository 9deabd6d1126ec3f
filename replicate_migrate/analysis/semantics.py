"""What known functions do with a FileOutput, by qualified name.

The tables say, for a value passed to a callee, whether replicate 1.0's FileOutput
works there as the 0.34 URL string did (`print`, `str`, logging, `requests.get`),
needs the string (`json.dumps`, `urlretrieve`, `httpx.get`, `open`), or is already
1.0 style (`isinstance(x, FileOutput)`).
"""

from __future__ import annotations

from replicate_migrate.analysis.values import Category

RUN_METHODS = frozenset({"run", "async_run"})
STREAM_METHODS = frozenset({"stream", "async_stream"})
REPLICATE_METHODS = RUN_METHODS | STREAM_METHODS

# Names under `replicate` that give a client or the Client class.
CLIENT_CLASSES = frozenset({"replicate.Client", "replicate.client.Client"})
CLIENT_OBJECTS = frozenset({"replicate.default_client"})
FILE_OUTPUT_CLASSES = frozenset({"replicate.helpers.FileOutput", "replicate.FileOutput"})

_LOG_METHODS = ("debug", "info", "warning", "warn", "error", "exception", "critical", "log")
_REQUESTS_VERBS = ("get", "post", "put", "patch", "delete", "head", "options")
_LOGGERS = ("logging", "logging.getLogger()", "logging.Logger()", "logging.getLogger")

LOG_CALLS = frozenset({f"{logger}.{m}" for logger in _LOGGERS for m in _LOG_METHODS})
WORKS_ANYWHERE = frozenset(
    {"builtins.print", "builtins.str", "builtins.format", "builtins.bool", "builtins.id"}
    | {"click.echo", "click.secho"}  # both call str() on what is not str or bytes
    | LOG_CALLS
)
# csv writers call str() on every field that is not a number: (callee, rows nested in it).
CSV_WRITERS = {
    f"csv.{writer}().{method}": depth
    for writer in ("writer", "DictWriter")
    for method, depth in (("writerow", 1), ("writerows", 2))
}

# Callees whose first argument (or `url=`) is a URL they pass through `str()`.
WORKS_AS_URL = frozenset(
    {f"requests.{v}" for v in _REQUESTS_VERBS}
    | {f"requests.{s}().{v}" for s in ("Session", "session") for v in _REQUESTS_VERBS}
)

# Web framework responses that take a FileOutput itself as their first argument (they
# iterate its chunks; Django's HttpResponse joins them): 1.0 style, as a str is not.
FILE_OUTPUT_CONSUMERS = frozenset(
    {"fastapi.responses.StreamingResponse", "starlette.responses.StreamingResponse",
     "django.http.StreamingHttpResponse", "django.http.HttpResponse", "flask.stream_with_context",
     # Pillow reads any object with .read() (a FileOutput); a URL string is no path it can open.
     "PIL.Image.open"}
)  # fmt: skip

NEEDS_STR_PREFIXES = (
    "json.",
    "os.path.",
    "os.",
    "shutil.",
    "urllib.",
    "httpx.",
    "aiohttp.",
    "pathlib.",
    "re.",
    "base64.",
    "hashlib.",
    "webbrowser.",
)
NEEDS_STR_BUILTINS = frozenset(
    {
        "builtins.open",
        "builtins.sorted",
        "builtins.repr",
        "builtins.hash",
        "builtins.int",
        "builtins.float",
        "builtins.bytes",
        "builtins.set",
        "builtins.frozenset",
        "builtins.max",
        "builtins.min",
        "builtins.ord",
    }
)

# Fine on a list of files (a list stays a list in 1.0), fail on one FileOutput.
SEQUENCE_BUILTINS = frozenset({"builtins.len"})
# Types neither a str nor a FileOutput is an instance of: `isinstance(out, list)` gives
# the same answer in 0.34 and 1.0, for one file and for a list of files.
NEITHER_STR_NOR_FILE_OUTPUT = frozenset(
    {f"builtins.{name}" for name in ("list", "dict", "tuple", "int", "float", "bool", "bytes", "set", "frozenset")}
    | {f"typing.{name}" for name in ("List", "Dict", "Tuple", "Mapping", "MutableMapping", "MutableSequence")}
    | {f"collections.abc.{name}" for name in ("Mapping", "MutableMapping", "MutableSequence")}
)

# Methods of FileOutput itself: code using them is already 1.0 style.
FILE_OUTPUT_ATTRIBUTES = frozenset({"url", "read", "aread", "__iter__", "__aiter__"})
# Container methods that behave the same on a list or dict of FileOutputs.
CONTAINER_METHODS = frozenset(
    {"append", "extend", "insert", "pop", "clear", "copy", "reverse", "keys", "update"}
)
DICT_ITEM_METHODS = frozenset({"values", "items"})

BUILTIN_NAMES = frozenset(
    {
        "print", "str", "format", "bool", "id", "open", "len", "sorted", "repr", "hash", "int",
        "float", "bytes", "set", "frozenset", "max", "min", "ord", "isinstance", "hasattr",
        "list", "tuple", "dict", "enumerate", "zip", "reversed", "iter", "next", "type",
        "getattr", "callable", "any", "all", "map", "filter",
    }
)  # fmt: skip


def classify_call_argument(callee: str, position: int | None, keyword: str | None) -> Category:
    """How `callee` treats an argument at `position` (or `keyword=`)."""
    if callee in WORKS_ANYWHERE:
        return Category.WORKS
    if callee in FILE_OUTPUT_CONSUMERS and position == 0:
        return Category.FILE_OUTPUT
    if callee in WORKS_AS_URL:
        is_url = position == 0 or keyword == "url"
        return Category.WORKS if is_url else Category.NEEDS_STR
    if callee in SEQUENCE_BUILTINS:
        return Category.SEQUENCE
    if callee in NEEDS_STR_BUILTINS or callee.startswith(NEEDS_STR_PREFIXES):
        return Category.NEEDS_STR
    return Category.ESCAPES


def is_module_of_interest(dotted: str) -> bool:
    """Imports the analysis tracks: replicate itself and the callees in the tables."""
    root = dotted.split(".", 1)[0]
    return root in _TRACKED_ROOTS


_TRACKED_ROOTS = frozenset(
    {
        "replicate", "json", "os", "shutil", "urllib", "httpx", "aiohttp", "pathlib", "re",
        "base64", "hashlib", "webbrowser", "requests", "logging", "asyncio", "functools",
        "concurrent", "click", "csv",
    }
)  # fmt: skip
