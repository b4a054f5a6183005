"""Issue 16, item 1: limits that bound the work of a case, not only its file, refused up front
with the library's error naming the limit, the same on both engines; the reference evaluator's
joins go through an index, not nested loops."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from iptformulate import formulate, load_case, parse_case
from iptformulate.engine import ReferenceEngine, durable_engine, get_engine
from iptformulate.engine.budget import check_work, match_bounds
from iptformulate.errors import CaseError
from iptformulate.facts import FactParams, build_facts
from iptformulate.graph import RelationshipGraph
from iptformulate.limits import FACT_ID_CEILING, Limits
from iptformulate.rulepack import RulePack, compiled, load_pack

from .conftest import RULES
from .hostile import conflict_storm_yaml

ENGINES = ["reference", *(["durable"] if durable_engine.available() else [])]

FOUR_UNJOINED = """\
code: GR901
title: Four people at once
area: grief
effect: support
weight: 0.1
source: {key: test, tag: S, section: "§1"}
when:
  - {fact: person, as: a}
  - {fact: person, as: b}
  - {fact: person, as: c}
  - {fact: person, as: d}
rationale: four people
"""


def _storm(people: int, events: int) -> dict[str, Any]:
    return {
        "id": "storm",
        "people": [
            {"id": f"p{i}", "name": f"P{i}", "relationship": "friend", "ring": 1,
             "conflict": "high"}
            for i in range(people)
        ],
        "events": [
            {"id": f"e{j}", "type": "conflict", "months_from_onset": -1,
             "people": [f"p{i}" for i in range(people)]}
            for j in range(events)
        ],
    }  # fmt: skip


def test_the_150_kb_storm_is_refused_when_read_naming_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "storm.yaml"
    path.write_text(conflict_storm_yaml(), encoding="utf-8")
    with pytest.raises(CaseError, match=r"Limits\.max_involvements") as info:
        load_case(path)
    assert info.value.case_id == "storm"


@pytest.mark.parametrize("engine", ENGINES)
def test_a_case_built_in_memory_is_refused_before_any_rule_runs(engine: str) -> None:
    case = parse_case(_storm(30, 40), limits=Limits(max_involvements=5_000))
    small = Limits(max_involvements=1_000)
    with pytest.raises(CaseError, match=r"Limits\.max_involvements"):
        formulate(case, options={"engine": engine}, limits=small)
    with pytest.raises(CaseError, match=r"Limits\.max_facts"):
        formulate(case, options={"engine": engine}, limits=Limits(max_facts=100))
    with pytest.raises(CaseError, match=r"Limits\.max_case_matches"):
        formulate(case, options={"engine": engine}, limits=Limits(max_case_matches=500))
    assert formulate(case, options={"engine": engine}).case_id == "storm"


@pytest.fixture(scope="module")
def four_pattern_pack(tmp_path_factory: pytest.TempPathFactory) -> RulePack:
    root = tmp_path_factory.mktemp("rules") / "rules"
    shutil.copytree(RULES, root)
    (root / "grief" / "GR901-four-people.yaml").write_text(FOUR_UNJOINED, encoding="utf-8")
    (root / "grief" / "GR901-four-people.cases.yaml").write_text("rule: GR901\n")
    return load_pack(root)


@pytest.mark.parametrize("engine", ENGINES)
def test_a_rule_of_four_unjoined_patterns_is_refused_on_both_engines(
    four_pattern_pack: RulePack, engine: str
) -> None:
    case = parse_case(_storm(30, 1))  # 30**4 = 810,000 possible matches of GR901
    with pytest.raises(CaseError, match=r"rule GR901 .*Limits\.max_rule_matches"):
        formulate(case, rules=four_pattern_pack, options={"engine": engine})
    small = parse_case(_storm(6, 1))  # 6 * 5 * 4 * 3 = 360 matches: runs, on both engines
    f = formulate(small, rules=four_pattern_pack, options={"engine": engine})
    assert sum(1 for x in f.areas["grief"].findings_for if x.code == "GR901") == 360


def test_the_bound_never_undercounts_the_matches(four_pattern_pack: RulePack) -> None:
    cpack = compiled(four_pattern_pack, "classic")
    for people, events in ((1, 0), (5, 3), (8, 6)):
        case = parse_case(_storm(people, events))
        facts = build_facts(RelationshipGraph(case), FactParams.from_mapping(cpack.params))
        bounds = match_bounds(cpack, facts)
        found: dict[str, int] = {}
        for finding in ReferenceEngine(cpack).run(facts):
            found[finding.code] = found.get(finding.code, 0) + 1
        assert all(found[code] <= bounds[code] for code in found)
        check_work(cpack, facts, Limits())


def test_work_limits_are_positive_and_capped() -> None:
    with pytest.raises(ValueError, match="max_facts"):
        Limits(max_facts=FACT_ID_CEILING + 1)
    for name in ("max_involvements", "max_facts", "max_rule_matches", "max_case_matches"):
        with pytest.raises(ValueError, match=name):
            Limits(**{name: 0})


class _Counting(dict[str, Any]):
    reads = 0

    def __getitem__(self, key: str) -> Any:
        _Counting.reads += 1
        return super().__getitem__(key)


def test_reference_joins_use_an_index_not_nested_loops(pack: RulePack) -> None:
    """DS002 joins people to involvements: with n of each, a nested loop reads fields about
    n * n times; the index reads a few per fact."""
    n = 400
    case = parse_case(
        {
            "id": "wide",
            "people": [
                {"id": f"p{i}", "name": "x", "relationship": "partner", "ring": 1,
                 "conflict": "high"}
                for i in range(n)
            ],
            "events": [
                {"id": f"e{i}", "type": "conflict", "months_from_onset": -1, "people": [f"p{i}"]}
                for i in range(n)
            ],
        }
    )  # fmt: skip
    cpack = compiled(pack, "classic", ("DS002",))
    facts = build_facts(RelationshipGraph(case), FactParams.from_mapping(cpack.params))
    counted = [_Counting(f) for f in facts]
    _Counting.reads = 0
    findings = get_engine(cpack, "reference").run(counted)
    assert len(findings) == n
    assert _Counting.reads < 40 * len(facts)  # a nested loop: over n * n = 160,000
