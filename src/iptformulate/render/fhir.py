"""FHIR R4 export of a formulation: a Bundle for an electronic record (extra `fhir`).

The Bundle (type `collection`) holds a Patient that carries only the case id, a
ClinicalImpression (one finding per present area, with its score and the rule codes that made
it), the Goals, a CarePlan whose activities are the techniques and the phases of the session
plan, and one RelatedPerson per person the formulation cites. Resources are built as plain data
and validated by the `fhir.resources` models (R4B, the R4 technical correction: these five
resources are the same in R4). Nothing free-text from the case goes out: no notes, no patient's
words, no event descriptions, no clinician's override note; names only with `names=True`.
docs/fhir.md describes the mapping.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .._version import __version__
from ..formulation.model import AreaResult, FindingOut, Formulation
from .text import area_label, focus_line, plan_summary, words

if TYPE_CHECKING:
    from fhir.resources.R4B.bundle import Bundle

    from ..model.case import Case

__all__ = [
    "AREA_SYSTEM",
    "RELATIONSHIP_SYSTEM",
    "RULE_SYSTEM",
    "SCORE_EXTENSION",
    "TECHNIQUE_SYSTEM",
    "V3_ROLE_CODE",
    "bundle_data",
    "document",
    "render",
    "to_fhir",
]

AREA_SYSTEM = "urn:iptformulate:problem-area"
RULE_SYSTEM = "urn:iptformulate:rule"
TECHNIQUE_SYSTEM = "urn:iptformulate:technique"
RELATIONSHIP_SYSTEM = "urn:iptformulate:relationship"
CASE_SYSTEM = "urn:iptformulate:case"
PERSON_SYSTEM = "urn:iptformulate:person"
SCORE_EXTENSION = "urn:iptformulate:extension:area-score"
RULE_EXTENSION = "urn:iptformulate:extension:rule"
PERSON_EXTENSION = "urn:iptformulate:extension:involves"
V3_ROLE_CODE = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"

# The inventory's relationship types that HL7's personal-relationship role codes name.
_V3_ROLES = {
    "partner": ("SIGOTHR", "significant other"),
    "ex_partner": ("SIGOTHR", "significant other"),
    "parent": ("PRN", "parent"),
    "step_parent": ("STPPRN", "step parent"),
    "child": ("CHILD", "child"),
    "sibling": ("SIB", "sibling"),
    "grandparent": ("GRPRN", "grandparent"),
    "other_relative": ("EXT", "extended family member"),
    "friend": ("FRND", "unrelated friend"),
    "neighbour": ("NBOR", "neighbor"),
}


def _uuid(case_id: str, kind: str, key: str) -> str:
    """A stable urn:uuid per resource: the same formulation always gives the same Bundle."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'urn:iptformulate:{case_id}:{kind}:{key}')}"


def _ref(full_url: str) -> dict[str, str]:
    return {"reference": full_url}


def _area_concept(f: Formulation, area: str) -> dict[str, Any]:
    label = area_label(f, area)
    return {"coding": [{"system": AREA_SYSTEM, "code": area, "display": label}], "text": label}


def _rule_extensions(findings: Iterable[FindingOut]) -> list[dict[str, Any]]:
    seen: dict[str, str] = {}
    for finding in findings:
        seen.setdefault(finding.code, finding.title)
    return [
        {
            "url": RULE_EXTENSION,
            "valueCoding": {"system": RULE_SYSTEM, "code": code, "display": title},
        }
        for code, title in sorted(seen.items())
    ]


def _rule_codes(codes: Iterable[str]) -> list[dict[str, Any]]:
    return [
        {"url": RULE_EXTENSION, "valueCoding": {"system": RULE_SYSTEM, "code": code}}
        for code in sorted(set(codes))
    ]


def _cited(f: Formulation) -> dict[str, str]:
    """Person id -> the display the formulation gives, for every person it cites."""
    people: dict[str, str] = {}
    for result in f.areas.values():
        for finding in (*result.findings_for, *result.findings_against, *result.subtype_findings):
            for ev in finding.evidence:
                if ev.kind == "person":
                    people.setdefault(ev.ref, ev.display)
    for goal in f.goals:
        for ref in goal.people:
            people.setdefault(ref, ref)
    return dict(sorted(people.items()))


