"""The benchmark's trees: each shape stresses a different part of a run.

- bench: the standard library, this environment's site-packages and ~400 generated
  files in the 0.34 API (some 3,000-5,000 line modules that use replicate once);
- bench-large: the same, plus 20 of the largest standard-library modules with one
  0.34 call appended (files that must be analysed, though they are mostly not replicate's);
- many-12k: 600 modules of 12 KB, each 2,000 top-level statements and one call whose
  input uses a name every line binds (the shape that was quadratic);
- statements: one module of 1,000 or 16,000 top-level statements and one call, each
  statement reading the one before (`x = x + 1`: all are needed) or rebinding it.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path


def copy_python_files(source: Path, target: Path, *, skip: Sequence[str], limit: int | None) -> int:
    """Copy the .py files under `source` to `target` (no symlinks followed); returns the count."""
    count = 0
    for top, dirs, files in os.walk(source):
        dirs[:] = sorted(d for d in dirs if d not in skip and d != "__pycache__")
        for name in sorted(files):
            if not name.endswith(".py") or (limit is not None and count >= limit):
                continue
            src = Path(top) / name
            if src.is_symlink():
                continue
            dst = target / src.relative_to(source)
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dst)
            count += 1
    return count


IMAGE = """import replicate


def make_{i}(prompt: str, path: str) -> None:
    output = replicate.run("black-forest-labs/flux-schnell", input={{"prompt": prompt, "seed": {i}}})
    url = output[0]
    if url.startswith("https://"):
        print("image {i}", url)
    with open(path, "wb") as f:
        f.write(output[0].read())
"""

SINGLE = """import urllib.request

import replicate


def render_{i}(prompt):
    out = replicate.run("black-forest-labs/flux-1.1-pro", input={{"prompt": prompt}})
    urllib.request.urlretrieve(out, "render_{i}.webp")
    return str(out).split("/")[-1]
"""

TEXT = """import replicate


def chat_{i}(question: str) -> str:
    output = replicate.run("meta/meta-llama-3-8b-instruct", input={{"prompt": question}})
    return "".join(output).strip()


def caption_{i}(image):
    caption = replicate.run("andreasjansson/blip-2", input={{"image": image}})
    return caption.upper()
"""

DICT = """import replicate


def song_{i}(prompt):
    result = replicate.run("riffusion/riffusion", input={{"prompt_a": prompt}})
    audio = result["audio"]
    print("spectrogram", result["spectrogram"])
    return audio
"""

ASYNC = """import asyncio

import replicate


async def one_{i}(prompt):
    output = await replicate.async_run("black-forest-labs/flux-schnell", input={{"prompt": prompt}})
    return [item for item in output]


async def many_{i}(prompts):
    results = await asyncio.gather(*(one_{i}(p) for p in prompts))
    for urls in results:
        print(urls[0].startswith("http"))
"""

WRAPPER = """import replicate


def generate(prompt):
    return replicate.run("black-forest-labs/flux-dev", input={{"prompt": prompt, "n": {i}}})
"""

CONSUMER = """from .wrapper import generate


def first_url(prompt):
    return generate(prompt)[0].split("?")[0]
