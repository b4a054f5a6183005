"""Hypothesis strategies for valid cases, shared by the property tests.

`case_dicts()` draws raw case documents (what a YAML or JSON file decodes to) that pass every
cross-field rule of `Case`; `cases()` validates them. Ids are unique across people and events,
events only name existing people, deaths only involve deceased people, and every date lies
between a known onset's neighbourhood and intake.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Any, get_args

from hypothesis import strategies as st

from iptformulate.model import Case, Person
from iptformulate.model.case import DAYS_PER_MONTH
from iptformulate.model.vocab import (
    ChangeAtOnset,
    Chronicity,
    ConflictEnding,
    ConflictLevel,
    Diagnosis,
    DisputeEngagement,
    EventType,
    Frequency,
    Importance,
    Instrument,
    Level,
    Level3,
    PersonStatus,
    Population,
    ProblemArea,
    RelationshipType,
    TreatmentFormat,
    Valence,
    WhoShouldChange,
)

GRIEF_SIGNS: tuple[str, ...] = get_args(get_args(Person.model_fields["grief_signs"].annotation)[0])

ids = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,11}", fullmatch=True)
"""Ids that pass the `Ident` rule."""

texts = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
"""Free text, any Unicode (NFC or not)."""

dates = st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2040, 12, 31))


def _months_between(start: dt.date, end: dt.date) -> int:
    return round((end - start).days / DAYS_PER_MONTH)


def _add_months(day: dt.date, months: int) -> dt.date:
    total = day.year * 12 + (day.month - 1) + months
    year, month = divmod(total, 12)
    return dt.date(year, month + 1, min(day.day, 28))


def _enum(kind: type[Enum]) -> st.SearchStrategy[str]:
    return st.sampled_from([member.value for member in kind])


def _maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


def _put(target: dict[str, Any], key: str, value: Any) -> None:
    """Set optional keys only when drawn, so documents also omit fields."""
    if value is not None:
        target[key] = value


@st.composite
def _episode(draw: st.DrawFn) -> tuple[dict[str, Any], dt.date | None, dt.date | None]:
    """An episode document, its resolved onset and its intake date."""
    doc: dict[str, Any] = {}
    intake = draw(_maybe(dates))
    onset: dt.date | None = None
    mode = draw(st.sampled_from(["none", "date", "months", "both"]))
    if mode in ("date", "both"):
        onset = draw(
            st.dates(min_value=dt.date(1950, 1, 1), max_value=intake or dt.date(2040, 12, 31))
        )
        doc["onset_date"] = onset.isoformat()
        if mode == "both" and intake is not None:
            doc["onset_months_before_intake"] = _months_between(onset, intake)
    elif mode == "months":
        months = draw(st.integers(0, 240))
        doc["onset_months_before_intake"] = months
        if intake is not None:
            onset = _add_months(intake, -months)
    if intake is not None:
        doc["intake_date"] = intake.isoformat()
    _put(doc, "chronicity", draw(_maybe(_enum(Chronicity))))
    if draw(st.booleans()):
        doc["prior_episodes"] = draw(st.integers(0, 100))
    _put(doc, "mourns_pre_illness_self", draw(_maybe(st.booleans())))
    return doc, onset, intake


@st.composite
def _when(draw: st.DrawFn, onset: dt.date | None, intake: dt.date | None) -> dict[str, Any]:
    """`date` and/or `months_from_onset` that agree and respect onset and intake, or only the
    side of onset and the interval in words."""
    doc: dict[str, Any] = {}
    choices = ["none", "months", "words"] + (["date", "both"] if onset is not None else [])
    mode = draw(st.sampled_from(choices))
    if mode == "months":
        doc["months_from_onset"] = draw(st.integers(-1200, 1200))
    elif mode in ("date", "both"):
        assert onset is not None
        latest = min(intake, dt.date(2040, 12, 31)) if intake else dt.date(2040, 12, 31)
        day = draw(st.dates(min_value=dt.date(1950, 1, 1), max_value=latest))
        doc["date"] = day.isoformat()
        if mode == "both":
            doc["months_from_onset"] = _months_between(onset, day)
    elif mode == "words":
        relation = draw(st.sampled_from([None, "before_onset", "at_onset", "after_onset"]))
        intervals = ["short"] if relation == "at_onset" else ["short", "long"]
        _put(doc, "relation_to_onset", relation)
        _put(doc, "interval", draw(st.sampled_from([None, *intervals])))
    if draw(st.booleans()):
        doc["approximate"] = draw(st.booleans())
    return doc


@st.composite
def _person(
    draw: st.DrawFn, ident: str, onset: dt.date | None, intake: dt.date | None
) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": ident,
        "name": draw(texts),
        "relationship": draw(_enum(RelationshipType)),
    }
    status = draw(_maybe(_enum(PersonStatus)))
    _put(doc, "status", status)
    _put(doc, "relationship_detail", draw(_maybe(texts)))
    _put(doc, "ring", draw(_maybe(st.integers(1, 4))))
    _put(doc, "ideal_ring", draw(_maybe(st.integers(1, 4))))
    _put(doc, "contact", draw(_maybe(_enum(Frequency))))
    _put(doc, "activities", draw(_maybe(texts)))
    _put(doc, "support", draw(_maybe(_enum(Level))))
    _put(doc, "confidant", draw(_maybe(st.booleans())))
    _put(doc, "liked", draw(_maybe(st.lists(texts, max_size=3))))
    _put(doc, "disliked", draw(_maybe(st.lists(texts, max_size=3))))
    _put(doc, "conflict", draw(_maybe(_enum(ConflictLevel))))
    _put(doc, "conflict_frequency", draw(_maybe(_enum(Frequency))))
    _put(doc, "conflict_ending", draw(_maybe(_enum(ConflictEnding))))
    expectation = st.fixed_dictionaries(
        {"holder": st.sampled_from(["client", "other"])},
        optional={"text": _maybe(texts), "met": _maybe(st.booleans())},
    )
    _put(doc, "expectations", draw(_maybe(st.lists(expectation, max_size=3))))
    _put(doc, "engagement", draw(_maybe(_enum(DisputeEngagement))))
    _put(doc, "knows_about_depression", draw(_maybe(st.booleans())))
    _put(doc, "desired_change", draw(_maybe(texts)))
    _put(doc, "who_should_change", draw(_maybe(_enum(WhoShouldChange))))
    _put(doc, "change_at_onset", draw(_maybe(_enum(ChangeAtOnset))))
    if status == PersonStatus.DECEASED.value:
        if draw(st.booleans()):
            doc["died"] = draw(_when(onset, intake))
        _put(
            doc,
            "grief_signs",
            draw(_maybe(st.lists(st.sampled_from(GRIEF_SIGNS), max_size=4))),
        )
    _put(doc, "notes", draw(_maybe(texts)))
    return doc


@st.composite
def _event(
    draw: st.DrawFn,
    ident: str,
    people: list[dict[str, Any]],
    onset: dt.date | None,
    intake: dt.date | None,
) -> dict[str, Any]:
    kind = draw(_enum(EventType))
    if kind == EventType.DEATH.value:
        pool = [p["id"] for p in people if p.get("status") == PersonStatus.DECEASED.value]
    else:
        pool = [p["id"] for p in people]
    doc: dict[str, Any] = {"id": ident, "type": kind}
    doc.update(draw(_when(onset, intake)))
    if pool:
        _put(doc, "people", draw(_maybe(st.lists(st.sampled_from(pool), max_size=3))))
    if draw(st.booleans()):
        doc["ongoing"] = draw(st.booleans())
    _put(doc, "valence", draw(_maybe(_enum(Valence))))
    role_change = st.fixed_dictionaries({}, optional={"old": _maybe(texts), "new": _maybe(texts)})
    _put(doc, "role_change", draw(_maybe(role_change)))
    _put(doc, "description", draw(_maybe(texts)))
    return doc


@st.composite
def _network(draw: st.DrawFn) -> dict[str, Any]:
    doc: dict[str, Any] = {}
    _put(doc, "size_before_onset", draw(_maybe(st.integers(0, 10000))))
    _put(doc, "size_now", draw(_maybe(st.integers(0, 10000))))
    _put(doc, "longstanding_isolation", draw(_maybe(st.booleans())))
    _put(doc, "withdrew_since_onset", draw(_maybe(st.booleans())))
    _put(doc, "assertiveness", draw(_maybe(_enum(Level3))))
    _put(doc, "social_skills_concerns", draw(_maybe(st.booleans())))
    _put(doc, "attachment_notes", draw(_maybe(texts)))
    return doc


@st.composite
def _case_dict(draw: st.DrawFn) -> dict[str, Any]:
    n_people = draw(st.integers(0, 8))
    n_events = draw(st.integers(0, 8))
    all_ids = draw(
        st.lists(
            ids, min_size=n_people + n_events + 1, max_size=n_people + n_events + 1, unique=True
        )
    )
    case_id, person_ids, event_ids = all_ids[0], all_ids[1 : n_people + 1], all_ids[n_people + 1 :]
    episode, onset, intake = draw(_episode())
    people = [draw(_person(ident, onset, intake)) for ident in person_ids]
    events = [draw(_event(ident, people, onset, intake)) for ident in event_ids]
    doc: dict[str, Any] = {"id": case_id}
    _put(doc, "age", draw(_maybe(st.integers(5, 120))))
    _put(
        doc,
        "age_group",
        draw(_maybe(st.sampled_from(["child", "adolescent", "adult", "older_adult"]))),
    )
    _put(doc, "population", draw(_maybe(_enum(Population))))
    _put(doc, "diagnosis", draw(_maybe(_enum(Diagnosis))))
    severity = st.fixed_dictionaries(
        {"instrument": _enum(Instrument), "score": st.integers(0, 100)}
    )
    _put(doc, "severity", draw(_maybe(severity)))
    _put(doc, "format", draw(_maybe(_enum(TreatmentFormat))))
    _put(doc, "patient_words", draw(_maybe(texts)))
    if episode or draw(st.booleans()):
        doc["episode"] = episode
    if people or draw(st.booleans()):
        doc["people"] = people
    if events or draw(st.booleans()):
        doc["events"] = events
    _put(doc, "network", draw(_maybe(_network())))
    importance = st.dictionaries(_enum(ProblemArea), _enum(Importance), max_size=5)
    _put(doc, "importance", draw(_maybe(importance)))
    refs = [*person_ids, *event_ids]
    if refs:
        concern = st.lists(st.sampled_from(refs), max_size=2, unique=True)
        _put(doc, "main_concern", draw(_maybe(concern)))
    risk = st.fixed_dictionaries(
        {},
        optional={
            "suicidal_ideation": _maybe(st.sampled_from(["none", "passive", "active"])),
            "psychosis": _maybe(st.booleans()),
            "substance_misuse": _maybe(st.booleans()),
        },
    )
    _put(doc, "risk", draw(_maybe(risk)))
    _put(doc, "notes", draw(_maybe(texts)))
    return doc


def case_dicts() -> st.SearchStrategy[dict[str, Any]]:
    """Raw documents (as decoded from YAML or JSON) of valid cases."""
    return _case_dict()


def cases() -> st.SearchStrategy[Case]:
    """Valid `Case` objects: 0-8 people, 0-8 events, consistent references and timeline."""
    return case_dicts().map(Case.model_validate)


__all__ = ["case_dicts", "cases", "dates", "ids", "texts"]
