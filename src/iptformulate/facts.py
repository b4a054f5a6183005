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
from .model.vocab import (
    ConflictLevel,
    ConflictStyle,
    Frequency,
    GriefSign,
    Level,
    PersonStatus,
    ProblemArea,
    Resentment,
    Vocab,
    WhoGivesIn,
)

FACTS_VERSION = 2
UNKNOWN_OFFSET = 9999  # sorts after every real offset, so window tests never match it
UNPLACED_RING = 9  # outside every real ring, so closeness tests never match it
UNKNOWN_COUNT = -1  # a count the case does not state (an omitted list, unknown history)

NEARNESS_BANDS = ((1, 4), (3, 3), (6, 2))
"""(months from onset, rank): within a month of onset ranks 4, within 3 months 3, within 6
months 2; anything else inside the profile's onset window 1, outside it 0, unknown -1."""

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
        "population": "adult | adolescent | older_adult | perinatal | other | unknown",
        "diagnosis": "major_depression | persistent_depression | bipolar_depression | ptsd | "
        "other | unknown",
        "format": "standard | ipt_a | brief | group | maintenance | ipsrt | inpatient | "
        "combined | fortnightly | unknown",
        "age": "age in years, 0 when unknown",
        "chronicity": "acute | subacute | chronic | unknown",
        "prior_episodes": "number of earlier episodes; -1 when unknown",
        "onset_known": "yes | no: the onset is placed (as a date or against intake)",
        "onset_approximate": "yes | no",
        "course": "worsening | stable | improving | fluctuating | unknown",
        "trait_recent_flare": "yes | no | unknown: a lifelong difficulty that flared up recently",
        "routine_disrupted": "yes | no | unknown: daily routine disrupted (social rhythm)",
        "sleep_disrupted": "yes | no | unknown",
        "comorbidity": "number of other diagnoses recorded; -1 when not stated",
        "medical_illness": "yes | no | unknown: a physical illness is recorded",
        "medication": "yes | no | unknown: current medication is recorded",
        "culture_matters": "yes | no | unknown: the client says culture or religion matter",
        "dilemma": "yes | no: the client is recorded as torn between two roles",
        "mourns_pre_illness_self": "yes | no | unknown",
        "longstanding_isolation": "yes | no | unknown: few ties since long before the episode",
        "withdrew_since_onset": "yes | no | unknown: pulled away from people after onset",
        "assertiveness": "low | moderate | high | unknown",
        "social_skills_concerns": "yes | no | unknown",
        "suicidal_ideation": "none | passive | active | unknown",
        "past_self_harm": "yes | no | unknown",
        "past_suicidal_crisis": "yes | no | unknown: an admission or emergency visit for "
        "suicidal thoughts",
        "suicide_plan": "yes | no | unknown",
        "access_to_means": "yes | no | unknown",
        "nondisclosure_concern": "yes | no | unknown",
        "risk_screened": "yes | no: any risk item was recorded",
        "psychosis": "yes | no | unknown",
        "substance_misuse": "yes | no | unknown",
        "importance_<area>": "not_important | somewhat | very | unknown, per problem area",
    },
    "person": {
        "ref": "the person's id (join key)",
        "relationship": "partner | parent | child | sibling | friend | boss | ... (vocabulary)",
        "ring": "closeness ring 1-4 (1 = closest); 9 when not placed",
        "ring_estimated": "yes | no | unknown: the clinician estimated the ring",
        "ideal_ring": "where the client would like the person; 9 when not given",
        "contact": "never | rarely | monthly | weekly | daily | unknown",
        "support": "none | low | moderate | high | unknown",
        "confidant": "yes | no | unknown",
        "conflict": "none | low | moderate | high | present (degree not described) | unknown",
        "conflict_rank": "0 none, 1 low, 2 moderate, 3 high; -1 unknown",
        "support_rank": "0 none, 1 low, 2 moderate, 3 high; -1 unknown",
        "contact_rank": "0 never, 1 rarely, 2 monthly, 3 weekly, 4 daily; -1 unknown",
        "conflict_frequency": "never | rarely | monthly | weekly | daily | unknown",
        "conflict_ending": "resolved | dropped | escalates | patient_gives_in | other_gives_in | "
        "unresolved | unknown",
        "conflict_style": "open | covert | both | none | unknown",
        "gives_in": "client | other | both | neither | unknown: who usually yields",
        "resentment": "voiced | unvoiced | none | unknown: the client's resentment",
        "contact_stopped": "yes | no | unknown: they stopped talking or seeing each other",
        "unmet_expectations": "count of expectations (either side) marked not met",
        "unknown_expectations": "count of expectations whose met is not recorded",
        "covert_signs": "how many signs of an unspoken struggle are recorded: covert conflict "
        "style, unvoiced resentment, the client giving in, contact stopped",
        "unmet_client_expectations": "count of the client's expectations not met",
        "unmet_other_expectations": "count of the other person's expectations not met",
        "engagement": "negotiating | stopped_talking | ending | none",
        "knows_about_depression": "yes | no | unknown",
        "who_should_change": "self | other | both | unknown",
        "change_at_onset": "none | worsened | improved | started | ended | lost_contact | unknown",
        "status": "alive | deceased | estranged | relationship_ended | unknown",
        "death_offset": "months from onset to the death (negative = before); 9999 when unknown",
        "death_timing": "known | unknown | not_applicable",
        "death_near_onset": "yes | no | unknown: the death falls in the onset window",
        "death_relation": "before_onset | at_onset | after_onset | unknown | not_applicable",
        "death_nearness": "4 within a month of onset, 3 within 3 months, 2 within 6, 1 in the "
        "onset window, 0 outside it; -1 unknown or not applicable",
        "death_disclosed_late": "yes | no | unknown",
        "grief_signs": "count of recorded grief reactions",
        "<sign>": "yes | no for each grief reaction: " + ", ".join(GRIEF_SIGNS),
        "event_count": "number of life events that involve this person",
        "own_events": "number of life events recorded as this person's own (subject)",
    },
    "event": {
        "ref": "the event's id (join key)",
        "type": "death | separation | divorce | ... | conflict | other (vocabulary)",
        "offset": "months from onset (negative = before); 9999 when unknown",
        "timing": "known | unknown",
        "relation": "before_onset | at_onset | after_onset | unknown (known even when the "
        "interval is not)",
        "near_onset": "yes | no | unknown: inside the profile's onset window",
        "nearness": "4 within a month of onset, 3 within 3 months, 2 within 6, 1 elsewhere in "
        "the onset window, 0 outside it; -1 unknown",
        "approximate": "yes | no",
        "ongoing": "yes | no: its consequences still maintain the episode",
        "valence": "positive | negative | mixed | neutral | unknown",
        "role_change": "yes | no: an old or a new role is named",
        "subject": "client | other | unknown: whose event it is",
        "subject_ref": "the person's id when it is another person's event, else ''",
        "role_effects": "number of the client's roles it started, ended or changed",
        "client_role_change": "yes | no | unknown: the client's own role changed (the client's "
        "event with a role named, or any recorded role effect); unknown when whose event it is "
        "is not stated and no role effect is recorded",
        "own_change": "yes | no | unknown: a change in the client's own life (the client's event, "
        "or another person's with a recorded role effect on the client); unknown when whose "
        "event it is is not stated",
        "involves_deceased": "yes | no: a person involved in the event has died",
        "people_count": "number of people involved",
    },
    "role_effect": {
        "event_ref": "the event's id (join key to event.ref)",
        "role": "partner | parent | carer | worker | student | homemaker | retiree | patient | "
        "child_at_home | has_confidant | community_member | migrant | other",
        "change": "started | ended | changed",
        "type": "the event's type",
        "subject": "client | other | unknown: whose event it is",
        "near_onset": "yes | no | unknown: the event is inside the onset window",
        "nearness": "the event's nearness rank (see event)",
    },
    "involvement": {
        "event_ref": "the event's id (join key to event.ref)",
        "person_ref": "the person's id (join key to person.ref)",
        "type": "the event's type",
        "offset": "the event's offset from onset; 9999 when unknown",
        "timing": "known | unknown",
        "near_onset": "yes | no | unknown: inside the profile's onset window",
        "nearness": "the event's nearness rank (see event)",
        "relationship": "the person's relationship type",
        "ring": "the person's closeness ring; 9 when not placed",
        "is_subject": "yes | no: the event is this person's own",
    },
    "summary": {
        "people": "number of people in the inventory",
        "network_size_now": "people in the client's network now",
        "network_size_before": "people in the network before onset (the people listed, when "
        "network.size_before_onset is not stated)",
        "network_size_stated": "yes | no: network.size_before_onset is recorded, not counted "
        "from the people listed",
        "network_shrank": "yes | no: fewer people now than before onset",
        "close_ties": "people in ring <= close_ring",
        "supportive_ties": "people giving moderate or high support, or confidants",
        "confidants": "confidants",
        "conflictual_ties": "people with moderate or high conflict",
        "ungraded_conflict_ties": "people with a conflict described but not graded (present)",
        "deceased": "deceased people",
        "deaths_near_onset": "deaths inside the onset window",
        "events": "life events recorded",
        "events_near_onset": "events inside the onset window",
        "role_changes_near_onset": "events with a role change inside the onset window",
        "lost_ties_since_onset": "people the client lost contact with or ended with at onset",
        "worsened_ties_at_onset": "relationships that worsened around onset",
        "unmet_expectation_ties": "people with at least one unmet expectation",
        "disputes_engaged": "people with a recorded dispute engagement",
        "unplaced": "people with no closeness ring (close_ties may be undercounted)",
        "confidant_unknown": "people for whom confiding is not recorded (confidants may be "
        "undercounted); 1 when nobody is listed; 0 when network.has_confidant is recorded",
        "undated_events": "events whose distance from onset is unknown (events_near_onset may "
        "be undercounted)",
        "undated_deaths": "deaths whose distance from onset is unknown (deaths_near_onset may "
        "be undercounted)",
    },
}


