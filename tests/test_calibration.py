"""Clinical calibration (round 1): each behaviour the review found wrong, shown right."""

from __future__ import annotations

from typing import Any

from iptformulate import Case, formulate
from iptformulate.facts import build_facts
from iptformulate.graph import RelationshipGraph


def case(**fields: Any) -> Case:
    return Case.model_validate({"format_version": 2, "id": "c", **fields})


PARTNER = {
    "id": "sam",
    "name": "Sam",
    "relationship": "partner",
    "ring": 1,
    "status": "alive",
    "conflict": "high",
    "engagement": "negotiating",
    "expectations": [{"holder": "client", "met": False}, {"holder": "other", "met": False}],
}


def test_the_dispute_stage_comes_from_the_partner_in_the_dispute() -> None:
    ex = {"id": "ex", "name": "Ex", "relationship": "ex_partner", "ring": 4,
          "status": "estranged", "engagement": "stopped_talking"}  # fmt: skip
    f = formulate(case(people=[PARTNER, ex]))
    dispute = f.areas["role_dispute"]
    assert dispute.present and dispute.subtype == "renegotiation"


# an ex the client still fights with and who is ending things: a second, weaker dispute
EX_ENDING = {"id": "ex", "name": "Mark", "relationship": "ex_partner", "ring": 3,
             "status": "alive", "conflict": "high", "engagement": "ending",
             "change_at_onset": "worsened",
             "expectations": [{"holder": "client", "met": False}]}  # fmt: skip
CHILD = {"id": "lily", "name": "Lily", "relationship": "child", "ring": 1, "status": "alive",
         "conflict": "low", "conflict_frequency": "weekly"}  # fmt: skip


def test_each_dispute_has_its_own_stage_and_the_main_one_sets_the_areas() -> None:
    f = formulate(case(people=[PARTNER, EX_ENDING, CHILD]))
    dispute = f.areas["role_dispute"]
    stages = {s.ref: (s.subtype, s.principal) for s in dispute.sources}
    assert stages["sam"] == ("renegotiation", True)
    assert stages["ex"] == ("dissolution", False)
    assert "lily" not in stages  # a support rule alone (weekly squabbles) is no dispute
    assert dispute.subtype == "renegotiation"
    assert dispute.sources[0].ref == "sam"  # strongest first
    plan = next(m for m in f.middle_phase if m.area == "role_dispute")
    assert plan.subtype == "renegotiation"


def test_dispute_goals_name_the_partner_and_follow_the_stage() -> None:
    f = formulate(case(people=[PARTNER, EX_ENDING, CHILD]))
    goals = [g for g in f.goals if g.area == "role_dispute"]
    assert goals and all(g.people == ["sam"] for g in goals)
    text = " ".join(g.text for g in goals)
    assert "Sam" in text and "Mark" not in text and "Lily" not in text
    assert "parting" not in text and "Negotiate" in text
    ended = formulate(case(people=[{**PARTNER, "engagement": "ending"}]))
    text = " ".join(g.text for g in ended.goals if g.area == "role_dispute")
    assert "ending the relationship with Sam" in text


def test_two_equally_strong_disputes_are_both_named() -> None:
    twin = {**PARTNER, "id": "alex", "name": "Alex", "relationship": "sibling"}
    dispute = formulate(case(people=[PARTNER, twin])).areas["role_dispute"]
    assert {s.ref for s in dispute.sources if s.principal} == {"sam", "alex"}


def test_one_partners_dispute_is_one_piece_of_evidence() -> None:
    one = formulate(case(people=[PARTNER])).areas["role_dispute"]
    assert len({x.code for x in one.findings_for}) >= 3  # several rules read the same partner
    assert one.score == max(x.weight for x in one.findings_for)
    boss = {"id": "boss", "name": "B", "relationship": "boss", "status": "alive",
            "conflict": "high", "expectations": [{"holder": "client", "met": False}]}  # fmt: skip
    two = formulate(case(people=[PARTNER, boss])).areas["role_dispute"]
    assert two.score > one.score  # a second relationship is new evidence


