"""The durable adapter's own machinery: the C-core driver, the reused session and the wire
encoding (docs/engine.md). The differential tests in test_engine.py check the results."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from iptformulate import examples
from iptformulate.engine import ReferenceEngine, durable_engine, make_engine
from iptformulate.engine.durable_wire import durable_wire, to_durable
from iptformulate.errors import RuleError
from iptformulate.facts import FactParams, build_facts
from iptformulate.graph import RelationshipGraph
from iptformulate.rulepack import RulePack, compiled, load_pack

from .conftest import pack_with

needs_durable = pytest.mark.skipif(
    not durable_engine.available(), reason="durable-rules not importable on this Python"
)


def _facts(pack: RulePack, name: str, profile: str = "classic") -> list[dict[str, Any]]:
    params = FactParams.from_mapping(pack.profile(profile).params)
    return build_facts(RelationshipGraph(examples.load(name)), params)


def _fnv1a(text: str) -> int:
    value = 2166136261
    for byte in text.encode():
        value = ((value ^ byte) * 16777619) & 0xFFFFFFFF
    return value


def test_fact_ids_hash_apart_below_the_limit() -> None:
    """durable-rules takes facts whose id texts hash alike for one fact."""
    seen = {_fnv1a("sid-0")}  # the session's own state fact
    for index in range(-1, durable_engine.MAX_FACTS):
        value = _fnv1a(str(index))
        assert value not in seen, index
        seen.add(value)
    assert _fnv1a(str(durable_engine.MAX_FACTS)) in seen


@needs_durable
def test_durable_takes_ids_that_hash_alike_for_one_fact() -> None:
    """The hash above is durable-rules' own: the first colliding pair is refused."""
    first, second = 40189, durable_engine.MAX_FACTS
    assert _fnv1a(str(first)) == _fnv1a(str(second))
    engine = durable_engine._durable
    handle = engine.create_ruleset("fnv_probe", '{"r":{"all":[{"m":{"k":1}}]}}')
    code, state = engine.assert_facts(handle, f'[{{"id":{first},"k":1}},{{"id":{second},"k":1}}]')
    assert code == durable_engine._OBSERVED
    assert engine.start_action_for_state(handle, state) is not None  # so it may be deleted
    engine.delete_state(handle, "0")


@needs_durable
def test_each_case_runs_in_a_fresh_session(pack: RulePack, monkeypatch: pytest.MonkeyPatch) -> None:
    """The session is deleted after each case; facts are never retracted (durable-rules
    corrupts its heap when it retracts facts whose matches have fired, issue 17)."""
    cpack = compiled(pack, "classic")
    engine = durable_engine.DurableEngine(cpack)
    reference = ReferenceEngine(cpack)
    real = durable_engine._durable

    class NoRetract:
        def __getattr__(self, name: str) -> Any:
            return getattr(real, name)

        def retract_facts(self, handle: int, facts: str) -> Any:
            raise AssertionError("retract_facts must not be called")

    monkeypatch.setattr(durable_engine, "_durable", NoRetract())
    cases = [_facts(pack, name) for name in examples.names()]
    for facts in [*cases, *reversed(cases), *cases]:
        assert engine.run(facts) == reference.run(facts)
        assert not engine._session.live


