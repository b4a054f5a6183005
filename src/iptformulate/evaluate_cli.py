"""`iptformulate evaluate`: agreement of our formulations with expert ratings (wiring).

Inputs are results JSONL written by `iptformulate batch`, or case files, folders and globs that
are formulated here; `cli.py` only registers the sub-command.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the parser is built on every command; the library loads only when run
    from .errors import CaseError
    from .formulation.model import Formulation

EXIT_OK, EXIT_INVALID = 0, 3

_EPILOG = """examples:
  iptformulate evaluate results.jsonl --gold expert.csv
  iptformulate evaluate cases/ --gold expected.yaml --profile auto --format json
  iptformulate evaluate 'vignettes/*.case.yaml' --gold expected.yaml --bootstrap 5000 --seed 7

inputs: results JSONL from `iptformulate batch` (one {"case_id", "source", "formulation"} per
line) or case files, folders and globs, formulated with --profile ("auto": the profile
rules/profile-choice.yaml picks for each case). Matching is by case id; cases on one side
only are listed. Gold CSV: case_id, primary_focus and one column per area (1/0, yes/no,
true/false; blank = not rated). Gold YAML: case id -> {areas_present: [...], primary_focus}.
"""


def add_parser(sub: Any) -> None:
    """Register `evaluate` on the main parser's sub-parsers."""
    from .rulepack.load import profile_help

    ev = sub.add_parser(
        "evaluate",
        help="agreement with expert ratings (kappa, AC1, bootstrap intervals)",
        description="Cohen's kappa, Gwet's AC1 and percent agreement with expert ratings, "
        "per problem area and for the primary focus, beside published expert-vs-expert kappas.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ev.add_argument("inputs", nargs="+", metavar="RESULTS_OR_CASES")
    ev.add_argument("--gold", required=True, metavar="GOLD", help="expert ratings, .csv or .yaml")
    ev.add_argument(
        "--profile",
        default="classic",
        help=f"profile for case inputs: {profile_help()}",
    )
    ev.add_argument(
        "--bootstrap", type=_count, default=2000, metavar="N", help="resamples (0: no intervals)"
    )
    ev.add_argument("--seed", type=int, default=0, help="seed of the bootstrap (default 0)")
    ev.add_argument("--format", default="text", choices=["text", "json"], dest="fmt")
    ev.add_argument("--rules", metavar="DIR", help="a rules folder (default: the bundled one)")


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("expected a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError("expected 0 or more")
    return value


def _is_results(path: Path) -> bool:
    """A JSONL file whose first record carries a formulation (or a batch error)."""
    from .limits import LimitProblem, open_regular

    if path.suffix != ".jsonl":
        return False
    try:
        with io.TextIOWrapper(open_regular(path), encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    first = json.loads(line)
                    return isinstance(first, dict) and ("formulation" in first or "error" in first)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError, LimitProblem):
        return False  # read as cases, which reports what is wrong
    return False


def _items(
    args: argparse.Namespace, errors: list[CaseError]
) -> Iterator[Formulation | dict[str, Any]]:
    from .agreement import load_results
    from .errors import CaseError
    from .loading import case_paths, read_file
    from .pipeline import formulate

    gold = Path(args.gold).resolve()
    for text in args.inputs:
        for path in case_paths(text):
            if path.resolve() == gold:  # a folder of cases may hold its gold file too
                continue
            if _is_results(path):
                yield from load_results(path)
                continue
            for case in read_file(path):
                if isinstance(case, CaseError):
                    errors.append(case)
                    continue
                yield formulate(case, profile=args.profile, rules=args.rules)


def run(args: argparse.Namespace) -> int:
    """Evaluate, print the table (or JSON); exit 3 if any input case could not be read."""
    from .agreement import evaluate, load_gold

    gold = load_gold(args.gold)
    errors: list[CaseError] = []
    items = list(_items(args, errors))
    if errors:
        for exc in errors:
            print(f"error: {exc}", file=sys.stderr)
        print(
            f"error: {len(errors)} input case(s) could not be read; no evaluation printed",
            file=sys.stderr,
        )
        return EXIT_INVALID
    result = evaluate(items, gold, bootstrap=args.bootstrap, seed=args.seed, rules=args.rules)
    if args.fmt == "json":
        print(json.dumps(result.model_dump(mode="json"), indent=2, sort_keys=True))
    else:
        print(result.summary())
    return EXIT_OK
