"""Compiling a rule pack for one profile: parameters resolved, conditions normalised.

Both engines consume the same `CompiledRule`s: each engine turns them into its own form
(`engine/durable_wire.py`, `engine/reference.py`); the rule pack knows no engine. Keeping one
normal form is what makes the differential test meaningful.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ..errors import OptionError, ProfileError, RuleError
from .load import RulePack
from .spec import Op, Param, ProfileSpec, RuleSpec

Cond = tuple[str, str, Any]  # (field, op, value); op in eq neq lt lte gt gte in not_in


@dataclass(frozen=True)
class CompiledPattern:
    kind: str
    alias: str
    joins: tuple[tuple[str, str, str], ...]  # (field, other alias, other field)
    conds: tuple[Cond, ...]
    anys: tuple[tuple[Cond, ...], ...]


@dataclass(frozen=True)
class CompiledRule:
    code: str
    area: str
    effect: str
    weight: float
    patterns: tuple[CompiledPattern, ...]
    evidence: tuple[str, ...]
    derive_area: str | None
    reads_derived: bool


@dataclass(frozen=True, eq=False)
class CompiledPack:
    pack: RulePack
    profile: str
    rules: tuple[CompiledRule, ...]
    params: dict[str, Any]

    def by_code(self) -> dict[str, CompiledRule]:
        return {r.code: r for r in self.rules}


def _resolve(value: Any, params: dict[str, Any], code: str, file: str) -> Any:
    if isinstance(value, Param):
        if value.param not in params:
            raise RuleError(f"parameter '{value.param}' is not defined", file=file, code=code)
        return params[value.param]
    return value


def _conds(
    cond: dict[str, Any], params: dict[str, Any], rule: RuleSpec, file: str
) -> tuple[Cond, ...]:
    out: list[Cond] = []
    for name in sorted(cond):
        value = cond[name]
        if isinstance(value, Op):
            for op, inner in value.items():
                if op in ("in", "not_in"):
                    out.append((name, op, tuple(inner)))
                else:
                    out.append((name, op, _resolve(inner, params, rule.code, file)))
        else:
            out.append((name, "eq", value))
    return tuple(out)


def compile_rule(rule: RuleSpec, params: dict[str, Any], file: str) -> CompiledRule:
    patterns = []
    for p in rule.when:
        joins = tuple(
            (left, right.partition(".")[0], right.partition(".")[2])
            for left, right in sorted(p.join.items())
        )
        patterns.append(
            CompiledPattern(
                kind=p.fact,
                alias=p.as_,
                joins=joins,
                conds=_conds(p.where, params, rule, file),
                anys=tuple(_conds(a, params, rule, file) for a in p.any),
            )
        )
    weight = float(_resolve(rule.weight, params, rule.code, file))
    if not 0.0 <= weight <= 1.0:
        raise RuleError("weight must be between 0 and 1", file=file, code=rule.code, path="weight")
    return CompiledRule(
        code=rule.code,
        area=rule.area,
        effect=rule.effect,
        weight=weight,
        patterns=tuple(patterns),
        evidence=tuple(rule.evidence_aliases()),
        derive_area=rule.derive.area if rule.derive else None,
        reads_derived=any(p.fact == "candidate" for p in rule.when),
    )


Overrides = tuple[tuple[str, int | float], ...]


def profile_spec(pack: RulePack, profile: str) -> ProfileSpec:
    """The pack's profile of that name; `ProfileError` (naming the known ones) if it has none."""
    try:
        return pack.profile(profile)
    except KeyError as exc:
        raise ProfileError(*exc.args) from None


def compile_pack(
    pack: RulePack,
    profile: str,
    *,
    only: tuple[str, ...] | None = None,
    overrides: Overrides = (),
) -> CompiledPack:
    """Rules of `pack` that belong to `profile` (or exactly the codes in `only`), with the
    profile's parameters, some of them overridden."""
    spec = profile_spec(pack, profile)
    params = dict(spec.params)
    for name, value in overrides:
        if name not in params:
            raise ProfileError(
                f"unknown parameter {name!r} for profile {profile!r}; "
                f"choose from {', '.join(sorted(params))}"
            )
        _check_override(name, value)
        params[name] = value
    selected = [
        r
        for r in pack.rules
        if (only is not None and r.code in only)
        or (only is None and profile in r.profiles and r.area in spec.areas)
    ]
    compiled = tuple(compile_rule(r, params, pack.files[r.code]) for r in selected)
    _check_patterns_per_kind(compiled, pack)
    return CompiledPack(pack=pack, profile=profile, rules=compiled, params=params)


MAX_PATTERNS_PER_KIND = 64
"""durable-rules fails (error 303) when one fact completes more than 64 alpha paths; a pack
with at most this many patterns per fact kind can never get there."""


def _check_patterns_per_kind(rules: tuple[CompiledRule, ...], pack: RulePack) -> None:
    counts: dict[str, int] = {}
    for rule in rules:
        for pattern in rule.patterns:
            counts[pattern.kind] = counts.get(pattern.kind, 0) + 1
            if counts[pattern.kind] > MAX_PATTERNS_PER_KIND:
                raise RuleError(
                    f"more than {MAX_PATTERNS_PER_KIND} patterns on '{pattern.kind}' facts in one "
                    "profile; durable-rules cannot run them on one fact (error 303): merge rules "
                    "or move some to another profile",
                    file=pack.files.get(rule.code, pack.root), code=rule.code,
                )  # fmt: skip


def _check_override(name: str, value: object) -> None:
    """A parameter override must be a plain finite number both engines read alike: the rule
    files' own bounds (32-bit integers; no exponent-form floats)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        plain = False
    elif isinstance(value, float):
        plain = math.isfinite(value) and (value == 0 or 1e-4 <= abs(value) <= 1e9)
    else:
        plain = abs(value) < 2**31
    if not plain:
        raise OptionError(
            f"parameter {name!r} must be a finite plain number (an integer below 2**31, or a "
            "decimal between 0.0001 and 1e9 in size, or 0)"
        )


@lru_cache(maxsize=256)
def compiled(
    pack: RulePack,
    profile: str,
    only: tuple[str, ...] | None = None,
    overrides: Overrides = (),
) -> CompiledPack:
    """`compile_pack`, cached per (pack, profile, selection, overrides)."""
    return compile_pack(pack, profile, only=only, overrides=overrides)
