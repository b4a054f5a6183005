"""The memoised-admission evaluator finds what the reference evaluator finds, and the
open-world pass on memoised tables names what the plain definition names (`engine.admission`)."""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iptformulate import examples
from iptformulate.engine import MemoisedEngine, ReferenceEngine, get_engine
from iptformulate.engine.admission import CaseAdmission
from iptformulate.engine.base import Finding
from iptformulate.engine.open_world import _admits, open_rules
from iptformulate.facts import Fact, FactParams, build_facts
from iptformulate.graph import RelationshipGraph
from iptformulate.model import Case
from iptformulate.rulepack import RulePack, compiled
from iptformulate.rulepack.compile import CompiledPack

from .strategies import cases

PROFILES = ["classic", "stuart", "who-group", "ipsrt", "ipt-a"]
ODD: list[Any] = [-1, -1.0, True, False, 0, 1, 1.0, 9, 9.0, 9999, "unknown", "yes", "no", None]
COUNTS: list[Any] = [-1, -1.0, True, False, 0, 1, 2.0]  # unknown_expectations is read as int


def _facts(case: Case, pack: RulePack, profile: str) -> list[dict[str, Any]]:
    params = FactParams.from_mapping(pack.profile(profile).params)
    return build_facts(RelationshipGraph(case), params)


def _spec_open_rules(
    pack: CompiledPack, facts: Sequence[Fact], findings: Iterable[Finding]
) -> dict[tuple[str, str], tuple[str, ...]]:
    """`open_rules` from its definition: every pattern tested on every fact, nothing kept."""
    findings = list(findings)
    fired: dict[str, set[str]] = {}
    for f in findings:
        fired.setdefault(f.code, set()).update(f.fact_ids)
    cored = {f.area for f in findings if f.effect == "core"}
    out: dict[tuple[str, str], set[str]] = {}
    for rule in pack.rules:
        if rule.reads_derived or rule.effect == "against":
            continue
        if rule.effect != "core" and rule.area not in cored:
            continue
        done = fired.get(rule.code, set())
        needed: list[tuple[str, str]] = []
        possible = True
        for pattern in rule.patterns:
            entries = []
            for fact in facts:
                if fact["kind"] != pattern.kind or fact["id"] in done:
                    continue
                opened = _admits(pattern, fact)
                if opened is not None:
                    entries.append([(str(fact["id"]), field) for field in opened])
            if not entries:
                possible = False
                break
            for pairs in entries:
                needed += pairs
        if possible and needed:
            for key in needed:
                out.setdefault(key, set()).add(rule.code)
    return {key: tuple(sorted(codes)) for key, codes in sorted(out.items())}


def _check(cpack: CompiledPack, facts: list[Fact]) -> None:
    expected = ReferenceEngine(cpack).run(facts)
    memo = get_engine(cpack, "reference")
    assert isinstance(memo, MemoisedEngine)
    assert memo.run(facts) == expected
    admission = CaseAdmission(cpack, facts)
    assert memo.run(facts, admission) == expected
    want = _spec_open_rules(cpack, facts, expected)
    assert open_rules(cpack, facts, expected, admission) == want  # tables shared
    assert open_rules(cpack, facts, expected) == want


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(case=cases(), profile=st.sampled_from(PROFILES), seed=st.integers(0, 2**16))
def test_memoised_matches_reference(pack: RulePack, case: Case, profile: str, seed: int) -> None:
    cpack = compiled(pack, profile)
    facts = _facts(case, pack, profile)
    _check(cpack, facts)
    shuffled = list(facts)
    random.Random(seed).shuffle(shuffled)
    _check(cpack, shuffled)


@pytest.mark.parametrize("name", examples.names())
@pytest.mark.parametrize("profile", PROFILES)
def test_memoised_matches_reference_on_examples(pack: RulePack, name: str, profile: str) -> None:
    _check(compiled(pack, profile), _facts(examples.load(name), pack, profile))


@pytest.mark.parametrize("seed", range(40))
def test_memo_keys_tell_odd_values_apart(pack: RulePack, seed: int) -> None:
    """Values that compare equal but are not the same (-1 and -1.0, 1 and True, 9 and 9.0),
    missing fields and None: answers kept for one never leak to another."""
    rng = random.Random(seed)
    name = rng.choice(examples.names())
    profile = rng.choice(PROFILES)
    cpack = compiled(pack, profile)
    facts = _facts(examples.load(name), pack, profile)
    for _ in range(3):  # the same odd facts again, answered from the memo
        odd = []
        for fact in facts:
            fact = dict(fact)
            for field in rng.sample(sorted(fact), k=min(4, len(fact))):
                if field in ("kind", "id"):
                    continue
                if rng.random() < 0.2:
                    del fact[field]
                else:
                    fact[field] = rng.choice(COUNTS if field == "unknown_expectations" else ODD)
            odd.append(fact)
        _check(cpack, odd)
        _check(cpack, facts)
