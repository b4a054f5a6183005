"""What the case leaves unknown: the open fields by case path, and each area's potential score
if every unknown turned out for it."""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from functools import lru_cache

from ..facts import case_path, missing_part
from ..rulepack.load import RulePack
from .context import AREA_ORDER, Context
from .model import Unknown, trusted_rows


def potential(
    score: float,
    area: str,
    open_fields: Mapping[tuple[str, str], tuple[str, ...]],
    rule_weights: Mapping[str, float],
    ctx: Context,
    open_codes: AbstractSet[str] | None = None,
) -> float:
    """The area's score if every rule that an unknown could make fire did fire (each rule
    once, as a source of its own: an upper bound). `rule_weights` are the profile's;
    `open_codes`, every code in `open_fields`, when the caller has it."""
    if open_codes is None:
        open_codes = {code for found in open_fields.values() for code in found}
    mine = _area_rules(ctx.pack, area)
    codes = [code for code in open_codes if code in mine and code in rule_weights]
    kept = 1.0 - score
    for code in sorted(codes):  # one product whatever the order
        kept *= 1.0 - rule_weights[code]
    return round(1.0 - kept, 4)


@lru_cache(maxsize=64)
def _area_rules(pack: RulePack, area: str) -> frozenset[str]:
    """The codes of the pack's rules for `area` that are not `against` rules."""
    return frozenset(r.code for r in pack.rules if r.area == area and r.effect != "against")


@lru_cache(maxsize=16)
def _areas_of(pack: RulePack) -> tuple[dict[str, str], dict[tuple[str, ...], tuple[str, ...]]]:
    """Each rule's area, and a cache of the areas of a sorted tuple of codes (the same few
    tuples recur across cases), for one pack."""
    return {r.code: r.area for r in pack.rules}, {}


def unknowns(
    ctx: Context,
    open_fields: Mapping[tuple[str, str], tuple[str, ...]],
    rule_weights: Mapping[str, float] | None = None,
) -> list[Unknown]:
    """The open fields, by the case path they come from, with the rules and areas they bear on;
    the weightiest first (by the largest profile weight of a rule each could make fire, then
    the sum of those weights), then by path, so the first questions are those that could
    change the most."""
    area_of, cache = _areas_of(ctx.pack)
    facts = ctx.facts
    by_path: dict[str, set[str]] = {}
    partly: dict[str, str] = {}
    for (fact_id, field), codes in open_fields.items():
        fact = facts.get(fact_id)
        if fact is not None:
            path = case_path(fact, field)
            have = by_path.get(path)
            if have is None:
                by_path[path] = set(codes)
            else:
                have.update(codes)
            missing = missing_part(fact, field)
            if missing is not None:
                partly[path] = missing
    weights = rule_weights or {}
    rows = []
    ordered = sorted(
        by_path.items(),
        key=lambda item: (
            -max((weights.get(c, 0.0) for c in item[1]), default=0.0),
            -sum(weights.get(c, 0.0) for c in item[1]),
            item[0],
        ),
    )
    for path, found in ordered:
        rules = sorted(found)
        key = tuple(rules)
        areas = cache.get(key)
        if areas is None:
            areas = tuple(
                sorted({area_of[c] for c in found if c in area_of}, key=AREA_ORDER.__getitem__)
            )
            if len(cache) >= 4096:
                cache.clear()
            cache[key] = areas
        rows.append(
            {"path": path, "rules": rules, "areas": list(areas), "missing": partly.get(path)}
        )
    return trusted_rows(Unknown, rows)
