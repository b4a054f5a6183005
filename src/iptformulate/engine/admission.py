"""Per-pattern admission, memoised: which facts a rule's pattern admits on its own (before any
join), both strictly (the reference evaluator's test) and in the open world (unknown values
taken as able to satisfy any condition; `open_world`).

A pattern's answer for a fact depends only on the values of the fields it tests (and of
`unknown_expectations`, on which the unmet counts' unknown-ness depends). Facts of a case are
much alike, and so are cases, so each pattern keeps its answers by that tuple of values
(bounded), and most facts cost one C-level key extraction and one dict lookup. Equal patterns
across rules share one table. `CaseAdmission` keeps one case's admitted facts per pattern, so
the evaluator and the open-world pass, when both run on a case, compute them once.

The keys are sound because every test (`==`, `!=`, `in`, `not in`, `<`, `<=`, `>`, `>=`) and
every unknown marker is decided by value equality, except that -1 is unknown only as an int:
a key holding -1 also records the values' types. A fact lacking a tested field, or holding an
unhashable value, is evaluated without the memo.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from itertools import compress
from typing import Any

from ..facts import UNKNOWN_COUNT, UNKNOWN_OFFSET, UNPLACED_RING, Fact
from ..rulepack.compile import CompiledPack, CompiledPattern, Cond

UNMET = frozenset({"unmet_expectations", "unmet_client_expectations", "unmet_other_expectations"})


def is_unknown(fact: Fact, field: str) -> bool:
    """Whether a fact's field holds the 'not stated' value of its type."""
    value = fact.get(field)
    if field in UNMET:
        return int(fact.get("unknown_expectations", 0)) > 0
    if value == "unknown" or value == UNKNOWN_OFFSET:
        return True
    if field in ("ring", "ideal_ring"):
        return value == UNPLACED_RING
    return value == UNKNOWN_COUNT and isinstance(value, int)


Test = Callable[[Any, Any], Any]
CCond = tuple[str, Test, Any]
Compiled = tuple[tuple[CCond, ...], tuple[tuple[CCond, ...], ...]]
_OPS: dict[str, Test] = {
    "eq": operator.eq,
    "neq": operator.ne,
    "in": lambda have, value: have in value,
    "not_in": lambda have, value: have not in value,
    "lt": operator.lt,
    "lte": operator.le,
    "gt": operator.gt,
    "gte": operator.ge,
}
_FALSE: Test = lambda have, value: False  # noqa: E731 - an unknown operator admits nothing


def compile_conds(conds: Iterable[Cond]) -> tuple[CCond, ...]:
    return tuple((field, _OPS.get(op, _FALSE), value) for field, op, value in conds)


def passes(conds: tuple[CCond, ...], fact: Fact, unk: frozenset[str], opened: list[str]) -> bool:
    """The open world's test of `conds` in order, with the fact's unknown fields given."""
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


def admits_fast(pattern: Compiled, fact: Fact, unk: frozenset[str]) -> list[str] | None:
    """The unknown fields the pattern needed to admit the fact in the open world (in the
    order of its conditions, then of the alternative needing fewest); None if it cannot."""
    conds, anys = pattern
    opened: list[str] = []
    if not passes(conds, fact, unk, opened):
        return None
    if anys:
        best: list[str] | None = None
        for alternative in anys:
            extra: list[str] = []
            if passes(alternative, fact, unk, extra) and (best is None or len(extra) < len(best)):
                best = extra
        if best is None:
            return None
        opened += best
    return opened


Opened = tuple[str, ...] | None  # the unknown fields the open world needed; None: not admitted
Answer = tuple[bool, Opened]  # (admitted strictly, open-world answer)
OpenPair = tuple[str, str]  # (fact id, field)

_LIMIT = 4096  # answers kept per pattern


class PatternTable:
    """One pattern's tests and its memo of answers by the values of the fields it tests."""

    __slots__ = (
        "compiled", "fields", "key", "kind", "memo", "number", "single", "strict", "tested",
    )  # fmt: skip

    def __init__(self, number: int, pattern: CompiledPattern, strict: Callable[[Fact], bool]):
        tested = sorted({c[0] for c in pattern.conds} | {c[0] for a in pattern.anys for c in a})
        self.number = number
        self.kind = pattern.kind
        self.tested = tuple(tested)
        fields = self.tested + (("unknown_expectations",) if UNMET.intersection(tested) else ())
        self.fields = fields
        self.single = len(fields) == 1
        self.key: Callable[[Fact], Any] | None = operator.itemgetter(*fields) if fields else None
        self.compiled: Compiled = (
            compile_conds(pattern.conds),
            tuple(map(compile_conds, pattern.anys)),
        )
        self.strict = strict
        self.memo: dict[Any, Answer] = {}

    def answer(self, fact: Fact) -> Answer:
        key = self.key
        if key is None:
            values: Any = ()
        else:
            try:
                values = key(fact)
            except KeyError:  # a field the fact lacks
                return self.compute(fact)
            if self.single:
                if values == -1:
                    values = (values, type(values))
            elif -1 in values:  # -1 is unknown only as an int, and -1.0 would share its key
                values = (values, tuple(map(type, values)))
        memo = self.memo
        try:
            return memo[values]
        except KeyError:
            found = self.compute(fact)
            if len(memo) < _LIMIT:
                memo[values] = found
            return found
        except TypeError:  # an unhashable value
            return self.compute(fact)

    def batch(self, facts: Sequence[Fact]) -> list[Answer]:
        """`answer` for each of `facts`, which must be canonical (`CaseAdmission`): keys
        taken and looked up in C, only the misses computed in Python."""
        key = self.key
        if key is None:
            return list(map(self.answer, facts))
        memo = self.memo
        try:
            keys = list(map(key, facts))
            got: list[Answer | None] = list(map(memo.get, keys))
        except (KeyError, TypeError):  # a missing field, an unhashable value
            return list(map(self.answer, facts))
        if None in got:
            for i, found in enumerate(got):
                if found is None:
                    got[i] = found = self.compute(facts[i])
                    if len(memo) < _LIMIT:
                        memo[keys[i]] = found
        return got  # type: ignore[return-value]  # no None left

    def compute(self, fact: Fact) -> Answer:
        unk = frozenset([f for f in self.tested if f in fact and is_unknown(fact, f)])
        opened = admits_fast(self.compiled, fact, unk)
        return bool(self.strict(fact)), (None if opened is None else tuple(opened))


