"""End-to-end throughput against its floor, per-stage split, workers, memory and cold start.

Prints a table of medians (min-max) and the targets beside them. Usage:

    python benchmarks/bench_pipeline.py [--reps 5] [--cases 400] [--rss-cases 100000]

The floor is what any implementation must pay: validating the case, building the graph and
its facts, and evaluating the rules with the plain-Python reference evaluator.
"""

from __future__ import annotations

import argparse
import compileall
import gc
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_engine import make_case, rss_mib

import iptformulate
from iptformulate.engine import get_engine
from iptformulate.facts import FactParams, build_facts
from iptformulate.graph import RelationshipGraph
from iptformulate.pipeline import resolve_pack
from iptformulate.rulepack import compiled
from iptformulate.scoring import score_all

SIZES = (5, 15, 60, 250)


def median(fn: Callable[[], int], reps: int) -> tuple[float, float, float]:
    rates = []
    for _ in range(reps):
        gc.collect()
        start = time.perf_counter()
        count = fn()
        rates.append(count / (time.perf_counter() - start))
    return statistics.median(rates), min(rates), max(rates)


def docs_for(people: int, n: int, seed: int = 7) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    events = max(2, people * 2 // 3)
    return [make_case(rng, people, events, i).model_dump(mode="json") for i in range(n)]


def stage_split(docs: Sequence[dict[str, Any]]) -> dict[str, float]:
    """Microseconds per case spent in each stage (one pass, after warm-up)."""
    pack = resolve_pack()
    cpack = compiled(pack, "classic")
    engine = get_engine(cpack, "durable")
    params = FactParams.from_mapping(cpack.params)
    spec = pack.profile("classic")
    from iptformulate.formulation.build import build
    from iptformulate.pipeline import subtype_values

    totals = dict.fromkeys(("validate", "graph+facts", "engine", "scores", "formulation"), 0.0)
    for doc in docs:
        t0 = time.perf_counter()
        case = iptformulate.Case.model_validate(doc)
        t1 = time.perf_counter()
        facts = build_facts(RelationshipGraph(case), params)
        t2 = time.perf_counter()
        findings = engine.run(facts)
        t3 = time.perf_counter()
        scores = score_all(spec.areas, findings, 0.5, subtype_values(pack))
        t4 = time.perf_counter()
        build(case, facts, findings, scores, pack, spec, engine=engine.name, fallback=False,
              options={})  # fmt: skip
        t5 = time.perf_counter()
        for key, value in zip(totals, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4), strict=True):
            totals[key] += value
    return {k: v / len(docs) * 1e6 for k, v in totals.items()}


def floor_fn(docs: Sequence[dict[str, Any]]) -> Callable[[], int]:
    pack = resolve_pack()
    cpack = compiled(pack, "classic")
    reference = get_engine(cpack, "reference")
    params = FactParams.from_mapping(cpack.params)

    def run() -> int:
        for doc in docs:
            case = iptformulate.Case.model_validate(doc)
            reference.run(build_facts(RelationshipGraph(case), params))
        return len(docs)

    return run


def e2e_fn(docs: Sequence[dict[str, Any]]) -> Callable[[], int]:
    def run() -> int:
        for doc in docs:
            iptformulate.formulate(doc)
        return len(docs)

    return run


