"""Assembling a `Formulation` from a case, its facts, the findings and the area scores.

This stage reads the outputs of every earlier stage (it never calls back into them) and the
catalogues of `rules/`; it owns no clinical judgement of its own.
"""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any, cast

from .._version import __version__
from ..engine.base import Finding
from ..facts import FACTS_VERSION, Fact
from ..model.case import Case
from ..model.vocab import ProblemArea
from ..rulepack.load import RulePack
from ..rulepack.spec import ProfileSpec, RuleSpec
from ..scoring import SUBTYPE_KINDS, AreaScore
from . import catalogue
from .focus import Candidate, choose_focus
from .model import (
    Alternative,
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
from .rationale import Names, months_text, render, words

AREA_ORDER = {a.value: i for i, a in enumerate(ProblemArea)}
DECISION_SUPPORT = (
    "Decision support, not a diagnosis: this formulation is a proposal drawn from the inventory "
    "as recorded. The clinician decides, and the patient's agreement is needed before the "
    "middle phase begins."
)


def _source(rule: RuleSpec) -> str:
    return f"{rule.source.key} {rule.source.section} [{rule.source.tag}]"


class _Context:
    def __init__(
        self,
        case: Case,
        facts: Sequence[Fact],
        pack: RulePack,
        profile: ProfileSpec,
    ) -> None:
        self.case = case
        self.facts = {str(f["id"]): f for f in facts}
        self.pack = pack
        self.profile = profile
        self.names = Names(case, profile.labels)
        self.rules = _rule_map(pack)
        self._bound: dict[Finding, dict[str, Fact]] = {}

    def bound(self, finding: Finding) -> dict[str, Fact]:
        cached = self._bound.get(finding)
        if cached is None:
            cached = {
                alias: self.facts.get(fid) or self._derived(fid) for alias, fid in finding.evidence
            }
            self._bound[finding] = cached
        return cached

    def _derived(self, fact_id: str) -> Fact:
        """A derived fact seen only inside the engine, rebuilt from its id (candidate:CODE:...)."""
        code = fact_id.split(":")[1] if fact_id.count(":") >= 1 else ""
        rule = self.rules.get(code)
        area = rule.derive.area if rule is not None and rule.derive is not None else ""
        return {"kind": "candidate", "id": fact_id, "area": area, "rule": code}

    def finding_out(self, finding: Finding) -> FindingOut:
        rule = self.rules[finding.code]
        bound = self.bound(finding)
        # model_construct: every value here comes from validated data, and this is the hot path
        evidence = [
            EvidenceRef.model_construct(
                role=alias,
                kind=fact["kind"],
                ref=self.names.ref(fact),
                display=self.names.display(fact),
            )
            for alias, fact in bound.items()
        ]
        return FindingOut.model_construct(
            code=finding.code,
            title=rule.title,
            effect=cast(Any, finding.effect),
            weight=finding.weight,
            rationale=render(rule.rationale, bound, self.names),
            evidence=evidence,
            source=_source(rule),
            subtype=rule.subtype.value if rule.subtype else None,
        )


@lru_cache(maxsize=16)
def _rule_map(pack: RulePack) -> dict[str, RuleSpec]:
    return {r.code: r for r in pack.rules}


def _linked(ctx: _Context, findings: Sequence[Finding], policy: catalogue.FocusPolicy) -> bool:
    for finding in findings:
        for fact in ctx.bound(finding).values():
            for field, values in policy.onset_link.items():
                if str(fact.get(field)) in values:
                    return True
    return False


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
) -> Formulation:
    ctx = _Context(case, facts, pack, profile)
    policy = catalogue.focus_policy(pack)
    areas: dict[AreaId, AreaResult] = {}
    candidates: list[Candidate] = []
    for area in profile.areas:
        s = scores[area]
        positive = [*s.core, *s.support]
        linked = _linked(ctx, positive, policy)
        areas[area] = AreaResult(
            area=area,
            label=profile.labels.get(area, words(area)),
            score=s.score,
            present=s.present,
            excluded=s.excluded,
            subtype=s.subtype,
            subtype_kind=SUBTYPE_KINDS.get(area) if s.subtype else None,
            findings_for=[ctx.finding_out(f) for f in positive],
            findings_against=[ctx.finding_out(f) for f in s.against],
            subtype_findings=[ctx.finding_out(f) for f in s.subtype_votes],
            linked_to_onset=linked,
        )
        asks = tuple(
            dict.fromkeys(ask for f in s.findings if (ask := ctx.rules[f.code].ask) is not None)
        )
        candidates.append(
            Candidate(
                area=area,
                label=areas[area].label,
                score=s.score,
                present=s.present,
                linked=linked,
                importance=str(case.importance.get(ProblemArea(area), "unknown")),
                findings=len(positive),
                asks=asks,
            )
        )
    choice = choose_focus(
        policy,
        candidates,
        fmt=str(case.format),
        max_foci=profile.max_foci,
        close_margin=float(profile.params.get("close_call_margin", 0.1)),
        area_order=AREA_ORDER,
    )
    focus = FocusDecision(
        primary=cast(Any, choice.primary),
        secondary=cast(Any, choice.secondary),
        reasons=choice.reasons,
        rejected=[Alternative(area=cast(Any, a), reason=r) for a, r in choice.rejected],
        margin=choice.margin,
        confidence=cast(Any, choice.confidence),
        close_call=choice.close_call,
        thin_evidence=choice.thin,
        ask_next=choice.ask_next,
    )
    foci = [a for a in (choice.primary, choice.secondary) if a is not None]
    middle = [_middle_phase(ctx, areas[cast(AreaId, a)], scores[a]) for a in foci]
    goals = [g for a in foci for g in _goals(ctx, cast(AreaId, a), scores[a])]
    plan = _plan(ctx)
    statement = _statement(ctx, areas, choice.primary, scores, plan)
    warnings = _warnings(ctx, fallback, engine, focus)
    provenance = Provenance(
        library_version=__version__,
        profile=profile.name,
        rule_pack=pack.root.rsplit("/", 1)[-1] if pack.root else "rules",
        rule_pack_hash=pack.content_hash,
        engine=engine,
        facts_version=FACTS_VERSION,
        options=dict(options),
    )
    return Formulation(
        case_id=case.id,
        areas=areas,
        focus=focus,
        middle_phase=middle,
        goals=goals,
        plan=plan,
        statement=statement,
        warnings=warnings,
        provenance=provenance,
    )


