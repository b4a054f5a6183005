"""The warnings of a formulation: decision support, risk, missing data, profile fit, the
clinician's override and the engine that ran."""

from __future__ import annotations

from collections.abc import Mapping

from ..model.case import Case
from ..rulepack.spec import ProfileSpec
from .context import Context
from .model import AreaId, AreaResult, Override, Warning_, trusted
from .plan import plan_choice
from .rationale import words

DECISION_SUPPORT = (
    "Decision support, not a diagnosis: this formulation is a proposal drawn from the inventory "
    "as recorded. The clinician decides, and the patient's agreement is needed before the "
    "middle phase begins."
)


def _warning(kind: str, text: str) -> Warning_:
    return trusted(Warning_, {"kind": kind, "text": text})


# warnings that name nothing from the case are made once and shared (they are immutable)
_DECISION = _warning("decision_support", DECISION_SUPPORT)
_PSYCHOSIS = _warning("risk", "Psychotic symptoms are recorded: IPT alone may not fit; review "
                      "the treatment plan.")  # fmt: skip
_SUBSTANCE = _warning("risk", "Substance misuse is recorded: assess it before starting IPT.")
_NO_RISK_SCREEN = _warning("risk", "No risk screen is recorded (suicidal ideation, past "
                           "self-harm, plan, means): screen before IPT starts.")  # fmt: skip
_NO_CURRENT_IDEATION = _warning("risk", "Current suicidal ideation is not recorded (other risk "
                                "items are): ask about it before IPT starts.")  # fmt: skip
_NO_PEOPLE = _warning("missing_data", "No people are recorded: the inventory is empty, so no "
                      "area can be judged.")  # fmt: skip
_NO_ISOLATION = _warning("missing_data", "Whether the client was isolated before the episode "
                         "is not recorded; it separates deficits from depression-induced "
                         "withdrawal (F9).")  # fmt: skip


def case_warnings(ctx: Context, fallback: bool, engine: str) -> list[Warning_]:
    case = ctx.case
    out = [_DECISION]
    risk = case.risk
    if risk.suicidal_ideation in ("passive", "active"):
        out.append(
            _warning(
                "risk",
                f"Suicidal ideation ({risk.suicidal_ideation}) is recorded: assess and "
                "manage risk before and during IPT.",
            )
        )
    if not risk.screened():
        out.append(_NO_RISK_SCREEN)
    elif risk.suicidal_ideation is None:
        out.append(_NO_CURRENT_IDEATION)
    for flag, text in (
        (risk.past_self_harm, "Past self-harm is recorded"),
        (risk.past_suicidal_crisis, "A past suicidal crisis (admission or emergency visit) is "
         "recorded"),
        (risk.plan, "A current suicide plan is recorded"),
        (risk.access_to_means, "Access to means is recorded"),
        (risk.nondisclosure_concern, "The clinician suspects risk is not being disclosed"),
    ):
        if flag:
            out.append(_warning("risk", f"{text}: assess and manage risk before and during IPT."))
    if risk.psychosis:
        out.append(_PSYCHOSIS)
    if risk.substance_misuse:
        out.append(_SUBSTANCE)
    if case.assumed:
        out.append(
            _warning(
                "missing_data",
                "This case is in format 1, read with these assumptions: "
                + "; ".join(case.assumed)
                + ". Check them (`iptformulate upgrade` writes them into the file).",
            )
        )
    plan_key, plan_note = plan_choice(ctx)
    if case.format is None:
        title = ctx.prepared.plans.formats[plan_key].title
        out.append(_warning("missing_data", f"The treatment format is not recorded: the plan "
                            f"shown is the acute one, {title}."))  # fmt: skip
    if plan_note is not None:
        out.append(_warning("missing_data", plan_note))
    out += _profile_fit(case, ctx.profile)
    if not case.people:
        out.append(_NO_PEOPLE)
    unplaced = [p.id for p in case.people if p.ring is None]
    if unplaced:
        one = len(unplaced) == 1
        out.append(_warning("missing_data", f"{len(unplaced)} "
                            f"{'person has' if one else 'people have'} no closeness ring; "
                            "closeness rules cannot use them."))  # fmt: skip
    offsets = case.offsets()
    undated = [e.id for e in case.events if offsets.get(e.id) is None]
    undated += [p.id for p in case.people if p.status == "deceased" and offsets.get(p.id) is None]
    if undated:
        one = len(undated) == 1
        out.append(_warning("missing_data", f"{len(undated)} "
                            f"{'event or death has' if one else 'events or deaths have'} no "
                            f"date: {'its' if one else 'their'} link to onset cannot be judged ("
                            + ", ".join(sorted(undated)[:5]) + ")."))  # fmt: skip
    if case.network.longstanding_isolation is None and case.network.withdrew_since_onset is None:
        out.append(_NO_ISOLATION)
    if fallback:
        out.append(_warning("engine", f"durable-rules is unavailable; the {engine} "
                            "ran the same rules with identical results."))  # fmt: skip
    return out


def _profile_fit(case: Case, profile: ProfileSpec) -> list[Warning_]:
    """A warning when the case clearly falls outside whom the profile is for (its `fits`)."""
    fits = profile.fits
    if fits is None:
        return []
    misses = []
    population, diagnosis = case.population, case.diagnosis
    if fits.populations and population is not None and population not in fits.populations:
        misses.append(f"the population is {words(population)}")
    if fits.diagnoses and diagnosis is not None and diagnosis not in fits.diagnoses:
        misses.append(f"the diagnosis is {words(diagnosis)}")
    if fits.ages and case.age is not None and not fits.ages[0] <= case.age <= fits.ages[1]:
        misses.append(f"the client is {case.age}")
    if not misses:
        return []
    return [
        _warning(
            "missing_data",
            f"The {profile.name} profile may not fit this case: {'; '.join(misses)}. Check the "
            "profile (iptformulate picks one with --profile auto).",
        )
    ]


def override_warnings(
    override: Override | None, areas: Mapping[AreaId, AreaResult]
) -> list[Warning_]:
    if override is None:
        return []
    area = areas[override.focus]
    text = f"The clinician set the focus to {area.label} ({words(override.reason)})."
    if not area.present:
        text += (
            " The inventory holds no evidence that makes it present, so its middle phase, goals "
            "and statement use the area's general content."
        )
    return [_warning("override", text)]