_COVERT_STYLES = (ConflictStyle.COVERT, ConflictStyle.BOTH)
_LEVELS = (Level.NONE, Level.LOW, Level.MODERATE, Level.HIGH)
_FREQUENCIES = (
    Frequency.NEVER,
    Frequency.RARELY,
    Frequency.MONTHLY,
    Frequency.WEEKLY,
    Frequency.DAILY,
)


_LEVEL_RANK: dict[object, int] = {None: -1, **{v: i for i, v in enumerate(_LEVELS)}}
# "present": a conflict is described but not its degree, so the rank stays unknown
_CONFLICT_RANK: dict[object, int] = {**_LEVEL_RANK, ConflictLevel.PRESENT: -1}
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
    own_events: dict[str, int] = {}
    undated = 0
    for event in graph.events():
        offset = offsets.get(event.id)
        if offset is None:
            shown, timing = UNKNOWN_OFFSET, "unknown"
        else:
            shown, timing = offset, "known"
        relation = case.relation(event.id) or "unknown"
        near, nearness = _placed(offset, relation, case.interval(event.id), window)
        undated += near == "unknown"
        involved = graph.people_involved(event.id)
        change = event.role_change
        kind = str(event.type)
        subject_ref = event.subject
        if subject_ref is None:
            subject = "unknown"
        elif subject_ref == "client":
            subject, subject_ref = "client", None
        else:
            subject = "other"
            own_events[subject_ref] = own_events.get(subject_ref, 0) + 1
        named_role = change is not None and bool(change.old or change.new)
        effects = event.role_effects
        if effects or (subject == "client" and named_role):
            client_change = "yes"
        elif subject == "unknown":
            client_change = "unknown"
        else:
            client_change = "no"
        own = "yes" if effects or subject == "client" else subject.replace("other", "no")
        gone = any(p.status is PersonStatus.DECEASED for p in involved)
        facts.append(
            {
                "kind": "event",
                "id": f"event:{event.id}",
                "ref": event.id,
                "type": kind,
                "offset": shown,
                "timing": timing,
                "relation": relation,
                "near_onset": near,
                "nearness": nearness,
                "approximate": tri(event.approximate),
                "ongoing": tri(event.ongoing),
                "valence": _WORDS.get(event.valence) or str(event.valence),
                "role_change": tri(named_role),
                "subject": subject,
                "subject_ref": subject_ref or "",
                "role_effects": len(effects),
                "client_role_change": client_change,
                "own_change": own,
                "involves_deceased": tri(gone),
                "people_count": len(involved),
            }
        )
        for i, effect in enumerate(effects):
            facts.append(
                {
                    "kind": "role_effect",
                    "id": f"role_effect:{event.id}:{i:02d}",
                    "event_ref": event.id,
                    "role": str(effect.role),
                    "change": str(effect.change),
                    "type": kind,
                    "subject": subject,
                    "near_onset": near,
                    "nearness": nearness,
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
                    "nearness": nearness,
                    "relationship": str(person.relationship),
                    "ring": person.ring if person.ring is not None else UNPLACED_RING,
                    "is_subject": tri(event.subject == person.id),
                }
            )
    unmet_ties = engaged = undated_deaths = 0
    for person in graph.people():
        fact = _person_fact(
            person,
            offsets.get(person.id),
            case.relation(person.id),
            case.interval(person.id),
            (event_counts.get(person.id, 0), own_events.get(person.id, 0)),
            window,
        )
        unmet_ties += fact["unmet_expectations"] > 0
        engaged += person.engagement is not None
        undated_deaths += fact["death_near_onset"] == "unknown"
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
            "network_size_stated": tri(case.network.size_before_onset is not None),
            "network_shrank": tri(metrics.network_size_now < metrics.network_size_before_onset),
            "close_ties": metrics.close_ties,
            "supportive_ties": metrics.supportive_ties,
            # "she has someone to talk to", with nobody named as the confidant, is one
            "confidants": metrics.confidants or int(bool(case.network.has_confidant)),
            "conflictual_ties": metrics.conflictual_ties,
            "ungraded_conflict_ties": metrics.ungraded_conflict_ties,
            "deceased": metrics.deceased,
            "deaths_near_onset": metrics.deaths_near_onset,
            "events": len(case.events),
            "events_near_onset": metrics.events_near_onset,
            "role_changes_near_onset": metrics.role_changes_near_onset,
            "lost_ties_since_onset": metrics.lost_ties_since_onset,
            "worsened_ties_at_onset": metrics.worsened_ties_at_onset,
            "unmet_expectation_ties": unmet_ties,
            "disputes_engaged": engaged,
            "unplaced": sum(p.ring is None for p in case.people),
            # "no one to talk to" settles everyone's confiding at once; an inventory that
            # lists nobody says nothing about confiding, so that stays unknown
            "confidant_unknown": 0
            if case.network.has_confidant is not None
            else sum(p.confidant is None for p in case.people) if case.people else 1,
            "undated_events": undated,
            "undated_deaths": undated_deaths,
        }
    )
    facts.sort(key=itemgetter("id"))
    return facts


