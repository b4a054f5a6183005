"""Soak: formulate many distinct generated cases in one process and watch for crashes,
silent disagreement with the reference evaluator, and memory growth.

Not a unit test: a long run (issue 17 asks for >= 1,000,000 formulations). Run it under
`python -X faulthandler` so a segfault prints the Python stack:

    python -X faulthandler benchmarks/soak.py --count 1000000 --distinct 2000 --people 15

Every `--check-every`-th case is also run through the reference evaluator and the findings
compared (a corrupted heap can give wrong answers before it crashes). RSS is printed every
`--report-every` cases; the last line says `SOAK OK` or `SOAK FAILED`.
"""

from __future__ import annotations

import argparse
import gc
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_engine import make_case, rss_mib

import iptformulate
from iptformulate import examples
from iptformulate.engine import durable_engine, get_engine
from iptformulate.facts import FactParams, build_facts
from iptformulate.graph import RelationshipGraph
from iptformulate.model import Case
from iptformulate.pipeline import resolve_pack
from iptformulate.rulepack import compiled


def make_cases(distinct: int, people: int, seed: int) -> list[Case]:
    """`distinct` generated cases of about `people` people (varying a little, so fact counts
    and retraction lists vary), plus the bundled examples."""
    rng = random.Random(seed)
    out: list[Case] = []
    for n in range(distinct):
        size = max(1, people + rng.randint(-3, 3))
        out.append(make_case(rng, size, max(2, size * 2 // 3 + rng.randint(-2, 2)), n))
    out.extend(examples.load(name) for name in examples.names())
    rng.shuffle(out)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=1_000_000, help="formulations to run")
    ap.add_argument("--distinct", type=int, default=2000, help="distinct generated cases")
    ap.add_argument("--people", type=int, default=15)
    ap.add_argument("--seed", type=int, default=17)
    ap.add_argument("--engine", default="auto", choices=("auto", "durable", "reference"))
    ap.add_argument("--mode", default="formulate", choices=("formulate", "engine"),
                    help="whole pipeline, or facts -> engine.run only")  # fmt: skip
    ap.add_argument("--profile", default="classic")
    ap.add_argument("--check-every", type=int, default=997)
    ap.add_argument("--report-every", type=int, default=50_000)
    ap.add_argument("--retract", action="store_true",
                    help="reuse one durable session by retracting facts (the unsafe "
                         "pre-issue-17 path, to reproduce the crash)")  # fmt: skip
    args = ap.parse_args()
    durable_engine._RETRACT = args.retract

    cases = make_cases(args.distinct, args.people, args.seed)
    options: dict[str, Any] = {"engine": args.engine}
    cpack = compiled(resolve_pack(), args.profile)
    params = FactParams.from_mapping(cpack.params)
    engine = get_engine(cpack, args.engine)
    oracle = get_engine(cpack, "reference")
    facts_of = [build_facts(RelationshipGraph(c), params) for c in cases]

    print(f"soak: {args.count:,} x {args.mode}, engine {engine.name}, {len(cases)} distinct "
          f"cases (~{args.people} people), retract {args.retract}, "
          f"python {sys.version.split()[0]}", flush=True)  # fmt: skip
    gc.collect()
    start_rss = rss_mib()
    peak = start_rss
    bad = 0
    t0 = last = time.perf_counter()
    n_cases = len(cases)
    for i in range(args.count):
        k = i % n_cases
        if args.mode == "formulate":
            iptformulate.formulate(cases[k], profile=args.profile, options=options)
        else:
            engine.run(facts_of[k])
        if args.check_every and i % args.check_every == 0:
            got = engine.run(facts_of[k])
            want = oracle.run(facts_of[k])
            if got != want:
                bad += 1
                print(f"MISMATCH at {i}: case {cases[k].id}", flush=True)
        if (i + 1) % args.report_every == 0:
            now = time.perf_counter()
            rss = rss_mib()
            peak = max(peak, rss)
            rate = args.report_every / (now - last)
            last = now
            print(f"{i + 1:>10,}  rss {rss:7.1f} MiB ({rss - start_rss:+.1f})  "
                  f"{rate:7.0f} /s  elapsed {now - t0:7.0f} s", flush=True)  # fmt: skip
    gc.collect()
    end_rss = rss_mib()
    status = "OK" if bad == 0 else "FAILED"
    print(f"SOAK {status}: {args.count:,} {args.mode} calls, {bad} mismatches, rss "
          f"{start_rss:.1f} -> {end_rss:.1f} MiB ({end_rss - start_rss:+.1f}, peak {peak:.1f}), "
          f"{time.perf_counter() - t0:.0f} s", flush=True)  # fmt: skip
    return 0 if bad == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
