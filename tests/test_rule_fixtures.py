"""Every example beside every rule, through both engines (sqlfluff/semgrep style)."""

from __future__ import annotations

import pytest

from iptformulate.authoring import iter_fixtures, run_fixture
from iptformulate.rulepack import RulePack, load_pack

from .conftest import RULES

_PACK = load_pack(RULES)
_CASES = list(iter_fixtures(_PACK))


@pytest.mark.parametrize(
    ("code", "name", "case", "file"), _CASES, ids=[f"{c}:{n}" for c, n, _, _ in _CASES]
)
def test_fixture(pack: RulePack, code: str, name: str, case: object, file: str) -> None:
    result = run_fixture(pack, code, name, case, file)  # type: ignore[arg-type]
    assert not result.problems, f"{file}::{name}: " + "; ".join(result.problems)
