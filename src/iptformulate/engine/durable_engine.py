"""The durable-rules adapter. Each workaround below answers a measured defect of
durable-rules 2.0.28 (docs/engine.md lists them with their regression tests).

The adapter drives durable-rules' C core (`durable_rules_engine`) itself rather than through
`durable.engine.Host`, whose per-action Python machinery (closures, the session state
re-encoded as JSON after every action, promises, timer threads) cost more than the matching.
Facts travel in a compact private encoding (`DurableWire`, docs/engine.md "Wire encoding").
"""

from __future__ import annotations

import importlib
import itertools
import json
import os
import re
import threading
import weakref
from collections.abc import Callable, Iterable, Sequence
from itertools import repeat
from operator import itemgetter
from typing import Any

from ..errors import RuleError
from ..facts import Fact
from ..limits import FACT_ID_CEILING
from ..rulepack.compile import CompiledPack, CompiledRule
from .base import Finding, derived_fact, derived_id, new_finding
from .durable_wire import ALIAS_PREFIX, DurableWire, durable_wire, to_durable

try:  # durable-rules' C core does not import on Python 3.13+
    importlib.import_module("durable")  # the distribution's package: a broken install fails here
    _durable: Any = importlib.import_module("durable_rules_engine")
except Exception as exc:
    _durable = None
    IMPORT_ERROR: str | None = f"{type(exc).__name__}: {exc}"
else:
    IMPORT_ERROR = None

GUARD_KIND = "_case"
_RETRACT = False
"""Reuse one session by retracting each case's facts (the pre-issue-17 path). Unsafe: kept
only so `benchmarks/soak.py --retract` can reproduce the corruption and measure the cost."""
_OBSERVED = 2  # durable-rules' result code for "a fact with this id is stored already"
MAX_FACTS = FACT_ID_CEILING
"""Facts are identified by their index in the case, sent as the durable `id`. durable-rules
keys stored facts by a 32-bit FNV-1a hash of that text and takes equal hashes for the same
fact; the texts of -1 .. MAX_FACTS - 1 hash apart (tests/test_durable_driver.py)."""
# one matched fact in an action's result; the alias prefix makes the search skip fact fields
_MATCH = re.compile('"(' + ALIAS_PREFIX + r'\w+)":\{"id":(\d+)')
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_piece = dict.__getitem__
_KEYS = re.compile(r'"(\w+)":')
_names = itertools.count()
Evidence = tuple[tuple[str, str], ...]
Deriver = Callable[[str, int, dict[Any, str]], str]


def available() -> bool:
    return _durable is not None


class _Interned(dict[Any, str]):
    """Join values of one case as small ints (in decimal); equal values (Python ==, as in the
    reference evaluator) share an int."""

    def __missing__(self, value: Any) -> str:
        number = self[value] = str(len(self))
        return number


class _Heads(dict[int, str]):
    """`{"id":<index>` for each fact index."""

    def __missing__(self, index: int) -> str:
        head = f'{{"id":{index}'
        if index < 65536:
            self[index] = head
        return head


_HEADS = _Heads()


def _number(value: Any) -> str:
    """A value durable-rules compares as it is: ints as digits, anything else as JSON."""
    if value.__class__ is int:
        return str(value)
    if isinstance(value, float) and not (abs(value) < 1e16 and (value == 0 or abs(value) >= 1e-4)):
        raise ValueError(f"durable-rules cannot parse {value!r} (exponent form)")
    return str(_dumps(value))


