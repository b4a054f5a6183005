"""Byte-identity of the outputs across an optimisation: a hash per output, written or compared.

    python benchmarks/identity_check.py --write /tmp/before.json
    python benchmarks/identity_check.py --compare /tmp/before.json

Formulates the bundled examples, the casebook (`tests/casebook/*.yaml`), generated 5-40-person
inventories (`bench_engine.make_case`) and hypothesis-drawn cases (`tests/strategies.py`,
derandomised) under every profile and "auto", with both engines, from a `Case`, from a dict and
through a `Formulator`, and hashes every installed render format's document, the JSON dump and
any error text. Any difference is a bug in the optimisation.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from bench_engine import make_case  # this folder is on the path when run as a script

import iptformulate
from iptformulate import Formulator, examples
from iptformulate.errors import CaseError, ProfileError
from iptformulate.formulation.model import Formulation
from iptformulate.loading import load_case
from iptformulate.model import Case
from iptformulate.render import document, installed

ROOT = Path(__file__).resolve().parents[1]


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


def sources(generated: int, drawn: int, store: Path | None = None) -> list[tuple[str, Any]]:
    """`store` keeps the hypothesis-drawn documents: hypothesis draws differ between code
    states even derandomised, so --write saves them and --compare reads them back."""
    out: list[tuple[str, Any]] = [(f"ex:{n}", examples.load(n)) for n in examples.names()]
    for path in sorted((ROOT / "tests" / "casebook").glob("*.yaml")):
        out.append((f"cb:{path.stem}", load_case(path)))
    rng = random.Random(20261205)
    for i in range(generated):
        people = (5, 15, 15, 40)[i % 4]
        out.append((f"gen:{i}", make_case(rng, people, max(2, people * 2 // 3), i)))
    if store is not None and store.exists():
        docs = json.loads(store.read_text(encoding="utf-8"))
        return out + [(f"hyp:{i}", doc) for i, doc in enumerate(docs)]
    if drawn:
        from hypothesis import HealthCheck, given, settings

        sys.path.insert(0, str(ROOT))
        from tests.strategies import case_dicts

        docs: list[dict[str, Any]] = []

        @settings(
            derandomize=True,
            max_examples=drawn,
            database=None,
            suppress_health_check=list(HealthCheck),
            deadline=None,
        )
        @given(case_dicts())
        def collect(doc: dict[str, Any]) -> None:
            docs.append(doc)

        collect()
        if store is not None:
            store.write_text(json.dumps(docs), encoding="utf-8")
        out += [(f"hyp:{i}", doc) for i, doc in enumerate(docs)]
    return out


def hashes(generated: int, drawn: int, store: Path | None = None) -> dict[str, str]:
    profiles = [*sorted(p.stem for p in (ROOT / "rules" / "profiles").glob("*.yaml")), "auto"]
    formats = installed()
    result: dict[str, str] = {}
    formulators = {
        (p, e): Formulator(profile=p, options={"engine": e})
        for p in profiles
        for e in ("auto", "reference")
    }
    for name, src in sources(generated, drawn, store):
        case = src if isinstance(src, Case) else None
        doc = src.model_dump(mode="json") if isinstance(src, Case) else src
        result[f"{name}:input"] = _digest(json.dumps(doc, sort_keys=True, default=str))
        if case is None:
            try:
                case = Case.model_validate(doc)
            except Exception as exc:  # recorded as output
                result[f"{name}:validate"] = _digest(repr(exc))
                continue
        for profile in profiles:
            for engine in ("auto", "reference"):
                key = f"{name}:{profile}:{engine}"
                calls: list[tuple[str, Callable[[], Formulation]]] = [
                    ("case", partial(iptformulate.formulate, case, profile=profile,
                                     options={"engine": engine})),
                    ("dict", partial(iptformulate.formulate, doc, profile=profile,
                                     options={"engine": engine})),
                    ("fm", partial(formulators[(profile, engine)].formulate, case)),
                ]  # fmt: skip
                for how, call in calls:
                    try:
                        out = call()
                    except (CaseError, ProfileError) as exc:
                        result[f"{key}:{how}:error"] = _digest(f"{type(exc).__name__}: {exc}")
                        continue
                    if how != "case":  # the other routes must give the same JSON
                        result[f"{key}:{how}:json"] = _digest(out.model_dump_json())
                        continue
                    result[f"{key}:json"] = _digest(out.model_dump_json())
                    for fmt in formats:
                        result[f"{key}:{fmt}"] = _digest(document(out, fmt, case))
    return result


def main() -> None:
    ap = argparse.ArgumentParser()
    group = ap.add_mutually_exclusive_group(required=True)
    group.add_argument("--write", type=Path)
    group.add_argument("--compare", type=Path)
    ap.add_argument("--generated", type=int, default=200)
    ap.add_argument("--drawn", type=int, default=200)
    args = ap.parse_args()
    target = args.write or args.compare
    got = hashes(args.generated, args.drawn, target.with_suffix(".inputs.json"))
    if args.write:
        args.write.write_text(json.dumps(got, indent=0, sort_keys=True), encoding="utf-8")
        print(f"wrote {len(got)} hashes to {args.write}")
        return
    want = json.loads(args.compare.read_text(encoding="utf-8"))
    differ = sorted(k for k in want.keys() | got.keys() if want.get(k) != got.get(k))
    print(f"{len(got)} outputs; {len(differ)} differ")
    print("sources:", sorted({k.split(":")[0] + ":" + k.split(":")[1] for k in differ})[:40])
    for k in differ[:30]:
        print("  DIFF", k, want.get(k), got.get(k))
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
