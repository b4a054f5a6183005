"""The middle phase of each focus: its strategies and techniques, each with why it fits."""

from __future__ import annotations

from collections.abc import Sequence

from ..scoring import AreaScore
from .context import Bound, Context, join
from .model import AreaResult, MiddlePhasePlan, TechniqueOut, trusted
from .rationale import format_fields, inside_sentence, words


def _evidence_phrase(ctx: Context, bounds: Sequence[Bound]) -> str:
    """Who the evidence is about (at most three people); the events only when it names no
    one, so a row with the partner is "the relationship with Tom", not the row's description."""
    people: list[str] = []
    events: list[str] = []
    for bound in bounds:
        for fact in bound.values():
            kind = fact["kind"]
            if kind in ("person", "involvement"):
                person = fact["ref"] if kind == "person" else fact["person_ref"]
                name = ctx.names.person(str(person))
                if name not in people:
                    people.append(name)
            elif kind == "event":
                name = ctx.names.display(fact)
                if name not in events:
                    events.append(name)
    if people:
        return "the relationship with " + join(people[:3])
    # a description is a phrase of its own ("Started at a new school"): quoted, not run in
    return join([f"“{e}”" for e in events[:3]]) if events else "the inventory as a whole"


def middle_phase(
    ctx: Context, area: AreaResult, score: AreaScore, bounds: Sequence[Bound]
) -> MiddlePhasePlan:
    entry = ctx.prepared.catalogue.areas[area.area]
    plan = entry.subtypes.get(area.subtype or "", entry.default)
    because = [f.code for f in score.core + score.subtype_votes]
    values = {
        "area": inside_sentence(area.label),
        "subtype": words(area.subtype or "this"),
        "evidence": _evidence_phrase(ctx, bounds),
    }
    with_tasks = ctx.profile.between_session_tasks
    techniques = ctx.prepared.techniques
    out = []
    for tid in plan.techniques:
        tech = techniques[tid]
        out.append(
            trusted(
                TechniqueOut,
                {
                    "id": tid,
                    "name": tech.name,
                    "description": tech.description,
                    "why": format_fields(tech.fit, values),
                    "because_of": list(because),
                    "between_session_tasks": list(tech.tasks) if with_tasks else [],
                    "source": tech.source,
                },
            )
        )
    return trusted(
        MiddlePhasePlan,
        {
            "area": area.area,
            "subtype": area.subtype,
            "strategies": list(plan.strategies),
            "techniques": out,
        },
    )