class _Pieces(dict[Any, str]):
    """One field's encoded text (`,"key":value` and its flags, or nothing) by fact value,
    kept on first use so that encoding a fact is mostly C-level dict lookups."""

    def __init__(self, wire: DurableWire, field: str) -> None:
        super().__init__()
        self.prefix = None if field in wire.bare else f',"{wire.keys[field]}":'
        self.codes = wire.codes.get(field)
        self.sparse = wire.sparse.get(field)
        self.flags = wire.flags.get(field, ())

    def render(self, value: Any) -> str:
        flags = "".join(
            f',"{flag.key}":1' if _member(value, flag.members) else f',"{flag.key}":0'
            for flag in self.flags
            if flag.dense or _member(value, flag.members)
        )
        if self.prefix is None:
            return flags
        if self.codes is not None:
            code = self.codes.get(value, 0) if isinstance(value, str) else 0
            if code == 0 and self.sparse is not None:
                return flags
            return f"{self.prefix}{code}{flags}"
        if self.sparse is not None and not _member(value, self.sparse):
            return flags
        return self.prefix + _number(value) + flags

    def piece(self, value: Any) -> str:
        try:
            return self[value]
        except TypeError:  # unhashable
            return self.render(value)

    def __missing__(self, value: Any) -> str:
        piece = self.render(value)
        if len(self) < 4096:  # fact vocabularies are small; do not grow without bound
            self[value] = piece
        return piece


def _member(value: Any, members: frozenset[Any]) -> bool:
    try:
        return value in members
    except TypeError:  # unhashable, so equal to no literal
        return False


class _Bodies(dict[Any, str]):
    """A fact's encoding after its id by the values of the fields rules read, or "" for a
    fact no pattern can match. Facts of a case are much alike, and so are cases, so most
    facts cost one lookup."""

    def __init__(self, wire: DurableWire, kind: str, tables: tuple[_Pieces, ...]) -> None:
        super().__init__()
        codes = wire.codes.get("kind")
        key, value = wire.keys["kind"], codes[kind] if codes else _dumps(kind)
        self.head = f',"{key}":{value}'
        self.tables = tables
        self.kind = kind
        self.wire = wire

    def finish(self, pieces: str) -> str:
        present = set(_KEYS.findall(pieces))
        return self.head + pieces + "}" if self.wire.relevant(self.kind, present) else ""

    def __missing__(self, values: tuple[Any, ...]) -> str:
        body = self.finish("".join(map(_piece, self.tables, values)))
        if len(self) < 4096:
            self[values] = body
        return body


class _Codec:
    """Encodes facts of one kind: `id` is the fact's index in the case, then the fields rules
    read, under their short keys. A missing field stays missing."""

    __slots__ = ("bodies", "fields", "joins", "values")

    def __init__(self, wire: DurableWire, kind: str) -> None:
        self.fields = [f for f in wire.reads[kind] if f not in wire.joined]
        self.bodies = _Bodies(wire, kind, tuple(_Pieces(wire, f) for f in self.fields))
        self.joins = tuple((f, f',"{wire.keys[f]}":') for f in wire.reads[kind] if f in wire.joined)
        self.values: Callable[[Fact], Any] = (
            itemgetter(*self.fields) if len(self.fields) > 1 else _single(self.fields)
        )

    def body(self, fact: Fact, interned: dict[Any, str]) -> str:
        """The encoding after the id, or "" (`DurableEngine._run` inlines the common path)."""
        bodies = self.bodies
        try:
            body = bodies[self.values(fact)]
        except (KeyError, TypeError):  # missing fields, unhashable values
            pieces = zip(self.fields, bodies.tables, strict=True)
            body = bodies.finish("".join(t.piece(fact[f]) for f, t in pieces if f in fact))
        if body:
            for field, key in self.joins:
                if field in fact:
                    body = key + interned[fact[field]] + body
        return body

    def encode(self, fact: Fact, index: int, interned: dict[Any, str]) -> str:
        """The whole encoding, or "" for a fact no pattern can match."""
        body = self.body(fact, interned)
        return _HEADS[index] + body if body else ""


def _single(fields: list[str]) -> Callable[[Fact], tuple[Any, ...]]:
    """`itemgetter` returning a tuple for zero or one field."""
    if not fields:
        return lambda fact: ()
    field = fields[0]
    return lambda fact: (fact[field],)


