"""Benchmark: replicate-migrate against ruff, django-upgrade, grep and a bare LibCST parse.

Usage: python bench/run.py [--keep] [--small] [--runs N]. Builds the trees of shapes.py
under bench/.tree/, measures each tool on each tree in a fresh process, measures the cost
of one file of 1,000 and 16,000 statements in process, prints tables and the goals.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import shapes  # next to this script

ROOT = Path(__file__).resolve().parent.parent
TREES = ROOT / "bench" / ".tree"
BIN = Path(sys.executable).parent
TIME = Path("/usr/bin/time")
PY = sys.executable
RUNS = 5  # per fast command (median); the slow baselines run once

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
# django-upgrade takes files, not folders; one batch of files per core, like the others.
DJANGO_UPGRADE = (
    "find . -name '*.py' -print0 | xargs -0 -n 500 -P {cpus} {bin}/django-upgrade --target-version 5.0"
)


@dataclass(frozen=True)
class Measure:
    name: str
    seconds: float
    peak_mb: float
    exit_code: int


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


def in_process(generated: Path, repeat: int) -> tuple[float, float]:
    """Best-of-`repeat` seconds: bare LibCST parse vs migrate_sources, over the same sources."""
    sources = [(str(p), p.read_bytes()) for p in sorted(generated.rglob("*.py"))]
    return _best(sources, repeat)


def _best(sources: list[tuple[str, bytes]], repeat: int) -> tuple[float, float]:
    import libcst

    from replicate_migrate.engine.pipeline import migrate_sources
    from replicate_migrate.options import Options

    migrate_sources(sources[:1], Options(jobs=1))  # imports, caches
    parse = tool = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _, data in sources:
            libcst.parse_module(data)
        parse = min(parse, time.perf_counter() - start)
        start = time.perf_counter()
        migrate_sources(sources, Options(jobs=1))
        tool = min(tool, time.perf_counter() - start)
    return parse, tool


def scaling(repeat: int) -> dict[tuple[str, int], tuple[float, float]]:
    """(shape, statements) -> (bare LibCST parse, migrate_sources) seconds for one file."""
    out = {}
    for reading in (True, False):
        for n in (1_000, 16_000):
            shape = "x = x + 1" if reading else "x = 1"
            out[(shape, n)] = _best([(f"s{n}.py", shapes.statements(n, reading))], repeat)
    return out


# --- report -------------------------------------------------------------------------------


def tools(tree: Path, runs: int, grep: bool) -> list[Measure]:
    """Each tool on `tree`, from inside it (so no tool reads the project's .gitignore).

    Each tree stands for a whole checkout: `--project-root .` keeps replicate-migrate from
    taking this repository, above the tree, as the project and reading all of it too.
    """
    cpus = os.cpu_count() or 1
    ours = [str(BIN / "replicate-migrate"), ".", "--no-progress", "--project-root", "."]
    measured = [
        measure("replicate-migrate (dry run)", ours, tree, runs),
        measure("ruff check --select UP", [str(BIN / "ruff"), "check", "--select", "UP", "--no-cache", "--isolated", "."], tree, runs),
    ]
    if grep:
        measured.append(measure("grep -rl replicate", ["grep", "-rl", "replicate", "."], tree, runs))
    if (BIN / "django-upgrade").exists():
        command = DJANGO_UPGRADE.format(cpus=cpus, bin=BIN)
        measured.append(measure("django-upgrade", ["sh", "-c", command], tree))
    measured.append(measure("libcst.parse_module, every file", [PY, "-c", PARSE_ALL, "."], tree))
    return measured


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="reuse bench/.tree/ if it exists")
    parser.add_argument("--small", action="store_true", help="small trees, for a quick run")
    parser.add_argument("--runs", type=int, default=RUNS, help="runs per fast command (median)")
    args = parser.parse_args(argv)
    if args.keep and TREES.exists():
        print(f"reusing {TREES}")
        trees = {p.name: p for p in sorted(TREES.iterdir()) if p.is_dir()}
    else:
        trees = shapes.build_trees(TREES, args.small)
    results: dict[str, list[Measure]] = {}
    for name, tree in trees.items():
        files = list(tree.rglob("*.py"))
        megabytes = sum(p.stat().st_size for p in files) / 2**20
        print(f"\n{name}: {len(files)} .py files, {megabytes:.0f} MB")
        results[name] = tools(tree, args.runs, grep=name == "bench")
        print(f"{'command':34} {'wall s':>8} {'peak MB':>8} {'exit':>5}")
        for m in results[name]:
            print(f"{m.name:34} {m.seconds:8.2f} {m.peak_mb:8.1f} {m.exit_code:5d}")
    repeat = 1 if args.small else 3
    parse, tool = in_process(trees["bench"] / "generated", repeat)
    print(f"\nin process, the generated files of bench: bare LibCST parse {parse:.2f} s, migrate_sources {tool:.2f} s")
    scaled = scaling(repeat)
    print(f"\none file, in process (best of {repeat}):")
    print(f"{'statements':>24} {'bare LibCST s':>14} {'migrate s':>10} {'ratio':>6}")
    for (shape, n), (p, t) in scaled.items():
        print(f"{n:>8,} of {shape!r:>12} {p:14.3f} {t:10.3f} {t / p:6.2f}")
    return report_goals(results, parse, tool, scaled)


def report_goals(
    results: dict[str, list[Measure]], parse: float, tool: float, scaled: dict[tuple[str, int], tuple[float, float]]
) -> int:
    goals: list[tuple[str, str, bool]] = []
    for tree, limit in (("bench", 0.5), ("bench-large", 0.5), ("many-12k", 3.0)):
        by = {m.name.split(" ")[0]: m for m in results.get(tree, [])}
        if "replicate-migrate" in by and "ruff" in by:
            ratio = by["replicate-migrate"].seconds / by["ruff"].seconds
            goals.append((f"{tree}: dry run <= {limit}x ruff time", f"{ratio:.2f}x", ratio <= limit))
            peak = by["replicate-migrate"].peak_mb
            goals.append((f"{tree}: peak memory < 200 MB", f"{peak:.0f} MB", peak < 200))
    bench = {m.name.split(" ")[0]: m for m in results.get("bench", [])}
    if bench:
        speedup = bench["libcst.parse_module,"].seconds / bench["replicate-migrate"].seconds
        goals.append(("bench: >= 50x faster than parsing everything", f"{speedup:.1f}x", speedup >= 50))
    goals.append(("generated: analysis+rewrite <= 2x bare parse", f"{tool / parse:.2f}x", tool / parse <= 2))
    for shape in ("x = x + 1", "x = 1"):
        (_, t1), (p16, t16) = scaled[(shape, 1_000)], scaled[(shape, 16_000)]
        goals.append((f"{shape!r}: 16,000 statements <= 20x 1,000", f"{t16 / t1:.1f}x", t16 / t1 <= 20))
        goals.append((f"{shape!r}: 16,000 <= 1.5x bare LibCST parse", f"{t16 / p16:.2f}x", t16 / p16 <= 1.5))
    print("\ngoals:")
    for text, value, met in goals:
        print(f"  [{'met' if met else 'MISSED'}] {text:48} {value}")
    return 0 if all(met for *_, met in goals) else 1


if __name__ == "__main__":
    sys.exit(main())
