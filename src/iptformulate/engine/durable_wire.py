"""The durable-rules wire encoding: a compiled rule as durable-rules JSON, and the compact
private encoding of the facts sent to it (docs/engine.md, "Wire encoding").

Only the durable adapter (`durable_engine.py`) uses this; the rule pack knows no engine.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ..rulepack.compile import CompiledRule, Cond

ALIAS_PREFIX = "p_"
BATCH_CAP = 1000
_EQ_OPS = frozenset({"eq", "neq", "in", "not_in"})
_KEY_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass(frozen=True)
class Flag:
    """Whether a field's value is in one multi-value `in`/`not_in` list, sent as 1 or 0."""

    members: frozenset[Any]
    key: str
    dense: bool  # some rule tests `not_in`, so 0 is sent too (else only 1)


@dataclass(frozen=True, eq=False)
class DurableWire:
    """The durable adapter's private encoding of facts (docs/engine.md, "Wire encoding").

    durable-rules parses every property it is sent and, for each alpha node a fact reaches,
    scans all of the fact's properties; an `$or` of literals is one alpha node per literal.
    So each field some rule reads gets a short name; string fields that rules only test for
    (in)equality carry small ints (0 stands for every value no rule names); a field tested
    only with `eq` is sent only when it holds one of the literals (a missing property fails
    those tests just as another value would); each multi-value `in`/`not_in` list becomes a
    membership flag; join fields carry ints interned per case. Numbers compared by order,
    and fields with mixed literals, keep their values.
    """

    keys: dict[str, str]  # field -> property name
    codes: dict[str, dict[str, int]]  # field -> literal -> code (1..n)
    sparse: dict[str, frozenset[Any]]  # field -> its literals, when only eq tests it
    flags: dict[str, tuple[Flag, ...]]  # field -> its membership flags
    bare: frozenset[str]  # fields rules test only through flags: the value itself is not sent
    joined: frozenset[str]  # join fields without literal tests: values interned per case
    reads: dict[str, tuple[str, ...]]  # fact kind -> fields some rule reads, without kind
    uses: dict[tuple[str, Cond], int]  # (kind, condition) -> patterns testing it
    needs: dict[str, tuple[frozenset[str], ...]]  # kind -> per pattern, properties it needs

    def relevant(self, kind: str, present: set[str]) -> bool:
        """Whether a fact with these properties could match some pattern: one that lacks a
        property every pattern of its kind needs is not sent at all."""
        return any(need <= present for need in self.needs.get(kind, ()))

    def cond_order(self, kind: str) -> Callable[[Cond], tuple[bool, int, str, str, str]]:
        """Sort key: `neq`/`not_in` (which rarely fail) last, otherwise the conditions most
        patterns share first, so durable-rules' alpha network shares their nodes."""
        return lambda c: (
            c[1] in ("neq", "not_in"),
            -self.uses.get((kind, c), 0),
            c[0],
            c[1],
            repr(c[2]),
        )

    def flag(self, field: str, values: tuple[Any, ...]) -> Flag | None:
        members = frozenset(values)
        return next((f for f in self.flags.get(field, ()) if f.members == members), None)


def _short_keys() -> Iterator[str]:
    for size in range(1, 4):
        for chars in itertools.product(_KEY_CHARS, repeat=size):
            key = "".join(chars)
            if key not in ("id", "sid"):  # durable-rules reserves both
                yield key


def _is_list(field: str, op: str, value: Any) -> bool:
    return op in ("in", "not_in") and len(value) > 1 and field != "kind"