def test_a_death_and_the_end_of_caregiving_for_that_person_give_grief_only() -> None:
    c = case(
        people=[
            {
                "id": "mum",
                "name": "Mum",
                "relationship": "parent",
                "ring": 1,
                "status": "deceased",
                "died": {"months_from_onset": -1},
            }
        ],
        events=[
            {
                "id": "death",
                "type": "death",
                "subject": "mum",
                "months_from_onset": -1,
                "people": ["mum"],
            },
            {
                "id": "care_ends",
                "type": "caregiving_end",
                "subject": "client",
                "months_from_onset": -1,
                "people": ["mum"],
            },
        ],
    )
    f = formulate(c, profile="stuart")
    assert f.areas["grief"].present and not f.areas["role_transition"].present


def test_an_undated_finished_trauma_does_not_make_a_transition() -> None:
    c = case(diagnosis="ptsd", events=[{"id": "attack", "type": "trauma", "subject": "client"}])
    assert not formulate(c).areas["role_transition"].present


def test_deficits_presence_is_rated_on_its_own() -> None:
    c = case(
        network={"longstanding_isolation": True},
        people=[PARTNER],
    )
    f = formulate(c)
    assert f.areas["interpersonal_deficits"].present  # IPARS rates presence per area
    assert f.primary_focus == "role_dispute"  # F3: deficits only when nothing else is


def test_nearness_to_onset_ranks_linked_areas() -> None:
    c = case(
        people=[PARTNER | {"engagement": None}],
        events=[
            {"id": "row", "type": "conflict", "months_from_onset": -10, "people": ["sam"]},
            {"id": "job", "type": "job_loss", "subject": "client", "months_from_onset": -1},
        ],
    )
    f = formulate(c)
    assert f.primary_focus == "role_transition"
    assert any("more closely to the onset" in r for r in f.focus.reasons)


def test_classic_adds_a_second_focus_only_in_a_close_call() -> None:
    strong = case(
        people=[PARTNER],
        events=[{"id": "job", "type": "new_job", "subject": "client", "months_from_onset": 30}],
        importance={"role_dispute": "very"},
    )
    f = formulate(strong)
    assert f.primary_focus == "role_dispute" and f.secondary_focus is None


def test_an_override_derives_reasons_plan_goals_and_statement_again() -> None:
    from iptformulate import examples

    f = formulate(examples.load("grief_widower"))
    g = f.with_override(focus="role_transition", reason="patient_priority")
    assert g.primary_focus == "role_transition" and g.override is not None
    assert g.override.previous == "grief"
    assert [m.area for m in g.middle_phase] == ["role_transition"]
    assert {goal.area for goal in g.goals} == {"role_transition"}
    assert any("clinician chose" in r for r in g.focus.reasons)
    assert any(a.area == "grief" and "clinician chose" in a.reason for a in g.focus.rejected)
    assert g.statement != f.statement
    absent = f.with_override(focus="interpersonal_deficits", reason="clinical_judgement")
    assert any("general content" in w.text for w in absent.warnings if w.kind == "override")


def test_agreement_needs_a_focus() -> None:
    import pytest

    from iptformulate import examples

    with pytest.raises(ValueError, match="no focus"):
        formulate(examples.load("withdrawn_no_event")).with_agreement()


def test_a_profile_that_does_not_fit_the_case_is_warned_about() -> None:
    adult = case(age=38, population="adult", diagnosis="major_depression")
    texts = [w.text for w in formulate(adult, profile="ipt-a").warnings]
    assert any("ipt-a profile may not fit" in t and "38" in t for t in texts)
    texts = [w.text for w in formulate(adult, profile="ipsrt").warnings]
    assert any("ipsrt profile may not fit" in t for t in texts)
    assert not any("may not fit" in w.text for w in formulate(adult).warnings)
    unknown = case()  # nothing recorded: no claim either way
    assert not any("may not fit" in w.text for w in formulate(unknown, profile="ipt-a").warnings)


def test_stuart_grief_and_loss_speaks_of_the_loss_not_a_death() -> None:
    divorce = case(
        people=[{"id": "ex", "name": "Dana", "relationship": "ex_partner", "ring": 2,
                 "status": "alive"}],
        events=[{"id": "div", "type": "divorce", "people": ["ex"], "subject": "client",
                 "months_from_onset": -2, "description": "Divorce from Dana"}],
    )  # fmt: skip
    f = formulate(divorce, profile="stuart")
    assert f.primary_focus == "grief" and f.areas["grief"].subtype == "non_death_loss"
    texts = [g.text for g in f.goals] + [s.text for s in f.statement.slots]
    texts += [x for m in f.middle_phase for x in m.strategies]
    assert not [t for t in texts if "death" in t or "died" in t]
    assert "the loss of something important to you" in f.statement.slots[4].text
    # a death keeps the grief wording under the same profile
    widow = case(
        people=[{"id": "mum", "name": "Mum", "relationship": "parent", "ring": 1,
                 "status": "deceased", "died": {"months_from_onset": -2}}],
    )  # fmt: skip
    g = formulate(widow, profile="stuart")
    assert "death of someone important" in g.statement.slots[4].text


