"""`compare`: the what-if of teaching, on hand-built formulations."""

from __future__ import annotations

import pytest

from iptformulate.comparison import Comparison, compare

from .test_render import finding, make_formulation


def test_identical_formulations_have_no_changes() -> None:
    f = make_formulation()
    c = compare(f, f)
    assert isinstance(c, Comparison)
    assert not c.has_changes
    assert not c.appeared and not c.disappeared
    assert c.summary() == "demo_case: no differences."


def test_flipped_rule_and_focus_change_are_detected() -> None:
    before = make_formulation(
        primary="grief",
        findings={"grief": [finding("GR001")], "role_dispute": []},
        scores={"grief": 0.8, "role_dispute": 0.2},
    )
    after = make_formulation(
        primary="role_dispute",
        findings={"grief": [], "role_dispute": [finding("DS001", name="Tom", ref="p2")]},
        scores={"grief": 0.2, "role_dispute": 0.7},
        subtypes={"role_dispute": "impasse"},
    )
    c = compare(before, after)
    assert [(r.code, r.area, r.section, r.evidence) for r in c.disappeared] == [
        ("GR001", "grief", "for", ("who=p1",))
    ]
    assert [(r.code, r.area, r.evidence) for r in c.appeared] == [
        ("DS001", "role_dispute", ("who=p2",))
    ]
    assert c.focus_changed
    assert (c.primary_before, c.primary_after) == ("grief", "role_dispute")

    areas = {a.area: a for a in c.changed_areas}
    assert set(areas) == {"grief", "role_dispute"}
    grief = areas["grief"]
    assert grief.delta == pytest.approx(-0.6)
    assert grief.presence_flipped and grief.present_after is False
    dispute = areas["role_dispute"]
    assert dispute.subtype_changed and dispute.subtype_after == "impasse"

    summary = c.summary().splitlines()
    assert summary[0] == "demo_case: 6 change(s)"
    assert "primary focus: Grief -> Interpersonal role dispute" in summary
    assert "Grief: score 0.80 -> 0.20 (-0.60), no longer present" in summary
    assert "Interpersonal role dispute: sub-type none -> impasse" in summary
    assert "- GR001 grief/for: who=p1 (Mary) - Rule GR001" in summary
    assert "+ DS001 role_dispute/for: who=p2 (Tom) - Rule DS001" in summary


def test_same_rule_on_other_evidence_counts_as_a_change() -> None:
    before = make_formulation(findings={"grief": [finding("GR001", ref="p1")]})
    after = make_formulation(findings={"grief": [finding("GR001", ref="p3", name="Ann")]})
    c = compare(before, after)
    assert [r.evidence for r in c.disappeared] == [("who=p1",)]
    assert [r.evidence for r in c.appeared] == [("who=p3",)]
    assert not c.focus_changed
    assert not c.changed_areas


def test_override_counts_as_focus_change() -> None:
    f = make_formulation()
    c = compare(f, f.with_override(focus="role_transition", reason="clinical_judgement"))
    assert c.focus_changed and c.primary_after == "role_transition"


def test_different_cases_raise() -> None:
    with pytest.raises(ValueError, match="different cases"):
        compare(make_formulation(case_id="a"), make_formulation(case_id="b"))


def test_repr_html_escapes() -> None:
    evil = "<script>alert(1)</script>"
    before = make_formulation(case_id=evil)
    after = make_formulation(case_id=evil, findings={"grief": [finding("GR002", name=evil)]})
    out = compare(before, after)._repr_html_()
    assert "<script" not in out
    assert "&lt;script&gt;" in out
    assert "<table" in out
    assert "no differences" in compare(before, before)._repr_html_()
