"""The work budget of one case: how many matches each rule could have, from counts alone.

Both engines do work in proportion to the matches they find, and a hostile case (every person
in conflict on every one of thousands of events, or a rule of four unjoined patterns) can ask
for billions. `check_work` refuses such a case before any engine runs, from an upper bound
that depends only on the rules and the facts, so durable-rules and the reference evaluator
(and one process or many) refuse exactly the same cases. The bound of a rule is the product,
over its patterns, of the facts of the pattern's kind, or for a joined pattern of the most
facts sharing one value of its join fields; derived facts are bounded by the matches of the
rules that derive them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

from ..errors import CaseError
from ..facts import Fact
from ..limits import Limits
from ..rulepack.compile import CompiledPack


def match_bounds(pack: CompiledPack, facts: Sequence[Fact]) -> dict[str, int]:
    """Per rule code, an upper bound of its matches on `facts` (any engine)."""
    kinds = Counter([str(f["kind"]) for f in facts])
    widest: dict[tuple[str, tuple[str, ...]], int] = {}
    bounds: dict[str, int] = {}
    candidates = 0
    for code, derives, patterns in _plan(pack):
        bound = 1
        for kind, fields in patterns:
            if kind == "candidate":
                factor = candidates  # at most one per match of a deriving rule
            elif fields:
                factor = _widest(kind, fields, facts, widest)
            else:
                factor = kinds.get(kind, 0)
            bound *= factor
            if bound == 0:
                break
        bounds[code] = bound
        if derives:
            candidates += bound
    return bounds


_Plan = tuple[tuple[str, bool, tuple[tuple[str, tuple[str, ...]], ...]], ...]


@lru_cache(maxsize=64)
def _plan(pack: CompiledPack) -> _Plan:
    """The rules in bound order (derived-reading last), each with its code, whether its
    bound adds to the derived facts, and per pattern its kind and join fields."""
    return tuple(
        (
            rule.code,
            rule.derive_area is not None and not rule.reads_derived,
            tuple((p.kind, tuple(field for field, _, _ in p.joins)) for p in rule.patterns),
        )
        for rule in sorted(pack.rules, key=lambda r: (r.reads_derived, r.code))
    )


def _widest(
    kind: str,
    fields: tuple[str, ...],
    facts: Sequence[Fact],
    known: dict[tuple[str, tuple[str, ...]], int],
) -> int:
    """The most facts of the kind that share one value of the join fields."""
    key = (kind, fields)
    if key not in known:
        groups: Counter[object] = Counter()
        for fact in facts:
            if fact["kind"] == kind and all(field in fact for field in fields):
                value = tuple(fact[field] for field in fields)
                try:
                    groups[value] += 1
                except TypeError:  # unhashable: assume it could join anything
                    groups[None] += 1
        unhashable = groups.pop(None, 0)
        known[key] = max(groups.values(), default=0) + unhashable
    return known[key]


def check_work(
    pack: CompiledPack, facts: Sequence[Fact], limits: Limits, *, case_id: str | None = None
) -> None:
    """Raise `CaseError` naming the limit when the case could exceed the work budget."""
    if len(facts) > limits.max_facts:
        raise CaseError(
            f"the case makes {len(facts)} facts, over the limit of {limits.max_facts} "
            "(Limits.max_facts)",
            case_id=case_id,
        )
    bounds = match_bounds(pack, facts)
    for code, bound in sorted(bounds.items()):
        if bound > limits.max_rule_matches:
            raise CaseError(
                f"rule {code} could match up to {bound} combinations of facts here, over the "
                f"limit of {limits.max_rule_matches} (Limits.max_rule_matches)",
                case_id=case_id,
            )
    total = sum(bounds.values())
    if total > limits.max_case_matches:
        raise CaseError(
            f"the rules could match up to {total} combinations of facts here, over the "
            f"limit of {limits.max_case_matches} (Limits.max_case_matches)",
            case_id=case_id,
        )
