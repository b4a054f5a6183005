"""Generated rule and fact docs match the rule files (run `iptformulate rules docs` to fix)."""

from __future__ import annotations

from iptformulate.rulepack import RulePack
from iptformulate.rulepack.docs import render_docs

from .conftest import REPO


def test_generated_rule_docs_are_fresh(pack: RulePack) -> None:
    for name, content in render_docs(pack).items():
        path = (REPO / "docs" / "rules" / name).resolve()
        assert path.is_file(), f"{path} is missing: run `iptformulate rules docs`"
        assert path.read_text(encoding="utf-8") == content, (
            f"{path} is stale: run `iptformulate rules docs`"
        )


def test_every_rule_appears_in_its_area_page(pack: RulePack) -> None:
    pages = render_docs(pack)
    for rule in pack.rules:
        assert f"### {rule.code} — {rule.title}" in pages[f"{rule.area}.md"]
        assert rule.source.key in pages[f"{rule.area}.md"]