def _client_fact(case: Case) -> Fact:
    net = case.network
    episode = case.episode
    risk = case.risk
    prior = episode.prior_episodes
    fact: Fact = {
        "kind": "client",
        "id": "client",
        "ref": "client",
        "population": _opt(case.population),
        "diagnosis": _opt(case.diagnosis),
        "format": _opt(case.format),
        "age": case.age or 0,
        "chronicity": _opt(episode.chronicity),
        "prior_episodes": UNKNOWN_COUNT if prior is None else prior,
        "onset_known": tri(episode.onset_known()),
        "onset_approximate": tri(episode.onset_approximate),
        "course": _opt(episode.course),
        "trait_recent_flare": tri(episode.longstanding_trait_recent_flare),
        "routine_disrupted": tri(case.social_rhythm.routine_disrupted),
        "sleep_disrupted": tri(case.social_rhythm.sleep_disrupted),
        "comorbidity": UNKNOWN_COUNT if case.comorbidity is None else len(case.comorbidity),
        "medical_illness": _stated(case.medical_illness),
        "medication": _stated(case.medication),
        "culture_matters": tri(None if case.culture is None else case.culture.matters),
        "dilemma": tri(case.dilemma is not None),
        "mourns_pre_illness_self": tri(episode.mourns_pre_illness_self),
        "longstanding_isolation": tri(net.longstanding_isolation),
        "withdrew_since_onset": tri(net.withdrew_since_onset),
        "assertiveness": _opt(net.assertiveness),
        "social_skills_concerns": tri(net.social_skills_concerns),
        "suicidal_ideation": _opt(risk.suicidal_ideation),
        "past_self_harm": tri(risk.past_self_harm),
        "past_suicidal_crisis": tri(risk.past_suicidal_crisis),
        "suicide_plan": tri(risk.plan),
        "access_to_means": tri(risk.access_to_means),
        "nondisclosure_concern": tri(risk.nondisclosure_concern),
        "risk_screened": tri(risk.screened()),
        "psychosis": tri(risk.psychosis),
        "substance_misuse": tri(risk.substance_misuse),
    }
    importance = case.importance
    for key, area in _IMPORTANCE:
        fact[key] = _opt(importance.get(area))
    return fact


