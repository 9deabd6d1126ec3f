"""Classes, methods and clients across modules: each program is written into a folder,
migrated as one run, compared with hand-written expected files, and executed before
(under its own client version) and after (under 1.0) by the reference runtime."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst
import pytest

from replicate_migrate.analysis.link import Links
from replicate_migrate.analysis.models import ModelFacts, OutputKind
from replicate_migrate.analysis.module import analyze_module
from replicate_migrate.engine.pipeline import migrate_paths
from replicate_migrate.options import Options, Strategy
from replicate_migrate.results import Action
from replicate_migrate.rules.run_returns_file_output.decide import decide
from replicate_migrate.runtime import Scenario, run_program

UPSCALER = {"nightmareai/real-esrgan": {"output": "https://replicate.delivery/mgxm/big.png"}}
FLUX = {"black-forest-labs/flux-schnell": {"output": ["https://replicate.delivery/a/fox-0.webp"]}}
FILES = {
    "https://replicate.delivery/mgxm/big.png": "PNGDATA",
    "https://replicate.delivery/a/fox-0.webp": "WEBPDATA",
}


@dataclass(frozen=True)
class Program:
    files: dict[str, str]  # input, by path in the folder (main.py is the entry)
    expected: dict[str, str]  # the files the migration changes, as they must end up
    models: dict[str, dict[str, object]]
    semantics: str = "0.34"  # the client the input was written for
    needs: tuple[str, ...] = field(default=())  # words the run's findings must say
    # Unmigrated, the input breaks under 1.0 (False: a conservative fix nothing runs yet).
    breaks: bool = True


UPSCALER_CLASS = """import replicate


class Upscaler:
    def __init__(self, token: str) -> None:
        self.client = replicate.Client(api_token=token)

    def upscale(self, image_url: str):
        return self.client.run("nightmareai/real-esrgan", input={"image": image_url})
"""

PROGRAMS = {
    "method_wrapper_called_from_other_module_url": Program(
        files={
            "svc.py": UPSCALER_CLASS,
            "main.py": """from svc import Upscaler

upscaler = Upscaler("r8_test")
out = upscaler.upscale("https://example.com/small.png")
print(out.startswith("https://"), out)
""",
        },
        expected={"svc.py": UPSCALER_CLASS.replace("image_url})\n", "image_url}).url\n")},
        models=UPSCALER,
    ),
    "method_wrapper_caller_in_other_module_reads_file_output": Program(
        files={
            "svc.py": UPSCALER_CLASS,
            "main.py": """import svc

out = svc.Upscaler("r8_test").upscale("https://example.com/small.png")
with open("big.png", "wb") as f:
    f.write(out.read())
print(out.url)
""",
        },
        expected={},
        models=UPSCALER,
        semantics="1.0",
        needs=("already uses the FileOutput API",),
    ),
    "instance_created_in_other_module": Program(
        files={
            "painting.py": """import replicate


class Painter:
    def __init__(self, model: str) -> None:
        self.model = model

    def paint(self, prompt: str):
        return replicate.run(self.model, input={"prompt": prompt})


painter = Painter("black-forest-labs/flux-schnell")
""",
            "main.py": """from painting import painter

images = painter.paint("a red fox")
with open("fox.webp", "wb") as f:
    f.write(images[0].read())
""",
        },
        expected={},
        models=FLUX,
        semantics="1.0",
    ),
    "client_imported_from_settings_module": Program(
        files={
            "settings.py": """import os

import replicate

client = replicate.Client(api_token=os.environ.get("APP_TOKEN", "r8_test"))
""",
            "main.py": """from settings import client

output = client.run("nightmareai/real-esrgan", input={"image": "https://example.com/a.png"})
print(output.split("/")[-1])
""",
        },
        expected={
            "main.py": """from settings import client

output = client.run("nightmareai/real-esrgan", input={"image": "https://example.com/a.png"})
print(output.url.split("/")[-1])
""",
        },
        models=UPSCALER,
    ),
    "client_made_by_factory_in_other_module": Program(
        files={
            "clients.py": """import replicate


def make_client(token: str | None = None):
    return replicate.Client(api_token=token) if token else replicate
""",
            "main.py": """import json

from clients import make_client


class Gallery:
    def __init__(self) -> None:
        self.client = make_client("r8_test")

    def render(self, prompt: str) -> str:
        images = self.client.run("black-forest-labs/flux-schnell", input={"prompt": prompt})
        return json.dumps({"images": images})


print(Gallery().render("a lighthouse"))
""",
        },
        expected={
            "main.py": """import json

from clients import make_client


class Gallery:
    def __init__(self) -> None:
        self.client = make_client("r8_test")

    def render(self, prompt: str) -> str:
        images = self.client.run("black-forest-labs/flux-schnell", input={"prompt": prompt}, use_file_output=False)
        return json.dumps({"images": images})


