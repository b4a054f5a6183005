"""Facts over generated cases: fixed field order, closed values, and agreement with the graph.

The facts stage reads per-person tables rather than the networkx graph; these properties tie
its counts back to the graph's accessors and edges.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iptformulate import Case
from iptformulate.facts import FACT_FIELDS, GRIEF_SIGNS, FactParams, build_facts
from iptformulate.graph import RelationshipGraph, event_node, person_node
from iptformulate.model.vocab import ProblemArea

from .strategies import cases

SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])

HEAD = ["kind", "id"]
DEATH = [
    "death_offset",
    "death_near_onset",
    "death_timing",
    "death_relation",
    "death_nearness",
    "death_disclosed_late",
    "grief_signs",
    "event_count",
    "own_events",
]
ORDER = {
    "client": [
        *HEAD,
        "ref",
        *(k for k in FACT_FIELDS["client"] if k != "importance_<area>"),
        *(f"importance_{area.value}" for area in ProblemArea),
    ],
    "event": [*HEAD, *FACT_FIELDS["event"]],
    "involvement": [*HEAD, *FACT_FIELDS["involvement"]],
    "role_effect": [*HEAD, *FACT_FIELDS["role_effect"]],
    "person": [
        *HEAD,
        *(k for k in FACT_FIELDS["person"] if k not in ("<sign>", *DEATH)),
        *DEATH,
        *GRIEF_SIGNS,
    ],
    "summary": [*HEAD, *FACT_FIELDS["summary"]],
}


@SETTINGS
@given(case=cases(), before=st.integers(0, 40), after=st.integers(0, 12), ring=st.integers(1, 4))
def test_every_fact_has_its_fields_in_a_fixed_order(
    case: Case, before: int, after: int, ring: int
) -> None:
    facts = build_facts(RelationshipGraph(case), FactParams(before, after, ring))
    assert [f["id"] for f in facts] == sorted(f["id"] for f in facts)
    for fact in facts:
        assert list(fact) == ORDER[fact["kind"]]
        for value in fact.values():
            assert type(value) in (str, int), fact["kind"]


@SETTINGS
@given(case=cases(), before=st.integers(0, 40), after=st.integers(0, 12), ring=st.integers(1, 4))
def test_counts_agree_with_the_graph(case: Case, before: int, after: int, ring: int) -> None:
    graph = RelationshipGraph(case)
    facts = build_facts(graph, FactParams(before, after, ring))
    by_id = {f["id"]: f for f in facts}
    edges = {(u, v) for u, v, k in graph.g.edges(keys=True) if k == "involved_in"}
    involvements = {(f["person_ref"], f["event_ref"]) for f in facts if f["kind"] == "involvement"}
    assert {(person_node(p), event_node(e)) for p, e in involvements} == edges
    for event in case.events:
        involved = graph.people_involved(event.id)
        assert [p.id for p in involved] == sorted(set(event.people))
        assert by_id[f"event:{event.id}"]["people_count"] == len(involved)
    for person in case.people:
        events = graph.events_of(person.id)
        assert [e.id for e in events] == sorted(e.id for e in case.events if person.id in e.people)
        assert by_id[f"person:{person.id}"]["event_count"] == len(events)
    summary = by_id["summary"]
    window = graph.events_in_window(before, after)
    deaths = [p for p in graph.deceased() if p.id in _dated_within(case, before, after)]
    assert summary["close_ties"] == len(graph.close_people(ring))
    assert summary["supportive_ties"] == len(graph.supportive_ties())
    assert summary["confidants"] == len(graph.confidants())
    assert summary["conflictual_ties"] == len(graph.conflictual_ties())
    assert summary["deceased"] == len(graph.deceased())
    assert summary["deaths_near_onset"] == len(deaths)
    assert summary["events_near_onset"] == len(window)
    assert summary["role_changes_near_onset"] == sum(e.role_change is not None for e in window)
    assert graph.people() == sorted(case.people, key=lambda p: p.id)
    assert graph.events() == sorted(case.events, key=lambda e: e.id)


def _dated_within(case: Case, before: int, after: int) -> set[str]:
    """Deaths and events placed in the window: by months, or in words ("at onset", a short
    interval) when no months are known."""
    return {
        ref
        for ref, at in case.offsets().items()
        if at is not None and -before <= at <= after
    } | {
        ref
        for ref, at in case.offsets().items()
        if at is None and (case.relation(ref) == "at_onset" or case.interval(ref) == "short")
    }
