"""Issue 16, item 8: catalogue templates are filled by plain `{name}` substitution, like rule
rationales, and the loader (`rules check`) refuses any other slot."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from iptformulate import examples, formulate
from iptformulate.cli import main
from iptformulate.formulation.rationale import fill_fields, format_fields
from iptformulate.rulepack import load_pack

from .conftest import RULES

HOSTILE = [
    "{diagnosis.__class__.__mro__[1].__subclasses__}",
    "{0}",
    "{weeks:>999999999}",
    "{weeks!r}",
    "{people[0]}",
]


def _rules_with_statement(tmp_path: Path, slot: str) -> Path:
    root = tmp_path / "rules"
    shutil.copytree(RULES, root)
    path = root / "statement.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["slots"]["diagnosis"] = f"What you have is {slot}."
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return root


@pytest.mark.parametrize("slot", HOSTILE)
def test_rules_check_refuses_a_slot_that_is_not_a_plain_name(
    tmp_path: Path, slot: str, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _rules_with_statement(tmp_path, slot)
    assert main(["rules", "check", str(root)]) == 3
    err = capsys.readouterr().err
    assert "statement.yaml" in err and "slots.diagnosis" in err and "plain name" in err
    with pytest.raises(Exception, match="plain name"):
        formulate(examples.load("grief_widower"), rules=load_pack(root))


@pytest.mark.parametrize("slot", HOSTILE)
def test_filling_never_evaluates_a_slot(slot: str) -> None:
    values = {"diagnosis": "depression", "weeks": "16", "people": "Ann"}
    assert fill_fields(f"a {slot} b", values) == f"a {slot} b"
    assert format_fields(f"a {slot} b", values) == f"a {slot} b"


def test_plain_slots_are_filled_and_braces_in_values_stay() -> None:
    values = {"area": "{grief}", "weeks": "{0}"}
    assert fill_fields("{area} for {weeks} weeks{missing}", values) == "{grief} for {0} weeks"
    with pytest.raises(KeyError):
        format_fields("{missing}", values)
