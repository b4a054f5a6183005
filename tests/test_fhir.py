"""FHIR R4 export: every bundled example gives a Bundle the FHIR models accept, with codes
from each element's value set, the case's ids, and none of the case's free text."""

from __future__ import annotations

import json
from typing import Any

import pytest

pytest.importorskip("fhir.resources")

from fhir.resources.R4B import get_fhir_model_class
from pydantic import BaseModel

import iptformulate
from iptformulate import examples
from iptformulate.cli import main
from iptformulate.render.fhir import AREA_SYSTEM, RULE_SYSTEM, SCORE_EXTENSION

KEY = b"a test key of sixteen bytes or more"


def _codes_in_value_sets(model: BaseModel, where: str = "") -> list[str]:
    """Every coded element whose value is outside the values the FHIR model lists for it."""
    problems: list[str] = []
    for name, field in type(model).model_fields.items():
        value = getattr(model, name)
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        allowed = extra.get("enum_values")
        if allowed and value is not None and value not in allowed:
            problems.append(f"{where}{name}={value!r} not in {allowed}")
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, BaseModel):
                problems += _codes_in_value_sets(item, f"{where}{name}.")
    return problems


def _bundle(name: str, **kw: Any) -> tuple[Any, iptformulate.Case, iptformulate.Formulation]:
    case = examples.load(name)
    f = iptformulate.formulate(case, profile="auto")
    return f.to_fhir(case, **kw), case, f


@pytest.mark.parametrize("name", examples.names())
def test_every_example_gives_a_valid_bundle(name: str) -> None:
    bundle, case, f = _bundle(name)
    data = json.loads(bundle.model_dump_json())
    kinds = [e["resource"]["resourceType"] for e in data["entry"]]
    assert kinds[:2] == ["Patient", "ClinicalImpression"] and "CarePlan" in kinds
    for entry in data["entry"]:
        resource = entry["resource"]
        model = get_fhir_model_class(resource["resourceType"]).model_validate(resource)
        assert _codes_in_value_sets(model) == []
        assert entry["fullUrl"] == f"urn:uuid:{resource['id']}"
    urls = {e["fullUrl"] for e in data["entry"]}
    text = json.dumps(data)
    for ref in {v for k, v in _walk(data) if k == "reference"}:
        assert ref in urls, ref  # every reference resolves inside the Bundle
    impression = data["entry"][1]["resource"]
    present = [a for a, r in f.areas.items() if r.present]
    assert [
        x["itemCodeableConcept"]["coding"][0]["code"] for x in impression.get("finding", [])
    ] == [str(a) for a in present]
    for finding, area in zip(impression.get("finding", []), present, strict=True):
        score = next(x["valueDecimal"] for x in finding["extension"] if x["url"] == SCORE_EXTENSION)
        assert score == pytest.approx(f.areas[area].score, abs=1e-4)
        rules = {x["valueCoding"]["code"] for x in finding["extension"] if "valueCoding" in x}
        assert rules == {x.code for x in f.areas[area].findings_for} | {
            x.code for x in f.areas[area].subtype_findings
        }
        assert finding["itemCodeableConcept"]["coding"][0]["system"] == AREA_SYSTEM
    assert RULE_SYSTEM in text or not present
    goals = [e["resource"] for e in data["entry"] if e["resource"]["resourceType"] == "Goal"]
    assert len(goals) == len(f.goals)
    # no free text of the case, and no names unless asked for
    for free in _free_text(case):
        assert free not in text, "free text of the case in the FHIR export"


def _walk(data: Any) -> Any:
    if isinstance(data, dict):
        for key, value in data.items():
            yield key, value
            yield from _walk(value)
    elif isinstance(data, list):
        for value in data:
            yield from _walk(value)


def _free_text(case: iptformulate.Case) -> list[str]:
    texts = [case.notes, case.patient_words, case.network.attachment_notes]
    for person in case.people:
        texts += [person.notes, person.desired_change, person.activities, person.name]
        texts += [*person.liked, *person.disliked, *(e.text for e in person.expectations)]
    texts += [e.description for e in case.events]
    return [t for t in texts if t and len(t) > 3]


def test_people_cited_are_related_persons_with_relationships_and_no_names() -> None:
    bundle, _, _ = _bundle("adolescent_divorce")
    people = [e.resource for e in bundle.entry if e.resource.get_resource_type() == "RelatedPerson"]
    by_id = {p.identifier[0].value: p for p in people}
    assert {"mum", "dad"} <= set(by_id)
    assert by_id["mum"].relationship[0].coding[0].code == "PRN"
    assert all(p.name is None for p in people)
    named, _, _ = _bundle("adolescent_divorce", names=True)
    text = named.model_dump_json()
    assert "Sarah (mother)" in text and "Sarah (mother)" not in bundle.model_dump_json()


def test_status_follows_the_patients_agreement() -> None:
    case = examples.load("grief_widower")
    f = iptformulate.formulate(case)
    draft = {e.resource.get_resource_type(): e.resource for e in f.to_fhir().entry}
    assert draft["ClinicalImpression"].status == "in-progress"
    assert (draft["CarePlan"].status, draft["CarePlan"].intent) == ("draft", "proposal")
    agreed = {
        e.resource.get_resource_type(): e.resource for e in f.with_agreement().to_fhir().entry
    }
    assert agreed["ClinicalImpression"].status == "completed"
    assert (agreed["CarePlan"].status, agreed["CarePlan"].intent) == ("active", "plan")


def test_override_note_never_goes_out_and_the_export_is_stable() -> None:
    f = iptformulate.formulate(examples.load("dispute_vs_transition"))
    secret = "said in confidence at the third session"
    g = f.with_override(focus="role_transition", reason="patient_priority", note=secret)
    text = g.to_fhir().model_dump_json()
    assert secret not in text and "patient priority" in text
    assert f.to_fhir().model_dump_json() == f.to_fhir().model_dump_json()


def test_a_redacted_case_exports_its_pseudonyms() -> None:
    case = iptformulate.redact(examples.load("grief_widower"), key=KEY)
    f = iptformulate.formulate(case)
    text = f.to_fhir(case).model_dump_json()
    original = examples.load("grief_widower")
    assert case.id in text and original.id not in text
    for person in original.people:
        assert f'"value":"{person.id}"' not in text


def test_the_case_must_be_the_formulations() -> None:
    f = iptformulate.formulate(examples.load("grief_widower"))
    with pytest.raises(ValueError, match="ids differ"):
        f.to_fhir(examples.load("adolescent_divorce"))


def test_cli_format_fhir(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["formulate", "--example", "transition_new_mother", "--format", "fhir"]) == 0
    data = json.loads(capsys.readouterr().out)
    bundle = get_fhir_model_class("Bundle").model_validate(data)
    assert bundle.type == "collection"
