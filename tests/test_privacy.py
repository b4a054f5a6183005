"""Privacy: no case content in logs or errors, no network, and a redaction that removes it."""

from __future__ import annotations

import json
import logging
import socket
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import iptformulate
from iptformulate import Case, CaseError, examples, formulate, load_case, parse_case, read_cases
from iptformulate.cli import main
from iptformulate.errors import RuleError
from iptformulate.render import installed, render
from iptformulate.rulepack import load_pack

from .conftest import RULES
from .strategies import case_dicts
from .test_rule_loading import GOOD, _pack_with

NAME = "Zyxwv Secretname"
NOTE = "CONFIDENTIAL-NOTE-77"
WORDS = "I feel qwertyuiop inside"
SECRETS = (NAME, "Zyxwv", "Secretname", NOTE, "CONFIDENTIAL", WORDS, "qwertyuiop")
PROFILES = ["classic", "stuart", "who-group", "ipsrt", "ipt-a"]
KEY = b"a teaching-export key, 32 bytes"


def _planted(**changes: Any) -> dict[str, Any]:
    """A small valid case whose free text is all planted secrets."""
    doc: dict[str, Any] = {
        "id": "case-1",
        "patient_words": WORDS,
        "notes": NOTE,
        "people": [
            {"id": "p1", "name": NAME, "relationship": "partner", "notes": NOTE, "ring": 1,
             "liked": [NOTE], "desired_change": WORDS},
            {"id": "p2", "name": NAME, "relationship": "friend", "status": "deceased",
             "died": {"months_from_onset": -1}},
        ],
        "events": [{"id": "e1", "type": "move", "description": NOTE, "people": ["p1"],
                    "role_change": {"old": NOTE, "new": WORDS}, "months_from_onset": -2}],
        "network": {"attachment_notes": NOTE},
    }  # fmt: skip
    doc.update(changes)
    return doc


def _person(**fields: Any) -> dict[str, Any]:
    return {"id": "p3", "name": NAME, "relationship": "friend", "notes": NOTE, **fields}


BAD_DOCUMENTS = {
    "wrong_type_text": {"people": [_person(ring=NAME)]},
    "enum_text": {"people": [_person(relationship=NAME)]},
    "date_text": {"episode": {"onset_date": NAME}},
    "id_is_text": {"id": NAME},
    "person_id_is_text": {"people": [_person(id=NAME)]},
    "event_ref_is_text": {"events": [{"id": "e9", "type": "move", "people": [NAME]}]},
    "unknown_key_text": {"people": [{**_person(), NAME: NOTE}]},
    "dict_for_text": {"notes": {NAME: NOTE}},
    "list_for_mapping": {"network": [NAME, NOTE]},
    "huge_text": {"notes": NOTE * 1000},
    "death_of_living": {"events": [{"id": "e9", "type": "death", "people": ["p1"]}]},
    "grief_signs_alive": {"people": [_person(grief_signs=["keeps_busy"])]},
    "future_event": {
        "episode": {"intake_date": "2024-01-01", "onset_months_before_intake": 3},
        "events": [{"id": "e9", "type": "move", "date": "2999-01-01", "description": NOTE}],
    },
    "deep": {"notes": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[NAME]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]},
    "dup_ids": {"people": [_person(), _person()]},
}