def _stated(items: list[str] | None) -> str:
    """yes when a list names something, no when it is given empty, unknown when left out."""
    return "unknown" if items is None else tri(bool(items))


def _nearness(offset: int | None, window: tuple[int, int]) -> tuple[str, int]:
    """(near_onset, nearness rank) of an offset: see NEARNESS_BANDS."""
    if offset is None:
        return "unknown", -1
    if not window[0] <= offset <= window[1]:
        return "no", 0
    distance = abs(offset)
    for months, rank in NEARNESS_BANDS:
        if distance <= months:
            return "yes", rank
    return "yes", 1


def _placed(
    offset: int | None, relation: str | None, interval: str | None, window: tuple[int, int]
) -> tuple[str, int]:
    """(near_onset, nearness rank) of an event or death from its offset or, when the interval
    is not known in months, from what the notes say in words: "at onset" is within about a
    month; a short interval ("shortly before", "recently") is inside the window with its
    distance unknown; a long one ("years before") is outside it."""
    near, rank = _nearness(offset, window)
    if near != "unknown":
        return near, rank
    if relation == "at_onset":
        return "yes", 4
    if interval == "short":
        return "yes", 1
    if interval == "long":
        return "no", 0
    return near, rank


def _person_fact(
    person: Person,
    death: int | None,
    relation: str | None,
    interval: str | None,
    counts: tuple[int, int],
    window: tuple[int, int],
) -> Fact:
    """One person's fact; `death`, `relation` and `interval` place the death (ignored unless
    deceased); `counts` are the events involving the person and those that are the person's
    own."""
    # Fields are read from the instance dict: attribute access on a pydantic model takes a slow
    # path (BaseModel defines __getattr__), and this runs once per person of every case.
    f = vars(person)
    status = f["status"]
    deceased = status is PersonStatus.DECEASED
    if not deceased:
        death_near, death_timing, death_rank = "no", "not_applicable", -1
        death, relation = None, "not_applicable"
    else:
        death_near, death_rank = _placed(death, relation, interval, window)
        death_timing = "unknown" if death is None else "known"
        relation = relation or "unknown"
    unmet = unmet_client = unmet_other = unknown = 0
    for expectation in f["expectations"]:
        if expectation.met is None:
            unknown += 1
        elif expectation.met is False:
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
        "ring_estimated": tri(f["ring_estimated"]),
        "ideal_ring": ideal if ideal is not None else UNPLACED_RING,
        "contact": words.get(contact) or str(contact),
        "support": words.get(support) or str(support),
        "confidant": "unknown" if confidant is None else ("yes" if confidant else "no"),
        "conflict": words.get(conflict) or str(conflict),
        "conflict_rank": _CONFLICT_RANK[conflict],
        "support_rank": _LEVEL_RANK[support],
        "contact_rank": _FREQUENCY_RANK[contact],
        "conflict_frequency": words.get(frequency) or str(frequency),
        "conflict_ending": words.get(ending) or str(ending),
        "conflict_style": words.get(f["conflict_style"]) or str(f["conflict_style"]),
        "gives_in": words.get(f["gives_in"]) or str(f["gives_in"]),
        "resentment": words.get(f["resentment"]) or str(f["resentment"]),
        "contact_stopped": tri(f["contact_stopped"]),
        "unmet_expectations": unmet,
        "unknown_expectations": unknown,
        "covert_signs": (f["conflict_style"] in _COVERT_STYLES)
        + (f["resentment"] is Resentment.UNVOICED)
        + (f["gives_in"] is WhoGivesIn.CLIENT)
        + (f["contact_stopped"] is True),
        "unmet_client_expectations": unmet_client,
        "unmet_other_expectations": unmet_other,
        "engagement": "none" if engagement is None else str(engagement),
        "knows_about_depression": "unknown" if knows is None else ("yes" if knows else "no"),
        "who_should_change": words.get(who) or str(who),
        "change_at_onset": words.get(change) or str(change),
        "status": words.get(status) or str(status),
        "death_offset": UNKNOWN_OFFSET if death is None else death,
        "death_near_onset": death_near,
        "death_timing": death_timing,
        "death_relation": relation,
        "death_nearness": death_rank,
        "death_disclosed_late": tri(f["death_disclosed_late"]),
        "grief_signs": len(set(signs)),
        "event_count": counts[0],
        "own_events": counts[1],
    }
    fact.update(_NO_GRIEF)
    for sign in signs:
        fact[sign] = "yes"
    return fact


