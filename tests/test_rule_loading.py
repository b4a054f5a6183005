"""Broken rule files fail on load with the file, the rule code and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from iptformulate.cli import main
from iptformulate.errors import RuleError
from iptformulate.rulepack import load_pack

from .conftest import RULES, pack_with

GOOD = """\
code: GR900
title: A test rule about a death
area: grief
effect: core
weight: 0.5
source: {key: ISIPT, tag: S, section: "§3.1"}
when:
  - fact: person
    as: lost
    where: {status: deceased}
  - fact: involvement
    as: death
    join: {person_ref: lost.ref}
    where: {type: death}
rationale: "{lost} died {death.offset|months}."
"""


_pack_with = pack_with


def test_the_good_rule_loads(tmp_path: Path) -> None:
    pack = load_pack(_pack_with(tmp_path, GOOD))
    assert [r.code for r in pack.rules] == ["GR900"]


BROKEN = {
    "unknown_key": (GOOD.replace("effect: core", "effect: core\ndescription: x"), "description"),
    "negation": (
        GOOD.replace("where: {status: deceased}", "where: {status: deceased}\n    not: {ring: 1}"),
        "negation",
    ),
    "arithmetic": (GOOD.replace("where: {type: death}", "where: {$m: {type: 1}}"), "arithmetic"),
    "id_join": (
        GOOD.replace("join: {person_ref: lost.ref}", "join: {person_ref: lost.id}"),
        "'id'",
    ),
    "join_to_later_alias": (
        GOOD.replace("join: {person_ref: lost.ref}", "join: {person_ref: nobody.ref}"),
        "earlier pattern",
    ),
    "unknown_fact_field": (GOOD.replace("{status: deceased}", "{mood: low}"), "no field 'mood'"),
    "reserved_alias": (
        GOOD.replace("as: lost", "as: s").replace("lost.", "s.").replace("{lost}", "{s}"),
        "reserved",
    ),
    "bad_operator": (GOOD.replace("{status: deceased}", "{ring: {approx: 1}}"), "ring"),
    "bare_yes": (GOOD.replace("{status: deceased}", "{confidant: yes}"), "quote it"),
    "exponent_float": (GOOD.replace("weight: 0.5", "weight: 1.0e-05"), "exponent"),
    "huge_int": (GOOD.replace("{status: deceased}", "{ring: 99999999999}"), "32 bits"),
    "lists_profiles": (GOOD.replace("when:", "profiles: [classic]\nwhen:"), "tags:"),
    "subtype_of_another_area": (
        GOOD.replace("effect: core", "effect: subtype\nsubtype: {kind: dispute_stage, value: x}"),
        "subtype.kind",
    ),
    "unknown_param": (
        GOOD.replace("{status: deceased}", "{ring: {lte: {param: closeness}}}"),
        "'closeness'",
    ),
    "bad_template_slot": (GOOD.replace("{lost} died", "{who} died"), "{who}"),
    "bad_template_filter": (GOOD.replace("|months", "|upper"), "filter"),
    "bad_source_section": (GOOD.replace('section: "§3.1"', 'section: "3.1"'), "source.section"),
    "subtype_without_block": (GOOD.replace("effect: core", "effect: subtype"), "subtype"),
    "malformed_yaml": ("code: GR900\nwhen: [unclosed\n", "malformed YAML"),
}


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_broken_rule_names_file_code_and_field(tmp_path: Path, kind: str) -> None:
    text, expected = BROKEN[kind]
    with pytest.raises(RuleError) as info:
        load_pack(_pack_with(tmp_path, text))
    message = str(info.value)
    assert "grief/GR900-test.yaml" in message
    if kind != "malformed_yaml":
        assert "GR900" in message.split(":")[0] + message
    assert expected in message, message


def test_file_name_must_match_code(tmp_path: Path) -> None:
    with pytest.raises(RuleError, match="must start with the rule code"):
        load_pack(_pack_with(tmp_path, GOOD, name="GR901-test.yaml"))


def test_rule_must_live_in_its_area_folder(tmp_path: Path) -> None:
    with pytest.raises(RuleError, match="must live in rules/grief/"):
        load_pack(_pack_with(tmp_path, GOOD, name="GR900-test.yaml", area="role_dispute"))


def test_code_prefix_must_match_the_area(tmp_path: Path) -> None:
    text = GOOD.replace("code: GR900", "code: DS900")
    with pytest.raises(RuleError, match="codes starting GR") as info:
        load_pack(_pack_with(tmp_path, text, name="DS900-test.yaml"))
    assert "DS900" in str(info.value) and "field code" in str(info.value)


def test_codes_are_never_reused(tmp_path: Path) -> None:
    root = _pack_with(tmp_path, GOOD)
    (root / "grief" / "GR900-copy.yaml").write_text(GOOD, encoding="utf-8")
    with pytest.raises(RuleError, match="already used"):
        load_pack(root)


def test_rules_check_cli_passes_on_shipped_rules(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "check", str(RULES)]) == 0
    assert "ok:" in capsys.readouterr().out


def test_rules_check_cli_fails_precisely_on_a_broken_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _pack_with(tmp_path, BROKEN["id_join"][0])
    assert main(["rules", "check", str(root)]) == 3
    err = capsys.readouterr().err
    assert "GR900-test.yaml" in err and "GR900" in err and "when[1].join.person_ref" in err


def test_rules_test_cli_passes_on_shipped_rules(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "test", str(RULES)]) == 0
    assert " 0 failed" in capsys.readouterr().out


# --- shared lists of alternatives (rules/alternatives.yaml) ---------------------------------

SHARED = """\
alternatives:
  reactions:
    fact: person
    title: Some grief reactions
    source: {key: G18-5, tag: S, section: "§3.1"}
    any:
      - {avoids_reminders: "yes"}
      - {excessive_guilt: "yes"}
