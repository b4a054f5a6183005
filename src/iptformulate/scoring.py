"""Area scores from findings (pipeline stage 5).

The aggregation is a noisy-OR: each distinct rule that fired for an area contributes its weight
once, however many people or events it fired on,

    support = 1 - prod(1 - w) over fired core and support rules
    score   = support * prod(1 - w) over fired `against` rules

so the score stays in [0, 1], does not depend on firing order, and a new supporting rule can
only raise it. An area is present when a core rule fired, no exclusion (an `against` rule of
weight 1) fired, and the score reaches the profile's `presence_threshold`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .engine.base import Finding

SUBTYPE_KINDS = {
    "grief": "grief_pattern",
    "role_dispute": "dispute_stage",
    "role_transition": "transition_kind",
    "interpersonal_deficits": "deficits_kind",
}


@dataclass(frozen=True)
class AreaScore:
    """The score of one area and the findings behind it."""

    area: str
    score: float
    present: bool
    core: tuple[Finding, ...]
    support: tuple[Finding, ...]
    against: tuple[Finding, ...]
    subtype_votes: tuple[Finding, ...]
    subtype: str | None
    excluded: bool = field(default=False)

    @property
    def findings(self) -> tuple[Finding, ...]:
        return self.core + self.support + self.against + self.subtype_votes


def _one_weight_per_rule(findings: Iterable[Finding]) -> dict[str, float]:
    weights: dict[str, float] = {}
    for f in findings:
        weights[f.code] = f.weight
    return weights


def _product(values: Iterable[float]) -> float:
    out = 1.0
    for v in values:
        out *= 1.0 - v
    return out


def score_area(
    area: str, findings: Sequence[Finding], threshold: float, subtype_values: dict[str, str]
) -> AreaScore:
    """Score one area; `subtype_values` maps a subtype rule code to the value it votes for."""
    mine = sorted(f for f in findings if f.area == area)
    core = tuple(f for f in mine if f.effect == "core")
    support = tuple(f for f in mine if f.effect == "support")
    against = tuple(f for f in mine if f.effect == "against")
    votes = tuple(f for f in mine if f.effect == "subtype")
    positive = 1.0 - _product(_one_weight_per_rule(core + support).values())
    negative_weights = _one_weight_per_rule(against)
    excluded = any(w >= 1.0 for w in negative_weights.values())
    score = round(max(0.0, min(1.0, positive * _product(negative_weights.values()))), 4)
    present = bool(core) and not excluded and score >= threshold
    return AreaScore(
        area=area,
        score=score,
        present=present,
        core=core,
        support=support,
        against=against,
        subtype_votes=votes,
        subtype=_subtype(votes, subtype_values) if core else None,
        excluded=excluded,
    )


def _subtype(votes: Sequence[Finding], values: dict[str, str]) -> str | None:
    """The value with the largest summed weight (one vote per rule); ties go alphabetically."""
    totals: dict[str, float] = {}
    for code, weight in _one_weight_per_rule(votes).items():
        value = values[code]
        totals[value] = totals.get(value, 0.0) + weight
    if not totals:
        return None
    return sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]


def score_all(
    areas: Sequence[str],
    findings: Sequence[Finding],
    threshold: float,
    subtype_values: dict[str, str],
) -> dict[str, AreaScore]:
    return {a: score_area(a, findings, threshold, subtype_values) for a in areas}