_CLIENT_PATHS = {
    "prior_episodes": "episode.prior_episodes",
    "chronicity": "episode.chronicity",
    "course": "episode.course",
    "mourns_pre_illness_self": "episode.mourns_pre_illness_self",
    "trait_recent_flare": "episode.longstanding_trait_recent_flare",
    "onset_known": "episode.onset",
    "longstanding_isolation": "network.longstanding_isolation",
    "withdrew_since_onset": "network.withdrew_since_onset",
    "assertiveness": "network.assertiveness",
    "social_skills_concerns": "network.social_skills_concerns",
    "routine_disrupted": "social_rhythm.routine_disrupted",
    "sleep_disrupted": "social_rhythm.sleep_disrupted",
    "culture_matters": "culture.matters",
    "suicidal_ideation": "risk.suicidal_ideation",
    "past_self_harm": "risk.past_self_harm",
    "past_suicidal_crisis": "risk.past_suicidal_crisis",
    "suicide_plan": "risk.plan",
    "access_to_means": "risk.access_to_means",
    "nondisclosure_concern": "risk.nondisclosure_concern",
    "psychosis": "risk.psychosis",
    "substance_misuse": "risk.substance_misuse",
}
_PERSON_PATHS = {
    "conflict_rank": "conflict",
    "support_rank": "support",
    "contact_rank": "contact",
    "unmet_expectations": "expectations.met",
    "unmet_client_expectations": "expectations.met",
    "unmet_other_expectations": "expectations.met",
    "death_offset": "died",
    "death_timing": "died",
    "death_near_onset": "died",
    "death_relation": "died",
    "death_nearness": "died",
}
_TIMING_FIELDS = frozenset({"offset", "timing", "near_onset", "nearness", "relation"})


