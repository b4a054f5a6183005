"""Plausible re-encodings of a case: what a second careful encoder might have written instead.

Each perturbation changes one entry: an expectation's `met` left unknown, a ring moved one step,
a level (support, conflict) one step up or down, or a dated event or death given only as
"before onset, interval unknown" (when it was before onset).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

LEVELS = ["none", "low", "moderate", "high"]


def perturbations(doc: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(what changed, the re-encoded document) for every single-entry change."""
    for i, person in enumerate(doc.get("people") or []):
        pid = person["id"]
        for j, expectation in enumerate(person.get("expectations") or []):
            if expectation.get("met") is not None:
                out = copy.deepcopy(doc)
                out["people"][i]["expectations"][j]["met"] = None
                yield f"people[{pid}].expectations[{j}].met unknown", out
        ring = person.get("ring")
        if ring is not None:
            for step in (-1, 1):
                if 1 <= ring + step <= 4:
                    out = copy.deepcopy(doc)
                    out["people"][i]["ring"] = ring + step
                    yield f"people[{pid}].ring {ring}->{ring + step}", out
        for field in ("support", "conflict"):
            value = person.get(field)
            if value in LEVELS:
                k = LEVELS.index(value)
                for step in (-1, 1):
                    if 0 <= k + step < len(LEVELS):
                        out = copy.deepcopy(doc)
                        out["people"][i][field] = LEVELS[k + step]
                        yield f"people[{pid}].{field} {value}->{LEVELS[k + step]}", out
    for i, event in enumerate(doc.get("events") or []):
        months = event.get("months_from_onset")
        placed_before = months is not None and months < 0
        # a timing said in words ("recently", "years before") that another encoder left out
        in_words = event.get("interval") is not None and event.get("relation_to_onset") in (
            None,
            "before_onset",
        )
        if placed_before or in_words:
            out = copy.deepcopy(doc)
            target = out["events"][i]
            for key in ("date", "months_from_onset", "months_before_intake", "interval"):
                target[key] = None
            target["relation_to_onset"] = "before_onset"
            yield f"events[{event['id']}] before onset, interval unknown", out
