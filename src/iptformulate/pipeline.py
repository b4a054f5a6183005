"""The public pipeline: case -> graph -> facts -> engine -> scores -> formulation.

Each stage is a module with one job; this module only wires them together and caches what can
be shared between cases (the rule pack, its compiled form and the engine).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import lru_cache, partial
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .engine import get_engine
from .engine.budget import check_work
from .engine.durable_engine import available as durable_available
from .engine.open_world import open_rules
from .errors import CaseError
from .facts import FactParams, build_facts
from .formulation.build import build
from .formulation.model import Formulation, Override, remember_rederive
from .graph import RelationshipGraph
from .limits import DEFAULT_LIMITS, LimitProblem, Limits, check_case_size
from .loading import parse_case
from .model.case import Case
from .rulepack.compile import compiled
from .rulepack.load import RulePack, load_pack
from .scoring import score_all

RulesArg = str | os.PathLike[str] | RulePack | None

AUTO_PROFILE = "auto"
"""The profile name that picks a profile per case (`auto_profile`)."""
AUTO_CHOICES = ("classic", "ipsrt", "ipt-a")
"""Every profile `auto_profile` can pick."""


def auto_profile(case: Case) -> str:
    """The profile a clinician would pick: IPSRT for bipolar depression, IPT-A for
    adolescents, classic otherwise."""
    if case.diagnosis == "bipolar_depression":
        return "ipsrt"
    if case.population == "adolescent":
        return "ipt-a"
    return "classic"


def profiles_of(profile: str) -> tuple[str, ...]:
    """The profiles a run with `profile` may use: all of `AUTO_CHOICES` for "auto"."""
    return AUTO_CHOICES if profile == AUTO_PROFILE else (profile,)


class FormulateOptions(BaseModel):
    """Options of `formulate`; every field is recorded in the formulation's provenance."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    engine: Literal["auto", "durable", "reference"] = Field(
        default="auto", description="durable-rules where it imports, else the reference evaluator"
    )
    params: dict[str, int | float] = Field(
        default_factory=dict, description="Overrides of the profile's parameters"
    )


@lru_cache(maxsize=8)
def _pack_at(path: str) -> RulePack:
    return load_pack(path)


def resolve_pack(rules: RulesArg = None) -> RulePack:
    """The rule pack to use: a loaded pack, a folder, or the default `rules/`."""
    if isinstance(rules, RulePack):
        return rules
    if rules is None:
        from .rulepack.load import default_rules_dir

        return _pack_at(str(default_rules_dir()))
    return _pack_at(str(Path(rules).resolve()))


def formulate(
    case: Case | Mapping[str, Any],
    *,
    profile: str = "classic",
    rules: RulesArg = None,
    options: FormulateOptions | Mapping[str, Any] | None = None,
    limits: Limits | None = None,
) -> Formulation:
    """Formulate one case: scores per area, the focus, the middle-phase plan, the session plan
    and a statement to share with the patient. Deterministic for a given case and rule pack.

    `profile="auto"` picks one per case (`auto_profile`). A case that would take more work than
    `limits` allows (facts, involvements, matches per rule and per case) is refused with a
    `CaseError` naming the limit, before any rule runs."""
    limits = limits or DEFAULT_LIMITS
    if not isinstance(case, Case):
        case = parse_case(case, limits=limits)
    if profile == AUTO_PROFILE:
        profile = auto_profile(case)
    try:
        check_case_size(
            len(case.people), len(case.events), sum(len(e.people) for e in case.events), limits
        )
    except LimitProblem as exc:
        raise CaseError(str(exc), case_id=case.id, path=exc.path) from None
    opts = (
        options
        if isinstance(options, FormulateOptions)
        else FormulateOptions.model_validate(options or {})
    )
    return _formulate(case, profile, resolve_pack(rules), opts, limits, None)


def _formulate(
    case: Case,
    profile: str,
    pack: RulePack,
    opts: FormulateOptions,
    limits: Limits,
    override: Override | None,
) -> Formulation:
    spec = pack.profile(profile)
    overrides = tuple(sorted(opts.params.items()))
    cpack = compiled(pack, profile, None, overrides)
    engine = get_engine(cpack, opts.engine)
    params = cpack.params
    facts = build_facts(RelationshipGraph(case), FactParams.from_mapping(params))
    check_work(cpack, facts, limits, case_id=case.id)
    findings = engine.run(facts)
    scores = score_all(
        spec.areas, findings, float(params["presence_threshold"]), subtype_values(pack)
    )
    recorded: dict[str, str | int | float | bool] = {"engine": opts.engine}
    recorded.update({f"param.{k}": v for k, v in overrides})
    result = build(
        case,
        facts,
        findings,
        scores,
        pack,
        spec,
        engine=engine.name,
        fallback=opts.engine == "auto" and not durable_available(),
        options=recorded,
        open_fields=open_rules(cpack, facts, findings),
        rule_weights={r.code: r.weight for r in cpack.rules},
        override=override,
    )
    remember_rederive(
        result, partial(_formulate, case, profile, pack, opts, limits)
    )  # with_override derives everything again from the case
    return result


@lru_cache(maxsize=16)
def subtype_values(pack: RulePack) -> dict[str, str]:
    return {r.code: r.subtype.value for r in pack.rules if r.subtype is not None}
