"""The session plan for the case's treatment format (or its diagnosis)."""

from __future__ import annotations

from .context import Context, source_text
from .model import Phase, SessionPlan, trusted


def session_plan(ctx: Context) -> SessionPlan:
    cat = ctx.prepared.plans
    fmt = str(ctx.case.format or "standard")  # not recorded: the standard acute plan, warned
    key = fmt
    if fmt == "standard":
        key = cat.by_diagnosis.get(str(ctx.case.diagnosis), "standard")
    data = cat.formats.get(key) or cat.formats["standard"]
    phases = [
        trusted(Phase, {"name": p.name, "sessions": p.sessions, "tasks": list(p.tasks)})
        for p in data.phases
    ]
    return trusted(
        SessionPlan,
        {
            "format": key,
            "total_sessions": data.total_sessions,
            "cadence": data.cadence,
            "phases": phases,
            "termination": list(cat.termination),
            "relapse_prevention": list(cat.relapse_prevention),
            "source": source_text(data.source),
        },
    )
