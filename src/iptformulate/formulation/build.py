"""Assembling a `Formulation` from a case, its facts, the findings and the area scores.

This stage reads the outputs of every earlier stage (it never calls back into them) and the
catalogues of `rules/`; it owns no clinical judgement of its own.

What depends only on the rule pack (rule titles and sources, split rationale templates, the
wording that names no case content) is prepared once per pack. The output models are made with
`trusted`: every value comes from validated data, and validating the hundred nested objects of a
formulation would cost more than the rest of the stage.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any, Literal, NamedTuple, cast

from .._version import __version__
from ..engine.base import Finding
from ..facts import FACTS_VERSION, Fact, case_path
from ..model.case import Case, LifeEvent
from ..model.vocab import ProblemArea
from ..rulepack.load import RulePack
from ..rulepack.spec import ProfileSpec, Source
from ..scoring import SUBTYPE_KINDS, AreaScore, source_of
from . import catalogue
from .focus import Candidate, FocusChoice, choose_focus
from .model import (
    Alternative,
    AreaId,
    AreaResult,
    ContextItem,
    EvidenceRef,
    FindingOut,
    FocusDecision,
    Formulation,
    Goal,
    MiddlePhasePlan,
    Override,
    PatientStatement,
    Phase,
    Provenance,
    SessionPlan,
    SourceOut,
    StatementSlot,
    TechniqueOut,
    Unknown,
    Warning_,
    trusted,
)
from .rationale import (
    CaseNames,
    Template,
    compile_template,
    field_names,
    fill,
    fill_fields,
    format_fields,
    months_text,
    words,
)

AREA_ORDER = {a.value: i for i, a in enumerate(ProblemArea)}
AREAS = {a.value: a for a in ProblemArea}
DECISION_SUPPORT = (
    "Decision support, not a diagnosis: this formulation is a proposal drawn from the inventory "
    "as recorded. The clinician decides, and the patient's agreement is needed before the "
    "middle phase begins."
)
StatementKey = Literal["permission", "diagnosis", "sick_role", "link", "area", "plan", "agreement"]
STATEMENT_ORDER: tuple[StatementKey, ...] = (
    "permission", "diagnosis", "sick_role", "link", "area", "plan", "agreement"
)  # fmt: skip
PACK_VALUES = frozenset({"weeks", "area_phrase"})  # statement values that hold no case content
Bound = dict[str, Fact]  # a finding's evidence: alias -> fact
OnsetLink = tuple[tuple[str, dict[str, int]], ...]


def _source(source: Source) -> str:
    return f"{source.key} {source.section} [{source.tag}]"


# --- what depends only on the rule pack ------------------------------------------------------


class _Rule(NamedTuple):
    out: dict[str, Any]  # a `FindingOut`'s values: the rule's, and placeholders for the finding's
    rationale: Template
    text: str | None  # the rationale when it has no slots
    ask: str | None
    derived_area: str


class _Technique(NamedTuple):
    name: str
    description: str
    tasks: tuple[str, ...]
    source: str
    fit: str


class _Pack(NamedTuple):
    policy: catalogue.FocusPolicy
    catalogue: catalogue.TechniqueCatalogue
    plans: catalogue.PlanCatalogue
    statement: catalogue.StatementData
    rules: dict[str, _Rule]
    onset_link: OnsetLink
    techniques: dict[str, _Technique]
    goal_names: dict[AreaId, frozenset[str]]  # per area, the values its goal templates name
    statement_names: frozenset[str]  # the values the statement templates name


def _rule(rationale: str) -> tuple[Template, str | None]:
    template = compile_template(rationale)
    return template, None if template.slots else rationale[:1].upper() + rationale[1:]


@lru_cache(maxsize=16)
def _prepared(pack: RulePack) -> _Pack:
    rules = {
        r.code: _Rule(
            {
                "code": r.code,
                "title": r.title,
                "effect": r.effect,
                "weight": 0.0,
                "rationale": "",
                "evidence": [],
                "source": _source(r.source),
                "subtype": r.subtype.value if r.subtype else None,
            },
            *_rule(r.rationale),
            r.ask,
            r.derive.area if r.derive is not None else "",
        )
        for r in pack.rules
    }
    policy = catalogue.focus_policy(pack)
    cat = catalogue.techniques(pack)
    techniques = {
        tid: _Technique(t.name, t.description, tuple(t.tasks), _source(t.source), cat.fit[tid])
        for tid, t in cat.techniques.items()
    }
    onset = tuple((k, dict(v)) for k, v in policy.onset_link.items())
    goals = {
        area: _names_in(
            [*entry.goals, *(g for sub in entry.subtypes.values() for g in sub.goals or ())]
        )
        for area, entry in cat.areas.items()
    }
    data = catalogue.statement(pack)
    statement = _names_in([*data.slots.values(), data.link_without_event])
    return _Pack(
        policy, cat, catalogue.plans(pack), data, rules, onset, techniques, goals, statement
    )


def _names_in(templates: Iterable[str]) -> frozenset[str]:
    return frozenset(name for t in templates for name in field_names(t))


# --- one case --------------------------------------------------------------------------------


class _Context:
    def __init__(self, case: Case, facts: Sequence[Fact], pack: RulePack, profile: ProfileSpec):
        self.case = case
        self.facts = {str(f["id"]): f for f in facts}
        self.pack = pack
        self.profile = profile
        self.names = CaseNames(case, profile.labels)
        self.prepared = _prepared(pack)
        self.rules = self.prepared.rules
        self._evidence: dict[tuple[str, str], EvidenceRef] = {}  # by (alias, fact id)
        self._linked: dict[str, int] = {}
        self._people: dict[str, tuple[list[str], list[str]]] = {}

    def _derived(self, fact_id: str) -> Fact:
        """A derived fact seen only inside the engine, rebuilt from its id (candidate:CODE:...)."""
        code = fact_id.partition(":")[2].partition(":")[0]
        rule = self.rules.get(code)
        fact = {
            "kind": "candidate",
            "id": fact_id,
            "area": rule.derived_area if rule is not None else "",
            "rule": code,
        }
        self.facts[fact_id] = fact
        return fact

    def findings_out(
        self,
        findings: Sequence[Finding],
        bounds: list[Bound] | None = None,
        asks: list[str] | None = None,
    ) -> list[FindingOut]:
        """The findings rendered. The facts each one cites are appended to `bounds` and the
        rules' questions to `asks`, when given."""
        rules = self.rules
        facts = self.facts
        names = self.names
        refs = self._evidence
        out: list[FindingOut] = []
        for finding in findings:
            rule = rules[finding.code]
            if asks is not None and rule.ask is not None:
                asks.append(rule.ask)
            pairs = finding.evidence
            # the cited facts are needed to fill the rationale or when the caller keeps them;
            # a derived fact cited only as evidence is never rebuilt
            bound: Bound | None = {} if bounds is not None or rule.text is None else None
            evidence = []
            for pair in pairs:
                ref = refs.get(pair)
                if bound is not None:
                    fact = bound[pair[0]] = facts.get(pair[1]) or self._derived(pair[1])
                    if ref is None:
                        ref = self._evidence_ref(pair, fact)
                elif ref is None:
                    known = facts.get(pair[1])
                    ref = self._evidence_ref(pair, known) if known else self._derived_ref(pair)
                evidence.append(ref)
            if len(pairs) > 1:
                last = {pair[0]: pair for pair in pairs}
                if len(last) < len(pairs):  # an alias cited twice: its last fact, as in `bound`
                    evidence = [refs[pair] for pair in last.values()]
            if bounds is not None and bound is not None:
                bounds.append(bound)
            text = rule.text if rule.text is not None else fill(rule.rationale, bound or {}, names)
            values = rule.out.copy()
            values["effect"] = finding.effect
            values["weight"] = finding.weight
            values["rationale"] = text
            values["evidence"] = evidence
            out.append(trusted(FindingOut, values))
        return out

    def _evidence_ref(self, pair: tuple[str, str], fact: Fact) -> EvidenceRef:
        """One immutable `EvidenceRef` per alias and fact, shared by the findings that cite it."""
        case_ref, display = self.names.ref_and_display(fact)
        values = {"role": pair[0], "kind": fact["kind"], "ref": case_ref, "display": display}
        ref = self._evidence[pair] = trusted(EvidenceRef, values)
        return ref

    def _derived_ref(self, pair: tuple[str, str]) -> EvidenceRef:
        """`_evidence_ref` of a derived fact, without rebuilding the fact."""
        code = pair[1].partition(":")[2].partition(":")[0]
        rule = self.rules.get(code)
        display = self.names.candidate(rule.derived_area if rule is not None else "", code)
        values = {"role": pair[0], "kind": "candidate", "ref": pair[1], "display": display}
        ref = self._evidence[pair] = trusted(EvidenceRef, values)
        return ref

    def link_rank(self, bounds: Sequence[Bound]) -> int:
        """How closely the facts of `bounds` tie their area to onset or maintenance: the
        highest rank the policy's `onset_link` gives any of them (0: not tied)."""
        return max((self.linked(fact) for bound in bounds for fact in bound.values()), default=0)

    def linked(self, fact: Fact) -> int:
        """The rank with which the fact ties its area to onset or maintenance (F4); 0 if not."""
        fid = str(fact["id"])
        known = self._linked.get(fid)
        if known is None:
            known = 0
            for field, ranks in self.prepared.onset_link:
                known = max(known, ranks.get(str(fact.get(field)), 0))
            self._linked[fid] = known
        return known

    def people_and_events(self, area: str, bounds: Sequence[Bound]) -> tuple[list[str], list[str]]:
        """Person and event ids an area's evidence names, in order of first mention."""
        known = self._people.get(area)
        if known is None:
            known = self._people[area] = _people_and_events(bounds)
        return known


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
    ctx = _Context(case, facts, pack, profile)
    policy = ctx.prepared.policy
    areas: dict[AreaId, AreaResult] = {}
    evidence: dict[str, list[Bound]] = {}  # per area, the facts behind its core and support
    candidates: list[Candidate] = []
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
        importance = str(case.importance.get(AREAS[area], "unknown"))
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
                _potential(s.score, area, open_fields or {}, rule_weights or {}, ctx),
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
        choice = _overridden(choice, override, areas[override.focus])
    foci = cast(list[AreaId], [a for a in (choice.primary, choice.secondary) if a is not None])
    middle = [_middle_phase(ctx, areas[a], scores[a], evidence[a]) for a in foci]
    goals = [g for a in foci for g in _goals(ctx, a, scores[a], evidence[a])]
    plan = _plan(ctx)
    primary = choice.primary
    statement = _statement(
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
            "focus": _focus(choice),
            "middle_phase": middle,
            "goals": goals,
            "plan": plan,
            "statement": statement,
            "warnings": _warnings(ctx, fallback, engine) + _override_warnings(override, areas),
            "unknowns": _unknowns(ctx, open_fields or {}),
            "context": _context(case),
            "provenance": _provenance(pack, profile, engine, options),
            "override": override,
        },
        {*_FORMULATION_SET, "override"} if override is not None else set(_FORMULATION_SET),
    )


