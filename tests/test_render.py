"""Renderers: escaping, required content and round-trips, on hand-built formulations.

The formulations are built directly (not through `formulate`) so these tests pin the renderers,
not the rules; one test at the end runs every bundled example through all four formats.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from iptformulate.formulation.model import (
    AreaId,
    AreaResult,
    EvidenceRef,
    FindingOut,
    FocusDecision,
    Formulation,
    Goal,
    MiddlePhasePlan,
    PatientStatement,
    Phase,
    Provenance,
    SessionPlan,
    StatementSlot,
    TechniqueOut,
    Warning_,
)
from iptformulate.render import html, installed, markdown, render, text
from iptformulate.render import json as json_render

LABELS: dict[AreaId, str] = {
    "grief": "Grief",
    "role_dispute": "Interpersonal role dispute",
    "role_transition": "Role transition",
    "interpersonal_deficits": "Interpersonal deficits",
}
DECISION = "Decision support, not a diagnosis: the clinician decides."


def finding(
    code: str, *, name: str = "Mary", ref: str = "p1", effect: str = "core", weight: float = 0.6
) -> FindingOut:
    """One rule firing on one person."""
    return FindingOut(
        code=code,
        title=f"Rule {code}",
        effect=effect,
        weight=weight,
        rationale=f"{name} matters here.",
        evidence=[EvidenceRef(role="who", kind="person", ref=ref, display=name)],
        source="G18-5 §3.1 [S]",
    )


def make_formulation(
    *,
    case_id: str = "demo_case",
    name: str = "Mary",
    primary: AreaId | None = "grief",
    secondary: AreaId | None = None,
    scores: Mapping[AreaId, float] | None = None,
    findings: Mapping[AreaId, Sequence[FindingOut]] | None = None,
    subtypes: Mapping[AreaId, str] | None = None,
    risk: bool = False,
    confidence: str = "high",
) -> Formulation:
    """A small but complete formulation; every case-derived string carries `name`."""
    scores = {"grief": 0.8, "role_dispute": 0.2, **(scores or {})}
    findings = findings if findings is not None else {"grief": [finding("GR001", name=name)]}
    subtypes = subtypes or {}
    areas = {
        area: AreaResult(
            area=area,
            label=label,
            score=scores.get(area, 0.0),
            present=scores.get(area, 0.0) >= 0.5,
            subtype=subtypes.get(area),
            subtype_kind="pattern" if area in subtypes else None,
            findings_for=list(findings.get(area, [])),
            findings_against=[finding("DF007", name=name, effect="against")]
            if area == "interpersonal_deficits"
            else [],
        )
        for area, label in LABELS.items()
    }
    warnings = [Warning_(kind="decision_support", text=DECISION)]
    if risk:
        warnings.append(Warning_(kind="risk", text="Suicidal ideation (passive) is recorded."))
    warnings.append(Warning_(kind="missing_data", text="1 events have no date."))
    technique = TechniqueOut(
        id="encouragement_of_affect",
        name="Encouragement of affect",
        description="Helping the patient voice feelings.",
        why=f"Feelings tied to {name} need voicing.",
        because_of=["GR001", "GR001"],
        between_session_tasks=["Write a letter"],
        source="G18-10 §5.2 [S]",
    )
    focus_area: AreaId = primary or "grief"
    return Formulation(
        case_id=case_id,
        areas=areas,
        focus=FocusDecision(
            primary=primary,
            secondary=secondary,
            reasons=[f"{LABELS[focus_area]} is present ({name})."],
            rejected=[],
            margin=0.6,
            confidence=confidence,
        ),
        middle_phase=[
            MiddlePhasePlan(
                area=focus_area,
                subtype=subtypes.get(focus_area),
                strategies=["Facilitate mourning"],
                techniques=[technique],
            )
        ]
        if primary
        else [],
        goals=[Goal(area=focus_area, text=f"Mourn {name}.", people=["p1"], because_of=["GR001"])],
        plan=SessionPlan(
            format="standard",
            total_sessions="12–16",
            cadence="weekly",
            phases=[Phase(name="Initial", sessions="1–3", tasks=["Inventory"])],
            termination=["Discuss the ending"],
            relapse_prevention=["Name warning signs"],
            source="G18-3 §2 [S]",
        ),
        statement=PatientStatement(
            slots=[
                StatementSlot(slot=1, name="permission", text="May I sum up?"),
                StatementSlot(slot=4, name="link", text=f"This started after {name} died."),
            ]
        ),
        warnings=warnings,
        provenance=Provenance(
            library_version="0.1.0",
            profile="classic",
            rule_pack="rules",
            rule_pack_hash="0123456789abcdef0123",
            engine="reference",
            facts_version=1,
        ),
    )


EVIL = "<script>alert(1)</script>"


# -- text ---------------------------------------------------------------------------------------


def test_text_mentions_focus_scores_and_decision_support() -> None:
    out = text.render(make_formulation(secondary="role_dispute"))
    assert "Primary focus:   Grief" in out
    assert "Secondary focus: Interpersonal role dispute" in out
    assert DECISION in " ".join(out.split())
    for label in LABELS.values():
        assert label in out
    assert "Encouragement of affect" in out
    assert "12–16 sessions" in out
    assert "\x1b[" not in out
    assert len(out.splitlines()) <= 40


def test_text_lists_risk_before_other_warnings() -> None:
    out = text.render(make_formulation(risk=True))
    assert out.index("RISK") < out.index("1 events have no date")


def test_text_default_decision_support_when_warning_missing() -> None:
    f = make_formulation()
    f = f.model_copy(update={"warnings": []})
    assert text.DECISION_SUPPORT.split(":")[0] in text.render(f)


def test_str_is_the_text_report_and_repr_one_line() -> None:
    f = make_formulation()
    assert str(f) == text.render(f)
    assert "\n" not in repr(f) and repr(f) != str(f)
    assert repr(f).startswith(f"<Formulation case={f.case_id!r} focus=grief (primary)")
    assert repr(f).endswith(f" confidence={f.focus.confidence} profile={f.provenance.profile}>")
    assert f._repr_html_() == html.render(f)
    overridden = f.with_override(focus="role_dispute", reason="patient_priority")
    assert "focus=role_dispute (override)" in repr(overridden)
    none = make_formulation(primary=None, confidence="low", scores={"grief": 0.1})
    assert "focus=none confidence=low" in repr(none)


def test_text_shows_override() -> None:
    f = make_formulation().with_override(focus="role_dispute", reason="patient_priority")
    out = text.render(f)
    assert "Primary focus:   Interpersonal role dispute" in out
    assert "clinician override" in out


def test_no_focus_renders_everywhere() -> None:
    f = make_formulation(primary=None, confidence="low", scores={"grief": 0.1})
    assert "Primary focus:   none" in text.render(f)
    for fmt in installed():
        assert render(f, fmt)


# -- markdown -----------------------------------------------------------------------------------


def test_markdown_escapes_special_characters_in_names() -> None:
    name = "Ann | *Bee* _c_ <d>"
    out = markdown.render(make_formulation(name=name, subtypes={"grief": "a|b"}))
    assert name not in out
    assert r"Ann \| \*Bee\* \_c\_ \<d\>" in out
    # A table row never gains cells from its text: every unescaped pipe is a cell border.
    rows = [line for line in out.splitlines() if line.startswith("| Grief ")]
    assert rows == [r"| Grief | 0.80 | yes | a\|b |"]
    assert rows[0].replace(r"\|", "").count("|") == 5


def test_markdown_escape_function() -> None:
    assert markdown.escape("a|b") == r"a\|b"
    assert markdown.escape("x\n  y") == "x y"
    assert markdown.escape(EVIL) == r"\<script\>alert(1)\</script\>"


def test_markdown_report_sections() -> None:
    f = make_formulation(subtypes={"grief": "avoidant_delayed"})
    out = markdown.render(f)
    assert out.startswith("# IPT formulation: demo\\_case\n")
    assert out.index(DECISION) < out.index("## Focus")
    for heading in (
        "## Focus",
        "## Scores",
        "## Problem areas",
        "## Middle phase",
        "## Goals",
        "## Session plan",
        "### Termination",
        "### Relapse prevention",
        "## Statement for the patient",
        "## Warnings",
        "## Provenance",
    ):
        assert heading in out
    assert "- `GR001` Mary matters here. — evidence: Mary (p1) — G18-5 §3.1 \\[S\\]" in out
    assert "avoidant delayed" in out
    assert "Proposed — not yet agreed with the patient" in out
    assert "`0123456789ab`" in out
    assert "(`GR001`)" in out  # because_of is de-duplicated
    assert f.to_markdown() == out


def test_markdown_agreed_statement() -> None:
    out = markdown.render(make_formulation().with_agreement())
    assert "**Agreed**" in out
    assert "not yet agreed" not in out


# -- html ---------------------------------------------------------------------------------------


def test_html_escapes_case_text_and_has_no_script() -> None:
    f = make_formulation(case_id=EVIL, name=EVIL)
    f = f.with_override(focus="role_dispute", reason="other", note=EVIL)
    out = html.render(f)
    assert "<script" not in out.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out


def test_html_is_self_contained() -> None:
    out = html.render(make_formulation(risk=True))
    lowered = out.lower()
    for forbidden in ("http://", "https://", "<link", "@import", "url(", "<img", "<iframe"):
        assert forbidden not in lowered
    assert out.startswith('<div class="iptf-card">')
    assert out.count("<details>") == len(LABELS)
    assert 'class="iptf-risk"' in out
    assert "width:80%" in out
    assert DECISION in out
    assert "high confidence" in out
    assert make_formulation()._repr_html_() == html.render(make_formulation())


def test_html_css_is_scoped() -> None:
    for line in html.CSS.split("}"):
        selector = line.split("{")[0].strip()
        if selector:
            assert all(s.strip().startswith(".iptf-card") for s in selector.split(","))


# -- json ---------------------------------------------------------------------------------------


def test_json_round_trips() -> None:
    f = make_formulation(name="Zoë | <x>", risk=True, subtypes={"grief": "chronic"})
    f = f.with_override(focus="role_dispute", reason="risk").with_agreement()
    out = json_render.render(f)
    assert Formulation.model_validate_json(out) == f
    assert "Zoë" in out  # ensure_ascii=False
    assert out == json.dumps(json.loads(out), indent=2, sort_keys=True, ensure_ascii=False)


def test_render_dispatch() -> None:
    f = make_formulation()
    assert render(f) == text.render(f)
    assert render(f, "json") == json_render.render(f)
    with pytest.raises(ValueError, match="unknown format"):
        render(f, "pdf")  # type: ignore[arg-type]


# -- bundled examples ---------------------------------------------------------------------------


def _formulate_examples() -> list[tuple[str, Any]]:
    from iptformulate import examples, formulate

    return [(name, formulate(examples.load(name))) for name in examples.names()]


def test_every_bundled_example_renders_in_all_formats() -> None:
    try:
        formulated = _formulate_examples()
    except ImportError as exc:  # pragma: no cover - formulate should always import
        pytest.skip(f"formulate unavailable: {exc}")
    assert formulated
    for name, f in formulated:
        for fmt in installed():
            out = render(f, fmt)
            assert out, (name, fmt)
        assert f.case_id in text.render(f)
        assert "<script" not in html.render(f).lower()
        assert Formulation.model_validate_json(json_render.render(f)) == f


def test_the_plan_is_named_by_its_title_not_its_key() -> None:
    from iptformulate import examples, formulate

    f = formulate(examples.load("adolescent_divorce"), profile="ipt-a")
    assert f.plan.format == "ipt_a" and f.plan.title.startswith("IPT for adolescents")
    for fmt in ("text", "markdown", "html"):
        out = render(f, fmt)
        assert "IPT for adolescents (IPT-A" in out and "ipt a" not in out, fmt
