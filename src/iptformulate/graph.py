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
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import networkx as nx

from .model.case import Case, LifeEvent, Person
from .model.vocab import ChangeAtOnset, ConflictLevel, Level, PersonStatus

CLIENT = "client"
NodeKind = Literal["client", "person", "event", "role", "client_role"]
EdgeKind = Literal["relationship", "involved_in", "left_role", "entered_role"]

_SUPPORTIVE = {Level.MODERATE, Level.HIGH}
_CONFLICTUAL = {ConflictLevel.MODERATE, ConflictLevel.HIGH}
_LOST = {ChangeAtOnset.ENDED, ChangeAtOnset.LOST_CONTACT}
_GONE = {PersonStatus.DECEASED, PersonStatus.ESTRANGED, PersonStatus.RELATIONSHIP_ENDED}


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
    ungraded_conflict_ties: int
    deceased: int
    deaths_near_onset: int
    events_near_onset: int
    role_changes_near_onset: int
    lost_ties_since_onset: int
    worsened_ties_at_onset: int
    isolation_predates_episode: bool | None


class RelationshipGraph:
    """A networkx MultiDiGraph with typed accessors over one case's inventory.

    The accessors and metrics read tables built once from the case; the networkx graph `g` is
    built on first use (plots and exports need it, the facts stage does not).
    """

    def __init__(self, case: Case) -> None:
        self.case = case
        self._people = {p.id: p for p in case.people}
        self._events = {e.id: e for e in case.events}
        self._sorted_people = [self._people[k] for k in sorted(self._people)]
        self._sorted_events = [self._events[k] for k in sorted(self._events)]
        self._involved: dict[str, list[Person]] = {}
        self._events_of: dict[str, list[LifeEvent]] = {}
        for event in self._sorted_events:
            refs = event.people
            if len(refs) > 1:
                refs = sorted(set(refs))
            self._involved[event.id] = [self._people[r] for r in refs]
            for ref in refs:
                self._events_of.setdefault(ref, []).append(event)

    @cached_property
    def g(self) -> nx.MultiDiGraph[str]:
        """The graph itself: client, people, events and roles, with typed edges. Built, and
        networkx imported, on first use (plots, exports, analysis): formulating reads the
        tables above and never needs it, which saves a command-line start about 130 ms."""
        import networkx as nx

        case = self.case
        g: nx.MultiDiGraph[str] = nx.MultiDiGraph()
        g.add_node(CLIENT, kind="client")
        # insertion in id order keeps exports byte-identical whatever the inventory's order
        for person in self._sorted_people:
            g.add_node(person_node(person.id), kind="person", ref=person.id)
            g.add_edge(
                CLIENT,
                person_node(person.id),
                key="relationship",
                kind="relationship",
                **_relationship_attrs(person),
            )
        for event in self._sorted_events:
            node = event_node(event.id)
            g.add_node(
                node,
                kind="event",
                ref=event.id,
                type=str(event.type),
                offset=case.offset(event.id),
                relation=case.relation(event.id),
                interval=case.interval(event.id),
            )
            for person in self._involved[event.id]:
                g.add_edge(person_node(person.id), node, key="involved_in", kind="involved_in")
            if event.subject is not None:
                whose = CLIENT if event.subject == CLIENT else person_node(event.subject)
                g.add_edge(whose, node, key="subject_of", kind="subject_of")
            for effect in event.role_effects:
                role = role_node(f"client:{effect.role}")
                g.add_node(role, kind="client_role", label=str(effect.role))
                g.add_edge(node, role, key=f"role_{effect.change}", kind=f"role_{effect.change}")
            change = event.role_change
            if change is not None:
                if change.old:
                    g.add_node(role_node(change.old), kind="role", label=change.old)
                    g.add_edge(node, role_node(change.old), key="left_role", kind="left_role")
                if change.new:
                    g.add_node(role_node(change.new), kind="role", label=change.new)
                    g.add_edge(node, role_node(change.new), key="entered_role", kind="entered_role")
        return g

    # --- typed accessors -------------------------------------------------------------------

    def nodes_of(self, kind: NodeKind) -> list[str]:
        """Node names of one kind, sorted."""
        return sorted(n for n, data in self.g.nodes(data=True) if data["kind"] == kind)

    def people(self) -> list[Person]:
        return list(self._sorted_people)

    def events(self) -> list[LifeEvent]:
        return list(self._sorted_events)

    def people_by_ring(self) -> dict[int | None, list[Person]]:
        """People grouped by closeness ring (None = not placed), each group sorted by id."""
        out: dict[int | None, list[Person]] = {}
        for person in self._sorted_people:
            out.setdefault(person.ring, []).append(person)
        return out

    def close_people(self, max_ring: int = 2) -> list[Person]:
        return [p for p in self._sorted_people if p.ring is not None and p.ring <= max_ring]

    def conflictual_ties(self) -> list[Person]:
        return [p for p in self._sorted_people if p.conflict in _CONFLICTUAL]

    def supportive_ties(self) -> list[Person]:
        return [p for p in self._sorted_people if p.support in _SUPPORTIVE or p.confidant]

    def confidants(self) -> list[Person]:
        return [p for p in self._sorted_people if p.confidant]

    def deceased(self) -> list[Person]:
        return [p for p in self._sorted_people if p.status is PersonStatus.DECEASED]

    def events_in_window(self, before: int, after: int) -> list[LifeEvent]:
        """Events dated from `before` months before onset to `after` months after it."""
        return [e for e in self._sorted_events if self._in_window(e.id, before, after)]

    def _in_window(self, ref: str, before: int, after: int) -> bool:
        """Whether an event or death falls in the onset window: by its offset or, with none,
        by what the notes say in words ("at onset", a short interval)."""
        case = self.case
        offset = case.offsets().get(ref)
        if offset is not None:
            return -before <= offset <= after
        return case.relation(ref) == "at_onset" or case.interval(ref) == "short"

    def role_changes(self) -> list[LifeEvent]:
        """Events that record a role left or entered."""
        return [
            e
            for e in self._sorted_events
            if e.role_change is not None and (e.role_change.old or e.role_change.new)
        ]

    def people_involved(self, event_id: str) -> list[Person]:
        """The people an event involves, sorted by id."""
        return list(self._involved.get(event_id, ()))

    def events_of(self, person_id: str) -> list[LifeEvent]:
        """The events that involve a person, sorted by id."""
        return list(self._events_of.get(person_id, ()))

    def roles(self) -> list[str]:
        return [self.g.nodes[n]["label"] for n in self.nodes_of("role")]

    # --- metrics ---------------------------------------------------------------------------

    def metrics(self, *, before: int = 12, after: int = 3, close_ring: int = 2) -> GraphMetrics:
        """Derived measures; the onset window runs `before` months before to `after` after."""
        offsets = self.case.offsets()
        now = then = close = supportive = confidants = conflictual = ungraded = 0
        deceased = deaths = lost = worsened = 0
        for person in self._sorted_people:
            f = vars(person)  # faster than attribute access on a pydantic model
            change, status = f["change_at_onset"], f["status"]
            ring, confidant = f["ring"], f["confidant"]
            # who is in the network now and was before onset, from what is recorded: a person
            # listed with no status is taken as listed (present), never as gone; one who died,
            # fell out or parted counts before onset only if that happened in or after the onset
            # window (a change recorded at onset, or a death dated from the window on)
            gone = status in _GONE
            if not gone and change not in _LOST:
                now += 1
            if change is not ChangeAtOnset.STARTED and (
                not gone
                or change in _LOST
                or (status is PersonStatus.DECEASED and (offsets.get(f["id"]) or -9999) >= -before)
            ):
                then += 1
            if ring is not None and ring <= close_ring:
                close += 1
            if f["support"] in _SUPPORTIVE or confidant:
                supportive += 1
            if confidant:
                confidants += 1
            if f["conflict"] in _CONFLICTUAL:
                conflictual += 1
            elif f["conflict"] is ConflictLevel.PRESENT:
                ungraded += 1
            if status is PersonStatus.DECEASED:
                deceased += 1
                if self._in_window(f["id"], before, after):
                    deaths += 1
            if change in _LOST:
                lost += 1
            elif change is ChangeAtOnset.WORSENED:
                worsened += 1
        window = role_window = 0
        for e in self._sorted_events:
            if self._in_window(e.id, before, after):
                window += 1
                if e.role_change is not None:
                    role_window += 1
        net = self.case.network
        return GraphMetrics(
            people=len(self._sorted_people),
            network_size_now=net.size_now if net.size_now is not None else now,
            network_size_before_onset=(
                net.size_before_onset if net.size_before_onset is not None else then
            ),
            close_ties=close,
            supportive_ties=supportive,
            confidants=confidants,
            conflictual_ties=conflictual,
            ungraded_conflict_ties=ungraded,
            deceased=deceased,
            deaths_near_onset=deaths,
            events_near_onset=window,
            role_changes_near_onset=role_window,
            lost_ties_since_onset=lost,
            worsened_ties_at_onset=worsened,
            isolation_predates_episode=net.longstanding_isolation,
        )

    # --- export ----------------------------------------------------------------------------

    def to_node_link(self) -> dict[str, Any]:
        """Node-link JSON (ids and typed attributes only, no free text)."""
        import networkx as nx

        data: dict[str, Any] = nx.node_link_data(self.g, edges="links")
        return data

    def to_graphml(self) -> str:
        """GraphML text; None-valued attributes are dropped, enums written as strings."""
        import networkx as nx

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
        "status": _s(person.status),
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