_FORMULATION_SET = tuple(name for name in Formulation.model_fields if name != "override")


def _overridden(choice: FocusChoice, override: Override, area: AreaResult) -> FocusChoice:
    """The rules' choice with the clinician's focus put first; everything after is derived
    from it (techniques, goals, statement)."""
    if choice.primary == override.focus:
        return choice
    rejected = [(a, why) for a, why in choice.rejected if a != override.focus]
    if choice.primary is not None:
        rejected.insert(
            0,
            (
                choice.primary,
                f"Proposed by the rules; the clinician chose {area.label} "
                f"({words(override.reason)}).",
            ),
        )
    reasons = [f"The clinician chose {area.label} as the focus ({words(override.reason)})."]
    return choice._replace(
        primary=override.focus, secondary=None, reasons=reasons, rejected=rejected
    )


def _profile_fit(case: Case, profile: ProfileSpec) -> list[Warning_]:
    """A warning when the case clearly falls outside whom the profile is for (its `fits`)."""
    fits = profile.fits
    if fits is None:
        return []
    misses = []
    population, diagnosis = case.population, case.diagnosis
    if fits.populations and population is not None and population not in fits.populations:
        misses.append(f"the population is {words(population)}")
    if fits.diagnoses and diagnosis is not None and diagnosis not in fits.diagnoses:
        misses.append(f"the diagnosis is {words(diagnosis)}")
    if fits.ages and case.age is not None and not fits.ages[0] <= case.age <= fits.ages[1]:
        misses.append(f"the client is {case.age}")
    if not misses:
        return []
    return [
        _warning(
            "missing_data",
            f"The {profile.name} profile may not fit this case: {'; '.join(misses)}. Check the "
            "profile (iptformulate picks one with --profile auto).",
        )
    ]


