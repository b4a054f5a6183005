"""The two engines agree, and each durable-rules trap stays handled (docs/engine.md)."""

from __future__ import annotations

import random
import threading
import warnings
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iptformulate import examples
from iptformulate.engine import (
    DurableEngine,
    EngineFallbackWarning,
    ReferenceEngine,
    durable_engine,
    get_engine,
    make_engine,
)
from iptformulate.engine.durable_wire import durable_wire, to_durable
from iptformulate.facts import FactParams, build_facts
from iptformulate.graph import RelationshipGraph
from iptformulate.model import Case
from iptformulate.rulepack import RulePack, compiled, load_pack

from .conftest import pack_with
from .strategies import cases

needs_durable = pytest.mark.skipif(
    not durable_engine.available(), reason="durable-rules not importable on this Python"
)
PROFILES = ["classic", "stuart", "who-group", "ipsrt", "ipt-a"]


def _facts(case: Case, pack: RulePack, profile: str) -> list[dict[str, Any]]:
    params = FactParams.from_mapping(pack.profile(profile).params)
    return build_facts(RelationshipGraph(case), params)


@needs_durable
@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(case=cases(), profile=st.sampled_from(PROFILES), seed=st.integers(0, 2**16))
def test_durable_and_reference_agree(pack: RulePack, case: Case, profile: str, seed: int) -> None:
    cpack = compiled(pack, profile)
    facts = _facts(case, pack, profile)
    shuffled = list(facts)
    random.Random(seed).shuffle(shuffled)
    reference = get_engine(cpack, "reference").run(facts)
    durable = get_engine(cpack, "durable")
    assert durable.run(facts) == reference
    assert durable.run(shuffled) == reference  # firing order never leaks into results
    assert get_engine(cpack, "reference").run(shuffled) == reference


@pytest.mark.parametrize("name", examples.names())
@pytest.mark.parametrize("profile", PROFILES)
def test_engines_agree_on_bundled_examples(pack: RulePack, name: str, profile: str) -> None:
    cpack = compiled(pack, profile)
    facts = _facts(examples.load(name), pack, profile)
    reference = get_engine(cpack, "reference").run(facts)
    if durable_engine.available():
        assert get_engine(cpack, "durable").run(facts) == reference


def test_facts_hold_only_small_ints_and_strings(pack: RulePack) -> None:
    for name in examples.names():
        for fact in _facts(examples.load(name), pack, "classic"):
            for key, value in fact.items():
                assert isinstance(value, str) or (
                    isinstance(value, int) and not isinstance(value, bool) and abs(value) < 2**31
                ), (fact["id"], key)


# --- traps ---------------------------------------------------------------------------------


@needs_durable
def test_session_with_no_firing_is_deleted_safely(pack: RulePack) -> None:
    """delete_state crashes for a session where no action fired: before deleting one, the
    adapter starts an action on a guard fact (each case's session is deleted after it)."""
    engine = DurableEngine(compiled(pack, "classic"))
    quiet = [{"kind": "summary", "id": "summary", "people": 0}]
    for _ in range(300):
        assert engine.run(quiet) == []
        assert not engine._session.live and not engine._session.primed


@needs_durable
def test_unhandled_fact_kind_does_not_defer_the_batch(pack: RulePack) -> None:
    """An unmatched fact would raise MessageNotHandledException; the sink rule matches all."""
    cpack = compiled(pack, "classic")
    facts = _facts(examples.load("grief_widower"), pack, "classic")
    odd = [*facts, {"kind": "unheard_of", "id": "x1"}]
    assert get_engine(cpack, "durable").run(odd) == get_engine(cpack, "reference").run(facts)


@needs_durable
def test_no_timer_threads_are_started(pack: RulePack) -> None:
    """The stock durable Host starts two perpetual timer threads; the adapter uses no Host."""
    before = threading.active_count()
    for _ in range(5):
        engine = make_engine(compiled(pack, "classic"), "durable")  # a fresh ruleset each time
        engine.run(_facts(examples.load("grief_widower"), pack, "classic"))
    assert threading.active_count() == before


