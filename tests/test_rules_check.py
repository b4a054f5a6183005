"""`iptformulate rules check` over deliberately broken copies of the pack: one thing broken per
test, each reported with the file, the rule code and the field."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from iptformulate.cli import main
from iptformulate.rulecheck import check_rules

from .conftest import REPO, RULES


def _copy(tmp_path: Path, *, docs: bool = False) -> Path:
    root = tmp_path / "rules"
    shutil.copytree(RULES, root)
    if docs:
        shutil.copytree(REPO / "docs" / "rules", tmp_path / "docs" / "rules")
        shutil.copy(REPO / "docs" / "facts.md", tmp_path / "docs" / "facts.md")
    return root


def _one(root: Path, pattern: str) -> Path:
    found = [p for p in root.glob(pattern) if not p.name.endswith(".cases.yaml")]
    assert len(found) == 1, pattern
    return found[0]


def _cases(rule_file: Path) -> Path:
    return rule_file.with_name(rule_file.name.removesuffix(".yaml") + ".cases.yaml")


def _edit_yaml(path: Path, change: Any) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def _check(root: Path, capsys: pytest.CaptureFixture[str], *args: str, status: int) -> str:
    assert main(["rules", "check", str(root), *args]) == status
    return capsys.readouterr().err


def _reported(err: str, file: str, code: str | None, field: str) -> None:
    lines = [line for line in err.splitlines() if file in line and f"field {field}" in line]
    assert lines, err
    if code is not None:
        assert any(f"(rule {code})" in line for line in lines), err


def test_the_shipped_pack_passes_every_check() -> None:
    pack, problems = check_rules(RULES, docs=REPO / "docs" / "rules")
    assert pack is not None
    assert [str(p) for p in problems] == []


def test_code_prefix_must_match_the_area(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _copy(tmp_path)
    rule = _one(root, "role_dispute/DS001-*.yaml")
    rule.write_text(rule.read_text(encoding="utf-8").replace("area: role_dispute", "area: grief"))
    moved = root / "grief" / rule.name
    rule.rename(moved)
    _cases(rule).rename(_cases(moved))
    err = _check(root, capsys, status=3)
    _reported(err, "grief/DS001-", "DS001", "code")


def test_rule_must_live_in_its_area_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _copy(tmp_path)
    rule = _one(root, "role_dispute/DS001-*.yaml")
    rule.rename(root / "grief" / rule.name)
    err = _check(root, capsys, status=3)
    _reported(err, "grief/DS001-", "DS001", "area")


def test_subtype_kind_must_be_the_areas(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _copy(tmp_path)
    rule = _one(root, "role_dispute/DS013-*.yaml")
    text = rule.read_text(encoding="utf-8")
    assert "kind: dispute_stage" in text
    rule.write_text(text.replace("kind: dispute_stage", "kind: grief_pattern"), encoding="utf-8")
    err = _check(root, capsys, status=3)
    _reported(err, "role_dispute/DS013-", "DS013", "subtype.kind")


def test_examples_must_behave_as_labelled(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every case of the file fires, though some are labelled as silent."""
    root = _copy(tmp_path)
    examples = _cases(_one(root, "grief/GR001-*.yaml"))
    silent: list[str] = []

    def all_fire(data: dict[str, Any]) -> None:
        firing = next(c for c in data["cases"].values() if c["fires"])
        for name, case in data["cases"].items():
            if not case["fires"]:
                silent.append(name)
                data["cases"][name] = {**firing, "fires": False, "why": case["why"]}
                data["cases"][name].pop("evidence", None)

    _edit_yaml(examples, all_fire)
    err = _check(root, capsys, status=1)
    for name in silent:
        _reported(err, "grief/GR001-", "GR001", f"cases.{name}")
    assert "fired" in err


