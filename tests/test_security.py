"""Data never executes: YAML tags, alias bombs and template tricks in case and rule files."""

from __future__ import annotations

from pathlib import Path

import pytest

from iptformulate import CaseError, examples, formulate, load_case
from iptformulate.errors import RuleError
from iptformulate.formulation.rationale import Names, render
from iptformulate.limits import MAX_NODES
from iptformulate.rulepack import load_pack

from .test_rule_loading import GOOD, _pack_with


def _payloads(marker: Path) -> list[str]:
    """YAML that would create `marker` (or import code) if a loader ever built Python objects."""
    return [
        f"!!python/object/apply:os.system ['touch {marker}']",
        f"!!python/object/apply:builtins.open ['{marker}', 'w']",
        f"!!python/object/new:builtins.open ['{marker}', 'w']",
        "!!python/name:os.system",
        "!!python/module:os",
        f"!!python/object/apply:subprocess.check_output [['touch', '{marker}']]",
        f"!!python/object:builtins.open {{file: '{marker}', mode: w}}",
    ]


@pytest.mark.parametrize("index", range(7))
def test_python_tags_in_a_case_file_are_refused_and_never_run(tmp_path: Path, index: int) -> None:
    marker = tmp_path / "PWNED"
    payload = _payloads(marker)[index]
    for text in (f"id: x\nnotes: {payload}\n", f"{payload}\n", f"id: x\npeople: [{payload}]\n"):
        path = tmp_path / "case.yaml"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(CaseError, match="malformed YAML"):
            load_case(path)
    assert not marker.exists()


@pytest.mark.parametrize("index", range(7))
def test_python_tags_in_rule_files_are_refused_and_never_run(tmp_path: Path, index: int) -> None:
    marker = tmp_path / "PWNED"
    payload = _payloads(marker)[index]
    rule = GOOD.replace("title: A test rule about a death", f"title: {payload}")
    with pytest.raises(RuleError, match="malformed YAML"):
        load_pack(_pack_with(tmp_path / "rule", rule))
    root = _pack_with(tmp_path / "profile", GOOD)
    profile = root / "profiles" / "classic.yaml"
    profile.write_text(f"extra: {payload}\n" + profile.read_text(encoding="utf-8"), "utf-8")
    with pytest.raises(RuleError, match="malformed YAML"):
        load_pack(root)
    assert not marker.exists()


BOMB = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi", strict=True)
)


def test_alias_bomb_in_a_case_file(tmp_path: Path) -> None:
    path = tmp_path / "case.yaml"
    path.write_text("id: x\n" + BOMB, encoding="utf-8")
    with pytest.raises(CaseError, match=f"more than {MAX_NODES} values"):
        load_case(path)


def test_alias_bomb_and_deep_nesting_in_rule_files(tmp_path: Path) -> None:
    with pytest.raises(RuleError, match=f"more than {MAX_NODES} values"):
        load_pack(_pack_with(tmp_path / "bomb", GOOD + BOMB))
    deep = GOOD.replace("weight: 0.5", "weight: " + "[" * 10_000 + "]" * 10_000)
    with pytest.raises(RuleError, match="nested more than"):
        load_pack(_pack_with(tmp_path / "deep", deep))
    dup = GOOD + "area: role_dispute\n"
    with pytest.raises(RuleError, match="duplicate key"):
        load_pack(_pack_with(tmp_path / "dup", dup))


TEMPLATE_TRICKS = [
    "{lost.__class__}",
    "{0}",
    "{}",
    "{lost.ref.__init__}",
    "{lost.__class__.__init__.__globals__}",
    "{lost:>99999}",
    "{lost!r}",
    "{lost[0]}",
    "{0.__class__}",
    "{lost.ref|__class__}",
    "{lost.ref|months:%s}",
]


@pytest.mark.parametrize("slot", TEMPLATE_TRICKS)
def test_template_tricks_in_a_rationale_are_refused(tmp_path: Path, slot: str) -> None:
    rule = GOOD.replace("{lost} died", f"{slot} died")
    with pytest.raises(RuleError, match="rationale"):
        load_pack(_pack_with(tmp_path, rule))


@pytest.mark.parametrize("slot", TEMPLATE_TRICKS)
def test_template_tricks_render_inert_even_past_the_loader(slot: str) -> None:
    case = examples.load("grief_widower")
    lost = next(p for p in case.people if p.status == "deceased")
    fact = {"kind": "person", "id": f"person:{lost.id}", "ref": lost.id}
    text = render(f"{slot} died.", {"lost": fact}, Names(case, {}))
    assert "class" not in text.lower().replace(slot.lower(), "")
    assert "function" not in text and "module" not in text and "0x" not in text
    assert len(text) < 200


CASE_TRICKS = "{lost} {0.__class__} {lost.ref.__init__} %s %(x)s ${x} {{x}}"


def test_braces_in_case_text_are_shown_literally() -> None:
    doc = examples.load("grief_widower").model_dump(mode="json")
    for person in doc["people"]:
        if person["status"] == "deceased":
            person["name"] = CASE_TRICKS
    for event in doc["events"]:
        event["description"] = CASE_TRICKS
    f = formulate(doc)
    rationales = [x.rationale for a in f.areas.values() for x in a.findings_for]
    assert any(CASE_TRICKS in r for r in rationales)
    for r in rationales:
        assert "<class" not in r and "__init__" not in r.replace(CASE_TRICKS, "")
    for output in (f.to_markdown(), f.model_dump_json()):
        assert "<class" not in output and "<function" not in output and "<method" not in output
