"""Which unknowns could change the result: rules that did not fire (on a given fact) but would
have, had an unknown field been known.

Each rule is tried again on the facts it did not fire on, with every unknown value (`unknown`,
`-1`, an unplaced ring, an unknown offset) taken as able to satisfy any condition on it. A rule
that then fires on some fact, thanks to at least one such field, names those fields: they are
what to ask next. Joins between patterns are not re-checked (an over-report, never a miss), and
rules that read derived candidates are left out (they follow from the others).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache

from ..facts import UNKNOWN_COUNT, UNKNOWN_OFFSET, UNPLACED_RING, Fact
from ..rulepack.compile import CompiledPack, CompiledPattern, Cond
from .base import Finding

Open = tuple[str, str]  # (fact id, field)

_UNMET = frozenset({"unmet_expectations", "unmet_client_expectations", "unmet_other_expectations"})


def is_unknown(fact: Fact, field: str) -> bool:
    """Whether a fact's field holds the 'not stated' value of its type."""
    value = fact.get(field)
    if field in _UNMET:
        return int(fact.get("unknown_expectations", 0)) > 0
    if value == "unknown" or value == UNKNOWN_OFFSET:
        return True
    if field in ("ring", "ideal_ring"):
        return value == UNPLACED_RING
    return value == UNKNOWN_COUNT and isinstance(value, int)


def _test(fact: Fact, cond: Cond, opened: list[str]) -> bool:
    field, op, value = cond
    if field not in fact:
        return False
    if is_unknown(fact, field):
        opened.append(field)
        return True
    have = fact[field]
    try:
        if op == "eq":
            return bool(have == value)
        if op == "neq":
            return bool(have != value)
        if op == "in":
            return have in value
        if op == "not_in":
            return have not in value
        if op == "lt":
            return bool(have < value)
        if op == "lte":
            return bool(have <= value)
        if op == "gt":
            return bool(have > value)
        if op == "gte":
            return bool(have >= value)
    except TypeError:
        return False
    return False


def _admits(pattern: CompiledPattern, fact: Fact) -> list[str] | None:
    """The unknown fields the pattern needed to admit the fact; None if it cannot."""
    opened: list[str] = []
    if not all(_test(fact, cond, opened) for cond in pattern.conds):
        return None
    if pattern.anys:
        best: list[str] | None = None
        for alternative in pattern.anys:
            extra: list[str] = []
            if all(_test(fact, cond, extra) for cond in alternative) and (
                best is None or len(extra) < len(best)
            ):
                best = extra
        if best is None:
            return None
        opened += best
    return opened


_NONE: frozenset[str] = frozenset()
_SENTINELS = frozenset({"unknown", UNKNOWN_OFFSET, UNKNOWN_COUNT})


def _unknown_fields(fact: Fact) -> frozenset[str]:
    """The fields of a fact for which `is_unknown` holds, in one pass."""
    found = {
        k
        for k, v in fact.items()
        if (v in _SENTINELS and not isinstance(v, bool)) or (v == UNPLACED_RING and "ring" in k)
    }
    if fact.get("unknown_expectations", 0):
        found |= _UNMET
    return frozenset(f for f in found if is_unknown(fact, f))


@lru_cache(maxsize=4096)
def _reads(pattern: CompiledPattern) -> frozenset[str]:
    """The fields a pattern's conditions read."""
    conds = [*pattern.conds, *(c for alternative in pattern.anys for c in alternative)]
    return frozenset(field for field, _, _ in conds)


def open_rules(
    pack: CompiledPack, facts: Sequence[Fact], findings: Iterable[Finding]
) -> dict[Open, tuple[str, ...]]:
    """(fact id, field) -> codes of the rules that could fire if that field were known.

    Core rules are always tried; supporting and sub-type rules only for an area whose core
    already fired (elsewhere they could not change the result)."""
    findings = list(findings)
    fired: dict[str, set[str]] = {}  # rule -> the facts it already fired on
    for f in findings:
        fired.setdefault(f.code, set()).update(f.fact_ids)
    cored = {f.area for f in findings if f.effect == "core"}
    by_kind: dict[str, list[Fact]] = {}
    unknown: dict[str, frozenset[str]] = {}  # per fact, its fields that hold "not stated"
    kind_unknown: dict[str, set[str]] = {}  # per kind, the union of those
    for fact in facts:
        kind = str(fact["kind"])
        by_kind.setdefault(kind, []).append(fact)
        found = _unknown_fields(fact)
        unknown[str(fact["id"])] = found
        kind_unknown.setdefault(kind, set()).update(found)
    out: dict[Open, set[str]] = {}
    for rule in pack.rules:
        if rule.reads_derived or rule.effect == "against":
            continue
        done = fired.get(rule.code, set())
        if rule.effect != "core" and rule.area not in cored:
            continue
        # only an unknown the rule reads can open it: most rules are skipped here
        if not any(kind_unknown.get(p.kind, _NONE) & _reads(p) for p in rule.patterns):
            continue
        if not any(
            unknown[str(f["id"])] & _reads(p)
            for p in rule.patterns
            for f in by_kind.get(p.kind, ())
            if f["id"] not in done
        ):
            continue
        needed: list[Open] = []
        possible = True
        for pattern in rule.patterns:
            admitted = [
                (f, _admits(pattern, f))
                for f in by_kind.get(pattern.kind, ())
                if f["id"] not in done
            ]
            admitted = [(f, o) for f, o in admitted if o is not None]
            if not admitted:
                possible = False
                break
            needed += [(str(f["id"]), field) for f, o in admitted for field in o or ()]
        if possible and needed:
            for key in needed:
                out.setdefault(key, set()).add(rule.code)
    return {key: tuple(sorted(codes)) for key, codes in sorted(out.items())}


__all__ = ["is_unknown", "open_rules"]