def _plan_case(**fields: Any) -> Case:
    return case(people=[PARTNER], **fields)


def test_no_maintenance_plan_for_a_current_bipolar_depression() -> None:
    f = formulate(_plan_case(diagnosis="bipolar_depression", format="maintenance",
                             episode={"chronicity": "acute"}), profile="ipsrt")  # fmt: skip
    assert f.plan.format == "ipsrt" and f.plan.total_sessions != "36"
    assert any("follows remission" in w.text for w in f.warnings)
    tasks = " ".join(t for phase in f.plan.phases for t in phase.tasks)
    assert "social rhythm" in tasks


def test_maintenance_with_nothing_known_of_the_episode_is_kept_but_questioned() -> None:
    f = formulate(_plan_case(format="maintenance"))
    assert f.plan.format == "maintenance"
    assert any("confirm that the episode has remitted" in w.text for w in f.warnings)


def test_perinatal_and_older_adult_cases_get_their_own_plans() -> None:
    assert formulate(_plan_case(population="perinatal", format="standard")).plan.format == (
        "perinatal"
    )
    older = formulate(_plan_case(population="older_adult"))
    assert older.plan.format == "older_adult"
    assert any("older adults" in w.text for w in older.warnings)  # the format warning names it
    # a diagnosis with a plan of its own comes before the population's
    ptsd = formulate(_plan_case(population="older_adult", diagnosis="ptsd", format="standard"))
    assert ptsd.plan.format == "ptsd"


def test_a_format_without_a_plan_says_so() -> None:
    f = formulate(_plan_case(format="inpatient"))
    assert f.plan.format == "standard"
    assert any("no session plan of its own" in w.text for w in f.warnings)


def _summary(c: Case) -> dict[str, Any]:
    facts = build_facts(RelationshipGraph(c))
    return next(f for f in facts if f["kind"] == "summary")


def test_people_listed_without_a_status_do_not_shrink_the_network() -> None:
    listed = case(people=[{"id": "a", "name": "A", "relationship": "colleague"},
                          {"id": "b", "name": "B", "relationship": "other"}])  # fmt: skip
    assert _summary(listed)["network_shrank"] == "no"
    # an estrangement with no recorded change at onset happened at some unknown time: no loss
    old_rift = case(people=[{"id": "a", "name": "A", "relationship": "sibling",
                             "status": "estranged"}])  # fmt: skip
    assert _summary(old_rift)["network_shrank"] == "no"
    lost = case(people=[{"id": "a", "name": "A", "relationship": "friend", "status": "estranged",
                         "change_at_onset": "lost_contact"}])  # fmt: skip
    assert _summary(lost)["network_shrank"] == "yes"


def test_techniques_say_which_relationship_they_suit() -> None:
    f = formulate(case(people=[PARTNER, EX_ENDING, CHILD]))
    whys = [t.why for t in f.techniques]
    assert whys and all("as seen in the relationship with Sam:" in w for w in whys)
    assert not [w for w in whys if "Mark" in w or "Lily" in w]


# Round 3: what a second, independent encoding of the casebook showed ----------------------


SON = {
    "id": "son",
    "name": "Son",
    "relationship": "child",
    "ring": 1,
    "status": "deceased",
    "died": {"months_before_intake": 57},
    "grief_signs": ["idealisation", "suicidal_ideation_since_death"],
}


