"""What the case leaves unknown: the open fields by case path, and each area's potential score
if every unknown turned out for it."""

from __future__ import annotations

from collections.abc import Mapping

from ..facts import case_path
from .context import AREA_ORDER, Context
from .model import Unknown, trusted


def potential(
    score: float,
    area: str,
    open_fields: Mapping[tuple[str, str], tuple[str, ...]],
    rule_weights: Mapping[str, float],
    ctx: Context,
) -> float:
    """The area's score if every rule that an unknown could make fire did fire (each rule
    once, as a source of its own: an upper bound). `rule_weights` are the profile's."""
    mine = {r.code for r in ctx.pack.rules if r.area == area and r.effect != "against"}
    weights = {code: w for code, w in rule_weights.items() if code in mine}
    codes = {code for found in open_fields.values() for code in found if code in weights}
    kept = 1.0 - score
    for code in sorted(codes):  # one product whatever the order
        kept *= 1.0 - weights[code]
    return round(1.0 - kept, 4)


def unknowns(ctx: Context, open_fields: Mapping[tuple[str, str], tuple[str, ...]]) -> list[Unknown]:
    """The open fields, by the case path they come from, with the rules and areas they bear on."""
    area_of = {r.code: r.area for r in ctx.pack.rules}
    by_path: dict[str, set[str]] = {}
    for (fact_id, field), codes in open_fields.items():
        fact = ctx.facts.get(fact_id)
        if fact is not None:
            by_path.setdefault(case_path(fact, field), set()).update(codes)
    out = []
    for path, found in sorted(by_path.items()):
        areas = sorted({area_of[c] for c in found if c in area_of}, key=AREA_ORDER.__getitem__)
        out.append(trusted(Unknown, {"path": path, "rules": sorted(found), "areas": areas}))
    return out