"""


EVENT_LIST = (
    SHARED.replace("fact: person", "fact: event")
    .replace("avoids_reminders", "ongoing")
    .replace("excessive_guilt", "approximate")
)


def _with_shared(tmp_path: Path, any_: str, shared: str = SHARED) -> Path:
    rule = GOOD.replace(
        "    where: {status: deceased}\n", f"    where: {{status: deceased}}\n    any: {any_}\n", 1
    )
    root = _pack_with(tmp_path, rule)
    (root / "alternatives.yaml").write_text(shared, encoding="utf-8")
    return root


def test_a_rule_takes_a_shared_list_as_its_alternatives(tmp_path: Path) -> None:
    pack = load_pack(_with_shared(tmp_path, "{use: reactions}"))
    (rule,) = pack.rules
    assert rule.when[0].any == [{"avoids_reminders": "yes"}, {"excessive_guilt": "yes"}]
    # the list is part of the pack: editing it changes the pack's hash
    again = _with_shared(
        tmp_path / "b", "{use: reactions}", SHARED.replace("excessive_guilt", "keeps_busy")
    )
    assert load_pack(again).content_hash != pack.content_hash


def test_the_shipped_grief_rules_share_one_list_of_complicated_reactions() -> None:
    pack = load_pack(RULES)
    lists = {r.code: r.when[0].any for r in pack.rules if r.code in ("GR003", "GR004", "GR006")}
    assert len(lists) == 3 and lists["GR003"] == lists["GR004"] == lists["GR006"]
    assert {"grief_not_easing": "yes"} in lists["GR003"]


@pytest.mark.parametrize(
    ("any_", "shared", "path", "message"),
    [
        ("{use: nothing}", SHARED, "when[0].any.use", "no shared list 'nothing'"),
        ("{use: reactions, extra: 1}", SHARED, "when[0].any", "a list of alternatives"),
        ("{use: reactions}", EVENT_LIST, "when[0].any.use",
         "of fact 'event', not 'person'"),
    ],
)  # fmt: skip
def test_a_wrong_use_of_a_shared_list_names_file_rule_and_field(
    tmp_path: Path, any_: str, shared: str, path: str, message: str
) -> None:
    with pytest.raises(RuleError, match=message) as info:
        load_pack(_with_shared(tmp_path, any_, shared))
    err = info.value
    assert err.code == "GR900" and err.path == path and err.file is not None
    assert err.file.endswith("GR900-test.yaml")


def test_a_broken_shared_list_names_its_file_and_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _with_shared(
        tmp_path, "{use: reactions}", SHARED.replace("excessive_guilt", "excesive_guilt")
    )
    with pytest.raises(RuleError, match="has no field 'excesive_guilt'") as info:
        load_pack(root)
    assert info.value.file is not None and info.value.file.endswith("alternatives.yaml")
    assert info.value.path == "alternatives.reactions.any[1].excesive_guilt"
    assert main(["rules", "check", str(root)]) != 0
    assert "alternatives.yaml" in capsys.readouterr().err