"""

FILLER = '''

def helper_{n}(values, scale={n}):
    """Filler function {n}: arithmetic over a list."""
    total = 0
    for index, value in enumerate(values):
        if index % 3 == 0:
            total += value * scale
        elif index % 3 == 1:
            total -= value
        else:
            total ^= int(value)
    return {{"name": "helper_{n}", "total": total, "count": len(values)}}
'''


def large_module(i: int, lines: int) -> str:
    head = f'"""Large module {i}; it uses replicate once, near the end."""\nimport replicate\n'
    parts, count, n = [head], 2, 0
    while count < lines:
        block = FILLER.format(n=n)
        parts.append(block)
        count += block.count("\n")
        n += 1
    parts.append(
        f"\n\ndef predict_{i}(prompt):\n"
        f'    return replicate.run("openai/whisper", input={{"audio": prompt}})\n'
    )
    return "".join(parts)


def generate(target: Path, count: int) -> int:
    """Write `count` files using the 0.34 API, as small packages; returns the files written."""
    kinds = [IMAGE, SINGLE, TEXT, DICT, ASYNC]
    written = 0
    for i in range(count // 8):
        package = target / f"app_{i:03d}"
        package.mkdir(parents=True, exist_ok=True)
        files = {"__init__.py": "", "wrapper.py": WRAPPER.format(i=i), "consumer.py": CONSUMER}
        for k in range(5):
            files[f"m{k}.py"] = kinds[(i + k) % len(kinds)].format(i=i * 10 + k)
        if i % 12 == 0:
            files["big.py"] = large_module(i, 3000 + (i * 97) % 2000)
        for name, text in files.items():
            (package / name).write_text(text, encoding="utf-8")
            written += 1
    return written


def build_bench(tree: Path, small: bool) -> dict[str, int]:
    """The standard library, the environment's site-packages and generated 0.34 code."""
    stdlib = Path(os.__file__).parent
    site = Path(next(p for p in sys.path if p.endswith("site-packages")))
    limit = 400 if small else None
    return {
        # named so that no tool's default excludes (`site-packages`, `venv`) drop it
        "stdlib": copy_python_files(stdlib, tree / "stdlib", skip=("site-packages",), limit=limit),
        "packages": copy_python_files(site, tree / "packages", skip=(), limit=limit),
        "generated": generate(tree / "generated", 48 if small else 400),
    }


APPENDED = """


import replicate  # appended by the benchmark


def bench_render(prompt):
    output = replicate.run("black-forest-labs/flux-schnell", input={"prompt": prompt})
    return output[0].startswith("https://")
"""


def build_bench_large(tree: Path, bench: Path, count: int = 20) -> dict[str, int]:
    """`bench` (hard-linked: a dry run writes nothing) plus `count` large stdlib modules
    with a call appended."""
    shutil.copytree(bench, tree, copy_function=os.link)
    stdlib = Path(os.__file__).parent
    candidates = [
        p for p in stdlib.rglob("*.py")
        if not {"test", "tests", "site-packages", "idlelib", "lib2to3"} & set(p.relative_to(stdlib).parts)
    ]
    largest = sorted(candidates, key=lambda p: (-p.stat().st_size, str(p)))[:count]
    (tree / "large").mkdir()
    for path in largest:
        name = "_".join(path.relative_to(stdlib).with_suffix("").parts) + ".py"
        (tree / "large" / name).write_text(path.read_text(encoding="utf-8") + APPENDED, encoding="utf-8")
    return {"bench": sum(1 for _ in bench.rglob("*.py")), "large": len(largest)}


REBOUND_CALL = (
    'out = replicate.run("black-forest-labs/flux-schnell", input={"seed": x})\n'
    'print(out[0].startswith("https://"))\n'
)


def build_many(tree: Path, count: int) -> dict[str, int]:
    """`count` modules of 2,000 top-level statements (12 KB), one call using `x`."""
    text = "import replicate\n" + "x = 1\n" * 1997 + REBOUND_CALL
    for i in range(count):
        (tree / f"module_{i:03d}.py").write_text(text, encoding="utf-8")
    return {"modules": count}


def statements(n: int, reading: bool) -> bytes:
    """One module of `n` top-level statements and one call using `x`: each statement
    reads the one before (`x = x + 1`: all are needed), or rebinds it (`x = 1`)."""
    line = "x = x + 1\n" if reading else "x = 1\n"
    return ("import replicate\nx = 0\n" + line * (n - 4) + REBOUND_CALL).encode()


def build_trees(root: Path, small: bool) -> dict[str, Path]:
    """Every tree under `root` (replaced), by name."""
    if root.exists():
        shutil.rmtree(root)
    trees = {name: root / name for name in ("bench", "bench-large", "many-12k")}
    for path in trees.values():
        path.mkdir(parents=True)
    print("bench:", build_bench(trees["bench"], small))
    os.rmdir(trees["bench-large"])
    print("bench-large:", build_bench_large(trees["bench-large"], trees["bench"], 5 if small else 20))
    print("many-12k:", build_many(trees["many-12k"], 60 if small else 600))
    return trees
