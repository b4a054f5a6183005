"""Assembling a `Formulation` from a case, its facts, the findings and the area scores.

This stage reads the outputs of every earlier stage (it never calls back into them) and the
catalogues of `rules/`; it owns no clinical judgement of its own. This module only puts the
parts together; each part has its module: `context` (what the parts share, prepared once per
rule pack, and one case's context), `focus`, `middle_phase`, `goals`, `plan`, `statement`,
`warnings` and `unknowns`.

The output models are made with `trusted`: every value comes from validated data, and
validating the hundred nested objects of a formulation would cost more than the rest of the
stage.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import cast

from .._version import __version__
from ..engine.base import Finding
from ..facts import FACTS_VERSION, Fact
from ..model.case import Case
from ..rulepack.load import RulePack
from ..rulepack.spec import ProfileSpec
from ..scoring import SUBTYPE_KINDS, AreaScore, source_of
from .context import AREA_ORDER, AREAS, Bound, Context, join
from .focus import Candidate, choose_focus, focus_decision, overridden
from .goals import area_goals
from .middle_phase import middle_phase
from .model import (
    AreaId,
    AreaResult,
    ContextItem,
    Formulation,
    Override,
    Provenance,
    SourceOut,
    trusted,
)
from .plan import session_plan
from .rationale import words
from .statement import patient_statement
from .unknowns import potential, unknowns
from .warnings import DECISION_SUPPORT, case_warnings, override_warnings

__all__ = ["AREAS", "AREA_ORDER", "DECISION_SUPPORT", "build"]


def build(
    case: Case,
    facts: Sequence[Fact],
    findings: Sequence[Finding],
    scores: Mapping[str, AreaScore],
    pack: RulePack,
    profile: ProfileSpec,
    *,
    engine: str,
    fallback: bool,
    options: Mapping[str, str | int | float | bool],
    open_fields: Mapping[tuple[str, str], tuple[str, ...]] | None = None,
    rule_weights: Mapping[str, float] | None = None,
    override: Override | None = None,
) -> Formulation:
    ctx = Context(case, facts, pack, profile)
    policy = ctx.prepared.policy
    areas: dict[AreaId, AreaResult] = {}
    evidence: dict[str, list[Bound]] = {}  # per area, the facts behind its core and support
    candidates: list[Candidate] = []
    open_fields = open_fields or {}
    # the people and events the client names as troubling them most (F1, F8), when the policy
    # gives them an importance
    concern = (
        tuple(case.main_concern)
        if case.main_concern and policy.main_concern_importance is not None
        else ()
    )
    people = {p.id for p in case.people} if concern else set()
    open_codes = {code for found in open_fields.values() for code in found}
    for area in profile.areas:
        s = scores[area]
        positive = s.core + s.support
        bounds: list[Bound] = []
        asks: list[str] = []
        findings_for = ctx.findings_out(positive, bounds, asks)
        findings_against = ctx.findings_out(s.against, None, asks)
        subtype_findings = ctx.findings_out(s.subtype_votes, None, asks)
        # the goals, techniques' evidence and the statement's link speak of the principal
        # relationship or event (the dispute partner, not everyone a support rule fired on)
        principal = set(s.principal)
        evidence[area] = [
            b for f, b in zip(positive, bounds, strict=True) if source_of(f) in principal
        ] or bounds
        rank = ctx.link_rank(bounds)
        linked = rank > 0
        label = profile.labels.get(area)
        if label is None:
            label = words(area)
        areas[area] = trusted(
            AreaResult,
            {
                "area": area,
                "label": label,
                "score": s.score,
                "present": s.present,
                "excluded": s.excluded,
                "subtype": s.subtype,
                "subtype_kind": SUBTYPE_KINDS.get(area) if s.subtype else None,
                "findings_for": findings_for,
                "findings_against": findings_against,
                "subtype_findings": subtype_findings,
                "linked_to_onset": linked,
                "sources": _sources_out(ctx, s),
            },
        )
        rated = case.importance.get(AREAS[area])
        named = _named(bounds, concern) if concern and rated is None else []
        if rated is not None:
            importance = str(rated)
        elif named:
            importance = str(policy.main_concern_importance)
        else:
            importance = "unknown"
        candidates.append(
            Candidate(
                area,
                label,
                s.score,
                s.present,
                rank,
                importance,
                len(positive),
                tuple(dict.fromkeys(asks)),
                potential(s.score, area, open_fields, rule_weights or {}, ctx, open_codes),
                join([ctx.names.person(r) if r in people else ctx.names.event(r) for r in named]),
            )
        )
    choice = choose_focus(
        policy,
        candidates,
        fmt=str(case.format or "standard"),
        max_foci=profile.max_foci,
        close_margin=float(profile.params.get("close_call_margin", 0.1)),
        area_order=AREA_ORDER,
        secondary_when=profile.secondary_focus,
    )
    if override is not None:
        choice = overridden(choice, override, areas[override.focus])
    foci = cast(list[AreaId], [a for a in (choice.primary, choice.secondary) if a is not None])
    middle = [middle_phase(ctx, areas[a], scores[a], evidence[a]) for a in foci]
    goals = [g for a in foci for g in area_goals(ctx, a, scores[a], evidence[a])]
    plan = session_plan(ctx)
    primary = choice.primary
    statement = patient_statement(
        ctx,
        primary,
        evidence[primary] if primary else [],
        plan,
        areas[cast(AreaId, primary)].subtype if primary else None,
    )
    return trusted(
        Formulation,
        {
            "case_id": case.id,
            "areas": areas,
            "focus": focus_decision(choice),
            "middle_phase": middle,
            "goals": goals,
            "plan": plan,
            "statement": statement,
            "warnings": case_warnings(ctx, fallback, engine) + override_warnings(override, areas),
            "unknowns": unknowns(ctx, open_fields, rule_weights),
            "context": _context_items(case),
            "provenance": _provenance(pack, profile, engine, options),
            "override": override,
        },
        {*_FORMULATION_SET, "override"} if override is not None else set(_FORMULATION_SET),
    )


_FORMULATION_SET = tuple(name for name in Formulation.model_fields if name != "override")


_OPTION_TYPES = (str, int, float, bool)


def _provenance(
    pack: RulePack,
    profile: ProfileSpec,
    engine: str,
    options: Mapping[str, str | int | float | bool],
) -> Provenance:
    values = {
        "library_version": __version__,
        "profile": profile.name,
        "rule_pack": pack.root.rsplit("/", 1)[-1] if pack.root else "rules",
        "rule_pack_hash": pack.content_hash,
        "engine": engine,
        "facts_version": FACTS_VERSION,
        "options": dict(options),
    }
    if all(type(v) in _OPTION_TYPES for v in options.values()):
        return trusted(Provenance, values)
    return Provenance.model_validate(values)  # an option of another type is converted


def _context_items(case: Case) -> list[ContextItem]:
    """The report-only parts of the case, each as a label and its text."""
    items: list[tuple[str, str]] = []
    for severity in (case.severity, *case.other_severities):
        if severity is not None:
            items.append(("Severity", f"{words(severity.instrument).upper()} {severity.score}"))
    episode = case.episode
    if episode.course is not None:
        items.append(("Course", words(episode.course)))
    if episode.longstanding_trait_recent_flare:
        items.append(("Course", "a lifelong difficulty that flared up recently"))
    for label, values in (
        ("Comorbidity", case.comorbidity),
        ("Medical illness", case.medical_illness),
        ("Medication", case.medication),
    ):
        if values is not None:
            items.append((label, "; ".join(values) if values else "none"))
    rhythm = case.social_rhythm
    upset = [
        name
        for name, flag in (
            ("daily routine", rhythm.routine_disrupted),
            ("sleep", rhythm.sleep_disrupted),
        )
        if flag
    ]
    if upset:
        items.append(("Social rhythm", " and ".join(upset) + " disrupted"))
    if case.dilemma is not None:
        items.append(("Dilemma", " or ".join(words(r) for r in case.dilemma.between)))
    culture = case.culture
    if culture is not None and culture.matters:
        said = [t for t in (culture.religion, culture.language, culture.notes) if t]
        items.append(("Culture", "; ".join(said) if said else "the client says it matters"))
    return [trusted(ContextItem, {"label": label, "text": text}) for label, text in items]


def _sources_out(ctx: Context, score: AreaScore) -> list[SourceOut]:
    principal = set(score.principal)
    out = []
    for view in score.sources:
        kind, _, ref = view.source.partition(":")
        if kind == "person":
            display = ctx.names.person(ref)
        elif kind == "event":
            display = ctx.names.event(ref)
        else:
            kind, ref, display = "client", "", "the client"
        values = {
            "kind": kind,
            "ref": ref,
            "display": display,
            "strength": view.strength,
            "subtype": view.subtype,
            "principal": view.source in principal,
        }
        out.append(trusted(SourceOut, values))
    return out


def _named(bounds: Sequence[Bound], refs: Sequence[str]) -> list[str]:
    """Those of `refs` (people or events, in the case's order) that some fact behind the
    findings is about, as itself or through an involvement or a role effect."""
    about = {
        fact.get(key)
        for bound in bounds
        for fact in bound.values()
        for key in ("ref", "person_ref", "event_ref")
    }
    return [ref for ref in refs if ref in about]
