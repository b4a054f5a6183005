"""What a case leaves unknown: the structured fields a narrative did not state.

Free text (names, notes, descriptions) is never listed: no rule reads it. A timed thing whose
timing is wholly unstated is listed once as `timing`, not once per way of writing it.
"""

from __future__ import annotations

from pydantic import BaseModel

from .case import Case, When

FREE_TEXT = frozenset(
    {
        "name",
        "notes",
        "description",
        "patient_words",
        "activities",
        "relationship_detail",
        "desired_change",
        "attachment_notes",
        "text",
        "old",
        "new",
        "religion",
        "language",
    }
)
"""Fields that hold free text: for the report only, so never 'unknown' in this sense."""

_TIMING = (
    "date", "months_from_onset", "months_before_intake", "relation_to_onset", "interval"
)
_SKIP = frozenset({*FREE_TEXT, *_TIMING, "age_group", "ideal_ring", "died", "role_change"})


def unknown_fields(case: Case) -> list[str]:
    """Paths of the structured fields left unknown, in the order of the format
    (people and events named by id): `population`, `people[mother].support`, ..."""
    out = _unknown(case, "")
    settled = case.network.has_confidant is False  # "no one to talk to": nobody confides
    for person in case.people:
        out += [
            path
            for path in _unknown(person, f"people[{person.id}].")
            if not (settled and path.endswith(".confidant"))
        ]
        if person.died is not None and _untimed(person.died):
            out.append(f"people[{person.id}].died.timing")
        out += [
            f"people[{person.id}].expectations[{i}].met"
            for i, e in enumerate(person.expectations)
            if e.met is None
        ]
    for event in case.events:
        out += _unknown(event, f"events[{event.id}].")
        if _untimed(event):
            out.append(f"events[{event.id}].timing")
    if not case.episode.onset_known():
        out.append("episode.onset")
    return out


def _untimed(when: When) -> bool:
    return all(getattr(when, name) is None for name in _TIMING)


def _unknown(model: BaseModel, prefix: str) -> list[str]:
    out: list[str] = []
    for name in type(model).model_fields:
        if name in _SKIP or name in ("people", "events"):
            continue
        value = getattr(model, name)
        if value is None:
            out.append(prefix + name)
        elif isinstance(value, BaseModel) and not isinstance(value, When):
            out += _unknown(value, f"{prefix}{name}.")
    return out


__all__ = ["FREE_TEXT", "unknown_fields"]
