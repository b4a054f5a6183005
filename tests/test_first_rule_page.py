"""docs/first-rule.md performed: its files added to a copy of the pack pass `rules check` and
`rules test`, and the rule runs in every profile with its area."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from iptformulate.cli import main
from iptformulate.rulepack import load_pack

from .conftest import REPO, RULES

PAGE = REPO / "docs" / "first-rule.md"


def _files() -> dict[str, str]:
    blocks = re.findall(r"```yaml\n# file: (\S+)\n(.*?)```", PAGE.read_text(encoding="utf-8"), re.S)
    return dict(blocks)


def test_the_first_rule_page_walk_through(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = _files()
    assert len(files) == 2
    root = tmp_path / "rules"
    shutil.copytree(RULES, root)
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")
    assert main(["rules", "check", str(root)]) == 0, capsys.readouterr().err
    assert main(["rules", "test", str(root)]) == 0, capsys.readouterr().out
    rule = load_pack(root).rule("GR090")
    assert set(rule.profiles) == {"classic", "ipsrt", "ipt-a", "stuart", "who-group"}


def test_the_page_is_in_the_site_navigation() -> None:
    assert "first-rule.md" in (REPO / "mkdocs.yml").read_text(encoding="utf-8")