def _override_warnings(
    override: Override | None, areas: Mapping[AreaId, AreaResult]
) -> list[Warning_]:
    if override is None:
        return []
    area = areas[override.focus]
    text = f"The clinician set the focus to {area.label} ({words(override.reason)})."
    if not area.present:
        text += (
            " The inventory holds no evidence that makes it present, so its middle phase, goals "
            "and statement use the area's general content."
        )
    return [_warning("override", text)]


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


def _focus(choice: FocusChoice) -> FocusDecision:
    return trusted(
        FocusDecision,
        {
            "primary": choice.primary,
            "secondary": choice.secondary,
            "reasons": choice.reasons,
            "rejected": [
                trusted(Alternative, {"area": a, "reason": r}) for a, r in choice.rejected
            ],
            "margin": choice.margin,
            "confidence": choice.confidence,
            "close_call": choice.close_call,
            "thin_evidence": choice.thin,
            "ask_next": choice.ask_next,
        },
    )


def _evidence_phrase(ctx: _Context, bounds: Sequence[Bound]) -> str:
    shown: list[str] = []
    for bound in bounds:
        for fact in bound.values():
            if fact["kind"] in ("person", "event", "involvement"):
                name = ctx.names.display(fact)
                if name not in shown:
                    shown.append(name)
    return ", ".join(shown[:3]) if shown else "the inventory as a whole"


