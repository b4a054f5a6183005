"""The typed relationship graph: one node per entity, order-free metrics, clean exports."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import asdict

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iptformulate import Case, examples
from iptformulate.graph import RelationshipGraph, role_node

from .strategies import cases

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _roles(case: Case) -> set[str]:
    out = set()
    for event in case.events:
        if event.role_change is not None:
            for text in (event.role_change.old, event.role_change.new):
                if text:
                    out.add(role_node(text))
    return out


@SETTINGS
@given(case=cases())
def test_one_node_per_client_person_event_and_role(case: Case) -> None:
    g = RelationshipGraph(case)
    assert g.nodes_of("client") == ["client"]
    assert len(g.nodes_of("person")) == len(case.people)
    assert len(g.nodes_of("event")) == len(case.events)
    assert set(g.nodes_of("role")) == _roles(case)
    assert g.g.number_of_nodes() == 1 + len(case.people) + len(case.events) + len(_roles(case))
    relationships = [e for e in g.g.edges(keys=True) if e[2] == "relationship"]
    assert len(relationships) == len(case.people)
    involvement = sum(len(set(e.people)) for e in case.events)
    assert len([e for e in g.g.edges(keys=True) if e[2] == "involved_in"]) == involvement


@SETTINGS
@given(case=cases(), seed=st.randoms(use_true_random=False))
def test_reordering_people_and_events_changes_no_metric(case: Case, seed: object) -> None:
    data = case.model_dump(mode="json")
    people, events = list(data["people"]), list(data["events"])
    seed.shuffle(people)  # type: ignore[attr-defined]
    seed.shuffle(events)  # type: ignore[attr-defined]
    shuffled = Case.model_validate({**data, "people": people, "events": events})
    for window in ((12, 3), (6, 0), (24, 6)):
        a = RelationshipGraph(case).metrics(before=window[0], after=window[1])
        b = RelationshipGraph(shuffled).metrics(before=window[0], after=window[1])
        assert a == b
    assert RelationshipGraph(case).to_json() == RelationshipGraph(shuffled).to_json()


@SETTINGS
@given(case=cases(), before=st.integers(0, 60), after=st.integers(0, 24), ring=st.integers(1, 4))
def test_metrics_stay_in_range(case: Case, before: int, after: int, ring: int) -> None:
    g = RelationshipGraph(case)
    m = g.metrics(before=before, after=after, close_ring=ring)
    n = len(case.people)
    for name, value in asdict(m).items():
        if isinstance(value, int) and not isinstance(value, bool):
            assert value >= 0, name
    bounded = ["close_ties", "supportive_ties", "confidants", "conflictual_ties", "deceased"]
    bounded += ["deaths_near_onset", "lost_ties_since_onset", "worsened_ties_at_onset"]
    for name in bounded:
        assert getattr(m, name) <= n, name
    assert m.confidants <= m.supportive_ties
    assert m.deaths_near_onset <= m.deceased
    assert m.events_near_onset <= len(case.events)
    assert m.role_changes_near_onset <= m.events_near_onset
    wider = g.metrics(before=before + 12, after=after + 12, close_ring=ring)
    assert wider.events_near_onset >= m.events_near_onset  # a wider window never sees less


def test_accessors_on_an_example() -> None:
    case = examples.load("grief_widower")
    g = RelationshipGraph(case)
    deceased = g.deceased()
    assert [p.id for p in deceased] == ["margaret"]
    assert all(p.ring is not None and p.ring <= 2 for p in g.close_people())
    by_ring = g.people_by_ring()
    assert sum(len(v) for v in by_ring.values()) == len(case.people)
    death_events = [e for e in case.events if "margaret" in e.people]
    assert {e.id for e in g.events_of("margaret")} == {e.id for e in death_events}
    for event in death_events:
        assert "margaret" in [p.id for p in g.people_involved(event.id)]
    assert g.events_in_window(12, 3)


def test_exports_hold_no_names_or_notes() -> None:
    case = examples.load("dispute_marriage_impasse")
    g = RelationshipGraph(case)
    text = g.to_json()
    data = json.loads(text)
    assert {n["id"] for n in data["nodes"]} == set(g.g.nodes)
    graphml = g.to_graphml()
    ET.fromstring(graphml)  # well-formed
    for person in case.people:
        assert person.name not in text and person.name not in graphml
        if person.notes:
            assert person.notes not in text
