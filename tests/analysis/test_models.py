from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from replicate_migrate.analysis.models import (
    ModelFacts,
    OutputKind,
    as_cog_version_schema,
    kind_from_schema,
    split_ref,
)

URI = {"type": "string", "title": "Output", "format": "uri"}


def cog_schema(output: Any, **extra: Any) -> dict[str, Any]:
    """An openapi_schema shaped like the ones cog publishes, trimmed to what matters."""
    schemas = {
        "Input": {"type": "object", "title": "Input", "properties": {"prompt": {"type": "string"}}},
        "Status": {"enum": ["starting", "processing", "succeeded"], "title": "Status"},
        "Output": output,
        **extra,
    }
    return {"openapi": "3.0.2", "info": {"title": "Cog"}, "components": {"schemas": schemas}}


def kind(schema: dict[str, Any]) -> OutputKind:
    return kind_from_schema(schema)[0]


def test_single_uri_is_a_file() -> None:
    assert kind_from_schema(cog_schema(URI)) == (OutputKind.FILE, frozenset(), frozenset())


def test_list_of_uri_is_a_file_list() -> None:
    output = {"type": "array", "items": {"type": "string", "format": "uri"}, "title": "Output"}
    assert kind(cog_schema(output)) is OutputKind.FILE_LIST


def test_iterator_of_uri_is_a_file_iterator() -> None:
    output = {
        "type": "array",
        "items": {"type": "string", "format": "uri"},
        "title": "Output",
        "x-cog-array-type": "iterator",
    }
    assert kind(cog_schema(output)) is OutputKind.FILE_ITERATOR


def test_concatenate_iterator_of_str_is_a_text_iterator() -> None:
    output = {
        "type": "array",
        "items": {"type": "string"},
        "title": "Output",
        "x-cog-array-type": "iterator",
        "x-cog-array-display": "concatenate",
    }
    assert kind(cog_schema(output)) is OutputKind.TEXT_ITERATOR


@pytest.mark.parametrize(
    ("output", "expected"),
    [
        ({"type": "string", "title": "Output"}, OutputKind.TEXT),
        ({"type": "number", "title": "Output"}, OutputKind.OTHER),
        ({"type": "integer", "title": "Output"}, OutputKind.OTHER),
        ({"type": "boolean", "title": "Output"}, OutputKind.OTHER),
        ({"type": "array", "items": {"type": "number"}, "title": "Output"}, OutputKind.OTHER),
        ({"type": "array", "items": {"type": "string"}, "title": "Output"}, OutputKind.OTHER),
        ({"title": "Output"}, OutputKind.UNKNOWN),  # cog's `Any`
        ({"type": "array", "items": {}, "title": "Output"}, OutputKind.UNKNOWN),
        ({"type": "object", "title": "Output"}, OutputKind.UNKNOWN),  # a bare dict
    ],
)
def test_plain_outputs(output: dict[str, Any], expected: OutputKind) -> None:
    assert kind(cog_schema(output)) is expected


BARK_OUTPUT = {
    "type": "object",
    "title": "ModelOutput",
    "required": ["audio_out"],
    "properties": {
        "audio_out": {"type": "string", "title": "Audio Out", "format": "uri"},
        "prompt_npz": {"type": "string", "title": "Prompt Npz", "format": "uri"},
    },
}


def test_object_output_through_allof_ref_as_cog_emits() -> None:
    output = {"title": "Output", "allOf": [{"$ref": "#/components/schemas/ModelOutput"}]}
    schema = cog_schema(output, ModelOutput=BARK_OUTPUT)
    assert kind_from_schema(schema) == (
        OutputKind.FILE_DICT,
        frozenset({"audio_out", "prompt_npz"}),
        frozenset(),
    )


def test_object_output_through_plain_ref() -> None:
    schema = cog_schema({"$ref": "#/components/schemas/ModelOutput"}, ModelOutput=BARK_OUTPUT)
    assert kind(schema) is OutputKind.FILE_DICT


def test_object_with_optional_and_list_files_pydantic_v2_style() -> None:
    output = {
        "type": "object",
        "title": "Output",
        "properties": {
            "images": {"type": "array", "items": {"type": "string", "format": "uri"}},
            "mask": {"anyOf": [{"type": "string", "format": "uri"}, {"type": "null"}]},
            "seed": {"type": "integer"},
            "caption": {"type": "string"},
        },
    }
    assert kind_from_schema(cog_schema(output)) == (
        OutputKind.FILE_DICT,
        frozenset({"images", "mask"}),
        frozenset({"images"}),
    )


def test_object_without_files_is_other() -> None:
    output = {
        "type": "object",
        "title": "ModelOutput",
        "properties": {
            "transcription": {"type": "string"},
            "segments": {"title": "Segments"},  # Any: declared as no file
            "detected_language": {"type": "string"},
        },
    }
    assert kind(cog_schema(output)) is OutputKind.OTHER


