"""Treatment goals of each focus, naming the people and role changes its evidence cites."""

from __future__ import annotations

from collections.abc import Sequence

from ..model.case import LifeEvent
from ..scoring import AreaScore
from .context import Bound, Context, join
from .model import AreaId, Goal, trusted
from .rationale import fill_fields


def area_goals(ctx: Context, area: AreaId, score: AreaScore, bounds: Sequence[Bound]) -> list[Goal]:
    entry = ctx.prepared.catalogue.areas[area]
    stage = entry.subtypes.get(score.subtype or "")
    templates = stage.goals if stage is not None and stage.goals else entry.goals
    used = ctx.prepared.goal_names[area]
    people, events = ctx.people_and_events(area, bounds)
    values: dict[str, str] = {}
    if "people" in used:
        values["people"] = join([ctx.names.person(p) for p in people]) or "the important people"
    if "roles" in used:
        values["roles"] = "; ".join(_roles(ctx.case.events, events)) or "the roles that changed"
    if "event" in used:
        values["event"] = ctx.names.event(events[0]) if events else "what changed"
    because = [f.code for f in score.core]
    return [
        trusted(
            Goal,
            {
                "area": area,
                "text": fill_fields(t, values),
                "people": list(people),
                "because_of": list(because),
            },
        )
        for t in templates
    ]


def _roles(case_events: Sequence[LifeEvent], events: Sequence[str]) -> list[str]:
    """The role changes of the cited events, `old → new`, in event id order."""
    cited = set(events)
    roles: list[str] = []
    for event in sorted((e for e in case_events if e.id in cited), key=lambda e: e.id):
        if event.role_change is not None:
            old = event.role_change.old or "the old role"
            new = event.role_change.new or "the new role"
            if f"{old} → {new}" not in roles:
                roles.append(f"{old} → {new}")
    return roles
