"""The session plan: the recorded format's, or for the standard format (or none recorded) the
diagnosis's or the population's acute plan."""

from __future__ import annotations

from .context import Context, source_text
from .model import Phase, SessionPlan, trusted
from .rationale import words


def plan_choice(ctx: Context) -> tuple[str, str | None]:
    """The plan key for the case, and why it differs from the recorded format (or None).

    The standard format (or none recorded) takes the diagnosis's plan, else the population's;
    a format given only after remission (maintenance) with a current episode shows the acute
    plan first; a format with no plan of its own shows the standard one."""
    cat = ctx.prepared.plans
    case = ctx.case
    fmt = str(case.format or "standard")  # not recorded: the standard acute plan, warned
    acute = cat.by_diagnosis.get(str(case.diagnosis)) or cat.by_population.get(
        str(case.population), "standard"
    )
    if fmt == "standard":
        return acute, None
    data = cat.formats.get(fmt)
    if data is None:
        return "standard", (
            f"The {words(fmt)} format has no session plan of its own: the standard acute plan "
            "is shown; adjust it to the format."
        )
    episode = case.episode
    if data.after_remission and (episode.chronicity is not None or episode.course is not None):
        return acute, (
            f"The {words(fmt)} format is recorded, but it follows remission and this episode "
            f"is current, so the acute plan is shown first: {cat.formats[acute].title}."
        )
    if data.after_remission:
        return fmt, (
            f"The {words(fmt)} format follows remission: confirm that the episode has remitted "
            "before this plan starts."
        )
    return fmt, None


def session_plan(ctx: Context) -> SessionPlan:
    cat = ctx.prepared.plans
    key, _ = plan_choice(ctx)
    data = cat.formats[key]
    phases = [
        trusted(Phase, {"name": p.name, "sessions": p.sessions, "tasks": list(p.tasks)})
        for p in data.phases
    ]
    return trusted(
        SessionPlan,
        {
            "format": key,
            "title": data.title,
            "total_sessions": data.total_sessions,
            "cadence": data.cadence,
            "phases": phases,
            "termination": list(cat.termination),
            "relapse_prevention": list(cat.relapse_prevention),
            "source": source_text(data.source),
        },
    )