def test_files_nested_below_a_property_are_unknown() -> None:
    # file_keys cannot describe out["meta"]["thumb"], so nothing is claimed.
    inner = {"type": "object", "properties": {"thumb": {"type": "string", "format": "uri"}}}
    output = {
        "type": "object",
        "properties": {"meta": {"$ref": "#/components/schemas/Meta"}, "text": {"type": "string"}},
    }
    assert kind(cog_schema(output, Meta=inner)) is OutputKind.UNKNOWN


def test_list_of_objects_with_files_is_unknown() -> None:
    item = {"type": "object", "properties": {"image": {"type": "string", "format": "uri"}}}
    output = {"type": "array", "items": item}
    assert kind(cog_schema(output)) is OutputKind.UNKNOWN


def test_dict_of_files_is_unknown() -> None:
    output = {
        "type": "object",
        "properties": {"n": {"type": "integer"}},
        "additionalProperties": URI,
    }
    assert kind(cog_schema(output)) is OutputKind.UNKNOWN


def test_union_output_is_unknown() -> None:
    output = {"anyOf": [URI, {"type": "string"}], "title": "Output"}
    assert kind(cog_schema(output)) is OutputKind.UNKNOWN


def test_ref_cycle_is_unknown() -> None:
    schema = cog_schema(
        {"$ref": "#/components/schemas/A"},
        A={"$ref": "#/components/schemas/B"},
        B={"$ref": "#/components/schemas/A"},
    )
    assert kind(schema) is OutputKind.UNKNOWN


def test_remote_ref_is_not_followed() -> None:
    assert kind(cog_schema({"$ref": "https://example.com/schema.json"})) is OutputKind.UNKNOWN


@pytest.mark.parametrize(
    "junk",
    [
        {},
        {"components": None},
        {"components": {"schemas": []}},
        {"components": {"schemas": {"Output": "uri"}}},
        {"components": {"schemas": {"Output": {"type": ["string", "null"]}}}},
        {"components": {"schemas": {"Output": {"type": "array", "items": 3}}}},
        {"components": {"schemas": {"Output": {"type": "object", "properties": [1]}}}},
        {"components": {"schemas": {"Output": {"allOf": "nope"}}}},
    ],
)
def test_junk_is_unknown(junk: dict[str, Any]) -> None:
    assert kind(junk) is OutputKind.UNKNOWN


def test_non_mapping_input_is_unknown() -> None:
    assert kind_from_schema([])[0] is OutputKind.UNKNOWN  # type: ignore[arg-type]
    assert kind_from_schema("schema")[0] is OutputKind.UNKNOWN  # type: ignore[arg-type]


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                ["type", "items", "properties", "format", "$ref", "allOf", "anyOf", "x"]
            ),
            children,
            max_size=4,
        )
    ),
    max_leaves=20,
)


@given(JSON)
def test_never_raises_on_arbitrary_output_schemas(output: Any) -> None:
    result = kind_from_schema(cog_schema(output))
    assert isinstance(result[0], OutputKind)
    assert result[2] <= result[1]


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("meta/musicgen", ("meta/musicgen", None)),
        ("meta/musicgen:671ac645ce5e", ("meta/musicgen", "671ac645ce5e")),
        ("black-forest-labs/flux-1.1-pro", ("black-forest-labs/flux-1.1-pro", None)),
        ("musicgen", None),
        ("a/b/c", None),
        ("a/b:", None),
        ("/b", None),
        ("a /b", None),
        ("", None),
    ],
)
def test_split_ref(ref: str, expected: tuple[str, str | None] | None) -> None:
    assert split_ref(ref) == expected


@pytest.mark.parametrize(
    ("kind_", "has_files", "is_text"),
    [
        (OutputKind.FILE, True, False),
        (OutputKind.FILE_LIST, True, False),
        (OutputKind.FILE_DICT, True, False),
        (OutputKind.FILE_ITERATOR, True, False),
        (OutputKind.TEXT, False, True),
        (OutputKind.TEXT_ITERATOR, False, True),
        (OutputKind.OTHER, False, True),
        (OutputKind.UNKNOWN, False, False),
    ],
)
def test_facts_predicates(kind_: OutputKind, has_files: bool, is_text: bool) -> None:
    facts = ModelFacts(kind_, "catalog")
    assert (facts.has_files, facts.is_text) == (has_files, is_text)


def test_old_cog_arrays_read_as_iterators_without_touching_the_input() -> None:
    output = {"type": "array", "items": {"type": "string", "format": "uri"}}
    schema = cog_schema(output)
    old = as_cog_version_schema(schema, "0.3.8")
    assert kind(old) is OutputKind.FILE_ITERATOR
    assert kind(schema) is OutputKind.FILE_LIST
    assert as_cog_version_schema(schema, "0.3.9") is schema
    assert as_cog_version_schema(schema, "0.10.0-alpha") is schema
    assert as_cog_version_schema(schema, None) is schema
    assert as_cog_version_schema({"components": 1}, "0.2.0") == {"components": 1}
