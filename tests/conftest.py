"""Shared fixtures: tests always use the repository's own rules/ folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from iptformulate.rulepack import RulePack, load_pack

REPO = Path(__file__).resolve().parents[1]
RULES = REPO / "rules"
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def pack() -> RulePack:
    return load_pack(RULES)
