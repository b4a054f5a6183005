"""What an engine returns, and the interface both engines implement."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
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
    return new_finding(rule, tuple((alias, bound[alias]) for alias in rule.evidence))


def new_finding(rule: CompiledRule, evidence: tuple[tuple[str, str], ...]) -> Finding:
    """`make_finding` for an engine that has the evidence tuple already."""
    return Finding(rule.area, rule.code, evidence, rule.effect, rule.weight)


def derived_id(rule: CompiledRule, ids: Iterable[str]) -> str:
    """The id of the candidate fact `rule` derives from the facts `ids` (in pattern order)."""
    return f"candidate:{rule.code}:{'|'.join(ids)}"


def derived_fact(rule: CompiledRule, bound: dict[str, str]) -> dict[str, str]:
    """The candidate fact a deriving rule asserts; its id is unique per rule and binding."""
    assert rule.derive_area is not None
    return {
        "kind": "candidate",
        "id": derived_id(rule, (bound[p.alias] for p in rule.patterns)),
        "area": rule.derive_area,
        "rule": rule.code,
    }


def _order(finding: Finding) -> tuple[str, str, tuple[tuple[str, str], ...], str, float]:
    return (finding.area, finding.code, finding.evidence, finding.effect, finding.weight)


def finalise(findings: list[Finding]) -> list[Finding]:
    """Sorted and de-duplicated: engines fire in fact order, results must not depend on it.
    (Keyed on the fields' tuple, which is Finding's own equality and order, compared in C.)"""
    unique = {_order(f): f for f in findings}
    return [unique[key] for key in sorted(unique)]