print(Gallery().render("a lighthouse"))
""",
        },
        models=FLUX,
    ),
    "subclass_in_other_module_reads_file_output": Program(
        files={
            "svc.py": UPSCALER_CLASS,
            "main.py": """from svc import Upscaler


class SavingUpscaler(Upscaler):
    def save(self, image_url: str, path: str) -> None:
        image = self.upscale(image_url)
        with open(path, "wb") as f:
            f.write(image.read())


SavingUpscaler("r8_test").save("https://example.com/small.png", "big.png")
""",
        },
        expected={},
        models=UPSCALER,
        semantics="1.0",
        needs=("already uses the FileOutput API",),
    ),
    "instance_kept_on_attribute_of_other_class": Program(
        files={
            "svc.py": UPSCALER_CLASS,
            "main.py": """import svc


class Pipeline:
    def __init__(self) -> None:
        self.upscaler = svc.Upscaler("r8_test")

    def name_of(self, image_url: str) -> str:
        image = self.upscaler.upscale(image_url)
        return image.split("/")[-1]


print(Pipeline().name_of("https://example.com/small.png"))
""",
        },
        expected={"svc.py": UPSCALER_CLASS.replace("image_url})\n", "image_url}).url\n")},
        models=UPSCALER,
    ),
    "instance_made_by_factory_in_other_module": Program(
        files={
            "svc.py": UPSCALER_CLASS
            + """

def make_upscaler() -> Upscaler:
    return Upscaler("r8_test")
""",
            "main.py": """from svc import make_upscaler

image = make_upscaler().upscale("https://example.com/small.png")
with open("big.png", "wb") as f:
    f.write(image.read())
""",
        },
        expected={},
        models=UPSCALER,
        semantics="1.0",
        needs=("already uses the FileOutput API",),
    ),
    "method_wrapper_without_callers_opt_out": Program(
        files={
            "svc.py": UPSCALER_CLASS,
            "main.py": """import svc

print(svc.__name__)
""",
        },
        expected={
            "svc.py": UPSCALER_CLASS.replace(
                "image_url})\n", "image_url}, use_file_output=False)\n"
            )
        },
        models=UPSCALER,
        needs=("no use of it was found in the project",),
        breaks=False,
    ),
}


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def _migrate(root: Path, jobs: int = 1) -> tuple[dict[str, str], str]:
    """The folder's files after the run, and every finding's message."""
    outcome = migrate_paths([root], Options(jobs=jobs))
    out = {p.relative_to(root).as_posix(): p.read_text() for p in root.rglob("*.py")}
    messages = []
    for result in outcome.results:
        assert result.error is None, result.error
        if result.migrated is not None:
            out[Path(result.path).relative_to(root).as_posix()] = result.migrated.decode()
        messages.extend(f.message for f in result.findings)
    return out, "\n".join(messages)


def _scenario(program: Program) -> Scenario:
    return Scenario.from_dict({"models": program.models, "files": FILES})


@pytest.mark.parametrize("jobs", [1, 2])  # in process, and in workers that exchange facts
@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_rewrite_equals_expected(name: str, jobs: int, tmp_path: Path) -> None:
    program = PROGRAMS[name]
    migrated, messages = _migrate(_write(tmp_path, program.files), jobs)
    assert migrated == {**program.files, **program.expected}
    for words in program.needs:
        assert words in messages


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_second_rewrite_changes_nothing(name: str, tmp_path: Path) -> None:
    program = PROGRAMS[name]
    after = {**program.files, **program.expected}
    migrated, _ = _migrate(_write(tmp_path, after))
    assert migrated == after


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_same_behaviour_before_and_after(name: str, tmp_path: Path) -> None:
    program = PROGRAMS[name]
    scenario = _scenario(program)
    source = _write(tmp_path / "before", program.files)
    migrated = _write(tmp_path / "after", {**program.files, **program.expected})
    before = run_program(source, scenario, program.semantics, tmp_path / "run-before")
    after = run_program(migrated, scenario, "1.0", tmp_path / "run-after")
    assert before.exception is None, before.stderr
    assert (after.stdout, after.files, after.exception) == (
        before.stdout,
        before.files,
        before.exception,
    ), after.stderr
    if program.expected and program.breaks:  # the migration is needed
        unmigrated = run_program(source, scenario, "1.0", tmp_path / "run-unmigrated")
        assert unmigrated.exception is not None


def test_url_at_a_return_is_not_planned_when_a_caller_reads_the_file_output() -> None:
    source = """import replicate


def upscale(image):
    return replicate.run("nightmareai/real-esrgan", input={"image": image})


def save(image):
    return upscale(image).read()


def check(image):
    return upscale(image).startswith("https")
"""
    facts, _ = analyze_module(cst.parse_module(source), "app.py", "app", None)
    model = ModelFacts(OutputKind.FILE, source="catalog")
    decision = decide(facts.calls[0], model, Links([facts]), Strategy.AUTO)
    assert decision.action is Action.REVIEW
    assert decision.edits == ()