class _Session:
    """The durable-rules session (sid "0") holding the case being run: created by the case's
    first `assert_facts` and deleted after the case (and after an error).

    The session is not reused by retracting the case's facts: durable-rules 2.0.28 corrupts
    its heap on that path (issue 17). Completing an action deletes its result frame but
    leaves the frame marked "dispatching" in the location list of each fact it matched.
    Retracting such a fact takes the frame for one still being dispatched and calls
    `deleteMessageFromFrame`, which zeroes the fact's slot without lowering the frame's
    message count; retracting the frame's second fact (any rule with two patterns) then
    counts slots past the frame's 16 until it has seen enough non-zero words, writing
    zeroes wherever a word equals the fact's offset. Usually that lands in unused frames of
    the same pool; now and then past it, in memory Python owns. Deleting the session frees
    its pools without walking frames. Deleting a session in which no action ever started
    crashes durable-rules (it frees uninitialised pointers), so `close` first starts one on
    a guard fact if need be."""

    def __init__(self, handle: int, guard: str) -> None:
        self.handle = handle
        self.guard = guard
        self.live = False  # the session may exist
        self.primed = False  # an action has started in it
        self.in_action: int | None = None  # the session's offset while an action runs

    def close(self) -> None:
        if not self.live:
            return
        engine, handle = _durable, self.handle
        try:
            if self.in_action is not None:
                engine.abandon_action(handle, self.in_action)
            if not self.primed:
                _, state = engine.assert_fact(handle, self.guard)
                if engine.start_action_for_state(handle, state) is not None:
                    engine.abandon_action(handle, state)
            engine.delete_state(handle, "0")
        finally:
            self.live = self.primed = False
            self.in_action = None


class _Findings(dict[Evidence, Finding]):
    """One rule's findings by evidence: Findings are immutable, and cases share many."""

    def __init__(self, rule: CompiledRule) -> None:
        super().__init__()
        self.rule = rule

    def add(self, evidence: Evidence) -> Finding:
        finding = new_finding(self.rule, evidence)
        if len(self) < 256:
            self[evidence] = finding
        return finding