def _without_names(text: str, cited: dict[str, str]) -> str:
    """Text with each cited person's name replaced by their id in the case."""
    for ref, display in sorted(cited.items(), key=lambda item: -len(item[1])):
        if display and display != ref:
            text = text.replace(display, f"[{ref}]")
    return text


def _finding(f: Formulation, result: AreaResult) -> dict[str, Any]:
    support = [*result.findings_for, *result.subtype_findings]
    codes = ", ".join(sorted({x.code for x in support})) or "none"
    basis = f"score {result.score:.2f}; rules {codes}"
    if result.subtype is not None:
        basis += f"; {words(result.subtype_kind) or 'sub-type'} {words(result.subtype)}"
    return {
        "extension": [
            {"url": SCORE_EXTENSION, "valueDecimal": round(result.score, 4)},
            *_rule_extensions(support),
        ],
        "itemCodeableConcept": _area_concept(f, result.area),
        "basis": basis,
    }


def _summary(f: Formulation) -> str:
    parts = [f"Primary focus: {focus_line(f, f.primary_focus)}."]
    if f.secondary_focus is not None:
        parts.append(f"Secondary focus: {focus_line(f, f.secondary_focus)}.")
    present = [r.label for r in f.areas.values() if r.present]
    parts.append(f"Areas present: {', '.join(present) if present else 'none'}.")
    parts.append(f"Confidence {f.focus.confidence} (margin {f.focus.margin:.2f}).")
    if f.override is not None:
        parts.append(
            f"The clinician set the focus ({words(f.override.reason)}); the rules proposed "
            f"{area_label(f, f.override.previous)}."
        )
    parts.append("Decision support, not a diagnosis.")
    return " ".join(parts)


def _related_person(
    case_id: str, patient: str, ref: str, display: str, case: Case | None, names: bool
) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "RelatedPerson",
        "id": _uuid(case_id, "person", ref).removeprefix("urn:uuid:"),
        "identifier": [{"system": f"{PERSON_SYSTEM}:{case_id}", "value": ref}],
        "patient": _ref(patient),
    }
    person = next((p for p in case.people if p.id == ref), None) if case is not None else None
    if person is not None:
        kind = str(person.relationship)
        coding = [{"system": RELATIONSHIP_SYSTEM, "code": kind, "display": words(kind)}]
        if kind in _V3_ROLES:
            code, label = _V3_ROLES[kind]
            coding.insert(0, {"system": V3_ROLE_CODE, "code": code, "display": label})
        resource["relationship"] = [{"coding": coding, "text": words(kind)}]
        resource["active"] = str(person.status) != "deceased"
    if names:
        resource["name"] = [{"text": display}]
    return resource


