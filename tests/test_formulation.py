"""The formulation: traceable claims, reviewed golden results, and its invariants."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import iptformulate
from iptformulate import Case, Formulation, examples, formulate
from iptformulate.engine.base import Finding
from iptformulate.render import installed, render
from iptformulate.rulepack import RulePack
from iptformulate.scoring import score_area

from .strategies import cases

PROFILES = ["classic", "stuart", "who-group", "ipsrt", "ipt-a"]
PROPERTY_SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def _known_refs(case: Case) -> set[str]:
    return {p.id for p in case.people} | {e.id for e in case.events}


@pytest.mark.parametrize("name", examples.names())
@pytest.mark.parametrize("profile", PROFILES)
def test_every_claim_traces_to_a_fired_rule_and_real_evidence(
    pack: RulePack, name: str, profile: str
) -> None:
    case = examples.load(name)
    f = formulate(case, profile=profile)
    codes = {r.code for r in pack.rules}
    refs = _known_refs(case)
    fired: set[str] = set()
    for area in f.areas.values():
        for finding in area.findings_for + area.findings_against + area.subtype_findings:
            assert finding.code in codes
            assert pack.rule(finding.code).area == area.area
            assert finding.rationale and "{" not in finding.rationale
            assert finding.evidence, finding.code
            for ev in finding.evidence:
                if ev.kind in ("person", "event", "involvement"):
                    assert ev.ref in refs, (finding.code, ev.ref)
                assert ev.display
            fired.add(finding.code)
    for plan in f.middle_phase:
        for technique in plan.techniques:
            assert set(technique.because_of) <= fired
    for goal in f.goals:
        assert set(goal.because_of) <= fired
        assert set(goal.people) <= refs
    # the rendered reports carry the same claims
    markdown = render(f, "markdown")
    for code in fired:
        assert f"`{code}`" in markdown or code in markdown


# Golden results on the bundled examples, each reviewed by hand (classic profile unless noted).
GOLDEN = {
    # The wife died two months before onset, with avoidance: grief first (F4, patient rates it
    # very important). Her stroke began a caregiving role that ended with her death, so a loss
    # of role is a plausible second area.
    "grief_widower": ("grief", "role_transition", {"grief": "avoidant_delayed"}),
    # Unmet expectations on both sides, high conflict, the couple stopped raising the issue:
    # a dispute at impasse, nothing else.
    "dispute_marriage_impasse": ("role_dispute", None, {"role_dispute": "impasse"}),
    # First baby a month before onset, work friendships lost: a new-role transition.
    "transition_new_mother": ("role_transition", None, {"role_transition": "new_role"}),
    # Lifelong isolation and no event: deficits is the only area (F3 allows it).
    "deficits_lifelong_isolation": (
        "interpersonal_deficits",
        None,
        {"interpersonal_deficits": "longstanding_isolation"},
    ),
    # A move for the partner's job, then escalating rows about it: both present, both linked to
    # onset and both rated very important, so the score decides; the dispute's evidence is a
    # little stronger, and the margin is small enough to flag a close call (checked below).
    "dispute_vs_transition": ("role_dispute", "role_transition", {}),
    # Divorce four months before onset and rows with her mother while still negotiating.
    "adolescent_divorce": ("role_dispute", "role_transition", {"role_dispute": "renegotiation"}),
    # Withdrawal that began with the episode and no event: F9 excludes deficits, nothing else is
    # present, so no focus yet and the questions to ask next.
    "withdrawn_no_event": (None, None, {}),
}


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_golden_focus_on_bundled_examples(name: str) -> None:
    primary, secondary, subtypes = GOLDEN[name]
    f = formulate(examples.load(name))
    assert f.primary_focus == primary
    assert f.secondary_focus == secondary
    for area, subtype in subtypes.items():
        assert f.areas[area].subtype == subtype  # type: ignore[index]
    if primary is None:
        assert f.focus.ask_next and f.focus.confidence == "low"
    if name == "dispute_vs_transition":
        assert f.focus.close_call and f.focus.confidence == "low" and f.focus.ask_next


def test_bipolar_example_gets_loss_of_healthy_self_in_ipsrt() -> None:
    f = formulate(examples.load("bipolar_healthy_self"), profile="ipsrt")
    assert f.areas["loss_of_healthy_self"].present
    classic = formulate(examples.load("bipolar_healthy_self"), profile="classic")
    assert "loss_of_healthy_self" not in classic.areas


def test_stuart_profile_has_three_areas_and_no_deficits() -> None:
    f = formulate(examples.load("deficits_lifelong_isolation"), profile="stuart")
    assert set(f.areas) == {"grief", "role_dispute", "role_transition"}
    assert f.primary_focus is None


def test_every_formulation_says_it_is_decision_support() -> None:
    for name in examples.names():
        f = formulate(examples.load(name))
        assert any(w.kind == "decision_support" for w in f.warnings)
        for fmt in installed():
            assert "not a diagnosis" in render(f, fmt)


def test_statement_is_proposed_until_agreed() -> None:
    f = formulate(examples.load("grief_widower"))
    assert f.statement.status == "proposed"
    assert [s.slot for s in f.statement.slots] == list(range(1, 8))
    assert "Margaret" in f.statement.text
    assert f.with_agreement().statement.status == "agreed"


def test_override_records_reason_and_keeps_the_engine_choice() -> None:
    f = formulate(examples.load("dispute_vs_transition"))
    g = f.with_override(focus="role_dispute", reason="patient_priority", note="asked for it")
    assert g.primary_focus == "role_dispute"
    assert g.focus.primary == f.focus.primary
    assert g.override is not None and g.override.previous == f.focus.primary
    assert any(w.kind == "override" for w in g.warnings)
    with pytest.raises(ValueError, match="not an area"):
        f.with_override(focus="loss_of_healthy_self", reason="other")


def test_risk_items_become_warnings() -> None:
    data = examples.load("grief_widower").model_dump(mode="json")
    data["risk"] = {"suicidal_ideation": "active", "psychosis": True, "substance_misuse": True}
    f = formulate(data)
    risks = [w.text for w in f.warnings if w.kind == "risk"]
    assert len(risks) == 3 and "active" in risks[0]


def test_plan_follows_format_and_diagnosis() -> None:
    base = examples.load("transition_new_mother").model_dump(mode="json")
    assert formulate(base).plan.format == "perinatal"  # a new mother: the perinatal plan
    assert formulate({**base, "population": "adult"}).plan.format == "standard"
    assert formulate({**base, "format": "brief"}).plan.format == "brief"
    assert formulate({**base, "diagnosis": "ptsd"}).plan.total_sessions == "14"
    assert formulate({**base, "format": "ipt_a"}).plan.total_sessions == "12"


def test_between_session_tasks_only_where_the_profile_uses_them() -> None:
    case = examples.load("dispute_marriage_impasse")
    classic = formulate(case, profile="classic")
    stuart = formulate(case, profile="stuart")
    assert all(not t.between_session_tasks for t in classic.techniques)
    assert any(t.between_session_tasks for t in stuart.techniques)


def test_parameter_overrides_change_the_window_and_are_recorded() -> None:
    case = examples.load("grief_widower")
    narrow = formulate(case, options={"params": {"onset_window_before_months": 1}})
    assert narrow.provenance.options["param.onset_window_before_months"] == 1
    assert narrow.areas["grief"].score < formulate(case).areas["grief"].score
    with pytest.raises(KeyError, match="unknown parameter"):
        formulate(case, options={"params": {"nonsense": 1}})


def test_an_unknown_profile_or_parameter_is_a_profile_error() -> None:
    case = examples.load("grief_widower")
    with pytest.raises(iptformulate.ProfileError) as info:
        formulate(case, profile="nonsense")
    assert isinstance(info.value, KeyError)  # as before ProfileError existed
    assert isinstance(info.value, iptformulate.IPTFormulateError)
    assert str(info.value).startswith("unknown profile 'nonsense'; choose one of classic, ")
    assert all(name in str(info.value) for name in ("ipsrt", "ipt-a", "stuart", "who-group"))
    with pytest.raises(iptformulate.ProfileError) as param:
        formulate(case, options={"params": {"nonsense": 1}})
    assert str(param.value).startswith("unknown parameter 'nonsense' for profile 'classic'")
    with pytest.raises(iptformulate.ProfileError, match="unknown profile"):
        iptformulate.Formulator(profile="nonsense")


# --- invariants ----------------------------------------------------------------------------


def _json(f: Formulation) -> str:
    return json.dumps(f.model_dump(mode="json"), sort_keys=True)


@PROPERTY_SETTINGS
@given(case=cases(), profile=st.sampled_from(PROFILES))
def test_same_case_same_bytes(case: Case, profile: str) -> None:
    assert _json(formulate(case, profile=profile)) == _json(formulate(case, profile=profile))


@PROPERTY_SETTINGS
@given(case=cases(), seed=st.randoms(use_true_random=False))
def test_order_of_people_and_events_does_not_matter(case: Case, seed: object) -> None:
    data = case.model_dump(mode="json")
    people, events = list(data["people"]), list(data["events"])
    seed.shuffle(people)  # type: ignore[attr-defined]
    seed.shuffle(events)  # type: ignore[attr-defined]
    shuffled = Case.model_validate({**data, "people": people, "events": events})
    assert _json(formulate(shuffled)) == _json(formulate(case))


@PROPERTY_SETTINGS
@given(case=cases(), profile=st.sampled_from(PROFILES))
def test_scores_in_range_and_focus_is_present(case: Case, profile: str) -> None:
    f = formulate(case, profile=profile)
    for area in f.areas.values():
        assert 0.0 <= area.score <= 1.0
        assert not (area.present and area.excluded)
    if f.focus.primary is not None:
        assert f.areas[f.focus.primary].present
    if f.focus.secondary is not None:
        assert f.areas[f.focus.secondary].present
        assert f.focus.secondary != f.focus.primary


@PROPERTY_SETTINGS
@given(case=cases())
def test_deficits_never_primary_when_another_area_is_present(case: Case) -> None:
    """F3 is a focus rule: deficits may be present beside another area (IPARS rates each area's
    presence on its own), but it is chosen only when nothing else is."""
    f = formulate(case, profile="classic")
    others = [a for a, r in f.areas.items() if r.present and a != "interpersonal_deficits"]
    if others:
        assert f.focus.primary != "interpersonal_deficits"


@PROPERTY_SETTINGS
@given(case=cases(), data=st.data())
def test_more_grief_evidence_never_lowers_grief(case: Case, data: st.DataObject) -> None:
    doc = case.model_dump(mode="json")
    deceased = [i for i, p in enumerate(doc["people"]) if p["status"] == "deceased"]
    if not deceased:
        return
    i = data.draw(st.sampled_from(deceased))
    signs = ["avoids_reminders", "excessive_guilt", "ambivalence", "lacks_support_in_grief"]
    sign = data.draw(st.sampled_from([*signs, "life_organised_around_loss"]))
    if sign in doc["people"][i]["grief_signs"]:
        return
    doc["people"][i]["grief_signs"] = [*doc["people"][i]["grief_signs"], sign]
    before = formulate(case).areas["grief"].score
    assert formulate(doc).areas["grief"].score >= before


@PROPERTY_SETTINGS
@given(case=cases(), data=st.data())
def test_more_dispute_evidence_never_lowers_the_dispute(case: Case, data: st.DataObject) -> None:
    doc = case.model_dump(mode="json")
    alive = [i for i, p in enumerate(doc["people"]) if p["status"] == "alive"]
    if not alive:
        return
    i = data.draw(st.sampled_from(alive))
    holder = data.draw(st.sampled_from(["client", "other"]))
    doc["people"][i]["expectations"] = [
        *doc["people"][i]["expectations"],
        {"holder": holder, "text": None, "met": False},
    ]
    before = formulate(case).areas["role_dispute"].score
    assert formulate(doc).areas["role_dispute"].score >= before


@given(
    base=st.lists(
        st.tuples(
            st.sampled_from(["core", "support", "against"]), st.floats(0, 1), st.integers(0, 20)
        ),
        max_size=8,
    ),
    extra=st.tuples(st.sampled_from(["core", "support"]), st.floats(0, 1), st.integers(21, 40)),
)
def test_a_supporting_finding_never_lowers_a_score(
    base: list[tuple[str, float, int]], extra: tuple[str, float, int]
) -> None:
    def finding(effect: str, weight: float, n: int) -> Finding:
        return Finding("grief", f"GR{n:03d}", (("x", f"person:{n}"),), effect, weight)

    findings = [finding(*b) for b in base]
    before = score_area("grief", findings, 0.5, {})
    after = score_area("grief", [*findings, finding(*extra)], 0.5, {})
    assert after.score >= before.score
    assert 0.0 <= after.score <= 1.0


def test_removing_all_evidence_for_an_area_makes_it_absent() -> None:
    doc = examples.load("grief_widower").model_dump(mode="json")
    doc["people"] = [p for p in doc["people"] if p["status"] != "deceased"]
    dead = {p.id for p in examples.load("grief_widower").people if p.status == "deceased"}
    doc["events"] = [e for e in doc["events"] if not set(e["people"]) & dead]
    f = formulate(doc)
    assert not f.areas["grief"].present
    assert f.areas["grief"].score == 0.0


def test_public_surface_is_small_and_documented() -> None:
    for name in iptformulate.__all__:
        obj = getattr(iptformulate, name)
        if callable(obj) and not name.startswith("_"):
            assert obj.__doc__, name
    assert re.match(r"^\d+\.\d+\.\d+", iptformulate.__version__)


def test_unknowns_list_the_weightiest_question_first() -> None:
    """When a partner's death is not dated, its timing could make grief present (GR001, GR002)
    and comes before a question about long-standing isolation (DF001 alone) or the rings of
    people a weaker rule reads, whatever the alphabetical order of the paths."""
    case = Case.model_validate(
        {
            "format_version": 2,
            "id": "w",
            "people": [
                {"id": "zed", "name": "Wife", "relationship": "partner", "status": "deceased"},
                {
                    "id": "amy",
                    "name": "Friend",
                    "relationship": "friend",
                    "change_at_onset": "lost_contact",
                },
            ],
        }
    )
    f = formulate(case)
    paths = [u.path for u in f.unknowns]
    assert paths[0] == "people[zed].died", paths
    assert paths.index("people[zed].died") < paths.index("network.longstanding_isolation")
    assert f.unknowns == formulate(case).unknowns  # deterministic


def test_with_no_area_present_the_reasons_name_the_area_with_most_evidence() -> None:
    """No focus is chosen, but the reasons say which area leads and what the unrecorded
    fields could make of it; a case with no evidence at all gets no such reason."""
    widower = Case.model_validate(
        {
            "format_version": 2,
            "id": "w",
            "people": [
                {
                    "id": "wife",
                    "name": "Wife",
                    "relationship": "partner",
                    "status": "deceased",
                    "grief_signs": ["lacks_support_in_grief"],
                },
            ],
        }
    )
    f = formulate(widower)
    assert f.primary_focus is None
    assert len(f.focus.reasons) == 1 and "most evidence so far" in f.focus.reasons[0]
    assert f.focus.reasons[0].startswith("No area is present yet. Grief")
    assert f.unknowns[0].path == "people[wife].died"
    # a rule's question and the policy's are not asked twice in other words
    doc = widower.model_dump(mode="json", exclude_none=True)
    doc["people"].append(
        {"id": "fr", "name": "Friend", "relationship": "friend", "change_at_onset": "lost_contact"}
    )
    drifted = formulate(Case.model_validate(doc))
    asked = drifted.focus.ask_next
    openings = [" ".join(a.replace("client", "patient").split()[:5]) for a in asked]
    assert len(openings) == len(set(openings)), asked
    empty = formulate(Case.model_validate({"format_version": 2, "id": "e"}))
    assert empty.primary_focus is None and empty.focus.reasons == []


def test_the_statement_names_an_undated_event_without_a_time() -> None:
    def link(event: dict[str, object]) -> str:
        case = {"format_version": 2, "id": "c", "events": [
            {"id": "job", "type": "new_job", "subject": "client", "ongoing": True,
             "description": "the new job", "role_change": {"old": "clerk", "new": "manager"},
             **event}]}  # fmt: skip
        f = formulate(case)
        assert f.primary_focus == "role_transition"
        return next(s.text for s in f.statement.slots if s.name == "link")

    # "this is when things started: the new job, at an unknown time" said nothing
    undated = link({})
    assert undated.endswith("got heavier: the new job.") and "unknown time" not in undated
    dated = link({"months_from_onset": -2})
    assert dated.endswith("the new job, 2 months before your low mood began.")
    in_words = link({"relation_to_onset": "before_onset", "interval": "short"})
    assert in_words.endswith("the new job, shortly before your low mood began.")
