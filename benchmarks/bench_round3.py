"""Issue 17's speed targets, measured in one run (medians of --reps, min-max beside them).

    python benchmarks/bench_round3.py [--reps 5] [--cases 300] [--many 4000] [--skip-workers]

- end to end from a validated `Case` and from a dict, 15 people, one process: `formulate` and
  a long-lived `Formulator`;
- end to end (dict in, JSON out) against the physical floor (validate the dict, dump the
  formulation's JSON) in the same run;
- `Formulator.formulate_many`, 2 workers against 1, pool start-up included;
- cost per person from 60 to 1,000 people.
"""

from __future__ import annotations

import argparse
import gc
import random
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_engine import make_case
from bench_pipeline import median as rate

import iptformulate
from iptformulate import Formulator
from iptformulate.model import Case

Stat = tuple[float, float, float]


def show(name: str, stat: Stat, unit: str = "cases/s") -> None:
    med, lo, hi = stat
    print(f"| {name} | {med:,.0f} ({lo:,.0f}-{hi:,.0f}) {unit} |", flush=True)


def docs(people: int, n: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    events = max(2, people * 2 // 3)
    return [make_case(rng, people, events, i).model_dump(mode="json") for i in range(n)]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--cases", type=int, default=300)
    ap.add_argument("--many", type=int, default=4000)
    ap.add_argument("--files", type=int, default=2000, help="YAML files for `batch`")
    ap.add_argument("--skip-workers", action="store_true")
    args = ap.parse_args()
    reps = args.reps
    dicts = docs(15, args.cases, 7)
    cases = [Case.model_validate(d) for d in dicts]
    f = Formulator()
    outs = [f.formulate(c) for c in cases]  # warm-up, and the outputs the floor dumps
    print(f"{args.cases} cases of 15 people, {reps} reps\n")
    print("| measure | median (min-max) |\n|---|---|")

    def from_case() -> int:
        for c in cases:
            iptformulate.formulate(c)
        return len(cases)

    def from_case_f() -> int:
        for c in cases:
            f.formulate(c)
        return len(cases)

    def from_dict() -> int:
        for d in dicts:
            iptformulate.formulate(d)
        return len(dicts)

    def from_dict_f() -> int:
        for d in dicts:
            f.formulate(d)
        return len(dicts)

    def e2e_json() -> int:
        for d in dicts:
            f.formulate(d).model_dump_json()
        return len(dicts)

    def floor() -> int:
        for d, out in zip(dicts, outs, strict=True):
            Case.model_validate(d)
            out.model_dump_json()
        return len(dicts)

    results: dict[str, Stat] = {}
    for name, fn in [
        ("formulate(Case)", from_case),
        ("Formulator.formulate(Case)", from_case_f),
        ("formulate(dict)", from_dict),
        ("Formulator.formulate(dict)", from_dict_f),
        ("Formulator, dict in, JSON out", e2e_json),
        ("floor: validate dict + dump JSON", floor),
    ]:
        results[name] = rate(fn, reps)
        show(name, results[name])
    ratio = (
        results["floor: validate dict + dump JSON"][0] / results["Formulator, dict in, JSON out"][0]
    )
    print(f"| end to end / floor | {ratio:.2f}x |")

    if not args.skip_workers:
        many = docs(15, args.many, 9)
        for workers in (1, 2):

            def batch(workers: int = workers) -> int:
                with Formulator(workers=workers) as fm:
                    n = sum(1 for r in fm.formulate_many(many) if r.ok)
                assert n == len(many)
                return n

            results[f"workers {workers}"] = rate(batch, reps)
            show(f"Formulator.formulate_many, {workers} worker(s), start-up included",
                 results[f"workers {workers}"])  # fmt: skip
        speed = results["workers 2"][0] / results["workers 1"][0]
        print(f"| 2 workers / 1 | {speed:.2f}x |")

    if not args.skip_workers:
        batch_files(args.files, reps)

    per_person: dict[int, float] = {}
    for people in (60, 250, 1000):
        big = [Case.model_validate(d) for d in docs(people, 3, 3)]
        for c in big:
            f.formulate(c)

        def run(big: list[Case] = big) -> int:
            for c in big:
                f.formulate(c)
            return len(big)

        stat = rate(run, reps)
        per_person[people] = 1e6 / stat[0] / people
        print(f"| {people} people | {per_person[people]:.0f} µs per person |", flush=True)
    spread = per_person[1000] / per_person[60]
    print(f"| cost per person, 1,000 / 60 people | {spread:.2f}x |")
    # what a long-lived worker does after warm-up (batch._init_worker)
    gc.collect()
    gc.freeze()
    frozen: dict[int, float] = {}
    for people in (60, 1000):
        big = [Case.model_validate(d) for d in docs(people, 3, 3)]

        def again(big: list[Case] = big) -> int:
            for c in big:
                f.formulate(c)
            return len(big)

        frozen[people] = 1e6 / rate(again, reps)[0] / people
        print(
            f"| {people} people, gc.freeze() after warm-up | {frozen[people]:.0f} µs per person |"
        )
    print(f"| cost per person, 1,000 / 60 people, frozen | {frozen[1000] / frozen[60]:.2f}x |")


def batch_files(count: int, reps: int) -> None:
    """`iptformulate batch` over `count` YAML files, 1 and 2 workers, whole command timed."""
    import yaml

    with tempfile.TemporaryDirectory() as folder:
        for i, doc in enumerate(docs(15, count, 11)):
            Path(folder, f"case{i:05d}.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
        out = Path(folder, "out.jsonl")
        rates: dict[int, Stat] = {}
        for workers in (1, 2):
            command = [sys.executable, "-m", "iptformulate", "batch", folder, "--out", str(out),
                       "--workers", str(workers), "--quiet"]  # fmt: skip

            def run(command: list[str] = command) -> int:
                subprocess.run(command, check=True)
                return count

            rates[workers] = rate(run, reps)
            show(f"batch, {count} YAML files, {workers} worker(s), whole command", rates[workers])
        print(f"| batch 2 workers / 1 | {rates[2][0] / rates[1][0]:.2f}x |", flush=True)


if __name__ == "__main__":
    main()