def bundle_data(f: Formulation, case: Case | None = None, *, names: bool = False) -> dict[str, Any]:
    """The Bundle as plain JSON-ready data (what `to_fhir` validates)."""
    cid = f.case_id
    if case is not None and case.id != cid:
        raise ValueError("the case given is not the case of this formulation (ids differ)")
    agreed = f.statement.status == "agreed"
    patient = _uuid(cid, "patient", cid)
    impression = _uuid(cid, "impression", cid)
    careplan = _uuid(cid, "careplan", cid)
    cited = _cited(f)
    people = {ref: _uuid(cid, "person", ref) for ref in cited}
    entries: list[tuple[str, dict[str, Any]]] = [
        (
            patient,
            {
                "resourceType": "Patient",
                "id": patient.removeprefix("urn:uuid:"),
                "identifier": [{"system": CASE_SYSTEM, "value": cid}],
            },
        )
    ]
    p = f.provenance
    entries.append(
        (
            impression,
            {
                "resourceType": "ClinicalImpression",
                "id": impression.removeprefix("urn:uuid:"),
                "identifier": [{"system": CASE_SYSTEM, "value": cid}],
                "status": "completed" if agreed else "in-progress",
                "code": {"text": "Interpersonal psychotherapy (IPT) case formulation"},
                "subject": _ref(patient),
                "description": (
                    f"Proposed by iptformulate {p.library_version} (profile {p.profile}, rule "
                    f"pack {p.rule_pack} {p.rule_pack_hash[:12]}, engine {p.engine}) from the "
                    "interpersonal inventory; "
                    + ("agreed with the patient." if agreed else "not yet agreed with the patient.")
                ),
                "summary": _summary(f),
                "finding": [_finding(f, r) for r in f.areas.values() if r.present],
                "supportingInfo": [_ref(url) for url in people.values()],
            },
        )
    )
    goal_urls: list[tuple[str, str]] = []
    for i, goal in enumerate(f.goals):
        url = _uuid(cid, "goal", str(i))
        goal_urls.append((goal.area, url))
        resource: dict[str, Any] = {
            "resourceType": "Goal",
            "id": url.removeprefix("urn:uuid:"),
            "extension": [
                *_rule_codes(goal.because_of),
                *(
                    {"url": PERSON_EXTENSION, "valueReference": _ref(people[ref])}
                    for ref in goal.people
                    if ref in people
                ),
            ],
            "lifecycleStatus": "accepted" if agreed else "proposed",
            "category": [_area_concept(f, goal.area)],
            "description": {"text": goal.text if names else _without_names(goal.text, cited)},
            "subject": _ref(patient),
        }
        if not resource["extension"]:
            del resource["extension"]
        entries.append((url, resource))
    activities: list[dict[str, Any]] = []
    for plan in f.middle_phase:
        for tech in plan.techniques:
            activities.append(
                {
                    "detail": {
                        "extension": _rule_codes(tech.because_of),
                        "code": {
                            "coding": [
                                {"system": TECHNIQUE_SYSTEM, "code": tech.id, "display": tech.name}
                            ],
                            "text": tech.name,
                        },
                        "reasonCode": [_area_concept(f, plan.area)],
                        "goal": [_ref(url) for area, url in goal_urls if area == plan.area],
                        "status": "not-started",
                        "description": tech.description,
                    }
                }
            )
    for phase in f.plan.phases:
        activities.append(
            {
                "detail": {
                    "code": {"text": f"{phase.name} phase"},
                    "status": "not-started",
                    "scheduledString": f"sessions {phase.sessions}",
                    "description": " ".join(phase.tasks),
                }
            }
        )
    focus = f.primary_focus
    entries.append(
        (
            careplan,
            {
                "resourceType": "CarePlan",
                "id": careplan.removeprefix("urn:uuid:"),
                "identifier": [{"system": CASE_SYSTEM, "value": cid}],
                "status": "active" if agreed else "draft",
                "intent": "plan" if agreed else "proposal",
                "title": f"IPT plan: {area_label(f, focus)}",
                "description": plan_summary(f),
                "subject": _ref(patient),
                "supportingInfo": [_ref(impression)],
                "goal": [_ref(url) for _, url in goal_urls],
                "activity": activities,
            },
        )
    )
    for ref, display in cited.items():
        entries.append((people[ref], _related_person(cid, patient, ref, display, case, names)))
    for _, resource in entries:
        for key in ("supportingInfo", "goal", "activity", "finding"):
            if key in resource and not resource[key]:
                del resource[key]
    return {
        "resourceType": "Bundle",
        "id": _uuid(cid, "bundle", cid).removeprefix("urn:uuid:"),
        "meta": {"tag": [{"system": "urn:iptformulate", "code": f"iptformulate-{__version__}"}]},
        "type": "collection",
        "entry": [{"fullUrl": url, "resource": resource} for url, resource in entries],
    }


def to_fhir(f: Formulation, case: Case | None = None, *, names: bool = False) -> Bundle:
    """The formulation as a validated FHIR R4 Bundle (needs the extra `fhir`).

    `case` adds each cited person's relationship and whether they are alive; `names=True`
    adds the names the formulation shows (leave it off for research and teaching exports).
    """
    from fhir.resources.R4B.bundle import Bundle

    return Bundle.model_validate(bundle_data(f, case, names=names))


def document(f: Formulation, case: Case | None = None) -> str:
    """The Bundle as indented JSON (what `--format fhir` writes; needs the extra `fhir`)."""
    text: str = to_fhir(f, case).model_dump_json(indent=2)
    return text


def render(f: Formulation) -> str:
    """The Bundle without the case's relationships, as indented JSON (extra `fhir`)."""
    return document(f)
