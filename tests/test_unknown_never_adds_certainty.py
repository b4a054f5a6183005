"""Unknown never adds certainty: replacing a stated value by 'not stated' never makes an absent
area present, never raises the focus confidence, and never raises an area's score by creating
evidence. When it takes away a competing area, the formulation says which unknown could bring
it back.

One deliberate limit: counter-evidence (`against` rules, e.g. F9's "the withdrawal began with
the episode") is evidence too, read from known values only. Forgetting the value it stood on
removes it, so the score of an area that had counter-evidence may rise back to what its own
evidence says; the area still never becomes present that way unless its own evidence already
met the threshold (checked: presence only ever follows the area's positive evidence)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iptformulate import examples, formulate, load_case
from iptformulate.model.case import Case

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CONFIDENCE = {"low": 0, "moderate": 1, "high": 2}

CASE_FIELDS = ("population", "diagnosis", "format", "main_concern")
EPISODE_FIELDS = ("prior_episodes", "chronicity", "mourns_pre_illness_self", "course")
NETWORK_FIELDS = (
    "longstanding_isolation",
    "withdrew_since_onset",
    "assertiveness",
    "social_skills_concerns",
    "size_before_onset",
    "size_now",
)
PERSON_FIELDS = (
    "ring",
    "contact",
    "support",
    "confidant",
    "conflict",
    "conflict_frequency",
    "conflict_ending",
    "conflict_style",
    "gives_in",
    "resentment",
    "contact_stopped",
    "engagement",
    "who_should_change",
    "change_at_onset",
    "knows_about_depression",
)
EVENT_FIELDS = ("valence", "subject")
TIMING = ("date", "months_from_onset", "months_before_intake", "relation_to_onset", "interval")


def _stated_paths(doc: dict[str, Any]) -> list[tuple[Any, ...]]:
    """Every stated value that format 2 lets a case leave unknown."""
    paths: list[tuple[Any, ...]] = [(f,) for f in CASE_FIELDS if doc.get(f) is not None]
    paths += [("episode", f) for f in EPISODE_FIELDS if doc["episode"].get(f) is not None]
    paths += [("network", f) for f in NETWORK_FIELDS if doc["network"].get(f) is not None]
    for i, person in enumerate(doc["people"]):
        paths += [("people", i, f) for f in PERSON_FIELDS if person.get(f) is not None]
        for j, expectation in enumerate(person["expectations"]):
            if expectation.get("met") is not None:
                paths.append(("people", i, "expectations", j, "met"))
        if person.get("died") is not None:
            paths.append(("people", i, "died", "timing"))
    for i, event in enumerate(doc["events"]):
        paths += [("events", i, f) for f in EVENT_FIELDS if event.get(f) is not None]
        paths.append(("events", i, "timing"))
    return paths


def _forget(doc: dict[str, Any], path: tuple[Any, ...]) -> dict[str, Any]:
    out = copy.deepcopy(doc)
    node: Any = out
    for key in path[:-1]:
        node = node[key]
    if path[-1] == "timing":
        for key in TIMING:
            node[key] = None
        node["approximate"] = False
    else:
        node[path[-1]] = None
    return out


HERE = Path(__file__).parent
EXAMPLES = [examples.load(name) for name in examples.names()]
EXAMPLES += [load_case(p) for p in sorted((HERE / "vignettes").glob("*.case.yaml"))]
EXAMPLES += [load_case(p) for p in sorted((HERE / "casebook").glob("cb*.yaml"))]


@st.composite
def forgetting(draw: st.DrawFn) -> tuple[Case, Case, tuple[Any, ...]]:
    case = draw(st.sampled_from(EXAMPLES))
    doc = case.model_dump(mode="json")
    path = draw(st.sampled_from(_stated_paths(doc)))
    return case, Case.model_validate(_forget(doc, path)), path


@SETTINGS
@given(pair=forgetting(), profile=st.sampled_from(["classic", "stuart", "ipt-a", "ipsrt"]))
def test_forgetting_a_value_never_adds_certainty(
    pair: tuple[Case, Case, tuple[Any, ...]], profile: str
) -> None:
    known, unknown, path = pair
    before, after = formulate(known, profile=profile), formulate(unknown, profile=profile)
    for area, result in after.areas.items():
        was = before.areas[area]
        if not was.findings_against:
            assert result.score <= was.score + 1e-9, (path, area)
        assert was.present or not result.present or was.excluded, (path, area)
    lost = {a for a, r in before.areas.items() if r.present and not after.areas[a].present}
    if lost:
        # a competitor vanished: the unknown that could restore it is listed to ask next
        asked = {area for u in after.unknowns for area in u.areas}
        assert asked & lost, (path, lost)
    elif after.focus.primary is not None and after.focus.primary == before.focus.primary:
        assert CONFIDENCE[after.focus.confidence] <= CONFIDENCE[before.focus.confidence], path
