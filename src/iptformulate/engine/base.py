"""What an engine returns, and the interface both engines implement."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from ..facts import Fact
from ..rulepack.compile import CompiledPack, CompiledRule


@dataclass(frozen=True, order=True)
class Finding:
    """One firing of one rule: which rule, on which facts (alias -> fact id)."""

    area: str
    code: str
    evidence: tuple[tuple[str, str], ...]
    effect: str
    weight: float

    @property
    def fact_ids(self) -> tuple[str, ...]:
        return tuple(fact_id for _, fact_id in self.evidence)


class Engine(Protocol):
    """Runs a compiled pack over one case's facts."""

    name: str
    pack: CompiledPack

    def run(self, facts: Sequence[Fact]) -> list[Finding]: ...


def make_finding(rule: CompiledRule, bound: dict[str, str]) -> Finding:
    """A finding whose evidence lists the rule's evidence aliases in their declared order."""
    return Finding(
        area=rule.area,
        code=rule.code,
        evidence=tuple((alias, bound[alias]) for alias in rule.evidence),
        effect=rule.effect,
        weight=rule.weight,
    )


def derived_fact(rule: CompiledRule, bound: dict[str, str]) -> dict[str, str]:
    """The candidate fact a deriving rule asserts; its id is unique per rule and binding."""
    assert rule.derive_area is not None
    ids = "|".join(bound[p.alias] for p in rule.patterns)
    return {
        "kind": "candidate",
        "id": f"candidate:{rule.code}:{ids}",
        "area": rule.derive_area,
        "rule": rule.code,
    }


def finalise(findings: list[Finding]) -> list[Finding]:
    """Sorted and de-duplicated: engines fire in fact order, results must not depend on it."""
    return sorted(set(findings))
