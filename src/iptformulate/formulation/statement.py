"""The statement to share with the patient, slot by slot, in their words rather than the
clinician's."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Literal, cast

from ..facts import Fact
from . import catalogue
from .context import Bound, Context, join
from .model import AreaId, PatientStatement, SessionPlan, StatementSlot, trusted
from .rationale import UNKNOWN_TIME, field_names, fill_fields, when_text, words

StatementKey = Literal["permission", "diagnosis", "sick_role", "link", "area", "plan", "agreement"]
STATEMENT_ORDER: tuple[StatementKey, ...] = (
    "permission", "diagnosis", "sick_role", "link", "area", "plan", "agreement"
)  # fmt: skip
PACK_VALUES = frozenset({"weeks", "area_phrase"})  # statement values that hold no case content


def patient_statement(
    ctx: Context,
    primary: str | None,
    bounds: Sequence[Bound],
    plan: SessionPlan,
    subtype: str | None = None,
) -> PatientStatement:
    data = ctx.prepared.statement
    case = ctx.case
    severity = ""
    if case.severity is not None:
        severity = fill_fields(
            data.severity,
            {
                "instrument": data.instrument_names.get(
                    str(case.severity.instrument), words(case.severity.instrument).upper()
                ),
                "score": str(case.severity.score),
            },
        )
    values = {
        "diagnosis": (
            data.diagnosis_names.get(str(case.diagnosis), words(case.diagnosis))
            if case.diagnosis is not None
            else "(the diagnosis, once it is recorded)"
        ),
        "severity": severity,
        # a contract names one number (the first of a range such as "12–16")
        "weeks": re.split(r"[–-]", plan.total_sessions, maxsplit=1)[0].strip(),
        "people": "",
        "event": "",
        "area_phrase": "",
    }
    # each slot is a template to fill, or (for a slot left out or worded whole) a plain text
    templates: dict[str, str] = {key: text for key, text in data.slots.items()}
    texts: dict[str, str] = {}
    if primary is None:
        del templates["link"], templates["area"], templates["plan"]
        texts = {"link": data.no_focus, "area": "", "plan": ""}
    else:
        if "people" in ctx.prepared.statement_names:
            people, _ = ctx.people_and_events(primary, bounds)
            values["people"] = join([ctx.names.person(p) for p in people])
        values["event"] = _link_phrase(ctx, bounds, data)
        phrases = data.subtype_phrases.get(cast(AreaId, primary), {})
        values["area_phrase"] = phrases.get(subtype or "", data.area_phrases[cast(AreaId, primary)])
        if not values["event"]:
            templates["link"] = data.link_without_event
    slots = []
    for i, key in enumerate(STATEMENT_ORDER):
        template = templates.get(key)
        if template is None:
            slot = _slot(i + 1, key, texts[key])
        elif PACK_VALUES.issuperset(field_names(template)):
            slot = _pack_slot(i + 1, key, template, values["weeks"], values["area_phrase"])
        else:
            slot = _slot(i + 1, key, fill_fields(template, values))
        if slot is not None:
            slots.append(slot)
    return trusted(PatientStatement, {"status": "proposed", "slots": slots}, {"slots"})


def _slot(number: int, key: str, text: str) -> StatementSlot | None:
    text = " ".join(text.split())
    return trusted(StatementSlot, {"slot": number, "name": key, "text": text}) if text else None


@lru_cache(maxsize=512)
def _pack_slot(
    number: int, key: str, template: str, weeks: str, area_phrase: str
) -> StatementSlot | None:
    """A slot worded from the pack alone, shared between formulations (it is immutable)."""
    return _slot(number, key, fill_fields(template, {"weeks": weeks, "area_phrase": area_phrase}))


# words that need a noun after them: "close to the time your low mood began"
_BEFORE_A_NOUN = ("around", "close to", "far from")


def _spoken_when(fact: Fact, field: str) -> str:
    """`when_text` as said to the patient: about their low mood, not "the onset"."""
    text = when_text(fact, field).replace("the onset", "your low mood began")
    for words_before in _BEFORE_A_NOUN:
        text = text.replace(f"{words_before} your low", f"{words_before} the time your low")
    return text


def _spoken(name: str) -> str:
    """A name as said to the patient: the clinician's label in brackets left out."""
    return name.split(" (", 1)[0].strip() or name


def _link_phrase(ctx: Context, bounds: Sequence[Bound], data: catalogue.StatementData) -> str:
    """Name the evidence that ties the focus to onset: a death, an event, or a relationship.
    The death or event most closely linked to onset comes first (F4), then any other."""
    facts = [fact for bound in bounds for fact in bound.values()]
    dated = [fact for fact in facts if _is_death_or_event(fact)]
    phrases = data.link_phrases
    for fact in sorted(dated, key=lambda f: -ctx.linked(f)):
        if fact["kind"] == "person":
            when = _spoken_when(fact, "death_offset")
            values = {"person": _spoken(ctx.names.display(fact)), "when": when}
            timed, undated = phrases["death"], phrases.get("death_undated")
        else:
            when = _spoken_when(fact, "offset")
            ref = str(fact["ref"] if fact["kind"] == "event" else fact["event_ref"])
            values = {"event": ctx.names.event(ref), "when": when}
            timed, undated = phrases["event"], phrases.get("event_undated")
        # "this is when things started: X, at an unknown time" says nothing: name it alone
        template = undated if undated is not None and when == UNKNOWN_TIME else timed
        return fill_fields(template, values)
    for fact in facts:
        if fact["kind"] == "person":
            return fill_fields(
                data.link_phrases["relationship"], {"person": _spoken(ctx.names.display(fact))}
            )
    return ""


def _is_death_or_event(fact: Fact) -> bool:
    kind = fact["kind"]
    return kind in ("event", "involvement") or (
        kind == "person" and fact.get("status") == "deceased"
    )
