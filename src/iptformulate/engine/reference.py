"""The plain-Python reference evaluator: the test oracle, and the engine where durable-rules
cannot be imported (Python 3.13+).

Rules are compiled to closures once; evaluation is stratified (rules that read derived facts
run after every rule that can assert them), which gives the same fixpoint as forward chaining
because no rule reads the kind it asserts.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from ..facts import Fact
from ..rulepack.compile import CompiledPack, CompiledPattern, CompiledRule, Cond
from .admission import CaseAdmission, pack_admission, strict_now
from .base import Finding, derived_fact, finalise, make_finding

Pred = Callable[[Fact], bool]

_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq,
    "neq": operator.ne,
    "lt": operator.lt,
    "lte": operator.le,
    "gt": operator.gt,
    "gte": operator.ge,
}


def _cond(field: str, op: str, value: Any) -> Pred:
    if op == "in":
        options = frozenset(value)
        return lambda f: field in f and f[field] in options
    if op == "not_in":
        excluded = frozenset(value)
        return lambda f: field in f and f[field] not in excluded
    fn = _OPS[op]

    def check(f: Fact) -> bool:
        if field not in f:
            return False
        try:
            return bool(fn(f[field], value))
        except TypeError:
            return False

    return check


def _all(conds: Sequence[Cond]) -> Pred:
    """All of `conds`; the equality tests at once, as one tuple comparison in C."""
    equal = [(field, value) for field, op, value in conds if op == "eq"]
    others = [_cond(*c) for c in conds if c[1] != "eq"]
    fields = tuple(field for field, _ in equal)
    values = tuple(value for _, value in equal)
    getter = operator.itemgetter(*fields) if len(fields) > 1 else None

    def check(f: Fact) -> bool:
        try:
            if getter is not None:
                if getter(f) != values:
                    return False
            elif fields and f[fields[0]] != values[0]:
                return False
        except (KeyError, TypeError):  # a missing field, or values that cannot be compared
            return False
        return all(p(f) for p in others) if others else True

    return check


def pattern_pred(p: CompiledPattern) -> Pred:
    """Whether a fact passes the pattern's own conditions (joins aside)."""
    base = _all(p.conds)
    if not p.anys:
        return base
    alternatives = [_all(a) for a in p.anys]
    return lambda f: base(f) and any(alt(f) for alt in alternatives)


class ReferenceEngine:
    """Evaluates a compiled pack: each pattern filters the facts of its kind once per rule,
    and a joined pattern looks its partners up in a hash index on its join fields."""

    name = "reference"

    def __init__(self, pack: CompiledPack) -> None:
        self.pack = pack
        self._rules = sorted(pack.rules, key=lambda r: (r.reads_derived, r.code))
        self._preds = {r.code: [pattern_pred(p) for p in r.patterns] for r in pack.rules}

    def run(self, facts: Sequence[Fact]) -> list[Finding]:
        by_kind: dict[str, list[Fact]] = {}
        for fact in facts:
            by_kind.setdefault(str(fact["kind"]), []).append(fact)
        findings: list[Finding] = []
        for rule in self._rules:
            for bound in self._bindings(rule, by_kind):
                ids = {alias: str(f["id"]) for alias, f in bound.items()}
                findings.append(make_finding(rule, ids))
                if rule.derive_area is not None:
                    by_kind.setdefault("candidate", []).append(derived_fact(rule, ids))
        return finalise(findings)

    def _bindings(
        self, rule: CompiledRule, by_kind: dict[str, list[Fact]]
    ) -> Iterator[dict[str, Fact]]:
        preds = self._preds[rule.code]
        # the facts each pattern admits on its own, before any join
        admitted = [
            [f for f in by_kind.get(p.kind, ()) if pred(f)]
            for p, pred in zip(rule.patterns, preds, strict=True)
        ]
        return join(rule, admitted)


