"""docs/case-format.md is generated from the model and may not drift from it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from iptformulate import Case, docsgen
from iptformulate.docsgen import MODELS, DocsError, main, render_case_format
from iptformulate.model import Person
from iptformulate.schema import case_json_schema

DOC = Path(__file__).resolve().parents[1] / "docs" / "case-format.md"


def test_checked_in_page_is_up_to_date() -> None:
    assert DOC.read_text(encoding="utf-8") == render_case_format(), (
        "docs/case-format.md is stale; run `python -m iptformulate.docsgen`"
    )


def test_every_model_and_field_is_documented() -> None:
    text = render_case_format()
    for model in MODELS:
        assert f"\n## {model.__name__}\n" in text
        section = text.split(f"\n## {model.__name__}\n", 1)[1].split("\n## ", 1)[0]
        for name in model.model_fields:
            assert f"| `{name}` |" in section, f"{model.__name__}.{name} missing"


def test_enum_values_are_listed() -> None:
    text = render_case_format()
    assert "`relationship_ended`" in text
    assert "`caregiving_start`" in text
    assert "`loss_of_healthy_self`" in text


def test_example_case_is_valid() -> None:
    text = render_case_format()
    block = text.split("```yaml\n", 1)[1].split("```", 1)[0]
    case = Case.model_validate(yaml.safe_load(block))
    # died six months before intake, four months before intake the episode began
    assert case.offset("mother") == -2
    assert case.format_version == 2 and case.assumed == []
    assert case.relation("ev-hours") == "after_onset"


def test_field_without_meaning_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    notes = dict(docsgen._FIELD_NOTES)
    del notes["Person.relationship"]
    monkeypatch.setattr(docsgen, "_FIELD_NOTES", notes)
    with pytest.raises(DocsError, match=r"Person\.relationship"):
        render_case_format()


def test_stale_note_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(docsgen, "_FIELD_NOTES", {**docsgen._FIELD_NOTES, "Person.nope": "x"})
    with pytest.raises(DocsError, match=r"Person\.nope"):
        render_case_format()


def test_main_writes_to_given_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "out" / "case-format.md"
    assert main([str(target)]) == 0
    assert target.read_text(encoding="utf-8") == render_case_format()
    assert str(target) in capsys.readouterr().out


def test_default_output_is_repo_docs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(DOC.parents[1])  # an installed copy writes relative to the checkout
    assert docsgen.default_output() == DOC


def test_json_schema() -> None:
    schema = case_json_schema()
    assert schema["$id"] == "urn:iptformulate:schema:case"
    assert schema["title"].startswith("iptformulate case")
    assert schema["additionalProperties"] is False
    assert set(schema["properties"]) == set(Case.model_fields)
    person = schema["$defs"]["Person"]
    assert set(person["properties"]) == set(Person.model_fields)
    json.dumps(schema)
    assert case_json_schema() is not schema