def _evidence_phrase(ctx: _Context, score: AreaScore) -> str:
    shown: list[str] = []
    for finding in score.core + score.support:
        for fact in ctx.bound(finding).values():
            if fact["kind"] in ("person", "event", "involvement"):
                name = ctx.names.display(fact)
                if name not in shown:
                    shown.append(name)
    return ", ".join(shown[:3]) if shown else "the inventory as a whole"


def _middle_phase(ctx: _Context, area: AreaResult, score: AreaScore) -> MiddlePhasePlan:
    cat = catalogue.techniques(ctx.pack)
    entry = cat.areas[cast(Any, area.area)]
    plan = entry.subtypes.get(area.subtype or "", entry.default)
    because = [f.code for f in score.core + score.subtype_votes]
    evidence = _evidence_phrase(ctx, score)
    techniques = []
    for tid in plan.techniques:
        tech = cat.techniques[tid]
        techniques.append(
            TechniqueOut(
                id=tid,
                name=tech.name,
                description=tech.description,
                why=cat.fit[tid].format(
                    area=area.label, subtype=words(area.subtype or "this"), evidence=evidence
                ),
                because_of=because,
                between_session_tasks=list(tech.tasks) if ctx.profile.between_session_tasks else [],
                source=f"{tech.source.key} {tech.source.section} [{tech.source.tag}]",
            )
        )
    return MiddlePhasePlan(
        area=area.area,
        subtype=area.subtype,
        strategies=list(plan.strategies),
        techniques=techniques,
    )


