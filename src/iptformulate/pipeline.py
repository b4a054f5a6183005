"""The public pipeline: case -> graph -> facts -> engine -> scores -> formulation.

Each stage is a module with one job; this module only wires them together and caches what can
be shared between cases (the rule pack, its compiled form and the engine).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from functools import lru_cache, partial
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .engine import EngineName, get_engine
from .engine.admission import CaseAdmission
from .engine.budget import check_work
from .engine.durable_engine import available as durable_available
from .engine.open_world import open_rules
from .engine.reference import MemoisedEngine
from .errors import CaseError, ProfileError
from .facts import FactParams, build_facts
from .formulation.build import build
from .formulation.model import Formulation, Override, remember_rederive
from .graph import RelationshipGraph
from .limits import DEFAULT_LIMITS, LimitProblem, Limits, check_case_size
from .loading import parse_case
from .model.case import Case
from .rulepack.compile import compiled, profile_spec
from .rulepack.load import RulePack, load_pack
from .rulepack.spec import ProfileChoice
from .scoring import score_all

RulesArg = str | os.PathLike[str] | RulePack | None

AUTO_PROFILE = "auto"
"""The profile name that picks a profile per case (`auto_profile`)."""


def _choice(pack: RulePack | None) -> ProfileChoice:
    choice = resolve_pack(pack).profile_choice
    if choice is None:
        raise ProfileError("profile 'auto' needs rules/profile-choice.yaml in the rules folder")
    return choice


def auto_profile(case: Case, pack: RulePack | None = None) -> str:
    """The profile `rules/profile-choice.yaml` of `pack` (default: the bundled rules) picks for
    the case: the first choice whose conditions all hold, else its default."""
    choice = _choice(pack)
    for rule in choice.choices:
        if all(getattr(case, name) in values for name, values in rule.when.items()):
            return rule.profile
    return choice.default


def profiles_of(profile: str, pack: RulePack | None = None) -> tuple[str, ...]:
    """The profiles a run with `profile` may use: every one the choice can pick for "auto"."""
    return _choice(pack).profiles() if profile == AUTO_PROFILE else (profile,)


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
    `CaseError` naming the limit, before any rule runs. Many calls with the same settings are
    cheaper through one `Formulator`."""

    def ready(profile: str) -> _Setup:  # validated after the case, as it always was
        opts = _options(options)
        key = tuple(sorted(opts.params.items()))
        return _setup(resolve_pack(rules), profile, opts.engine, key)

    def choose(case: Case) -> str:
        return auto_profile(case, resolve_pack(rules))

    return _formulate(case, profile, limits or DEFAULT_LIMITS, ready, choose=choose)


class _Setup:
    """Everything a formulation needs that does not depend on the case, for one (pack,
    profile, options): built once, then shared by every case."""

    __slots__ = (
        "cpack",
        "engine",
        "fact_params",
        "fallback",
        "pack",
        "recorded",
        "rule_weights",
        "spec",
        "subtypes",
        "threshold",
    )

    def __init__(
        self, pack: RulePack, profile: str, engine: EngineName, overrides: _Overrides
    ) -> None:
        self.pack = pack
        self.spec = profile_spec(pack, profile)
        self.cpack = compiled(pack, profile, None, overrides)
        self.engine = get_engine(self.cpack, engine)
        self.fact_params = FactParams.from_mapping(self.cpack.params)
        self.threshold = float(self.cpack.params["presence_threshold"])
        self.subtypes = subtype_values(pack)
        recorded: dict[str, str | int | float | bool] = {"engine": engine}
        recorded.update({f"param.{k}": v for k, v in overrides})
        self.recorded = recorded
        self.fallback = engine == "auto" and not durable_available()
        self.rule_weights = {r.code: r.weight for r in self.cpack.rules}


_Overrides = tuple[tuple[str, int | float], ...]


@lru_cache(maxsize=32)
def _setup(pack: RulePack, profile: str, engine: EngineName, overrides: _Overrides) -> _Setup:
    """One set-up per (pack, profile, engine, parameter overrides) and process."""
    return _Setup(pack, profile, engine, overrides)


if hasattr(os, "register_at_fork"):  # a forked child builds its own engines (see get_engine)
    os.register_at_fork(after_in_child=_setup.cache_clear)

_DEFAULT_OPTIONS = FormulateOptions()


def _options(options: FormulateOptions | Mapping[str, Any] | None) -> FormulateOptions:
    if options is None:
        return _DEFAULT_OPTIONS
    if isinstance(options, FormulateOptions):
        return options
    return FormulateOptions.model_validate(options)


def _formulate(
    case: Case | Mapping[str, Any],
    profile: str,
    limits: Limits,
    setup: Callable[[str], _Setup],
    override: Override | None = None,
    *,
    choose: Callable[[Case], str] = auto_profile,
) -> Formulation:
    """`choose` picks the profile for `profile="auto"` (`auto_profile` of the pack used)."""
    if not isinstance(case, Case):
        case = parse_case(case, limits=limits)
    if profile == AUTO_PROFILE:
        profile = choose(case)
    try:
        check_case_size(
            len(case.people), len(case.events), sum(len(e.people) for e in case.events), limits
        )
    except LimitProblem as exc:
        raise CaseError(str(exc), case_id=case.id, path=exc.path) from None
    ready = setup(profile)
    cpack = ready.cpack
    facts = build_facts(RelationshipGraph(case), ready.fact_params)
    check_work(cpack, facts, limits, case_id=case.id)
    # shared by the memoised evaluator and the open-world pass; build_facts makes only ints
    # and strings
    admission = CaseAdmission(cpack, facts, canonical=True)
    engine = ready.engine
    findings = (
        engine.run(facts, admission) if isinstance(engine, MemoisedEngine) else engine.run(facts)
    )
    scores = score_all(ready.spec.areas, findings, ready.threshold, ready.subtypes)
    result = build(
        case,
        facts,
        findings,
        scores,
        ready.pack,
        ready.spec,
        engine=ready.engine.name,
        fallback=ready.fallback,
        options=ready.recorded,
        open_fields=open_rules(cpack, facts, findings, admission),
        rule_weights=ready.rule_weights,
        override=override,
    )
    # with_override derives everything again from the case
    remember_rederive(result, partial(_formulate, case, profile, limits, setup))
    return result


@lru_cache(maxsize=16)
def subtype_values(pack: RulePack) -> dict[str, str]:
    return {r.code: r.subtype.value for r in pack.rules if r.subtype is not None}
