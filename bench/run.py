"""Benchmark: replicate-migrate against grep, ruff and a bare LibCST parse over one large tree.

Usage: python bench/run.py [--keep] [--small]. Builds bench/.tree/ (stdlib + site-packages +
generated 0.34 code), measures each tool in a fresh process, prints a table and the goals.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TREE = ROOT / "bench" / ".tree"
BIN = Path(sys.executable).parent
TIME = Path("/usr/bin/time")
PY = sys.executable
RUNS = 5  # per fast command (median); the parse-everything baseline runs once

PARSE_ALL = """
import os, sys, libcst
ok = bad = 0
for top, dirs, files in os.walk(sys.argv[1]):
    for name in files:
        if name.endswith(".py"):
            try:
                with open(os.path.join(top, name), "rb") as f:
                    libcst.parse_module(f.read())
                ok += 1
            except Exception:
                bad += 1
print(ok, bad)
"""


@dataclass(frozen=True)
class Measure:
    name: str
    seconds: float
    peak_mb: float
    exit_code: int


# --- the tree -----------------------------------------------------------------------------


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


def build_tree(tree: Path, small: bool) -> dict[str, int]:
    if tree.exists():
        shutil.rmtree(tree)
    stdlib = Path(os.__file__).parent
    site = Path(next(p for p in sys.path if p.endswith("site-packages")))
    limit = 400 if small else None
    return {
        # named so that no tool's default excludes (`site-packages`, `venv`) drop it
        "stdlib": copy_python_files(stdlib, tree / "stdlib", skip=("site-packages",), limit=limit),
        "packages": copy_python_files(site, tree / "packages", skip=(), limit=limit),
        "generated": generate(tree / "generated", 48 if small else 400),
    }


# --- measurements -------------------------------------------------------------------------


def measure(name: str, command: list[str], cwd: Path, runs: int = 1) -> Measure:
    """Median wall time and highest peak RSS of `command` over `runs` fresh processes,
    after one unmeasured warm-up run when `runs` > 1 (a single run is noisy)."""
    if runs > 1:
        _measure_once(name, command, cwd)
    samples = sorted((_measure_once(name, command, cwd) for _ in range(runs)), key=lambda m: m.seconds)
    middle = samples[len(samples) // 2]
    return Measure(name, middle.seconds, max(m.peak_mb for m in samples), middle.exit_code)


def _measure_once(name: str, command: list[str], cwd: Path) -> Measure:
    if TIME.exists():
        with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
            start = time.perf_counter()
            done = subprocess.run(
                [str(TIME), "-v", "-o", report.name, *command],
                check=False,
                cwd=cwd,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            seconds = time.perf_counter() - start
            text = report.read()
            peak = _max_rss_kb(text)
            # time's own clock starts at the command's fork, not at this process's spawn
            seconds = _elapsed(text) or seconds
        return Measure(name, seconds, peak / 1024, done.returncode)
    wrapper = (
        "import resource, subprocess, sys, time; s = time.perf_counter(); "
        "c = subprocess.run(sys.argv[1:], stdout=-3, stderr=-3).returncode; "
        "print(time.perf_counter() - s, "
        "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, c)"
    )
    out = subprocess.run(
        [PY, "-c", wrapper, *command], check=False, cwd=cwd, capture_output=True, text=True
    )
    wall, peak_kb, code = out.stdout.split()
    return Measure(name, float(wall), int(peak_kb) / 1024, int(code))


def _elapsed(report: str) -> float | None:
    """`Elapsed (wall clock) time (h:mm:ss or m:ss): 0:00.47` -> 0.47."""
    for line in report.splitlines():
        if "Elapsed (wall clock) time" in line:
            clock = line.rsplit(": ", 1)[1].strip().split(":")
            seconds = 0.0
            for part in clock:
                seconds = seconds * 60 + float(part)
            return seconds
    return None


def _max_rss_kb(report: str) -> int:
    for line in report.splitlines():
        if "Maximum resident set size" in line:
            return int(line.rsplit(":", 1)[1])
    return 0


def in_process(generated: Path, repeat: int) -> tuple[float, float, int]:
    """Best-of-`repeat` seconds: bare LibCST parse vs migrate_sources, over the same sources."""
    import libcst

    from replicate_migrate.engine.pipeline import migrate_sources
    from replicate_migrate.options import Options

    sources = [(str(p), p.read_bytes()) for p in sorted(generated.rglob("*.py"))]
    parse = tool = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _, data in sources:
            libcst.parse_module(data)
        parse = min(parse, time.perf_counter() - start)
        start = time.perf_counter()
        outcome = migrate_sources(sources, Options(jobs=1))
        tool = min(tool, time.perf_counter() - start)
    return parse, tool, sum(1 for r in outcome.results if r.changed)


def count_files(tree: Path) -> Iterator[Path]:
    return tree.rglob("*.py")


# --- report -------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="reuse bench/.tree/ if it exists")
    parser.add_argument("--small", action="store_true", help="a small tree, for a quick run")
    args = parser.parse_args(argv)
    if args.keep and TREE.exists():
        print(f"reusing {TREE}")
    else:
        start = time.perf_counter()
        counts = build_tree(TREE, args.small)
        print(f"built {TREE} in {time.perf_counter() - start:.1f}s: {counts}")
    files = list(count_files(TREE))
    megabytes = sum(p.stat().st_size for p in files) / 2**20
    print(f"tree: {len(files)} .py files, {megabytes:.0f} MB\n")

    # cwd is the tree so that no tool reads the project's .gitignore (which ignores bench/.tree/)
    ruff = BIN / "ruff"
    runs = [
        measure(
            "replicate-migrate (dry run)",
            [str(BIN / "replicate-migrate"), ".", "--no-progress"],
            TREE,
            RUNS,
        ),
        measure("grep -rl replicate", ["grep", "-rl", "replicate", "."], TREE, RUNS),
    ]
    if ruff.exists():
        runs.append(
            measure(
                "ruff check --select UP",
                [str(ruff), "check", "--select", "UP", "--no-cache", "--isolated", "."],
                TREE,
                RUNS,
            )
        )
    runs.append(measure("libcst.parse_module, every file", [PY, "-c", PARSE_ALL, "."], TREE))
    print(f"{'command':34} {'wall s':>8} {'peak MB':>8} {'exit':>5}")
    for m in runs:
        print(f"{m.name:34} {m.seconds:8.2f} {m.peak_mb:8.1f} {m.exit_code:5d}")
    parse, tool, changed = in_process(TREE / "generated", repeat=1 if args.small else 3)
    n = len(list((TREE / "generated").rglob("*.py")))
    print(f"\nin process, {n} generated files ({changed} changed), best of runs:")
    print(f"  bare libcst.parse_module        {parse:8.2f} s")
    print(f"  migrate_sources(jobs=1)         {tool:8.2f} s")
    return report_goals(runs, parse, tool)


def report_goals(runs: list[Measure], parse: float, tool: float) -> int:
    by = {m.name.split(" ")[0]: m for m in runs}
    dry = by["replicate-migrate"]
    goals: list[tuple[str, str, bool]] = []
    if "ruff" in by:
        ratio = dry.seconds / by["ruff"].seconds
        goals.append(("dry run <= 0.5x ruff time", f"{ratio:.2f}x", ratio <= 0.5))
    speedup = by["libcst.parse_module,"].seconds / dry.seconds
    goals.append((">= 50x faster than parsing everything", f"{speedup:.1f}x", speedup >= 50))
    goals.append(("peak memory < 200 MB", f"{dry.peak_mb:.0f} MB", dry.peak_mb < 200))
    ratio = tool / parse
    goals.append(("analysis+rewrite <= 2x bare parse", f"{ratio:.2f}x", ratio <= 2))
    print("\ngoals:")
    for text, value, met in goals:
        print(f"  [{'met' if met else 'MISSED'}] {text:40} {value}")
    if dry.exit_code != 1:
        print(f"  note: dry run exited {dry.exit_code}, expected 1")
    return 0 if all(met for *_, met in goals) else 1


if __name__ == "__main__":
    sys.exit(main())