def test_every_rule_needs_an_example_that_must_not_fire(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _copy(tmp_path)
    examples = _cases(_one(root, "grief/GR001-*.yaml"))

    def drop_silent(data: dict[str, Any]) -> None:
        firing = {n: c for n, c in data["cases"].items() if c["fires"]}
        if len(firing) < 2:  # the file format asks for two cases
            name, case = next(iter(firing.items()))
            firing[name + "_again"] = case
        data["cases"] = firing

    _edit_yaml(examples, drop_silent)
    err = _check(root, capsys, status=1)
    _reported(err, "grief/GR001-", "GR001", "cases")
    assert "must not fire" in err


def test_a_broken_technique_catalogue_fails_the_check_and_the_load(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from iptformulate.errors import RuleError
    from iptformulate.rulepack import load_pack

    root = _copy(tmp_path)

    def dangle(data: dict[str, Any]) -> None:
        data["areas"]["grief"]["default"]["techniques"][0] = "hypnosis"

    _edit_yaml(root / "techniques.yaml", dangle)
    err = _check(root, capsys, status=3)
    _reported(err, "rules/techniques.yaml", None, "areas.grief.default.techniques[0]")
    with pytest.raises(RuleError, match="hypnosis"):
        load_pack(root)


def test_a_malformed_catalogue_fails_on_load(tmp_path: Path) -> None:
    from iptformulate.errors import RuleError
    from iptformulate.rulepack import load_pack

    root = _copy(tmp_path)
    _edit_yaml(root / "plans.yaml", lambda data: data.pop("termination"))
    with pytest.raises(RuleError, match=r"plans\.yaml.*termination"):
        load_pack(root)


@pytest.mark.parametrize(
    ("file", "change", "field"),
    [
        (
            "profiles/classic.yaml",
            lambda d: d["rules"]["include_tags"].append("no_such_tag"),
            "rules.include_tags[1]",
        ),
        (
            "profiles/stuart.yaml",
            lambda d: d["rules"].update(exclude_codes=["GR999"]),
            "rules.exclude_codes[0]",
        ),
        (
            "profile-choice.yaml",
            lambda d: d["choices"][0].update(profile="ipsrx"),
            "choices[0].profile",
        ),
        (
            "plans.yaml",
            lambda d: d["by_diagnosis"].update(other="no_such_plan"),
            "by_diagnosis.other",
        ),
    ],
)
def test_dangling_references_are_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], file: str, change: Any, field: str
) -> None:
    root = _copy(tmp_path)
    _edit_yaml(root / file, change)
    err = _check(root, capsys, status=3)
    _reported(err, f"rules/{file}", None, field)


def test_a_profile_without_a_core_rule_for_an_area_is_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _copy(tmp_path)
    _edit_yaml(
        root / "profiles" / "classic.yaml",
        lambda d: d["rules"].update(areas=["grief", "role_dispute", "role_transition"]),
    )
    err = _check(root, capsys, status=3)
    _reported(err, "rules/profiles/classic.yaml", None, "areas[3]")


def test_stale_generated_docs_are_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _copy(tmp_path, docs=True)
    assert main(["rules", "check", str(root)]) == 0
    capsys.readouterr()
    rule = _one(root, "grief/GR001-*.yaml")
    text = rule.read_text(encoding="utf-8")
    rule.write_text(text.replace("title: ", "title: Recently ", 1), encoding="utf-8")
    err = _check(root, capsys, status=1)
    _reported(err, "docs/rules/grief.md", "GR001", "grief.md")
    _reported(err, "docs/rules/index.md", "GR001", "index.md")


def test_every_problem_is_reported_not_only_the_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _copy(tmp_path)
    for pattern in ("grief/GR001-*.yaml", "role_dispute/DS001-*.yaml"):
        rule = _one(root, pattern)
        rule.write_text(rule.read_text(encoding="utf-8").replace("weight:", "wieght:"))
    _edit_yaml(root / "techniques.yaml", lambda d: d["fit"].pop(next(iter(d["fit"]))))
    err = _check(root, capsys, status=3)
    assert "GR001" in err and "DS001" in err and "techniques.yaml" in err


NEW_PROFILE = """\
name: brief-loss
title: "A teaching profile: grief and transitions only, non-death losses as grief"
source: {key: SR-19, tag: I, section: "§3.4"}
areas: [grief, role_transition]
labels:
  grief: Grief and loss
  role_transition: Life change
rules:
  include_tags: [non_death_loss_as_grief]
params:
  onset_window_before_months: 12
  onset_window_after_months: 3
  close_ring: 2
  presence_threshold: 0.5
  long_ago_months: 24
  long_ago_offset: -24
  close_call_margin: 0.1
  few_ties: 2
"""


def test_a_new_profile_is_one_yaml_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """No Python: the profile file is checked, listed in help, chosen by `auto` and used."""
    from iptformulate import examples, formulate
    from iptformulate.rulepack import load_pack

    root = _copy(tmp_path)
    (root / "profiles" / "brief-loss.yaml").write_text(NEW_PROFILE, encoding="utf-8")
    assert main(["rules", "check", str(root)]) == 0, capsys.readouterr().err
    pack = load_pack(root)
    chosen = {r.code for r in pack.rules if "brief-loss" in r.profiles}
    assert "GR005" in chosen and "TR003" not in chosen and "DS001" not in chosen
    result = formulate(examples.load("grief_widower"), profile="brief-loss", rules=root)
    assert set(result.areas) == {"grief", "role_transition"}
    assert result.primary_focus == "grief"

    def pick_it(data: dict[str, Any]) -> None:
        data["default"] = "brief-loss"

    _edit_yaml(root / "profile-choice.yaml", pick_it)
    auto = formulate(examples.load("grief_widower"), profile="auto", rules=load_pack(root))
    assert auto.provenance.profile == "brief-loss"
    assert main(["formulate", "--example", "grief_widower", "--rules", str(root),
                 "--profile", "brief-loss"]) == 0  # fmt: skip
