"""What issue 17's fix costs: durable-rules with one session reused by retracting each case's
facts (the old, unsafe path) against a fresh session per case (deleted after it), engine only,
interleaved in one process. Usage:

    python benchmarks/bench_session.py [--reps 7] [--cases 500] [--people 15]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_engine import make_case

from iptformulate.engine import durable_engine, make_engine
from iptformulate.facts import FactParams, build_facts
from iptformulate.graph import RelationshipGraph
from iptformulate.pipeline import resolve_pack
from iptformulate.rulepack import compiled


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--cases", type=int, default=500)
    ap.add_argument("--people", type=int, default=15)
    args = ap.parse_args()
    cpack = compiled(resolve_pack(), "classic")
    params = FactParams.from_mapping(cpack.params)
    rng = random.Random(5)
    facts = [
        build_facts(RelationshipGraph(make_case(rng, args.people, args.people * 2 // 3, i)), params)
        for i in range(args.cases)
    ]
    engines: dict[str, Any] = {
        "reused session, retract (old)": (make_engine(cpack, "durable"), True),
        "fresh session per case (new)": (make_engine(cpack, "durable"), False),
        "reference evaluator": (make_engine(cpack, "reference"), False),
    }
    rates: dict[str, list[float]] = {name: [] for name in engines}
    for _ in range(args.reps):
        for name, (engine, retract) in engines.items():
            durable_engine._RETRACT = retract
            for f in facts[:50]:
                engine.run(f)
            start = time.perf_counter()
            for f in facts:
                engine.run(f)
            rates[name].append(len(facts) / (time.perf_counter() - start))
    durable_engine._RETRACT = False
    base = statistics.median(rates["reused session, retract (old)"])
    print(f"engine only, {args.cases} cases of {args.people} people, {args.reps} reps")
    print("| engine | cases/s median (min-max) | vs old |\n|---|---|---|")
    for name, r in rates.items():
        med = statistics.median(r)
        print(f"| {name} | {med:,.0f} ({min(r):,.0f}-{max(r):,.0f}) | {med / base:.2f} |")


if __name__ == "__main__":
    main()
