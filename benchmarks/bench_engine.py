"""Engine throughput and memory: durable-rules vs the reference evaluator.

Prints medians of several repetitions (the machines are noisy; compare ratios measured in the
same run). Usage:

    python benchmarks/bench_engine.py [--reps 7] [--cases 1000] [--rss-cases 100000]
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from iptformulate import formulate
from iptformulate.engine import durable_engine, get_engine
from iptformulate.facts import FactParams, build_facts
from iptformulate.graph import RelationshipGraph
from iptformulate.model import Case
from iptformulate.rulepack import compiled, load_pack

RULES = Path(__file__).resolve().parents[1] / "rules"

RELATIONS = ["partner", "parent", "child", "sibling", "friend", "colleague", "boss", "other"]
LEVELS = ["none", "low", "moderate", "high"]
EVENTS = ["death", "move", "job_loss", "new_job", "birth", "divorce", "conflict", "retirement"]


def make_case(rng: random.Random, people: int, events: int, n: int) -> Case:
    """A synthetic inventory; about `people + 2 * events + 2` facts."""
    persons: list[dict[str, Any]] = []
    for i in range(people):
        dead = rng.random() < 0.1
        p: dict[str, Any] = {
            "id": f"p{i}",
            "name": f"Person {i}",
            "relationship": rng.choice(RELATIONS),
            "ring": rng.randint(1, 4),
            "support": rng.choice(LEVELS),
            "conflict": rng.choice(LEVELS),
            "confidant": rng.random() < 0.3,
            "expectations": [{"holder": "client", "met": rng.random() < 0.5}],
            "status": "deceased" if dead else "alive",
        }
        if dead:
            p["died"] = {"months_from_onset": rng.randint(-36, 2)}
            signs = ["avoids_reminders", "excessive_guilt"]
            p["grief_signs"] = rng.sample(signs, rng.randint(0, 2))
        persons.append(p)
    alive = [p["id"] for p in persons if p["status"] == "alive"]
    dead_ids = [p["id"] for p in persons if p["status"] == "deceased"]
    evs: list[dict[str, Any]] = []
    for j in range(events):
        kind = rng.choice(EVENTS)
        pool = dead_ids if kind == "death" else alive
        if kind == "death" and not pool:
            kind = "move"
            pool = alive
        involved = rng.sample(pool, min(len(pool), 1))
        ev: dict[str, Any] = {
            "id": f"e{j}",
            "type": kind,
            "months_from_onset": rng.randint(-24, 6),
            "people": involved,
        }
        if kind in ("move", "job_loss", "new_job", "birth", "retirement"):
            ev["role_change"] = {"old": "old role", "new": "new role"}
        evs.append(ev)
    return Case.model_validate(
        {
            "id": f"bench{n}",
            "people": persons,
            "events": evs,
            "network": {"longstanding_isolation": rng.random() < 0.2},
        }
    )


def rss_mib() -> float:
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * 4096 / 2**20


def median_rate(fn: Callable[[], int], reps: int) -> tuple[float, float, float]:
    rates = []
    for _ in range(reps):
        start = time.perf_counter()
        count = fn()
        rates.append(count / (time.perf_counter() - start))
    return statistics.median(rates), min(rates), max(rates)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--rss-cases", type=int, default=100_000)
    args = parser.parse_args()
    if not durable_engine.available():
        sys.exit("durable-rules is not importable here; run on Python 3.11 or 3.12")
    pack = load_pack(RULES)
    cpack = compiled(pack, "classic")
    params = FactParams.from_mapping(cpack.params)
    durable = get_engine(cpack, "durable")
    reference = get_engine(cpack, "reference")
    print(
        f"iptformulate engine benchmark - {time.strftime('%Y-%m-%d')}, Python "
        f"{platform.python_version()}, {platform.machine()}, {len(cpack.rules)} rules (classic)"
    )
    print(f"medians of {args.reps} repetitions x {args.cases} cases (min-max in brackets)\n")
    header = f"{'workload':34} {'durable c/s':>22} {'reference c/s':>22} {'ratio':>7}"
    print(header)
    print("-" * len(header))
    for label, people, events in (("~15 facts (5 people, 4 events)", 5, 4),
                                  ("~60 facts (20 people, 19 events)", 20, 19)):  # fmt: skip
        rng = random.Random(7)
        cases = [make_case(rng, people, events, i) for i in range(args.cases)]
        facts = [build_facts(RelationshipGraph(c), params) for c in cases]
        n_facts = statistics.mean(len(f) for f in facts)
        for f in facts[:200]:  # the engines must agree on what is measured
            assert durable.run(f) == reference.run(f)
        rows = {}
        for name, engine in (("durable", durable), ("reference", reference)):

            def run(engine: Any = engine, facts: list[Any] = facts) -> int:
                for f in facts:
                    engine.run(f)
                return len(facts)

            rows[name] = median_rate(run, args.reps)
        d, r = rows["durable"], rows["reference"]
        print(f"{label + f' [{n_facts:.0f}]':34} {d[0]:9.0f} ({d[1]:.0f}-{d[2]:.0f})"
              f" {r[0]:9.0f} ({r[1]:.0f}-{r[2]:.0f}) {d[0] / r[0]:7.2f}")  # fmt: skip
        for name, engine_name in (("durable", "durable"), ("reference", "reference")):

            def pipeline(engine_name: Any = engine_name, cases: list[Case] = cases) -> int:
                for c in cases[:300]:
                    formulate(c, rules=pack, options={"engine": engine_name})
                return 300

            rate = median_rate(pipeline, max(3, args.reps // 2))
            print(f"  end-to-end formulate(), {name:9} {rate[0]:9.0f} cases/s")
    rng = random.Random(11)
    facts = [build_facts(RelationshipGraph(make_case(rng, 5, 4, i)), params) for i in range(500)]
    before = rss_mib()
    start = time.perf_counter()
    for i in range(args.rss_cases):
        durable.run(facts[i % len(facts)])
    elapsed = time.perf_counter() - start
    after = rss_mib()
    print(f"\nRSS over {args.rss_cases} durable-rules cases: {before:.1f} MiB -> {after:.1f} MiB "
          f"(+{after - before:.1f} MiB), {args.rss_cases / elapsed:.0f} cases/s")  # fmt: skip


if __name__ == "__main__":
    main()
