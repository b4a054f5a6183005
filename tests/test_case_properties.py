"""Property tests of the case model over generated valid cases (tests/strategies.py)."""

from __future__ import annotations

import unicodedata
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iptformulate import Case, parse_case

from .strategies import case_dicts, cases, texts

SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(cases())
def test_json_round_trip(case: Case) -> None:
    again = Case.model_validate_json(case.model_dump_json())
    assert again == case
    assert all(again.offset(e.id) == case.offset(e.id) for e in case.events)


@SETTINGS
@given(cases())
def test_yaml_round_trip(case: Case) -> None:
    text = yaml.safe_dump(case.model_dump(mode="json"), sort_keys=False)
    assert Case.model_validate(yaml.safe_load(text)) == case


@SETTINGS
@given(case_dicts())
def test_generated_documents_are_valid_and_parse(doc: dict[str, Any]) -> None:
    assert parse_case(doc, source="generated").id == doc["id"]


def _nfd(value: str) -> str:
    return unicodedata.normalize("NFD", value)


@SETTINGS
@given(case_dicts(), texts, texts)
def test_text_fields_are_nfc(doc: dict[str, Any], name: str, words: str) -> None:
    name = name + "é"  # at least one character that NFD decomposes
    doc = dict(doc, patient_words=_nfd(words), notes=_nfd(name))
    doc["people"] = [dict(p, name=_nfd(name)) for p in doc.get("people", [])]
    case = Case.model_validate(doc)
    assert case.patient_words == unicodedata.normalize("NFC", words)
    assert case.notes == unicodedata.normalize("NFC", name)
    assert all(p.name == unicodedata.normalize("NFC", name) for p in case.people)
    assert all(unicodedata.is_normalized("NFC", p.name) for p in case.people)


@given(st.text(alphabet="eéèaàoöAÅ\u0301\u0308 ", min_size=1, max_size=20))
def test_nfd_name_equals_its_nfc_form(name: str) -> None:
    doc = {"id": "c1", "people": [{"id": "p1", "name": _nfd(name), "relationship": "friend"}]}
    assert Case.model_validate(doc).people[0].name == unicodedata.normalize("NFC", name)


@SETTINGS
@given(cases())
def test_offset_equals_months_from_onset_without_date(case: Case) -> None:
    for event in case.events:
        if event.date is None:
            assert case.offset(event.id) == event.months_from_onset
    for person in case.people:
        if person.died is not None and person.died.date is None:
            assert case.offset(person.id) == person.died.months_from_onset
    offsets = case.offsets()
    dead = {p.id for p in case.people if p.died is not None}
    assert set(offsets) == {e.id for e in case.events} | dead
    assert all(case.offset(ref) == at for ref, at in offsets.items())