def _clean(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


@pytest.mark.parametrize("kind", sorted(BAD_DOCUMENTS))
def test_bad_fields_never_echo_content(
    kind: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    doc = _planted(**BAD_DOCUMENTS[kind])
    with pytest.raises(CaseError) as info:
        parse_case(doc)
    _clean(str(info.value))
    _clean(json.dumps(info.value.to_dict()))
    assert info.value.problems[0][0] or kind in ("list_for_mapping",)
    for suffix, text in ((".json", json.dumps(doc)), (".yaml", yaml.safe_dump(doc))):
        path = tmp_path / f"case{suffix}"
        path.write_text(text, encoding="utf-8")
        [error] = read_cases(path)
        assert isinstance(error, CaseError)
        _clean(str(error))
    _clean(caplog.text)
    _clean(" ".join(str(r.args) for r in caplog.records))


BAD_FILES = {
    "yaml_syntax": f"id: case-1\nnotes: [{NAME}\n",
    "yaml_tag": f"id: case-1\nnotes: !!python/object/apply:os.system ['{NAME}']\n",
    "yaml_dup_key": f"id: case-1\nnotes: {NAME}\nnotes: {NOTE}\n",
    "yaml_bad_date": f"id: case-1\nnotes: {NAME}\nepisode: {{onset_date: 2020-02-30}}\n",
    "yaml_alias_loop": f"id: case-1\nnotes: &a [{NAME}, *a]\n",
    "yaml_not_mapping": f"- {NAME}\n- {NOTE}\n",
    "yaml_bytes": (NAME + "\udcff").encode("utf-8", "surrogateescape").decode("latin-1"),
}


@pytest.mark.parametrize("kind", sorted(BAD_FILES))
def test_bad_files_never_echo_content(
    kind: str, tmp_path: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    path = tmp_path / "case.yaml"
    path.write_bytes(BAD_FILES[kind].encode("latin-1", "replace"))
    with pytest.raises(CaseError) as info:
        load_case(path)
    _clean(str(info.value))
    assert main(["formulate", str(path)]) == 3
    captured = capsys.readouterr()
    _clean(captured.err + captured.out)
    assert str(path) in captured.err
    _clean(caplog.text)


def test_bad_json_and_jsonl_never_echo_content(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text('{"id": "case-1", "notes": "' + NAME + '" ', "utf-8")
    (tmp_path / "b.json").write_text(json.dumps({"id": "x", "notes": NAME, "n": NOTE}), "utf-8")
    lines = [json.dumps(_planted(notes=[NAME])), '{"notes": "' + NOTE, json.dumps([WORDS])]
    (tmp_path / "c.jsonl").write_text("\n".join(lines) + "\n", "utf-8")
    errors = list(read_cases(tmp_path))
    assert len(errors) == 5 and all(isinstance(e, CaseError) for e in errors)
    for error in errors:
        _clean(str(error))


def test_bad_rule_files_never_echo_case_content(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    # Rule files are the author's, not the patient's: an unknown slot or key is named back to
    # the author. Values are never echoed, and nor is a fixture case's text.
    broken = [
        GOOD.replace("weight: 0.5", f"weight: {NAME}"),
        GOOD.replace("effect: core", f"effect: {NAME}"),
        GOOD.replace("where: {status: deceased}", f"where: {{ring: {{lte: [{NOTE}]}}}}"),
        GOOD.replace("code: GR900", "code: GR900\ntitle: " + NOTE * 20),
        f"code: GR900\ntitle: [{NAME}\n",
    ]
    for i, text in enumerate(broken):
        root = _pack_with(tmp_path / str(i), text)
        with pytest.raises(RuleError) as info:
            load_pack(root)
        assert "GR900" in str(info.value)
        assert main(["rules", "check", str(root)]) == 3
    _clean(capsys.readouterr().err)
    _clean(caplog.text)


def test_cli_usage_errors_never_echo_content(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nothing-here.yaml"
    assert main(["formulate", str(missing)]) == 3
    path = tmp_path / "case.yaml"
    path.write_text(yaml.safe_dump(_planted()), encoding="utf-8")
    assert main(["formulate", str(path), "--profile", NAME]) == 2
    with pytest.raises(SystemExit):
        main(["formulate", str(path), "--format", NAME])
    captured = capsys.readouterr()
    assert "nothing-here.yaml" in captured.err
    # argparse repeats a bad choice it was given on the command line; the file's text never.
    _clean(captured.err.replace(f"'{NAME}'", "").replace(NAME, ""))
    assert NOTE not in captured.err and WORDS not in captured.err


# (b) no network ---------------------------------------------------------------------------------


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    attempts: list[str] = []

    def refuse(*args: Any, **kwargs: Any) -> Any:
        attempts.append(repr(args[:2]))
        raise OSError("network use is not allowed in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket.socket, "sendto", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return attempts


def test_nothing_touches_the_network(
    no_network: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in examples.names():
        path = tmp_path / f"{name}.yaml"
        path.write_text(yaml.safe_dump(examples.load(name).model_dump(mode="json")), "utf-8")
        case = load_case(path)
        for profile in PROFILES:
            f = formulate(case, profile=profile)
            for fmt in installed():
                assert render(f, fmt)
            f._repr_html_()
            iptformulate.compare(f, f)
        for fmt in installed():
            assert main(["formulate", str(path), "--format", fmt]) == 0
    assert main(["examples"]) == 0
    assert main(["schema", "case"]) == 0
    assert main(["rules", "list", str(RULES)]) == 0
    assert main(["rules", "check", str(RULES)]) == 0
    assert list(read_cases(tmp_path))
    capsys.readouterr()
    assert no_network == []


def test_the_network_guard_works(no_network: list[str]) -> None:
    with pytest.raises(OSError, match="not allowed"):
        socket.create_connection(("example.org", 80))
    assert no_network


# (c) redaction ----------------------------------------------------------------------------------

FREE_TEXT = {
    "name", "relationship_detail", "activities", "desired_change", "notes", "description",
    "patient_words", "attachment_notes", "old", "new", "text",
}  # fmt: skip
LISTS_OF_TEXT = {"liked", "disliked"}


def _plant_markers(doc: Any, counter: list[int]) -> Any:
    """Replace every free-text value with a unique marker, so its survival can be searched."""
    if isinstance(doc, dict):
        out = {}
        for key, value in doc.items():
            if key in FREE_TEXT and isinstance(value, str):
                counter[0] += 1
                out[key] = f"QXJ{counter[0]}MARK"
            elif key in LISTS_OF_TEXT and isinstance(value, list):
                counter[0] += len(value)
                out[key] = [f"QXJ{counter[0]}L{i}MARK" for i in range(len(value))]
            else:
                out[key] = _plant_markers(value, counter)
        return out
    if isinstance(doc, list):
        return [_plant_markers(v, counter) for v in doc]
    return doc


def _outcome(f: iptformulate.Formulation) -> Any:
    return (
        {a: (r.score, r.present, r.subtype) for a, r in f.areas.items()},
        (f.focus.primary, f.focus.secondary),
        sorted(x.code for r in f.areas.values() for x in r.findings_for),
    )


def _check_redacted(case: Case, key: bytes) -> Case:
    red = iptformulate.redact(case, key=key)
    dumped = red.model_dump_json()
    original_ids = {case.id} | {p.id for p in case.people} | {e.id for e in case.events}
    new_ids = {red.id} | {p.id for p in red.people} | {e.id for e in red.events}
    assert not original_ids & new_ids
    assert all(i.startswith(("C-", "P-", "E-")) for i in new_ids)
    assert "QXJ" not in dumped and "MARK" not in dumped
    for person in case.people:
        if len(person.name) >= 3:
            assert person.name not in dumped
    assert red.episode.onset_date is None and red.episode.intake_date is None
    assert all(e.date is None for e in red.events)
    assert all(p.died is None or p.died.date is None for p in red.people)
    assert all(p.name == p.id for p in red.people)
    return red


REDACT = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@REDACT
@given(doc=case_dicts(), profile=st.sampled_from(PROFILES))
def test_redaction_keeps_the_formulation_and_drops_every_text(
    doc: dict[str, Any], profile: str
) -> None:
    case = Case.model_validate(_plant_markers(doc, [0]))
    red = _check_redacted(case, KEY)
    assert _outcome(formulate(red, profile=profile)) == _outcome(formulate(case, profile=profile))


def test_redaction_of_every_example_in_every_profile() -> None:
    for name in examples.names():
        case = examples.load(name)
        red = _check_redacted(case, KEY)
        texts = [case.patient_words, case.notes, *(p.notes for p in case.people)]
        texts += [e.description for e in case.events]
        for text in texts:
            if text:
                assert text not in red.model_dump_json()
        for profile in PROFILES:
            assert _outcome(formulate(red, profile=profile)) == _outcome(
                formulate(case, profile=profile)
            ), (name, profile)


def test_pseudonyms_are_stable_per_key_and_differ_between_keys() -> None:
    case = parse_case(_planted())
    first = iptformulate.redact(case, key=KEY)
    assert first == iptformulate.redact(case, key=KEY)
    assert first.model_dump_json() == iptformulate.redact(case, key=KEY).model_dump_json()
    other = iptformulate.redact(case, key=b"another key, also long enough")
    assert {p.id for p in first.people}.isdisjoint({p.id for p in other.people})
    assert first.id != other.id
    assert first.people[0].id.startswith("P-")
    assert first.events[0].people == [first.people[0].id]
    assert first.events[0].role_change is not None
    assert (first.events[0].role_change.old, first.events[0].role_change.new) == (
        "role A",
        "role B",
    )
    _clean(first.model_dump_json())


def test_redaction_needs_a_real_key() -> None:
    case = parse_case(_planted())
    with pytest.raises(TypeError):
        iptformulate.redact(case)  # type: ignore[call-arg]
    for weak in (b"", b"short", "a text key of many chars"):
        with pytest.raises(ValueError, match="16 bytes"):
            iptformulate.redact(case, key=weak)  # type: ignore[arg-type]