def _middle_phase(
    ctx: _Context, area: AreaResult, score: AreaScore, bounds: Sequence[Bound]
) -> MiddlePhasePlan:
    entry = ctx.prepared.catalogue.areas[area.area]
    plan = entry.subtypes.get(area.subtype or "", entry.default)
    because = [f.code for f in score.core + score.subtype_votes]
    values = {
        "area": area.label,
        "subtype": words(area.subtype or "this"),
        "evidence": _evidence_phrase(ctx, bounds),
    }
    with_tasks = ctx.profile.between_session_tasks
    techniques = ctx.prepared.techniques
    out = []
    for tid in plan.techniques:
        tech = techniques[tid]
        out.append(
            trusted(
                TechniqueOut,
                {
                    "id": tid,
                    "name": tech.name,
                    "description": tech.description,
                    "why": format_fields(tech.fit, values),
                    "because_of": list(because),
                    "between_session_tasks": list(tech.tasks) if with_tasks else [],
                    "source": tech.source,
                },
            )
        )
    return trusted(
        MiddlePhasePlan,
        {
            "area": area.area,
            "subtype": area.subtype,
            "strategies": list(plan.strategies),
            "techniques": out,
        },
    )


def _people_and_events(bounds: Sequence[Bound]) -> tuple[list[str], list[str]]:
    people: list[str] = []
    events: list[str] = []
    for bound in bounds:
        for fact in bound.values():
            kind = fact["kind"]
            if kind == "person":
                people.append(str(fact["ref"]))
            elif kind == "involvement":
                people.append(str(fact["person_ref"]))
                events.append(str(fact["event_ref"]))
            elif kind == "event":
                events.append(str(fact["ref"]))
    return list(dict.fromkeys(people)), list(dict.fromkeys(events))


def _sources_out(ctx: _Context, score: AreaScore) -> list[SourceOut]:
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


def _goals(ctx: _Context, area: AreaId, score: AreaScore, bounds: Sequence[Bound]) -> list[Goal]:
    entry = ctx.prepared.catalogue.areas[area]
    stage = entry.subtypes.get(score.subtype or "")
    templates = stage.goals if stage is not None and stage.goals else entry.goals
    used = ctx.prepared.goal_names[area]
    people, events = ctx.people_and_events(area, bounds)
    values: dict[str, str] = {}
    if "people" in used:
        values["people"] = _join([ctx.names.person(p) for p in people]) or "the important people"
    if "roles" in used:
        values["roles"] = "; ".join(_roles(ctx.case.events, events)) or "the roles that changed"
    if "event" in used:
        values["event"] = ctx.names.event(events[0]) if events else "what changed"
    because = [f.code for f in score.core]
    return [
        trusted(
            Goal,
            {
                "area": area,
                "text": fill_fields(t, values),
                "people": list(people),
                "because_of": list(because),
            },
        )
        for t in templates
    ]


