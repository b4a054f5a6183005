"""Per-stage cost of a 15-person case, each stage timed alone (best of --reps, µs per case),
and end to end through a `Formulator` with each engine (medians, min-max).

    python benchmarks/bench_stages.py [--reps 5] [--cases 300]

Stages timed alone run with hot caches, so they add up to less than a whole formulation.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable

from bench_engine import make_case
from bench_pipeline import median as rate

from iptformulate import Formulator
from iptformulate.engine import ReferenceEngine
from iptformulate.engine.admission import CaseAdmission
from iptformulate.engine.budget import check_work
from iptformulate.engine.open_world import open_rules
from iptformulate.engine.reference import MemoisedEngine
from iptformulate.facts import build_facts
from iptformulate.formulation.build import build
from iptformulate.graph import RelationshipGraph
from iptformulate.limits import DEFAULT_LIMITS
from iptformulate.model import Case
from iptformulate.pipeline import _setup, resolve_pack
from iptformulate.scoring import score_all


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--cases", type=int, default=300)
    args = ap.parse_args()
    rng = random.Random(7)
    cases = [make_case(rng, 15, 10, i) for i in range(args.cases)]
    dicts = [c.model_dump(mode="json") for c in cases]
    cases = [Case.model_validate(d) for d in dicts]
    s = _setup(resolve_pack(None), "classic", "auto", ())
    facts = [build_facts(RelationshipGraph(c), s.fact_params) for c in cases]
    found = [s.engine.run(f) for f in facts]
    scores = [score_all(s.spec.areas, fn, s.threshold, s.subtypes) for fn in found]
    opened = [
        open_rules(s.cpack, f, fn, CaseAdmission(s.cpack, f, canonical=True))
        for f, fn in zip(facts, found, strict=True)
    ]
    reference, memo = ReferenceEngine(s.cpack), MemoisedEngine(s.cpack)
    n = len(cases)

    def shared(i: int) -> None:
        admission = CaseAdmission(s.cpack, facts[i], canonical=True)
        findings = memo.run(facts[i], admission)
        open_rules(s.cpack, facts[i], findings, admission)

    stages: list[tuple[str, Callable[[int], object]]] = [
        ("graph", lambda i: RelationshipGraph(cases[i])),
        ("graph and facts", lambda i: build_facts(RelationshipGraph(cases[i]), s.fact_params)),
        ("work budget", lambda i: check_work(s.cpack, facts[i], DEFAULT_LIMITS)),
        ("durable-rules", lambda i: s.engine.run(facts[i])),
        ("ReferenceEngine (the oracle)", lambda i: reference.run(facts[i])),
        ("MemoisedEngine (runs as 'reference')",
         lambda i: memo.run(facts[i], CaseAdmission(s.cpack, facts[i], canonical=True))),
        ("open-world pass",
         lambda i: open_rules(s.cpack, facts[i], found[i],
                              CaseAdmission(s.cpack, facts[i], canonical=True))),
        ("MemoisedEngine + open-world pass, shared tables", shared),
        ("scores", lambda i: score_all(s.spec.areas, found[i], s.threshold, s.subtypes)),
        ("formulation building",
         lambda i: build(cases[i], facts[i], found[i], scores[i], s.pack, s.spec,
                         engine="durable", fallback=False, options=s.recorded,
                         open_fields=opened[i], rule_weights=s.rule_weights)),
    ]  # fmt: skip
    print(f"{n} cases of 15 people\n\n| stage | µs per case (best of {args.reps}) |\n|---|---|")
    for name, fn in stages:
        best = float("inf")
        for _ in range(args.reps):
            start = time.perf_counter()
            for i in range(n):
                fn(i)
            best = min(best, time.perf_counter() - start)
        print(f"| {name} | {best / n * 1e6:,.0f} |", flush=True)
    print("\n| end to end, `Formulator` | cases/s, median (min-max) |\n|---|---|")
    for engine in ("auto", "reference"):
        f = Formulator(options={"engine": engine})
        for c in cases:
            f.formulate(c)
        for what, items in (("Case", cases), ("dict", dicts)):

            def run(f: Formulator = f, items: list[object] = items) -> int:  # type: ignore[assignment]
                for item in items:
                    f.formulate(item)  # type: ignore[arg-type]
                return len(items)

            med, lo, hi = rate(run, args.reps)
            print(f"| engine={engine}, from a {what} | {med:,.0f} ({lo:,.0f}-{hi:,.0f}) |")


if __name__ == "__main__":
    main()
