"""The typed relationship graph built from a case (pipeline stage 2).

Nodes are the client, each person, each life event and each social role; edges carry the
inventory attributes. The graph is the single place where "who matters, and how" is measured,
so the facts stage reads metrics from here instead of re-deriving them from the case.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

import networkx as nx

from .model.case import Case, LifeEvent, Person
from .model.vocab import ChangeAtOnset, Level, PersonStatus

CLIENT = "client"
NodeKind = Literal["client", "person", "event", "role"]
EdgeKind = Literal["relationship", "involved_in", "left_role", "entered_role"]

_SUPPORTIVE = {Level.MODERATE, Level.HIGH}
_CONFLICTUAL = {Level.MODERATE, Level.HIGH}
_LOST = {ChangeAtOnset.ENDED, ChangeAtOnset.LOST_CONTACT}


def person_node(person_id: str) -> str:
    return f"person:{person_id}"


def event_node(event_id: str) -> str:
    return f"event:{event_id}"


def role_node(role: str) -> str:
    return f"role:{' '.join(role.casefold().split())}"


@dataclass(frozen=True)
class GraphMetrics:
    """Network measures the rules need; all counts are non-negative and order-independent."""

    people: int
    network_size_now: int
    network_size_before_onset: int
    close_ties: int
    supportive_ties: int
    confidants: int
    conflictual_ties: int
    deceased: int
    deaths_near_onset: int
    events_near_onset: int
    role_changes_near_onset: int
    lost_ties_since_onset: int
    worsened_ties_at_onset: int
    isolation_predates_episode: bool | None


class RelationshipGraph:
    """A networkx MultiDiGraph with typed accessors over one case's inventory."""

    def __init__(self, case: Case) -> None:
        self.case = case
        self.g: nx.MultiDiGraph[str] = nx.MultiDiGraph()
        self._people = {p.id: p for p in case.people}
        self._events = {e.id: e for e in case.events}
        self.g.add_node(CLIENT, kind="client")
        # insertion in id order keeps exports byte-identical whatever the inventory's order
        for person in sorted(case.people, key=lambda p: p.id):
            self.g.add_node(person_node(person.id), kind="person", ref=person.id)
            self.g.add_edge(
                CLIENT,
                person_node(person.id),
                key="relationship",
                kind="relationship",
                **_relationship_attrs(person),
            )
        for event in sorted(case.events, key=lambda e: e.id):
            node = event_node(event.id)
            self.g.add_node(
                node,
                kind="event",
                ref=event.id,
                type=str(event.type),
                offset=case.offset(event.id),
            )
            for ref in sorted(set(event.people)):
                self.g.add_edge(person_node(ref), node, key="involved_in", kind="involved_in")
            change = event.role_change
            if change is not None:
                if change.old:
                    self.g.add_node(role_node(change.old), kind="role", label=change.old)
                    self.g.add_edge(node, role_node(change.old), key="left_role", kind="left_role")
                if change.new:
                    self.g.add_node(role_node(change.new), kind="role", label=change.new)
                    self.g.add_edge(
                        node, role_node(change.new), key="entered_role", kind="entered_role"
                    )

    # --- typed accessors -------------------------------------------------------------------

    def nodes_of(self, kind: NodeKind) -> list[str]:
        """Node names of one kind, sorted."""
        return sorted(n for n, data in self.g.nodes(data=True) if data["kind"] == kind)

    def people(self) -> list[Person]:
        return [self._people[k] for k in sorted(self._people)]

    def events(self) -> list[LifeEvent]:
        return [self._events[k] for k in sorted(self._events)]

    def people_by_ring(self) -> dict[int | None, list[Person]]:
        """People grouped by closeness ring (None = not placed), each group sorted by id."""
        out: dict[int | None, list[Person]] = {}
        for person in self.people():
            out.setdefault(person.ring, []).append(person)
        return out

    def close_people(self, max_ring: int = 2) -> list[Person]:
        return [p for p in self.people() if p.ring is not None and p.ring <= max_ring]

    def conflictual_ties(self) -> list[Person]:
        return [p for p in self.people() if p.conflict in _CONFLICTUAL]

    def supportive_ties(self) -> list[Person]:
        return [p for p in self.people() if p.support in _SUPPORTIVE or p.confidant]

    def confidants(self) -> list[Person]:
        return [p for p in self.people() if p.confidant]

    def deceased(self) -> list[Person]:
        return [p for p in self.people() if p.status is PersonStatus.DECEASED]

    def events_in_window(self, before: int, after: int) -> list[LifeEvent]:
        """Events dated from `before` months before onset to `after` months after it."""
        return [e for e in self.events() if _within(self.case.offset(e.id), before, after)]

    def role_changes(self) -> list[LifeEvent]:
        """Events that record a role left or entered."""
        return [
            e
            for e in self.events()
            if e.role_change is not None and (e.role_change.old or e.role_change.new)
        ]

    def people_involved(self, event_id: str) -> list[Person]:
        node = event_node(event_id)
        refs = sorted(
            self.g.nodes[u]["ref"]
            for u, _, k in self.g.in_edges(node, keys=True)
            if k == "involved_in"
        )
        return [self._people[r] for r in dict.fromkeys(refs)]

    def events_of(self, person_id: str) -> list[LifeEvent]:
        node = person_node(person_id)
        refs = sorted(
            self.g.nodes[v]["ref"]
            for _, v, k in self.g.out_edges(node, keys=True)
            if k == "involved_in"
        )
        return [self._events[r] for r in dict.fromkeys(refs)]

    def roles(self) -> list[str]:
        return [self.g.nodes[n]["label"] for n in self.nodes_of("role")]

    # --- metrics ---------------------------------------------------------------------------

    def metrics(self, *, before: int = 12, after: int = 3, close_ring: int = 2) -> GraphMetrics:
        """Derived measures; the onset window runs `before` months before to `after` after."""
        people = self.people()
        now = [
            p for p in people if p.status is PersonStatus.ALIVE and p.change_at_onset not in _LOST
        ]
        then = [p for p in people if p.change_at_onset is not ChangeAtOnset.STARTED]
        net = self.case.network
        size_now = net.size_now if net.size_now is not None else len(now)
        size_before = net.size_before_onset if net.size_before_onset is not None else len(then)
        window = self.events_in_window(before, after)
        deaths = [p for p in self.deceased() if _within(self.case.offset(p.id), before, after)]
        return GraphMetrics(
            people=len(people),
            network_size_now=size_now,
            network_size_before_onset=size_before,
            close_ties=len(self.close_people(close_ring)),
            supportive_ties=len(self.supportive_ties()),
            confidants=len(self.confidants()),
            conflictual_ties=len(self.conflictual_ties()),
            deceased=len(self.deceased()),
            deaths_near_onset=len(deaths),
            events_near_onset=len(window),
            role_changes_near_onset=len([e for e in window if e.role_change is not None]),
            lost_ties_since_onset=len([p for p in people if p.change_at_onset in _LOST]),
            worsened_ties_at_onset=len(
                [p for p in people if p.change_at_onset is ChangeAtOnset.WORSENED]
            ),
            isolation_predates_episode=net.longstanding_isolation,
        )

    # --- export ----------------------------------------------------------------------------

    def to_node_link(self) -> dict[str, Any]:
        """Node-link JSON (ids and typed attributes only, no free text)."""
        data: dict[str, Any] = nx.node_link_data(self.g, edges="links")
        return data

    def to_graphml(self) -> str:
        """GraphML text; None-valued attributes are dropped, enums written as strings."""
        clean: nx.MultiDiGraph[str] = nx.MultiDiGraph()
        for node, data in self.g.nodes(data=True):
            clean.add_node(node, **_graphml_attrs(data.items()))
        for u, v, k, data in self.g.edges(keys=True, data=True):
            clean.add_edge(u, v, key=k, **_graphml_attrs(data.items()))
        buffer = io.BytesIO()
        nx.write_graphml(clean, buffer)
        return buffer.getvalue().decode("utf-8")

    def to_json(self) -> str:
        return json.dumps(self.to_node_link(), sort_keys=True, default=str)


def _within(offset: int | None, before: int, after: int) -> bool:
    return offset is not None and -before <= offset <= after


def _relationship_attrs(person: Person) -> dict[str, Any]:
    unmet = [x for x in person.expectations if x.met is False]
    return {
        "relationship": str(person.relationship),
        "ring": person.ring,
        "ideal_ring": person.ideal_ring,
        "contact": _s(person.contact),
        "support": _s(person.support),
        "confidant": person.confidant,
        "conflict": _s(person.conflict),
        "conflict_frequency": _s(person.conflict_frequency),
        "conflict_ending": _s(person.conflict_ending),
        "unmet_expectations": len(unmet),
        "engagement": _s(person.engagement),
        "knows_about_depression": person.knows_about_depression,
        "change_at_onset": _s(person.change_at_onset),
        "status": str(person.status),
    }


def _s(value: object) -> str | None:
    return None if value is None else str(value)


def _graphml_attrs(items: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in items:
        if value is None:
            continue
        out[key] = value if isinstance(value, bool | int | float | str) else str(value)
    return out
