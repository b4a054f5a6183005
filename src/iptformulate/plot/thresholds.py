"""The profile parameters a formulation was made with (onset window, presence threshold).

A formulation records its profile and any parameter overrides, not the parameters themselves,
so they are read back from the rule pack; stage 8 may read the rule pack (stage 4) but not the
pipeline, hence this small cached loader.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from ..formulation.model import Formulation
from ..rulepack.compile import profile_spec
from ..rulepack.load import RulePack, default_rules_dir, load_pack

RulesArg = str | os.PathLike[str] | RulePack | None


@lru_cache(maxsize=4)
def _pack(path: str) -> RulePack:
    return load_pack(path)


def profile_params(
    formulation: Formulation | None, rules: RulesArg = None
) -> dict[str, int | float]:
    """The profile's parameters with the formulation's recorded overrides applied.

    Without a formulation, the classic profile of the default rules. `rules` names the rule
    pack when the formulation came from another folder than the default one.
    """
    if isinstance(rules, RulePack):
        pack = rules
    else:
        pack = _pack(str(Path(rules).resolve() if rules is not None else default_rules_dir()))
    profile = formulation.provenance.profile if formulation is not None else "classic"
    params: dict[str, int | float] = dict(profile_spec(pack, profile).params)
    if formulation is not None:
        for key, value in formulation.provenance.options.items():
            if key.startswith("param.") and isinstance(value, int | float):
                params[key.removeprefix("param.")] = value
    return params
