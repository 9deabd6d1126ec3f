from __future__ import annotations

import json
from importlib import resources

import pytest

from replicate_migrate.analysis.catalog import catalog_info, catalog_lookup
from replicate_migrate.analysis.models import OutputKind, split_ref

# Other modules' tests and fixtures rely on these entries.
REQUIRED = {
    "black-forest-labs/flux-schnell": OutputKind.FILE_LIST,
    "black-forest-labs/flux-1.1-pro": OutputKind.FILE,
    "stability-ai/sdxl": OutputKind.FILE_LIST,
    "bytedance/sdxl-lightning-4step": OutputKind.FILE_LIST,
    "minimax/video-01": OutputKind.FILE,
    "meta/musicgen": OutputKind.FILE,
    "nightmareai/real-esrgan": OutputKind.FILE,
    "salesforce/blip": OutputKind.TEXT,
    "meta/meta-llama-3-8b-instruct": OutputKind.TEXT_ITERATOR,
    "mistralai/mixtral-8x7b-instruct-v0.1": OutputKind.TEXT_ITERATOR,
    "openai/whisper": OutputKind.OTHER,
    "suno-ai/bark": OutputKind.FILE_DICT,
}


def raw_catalog() -> dict[str, object]:
    text = resources.files("replicate_migrate.analysis").joinpath("catalog.json").read_text()
    data = json.loads(text)
    assert isinstance(data, dict)
    return data


@pytest.mark.parametrize(("ref", "expected"), sorted(REQUIRED.items()))
def test_required_entries(ref: str, expected: OutputKind) -> None:
    facts = catalog_lookup(ref)
    assert facts is not None
    assert facts.kind is expected
    assert facts.source == "catalog"


def test_bark_audio_out_is_a_file_key() -> None:
    facts = catalog_lookup("suno-ai/bark")
    assert facts is not None
    assert "audio_out" in facts.file_keys
    assert facts.list_keys == frozenset()


def test_lookup_ignores_case_and_version() -> None:
    plain = catalog_lookup("stability-ai/sdxl")
    assert catalog_lookup("Stability-AI/SDXL") == plain
    assert (
        catalog_lookup(
            "stability-ai/sdxl:39ed52f2a78e934b3ba6e2a89f5b1c712de7dfea535525255b1aa35c5565e08b"
        )
        == plain
    )


@pytest.mark.parametrize("ref", ["nobody/nothing", "sdxl", "", "a/b/c", "stability-ai/sdxl:"])
def test_unknown_or_junk_refs(ref: str) -> None:
    assert catalog_lookup(ref) is None


def test_info_says_how_and_when() -> None:
    source, date = catalog_info()
    assert "schema" in source
    assert date == "2026-11-26"


def test_every_entry_is_well_formed() -> None:
    models = raw_catalog()["models"]
    assert isinstance(models, dict)
    assert len(models) >= 60
    kinds = {k.value for k in OutputKind} - {OutputKind.UNKNOWN.value}
    for name, entry in models.items():
        assert split_ref(name) == (name, None), name
        assert name == name.lower(), name
        assert set(entry) <= {"kind", "file_keys", "list_keys", "note"}, name
        assert entry["kind"] in kinds, name
        if entry["kind"] == OutputKind.FILE_DICT.value:
            assert entry["file_keys"], name
        else:
            assert "file_keys" not in entry and "list_keys" not in entry, name


def test_every_entry_loads() -> None:
    models = raw_catalog()["models"]
    assert isinstance(models, dict)
    for name in models:
        facts = catalog_lookup(name)
        assert facts is not None and facts.kind is not OutputKind.UNKNOWN