# A field the case records only in part: (fact field, the case field, its value) -> what is
# still missing. A conflict recorded as `present` has no degree, which graded rules read.
_PART_MISSING = {("conflict_rank", "conflict", "present"): "its degree"}


def missing_part(fact: Fact, field: str) -> str | None:
    """What is still missing when the case records the field behind `field` only in part
    (`people[sam].conflict: present` leaves its degree open); None when it is not recorded."""
    for (name, source, value), missing in _PART_MISSING.items():
        if field == name and fact.get(source) == value:
            return missing
    return None


def case_path(fact: Fact, field: str) -> str:
    """Where in the case a fact's field comes from (`people[sam].support`), to name what to ask."""
    kind = fact["kind"]
    if kind == "client":
        if field.startswith("importance_"):
            return f"importance.{field.removeprefix('importance_')}"
        return _CLIENT_PATHS.get(field, field)
    if kind == "person":
        return f"people[{fact['ref']}].{_PERSON_PATHS.get(field, field)}"
    if kind == "event":
        if field in _TIMING_FIELDS:
            return f"events[{fact['ref']}].timing"
        if field == "client_role_change":
            return f"events[{fact['ref']}].subject"
        return f"events[{fact['ref']}].{field}"
    if kind == "involvement":
        if field in ("ring", "relationship"):
            return f"people[{fact['person_ref']}].{field}"
        return f"events[{fact['event_ref']}].timing"
    if kind == "role_effect":
        return f"events[{fact['event_ref']}].{'timing' if field in _TIMING_FIELDS else field}"
    return f"{kind}.{field}"
