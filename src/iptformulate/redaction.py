"""Keyed pseudonymisation of a case, for teaching and research exports.

The clinician's own output needs names; a case that leaves the clinic does not. `redact` keeps
everything the rules read (types, levels, rings, flags, offsets from onset) and removes what
identifies the client: names become keyed pseudonyms, free text is dropped, dates become months
from onset. The key is required, so a pseudonym cannot be recomputed from a guessed name or id.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from .model.case import Case, Episode, When, _months_between

_PREFIX = {"case": "C", "person": "P", "event": "E", "source": "S"}
_MIN_HEX = 8
_MONTHS = 1200


def pseudonym(kind: str, ident: str, key: bytes, length: int = _MIN_HEX) -> str:
    """`P-3f9a1c2b`: HMAC-SHA256 of the id under `key`, truncated; stable for one key."""
    digest = hmac.new(key, f"{kind}\0{ident}".encode(), hashlib.sha256).hexdigest()
    return f"{_PREFIX[kind]}-{digest[:length]}"


def redact(case: Case, *, key: bytes) -> Case:
    """A copy of `case` with keyed pseudonyms for ids and names and no free text or dates.

    The copy validates and formulates to the same areas and focus: the rules see no text.
    """
    if not isinstance(key, bytes | bytearray) or len(key) < 16:
        raise ValueError("redact needs a secret key of at least 16 bytes")
    key = bytes(key)
    ids = _mapping(
        key, [("person", p.id) for p in case.people] + [("event", e.id) for e in case.events]
    )

    out_people: list[dict[str, Any]] = []
    for person in case.people:
        doc = person.model_dump(mode="python")
        for field in ("relationship_detail", "activities", "desired_change", "notes"):
            doc[field] = None
        doc["id"] = doc["name"] = ids[person.id]
        doc["liked"] = []
        doc["disliked"] = []
        doc["expectations"] = [
            {"holder": x.holder, "text": None, "met": x.met} for x in person.expectations
        ]
        if person.died is not None:
            doc["died"] = _timing(person.died, case.offset(person.id))
        out_people.append(doc)

    out_events: list[dict[str, Any]] = []
    for event in case.events:
        doc = event.model_dump(mode="python")
        doc["id"] = ids[event.id]
        doc["people"] = [ids[ref] for ref in event.people]
        if event.subject not in (None, "client"):
            doc["subject"] = ids[event.subject]
        doc["description"] = None
        doc.update(_timing(event, case.offset(event.id)))
        if event.role_change is not None:
            doc["role_change"] = {
                "old": "role A" if event.role_change.old else None,
                "new": "role B" if event.role_change.new else None,
            }
        out_events.append(doc)

    data = case.model_dump(mode="python")
    data.update(
        id=pseudonym("case", case.id, key),
        patient_words=None,
        notes=None,
        episode=_episode(case.episode),
        people=out_people,
        events=out_events,
        main_concern=None
        if case.main_concern is None
        else [ids[ref] for ref in case.main_concern],
        network={**case.network.model_dump(mode="python"), "attachment_notes": None},
        social_rhythm={**case.social_rhythm.model_dump(mode="python"), "notes": None},
        culture=None if case.culture is None else {"matters": case.culture.matters},
        dilemma=None if case.dilemma is None else {"between": list(case.dilemma.between)},
        **{
            field: None if items is None else ["(redacted)"] * len(items)
            for field, items in (
                ("comorbidity", case.comorbidity),
                ("medical_illness", case.medical_illness),
                ("medication", case.medication),
            )
        },
    )
    return Case.model_validate(data)


def _timing(when: When, offset: int | None) -> dict[str, Any]:
    """A date becomes months from onset (clamped); months before intake stay only when they
    cannot be placed against the onset; the side of onset and `approximate` stay."""
    return {
        "date": None,
        "months_from_onset": _clamp(offset),
        "months_before_intake": when.months_before_intake if offset is None else None,
        "relation_to_onset": when.relation_to_onset,
        "interval": when.interval if offset is None else None,
        "approximate": when.approximate,
    }


def _mapping(key: bytes, items: list[tuple[str, str]]) -> dict[str, str]:
    """Pseudonyms for every id; lengthened for all in the (rare) event of a collision."""
    length = _MIN_HEX
    while True:
        out = {ident: pseudonym(kind, ident, key, length) for kind, ident in items}
        if len(set(out.values())) == len(out):
            return out
        length += 4


def _episode(episode: Episode) -> dict[str, Any]:
    onset, intake = episode.resolved_onset(), episode.intake_date
    months = episode.onset_months_before_intake
    if onset is not None and intake is not None:
        months = _months_between(onset, intake)
    doc = episode.model_dump(mode="python")
    doc.update(
        onset_date=None,
        intake_date=None,
        onset_months_before_intake=None if months is None else min(max(months, 0), _MONTHS),
    )
    return doc


def _clamp(months: int | None) -> int | None:
    return None if months is None else min(max(months, -_MONTHS), _MONTHS)


__all__ = ["pseudonym", "redact"]