@needs_durable
def test_a_failure_inside_the_core_discards_the_session(
    pack: RulePack, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(compiled(pack, "classic"), "durable")
    facts = _facts(pack, "grief_widower")
    expected = engine.run(facts)
    real = durable_engine._durable

    class Failing:
        def __getattr__(self, name: str) -> Any:
            return getattr(real, name)

        def complete_and_start_action(self, handle: int, state: int) -> Any:
            raise real.error("Could not complete and start action, error code: 999")

    monkeypatch.setattr(durable_engine, "_durable", Failing())
    with pytest.raises(real.error):
        engine.run(facts)
    monkeypatch.setattr(durable_engine, "_durable", real)
    assert not engine._session.live
    assert engine.run(facts) == expected


@needs_durable
def test_exponent_floats_are_refused_before_they_reach_the_parser(pack: RulePack) -> None:
    """durable-rules cannot parse `1e-05`; in a batch it would drop the facts after it."""
    engine = make_engine(compiled(pack, "classic"), "durable")
    quiet = [{"kind": "summary", "id": "summary", "people": 0}]
    assert engine.run(quiet) == []  # a session in which no action has started
    person = next(f for f in _facts(pack, "grief_widower") if f["kind"] == "person")
    person = {**person, "ring": 1e-05}
    with pytest.raises(ValueError, match="exponent"):
        engine.run([person])
    facts = _facts(pack, "grief_widower")
    assert engine.run(facts) == ReferenceEngine(compiled(pack, "classic")).run(facts)


@needs_durable
def test_missing_fields_and_odd_values_encode_like_the_reference(pack: RulePack) -> None:
    cpack = compiled(pack, "classic")
    facts = _facts(pack, "grief_widower")
    odd = []
    for i, fact in enumerate(facts):
        fact = dict(fact)
        if fact["kind"] == "person":
            if i % 2:
                fact.pop("relationship", None)  # missing: every test of it fails
            else:
                fact["status"] = ["deceased"]  # unhashable: equal to no literal
        odd.append(fact)
    assert make_engine(cpack, "durable").run(odd) == ReferenceEngine(cpack).run(odd)


@needs_durable
def test_too_many_facts_for_distinct_ids_are_refused(
    pack: RulePack, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(compiled(pack, "classic"), "durable")
    facts = _facts(pack, "grief_widower")
    monkeypatch.setattr(durable_engine, "MAX_FACTS", 3)
    with pytest.raises(ValueError, match="at most 3 facts"):
        engine.run(facts)


WIRE_RULES = """
code: GR001
title: Wire test
area: grief
effect: core
weight: 0.5
source: {key: ISIPT, tag: S, section: "§3.1"}
when:
  - fact: person
    as: p
    where:
      status: deceased
      ring: {lte: 2}
      relationship: {in: [partner, parent]}
      conflict: {neq: none}
  - fact: event
    as: e
    join: {ref: p.ref}
    where: {type: {not_in: [move, birth]}}
rationale: "{p} died."
"""


def test_the_wire_encoding_keeps_each_test_meaning(tmp_path: Path) -> None:
    pack = load_pack(pack_with(tmp_path, WIRE_RULES, name="GR001-wire.yaml"))
    wire = durable_wire(compiled(pack, "classic").rules, kinds=("_case",))
    assert set(wire.codes) == {"kind", "status", "conflict"}  # strings tested for equality
    assert set(wire.sparse) == {"status"}  # only eq: sent when it holds "deceased"
    assert wire.bare == {"relationship", "type"}  # only list tests: flags are sent instead
    assert [f.dense for f in wire.flags["relationship"]] == [False]
    assert [f.dense for f in wire.flags["type"]] == [True]  # not_in needs the 0 as well
    assert wire.joined == {"ref"}  # interned per case
    assert "ring" not in wire.codes  # compared by order: sent as it is
    assert all(len(key) <= 2 and key not in ("id", "sid") for key in wire.keys.values())
    rule = to_durable(compiled(pack, "classic").rules[0], wire)
    person, event = (next(iter(p.values()))["$and"] for p in rule["all"])
    assert person[0] == {wire.keys["kind"]: wire.codes["kind"]["person"]}
    assert person[-1] == {"$neq": {wire.keys["conflict"]: wire.codes["conflict"]["none"]}}
    assert event[0] == {wire.keys["ref"]: {"p_p": wire.keys["ref"]}}  # the join comes first
    # a person who is not deceased lacks a property the only person pattern needs
    assert not wire.relevant("person", {wire.keys["kind"]})
    assert wire.relevant("event", {wire.keys["kind"]})


def test_a_tested_join_field_keeps_its_values_on_both_sides(tmp_path: Path) -> None:
    text = WIRE_RULES.replace("where: {type: {not_in: [move, birth]}}", "where: {ref: e1}")
    pack = load_pack(pack_with(tmp_path, text, name="GR001-wire.yaml"))
    wire = durable_wire(compiled(pack, "classic").rules)
    assert wire.joined == frozenset()  # else the literal test could not be compiled


@needs_durable
def test_wire_rules_agree_with_the_reference(tmp_path: Path) -> None:
    pack = load_pack(pack_with(tmp_path, WIRE_RULES, name="GR001-wire.yaml"))
    cpack = compiled(pack, "classic")
    person = {"kind": "person", "status": "deceased", "ring": 1, "conflict": "high"}
    facts = [
        {**person, "id": "person:a", "ref": "a", "relationship": "partner"},
        {**person, "id": "person:b", "ref": "b", "relationship": "friend"},
        {**person, "id": "person:c", "ref": "c", "relationship": "parent", "conflict": "none"},
        {**person, "id": "person:d", "ref": "d", "relationship": "parent", "status": "alive"},
        {"kind": "event", "id": "event:1", "ref": "a", "type": "death"},
        {"kind": "event", "id": "event:2", "ref": "b", "type": "death"},
        {"kind": "event", "id": "event:3", "ref": "a", "type": "move"},
        {"kind": "event", "id": "event:4", "ref": "c", "type": "death"},
    ]
    got = make_engine(cpack, "durable").run(facts)
    assert got == ReferenceEngine(cpack).run(facts)
    assert [f.fact_ids for f in got] == [("person:a", "event:1")]


@needs_durable
def test_a_rule_the_core_rejects_is_named(pack: RulePack, monkeypatch: pytest.MonkeyPatch) -> None:
    """The C core reports a bare error number; each rule is then registered alone."""
    real = durable_engine.to_durable

    def broken(rule: Any, wire: Any = None) -> dict[str, Any]:
        compiled_rule = real(rule, wire)
        return {**compiled_rule, "bogus": 1} if rule.code == "GR001" else compiled_rule

    monkeypatch.setattr(durable_engine, "to_durable", broken)
    with pytest.raises(RuleError, match=r"GR001.*rejected the compiled rule"):
        durable_engine.DurableEngine(compiled(pack, "classic"))