def durable_wire(rules: tuple[CompiledRule, ...], kinds: tuple[str, ...] = ()) -> DurableWire:
    """The wire encoding for a set of rules; `kinds` adds fact kinds the adapter asserts."""
    reads: dict[str, set[str]] = {kind: set() for kind in kinds}
    tests: dict[str, list[tuple[str, Any]]] = {"kind": [("eq", k) for k in kinds]}
    lists: dict[str, dict[frozenset[Any], bool]] = {}  # field -> list -> tested with not_in
    edges: list[tuple[str, str]] = []
    uses: dict[tuple[str, Cond], int] = {}
    for rule in rules:
        kinds_of = {p.alias: p.kind for p in rule.patterns}
        for p in rule.patterns:
            mine = reads.setdefault(p.kind, set())
            tests["kind"].append(("eq", p.kind))
            for cond in p.conds:
                uses[(p.kind, cond)] = uses.get((p.kind, cond), 0) + 1
            for field, op, value in (*p.conds, *(c for alt in p.anys for c in alt)):
                mine.add(field)
                if _is_list(field, op, value):
                    known = lists.setdefault(field, {})
                    known[frozenset(value)] = known.get(frozenset(value), False) or op == "not_in"
                else:
                    tests.setdefault(field, []).append((op, value))
            for field, other, other_field in p.joins:
                mine.add(field)
                reads.setdefault(kinds_of[other], set()).add(other_field)
                edges.append((field, other_field))
    literals = {
        f: {v for op, value in ts for v in (value if op in ("in", "not_in") else (value,))}
        for f, ts in tests.items()
    }
    joined = {f for edge in edges for f in edge}
    raw = {f for f in joined if f in literals or f in lists}  # a tested join field keeps its
    while grown := {b for a, b in edges if a in raw} | {a for a, b in edges if b in raw}:
        if grown <= raw:  # values, and so does every field it is joined with
            break
        raw |= grown
    names = _short_keys()
    fields = sorted({f for fs in reads.values() for f in fs} | {"kind"})
    keys = {field: next(names) for field in fields}
    flags = {
        field: tuple(
            Flag(members, next(names), dense)
            for members, dense in sorted(known.items(), key=lambda kv: sorted(map(repr, kv[0])))
        )
        for field, known in sorted(lists.items())
    }
    codes = {
        field: {v: i for i, v in enumerate(sorted(literals[field]), 1)}
        for field, ts in tests.items()
        if (field == "kind" or field not in joined)
        and all(op in _EQ_OPS for op, _ in ts)
        and all(isinstance(v, str) for v in literals[field])
    }
    sparse = {
        f: frozenset(literals[f])
        for f, ts in sorted(tests.items())
        if f != "kind" and f not in joined and all(op in ("eq", "in") for op, _ in ts)
    }
    needs: dict[str, list[frozenset[str]]] = {kind: [frozenset()] for kind in kinds}
    for rule in rules:
        for p in rule.patterns:
            need = set()  # properties only sent when a test can hold
            for field, op, value in p.conds:
                if _is_list(field, op, value):
                    flag = next(f for f in flags[field] if f.members == frozenset(value))
                    if op == "in" and not flag.dense:
                        need.add(flag.key)
                elif field in sparse:
                    need.add(keys[field])
            needs.setdefault(p.kind, []).append(frozenset(need))
    return DurableWire(
        keys=keys,
        codes=codes,
        sparse=sparse,
        flags=flags,
        bare=frozenset(f for f in lists if f not in tests and f not in joined),
        joined=frozenset(joined - raw),
        reads={kind: tuple(sorted(fs - {"kind"})) for kind, fs in sorted(reads.items())},
        uses=uses,
        needs={kind: tuple(sorted(set(ns), key=sorted)) for kind, ns in needs.items()},
    )


def _durable_cond(wire: DurableWire | None, field: str, op: str, value: Any) -> list[Any]:
    key = field
    if wire is not None:
        flag = wire.flag(field, value) if _is_list(field, op, value) else None
        if flag is not None:
            return [{flag.key: 1 if op == "in" else 0}]
        key = wire.keys[field]
        table = wire.codes.get(field)
        if table is not None:
            value = tuple(table[v] for v in value) if op in ("in", "not_in") else table[value]
    if op == "eq":
        return [{key: value}]
    if op == "neq":
        return [{"$neq": {key: value}}]
    if op in ("lt", "lte", "gt", "gte"):
        return [{f"${op}": {key: value}}]
    if op == "in":
        options = [{key: v} for v in value]
        return options if len(options) == 1 else [{"$or": options}]
    if op == "not_in":
        return [{"$neq": {key: v}} for v in value]
    raise AssertionError(op)


def to_durable(rule: CompiledRule, wire: DurableWire | None = None) -> dict[str, Any]:
    """One rule as durable-rules JSON, in `wire`'s encoding (plain field names without it).

    Joins come first inside `$and` (an `$or` before a join makes durable-rules drop the join)
    and `cap` hands over every pending match of the rule in one action: durable-rules' cost is
    largely per fired action."""
    patterns = []
    for p in rule.patterns:
        terms: list[Any] = [
            {wire.keys[f] if wire else f: {ALIAS_PREFIX + other: wire.keys[of] if wire else of}}
            for f, other, of in p.joins
        ]
        terms.extend(_durable_cond(wire, "kind", "eq", p.kind))
        conds = p.conds if wire is None else sorted(p.conds, key=wire.cond_order(p.kind))
        for cond in conds:
            terms.extend(_durable_cond(wire, *cond))
        if p.anys:
            alternatives = []
            for alt in p.anys:
                parts = [t for c in alt for t in _durable_cond(wire, *c)]
                alternatives.append(parts[0] if len(parts) == 1 else {"$and": parts})
            terms.append(alternatives[0] if len(alternatives) == 1 else {"$or": alternatives})
        patterns.append({ALIAS_PREFIX + p.alias: {"$and": terms}})
    return {"all": patterns, "cap": BATCH_CAP}
