"""Compiling a rule pack for one profile: parameters resolved, conditions normalised.

Both engines consume the same `CompiledRule`s: the durable adapter turns them into
durable-rules JSON (`to_durable`), the reference evaluator into Python closures. Keeping one
normal form is what makes the differential test meaningful.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ..errors import RuleError
from .load import RulePack
from .spec import Op, Param, RuleSpec

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


def compile_pack(
    pack: RulePack,
    profile: str,
    *,
    only: tuple[str, ...] | None = None,
    overrides: Overrides = (),
) -> CompiledPack:
    """Rules of `pack` that belong to `profile` (or exactly the codes in `only`), with the
    profile's parameters, some of them overridden."""
    spec = pack.profile(profile)
    params = dict(spec.params)
    for name, value in overrides:
        if name not in params:
            raise KeyError(
                f"unknown parameter {name!r} for profile {profile!r}; "
                f"choose from {', '.join(sorted(params))}"
            )
        params[name] = value
    selected = [
        r
        for r in pack.rules
        if (only is not None and r.code in only)
        or (only is None and profile in r.profiles and r.area in spec.areas)
    ]
    compiled = tuple(compile_rule(r, params, pack.files[r.code]) for r in selected)
    return CompiledPack(pack=pack, profile=profile, rules=compiled, params=params)


@lru_cache(maxsize=256)
def compiled(
    pack: RulePack,
    profile: str,
    only: tuple[str, ...] | None = None,
    overrides: Overrides = (),
) -> CompiledPack:
    """`compile_pack`, cached per (pack, profile, selection, overrides)."""
    return compile_pack(pack, profile, only=only, overrides=overrides)


# --- durable-rules JSON --------------------------------------------------------------------

ALIAS_PREFIX = "p_"


def _durable_cond(field: str, op: str, value: Any) -> list[dict[str, Any]]:
    if op == "eq":
        return [{field: value}]
    if op == "neq":
        return [{"$neq": {field: value}}]
    if op in ("lt", "lte", "gt", "gte"):
        return [{f"${op}": {field: value}}]
    if op == "in":
        options = [{field: v} for v in value]
        return options if len(options) == 1 else [{"$or": options}]
    if op == "not_in":
        return [{"$neq": {field: v}} for v in value]
    raise AssertionError(op)


BATCH_CAP = 1000


def to_durable(rule: CompiledRule, action: str) -> dict[str, Any]:
    """One rule as durable-rules JSON. Joins come first inside `$and` (an `$or` before a join
    makes durable-rules drop the join), aliases are prefixed so none shadows a Closure
    attribute, and `cap` hands the action every pending match at once: durable-rules' cost is
    mostly per fired action, so one action per rule per case is far cheaper than one per
    match."""
    patterns = []
    for p in rule.patterns:
        terms: list[dict[str, Any]] = [
            {field: {ALIAS_PREFIX + other: other_field}} for field, other, other_field in p.joins
        ]
        terms.append({"kind": p.kind})
        for field, op, value in p.conds:
            terms.extend(_durable_cond(field, op, value))
        if p.anys:
            alternatives = []
            for alt in p.anys:
                parts = [t for c in alt for t in _durable_cond(*c)]
                alternatives.append(parts[0] if len(parts) == 1 else {"$and": parts})
            terms.append(alternatives[0] if len(alternatives) == 1 else {"$or": alternatives})
        patterns.append({ALIAS_PREFIX + p.alias: {"$and": terms}})
    return {"all": patterns, "cap": BATCH_CAP, "run": action}