def cold(cmd: list[str], reps: int, env: dict[str, str] | None = None) -> float:
    times = []
    subprocess.run(cmd, check=True, capture_output=True)  # fills the rule cache once
    for _ in range(reps):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, env={**os.environ, **(env or {})})
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--cases", type=int, default=400)
    parser.add_argument("--rss-cases", type=int, default=100_000)
    parser.add_argument("--skip-workers", action="store_true")
    args = parser.parse_args()
    print(
        f"iptformulate pipeline benchmark - {time.strftime('%Y-%m-%d')}, Python "
        f"{platform.python_version()}, {platform.machine()}, {os.cpu_count()} cores"
    )
    print(f"medians of {args.reps} repetitions (min-max); classic profile, durable-rules\n")
    iptformulate.formulate(iptformulate.examples.load("grief_widower"))  # warm caches
    print(f"{'people':>6} {'end-to-end c/s':>24} {'floor c/s':>24} {'e2e/floor':>9} {'us/case':>8}")
    per_size: dict[int, float] = {}
    for people in SIZES:
        n = max(20, args.cases * 15 // people) if people > 15 else args.cases
        docs = docs_for(people, n)
        e2e = median(e2e_fn(docs), args.reps)
        floor = median(floor_fn(docs), args.reps)
        per_size[people] = 1e6 / e2e[0]
        print(
            f"{people:>6} {e2e[0]:>8.0f} ({e2e[1]:.0f}-{e2e[2]:.0f})".ljust(32)
            + f"{floor[0]:>8.0f} ({floor[1]:.0f}-{floor[2]:.0f})".ljust(25)
            + f"{floor[0] / e2e[0]:>9.2f} {1e6 / e2e[0]:>8.0f}"
        )
    print("\nper-stage split, 15 people (us/case):")
    for stage, us in stage_split(docs_for(15, args.cases)).items():
        print(f"  {stage:12} {us:8.0f}")
    slope = (per_size[250] - per_size[15]) / (250 - 15)
    print(f"\ncost per extra person: {slope:.0f} us (5->250 people: "
          f"{per_size[5]:.0f} -> {per_size[250]:.0f} us/case)")  # fmt: skip
    if not args.skip_workers and hasattr(iptformulate, "formulate_many"):
        docs = docs_for(15, 4000, seed=3)
        rates = {}
        for workers in (1, 2):

            def run(workers: int = workers) -> int:
                for _ in iptformulate.formulate_many(docs, workers=workers):
                    pass
                return len(docs)

            rates[workers] = median(run, max(3, args.reps // 2))[0]

        def run_parsed() -> int:  # a consumer that builds every Formulation in the parent
            for result in iptformulate.formulate_many(docs, workers=2):
                assert result.formulation is not None
            return len(docs)

        parsed = median(run_parsed, max(3, args.reps // 2))[0]
        start = time.perf_counter()
        results = iptformulate.formulate_many(docs, workers=2)
        next(results)
        first = time.perf_counter() - start
        for _ in results:
            pass
        steady = (len(docs) - 1) / (time.perf_counter() - start - first)
        print(f"\nformulate_many, 4000 cases of 15 people: 1 worker {rates[1]:.0f} c/s, "
              f"2 workers {rates[2]:.0f} c/s, speed-up {rates[2] / rates[1]:.2f}x; "
              f"2 workers reading every .formulation {parsed:.0f} c/s "
              f"({parsed / rates[1]:.2f}x)")  # fmt: skip
        print(f"  2-worker pool start-up (time to the first result) {first * 1000:.0f} ms; "
              f"after it {steady:.0f} c/s ({steady / rates[1]:.2f}x)")  # fmt: skip
    docs = docs_for(15, 500, seed=5)
    for doc in docs[:50]:
        iptformulate.formulate(doc)
    gc.collect()
    before = rss_mib()
    for i in range(args.rss_cases):
        iptformulate.formulate(docs[i % len(docs)])
    gc.collect()
    after = rss_mib()
    print(f"\nRSS over {args.rss_cases} cases: {before:.1f} -> {after:.1f} MiB "
          f"(+{after - before:.1f} MiB)")  # fmt: skip
    # pip compiles an installed package's bytecode; an editable checkout under
    # PYTHONDONTWRITEBYTECODE would recompile every module at every start instead
    compileall.compile_dir(Path(iptformulate.__file__).parent, quiet=1)
    exe = Path(sys.executable).parent / "iptformulate"
    cmd = [str(exe), "formulate", "--example", "grief_widower"]
    uncached = cold(cmd, 7, {"IPTFORMULATE_CACHE": "off"})
    one = cold(cmd, 7)
    bare = cold([sys.executable, "-c", "import pydantic, networkx, yaml, durable.engine"], 7)
    print(f"cold CLI, one case: {one * 1000:.0f} ms; bare imports: {bare * 1000:.0f} ms; "
          f"ratio {one / bare:.2f} (rule cache off: {uncached * 1000:.0f} ms, "
          f"{uncached / bare:.2f})")  # fmt: skip


if __name__ == "__main__":
    main()