class MemoisedEngine(ReferenceEngine):
    """The reference evaluator with memoised admission (`engine.admission`): each pattern's
    admitted facts come from tables kept by the values of the fields it tests, computed once
    per case for equal patterns across rules, and shared with the open-world pass when the
    pipeline passes the case's `CaseAdmission`. Same findings as `ReferenceEngine`; it is the
    engine that runs as "reference" and where durable-rules cannot be imported."""

    def __init__(self, pack: CompiledPack) -> None:
        super().__init__(pack)
        admission = pack_admission(pack)
        self._tables = admission.tables
        self._plan = [
            (
                rule,
                tuple(
                    (p.kind == DERIVED, admission.numbers[(rule.code, i)])
                    for i, p in enumerate(rule.patterns)
                ),
            )
            for rule in self._rules
        ]

    def run(self, facts: Sequence[Fact], admission: CaseAdmission | None = None) -> list[Finding]:
        """`admission` must be of `facts` (built from them, or passed on from this case)."""
        case = admission if admission is not None else CaseAdmission(self.pack, facts)
        derived = list(case.by_kind.get(DERIVED, ()))  # grows as rules derive candidates
        tables = self._tables
        findings: list[Finding] = []
        for rule, numbers in self._plan:
            admitted = [
                strict_now(tables[number], derived) if reads else case.strict(number)
                for reads, number in numbers
            ]
            for bound in join(rule, admitted):
                ids = {alias: str(f["id"]) for alias, f in bound.items()}
                findings.append(make_finding(rule, ids))
                if rule.derive_area is not None:
                    derived.append(derived_fact(rule, ids))
        return finalise(findings)


DERIVED = "candidate"  # the kind of the facts deriving rules assert (`base.derived_fact`)


def join(rule: CompiledRule, admitted: list[list[Fact]]) -> Iterator[dict[str, Fact]]:
    """The bindings of `rule`'s patterns, given the facts each admits on its own."""
    if not all(admitted):
        return
    if len(admitted) == 1:
        alias = rule.patterns[0].alias
        yield from ({alias: fact} for fact in admitted[0])
        return
    lookups = [_lookup(p, facts) for p, facts in zip(rule.patterns, admitted, strict=True)]

    def extend(i: int, bound: dict[str, Fact]) -> Iterator[dict[str, Fact]]:
        if i == len(rule.patterns):
            yield dict(bound)
            return
        pattern = rule.patterns[i]
        used = {id(f) for f in bound.values()}
        for fact in lookups[i](bound):
            if id(fact) in used:
                continue  # durable-rules default: one fact fills one pattern of a rule
            bound[pattern.alias] = fact
            yield from extend(i + 1, bound)
            del bound[pattern.alias]

    yield from extend(0, {})


Lookup = Callable[[dict[str, Fact]], Sequence[Fact]]


def _lookup(pattern: CompiledPattern, admitted: list[Fact]) -> Lookup:
    """The facts `pattern` can add to a partial binding: all it admits when it has no join,
    else those whose join fields equal (Python `==`) the bound facts' fields, found in a hash
    index built once per rule and case."""
    if not pattern.joins:
        return lambda bound: admitted
    fields = [field for field, _, _ in pattern.joins]
    others = [(other, other_field) for _, other, other_field in pattern.joins]
    index: dict[tuple[Any, ...], list[Fact]] = {}
    try:
        for fact in admitted:
            if all(field in fact for field in fields):
                index.setdefault(tuple(fact[field] for field in fields), []).append(fact)
    except TypeError:  # an unhashable value: compare one by one
        return lambda bound: [f for f in admitted if _joins(f, pattern, bound)]

    def lookup(bound: dict[str, Fact]) -> Sequence[Fact]:
        try:
            key = tuple(bound[other][other_field] for other, other_field in others)
            return index.get(key, ())
        except (KeyError, TypeError):  # a bound fact lacks the field, or its value is unhashable
            return [f for f in admitted if _joins(f, pattern, bound)]

    return lookup


def _joins(fact: Fact, pattern: CompiledPattern, bound: dict[str, Fact]) -> bool:
    return all(
        field in fact and other_field in bound[other] and fact[field] == bound[other][other_field]
        for field, other, other_field in pattern.joins
    )
