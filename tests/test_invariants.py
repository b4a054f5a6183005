"""Invariants of the formulation not covered in test_formulation.py: ids are only labels,
and an area with no evidence left is absent in every profile."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iptformulate import Case, Formulation, examples, formulate

from .strategies import cases, ids

PROFILES = ["classic", "stuart", "who-group", "ipsrt", "ipt-a"]
PROPERTIES = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
LOSS_EVENTS = {
    "separation", "divorce", "miscarriage", "job_loss", "illness_diagnosis", "disability",
    "financial_loss", "death",
}  # fmt: skip


def _outcome(f: Formulation) -> dict[str, Any]:
    """What must not depend on how ids are spelled: scores, presence, focus, rule codes."""
    return {
        "areas": {
            name: (
                a.score,
                a.present,
                a.excluded,
                a.subtype,
                sorted(x.code for x in a.findings_for),
                sorted(x.code for x in a.findings_against),
            )
            for name, a in f.areas.items()
        },
        "focus": (f.focus.primary, f.focus.secondary),
    }


def _rename(case: Case, new_ids: list[str]) -> Case:
    doc = case.model_dump(mode="json")
    old = [p["id"] for p in doc["people"]] + [e["id"] for e in doc["events"]]
    table = dict(zip(old, new_ids, strict=False))
    for person in doc["people"]:
        person["id"] = table[person["id"]]
    for event in doc["events"]:
        event["id"] = table[event["id"]]
        event["people"] = [table[ref] for ref in event["people"]]
        if event.get("subject") not in (None, "client"):
            event["subject"] = table[event["subject"]]
    if doc.get("main_concern") is not None:
        doc["main_concern"] = [table[ref] for ref in doc["main_concern"]]
    return Case.model_validate(doc)


@PROPERTIES
@given(case=cases(), data=st.data(), profile=st.sampled_from(PROFILES))
def test_renaming_ids_changes_nothing_but_the_ids(
    case: Case, data: st.DataObject, profile: str
) -> None:
    n = len(case.people) + len(case.events)
    new_ids = data.draw(st.lists(ids, min_size=n, max_size=n, unique=True))
    renamed = _rename(case, new_ids)
    assert _outcome(formulate(renamed, profile=profile)) == _outcome(
        formulate(case, profile=profile)
    )


def test_renaming_ids_of_every_example() -> None:
    for name in examples.names():
        case = examples.load(name)
        n = len(case.people) + len(case.events)
        # Reversed, zero-padded ids: a different sort order from the originals.
        renamed = _rename(case, [f"z{n - i:04d}" for i in range(n)])
        for profile in PROFILES:
            assert _outcome(formulate(renamed, profile=profile)) == _outcome(
                formulate(case, profile=profile)
            ), (name, profile)


def _without_losses(case: Case) -> dict[str, Any]:
    """The case with every death, deceased person and loss event removed."""
    doc = case.model_dump(mode="json")
    dead = {p["id"] for p in doc["people"] if p["status"] == "deceased"}
    doc["people"] = [p for p in doc["people"] if p["id"] not in dead]
    doc["events"] = [
        {**e, "people": [r for r in e["people"] if r not in dead]}
        for e in doc["events"]
        if e["type"] not in LOSS_EVENTS and not set(e["people"]) & dead
    ]
    if doc.get("main_concern") is not None:
        kept = {p["id"] for p in doc["people"]} | {e["id"] for e in doc["events"]}
        doc["main_concern"] = [ref for ref in doc["main_concern"] if ref in kept]
    return doc


@PROPERTIES
@given(case=cases(), profile=st.sampled_from(PROFILES))
def test_no_death_and_no_loss_means_no_grief(case: Case, profile: str) -> None:
    f = formulate(_without_losses(case), profile=profile)
    if "grief" in f.areas:
        assert not f.areas["grief"].present
        assert not f.areas["grief"].findings_for
        assert "grief" not in (f.focus.primary, f.focus.secondary)


def test_no_death_and_no_loss_means_no_grief_in_any_example() -> None:
    for name in examples.names():
        for profile in PROFILES:
            f = formulate(_without_losses(examples.load(name)), profile=profile)
            if "grief" in f.areas:
                assert not f.areas["grief"].present, (name, profile)
                assert f.areas["grief"].score == 0.0, (name, profile)
