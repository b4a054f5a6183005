"""The rule pack's own discipline: examples both ways, stable codes, real sources."""

from __future__ import annotations

import re
from collections import defaultdict

import pytest

from iptformulate.authoring import iter_fixtures
from iptformulate.rulepack import RulePack

from .conftest import SHARED

REFERENCE = SHARED / "domain" / "ipt-reference.md"


def test_every_rule_has_firing_and_silent_examples(pack: RulePack) -> None:
    kinds: dict[str, set[bool]] = defaultdict(set)
    for code, _, case, _ in iter_fixtures(pack):
        kinds[code].add(case.fires)
    for rule in pack.rules:
        assert kinds[rule.code] == {True, False}, f"{rule.code} needs a firing and a silent case"


def test_codes_are_unique_and_prefixed_by_area(pack: RulePack) -> None:
    prefixes = {
        "grief": "GR",
        "role_dispute": "DS",
        "role_transition": "TR",
        "interpersonal_deficits": "DF",
        "loss_of_healthy_self": "HS",
    }
    codes = [r.code for r in pack.rules]
    assert len(codes) == len(set(codes))
    for rule in pack.rules:
        assert rule.code.startswith(prefixes[rule.area]), rule.code


def test_every_profile_has_rules_for_each_of_its_areas(pack: RulePack) -> None:
    for name, profile in pack.profiles.items():
        for area in profile.areas:
            assert any(
                r.area == area and name in r.profiles and r.effect == "core" for r in pack.rules
            ), f"profile {name} has no core rule for {area}"


@pytest.mark.skipif(not REFERENCE.is_file(), reason="shared domain reference not present")
def test_sources_exist_in_the_domain_reference(pack: RulePack) -> None:
    text = REFERENCE.read_text(encoding="utf-8")
    keys = set(
        re.findall(
            r"^\| ([A-Z][A-Za-z0-9-]*(?:, [A-Z][A-Za-z0-9-]*)*)(?: / [A-Za-z0-9-]+)? \|", text, re.M
        )
    )
    known: set[str] = set()
    for group in keys:
        known.update(k.strip() for k in group.split(","))
    known.update(re.findall(r"\b([A-Z][A-Z0-9]+(?:-[A-Za-z0-9]+)?)\b", text))
    sections = set(re.findall(r"^#{2,4} ([0-9]+(?:\.[0-9]+)*)[ .]", text, re.M))
    for rule in pack.rules:
        assert rule.source.key in known, (
            f"{rule.code}: source key {rule.source.key} not in reference"
        )
        assert rule.source.section.lstrip("§") in sections, (
            f"{rule.code}: no section {rule.source.section}"
        )
