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
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from typing import Any

from ..facts import UNKNOWN_COUNT, UNKNOWN_OFFSET, UNPLACED_RING, Fact
from ..rulepack.compile import CompiledPack, CompiledPattern, CompiledRule, Cond
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
    tried, read = _plan(pack)
    by_kind: dict[str, list[tuple[int, Fact, str, frozenset[str]]]] = {}
    unknown: dict[str, set[str]] = {}  # kind -> fields unknown in some fact of that kind
    for index, fact in enumerate(facts):
        kind = str(fact["kind"])
        unk = _unknown_fields(read.get(kind), fact)
        by_kind.setdefault(kind, []).append((index, fact, fact["id"], unk))
        if unk:
            unknown.setdefault(kind, set()).update(unk)
    out: dict[Open, set[str]] = {}
    # per pattern (equal patterns recur across rules): the facts it admits, each with the
    # (fact id, field) pairs it needed opened, in fact order
    admitted: dict[int, list[tuple[Any, list[Open]]]] = {}
    for rule, needs, compiled_patterns in tried:
        if rule.effect != "core" and rule.area not in cored:
            continue
        # a rule can name a field only if some fact its patterns read leaves one unknown
        if not any(fields & unknown.get(kind, _NONE) for kind, fields in needs):
            continue
        done = fired.get(rule.code, _NONE)
        needed: list[Open] = []
        possible = True
        for kind, number, compiled_pattern in compiled_patterns:
            entries = admitted.get(number)
            if entries is None:
                entries = admitted[number] = _admitted(compiled_pattern, by_kind.get(kind, ()))
            if done:
                entries = [e for e in entries if e[0] not in done]
            if not entries:
                possible = False
                break
            for _, pairs in entries:
                needed += pairs
        if possible and needed:
            for key2 in needed:
                out.setdefault(key2, set()).add(rule.code)
    return {key: tuple(sorted(codes)) for key, codes in sorted(out.items())}


_NONE: frozenset[str] = frozenset()


def _admitted(
    pattern: _Compiled, facts: Iterable[tuple[int, Fact, Any, frozenset[str]]]
) -> list[tuple[Any, list[Open]]]:
    out = []
    for _, fact, fact_id, unk in facts:
        opened = _admits_fast(pattern, fact, unk)
        if opened is not None:
            sid = str(fact_id)
            out.append((fact_id, [(sid, field) for field in opened]))
    return out


class _Unknowns(dict[tuple[Any, ...], frozenset[str]]):
    """The unknown fields of a fact of one kind, by the values of the fields rules test (and
    of `unknown_expectations`, on which the unmet counts depend): the facts of a case are much
    alike, and so are cases, so most facts cost one lookup. A missing field and `None` are
    both known."""

    def __init__(self, fields: frozenset[str]) -> None:
        super().__init__()
        self.fields = tuple(sorted(fields))
        self.key = self.fields + (("unknown_expectations",) if fields & _UNMET else ())

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

    def compute(self, fact: Fact) -> frozenset[str]:
        return frozenset([f for f in self.fields if f in fact and is_unknown(fact, f)])


def _unknown_fields(table: _Unknowns | None, fact: Fact) -> frozenset[str]:
    return _NONE if table is None else table.of(fact)


_Test = Callable[[Any, Any], Any]
_CCond = tuple[str, _Test, Any]
_Compiled = tuple[tuple[_CCond, ...], tuple[tuple[_CCond, ...], ...]]
_OPS: dict[str, _Test] = {
    "eq": operator.eq,
    "neq": operator.ne,
    "in": lambda have, value: have in value,
    "not_in": lambda have, value: have not in value,
    "lt": operator.lt,
    "lte": operator.le,
    "gt": operator.gt,
    "gte": operator.ge,
}
_FALSE: _Test = lambda have, value: False  # noqa: E731 - an unknown operator admits nothing


def _cconds(conds: Iterable[Cond]) -> tuple[_CCond, ...]:
    return tuple((field, _OPS.get(op, _FALSE), value) for field, op, value in conds)


def _passes(conds: tuple[_CCond, ...], fact: Fact, unk: frozenset[str], opened: list[str]) -> bool:
    """`_test` over `conds` in order, with the fact's unknown fields given."""
    for field, test, value in conds:
        if field in unk:
            opened.append(field)
            continue
        if field not in fact:
            return False
        try:
            if not test(fact[field], value):
                return False
        except TypeError:
            return False
    return True


def _admits_fast(pattern: _Compiled, fact: Fact, unk: frozenset[str]) -> list[str] | None:
    """`_admits` on a compiled pattern (same result, same order of fields)."""
    conds, anys = pattern
    opened: list[str] = []
    if not _passes(conds, fact, unk, opened):
        return None
    if anys:
        best: list[str] | None = None
        for alternative in anys:
            extra: list[str] = []
            if _passes(alternative, fact, unk, extra) and (best is None or len(extra) < len(best)):
                best = extra
        if best is None:
            return None
        opened += best
    return opened


_Plan = tuple[
    tuple[
        tuple[
            CompiledRule,
            tuple[tuple[str, frozenset[str]], ...],
            tuple[tuple[str, int, _Compiled], ...],
        ],
        ...,
    ],
    dict[str, _Unknowns],
]


@lru_cache(maxsize=64)
def _plan(pack: CompiledPack) -> _Plan:
    """The rules `open_rules` tries, each with the fields its patterns test per fact kind and
    its patterns compiled, and every such field by kind (computed once per compiled pack)."""
    tried = []
    read: dict[str, set[str]] = {}
    numbers: dict[Any, int] = {}  # equal patterns share a number, so a case tests them once
    for rule in pack.rules:
        if rule.reads_derived or rule.effect == "against":
            continue
        needs = []
        patterns = []
        for pattern in rule.patterns:
            fields = {c[0] for c in pattern.conds} | {c[0] for a in pattern.anys for c in a}
            needs.append((pattern.kind, frozenset(fields)))
            read.setdefault(pattern.kind, set()).update(fields)
            compiled: _Compiled = (_cconds(pattern.conds), tuple(map(_cconds, pattern.anys)))
            try:
                number = numbers.setdefault(
                    (pattern.kind, pattern.conds, pattern.anys), len(numbers)
                )
            except TypeError:  # an unhashable literal: never shared
                number = numbers.setdefault(object(), len(numbers))
            patterns.append((pattern.kind, number, compiled))
        tried.append((rule, tuple(needs), tuple(patterns)))
    return tuple(tried), {kind: _Unknowns(frozenset(fields)) for kind, fields in read.items()}


__all__ = ["is_unknown", "open_rules"]