class PackAdmission:
    """The pattern tables of one compiled pack; equal patterns share a number and a table."""

    def __init__(self, pack: CompiledPack, strict: Callable[[CompiledPattern], Any]) -> None:
        numbers: dict[Any, int] = {}
        self.tables: list[PatternTable] = []
        self.numbers: dict[tuple[str, int], int] = {}  # (rule code, pattern index) -> number
        for rule in pack.rules:
            for i, pattern in enumerate(rule.patterns):
                try:
                    number = numbers.setdefault(
                        (pattern.kind, pattern.conds, pattern.anys), len(numbers)
                    )
                except TypeError:  # an unhashable literal: never shared
                    number = numbers.setdefault(object(), len(numbers))
                if number == len(self.tables):
                    self.tables.append(PatternTable(number, pattern, strict(pattern)))
                self.numbers[(rule.code, i)] = number


@lru_cache(maxsize=64)
def pack_admission(pack: CompiledPack) -> PackAdmission:
    from .reference import pattern_pred

    return PackAdmission(pack, pattern_pred)


def by_kind(facts: Iterable[Fact]) -> dict[str, list[Fact]]:
    out: dict[str, list[Fact]] = {}
    for fact in facts:
        out.setdefault(str(fact["kind"]), []).append(fact)
    return out


class CaseAdmission:
    """One case's facts by kind and, per pattern number, the facts it admits (in fact order):
    strictly, and in the open world with the fields it needed opened.

    `canonical` promises that the facts hold only ints and strings, as `facts.build_facts`
    makes them (never a float, so -1 is always the int): their keys need no types, and are
    taken and looked up in bulk."""

    __slots__ = ("_answers", "_open", "_strict", "by_kind", "canonical", "facts", "pack")

    def __init__(
        self, pack: CompiledPack, facts: Sequence[Fact], *, canonical: bool = False
    ) -> None:
        self.canonical = canonical
        self.pack = pack_admission(pack)
        self.facts = facts
        self.by_kind = by_kind(facts)
        self._answers: dict[int, tuple[Sequence[Fact], list[Answer]]] = {}
        self._strict: dict[int, list[Fact]] = {}
        self._open: dict[int, tuple[list[Any], list[OpenPair]]] = {}

    def answers(self, number: int) -> tuple[Sequence[Fact], list[Answer]]:
        """The facts of the pattern's kind, and its answer for each."""
        found = self._answers.get(number)
        if found is None:
            table = self.pack.tables[number]
            facts = self.by_kind.get(table.kind, ())
            got = table.batch(facts) if self.canonical else list(map(table.answer, facts))
            found = self._answers[number] = (facts, got)
        return found

    def strict(self, number: int) -> list[Fact]:
        found = self._strict.get(number)
        if found is None:
            facts, got = self.answers(number)
            found = self._strict[number] = list(compress(facts, map(_FIRST, got)))
        return found

    def open(self, number: int) -> tuple[list[Any], list[OpenPair]]:
        """The ids of the facts the pattern admits in the open world, and the (fact id,
        field) pairs they needed opened."""
        found = self._open.get(number)
        if found is None:
            facts, got = self.answers(number)
            ids = [f["id"] for f, a in zip(facts, got, strict=True) if a[1] is not None]
            every = [
                (str(f["id"]), field)
                for f, a in zip(facts, got, strict=True)
                if a[1]
                for field in a[1]
            ]
            found = self._open[number] = (ids, every)
        return found

    def open_by_fact(self, number: int) -> list[tuple[Any, list[OpenPair]]]:
        """`open` fact by fact: each admitted fact's id with the pairs it needed opened."""
        facts, got = self.answers(number)
        return [
            (f["id"], [(str(f["id"]), field) for field in a[1]])
            for f, a in zip(facts, got, strict=True)
            if a[1] is not None
        ]


_FIRST = operator.itemgetter(0)


def strict_now(table: PatternTable, facts: Sequence[Fact]) -> list[Fact]:
    """The facts `table`'s pattern admits strictly, from a list that may still grow."""
    answer = table.answer
    return [f for f in facts if answer(f)[0]]


__all__ = ["CaseAdmission", "Cond", "PackAdmission", "PatternTable", "by_kind", "pack_admission"]