def test_chronic_depression_with_an_unplaced_death_is_not_framed_as_iatrogenic() -> None:
    """TR004 ("no acute event") needs every event and death placed: with the onset undated,
    the son's death may be the event the episode followed, and the grief reactions keep it
    going, so grief is the focus rather than the treatment-as-transition frame."""
    f = formulate(case(diagnosis="major_depression", episode={"chronicity": "chronic"},
                       people=[SON]))  # fmt: skip
    codes = {x.code for r in f.areas.values() for x in r.findings_for}
    assert "TR004" not in codes and "GR004" in codes
    assert str(f.focus.primary) == "grief"
    # with the death placed long before and no reactions, the chronic frame stands
    placed = dict(SON, died={"relation_to_onset": "before_onset", "interval": "long"},
                  grief_signs=[])  # fmt: skip
    g = formulate(case(diagnosis="major_depression", episode={"chronicity": "chronic"},
                       people=[placed]))  # fmt: skip
    assert str(g.focus.primary) == "role_transition"


def test_grief_reactions_still_going_on_tie_grief_to_the_maintenance_of_the_episode() -> None:
    """ISIPT: an area qualifies by the onset or the maintenance of the episode. A live
    struggle maintains a dispute; an unresolved grief reaction maintains grief."""
    undated = dict(SON, died=None)
    f = formulate(case(people=[undated]))
    assert f.areas["grief"].present and f.areas["grief"].linked_to_onset
    calm = dict(undated, grief_signs=["continuing_bonds"])
    assert not formulate(case(people=[calm])).areas["grief"].present


def test_a_friend_on_ring_3_who_died_near_onset_with_complicated_grief_is_grief() -> None:
    """Issue item 5: a close friend on ring 3 whose death came with complicated-grief markers
    is not ignored; without the markers, an outer-ring death stays unproven (GR020)."""
    friend = {"id": "jo", "name": "Jo", "relationship": "friend", "ring": 3,
              "status": "deceased", "died": {"months_from_onset": -1}}  # fmt: skip
    plain = formulate(case(people=[friend]))
    assert not plain.areas["grief"].present
    for sign in ("excessive_guilt", "suicidal_ideation_since_death", "grief_not_easing"):
        f = formulate(case(people=[friend | {"grief_signs": [sign]}]))
        assert f.areas["grief"].present, sign
        assert str(f.focus.primary) == "grief"
        assert [s.ref for s in f.areas["grief"].sources] == ["jo"]
    # an acquaintance on ring 4 is asked about, not taken as grief
    acquaintance = friend | {"ring": 4, "grief_signs": ["excessive_guilt"]}
    assert not formulate(case(people=[acquaintance])).areas["grief"].present


def test_grief_that_has_not_eased_keeps_an_earlier_death_active() -> None:
    """Ordinary grief eases over a few months (reference §3.1); grief that has not eased is a
    reaction that keeps an earlier death maintaining the episode (GR003) and reads as chronic."""
    earlier = {"id": "mum", "name": "Mum", "relationship": "parent", "ring": 1,
               "status": "deceased", "died": {"months_from_onset": -30}}  # fmt: skip
    assert not formulate(case(people=[earlier])).areas["grief"].present
    f = formulate(case(people=[earlier | {"grief_signs": ["grief_not_easing"]}]))
    assert f.areas["grief"].present and f.areas["grief"].linked_to_onset
    assert f.areas["grief"].subtype == "chronic"


def test_what_the_client_names_as_troubling_them_most_ranks_its_area_first() -> None:
    """F1, F8: among areas equally tied to the episode, the one that matters most to the
    patient comes first. The encoder names the person or event (`main_concern`), never the
    area; an explicit rating in `importance` still wins."""
    mum = {"id": "mum", "name": "Mum", "relationship": "parent", "ring": 1,
           "status": "alive", "conflict": "moderate",
           "expectations": [{"holder": "client", "met": False}]}  # fmt: skip
    move = {"id": "move", "type": "move", "subject": "client", "months_from_onset": -2,
            "role_effects": [{"role": "community_member", "change": "changed"}]}  # fmt: skip
    plain = formulate(case(people=[mum], events=[move]))
    assert plain.primary_focus == "role_transition"  # nearer the onset (F4)
    worried = formulate(case(people=[mum], events=[move], main_concern=["mum"]))
    assert worried.primary_focus == "role_dispute"
    assert any("names as troubling them most: Mum (F1, F8)" in r for r in worried.focus.reasons)
    assert formulate(case(people=[mum], events=[move], main_concern=["move"])).primary_focus == (
        "role_transition"
    )
    rated = case(people=[mum], events=[move], main_concern=["mum"],
                 importance={"role_transition": "very", "role_dispute": "somewhat"})  # fmt: skip
    assert formulate(rated).primary_focus == "role_transition"
