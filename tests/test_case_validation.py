"""Every validation error of a case: a `CaseError` naming file, case id and field path.

Each case carries planted free text (a person's name, notes, the patient's words); no error
message may contain it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

import iptformulate
from iptformulate import Case, CaseError, load_case, load_cases, parse_case, read_cases

SECRET_NAME = "Zyxwv Secretname"
SECRET_NOTE = "CONFIDENTIAL-NOTE"
SECRETS = (SECRET_NAME, SECRET_NOTE, "Zyxwv", "Secretname", "CONFIDENTIAL")


def person(ident: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": ident,
        "name": SECRET_NAME,
        "relationship": "friend",
        "notes": SECRET_NOTE,
        **fields,
    }


def event(ident: str, **fields: Any) -> dict[str, Any]:
    return {"id": ident, "type": "move", "description": SECRET_NOTE, **fields}


def case(**fields: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": "case-007",
        "patient_words": SECRET_NOTE,
        "notes": SECRET_NOTE,
        "people": [person("p1"), person("p2", status="deceased")],
    }
    doc.update(fields)
    return doc


def assert_clean(exc: CaseError) -> None:
    text = str(exc)
    for secret in SECRETS:
        assert secret not in text
    assert secret_free(exc.to_dict())


def secret_free(value: Any) -> bool:
    return all(secret not in json.dumps(value) for secret in SECRETS)


# (test id, document, expected field path, fragment of the message)
INVALID: list[tuple[str, dict[str, Any], str, str]] = [
    (
        "unknown-person-ref",
        case(events=[event("e1", people=["p1", "nobody"])]),
        "events[0].people[1]",
        "unknown person 'nobody'",
    ),
    (
        "duplicate-person-id",
        case(people=[person("p1"), person("p2"), person("p1")]),
        "people[2].id",
        "duplicate id 'p1'",
    ),
    (
        "duplicate-event-id",
        case(events=[event("e1"), event("e1")]),
        "events[1].id",
        "duplicate id 'e1'",
    ),
    (
        "id-shared-by-person-and-event",
        case(events=[event("e1"), event("p2")]),
        "events[1].id",
        "used by a person and by an event",
    ),
    (
        "death-date-for-living-person",
        case(people=[person("p1", status="alive", died={"months_from_onset": -2})]),
        "people[0].died",
        "date of death",
    ),
    (
        "death-event-for-living-person",
        case(events=[event("e1", type="death", people=["p2", "p1"])]),
        "events[0].people",
        "status is 'alive'",
    ),
    (
        "grief-signs-on-living-person",
        case(people=[person("p1", grief_signs=["keeps_busy"])]),
        "people[0].grief_signs",
        "not deceased",
    ),
    (
        "date-and-offset-disagree",
        case(
            episode={"onset_date": "2024-01-10"},
            events=[event("e1", date="2023-01-10", months_from_onset=-3)],
        ),
        "events[0].months_from_onset",
        "disagree",
    ),
    (
        "death-date-and-offset-disagree",
        case(
            episode={"onset_date": "2024-01-10"},
            people=[
                person("p1", status="deceased", died={"date": "2024-01-01", "months_from_onset": 6})
            ],
        ),
        "people[0].died.months_from_onset",
        "disagree",
    ),
    (
        "onset-date-and-months-disagree",
        case(
            episode={
                "onset_date": "2024-01-10",
                "intake_date": "2024-06-10",
                "onset_months_before_intake": 12,
            }
        ),
        "episode.onset_months_before_intake",
        "disagree",
    ),
    (
        "onset-after-intake",
        case(episode={"onset_date": "2024-05-01", "intake_date": "2024-03-01"}),
        "episode.onset_date",
        "after intake_date",
    ),
    (
        "dated-event-after-intake",
        case(
            episode={"onset_date": "2024-01-01", "intake_date": "2024-03-01"},
            events=[event("e1"), event("e2", date="2024-09-01")],
        ),
        "events[1].date",
        "after intake",
    ),
    (
        "unknown-field",
        case(people=[person("p1", nmae="x")]),
        "people[0].nmae",
        "unknown field",
    ),
    (
        "unknown-field-named-with-free-text",
        case(**{SECRET_NAME: 1}),
        "<key>",
        "unknown field",
    ),
    (
        "wrong-enum-value",
        case(people=[person("p1", relationship=SECRET_NAME)]),
        "people[0].relationship",
        "'partner'",
    ),
    (
        "wrong-enum-value-as-mapping-key",
        case(importance={SECRET_NAME: "very"}),
        "importance",
        "'grief'",
    ),
    (
        "wrong-literal-value",
        case(risk={"suicidal_ideation": SECRET_NOTE}),
        "risk.suicidal_ideation",
        "'passive'",
    ),
    (
        "malformed-date",
        case(episode={"onset_date": SECRET_NOTE}),
        "episode.onset_date",
        "valid date",
    ),
    (
        "main-concern-not-a-person-or-event",
        case(people=[person("p1")], main_concern=["p1", "p9"]),
        "main_concern[1]",
        "unknown person or event 'p9'",
    ),
    (
        "ring-out-of-range",
        case(people=[person("p1", ring=7)]),
        "people[0].ring",
        "less than or equal to 4",
    ),
]


@pytest.mark.parametrize(
    ("doc", "path", "fragment"),
    [pytest.param(doc, path, fragment, id=name) for name, doc, path, fragment in INVALID],
)
def test_invalid_document(doc: dict[str, Any], path: str, fragment: str) -> None:
    with pytest.raises(iptformulate.CaseError) as info:
        parse_case(doc)
    exc = info.value
    assert type(exc) is iptformulate.CaseError
    assert exc.case_id == "case-007"
    assert "case 'case-007'" in str(exc)
    assert path in str(exc)
    assert exc.problems[0][0].startswith(path)
    assert fragment in str(exc)
    assert_clean(exc)


def _write_yaml(path: Path, doc: Any) -> None:
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")


def _write_json(path: Path, doc: Any) -> None:
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")


@pytest.mark.parametrize(
    ("suffix", "write"), [(".yaml", _write_yaml), (".yml", _write_yaml), (".json", _write_json)]
)
@pytest.mark.parametrize(
    ("doc", "path", "fragment"),
    [pytest.param(doc, path, fragment, id=name) for name, doc, path, fragment in INVALID[:8]],
)
def test_invalid_document_from_file(
    tmp_path: Path,
    suffix: str,
    write: Callable[[Path, Any], None],
    doc: dict[str, Any],
    path: str,
    fragment: str,
) -> None:
    target = tmp_path / f"bad{suffix}"
    write(target, doc)
    with pytest.raises(CaseError) as info:
        load_case(target)
    exc = info.value
    assert exc.source == str(target)
    assert f"file {target}" in str(exc)
    assert "case 'case-007'" in str(exc)
    assert path in str(exc)
    assert fragment in str(exc)
    assert_clean(exc)


def test_all_problems_are_reported_without_free_text() -> None:
    doc = case(age="x", population=SECRET_NAME, people=[person("p1", ring=0, contact="often")])
    with pytest.raises(CaseError) as info:
        parse_case(doc)
    paths = [p for p, _ in info.value.problems]
    assert paths == ["age", "population", "people[0].ring", "people[0].contact"]
    assert_clean(info.value)


def test_invalid_case_id_is_not_echoed() -> None:
    doc = case(id=SECRET_NAME)
    with pytest.raises(CaseError) as info:
        parse_case(doc)
    assert info.value.case_id is None
    assert "case <unknown id>" in str(info.value)
    assert "id: String should match pattern" in str(info.value)
    assert_clean(info.value)


def test_malformed_yaml_file(tmp_path: Path) -> None:
    target = tmp_path / "broken.yaml"
    target.write_text(
        f"id: case-007\nnotes: {SECRET_NOTE}\npeople: [{{name: {SECRET_NAME}\n", encoding="utf-8"
    )
    with pytest.raises(CaseError) as info:
        load_case(target)
    exc = info.value
    assert str(target) in str(exc)
    assert "malformed YAML at line" in str(exc)
    assert_clean(exc)


def test_malformed_json_file(tmp_path: Path) -> None:
    target = tmp_path / "broken.json"
    target.write_text(
        f'{{"id": "case-007", "notes": "{SECRET_NOTE}", "people": [{{"name": "{SECRET_NAME}"',
        encoding="utf-8",
    )
    with pytest.raises(CaseError) as info:
        load_case(target)
    exc = info.value
    assert str(target) in str(exc)
    assert "malformed JSON at line 1" in str(exc)
    assert_clean(exc)


@pytest.mark.parametrize(
    "doc", [[SECRET_NAME, SECRET_NOTE], SECRET_NOTE, 42, None], ids=["list", "str", "int", "empty"]
)
def test_non_mapping_document(tmp_path: Path, doc: Any) -> None:
    target = tmp_path / "list.yaml"
    _write_yaml(target, doc)
    with pytest.raises(CaseError) as info:
        load_case(target)
    exc = info.value
    assert str(target) in str(exc)
    assert "expected a mapping" in str(exc)
    assert "case <unknown id>" in str(exc)
    assert_clean(exc)


def test_missing_file(tmp_path: Path) -> None:
    target = tmp_path / "absent.yaml"
    with pytest.raises(CaseError) as info:
        load_case(target)
    assert str(target) in str(info.value)
    assert "cannot read the file" in str(info.value)
    with pytest.raises(CaseError) as info:
        list(load_cases(target))
    assert str(target) in str(info.value)


def test_not_utf8_file(tmp_path: Path) -> None:
    target = tmp_path / "latin1.yaml"
    target.write_bytes(f"id: case-007\nnotes: {SECRET_NOTE}\u00e9\n".encode("latin-1"))
    with pytest.raises(CaseError) as info:
        load_case(target)
    assert "not UTF-8" in str(info.value)
    assert_clean(info.value)


def test_read_cases_directory_mixes_good_and_bad(tmp_path: Path) -> None:
    good = case(people=[person("p1")], events=[event("e1", people=["p1"])])
    _write_yaml(tmp_path / "a-good.yaml", good)
    _write_json(tmp_path / "b-good.json", dict(good, id="case-008"))
    _write_yaml(tmp_path / "c-bad.yaml", case(events=[event("e1", people=["ghost"])]))
    (tmp_path / "d-broken.json").write_text("{", encoding="utf-8")
    (tmp_path / "ignored.txt").write_text(SECRET_NOTE, encoding="utf-8")
    sub = tmp_path / "sub"
    sub.mkdir()
    _write_yaml(sub / "e-good.yml", dict(good, id="case-009"))

    items = list(read_cases(tmp_path))
    assert len(items) == 5
    errors = [item for item in items if isinstance(item, CaseError)]
    by_source = {Path(str(item.source)).name: item for item in errors}
    assert set(by_source) == {"c-bad.yaml", "d-broken.json"}
    assert by_source["c-bad.yaml"].path == "events[0].people[0]"
    assert by_source["c-bad.yaml"].case_id == "case-007"
    for exc in by_source.values():
        assert_clean(exc)
    good_ids = sorted(item.id for item in items if isinstance(item, Case))
    assert good_ids == ["case-007", "case-008", "case-009"]

    with pytest.raises(CaseError) as info:
        list(load_cases(tmp_path))
    assert "c-bad.yaml" in str(info.value)


def test_load_cases_jsonl_reports_bad_line(tmp_path: Path) -> None:
    target = tmp_path / "batch.jsonl"
    good = case(people=[person("p1")])
    lines = [
        json.dumps(dict(good, id="case-001")),
        "",
        json.dumps(dict(good, id="case-002")),
        json.dumps(case(id="case-003", events=[event("e1", people=["ghost"])])),
        json.dumps(dict(good, id="case-004")),
    ]
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")

    loaded: list[str] = []
    with pytest.raises(CaseError) as info:
        for item in load_cases(target):
            loaded.append(item.id)
    assert loaded == ["case-001", "case-002"]
    exc = info.value
    assert exc.source == f"{target}:4"
    assert f"file {target}:4, case 'case-003'" in str(exc)
    assert "events[0].people[0]" in str(exc)
    assert_clean(exc)

    items = list(read_cases(target))
    assert [type(i).__name__ for i in items] == ["Case", "Case", "CaseError", "Case"]


def test_jsonl_malformed_line(tmp_path: Path) -> None:
    target = tmp_path / "batch.jsonl"
    target.write_text(
        json.dumps(case(people=[person("p1")])) + "\n" + f'{{"notes": "{SECRET_NOTE}"\n',
        encoding="utf-8",
    )
    items = list(read_cases(target))
    assert isinstance(items[0], Case)
    bad = items[1]
    assert isinstance(bad, CaseError)
    assert bad.source == f"{target}:2"
    assert "malformed JSON" in str(bad)
    assert_clean(bad)


def test_error_record_is_json_ready() -> None:
    with pytest.raises(CaseError) as info:
        parse_case(case(events=[event("e1", people=["ghost"])]), source="x.yaml")
    record = info.value.to_dict()
    assert record["source"] == "x.yaml"
    assert record["case_id"] == "case-007"
    assert record["path"] == "events[0].people[0]"
    json.dumps(record)