def _people_and_events(ctx: _Context, score: AreaScore) -> tuple[list[str], list[str]]:
    people: list[str] = []
    events: list[str] = []
    for finding in score.core + score.support:
        for fact in ctx.bound(finding).values():
            if fact["kind"] == "person":
                people.append(str(fact["ref"]))
            elif fact["kind"] == "involvement":
                people.append(str(fact["person_ref"]))
                events.append(str(fact["event_ref"]))
            elif fact["kind"] == "event":
                events.append(str(fact["ref"]))
    return list(dict.fromkeys(people)), list(dict.fromkeys(events))


def _fill(template: str, values: Mapping[str, str]) -> str:
    names = {name for _, name, _, _ in string.Formatter().parse(template) if name}
    return template.format(**{n: values.get(n, "") for n in names})


def _goals(ctx: _Context, area: AreaId, score: AreaScore) -> list[Goal]:
    entry = catalogue.techniques(ctx.pack).areas[cast(Any, area)]
    people, events = _people_and_events(ctx, score)
    roles: list[str] = []
    for event in sorted(ctx.case.events, key=lambda e: e.id):  # never the inventory's order
        if event.id in events and event.role_change is not None:
            old = event.role_change.old or "the old role"
            new = event.role_change.new or "the new role"
            if f"{old} → {new}" not in roles:
                roles.append(f"{old} → {new}")
    values = {
        "people": _join([ctx.names.person(p) for p in people]) or "the important people",
        "roles": "; ".join(roles) or "the roles that changed",
        "event": ctx.names.event(events[0]) if events else "what changed",
    }
    because = [f.code for f in score.core]
    return [
        Goal(area=area, text=_fill(t, values), people=people, because_of=because)
        for t in entry.goals
    ]


