"""Facts: the flat records the rules see (pipeline stage 3).

Facts carry only strings from closed vocabularies, small ints and tri-state strings
(`yes`/`no`/`unknown`), and every fact of a type has every field. That keeps the two engines
identical: durable-rules mishandles missing properties, exponent-form floats and wide ints
(docs/engine.md), and the reference evaluator sees exactly the same records. No names or free
text ever enter a fact. Field documentation: docs/facts.md (generated from `FACT_FIELDS`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, get_args

from .graph import RelationshipGraph
from .model.case import Case, Person
from .model.vocab import Frequency, GriefSign, Level, PersonStatus, ProblemArea, Vocab

FACTS_VERSION = 1
UNKNOWN_OFFSET = 9999  # sorts after every real offset, so window tests never match it
UNPLACED_RING = 9  # outside every real ring, so closeness tests never match it

Fact = dict[str, Any]

GRIEF_SIGNS: tuple[str, ...] = get_args(GriefSign)


@dataclass(frozen=True)
class FactParams:
    """Profile parameters the facts stage needs (the onset window and what counts as close)."""

    window_before: int = 12
    window_after: int = 3
    close_ring: int = 2

    def near(self, offset: int | None) -> bool | None:
        """Whether an offset falls in the onset window (None when the timing is unknown)."""
        if offset is None:
            return None
        return -self.window_before <= offset <= self.window_after

    @classmethod
    def from_mapping(cls, params: Mapping[str, Any]) -> FactParams:
        return cls(
            window_before=int(params.get("onset_window_before_months", cls.window_before)),
            window_after=int(params.get("onset_window_after_months", cls.window_after)),
            close_ring=int(params.get("close_ring", cls.close_ring)),
        )


FACT_FIELDS: dict[str, dict[str, str]] = {
    "client": {
        "population": "adult | adolescent | older_adult | perinatal",
        "diagnosis": "major_depression | persistent_depression | bipolar_depression | ptsd | other",
        "format": "standard | ipt_a | brief | group | maintenance",
        "age": "age in years, 0 when unknown",
        "chronicity": "acute | subacute | chronic | unknown",
        "prior_episodes": "number of earlier episodes",
        "mourns_pre_illness_self": "yes | no | unknown",
        "longstanding_isolation": "yes | no | unknown: few ties since long before the episode",
        "withdrew_since_onset": "yes | no | unknown: pulled away from people after onset",
        "assertiveness": "low | moderate | high | unknown",
        "social_skills_concerns": "yes | no | unknown",
        "suicidal_ideation": "none | passive | active | unknown",
        "psychosis": "yes | no | unknown",
        "substance_misuse": "yes | no | unknown",
        "importance_<area>": "not_important | somewhat | very | unknown, per problem area",
    },
    "person": {
        "ref": "the person's id (join key)",
        "relationship": "partner | parent | child | sibling | friend | boss | ... (vocabulary)",
        "ring": "closeness ring 1-4 (1 = closest); 9 when not placed",
        "ideal_ring": "where the client would like the person; 9 when not given",
        "contact": "never | rarely | monthly | weekly | daily | unknown",
        "support": "none | low | moderate | high | unknown",
        "confidant": "yes | no | unknown",
        "conflict": "none | low | moderate | high | unknown",
        "conflict_rank": "0 none, 1 low, 2 moderate, 3 high; -1 unknown",
        "support_rank": "0 none, 1 low, 2 moderate, 3 high; -1 unknown",
        "contact_rank": "0 never, 1 rarely, 2 monthly, 3 weekly, 4 daily; -1 unknown",
        "conflict_frequency": "never | rarely | monthly | weekly | daily | unknown",
        "conflict_ending": "resolved | dropped | escalates | patient_gives_in | other_gives_in | "
        "unresolved | unknown",
        "unmet_expectations": "count of expectations (either side) marked not met",
        "unmet_client_expectations": "count of the client's expectations not met",
        "unmet_other_expectations": "count of the other person's expectations not met",
        "engagement": "negotiating | stopped_talking | ending | none",
        "knows_about_depression": "yes | no | unknown",
        "who_should_change": "self | other | both | unknown",
        "change_at_onset": "none | worsened | improved | started | ended | lost_contact | unknown",
        "status": "alive | deceased | estranged | relationship_ended",
        "death_offset": "months from onset to the death (negative = before); 9999 when unknown",
        "death_timing": "known | unknown | not_applicable",
        "death_near_onset": "yes | no | unknown: the death falls in the onset window",
        "grief_signs": "count of recorded grief reactions",
        "<sign>": "yes | no for each grief reaction: " + ", ".join(GRIEF_SIGNS),
        "event_count": "number of life events that involve this person",
    },
    "event": {
        "ref": "the event's id (join key)",
        "type": "death | separation | divorce | ... | conflict | other (vocabulary)",
        "offset": "months from onset (negative = before); 9999 when unknown",
        "timing": "known | unknown",
        "near_onset": "yes | no | unknown: inside the profile's onset window",
        "approximate": "yes | no",
        "ongoing": "yes | no: its consequences still maintain the episode",
        "valence": "positive | negative | mixed | neutral | unknown",
        "role_change": "yes | no: an old or a new role is named",
        "people_count": "number of people involved",
    },
    "involvement": {
        "event_ref": "the event's id (join key to event.ref)",
        "person_ref": "the person's id (join key to person.ref)",
        "type": "the event's type",
        "offset": "the event's offset from onset; 9999 when unknown",
        "timing": "known | unknown",
        "near_onset": "yes | no | unknown: inside the profile's onset window",
        "relationship": "the person's relationship type",
        "ring": "the person's closeness ring; 9 when not placed",
    },
    "summary": {
        "people": "number of people in the inventory",
        "network_size_now": "people in the client's network now",
        "network_size_before": "people in the network before onset",
        "network_shrank": "yes | no: fewer people now than before onset",
        "close_ties": "people in ring <= close_ring",
        "supportive_ties": "people giving moderate or high support, or confidants",
        "confidants": "confidants",
        "conflictual_ties": "people with moderate or high conflict",
        "deceased": "deceased people",
        "deaths_near_onset": "deaths inside the onset window",
        "events": "life events recorded",
        "events_near_onset": "events inside the onset window",
        "role_changes_near_onset": "events with a role change inside the onset window",
        "lost_ties_since_onset": "people the client lost contact with or ended with at onset",
        "worsened_ties_at_onset": "relationships that worsened around onset",
        "unmet_expectation_ties": "people with at least one unmet expectation",
        "disputes_engaged": "people with a recorded dispute engagement",
    },
}


_LEVELS = (Level.NONE, Level.LOW, Level.MODERATE, Level.HIGH)
_FREQUENCIES = (
    Frequency.NEVER,
    Frequency.RARELY,
    Frequency.MONTHLY,
    Frequency.WEEKLY,
    Frequency.DAILY,
)


_LEVEL_RANK: dict[object, int] = {None: -1, **{v: i for i, v in enumerate(_LEVELS)}}
_FREQUENCY_RANK: dict[object, int] = {None: -1, **{v: i for i, v in enumerate(_FREQUENCIES)}}
_NO_GRIEF = dict.fromkeys(GRIEF_SIGNS, "no")
_WORDS: dict[object, str] = {None: "unknown"}
_WORDS.update((member, member.value) for vocab in Vocab.__subclasses__() for member in vocab)
"""`_opt` as a table: `_WORDS.get(x) or str(x)` is the same string without a call per field."""
_IMPORTANCE = [(f"importance_{area.value}", area) for area in ProblemArea]


def tri(value: bool | None) -> str:
    """Tri-state string for an optional yes/no answer."""
    if value is None:
        return "unknown"
    return "yes" if value else "no"


def _opt(value: object) -> str:
    return "unknown" if value is None else str(value)


def build_facts(graph: RelationshipGraph, params: FactParams | None = None) -> list[Fact]:
    """All facts of one case, sorted by id; fact ids are prefixed by kind so they never clash."""
    params = params or FactParams()
    case = graph.case
    offsets = case.offsets()
    window = (-params.window_before, params.window_after)
    facts: list[Fact] = [_client_fact(case)]
    event_counts: dict[str, int] = {}
    for event in graph.events():
        offset = offsets.get(event.id)
        if offset is None:
            shown, timing, near = UNKNOWN_OFFSET, "unknown", "unknown"
        else:
            shown, timing = offset, "known"
            near = "yes" if window[0] <= offset <= window[1] else "no"
        involved = graph.people_involved(event.id)
        change = event.role_change
        kind = str(event.type)
        facts.append(
            {
                "kind": "event",
                "id": f"event:{event.id}",
                "ref": event.id,
                "type": kind,
                "offset": shown,
                "timing": timing,
                "near_onset": near,
                "approximate": tri(event.approximate),
                "ongoing": tri(event.ongoing),
                "valence": _WORDS.get(event.valence) or str(event.valence),
                "role_change": tri(change is not None and bool(change.old or change.new)),
                "people_count": len(involved),
            }
        )
        for person in involved:
            event_counts[person.id] = event_counts.get(person.id, 0) + 1
            facts.append(
                {
                    "kind": "involvement",
                    "id": f"involvement:{event.id}:{person.id}",
                    "event_ref": event.id,
                    "person_ref": person.id,
                    "type": kind,
                    "offset": shown,
                    "timing": timing,
                    "near_onset": near,
                    "relationship": str(person.relationship),
                    "ring": person.ring if person.ring is not None else UNPLACED_RING,
                }
            )
    unmet_ties = engaged = 0
    for person in graph.people():
        fact = _person_fact(person, offsets.get(person.id), event_counts.get(person.id, 0), window)
        unmet_ties += fact["unmet_expectations"] > 0
        engaged += person.engagement is not None
        facts.append(fact)
    metrics = graph.metrics(
        before=params.window_before, after=params.window_after, close_ring=params.close_ring
    )
    facts.append(
        {
            "kind": "summary",
            "id": "summary",
            "people": metrics.people,
            "network_size_now": metrics.network_size_now,
            "network_size_before": metrics.network_size_before_onset,
            "network_shrank": tri(metrics.network_size_now < metrics.network_size_before_onset),
            "close_ties": metrics.close_ties,
            "supportive_ties": metrics.supportive_ties,
            "confidants": metrics.confidants,
            "conflictual_ties": metrics.conflictual_ties,
            "deceased": metrics.deceased,
            "deaths_near_onset": metrics.deaths_near_onset,
            "events": len(case.events),
            "events_near_onset": metrics.events_near_onset,
            "role_changes_near_onset": metrics.role_changes_near_onset,
            "lost_ties_since_onset": metrics.lost_ties_since_onset,
            "worsened_ties_at_onset": metrics.worsened_ties_at_onset,
            "unmet_expectation_ties": unmet_ties,
            "disputes_engaged": engaged,
        }
    )
    facts.sort(key=itemgetter("id"))
    return facts


def _client_fact(case: Case) -> Fact:
    net = case.network
    episode = case.episode
    risk = case.risk
    fact: Fact = {
        "kind": "client",
        "id": "client",
        "ref": "client",
        "population": str(case.population),
        "diagnosis": str(case.diagnosis),
        "format": str(case.format),
        "age": case.age or 0,
        "chronicity": _opt(episode.chronicity),
        "prior_episodes": episode.prior_episodes,
        "mourns_pre_illness_self": tri(episode.mourns_pre_illness_self),
        "longstanding_isolation": tri(net.longstanding_isolation),
        "withdrew_since_onset": tri(net.withdrew_since_onset),
        "assertiveness": _opt(net.assertiveness),
        "social_skills_concerns": tri(net.social_skills_concerns),
        "suicidal_ideation": _opt(risk.suicidal_ideation),
        "psychosis": tri(risk.psychosis),
        "substance_misuse": tri(risk.substance_misuse),
    }
    importance = case.importance
    for key, area in _IMPORTANCE:
        fact[key] = _opt(importance.get(area))
    return fact


def _person_fact(
    person: Person, death: int | None, event_count: int, window: tuple[int, int]
) -> Fact:
    """One person's fact; `death` is the death's offset (ignored unless deceased)."""
    # Fields are read from the instance dict: attribute access on a pydantic model takes a slow
    # path (BaseModel defines __getattr__), and this runs once per person of every case.
    f = vars(person)
    status = f["status"]
    deceased = status is PersonStatus.DECEASED
    if not deceased:
        death_near, death_timing = "no", "not_applicable"
        death = None
    elif death is None:
        death_near, death_timing = "unknown", "unknown"
    else:
        death_near = "yes" if window[0] <= death <= window[1] else "no"
        death_timing = "known"
    unmet = unmet_client = unmet_other = 0
    for expectation in f["expectations"]:
        if expectation.met is False:
            unmet += 1
            if expectation.holder == "client":
                unmet_client += 1
            elif expectation.holder == "other":
                unmet_other += 1
    words = _WORDS
    ring, ideal, contact, support = f["ring"], f["ideal_ring"], f["contact"], f["support"]
    conflict, frequency, ending = f["conflict"], f["conflict_frequency"], f["conflict_ending"]
    confidant, knows, engagement = f["confidant"], f["knows_about_depression"], f["engagement"]
    who, change, signs = f["who_should_change"], f["change_at_onset"], f["grief_signs"]
    ident = f["id"]
    fact: Fact = {
        "kind": "person",
        "id": f"person:{ident}",
        "ref": ident,
        "relationship": str(f["relationship"]),
        "ring": ring if ring is not None else UNPLACED_RING,
        "ideal_ring": ideal if ideal is not None else UNPLACED_RING,
        "contact": words.get(contact) or str(contact),
        "support": words.get(support) or str(support),
        "confidant": "unknown" if confidant is None else ("yes" if confidant else "no"),
        "conflict": words.get(conflict) or str(conflict),
        "conflict_rank": _LEVEL_RANK[conflict],
        "support_rank": _LEVEL_RANK[support],
        "contact_rank": _FREQUENCY_RANK[contact],
        "conflict_frequency": words.get(frequency) or str(frequency),
        "conflict_ending": words.get(ending) or str(ending),
        "unmet_expectations": unmet,
        "unmet_client_expectations": unmet_client,
        "unmet_other_expectations": unmet_other,
        "engagement": "none" if engagement is None else str(engagement),
        "knows_about_depression": "unknown" if knows is None else ("yes" if knows else "no"),
        "who_should_change": words.get(who) or str(who),
        "change_at_onset": words.get(change) or str(change),
        "status": str(status),
        "death_offset": UNKNOWN_OFFSET if death is None else death,
        "death_near_onset": death_near,
        "death_timing": death_timing,
        "grief_signs": len(set(signs)),
        "event_count": event_count,
    }
    fact.update(_NO_GRIEF)
    for sign in signs:
        fact[sign] = "yes"
    return fact