@needs_durable
def test_errors_while_reading_matches_are_raised(
    pack: RulePack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The stock Host swallows action exceptions into the session state; here matches are
    read in the caller's frame, so errors propagate, and the session goes with them."""
    engine = make_engine(compiled(pack, "classic"), "durable")
    facts = _facts(examples.load("grief_widower"), pack, "classic")
    expected = engine.run(facts)

    def boom(*args: Any) -> Any:
        raise ValueError("boom")

    with monkeypatch.context() as patch:
        patch.setattr(durable_engine, "new_finding", boom)
        engine._findings = [type(f)(f.rule) for f in engine._findings]  # empty the cache
        with pytest.raises(ValueError, match="boom"):
            engine.run(facts)
    assert engine.run(facts) == expected  # a fresh session after the failed one


@needs_durable
def test_overlapping_alternatives_assert_a_derived_fact_once(tmp_path: Path) -> None:
    """A fact matching two `any` alternatives fires twice; the derived fact is asserted once."""
    root = pack_with(
        tmp_path,
        """
code: GR001
title: Overlapping alternatives
area: grief
effect: core
weight: 0.5
source: {key: ISIPT, tag: S, section: "§3.1"}
when:
  - fact: person
    as: p
    where: {status: deceased}
    any: [{ring: 1}, {relationship: partner}]
rationale: "{p} died."
derive: {fact: candidate, area: grief}
""",
        name="GR001-test.yaml",
    )
    pack = load_pack(root)
    facts = [
        {"kind": "person", "id": "person:a", "ref": "a", "status": "deceased", "ring": 1,
         "relationship": "partner"},
    ]  # fmt: skip
    cpack = compiled(pack, "classic")
    got = make_engine(cpack, "durable").run(facts)
    assert got == ReferenceEngine(cpack).run(facts)
    assert len(got) == 1


def test_joins_come_before_alternatives_in_durable_json(pack: RulePack) -> None:
    """durable-rules drops a join placed after a `$or` inside `$and`."""
    for profile in PROFILES:
        cpack = compiled(pack, profile)
        wire = durable_wire(cpack.rules)
        for rule in cpack.rules:
            for pattern in [*to_durable(rule)["all"], *to_durable(rule, wire)["all"]]:
                terms = next(iter(pattern.values()))["$and"]
                kinds = [
                    "join" if isinstance(next(iter(t.values())), dict)
                    and next(iter(t.keys())) not in ("$or", "$and", "$neq", "$lt", "$lte",
                                                     "$gt", "$gte")
                    else "other"
                    for t in terms
                ]  # fmt: skip
                assert kinds == sorted(kinds, key=lambda k: k != "join"), rule.code


def test_neq_compiles_to_durable_neq(pack: RulePack) -> None:
    rules = compiled(pack, "classic").rules
    text = repr([to_durable(r) for r in rules])
    assert "'$ne'" not in text and "'$neq'" in text
    wire = durable_wire(rules)
    assert "'$ne'" not in repr([to_durable(r, wire) for r in rules])


def test_fallback_warns_once_and_gives_identical_results(
    pack: RulePack, monkeypatch: pytest.MonkeyPatch
) -> None:
    import iptformulate.engine as engine_pkg

    cpack = compiled(pack, "classic")
    facts = _facts(examples.load("dispute_vs_transition"), pack, "classic")
    expected = ReferenceEngine(cpack).run(facts)
    monkeypatch.setattr(durable_engine, "_durable", None)
    monkeypatch.setattr(durable_engine, "IMPORT_ERROR", "ImportError: forced by the test")
    monkeypatch.setattr(engine_pkg, "_warned", False)
    with pytest.warns(EngineFallbackWarning, match="reference evaluator"):
        first = make_engine(cpack, "auto")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        second = make_engine(cpack, "auto")  # no second warning
    assert first.name == second.name == "reference"
    assert first.run(facts) == expected
    with pytest.raises(RuntimeError, match="not importable"):
        make_engine(cpack, "durable")


@needs_durable
def test_engine_is_safe_from_several_threads(pack: RulePack) -> None:
    cpack = compiled(pack, "classic")
    engine = get_engine(cpack, "durable")
    cases_ = [examples.load(n) for n in examples.names()]
    expected = [engine.run(_facts(c, pack, "classic")) for c in cases_]
    errors: list[BaseException] = []
    results: dict[int, list[Any]] = {}

    def work(i: int) -> None:
        try:
            for _ in range(20):
                got = [engine.run(_facts(c, pack, "classic")) for c in cases_]
                assert got == expected
            results[i] = got
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(results) == 8
