"""Which unknowns could change the result: rules that did not fire (on a given fact) but would
have, had an unknown field been known.

Each rule is tried again on the facts it did not fire on, with every unknown value (`unknown`,
`-1`, an unplaced ring, an unknown offset) taken as able to satisfy any condition on it. A rule
that then fires on some fact, thanks to at least one such field, names those fields: they are
what to ask next. Joins between patterns are not re-checked (an over-report, never a miss), and
rules that read derived candidates are left out (they follow from the others).
"""

from __future__ import annotations

import operator
from collections import defaultdict
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from ..facts import Fact
from ..rulepack.compile import CompiledPack, CompiledPattern, CompiledRule, Cond
from .admission import UNMET as _UNMET
from .admission import CaseAdmission, is_unknown, pack_admission
from .base import Finding

Open = tuple[str, str]  # (fact id, field)


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


def open_rules(
    pack: CompiledPack,
    facts: Sequence[Fact],
    findings: Iterable[Finding],
    admission: CaseAdmission | None = None,
) -> dict[Open, tuple[str, ...]]:
    """(fact id, field) -> codes of the rules that could fire if that field were known.

    Core rules are always tried; supporting and sub-type rules only for an area whose core
    already fired (elsewhere they could not change the result). `admission`, the case's
    per-pattern admission tables (`engine.admission`), is shared with the evaluator when
    given; it must be of `facts`."""
    findings = list(findings)
    fired: dict[str, set[str]] = {}  # rule -> the facts it already fired on
    for f in findings:
        fired.setdefault(f.code, set()).update([fact_id for _, fact_id in f.evidence])
    cored = {f.area for f in findings if f.effect == "core"}
    tried, read = _plan(pack)
    case = admission if admission is not None else CaseAdmission(pack, facts)
    unknown: dict[str, set[str]] = {}  # kind -> fields unknown in some fact of that kind
    for kind, of_kind in case.by_kind.items():
        table = read.get(kind)
        if table is None:
            continue
        seen = table.union(of_kind, case.canonical)
        if seen:
            unknown[kind] = seen
    out: defaultdict[Open, set[str]] = defaultdict(set)
    for rule, needs, numbers in tried:
        if rule.effect != "core" and rule.area not in cored:
            continue
        # a rule can name a field only if some fact its patterns read leaves one unknown
        if not any(fields & unknown.get(kind, _NONE) for kind, fields in needs):
            continue
        done = fired.get(rule.code)
        needed: list[Open] = []
        for number in numbers:
            # the facts the pattern admits, and the (fact id, field) pairs they needed opened
            ids, pairs = case.open(number)
            if not ids:
                break
            if not done:
                needed += pairs
                continue
            if done.isdisjoint(ids):
                needed += pairs
                continue
            entries = [e for e in case.open_by_fact(number) if e[0] not in done]
            if not entries:
                break
            for _, mine in entries:
                needed += mine
        else:
            code = rule.code
            for key in needed:
                out[key].add(code)
    return {key: tuple(sorted(codes)) for key, codes in sorted(out.items())}


_NONE: frozenset[str] = frozenset()


class _Unknowns(dict[tuple[Any, ...], frozenset[str]]):
    """The unknown fields of a fact of one kind, by the values of the fields rules test (and
    of `unknown_expectations`, on which the unmet counts depend): the facts of a case are much
    alike, and so are cases, so most facts cost one lookup. A missing field and `None` are
    both known."""

    def __init__(self, fields: frozenset[str]) -> None:
        super().__init__()
        self.fields = tuple(sorted(fields))
        self.key = self.fields + (("unknown_expectations",) if fields & _UNMET else ())
        self.getter = operator.itemgetter(*self.key)

    def of(self, fact: Fact) -> frozenset[str]:
        values = tuple(map(fact.get, self.key))
        if -1 in values:  # -1 is unknown only as an int, and -1.0 would share its key
            values += tuple(map(type, values))
        try:
            return self[values]
        except KeyError:
            unk = self.compute(fact)
            if len(self) < 4096:
                self[values] = unk
            return unk
        except TypeError:  # an unhashable value
            return self.compute(fact)

    def union(self, facts: Sequence[Fact], canonical: bool) -> set[str]:
        """The fields unknown in some of `facts`; canonical facts (`CaseAdmission`) have
        their keys taken and looked up in C."""
        if not canonical:
            return set().union(*map(self.of, facts))
        try:
            keys = list(map(self.getter, facts))
            got: list[frozenset[str] | None] = list(map(self.get, keys))
        except (KeyError, TypeError):  # a missing field, an unhashable value
            return set().union(*map(self.of, facts))
        if None in got:
            for i, found in enumerate(got):
                if found is None:
                    got[i] = found = self.compute(facts[i])
                    if len(self) < 4096:
                        self[keys[i]] = found
        return set().union(*got)  # type: ignore[arg-type]  # no None left

    def compute(self, fact: Fact) -> frozenset[str]:
        return frozenset([f for f in self.fields if f in fact and is_unknown(fact, f)])


_Plan = tuple[
    tuple[tuple[CompiledRule, tuple[tuple[str, frozenset[str]], ...], tuple[int, ...]], ...],
    dict[str, _Unknowns],
]


@lru_cache(maxsize=64)
def _plan(pack: CompiledPack) -> _Plan:
    """The rules `open_rules` tries, each with the fields its patterns test per fact kind and
    its patterns' numbers in `engine.admission`, and every such field by kind (computed once
    per compiled pack)."""
    tried = []
    read: dict[str, set[str]] = {}
    numbers = pack_admission(pack).numbers
    for rule in pack.rules:
        if rule.reads_derived or rule.effect == "against":
            continue
        needs = []
        for pattern in rule.patterns:
            fields = {c[0] for c in pattern.conds} | {c[0] for a in pattern.anys for c in a}
            needs.append((pattern.kind, frozenset(fields)))
            read.setdefault(pattern.kind, set()).update(fields)
        mine = tuple(numbers[(rule.code, i)] for i in range(len(rule.patterns)))
        tried.append((rule, tuple(needs), mine))
    return tuple(tried), {kind: _Unknowns(frozenset(fields)) for kind, fields in read.items()}


__all__ = ["is_unknown", "open_rules"]
