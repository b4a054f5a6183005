"""Hostile but valid cases (issue 16): what refusing them costs, and how the reference
evaluator's joins grow with involvements. Usage:

    python benchmarks/bench_hostile.py [--sizes 4000 16000 40000]

Prints, for the 150 KB "conflict storm" (200 people, 4,100 events each listing all 200), the
time and peak RSS until `load_case` refuses it; then, for cases of n conflict events of one
person each (at most 4,000 people), the reference evaluator's time over their facts (limits
lifted), so the growth with n can be read off (linear with indexed joins, about n * people
with nested loops).
"""

from __future__ import annotations

import argparse
import importlib.util
import resource
import tempfile
import time
from pathlib import Path

from iptformulate import load_case, parse_case
from iptformulate.engine import get_engine
from iptformulate.errors import CaseError
from iptformulate.facts import FactParams, build_facts
from iptformulate.graph import RelationshipGraph
from iptformulate.limits import Limits
from iptformulate.rulepack import compiled, load_pack

_HOSTILE = Path(__file__).resolve().parents[1] / "tests" / "hostile.py"
_SPEC = importlib.util.spec_from_file_location("hostile", _HOSTILE)
assert _SPEC is not None and _SPEC.loader is not None
hostile = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(hostile)

RULES = Path(__file__).resolve().parents[1] / "rules"


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def storm() -> None:
    text: str = hostile.conflict_storm_yaml()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "storm.yaml"
        path.write_text(text, encoding="utf-8")
        before = _rss_mb()
        start = time.perf_counter()
        try:
            load_case(path)
            outcome = "accepted"
        except CaseError as exc:
            outcome = f"refused ({exc.reason})"
        took = time.perf_counter() - start
    print(f"storm: {len(text) / 1024:.0f} KB, {outcome}")
    print(f"storm: {took * 1000:.0f} ms, peak RSS {_rss_mb():.0f} MB (before {before:.0f} MB)")


def joins(sizes: list[int]) -> None:
    pack = load_pack(RULES)
    cpack = compiled(pack, "classic")
    engine = get_engine(cpack, "reference")
    for n in sizes:
        data = {
            "id": "wide",
            "people": [
                {"id": f"p{i}", "name": "x", "relationship": "partner", "ring": 1,
                 "conflict": "high"}
                for i in range(min(n, 4000))
            ],
            "events": [
                {"id": f"e{i}", "type": "conflict", "months_from_onset": -1,
                 "people": [f"p{i % 4000}"]}
                for i in range(n)
            ],
        }  # fmt: skip
        case = parse_case(data, limits=Limits(max_involvements=n))
        facts = build_facts(RelationshipGraph(case), FactParams.from_mapping(cpack.params))
        start = time.perf_counter()
        engine.run(facts)
        took = time.perf_counter() - start
        print(f"joins: {n} involvements, {len(facts)} facts: {took:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 4000, 8000])
    args = parser.parse_args()
    storm()
    joins(args.sizes)


if __name__ == "__main__":
    main()
