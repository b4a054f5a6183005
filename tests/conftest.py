"""Shared fixtures: tests always use the repository's own rules/ folder."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from iptformulate.rulepack import RulePack, load_pack

# The parsed-rule cache goes to a folder of this run, never to the user's home (subprocesses
# started by tests inherit it).
os.environ.setdefault("IPTFORMULATE_CACHE", tempfile.mkdtemp(prefix="iptformulate-cache-"))

REPO = Path(__file__).resolve().parents[1]
RULES = REPO / "rules"
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def pack() -> RulePack:
    return load_pack(RULES)


def pack_with(
    tmp_path: Path, text: str, name: str = "GR900-test.yaml", area: str = "grief"
) -> Path:
    """A rules folder holding the shipped profiles and one rule file, for loader tests."""
    root = tmp_path / "rules"
    (root / "profiles").mkdir(parents=True)
    for profile in (RULES / "profiles").glob("*.yaml"):
        shutil.copy(profile, root / "profiles" / profile.name)
    shutil.copy(RULES / "areas.yaml", root / "areas.yaml")
    (root / area).mkdir(parents=True, exist_ok=True)
    (root / area / name).write_text(text, encoding="utf-8")
    return root