def _roles(case_events: Sequence[LifeEvent], events: Sequence[str]) -> list[str]:
    """The role changes of the cited events, `old → new`, in event id order."""
    cited = set(events)
    roles: list[str] = []
    for event in sorted((e for e in case_events if e.id in cited), key=lambda e: e.id):
        if event.role_change is not None:
            old = event.role_change.old or "the old role"
            new = event.role_change.new or "the new role"
            if f"{old} → {new}" not in roles:
                roles.append(f"{old} → {new}")
    return roles


def _join(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _plan_choice(ctx: _Context) -> tuple[str, str | None]:
    """The plan key for the case, and why it differs from the recorded format (or None).

    The standard format (or none recorded) takes the diagnosis's plan, else the population's;
    a format given only after remission (maintenance) with a current episode shows the acute
    plan first; a format with no plan of its own shows the standard one."""
    cat = ctx.prepared.plans
    case = ctx.case
    fmt = str(case.format or "standard")  # not recorded: the standard acute plan, warned
    acute = cat.by_diagnosis.get(str(case.diagnosis)) or cat.by_population.get(
        str(case.population), "standard"
    )
    if fmt == "standard":
        return acute, None
    data = cat.formats.get(fmt)
    if data is None:
        return "standard", (
            f"The {words(fmt)} format has no session plan of its own: the standard acute plan "
            "is shown; adjust it to the format."
        )
    episode = case.episode
    if data.after_remission and (episode.chronicity is not None or episode.course is not None):
        return acute, (
            f"The {words(fmt)} format is recorded, but it follows remission and this episode "
            f"is current, so the acute plan is shown first: {cat.formats[acute].title}."
        )
    if data.after_remission:
        return fmt, (
            f"The {words(fmt)} format follows remission: confirm that the episode has remitted "
            "before this plan starts."
        )
    return fmt, None


def _plan(ctx: _Context) -> SessionPlan:
    cat = ctx.prepared.plans
    key, _ = _plan_choice(ctx)
    data = cat.formats[key]
    phases = [
        trusted(Phase, {"name": p.name, "sessions": p.sessions, "tasks": list(p.tasks)})
        for p in data.phases
    ]
    return trusted(
        SessionPlan,
        {
            "format": key,
            "total_sessions": data.total_sessions,
            "cadence": data.cadence,
            "phases": phases,
            "termination": list(cat.termination),
            "relapse_prevention": list(cat.relapse_prevention),
            "source": _source(data.source),
        },
    )


def _statement(
    ctx: _Context,
    primary: str | None,
    bounds: Sequence[Bound],
    plan: SessionPlan,
    subtype: str | None = None,
) -> PatientStatement:
    data = ctx.prepared.statement
    case = ctx.case
    severity = ""
    if case.severity is not None:
        severity = fill_fields(
            data.severity,
            {
                "instrument": data.instrument_names.get(
                    str(case.severity.instrument), words(case.severity.instrument).upper()
                ),
                "score": str(case.severity.score),
            },
        )
    values = {
        "diagnosis": (
            data.diagnosis_names.get(str(case.diagnosis), words(case.diagnosis))
            if case.diagnosis is not None
            else "(the diagnosis, once it is recorded)"
        ),
        "severity": severity,
        # a contract names one number (the first of a range such as "12–16")
        "weeks": re.split(r"[–-]", plan.total_sessions, maxsplit=1)[0].strip(),
        "people": "",
        "event": "",
        "area_phrase": "",
    }
    # each slot is a template to fill, or (for a slot left out or worded whole) a plain text
    templates: dict[str, str] = {key: text for key, text in data.slots.items()}
    texts: dict[str, str] = {}
    if primary is None:
        del templates["link"], templates["area"], templates["plan"]
        texts = {"link": data.no_focus, "area": "", "plan": ""}
    else:
        if "people" in ctx.prepared.statement_names:
            people, _ = ctx.people_and_events(primary, bounds)
            values["people"] = _join([ctx.names.person(p) for p in people])
        values["event"] = _link_phrase(ctx, bounds, data)
        phrases = data.subtype_phrases.get(cast(AreaId, primary), {})
        values["area_phrase"] = phrases.get(subtype or "", data.area_phrases[cast(AreaId, primary)])
        if not values["event"]:
            templates["link"] = data.link_without_event
    slots = []
    for i, key in enumerate(STATEMENT_ORDER):
        template = templates.get(key)
        if template is None:
            slot = _slot(i + 1, key, texts[key])
        elif PACK_VALUES.issuperset(field_names(template)):
            slot = _pack_slot(i + 1, key, template, values["weeks"], values["area_phrase"])
        else:
            slot = _slot(i + 1, key, fill_fields(template, values))
        if slot is not None:
            slots.append(slot)
    return trusted(PatientStatement, {"status": "proposed", "slots": slots}, {"slots"})


def _slot(number: int, key: str, text: str) -> StatementSlot | None:
    text = " ".join(text.split())
    return trusted(StatementSlot, {"slot": number, "name": key, "text": text}) if text else None


@lru_cache(maxsize=512)
def _pack_slot(
    number: int, key: str, template: str, weeks: str, area_phrase: str
) -> StatementSlot | None:
    """A slot worded from the pack alone, shared between formulations (it is immutable)."""
    return _slot(number, key, fill_fields(template, {"weeks": weeks, "area_phrase": area_phrase}))


def _spoken_when(offset: Any) -> str:
    """`months_text` as said to the patient: about their low mood, not "the onset"."""
    return months_text(offset).replace("the onset", "your low mood began").replace(
        "around your low mood began", "around the time your low mood began"
    )


def _spoken(name: str) -> str:
    """A name as said to the patient: the clinician's label in brackets left out."""
    return name.split(" (", 1)[0].strip() or name


def _link_phrase(ctx: _Context, bounds: Sequence[Bound], data: catalogue.StatementData) -> str:
    """Name the evidence that ties the focus to onset: a death, an event, or a relationship.
    The death or event most closely linked to onset comes first (F4), then any other."""
    facts = [fact for bound in bounds for fact in bound.values()]
    dated = [fact for fact in facts if _is_death_or_event(fact)]
    for fact in sorted(dated, key=lambda f: -ctx.linked(f)):
        if fact["kind"] == "person":
            return fill_fields(
                data.link_phrases["death"],
                {
                    "person": _spoken(ctx.names.display(fact)),
                    "when": _spoken_when(fact["death_offset"]),
                },
            )
        ref = str(fact["ref"] if fact["kind"] == "event" else fact["event_ref"])
        return fill_fields(
            data.link_phrases["event"],
            {"event": ctx.names.event(ref), "when": _spoken_when(fact["offset"])},
        )
    for fact in facts:
        if fact["kind"] == "person":
            return fill_fields(
                data.link_phrases["relationship"], {"person": _spoken(ctx.names.display(fact))}
            )
    return ""


def _context(case: Case) -> list[ContextItem]:
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


def _potential(
    score: float,
    area: str,
    open_fields: Mapping[tuple[str, str], tuple[str, ...]],
    rule_weights: Mapping[str, float],
    ctx: _Context,
) -> float:
    """The area's score if every rule that an unknown could make fire did fire (each rule
    once, as a source of its own: an upper bound). `rule_weights` are the profile's."""
    mine = {r.code for r in ctx.pack.rules if r.area == area and r.effect != "against"}
    weights = {code: w for code, w in rule_weights.items() if code in mine}
    codes = {code for found in open_fields.values() for code in found if code in weights}
    kept = 1.0 - score
    for code in sorted(codes):  # one product whatever the order
        kept *= 1.0 - weights[code]
    return round(1.0 - kept, 4)


def _unknowns(
    ctx: _Context, open_fields: Mapping[tuple[str, str], tuple[str, ...]]
) -> list[Unknown]:
    """The open fields, by the case path they come from, with the rules and areas they bear on."""
    area_of = {r.code: r.area for r in ctx.pack.rules}
    by_path: dict[str, set[str]] = {}
    for (fact_id, field), codes in open_fields.items():
        fact = ctx.facts.get(fact_id)
        if fact is not None:
            by_path.setdefault(case_path(fact, field), set()).update(codes)
    out = []
    for path, found in sorted(by_path.items()):
        areas = sorted({area_of[c] for c in found if c in area_of}, key=AREA_ORDER.__getitem__)
        out.append(trusted(Unknown, {"path": path, "rules": sorted(found), "areas": areas}))
    return out


def _is_death_or_event(fact: Fact) -> bool:
    kind = fact["kind"]
    return kind in ("event", "involvement") or (
        kind == "person" and fact.get("status") == "deceased"
    )


def _warning(kind: str, text: str) -> Warning_:
    return trusted(Warning_, {"kind": kind, "text": text})


# warnings that name nothing from the case are made once and shared (they are immutable)
_DECISION = _warning("decision_support", DECISION_SUPPORT)
_PSYCHOSIS = _warning("risk", "Psychotic symptoms are recorded: IPT alone may not fit; review "
                      "the treatment plan.")  # fmt: skip
_SUBSTANCE = _warning("risk", "Substance misuse is recorded: assess it before starting IPT.")
_NO_RISK_SCREEN = _warning("risk", "No risk screen is recorded (suicidal ideation, past "
                           "self-harm, plan, means): screen before IPT starts.")  # fmt: skip
_NO_PEOPLE = _warning("missing_data", "No people are recorded: the inventory is empty, so no "
                      "area can be judged.")  # fmt: skip
_NO_ISOLATION = _warning("missing_data", "Whether the client was isolated before the episode "
                         "is not recorded; it separates deficits from depression-induced "
                         "withdrawal (F9).")  # fmt: skip


def _warnings(ctx: _Context, fallback: bool, engine: str) -> list[Warning_]:
    case = ctx.case
    out = [_DECISION]
    risk = case.risk
    if risk.suicidal_ideation in ("passive", "active"):
        out.append(
            _warning(
                "risk",
                f"Suicidal ideation ({risk.suicidal_ideation}) is recorded: assess and "
                "manage risk before and during IPT.",
            )
        )
    if not risk.screened():
        out.append(_NO_RISK_SCREEN)
    for flag, text in (
        (risk.past_self_harm, "Past self-harm is recorded"),
        (risk.plan, "A current suicide plan is recorded"),
        (risk.access_to_means, "Access to means is recorded"),
        (risk.nondisclosure_concern, "The clinician suspects risk is not being disclosed"),
    ):
        if flag:
            out.append(_warning("risk", f"{text}: assess and manage risk before and during IPT."))
    if risk.psychosis:
        out.append(_PSYCHOSIS)
    if risk.substance_misuse:
        out.append(_SUBSTANCE)
    if case.assumed:
        out.append(
            _warning(
                "missing_data",
                "This case is in format 1, read with these assumptions: "
                + "; ".join(case.assumed)
                + ". Check them (`iptformulate upgrade` writes them into the file).",
            )
        )
    plan_key, plan_note = _plan_choice(ctx)
    if case.format is None:
        title = ctx.prepared.plans.formats[plan_key].title
        out.append(_warning("missing_data", f"The treatment format is not recorded: the plan "
                            f"shown is the acute one, {title}."))  # fmt: skip
    if plan_note is not None:
        out.append(_warning("missing_data", plan_note))
    out += _profile_fit(case, ctx.profile)
    if not case.people:
        out.append(_NO_PEOPLE)
    unplaced = [p.id for p in case.people if p.ring is None]
    if unplaced:
        out.append(_warning("missing_data", f"{len(unplaced)} people have no "
                            "closeness ring; closeness rules cannot use them."))  # fmt: skip
    offsets = case.offsets()
    undated = [e.id for e in case.events if offsets.get(e.id) is None]
    undated += [p.id for p in case.people if p.status == "deceased" and offsets.get(p.id) is None]
    if undated:
        out.append(_warning("missing_data", f"{len(undated)} events or deaths have "
                            "no date: their link to onset cannot be judged ("
                            + ", ".join(sorted(undated)[:5]) + ")."))  # fmt: skip
    if case.network.longstanding_isolation is None and case.network.withdrew_since_onset is None:
        out.append(_NO_ISOLATION)
    if fallback:
        out.append(_warning("engine", f"durable-rules is unavailable; the {engine} "
                            "ran the same rules with identical results."))  # fmt: skip
    return out
