"""Case format 2: each of the eight problems the encoders met, encoded and seen by the rules
(or, for report-only fields, by the report)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from iptformulate import Case, CaseError, formulate, parse_case
from iptformulate.cli import main
from iptformulate.facts import FactParams, build_facts
from iptformulate.graph import RelationshipGraph
from iptformulate.model.completeness import unknown_fields
from iptformulate.render import render

DOCS = Path(__file__).resolve().parents[1] / "docs" / "case-format.md"


def case(**fields: Any) -> Case:
    return Case.model_validate({"format_version": 2, "id": "c", **fields})


def facts(c: Case) -> dict[str, dict[str, Any]]:
    return {str(f["id"]): f for f in build_facts(RelationshipGraph(c), FactParams())}


def codes(c: Case, profile: str = "classic") -> set[str]:
    f = formulate(c, profile=profile)
    return {x.code for r in f.areas.values() for x in r.findings_for + r.subtype_findings}


# 1. defaults that were claims -------------------------------------------------------------


def test_left_out_means_unknown_and_no_rule_reads_a_default() -> None:
    c = case(people=[{"id": "mum", "name": "Mum", "relationship": "parent"}])
    assert (c.population, c.diagnosis, c.format, c.episode.prior_episodes) == (None,) * 4
    client = facts(c)["client"]
    assert client["population"] == client["diagnosis"] == client["format"] == "unknown"
    assert client["prior_episodes"] == -1
    assert facts(c)["person:mum"]["status"] == "unknown"
    # the recurrent-course rule needs prior episodes; unknown does not stand in for "none"
    recurrent = case(diagnosis="bipolar_depression", episode={"prior_episodes": 3})
    assert "HS011" in codes(recurrent, "ipsrt")
    assert "HS011" not in codes(case(diagnosis="bipolar_depression"), "ipsrt")
    assert "episode.prior_episodes" in unknown_fields(c)


def test_a_format_1_file_keeps_its_meaning_and_says_what_was_assumed() -> None:
    old = Case.model_validate(
        {
            "id": "old",
            "people": [{"id": "p", "name": "P", "relationship": "friend"}],
            "events": [{"id": "e", "type": "move", "months_from_onset": -1}],
        }
    )
    assert old.format_version == 2
    assert str(old.population) == "adult" and old.episode.prior_episodes == 0
    assert old.events[0].subject == "client"
    assert any("population: adult" in a for a in old.assumed)
    warnings = [w.text for w in formulate(old).warnings]
    assert any("format 1" in w and "population: adult" in w for w in warnings)


def test_upgrade_rewrites_a_format_1_file_and_validate_lists_unknowns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "old.yaml"
    path.write_text("# kept\nid: old\npeople:\n  - {id: p, name: P, relationship: friend}\n")
    assert main(["upgrade", str(path), "--check"]) == 1
    assert main(["upgrade", str(path)]) == 0
    text = path.read_text()
    assert text.startswith("# kept\nformat_version: 2\n") and "assumed:" in text
    assert main(["upgrade", str(path), "--check"]) == 0
    capsys.readouterr()
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert "valid: " in out and "left unknown" in out and "people[p].support" in out
    bad = tmp_path / "bad.yaml"
    bad.write_text("format_version: 2\nid: bad\npeople:\n  - {id: p, relationship: cousin}\n")
    assert main(["validate", str(bad)]) == 3
    out = capsys.readouterr().out
    assert "people[0].relationship" in out and "people[0].name" in out


# 2. timing as case notes give it ----------------------------------------------------------


def test_months_before_intake_is_placed_against_an_onset_known_from_intake() -> None:
    c = case(
        episode={"onset_months_before_intake": 4, "onset_approximate": True},
        people=[
            {
                "id": "mum",
                "name": "Mum",
                "relationship": "parent",
                "ring": 1,
                "status": "deceased",
                "died": {"months_before_intake": 6},
            }
        ],
    )
    assert c.offset("mum") == -2
    person = facts(c)["person:mum"]
    assert (person["death_near_onset"], person["death_nearness"]) == ("yes", 3)
    assert facts(c)["client"]["onset_approximate"] == "yes"
    assert "GR001" in codes(c)


def test_before_onset_with_no_interval_is_neither_at_onset_nor_lost() -> None:
    c = case(
        people=[
            {
                "id": "baby",
                "name": "Baby",
                "relationship": "child",
                "status": "deceased",
                "died": {"relation_to_onset": "before_onset"},
                "change_at_onset": "ended",
            }
        ],
        events=[
            {"id": "move", "type": "move", "subject": "client", "relation_to_onset": "before_onset"}
        ],
    )
    event = facts(c)["event:move"]
    assert (event["near_onset"], event["relation"], event["offset"]) == (
        "unknown",
        "before_onset",
        9999,
    )
    assert "GR040" in codes(c)  # the depression followed the death; no interval needed
    assert "TR002" not in codes(c)  # not placed near onset, so not read as "at onset"


def test_at_onset_without_an_interval_counts_as_near() -> None:
    c = case(
        events=[
            {"id": "job", "type": "job_loss", "subject": "client", "relation_to_onset": "at_onset"}
        ]
    )
    assert facts(c)["event:job"]["near_onset"] == "yes"
    assert "TR002" in codes(c)


def test_an_interval_in_words_places_an_undated_event_or_death() -> None:
    """"Recently", "soon after", "since the accident": the notes say the event lies close to
    the onset without months (short: in the window); "years before" says it lies far (long)."""
    c = case(
        people=[
            {
                "id": "husband",
                "name": "H",
                "relationship": "partner",
                "status": "deceased",
                "died": {"interval": "short"},
            },
            {
                "id": "dad",
                "name": "D",
                "relationship": "parent",
                "status": "deceased",
                "died": {"relation_to_onset": "before_onset", "interval": "long"},
            },
        ],
        events=[
            {
                "id": "accident",
                "type": "disability",
                "subject": "client",
                "relation_to_onset": "before_onset",
                "interval": "short",
            },
            {"id": "old", "type": "move", "subject": "client", "interval": "long"},
        ],
    )
    f = facts(c)
    assert (f["person:husband"]["death_near_onset"], f["person:husband"]["death_nearness"]) == (
        "yes",
        1,
    )
    assert (f["person:dad"]["death_near_onset"], f["person:dad"]["death_nearness"]) == ("no", 0)
    assert (f["event:accident"]["near_onset"], f["event:accident"]["nearness"]) == ("yes", 1)
    assert f["event:old"]["near_onset"] == "no"
    # the offset stays unknown: only the side and the band are known
    assert f["event:accident"]["offset"] == 9999 and f["event:accident"]["timing"] == "unknown"
    assert f["summary"]["events_near_onset"] == 1 and f["summary"]["deaths_near_onset"] == 1
    found = codes(c)
    assert {"GR002", "TR002"} <= found  # an unplaced partner who died recently; the accident
    assert "people[husband].died.timing" not in unknown_fields(c)
    # without the interval neither is placed near onset
    bare = case(
        people=[{"id": "husband", "name": "H", "relationship": "partner", "status": "deceased"}],
        events=[{"id": "accident", "type": "disability", "subject": "client"}],
    )
    assert not {"GR002", "TR002"} & codes(bare)


def test_an_event_at_onset_counts_in_the_summary_too() -> None:
    c = case(
        episode={"chronicity": "chronic"},
        events=[{"id": "e", "type": "move", "subject": "client", "relation_to_onset": "at_onset"}],
    )
    assert facts(c)["summary"]["events_near_onset"] == 1
    assert "TR004" not in codes(c)  # there is an event near onset, so no iatrogenic frame


@pytest.mark.parametrize(
    ("when", "problem"),
    [
        ({"months_from_onset": -2, "interval": "short"}, "give one of them"),
        ({"date": "2024-01-10", "interval": "short"}, "give one of them"),
        ({"months_before_intake": 3, "interval": "long"}, "give one of them"),
        ({"relation_to_onset": "at_onset", "interval": "long"}, "contradicts"),
    ],
)
def test_an_interval_beside_numbers_or_a_contradiction_is_refused(
    when: dict[str, Any], problem: str
) -> None:
    onset = {"onset_date": "2024-03-01", "intake_date": "2024-06-01"}  # places date and months
    with pytest.raises(CaseError, match=problem) as info:
        parse_case(
            {"format_version": 2, "id": "c", "episode": onset,
             "events": [{"id": "e", "type": "move"} | when]}
        )  # fmt: skip
    assert info.value.path == "events[0].interval"


def test_an_interval_beside_an_unplaced_date_or_intake_months_links_it_to_onset() -> None:
    # "his wife died about a year before he was seen; the depression followed her death",
    # with the onset not dated: the months say when, only the words say how near the onset
    wife = {"id": "wife", "name": "Wife", "relationship": "partner", "ring": 1,
            "status": "deceased", "change_at_onset": "ended"}  # fmt: skip
    died = {"months_before_intake": 12, "relation_to_onset": "before_onset"}
    near = case(people=[wife | {"died": died | {"interval": "short"}}])
    assert near.offset("wife") is None and near.interval("wife") == "short"
    assert facts(near)["person:wife"]["death_near_onset"] == "yes"
    assert "GR001" in codes(near)
    far = case(people=[wife | {"died": died}])
    assert facts(far)["person:wife"]["death_near_onset"] == "unknown"
    assert "GR001" not in codes(far)


def test_timings_given_twice_must_agree() -> None:
    with pytest.raises(ValueError, match="disagree"):
        case(
            episode={"onset_months_before_intake": 4},
            events=[{"id": "e", "type": "move", "months_before_intake": 6, "months_from_onset": 5}],
        )


# 3. whose event ---------------------------------------------------------------------------


def _stroke(**extra: Any) -> Case:
    return case(
        people=[{"id": "husband", "name": "H", "relationship": "partner", "ring": 1}],
        events=[
            {
                "id": "stroke",
                "type": "illness_diagnosis",
                "subject": "husband",
                "months_from_onset": -1,
                "people": ["husband"],
                **extra,
            }
        ],
    )


def test_another_persons_event_is_the_clients_transition_only_through_a_role_effect() -> None:
    assert facts(_stroke())["event:stroke"]["own_change"] == "no"
    assert not formulate(_stroke()).areas["role_transition"].present
    carer = _stroke(role_effects=[{"role": "carer", "change": "started"}])
    assert facts(carer)["event:stroke"]["own_change"] == "yes"
    assert facts(carer)["role_effect:stroke:00"]["role"] == "carer"
    assert formulate(carer).areas["role_transition"].present


# 4. disputes as clinicians describe them --------------------------------------------------


def test_a_covert_dispute_is_seen() -> None:
    c = case(
        people=[
            {
                "id": "mum",
                "name": "Mum",
                "relationship": "parent",
                "resentment": "unvoiced",
                "gives_in": "client",
                "conflict_style": "covert",
                "expectations": [{"holder": "client", "met": False}],
            }
        ]
    )
    assert facts(c)["person:mum"]["covert_signs"] == 3
    f = formulate(c)
    assert "DS020" in {x.code for x in f.areas["role_dispute"].findings_for}
    assert f.areas["role_dispute"].present
    unknown_met = case(
        people=[{"id": "mum", "name": "Mum", "relationship": "parent", "resentment": "unvoiced",
                 "expectations": [{"holder": "client"}]}]
    )  # fmt: skip
    assert not formulate(unknown_met).areas["role_dispute"].present
    assert any(u.path == "people[mum].expectations.met" for u in formulate(unknown_met).unknowns)


def test_a_conflict_described_without_its_degree_is_a_struggle_whose_degree_is_asked() -> None:
    def mum(**fields: Any) -> Case:
        return case(people=[{"id": "mum", "name": "Mum", "relationship": "parent", **fields}])

    present = mum(conflict="present")
    fact = facts(present)["person:mum"]
    assert (fact["conflict"], fact["conflict_rank"]) == ("present", -1)  # degree unknown
    f = formulate(present)
    assert "DS023" in {x.code for x in f.areas["role_dispute"].findings_for}
    assert f.areas["role_dispute"].present
    # a conflict going on now maintains the episode (F4), whatever its degree
    assert any("tied to the onset or the maintenance" in r for r in f.focus.reasons)
    # the degree is asked, not assumed: the rules that need a moderate conflict ask for it
    asked = [u for u in f.unknowns if u.path == "people[mum].conflict"]
    assert [u.missing for u in asked] == ["its degree"]  # recorded in part, not "not recorded"
    assert "people[mum].conflict (its degree): could change" in str(f)
    unrecorded = formulate(mum(expectations=[{"holder": "client", "met": False}]))
    assert [u.missing for u in unrecorded.unknowns if u.path == "people[mum].conflict"] == [None]
    # unknown stays unknown, and a graded conflict is read by the graded rules only
    assert "DS023" not in codes(mum())
    assert "DS023" not in codes(mum(conflict="moderate"))
    assert not formulate(mum(conflict="low")).areas["role_dispute"].present
    # an ungraded conflict is counted apart from the graded ones in the summary
    summary = facts(case(people=[
        {"id": "mum", "name": "Mum", "relationship": "parent", "conflict": "present"},
        {"id": "nb", "name": "Nb", "relationship": "neighbour", "ring": 4, "conflict": "high"},
    ]))["summary"]  # fmt: skip
    assert (summary["conflictual_ties"], summary["ungraded_conflict_ties"]) == (1, 1)


def test_no_one_to_talk_to_is_recorded_for_the_whole_network() -> None:
    mum = {"id": "mum", "name": "Mum", "relationship": "parent", "ring": 2}
    alone = case(network={"has_confidant": False}, people=[mum])
    summary = facts(alone)["summary"]
    assert (summary["confidants"], summary["confidant_unknown"]) == (0, 0)
    assert "DF004" in codes(alone)
    assert "DF004" not in codes(case(people=[mum]))  # not recorded: asked, not assumed
    assert "people[mum].confidant" not in unknown_fields(alone)
    assert "people[mum].confidant" in unknown_fields(case(people=[mum]))
    someone = facts(case(network={"has_confidant": True}, people=[mum]))["summary"]
    assert (someone["confidants"], someone["confidant_unknown"]) == (1, 0)
    with pytest.raises(CaseError, match="has_confidant") as info:
        parse_case({"format_version": 2, "id": "c", "network": {"has_confidant": False},
                    "people": [mum | {"confidant": True}]})  # fmt: skip
    assert info.value.path == "network.has_confidant"


# 5. places for what real inventories contain ----------------------------------------------


def test_risk_items_and_a_missing_screen_are_warned_about() -> None:
    kinds = [w.text for w in formulate(case()).warnings if w.kind == "risk"]
    assert any("No risk screen" in w for w in kinds)
    risky = case(risk={"past_self_harm": True, "plan": True, "access_to_means": True,
                       "nondisclosure_concern": True, "past_suicidal_crisis": True})  # fmt: skip
    texts = " ".join(w.text for w in formulate(risky).warnings if w.kind == "risk")
    for words in ("Past self-harm", "suicide plan", "means", "not being disclosed",
                  "past suicidal crisis"):  # fmt: skip
        assert words in texts
    assert "No risk screen" not in texts
    # a history recorded does not stand in for asking about ideation now
    assert "Current suicidal ideation is not recorded" in texts
    asked = case(risk={"past_suicidal_crisis": True, "suicidal_ideation": "none"})
    assert not any("not recorded" in w.text for w in formulate(asked).warnings if w.kind == "risk")


def test_report_only_fields_reach_the_report_and_grief_signs_reach_the_rules() -> None:
    c = case(
        severity={"instrument": "phq9", "score": 18},
        other_severities=[{"instrument": "hamd", "score": 21}],
        episode={"course": "worsening", "longstanding_trait_recent_flare": True},
        comorbidity=["panic disorder"],
        medical_illness=["type 2 diabetes"],
        medication=["sertraline"],
        social_rhythm={"routine_disrupted": True, "sleep_disrupted": True},
        culture={"matters": True, "religion": "Catholic"},
        dilemma={"between": ["worker", "carer"]},
        people=[
            {
                "id": "dad",
                "name": "Dad",
                "relationship": "parent",
                "ring": 1,
                "status": "deceased",
                "died": {"months_from_onset": -2},
                "death_disclosed_late": True,
                "grief_signs": [
                    "anger_at_living",
                    "continuing_bonds",
                    "suicidal_ideation_since_death",
                ],
            }
        ],
    )
    report = render(formulate(c), "markdown")
    for shown in ("HAMD 21", "worsening", "panic disorder", "type 2 diabetes", "sertraline",
                  "daily routine and sleep disrupted", "worker or carer", "Catholic"):  # fmt: skip
        assert shown in report
    person = facts(c)["person:dad"]
    assert person["anger_at_living"] == person["continuing_bonds"] == "yes"
    assert person["death_disclosed_late"] == "yes"
    client = facts(c)["client"]
    assert (client["routine_disrupted"], client["dilemma"], client["medication"]) == ("yes",) * 3


# 6. vocabulary ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        {"population": "other"},
        {"format": "ipsrt"},
        {"format": "inpatient"},
        {"format": "combined"},
        {"format": "fortnightly"},
        {"people": [{"id": "x", "name": "x", "relationship": "in_law"}]},
        {"people": [{"id": "x", "name": "x", "relationship": "employee"}]},
        {"people": [{"id": "x", "name": "x", "relationship": "community_group"}]},
        {"people": [{"id": "x", "name": "x", "relationship": "unknown"}]},
        {
            "people": [
                {
                    "id": "x",
                    "name": "x",
                    "relationship": "friend",
                    "change_at_onset": "less_contact",
                }
            ]
        },
        {
            "people": [
                {
                    "id": "x",
                    "name": "x",
                    "relationship": "partner",
                    "change_at_onset": "changed_in_kind",
                }
            ]
        },
    ],
)
def test_new_vocabulary_loads_and_formulates(fields: dict[str, Any]) -> None:
    formulate(case(**fields))


def test_an_in_law_can_carry_a_dispute() -> None:
    c = case(people=[{"id": "mil", "name": "M", "relationship": "in_law", "conflict": "high"}])
    assert formulate(c).areas["role_dispute"].present


# 7. free text does not count, and the docs say so -----------------------------------------


def test_notes_change_nothing_but_the_text() -> None:
    plain = case(people=[{"id": "p", "name": "P", "relationship": "partner", "conflict": "high"}])
    noted = case(
        notes="She says her husband hits her and she is thinking of leaving.",
        people=[{"id": "p", "name": "P", "relationship": "partner", "conflict": "high",
                 "notes": "dispute at impasse; they stopped talking"}],
    )  # fmt: skip
    a, b = formulate(plain), formulate(noted)
    assert a.areas == b.areas and a.focus == b.focus
    text = DOCS.read_text(encoding="utf-8")
    assert "Free text is\nnever read by any rule" in text or "never read by any rule" in text
    assert "used in the formulation" not in text


# 8. rings and levels defined, estimated rings flagged -------------------------------------


def test_rings_and_levels_are_defined_with_everyday_anchors() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for anchor in ("**1** the closest", "**4** acquaintances", '"constant rows"',
                   '"supportive"', "several times a week"):  # fmt: skip
        assert anchor in text
    c = case(people=[{"id": "p", "name": "P", "relationship": "friend", "ring": 2,
                      "ring_estimated": True}])  # fmt: skip
    assert facts(c)["person:p"]["ring_estimated"] == "yes"


def test_a_timing_said_in_words_is_said_in_words_in_the_report() -> None:
    """An undated death placed "recently" is not reported as "at an unknown time"."""
    husband = {"id": "husband", "name": "H", "relationship": "partner", "status": "deceased"}
    recent = formulate(case(people=[dict(husband, died={"interval": "short"})]))
    text = " ".join(x.rationale for x in recent.areas["grief"].findings_for)
    assert "close to the onset" in text and "unknown time" not in text
    before = dict(husband, died={"relation_to_onset": "before_onset", "interval": "short"})
    f = formulate(case(people=[before]))
    assert "shortly before the onset" in f.areas["grief"].findings_for[0].rationale
    assert "shortly before your low mood began" in render(f, "markdown")
