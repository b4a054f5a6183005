"""The rule pack's own discipline: examples both ways, stable codes, real sources."""

from __future__ import annotations

import re

import pytest

from iptformulate.rulecheck import check_rules
from iptformulate.rulepack import RulePack

from .conftest import REPO, RULES, SHARED

REFERENCE = SHARED / "domain" / "ipt-reference.md"


def test_rules_check_finds_nothing(pack: RulePack) -> None:
    """The structural checks (prefix, folder, sub-type kind, examples both ways and behaving
    as labelled, catalogues, references, every profile covering its areas, generated docs)
    live in `iptformulate rules check`; the tests run the same code."""
    checked, problems = check_rules(RULES, docs=REPO / "docs" / "rules")
    assert checked == pack
    assert [str(p) for p in problems] == []


# Which profiles ran each rule when rules listed their profiles (before profiles selected rules
# by area and tag): the selection must keep it. Rules added since are not listed.
MEMBERSHIP_BEFORE_SELECTION = {
    "classic": (
        "DF001 DF002 DF003 DF004 DF005 DF006 DF008 DF009 DF010 DF011 DF012 DS001 DS002 DS003 "
        "DS004 DS005 DS006 DS007 DS008 DS009 DS010 DS011 DS012 DS013 DS014 DS015 DS016 DS017 "
        "DS020 DS021 DS022 GR001 GR002 GR003 GR004 GR010 GR011 GR012 GR013 GR014 GR015 GR016 "
        "GR020 GR021 GR030 GR031 GR032 GR040 TR001 TR002 TR003 TR004 TR005 TR006 TR007 TR008 "
        "TR009 TR010 TR013 TR014 TR015 TR016 TR017 "
    ),
    "ipsrt": (
        "DF001 DF002 DF003 DF004 DF005 DF006 DF008 DF009 DF010 DF011 DF012 DS001 DS002 DS003 "
        "DS004 DS005 DS006 DS007 DS008 DS009 DS010 DS011 DS012 DS013 DS014 DS015 DS016 DS017 "
        "DS020 DS021 DS022 GR001 GR002 GR003 GR004 GR010 GR011 GR012 GR013 GR014 GR015 GR016 "
        "GR020 GR021 GR030 GR031 GR032 GR040 HS001 HS002 HS010 HS011 HS020 TR001 TR002 TR003 "
        "TR004 TR005 TR006 TR007 TR008 TR009 TR010 TR013 TR014 TR015 TR016 TR017 "
    ),
    "ipt-a": (
        "DF001 DF002 DF003 DF004 DF005 DF006 DF008 DF009 DF010 DF011 DF012 DS001 DS002 DS003 "
        "DS004 DS005 DS006 DS007 DS008 DS009 DS010 DS011 DS012 DS013 DS014 DS015 DS016 DS017 "
        "DS018 DS020 DS021 DS022 GR001 GR002 GR003 GR004 GR010 GR011 GR012 GR013 GR014 GR015 "
        "GR016 GR020 GR021 GR030 GR031 GR032 GR040 TR001 TR002 TR003 TR004 TR005 TR006 TR007 "
        "TR008 TR009 TR010 TR011 TR013 TR014 TR015 TR016 TR017 "
    ),
    "stuart": (
        "DS001 DS002 DS003 DS004 DS005 DS006 DS007 DS008 DS009 DS010 DS011 DS012 DS013 DS014 "
        "DS015 DS016 DS017 DS020 DS021 DS022 GR001 GR002 GR003 GR004 GR005 GR010 GR011 GR012 "
        "GR013 GR014 GR015 GR016 GR020 GR021 GR030 GR031 GR032 GR040 TR001 TR002 TR004 TR005 "
        "TR006 TR007 TR008 TR009 TR010 TR013 TR014 TR015 TR016 TR017 "
    ),
    "who-group": (
        "DF001 DF002 DF003 DF004 DF005 DF006 DF008 DF009 DF010 DF011 DF012 DS001 DS002 DS003 "
        "DS004 DS005 DS006 DS007 DS008 DS009 DS010 DS011 DS012 DS013 DS014 DS015 DS016 DS017 "
        "DS020 DS021 DS022 GR001 GR002 GR003 GR004 GR010 GR011 GR012 GR013 GR014 GR015 GR016 "
        "GR020 GR021 GR030 GR031 GR032 GR040 TR001 TR002 TR003 TR004 TR005 TR006 TR007 TR008 "
        "TR009 TR010 TR013 TR014 TR015 TR016 TR017 "
    ),
}


def test_profile_selection_keeps_the_old_membership(pack: RulePack) -> None:
    before = {name: set(codes.split()) for name, codes in MEMBERSHIP_BEFORE_SELECTION.items()}
    known = set().union(*before.values())
    for name, codes in before.items():
        now = {r.code for r in pack.rules if name in r.profiles and r.code in known}
        assert now == codes, name


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