class _Rule:
    """One rule's matches, read from an action's result: each match lists its facts in
    pattern order as `"<alias>":{"id":<index>,...}`."""

    __slots__ = ("aliases", "derive", "evidence", "rank", "rule", "single")

    def __init__(self, rank: int, rule: CompiledRule, derive: Deriver | None) -> None:
        self.rank = rank
        self.rule = rule
        self.aliases = [ALIAS_PREFIX + p.alias for p in rule.patterns]
        where = [p.alias for p in rule.patterns]
        self.evidence = [(alias, where.index(alias)) for alias in rule.evidence]
        self.derive = derive
        # the common case: one pattern, which is the evidence
        self.single = where[0] if rule.evidence == tuple(where) and len(where) == 1 else None

    def columns(self, matches: list[tuple[str, str]], ids: list[str]) -> list[list[str]]:
        """The fact ids of the matches, one list per pattern."""
        bound = list(map(ids.__getitem__, map(int, map(_second, matches))))
        width = len(self.aliases)
        if width == 1:
            return [bound]
        if list(map(_first, matches)) == self.aliases * (len(matches) // width):
            return [bound[k::width] for k in range(width)]
        rows = [dict(matches[k : k + width]) for k in range(0, len(matches), width)]
        return [[ids[int(row[alias])] for row in rows] for alias in self.aliases]

    def evidences(self, columns: list[list[str]]) -> Iterable[Evidence]:
        if not self.evidence:
            return [()] if columns[0] else []
        return zip(*[zip(repeat(alias), columns[i]) for alias, i in self.evidence], strict=True)


_first, _second = itemgetter(0), itemgetter(1)


def _deriver(rule: CompiledRule, codec: _Codec, joined: bool) -> Deriver:
    """Encodes the candidate fact `rule` derives, given its id and index in the case; only
    the index varies unless rules read the candidate's id or join on its fields."""
    fact = derived_fact(rule, {p.alias: "" for p in rule.patterns})

    def full(fact_id: str, index: int, interned: dict[Any, str]) -> str:
        return codec.encode({**fact, "id": fact_id}, index, interned)

    first, second = full("a", 0, _Interned()), full("b", 0, _Interned())
    if joined or first != second:
        return full
    if not first:
        return lambda fact_id, index, interned: ""
    template = first.replace('{"id":0,', '{"id":%d,', 1)
    return lambda fact_id, index, interned: template % index


class DurableEngine:
    """Runs one case at a time in a durable-rules session on a shared, compiled ruleset."""

    name = "durable-rules"

    def __init__(self, pack: CompiledPack) -> None:
        if _durable is None:
            raise RuntimeError(f"durable-rules is not importable ({IMPORT_ERROR})")
        self.pack = pack
        self._lock = threading.Lock()
        wire = durable_wire(pack.rules, kinds=(GUARD_KIND,))
        kind_codes = wire.codes.get("kind")
        guard = {wire.keys["kind"]: kind_codes[GUARD_KIND] if kind_codes else GUARD_KIND}
        definition: dict[str, Any] = {"_guard": {"all": [{"g": guard}]}}
        for rule in pack.rules:
            definition[rule.code] = to_durable(rule, wire)
        try:
            handle = _durable.create_ruleset(f"ipt_{next(_names)}", _dumps(definition))
        except Exception as exc:  # the C core reports a bare error number
            raise self._locate_error(definition, exc) from None
        self._codecs = {kind: _Codec(wire, kind) for kind in wire.reads}
        self._plans = {k: (c.values, c.bodies, c.joins, c) for k, c in self._codecs.items()}
        # derived facts matter only if a rule reads them
        candidate = self._codecs.get("candidate")
        joined = any(f in wire.joined for f in wire.reads.get("candidate", ()))
        ranked = sorted(pack.rules, key=lambda r: (r.area, r.code))  # the order of findings
        self._rules = {
            r.code: _Rule(
                i,
                r,
                None if candidate is None or r.derive_area is None
                else _deriver(r, candidate, joined),
            )
            for i, r in enumerate(ranked)
        }  # fmt: skip
        self._findings = [_Findings(rule) for rule in ranked]
        guard_fact = self._codecs[GUARD_KIND].encode({"kind": GUARD_KIND}, -1, {})
        self._session = _Session(handle, guard_fact)
        weakref.finalize(self, _release, self._session, os.getpid())

    def _locate_error(self, definition: dict[str, Any], exc: Exception) -> RuleError:
        """Register rule by rule in scratch rulesets so the error names the broken file."""
        for code, rule in definition.items():
            if code.startswith("_"):
                continue
            try:
                _durable.create_ruleset(f"probe_{next(_names)}", _dumps({code: rule}))
            except Exception as inner:
                return RuleError(
                    f"durable-rules rejected the compiled rule ({inner})",
                    file=self.pack.pack.files.get(code, "?"),
                    code=code,
                )
        return RuleError(f"durable-rules rejected the rule set ({exc})", file=self.pack.pack.root)

    def run(self, facts: Sequence[Fact]) -> list[Finding]:
        with self._lock:  # one session per engine; the action protocol spans several calls
            try:
                return self._run(facts)
            except BaseException:
                self._session.close()  # whatever the error left behind goes with the session
                raise

    def _run(self, facts: Sequence[Fact]) -> list[Finding]:
        engine, session = _durable, self._session
        handle = session.handle
        interned = _Interned()
        ids: list[str] = []
        batch: list[str] = []
        plans, heads = self._plans, _HEADS
        for fact in facts:
            plan = plans.get(fact["kind"])
            if plan is None:
                continue  # no rule reads this kind
            values, bodies, joins, codec = plan
            try:
                body = bodies[values(fact)]
            except (KeyError, TypeError):
                body = codec.body(fact, interned)
            else:
                if not body:
                    continue  # no pattern can match it
                for field, key in joins:
                    if field in fact:
                        body = key + interned[fact[field]] + body
            if body:
                batch.append(heads[len(ids)] + body)
                ids.append(str(fact["id"]))
        if not batch:
            return []
        session.live = True
        state = _assert(handle, batch, len(ids))
        hits: dict[int, set[Evidence]] = {}  # rule rank -> evidence of its matches
        derived: set[str] = set()
        batch.clear()
        action = engine.start_action_for_state(handle, state)
        message: str | None = None
        if action is not None:
            session.primed = True
            session.in_action = state
            message = action[1]
        rules = self._rules
        while message is not None:
            entry = rules.get(message[2 : message.index('"', 2)])
            if entry is not None:  # else the guard rule
                found = hits.get(entry.rank)
                if found is None:
                    found = hits[entry.rank] = set()
                if entry.single is not None:  # one pattern, which is the evidence
                    alias = entry.single
                    column = [ids[int(i)] for _, i in _MATCH.findall(message)]
                    for fact_id in column:
                        found.add(((alias, fact_id),))
                    if entry.derive is not None:
                        self._derive(entry, [column], ids, derived, batch, interned)
                else:
                    columns = entry.columns(_MATCH.findall(message), ids)
                    found.update(entry.evidences(columns))
                    if entry.derive is not None:
                        self._derive(entry, columns, ids, derived, batch, interned)
            message = engine.complete_and_start_action(handle, state)
            if message is None:
                session.in_action = None
                if batch:
                    # derived facts go in together once the agenda is empty: rules cannot
                    # negate, so the fixpoint is the same, and the rules reading them fire
                    # once rather than once per deriving rule
                    _assert(handle, batch, len(ids))
                    batch.clear()
                    action = engine.start_action_for_state(handle, state)
                    if action is not None:
                        session.primed = True
                        session.in_action = state
                        message = action[1]
        if _RETRACT:  # the old reuse path: corrupts the heap in long runs (see _Session)
            engine.retract_facts(handle, _retractions(len(ids)))
        else:
            session.close()
        out = []
        for rank in sorted(hits):  # Finding order: (area, code) is the rank, then evidence
            findings = self._findings[rank]
            for evidence in sorted(hits[rank]):
                finding = findings.get(evidence)
                out.append(finding if finding is not None else findings.add(evidence))
        return out

    def _derive(
        self,
        entry: _Rule,
        columns: list[list[str]],
        ids: list[str],
        derived: set[str],
        batch: list[str],
        interned: dict[Any, str],
    ) -> None:
        """Encodes the candidate facts a rule's matches derive, once each: a fact matching two
        `$or` alternatives fires twice, and durable-rules refuses the same fact id twice."""
        assert entry.derive is not None
        for bound in zip(*columns, strict=True):
            fact_id = derived_id(entry.rule, bound)
            if fact_id not in derived:
                derived.add(fact_id)
                text = entry.derive(fact_id, len(ids), interned)
                if text:  # else no pattern can match it
                    batch.append(text)
                    ids.append(fact_id)


def _release(session: _Session, pid: int) -> None:
    """Free an engine's ruleset in the C core once the engine is gone (a process that
    compiles many parameter overrides would otherwise keep every ruleset): its session goes
    first. Only the process that created it does so; a forked child leaves it alone."""
    if os.getpid() != pid or _durable is None:
        return
    try:
        session.close()
    finally:
        _durable.delete_ruleset(session.handle)


_RETRACT_ALL = ",".join(f'{{"id":{i}}}' for i in range(4096))
_RETRACT_ENDS = list(itertools.accumulate(len(f'{{"id":{i}}},') for i in range(4096)))


def _assert(handle: int, batch: list[str], count: int) -> int:
    """Asserts encoded facts; returns durable's offset of the session."""
    if count > MAX_FACTS:
        raise ValueError(f"durable-rules can take at most {MAX_FACTS} facts per case")
    code, state = _durable.assert_facts(handle, "[" + ",".join(batch) + "]")
    if code == _OBSERVED:  # facts it does not store (no pattern can use them) are fine
        raise RuntimeError("durable-rules took two facts of the case for one")
    return int(state)


def _retractions(count: int) -> str:
    """`[{"id":0},...]` for the first `count` fact ids: retracting needs only the id."""
    if count == 0:
        return "[]"
    if count <= len(_RETRACT_ENDS):
        return "[" + _RETRACT_ALL[: _RETRACT_ENDS[count - 1] - 1] + "]"
    return "[" + ",".join(f'{{"id":{i}}}' for i in range(count)) + "]"