def _join(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _plan(ctx: _Context) -> SessionPlan:
    cat = catalogue.plans(ctx.pack)
    fmt = str(ctx.case.format)
    key = fmt
    if fmt == "standard":
        key = cat.by_diagnosis.get(str(ctx.case.diagnosis), "standard")
    data = cat.formats.get(key) or cat.formats["standard"]
    return SessionPlan(
        format=key,
        total_sessions=data.total_sessions,
        cadence=data.cadence,
        phases=[Phase(name=p.name, sessions=p.sessions, tasks=list(p.tasks)) for p in data.phases],
        termination=list(cat.termination),
        relapse_prevention=list(cat.relapse_prevention),
        source=f"{data.source.key} {data.source.section} [{data.source.tag}]",
    )


def _statement(
    ctx: _Context,
    areas: Mapping[AreaId, AreaResult],
    primary: str | None,
    scores: Mapping[str, AreaScore],
    plan: SessionPlan,
) -> PatientStatement:
    data = catalogue.statement(ctx.pack)
    case = ctx.case
    severity = ""
    if case.severity is not None:
        severity = _fill(
            data.severity,
            {
                "instrument": data.instrument_names.get(
                    str(case.severity.instrument), words(case.severity.instrument).upper()
                ),
                "score": str(case.severity.score),
            },
        )
    weeks = plan.total_sessions
    values = {
        "diagnosis": data.diagnosis_names.get(str(case.diagnosis), words(case.diagnosis)),
        "severity": severity,
        "weeks": weeks,
        "people": "",
        "event": "",
        "area_phrase": "",
    }
    order = ["permission", "diagnosis", "sick_role", "link", "area", "plan", "agreement"]
    if primary is None:
        texts = {k: _fill(data.slots[k], values) for k in order[:3]}  # type: ignore[index]
        texts["link"] = data.no_focus
        texts["area"] = ""
        texts["plan"] = ""
        texts["agreement"] = _fill(data.slots["agreement"], values)
    else:
        people, _ = _people_and_events(ctx, scores[primary])
        values["people"] = _join([ctx.names.person(p) for p in people])
        values["event"] = _link_phrase(ctx, scores[primary], data)
        values["area_phrase"] = data.area_phrases[cast(Any, primary)]
        texts = {k: _fill(data.slots[k], values) for k in order}  # type: ignore[index]
        if not values["event"]:
            texts["link"] = _fill(data.link_without_event, values)
    slots = [
        StatementSlot(slot=i + 1, name=k, text=" ".join(texts[k].split()))
        for i, k in enumerate(order)
        if texts[k].strip()
    ]
    return PatientStatement(slots=slots)


def _link_phrase(ctx: _Context, score: AreaScore, data: catalogue.StatementData) -> str:
    """Name the evidence that ties the focus to onset: a death, an event, or a relationship."""
    policy = catalogue.focus_policy(ctx.pack)
    facts = [fact for f in score.core + score.support for fact in ctx.bound(f).values()]
    linked = [
        fact for fact in facts if any(str(fact.get(k)) in v for k, v in policy.onset_link.items())
    ]
    for fact in linked + facts:
        kind = fact["kind"]
        if kind == "person" and fact.get("status") == "deceased":
            return _fill(
                data.link_phrases["death"],
                {"person": ctx.names.display(fact), "when": months_text(fact["death_offset"])},
            )
        if kind in ("event", "involvement"):
            ref = str(fact["ref"] if kind == "event" else fact["event_ref"])
            return _fill(
                data.link_phrases["event"],
                {"event": ctx.names.event(ref).rstrip(" .;:"), "when": months_text(fact["offset"])},
            )
    for fact in facts:
        if fact["kind"] == "person":
            return _fill(data.link_phrases["relationship"], {"person": ctx.names.display(fact)})
    return ""


def _warnings(ctx: _Context, fallback: bool, engine: str, focus: FocusDecision) -> list[Warning_]:
    case = ctx.case
    out = [Warning_(kind="decision_support", text=DECISION_SUPPORT)]
    risk = case.risk
    if risk.suicidal_ideation in ("passive", "active"):
        out.append(
            Warning_(
                kind="risk",
                text=f"Suicidal ideation ({risk.suicidal_ideation}) is recorded: assess and "
                "manage risk before and during IPT.",
            )
        )
    if risk.psychosis:
        out.append(Warning_(kind="risk", text="Psychotic symptoms are recorded: IPT alone may "
                            "not fit; review the treatment plan."))  # fmt: skip
    if risk.substance_misuse:
        out.append(Warning_(kind="risk", text="Substance misuse is recorded: assess it before "
                            "starting IPT."))  # fmt: skip
    if not case.people:
        out.append(Warning_(kind="missing_data", text="No people are recorded: the inventory "
                            "is empty, so no area can be judged."))  # fmt: skip
    unplaced = [p.id for p in case.people if p.ring is None]
    if unplaced:
        out.append(Warning_(kind="missing_data", text=f"{len(unplaced)} people have no "
                            "closeness ring; closeness rules cannot use them."))  # fmt: skip
    undated = [e.id for e in case.events if case.offset(e.id) is None]
    undated += [p.id for p in case.people if p.status == "deceased" and case.offset(p.id) is None]
    if undated:
        out.append(Warning_(kind="missing_data", text=f"{len(undated)} events or deaths have "
                            "no date: their link to onset cannot be judged ("
                            + ", ".join(sorted(undated)[:5]) + ")."))  # fmt: skip
    if case.network.longstanding_isolation is None and case.network.withdrew_since_onset is None:
        out.append(Warning_(kind="missing_data", text="Whether the client was isolated before "
                            "the episode is not recorded; it separates deficits from "
                            "depression-induced withdrawal (F9)."))  # fmt: skip
    if fallback:
        out.append(Warning_(kind="engine", text=f"durable-rules is unavailable; the {engine} "
                            "ran the same rules with identical results."))  # fmt: skip
    return out
