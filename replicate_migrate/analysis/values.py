"""The abstract values the flow analysis tracks, and the uses it records.

A run() result is followed as `Result(source, path)`: `source` says where the value
came from (a call site, a parameter of a function, or what a function returns) and
`path` how it was reached from there (`ITEM` for an element or iteration, a dict
key, `WRAP` when it was put into a container literal).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

ANY_KEY = "?"


class Step(enum.Enum):
    """A step of a path that is not a dict key."""

    ITEM = "[]"  # an element, or an iteration
    WRAP = "wrap"  # put into a container literal
    LISTED = "listed"  # made a list if it is not one (`x if isinstance(x, list) else [x]`)
    # Reached only when it is not one FileOutput (the negative branch of `hasattr(x, "url")`):
    # under 1.0 a single file never gets there, a container still does.
    OTHER = "not-file-output"


@dataclass(frozen=True)
class Key:
    """A dict key step: `d["name"]`, or ANY_KEY where the key is not known."""

    name: str

    @property
    def is_any(self) -> bool:
        return self.name == ANY_KEY


ITEM, WRAP, LISTED, OTHER = Step.ITEM, Step.WRAP, Step.LISTED, Step.OTHER
PathStep = Step | Key
Path = tuple[PathStep, ...]


def key_step(key: str | None) -> Key:
    return Key(ANY_KEY if key is None else key)


class Category(str, enum.Enum):
    """How a use treats the value, in FileOutput terms."""

    WORKS = "works"  # fine with a single FileOutput: print, f-string, str(), requests.get
    NEEDS_STR = "needs-str"  # str methods, +, json.dumps, urlretrieve, ==, another model's input
    SEQUENCE = "sequence"  # len, slicing, `in`: fine on a list of files, needs str on one file
    TYPE_TEST = "type-test"  # isinstance(x, list): the same answer for a str and a FileOutput
    ITERATED = "iterated"  # a list's items, or a single FileOutput's bytes (1.0 style)
    FILE_OUTPUT = "file-output"  # already 1.0 style: .url, .read(), iterating bytes
    ESCAPES = "escapes"  # leaves what the tool can see: attributes, unknown callees
    RETURNED = "returned"  # returned to the callers of a function (linked across files)
    PASSED = "passed"  # passed to a function of the project (linked to its parameter)
    STORED = "stored"  # stored on an attribute of a project class (linked to its readers)
    EITHER = "either"  # dual-type code: works with the str and the FileOutput alike
    URL_CALLED = "url-called"  # `.url()` called like a method: a bug in any version


@dataclass(frozen=True)
class Source:
    """Where a tracked value comes from. `kind` is call, param, return or attr."""

    kind: str
    name: str  # call id, "func.qualname:param", "func.qualname" or "Class.qualname.attr"


@dataclass(frozen=True)
class Result:
    source: Source
    path: Path = ()
    # Id of the expression that first made this value one item (e.g. `out[0]` in
    # `url = out[0]`): `.url` placed there fixes every later use at once.
    origin: int | None = None

    def step(self, step: PathStep, origin: int | None = None) -> Result:
        """The value one step further: an item, a key, or wrapped into a container."""
        if step not in (WRAP, OTHER) and self.path and self.path[-1] == WRAP:
            return Result(self.source, self.path[:-1], None)
        if step == WRAP:
            return Result(self.source, (*self.path, WRAP), self.origin or origin)
        return Result(self.source, (*self.path, step), origin)

    def extend(self, path: Path) -> Result:
        """This value followed along another function's path (for linked uses)."""
        result = self
        for step in path:
            result = result.step(step, result.origin)
        return result


class Opaque(enum.Enum):
    """A value the analysis does not track (any plain object)."""

    VALUE = "opaque"


OPAQUE = Opaque.VALUE


@dataclass(frozen=True)
class Replicate:
    """A replicate object: the module, the Client class, a client, or a bound run function."""

    what: str  # "module" | "client-class" | "client" | "method" | "bound"
    method: str = ""  # run, async_run, stream, async_stream for "method" and "bound"
    call: str = ""  # "bound": the call site of a `functools.partial(replicate.run, ...)`


