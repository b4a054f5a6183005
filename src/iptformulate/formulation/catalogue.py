"""The clinical catalogues kept as data beside the rules, for the formulation stage.

The schemas live in `iptformulate.rulepack.catalogues` and every catalogue is validated when
the pack is loaded (`load_pack`), so a broken `techniques.yaml` fails `iptformulate rules
check` as well as `formulate`. This module hands the validated catalogues out.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from ..errors import RuleError
from ..rulepack.catalogues import (
    AreaPlan,
    AreaTechniques,
    FocusPolicy,
    PhaseData,
    PlanCatalogue,
    PlanData,
    StatementData,
    Technique,
    TechniqueCatalogue,
    validate_catalogue,
)
from ..rulepack.load import RulePack

__all__ = [
    "AreaPlan",
    "AreaTechniques",
    "FocusPolicy",
    "PhaseData",
    "PlanCatalogue",
    "PlanData",
    "StatementData",
    "Technique",
    "TechniqueCatalogue",
    "focus_policy",
    "plans",
    "statement",
    "techniques",
]


def _load(pack: RulePack, key: str) -> Any:
    data = pack.extras.get(key)
    file = f"rules/{key}.yaml"
    if data is None:
        raise RuleError("catalogue file is missing", file=file)
    return validate_catalogue(key, data, file)


@lru_cache(maxsize=16)
def focus_policy(pack: RulePack) -> FocusPolicy:
    result: FocusPolicy = _load(pack, "focus-policy")
    return result


@lru_cache(maxsize=16)
def techniques(pack: RulePack) -> TechniqueCatalogue:
    result: TechniqueCatalogue = _load(pack, "techniques")
    return result


@lru_cache(maxsize=16)
def plans(pack: RulePack) -> PlanCatalogue:
    result: PlanCatalogue = _load(pack, "plans")
    return result


@lru_cache(maxsize=16)
def statement(pack: RulePack) -> StatementData:
    result: StatementData = _load(pack, "statement")
    return result