@dataclass(frozen=True)
class Qual:
    """Something imported, by qualified name (`json.dumps`, `requests.Session()`)."""

    name: str


@dataclass(frozen=True)
class Instance:
    """`self` inside the methods of a class of the project."""

    qualname: str


@dataclass(frozen=True)
class Class:
    """A class defined in the project: calling it makes an Instance."""

    qualname: str


@dataclass(frozen=True)
class Pending:
    """The coroutine of an `async_run(...)` call before it is awaited."""

    result: Result


@dataclass(frozen=True)
class Function:
    """A function or method defined in the project, by qualified name."""

    qualname: str
    params: tuple[str, ...]
    str_params: frozenset[str]  # parameters annotated `str`
    bound: bool = False  # a method reached through an instance: its first parameter is given
    static: bool = False  # a staticmethod: no parameter is given, even through an instance


Value = Result | Opaque | Replicate | Pending | Function | Qual | Instance | Class
Values = frozenset[Value]


@dataclass(frozen=True)
class Use:
    """One place a tracked value is used, and what that use needs."""

    result: Result
    category: Category
    node: int  # id of the expression holding the value at the use
    detail: str  # e.g. "json.dumps", ".startswith", "return"
    scope: str  # qualified name of the function the use is in ("" = module)
    pure: bool = True  # every value at `node` is this tracked one (no untracked mix)
    target: str = ""  # RETURNED: function qualname; PASSED: "qualname:param"; STORED: "Class.attr"


@dataclass(frozen=True)
class CallSite:
    """One call of run / async_run / stream whose result the tool must account for."""

    id: str
    node: int  # id of the call that gets `use_file_output=False`; -1 when none can
    line: int
    column: int
    method: str  # run | async_run | stream | async_stream
    ref: str | None  # the model ref when it resolves to a literal
    ref_note: str  # how the ref was found ("literal", "constant MODEL", "unknown: ...")
    scope: str
    has_use_file_output: bool
    suppressed: frozenset[str]  # rule ids a suppression comment (noqa, replicate-migrate: ignore) names
    via: str = ""  # "to_thread", "partial", "executor" when run is passed as a callable
    refs: tuple[str, ...] = ()  # every ref it may be (one; or each value of a dict of refs)
    ref_assumed: bool = False  # the default of an environment variable: it may name another

    @property
    def ref_from_parameter(self) -> bool:
        """Whether the ref is a parameter's default (`def make(ref="a/b")`, or `self.model`
        set from `__init__`'s): a caller may pass any other model."""
        return FROM_PARAMETER in self.ref_note

    @property
    def ref_index(self) -> int:
        """The ref's position among the call's arguments: after the callable when run is
        forwarded (`to_thread(run, ref, ...)`), after the executor and the callable too
        (`loop.run_in_executor(None, run, ref, ...)`)."""
        return ref_index(self.via)


# How analysis/refs.py notes a ref taken from a parameter's default.
FROM_PARAMETER = "the default of parameter"


def ref_index(via: str) -> int:
    """See CallSite.ref_index."""
    return 2 if via == "executor" else 1 if via else 0


@dataclass(frozen=True)
class ModuleFacts:
    """What one file contributes to the run-wide picture. No CST nodes: it is pickled."""

    path: str
    module_name: str
    calls: tuple[CallSite, ...]
    uses: tuple[Use, ...]
    functions: tuple[Function, ...]
    classes: tuple[str, ...] = ()  # qualnames of the classes it defines
    # Names of one instance of a class: ("svc.generator", "svc.Generator"), ("svc.make()", ...).
    instances: tuple[tuple[str, str], ...] = ()
    # Module-level names other modules may import as a client: ("settings.client", CLIENT)
    # or a function returning one: ("clients.make_client", FACTORY).
    exports: tuple[tuple[str, str], ...] = ()
    aliases: tuple[tuple[str, str], ...] = ()  # (this module's name, the project name it binds)
    stars: tuple[str, ...] = ()  # project modules this one imports with `*`, in order


CLIENT = "client"
FACTORY = "factory"
