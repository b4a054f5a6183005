"""The interpersonal inventory as a typed, validated case (reference §2).

A `Case` is the only input of the pipeline. Cross-field checks live here so that every later
stage can trust ids, references and the timeline; the timeline is reduced to one signed offset
from onset, in months, per event and per death, so no later stage reads a raw date.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Mapping
from functools import partial
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    model_validator,
)

from .upgrade import FORMAT_VERSION, upgrade_document
from .vocab import (
    ChangeAtOnset,
    Chronicity,
    ClientRole,
    ConflictEnding,
    ConflictLevel,
    ConflictStyle,
    Course,
    Diagnosis,
    DisputeEngagement,
    EventType,
    Frequency,
    GriefSign,
    Importance,
    Instrument,
    Level,
    Level3,
    PersonStatus,
    Population,
    ProblemArea,
    RelationshipType,
    Resentment,
    RoleEffectKind,
    TimingInterval,
    TimingRelation,
    TreatmentFormat,
    Valence,
    WhoGivesIn,
    WhoShouldChange,
)

MAX_TEXT = 4000
DAYS_PER_MONTH = 30.4375


_nfc = partial(unicodedata.normalize, "NFC")
"""A C callable: pydantic calls it without building a Python frame per string."""


def _nfc_within(text: str) -> str:
    """NFC, which can lengthen a text: the limit holds for the normalised text too, so a
    loaded case always reloads from its own dump (in a worker process, for one)."""
    if text.isascii():
        return text
    text = _nfc(text)
    if len(text) > MAX_TEXT:
        raise ValueError(f"text is over {MAX_TEXT} characters once normalised (NFC)")
    return text


Text = Annotated[str, Field(max_length=MAX_TEXT), AfterValidator(_nfc_within)]
"""Free text: normalised to NFC, never shown in errors or logs."""

Ident = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
"""An id: letters, digits, `_`, `.` and `-`; safe to show in errors. The pattern admits ASCII
only, which is always in NFC."""

Months = Annotated[int, Field(ge=-1200, le=1200)]
MonthsBack = Annotated[int, Field(ge=0, le=1200)]
TextList = Annotated[list[Text], Field(max_length=50)]


class FieldProblem(ValueError):
    """A cross-field problem that knows the path of the field at fault."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(message)
        self.path = path


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False)


class Severity(_Model):
    """A symptom-severity score and the instrument it came from."""

    instrument: Instrument
    score: Annotated[int, Field(ge=0, le=100)]


class Episode(_Model):
    """The index episode: when it began and how long it has run (reference §2.5)."""

    onset_date: dt.date | None = Field(
        default=None, description="Onset of the index episode as an ISO date."
    )
    onset_months_before_intake: MonthsBack | None = Field(
        default=None, description="Onset given as months before intake, when no date is known."
    )
    onset_approximate: bool = Field(
        default=False, description="The onset is an estimate ('about three months ago')."
    )
    intake_date: dt.date | None = Field(default=None, description="Date of the first session.")
    chronicity: Chronicity | None = Field(
        default=None, description="acute (< 6 months), subacute (6-24) or chronic (> 2 years)."
    )
    prior_episodes: Annotated[int, Field(ge=0, le=100)] | None = Field(
        default=None, description="Number of earlier depressive episodes; leave out when unknown."
    )
    course: Course | None = Field(
        default=None, description="How the episode is running at intake (e.g. worsening)."
    )
    longstanding_trait_recent_flare: bool | None = Field(
        default=None,
        description="A lifelong difficulty (shyness, low mood) that flared up recently.",
    )
    mourns_pre_illness_self: bool | None = Field(
        default=None,
        description=(
            "The patient grieves the self, abilities or plans lost to a chronic illness "
            "(the IPSRT 'loss of the healthy self', reference §3.5)."
        ),
    )

    @model_validator(mode="after")
    def _onset_before_intake(self) -> Episode:
        if self.onset_date and self.intake_date and self.onset_date > self.intake_date:
            raise FieldProblem(
                "onset_date",
                "onset_date is after intake_date; the episode must begin before the first session",
            )
        if (
            self.onset_date
            and self.intake_date
            and self.onset_months_before_intake is not None
            and abs(
                _months_between(self.onset_date, self.intake_date) - self.onset_months_before_intake
            )
            > 1
        ):
            raise FieldProblem(
                "onset_months_before_intake",
                "onset_date and onset_months_before_intake disagree by more than a month; give one",
            )
        return self

    def onset_before_intake(self) -> int | None:
        """Months from onset to intake when the fields given say so."""
        if self.onset_months_before_intake is not None:
            return self.onset_months_before_intake
        if self.onset_date is not None and self.intake_date is not None:
            return _months_between(self.onset_date, self.intake_date)
        return None

    def onset_known(self) -> bool:
        """Whether the case places the onset at all (as a date or against intake)."""
        return self.onset_date is not None or self.onset_months_before_intake is not None

    def resolved_onset(self) -> dt.date | None:
        """Onset as a date when it can be known from the fields given."""
        if self.onset_date is not None:
            return self.onset_date
        if self.intake_date is not None and self.onset_months_before_intake is not None:
            return _add_months(self.intake_date, -self.onset_months_before_intake)
        return None


class Expectation(_Model):
    """One expectation in the relationship, held by the client or by the other person."""

    holder: Literal["client", "other"]
    text: Text | None = None
    met: bool | None = Field(default=None, description="Whether the expectation is being met.")


class When(_Model):
    """A point on the timeline, written the way case notes date things: an ISO date, months
    from onset, months before intake, or only its side of the onset ("before onset, interval
    unknown"); any of them may be approximate."""

    date: dt.date | None = None
    months_from_onset: Months | None = Field(
        default=None, description="Negative before onset, positive after, 0 at onset."
    )
    months_before_intake: MonthsBack | None = Field(
        default=None, description="How long before the first session ('six months before she was "
        "seen'); placed against onset when the onset is known against intake too.",
    )
    relation_to_onset: TimingRelation | None = Field(
        default=None,
        description="before_onset, at_onset or after_onset when the interval is not known "
        "('the depression followed the divorce').",
    )
    interval: TimingInterval | None = Field(
        default=None,
        description="How far from the onset, when the notes say it only in words: short "
        "('shortly before', 'soon after', 'recently', 'since the accident') or long ('years "
        "before', 'in childhood'). Never beside months_from_onset; beside a date or "
        "months_before_intake only while the onset is not known against them.",
    )
    approximate: bool = False


class Person(_Model):
    """One significant person of the inventory (reference §2.2)."""

    id: Ident
    name: Text = Field(description="Display name or role label; never shown in errors.")
    relationship: RelationshipType
    relationship_detail: Text | None = None
    ring: Annotated[int, Field(ge=1, le=4)] | None = Field(
        default=None, description="Closeness circle ring, 1 = closest."
    )
    ring_estimated: bool | None = Field(
        default=None,
        description="True when the clinician estimated the ring from the narrative rather "
        "than the client placing the person.",
    )
    ideal_ring: Annotated[int, Field(ge=1, le=4)] | None = None
    contact: Frequency | None = None
    activities: Text | None = None
    support: Level | None = None
    confidant: bool | None = None
    liked: list[Text] = Field(default_factory=list, max_length=50)
    disliked: list[Text] = Field(default_factory=list, max_length=50)
    conflict: ConflictLevel | None = Field(
        default=None,
        description="none, low, moderate, high; present when a conflict is described but its "
        "degree is not.",
    )
    conflict_frequency: Frequency | None = None
    conflict_ending: ConflictEnding | None = None
    conflict_style: ConflictStyle | None = Field(
        default=None, description="open (rows), covert (unspoken, a cold war), both or none."
    )
    gives_in: WhoGivesIn | None = Field(
        default=None, description="Who usually yields when they disagree."
    )
    resentment: Resentment | None = Field(
        default=None, description="The client's resentment of the person: voiced, unvoiced, none."
    )
    contact_stopped: bool | None = Field(
        default=None, description="They have stopped talking or seeing each other."
    )
    expectations: list[Expectation] = Field(default_factory=list, max_length=50)
    engagement: DisputeEngagement | None = Field(
        default=None, description="Where a disagreement with this person stands."
    )
    knows_about_depression: bool | None = None
    desired_change: Text | None = None
    who_should_change: WhoShouldChange | None = None
    change_at_onset: ChangeAtOnset | None = None
    status: PersonStatus | None = Field(
        default=None, description="alive, deceased, estranged or relationship_ended; leave out "
        "when not stated.",
    )
    died: When | None = Field(default=None, description="When the person died.")
    death_disclosed_late: bool | None = Field(
        default=None, description="The client told of this death only later in treatment."
    )
    grief_signs: list[GriefSign] = Field(
        default_factory=list, max_length=20, description="Observed grief reactions."
    )
    notes: Text | None = None

    @model_validator(mode="after")
    def _death_only_when_deceased(self) -> Person:
        if self.died is not None and self.status is not PersonStatus.DECEASED:
            raise FieldProblem(
                "died",
                f"person '{self.id}' has a date of death but status is '{self.status}'; "
                "set status: deceased or remove 'died'",
            )
        if self.grief_signs and self.status is not PersonStatus.DECEASED:
            raise FieldProblem(
                "grief_signs",
                f"person '{self.id}' has grief_signs but is not deceased; grief signs describe "
                "a reaction to a death",
            )
        return self


class RoleChange(_Model):
    """The social role the client left and the one entered (reference §3.3)."""

    old: Text | None = None
    new: Text | None = None


class RoleEffect(_Model):
    """One of the client's roles that an event started, ended or changed (reference §3.3)."""

    role: ClientRole
    change: RoleEffectKind


class LifeEvent(When):
    """A life event of the timeline (reference §2.5), dated as `When` allows."""

    id: Ident
    type: EventType
    subject: Ident | None = Field(
        default=None,
        description="Whose event it is: 'client', or the id of the person it happened to "
        "(a spouse's stroke, a friend's emigration). Leave out when not stated.",
    )
    role_effects: list[RoleEffect] = Field(
        default_factory=list,
        max_length=20,
        description="Which of the client's roles the event started, ended or changed.",
    )
    ongoing: bool = Field(
        default=False, description="The event's consequences still maintain the episode."
    )
    people: list[Ident] = Field(default_factory=list, max_length=200)
    valence: Valence | None = None
    role_change: RoleChange | None = None
    description: Text | None = None


class Network(_Model):
    """The client's interpersonal style and network history (reference §2.3, §3.4)."""

    size_before_onset: Annotated[int, Field(ge=0, le=10000)] | None = None
    size_now: Annotated[int, Field(ge=0, le=10000)] | None = None
    longstanding_isolation: bool | None = Field(
        default=None,
        description="Few relationships, or lonely and cut off, since long before this episode "
        "('no close friends ever', 'very few people in his life' since an illness or loss years "
        "ago). Not for a pulling away that began with this episode (withdrew_since_onset).",
    )
    withdrew_since_onset: bool | None = Field(
        default=None, description="The client pulled away from people after the episode began."
    )
    has_confidant: bool | None = Field(
        default=None,
        description="Whether the client has anyone at all to confide in; false for 'she says "
        "she has no one to talk to' (a person's own `confidant` says who).",
    )
    assertiveness: Level3 | None = None
    social_skills_concerns: bool | None = None
    attachment_notes: Text | None = None


class SocialRhythm(_Model):
    """Daily routine and sleep (IPSRT's social-rhythm work, reference §6)."""

    routine_disrupted: bool | None = None
    sleep_disrupted: bool | None = None
    notes: Text | None = None


class RiskScreen(_Model):
    """Items that need clinical attention before IPT starts; leave out what was not asked."""

    suicidal_ideation: Literal["none", "passive", "active"] | None = None
    past_self_harm: bool | None = None
    past_suicidal_crisis: bool | None = Field(
        default=None,
        description="A past suicidal crisis without self-harm: an admission or emergency visit "
        "for suicidal thoughts.",
    )
    plan: bool | None = Field(default=None, description="A current plan to end their life.")
    access_to_means: bool | None = None
    nondisclosure_concern: bool | None = Field(
        default=None, description="The clinician suspects risk is not being disclosed."
    )
    psychosis: bool | None = None
    substance_misuse: bool | None = None

    def screened(self) -> bool:
        """Whether any risk item was recorded at all."""
        return any(value is not None for value in vars(self).values())


class Culture(_Model):
    """Culture, religion and language, where the client says they matter."""

    matters: bool | None = Field(
        default=None, description="The client says these shape the problem or the treatment."
    )
    religion: Text | None = None
    language: Text | None = None
    notes: Text | None = None


class Dilemma(_Model):
    """The client is torn between two roles (e.g. worker and carer)."""

    between: Annotated[list[ClientRole], Field(min_length=2, max_length=2)]
    notes: Text | None = None


class Case(_Model):
    """A client's interpersonal inventory: the whole input of a formulation."""

    format_version: Literal[2] = Field(
        default=FORMAT_VERSION,
        description="The case format: 2. A file without it is read as format 1 and upgraded "
        "in memory, with a notice of what was assumed (`iptformulate upgrade` rewrites it).",
    )
    id: Ident
    age: Annotated[int, Field(ge=5, le=120)] | None = None
    age_group: Literal["child", "adolescent", "adult", "older_adult"] | None = None
    population: Population | None = Field(default=None, description="Leave out when not stated.")
    diagnosis: Diagnosis | None = Field(default=None, description="Leave out when not stated.")
    severity: Severity | None = None
    other_severities: list[Severity] = Field(
        default_factory=list, max_length=10, description="Further scores (a second instrument)."
    )
    format: TreatmentFormat | None = Field(
        default=None, description="The treatment format planned; leave out when not decided."
    )
    patient_words: Text | None = Field(
        default=None, description="The patient's own words for the problem."
    )
    episode: Episode = Field(default_factory=Episode)
    people: list[Person] = Field(default_factory=list, max_length=5000)
    events: list[LifeEvent] = Field(default_factory=list, max_length=20000)
    network: Network = Field(default_factory=Network)
    importance: dict[ProblemArea, Importance] = Field(default_factory=dict)
    main_concern: list[Ident] | None = Field(
        default=None,
        max_length=20,
        description="The people or events (their ids) the client names as troubling them most "
        "now. An area whose evidence is one of them ranks as if the patient had rated it "
        "important (F1, F8), unless `importance` rates it. Leave out when not said.",
    )
    risk: RiskScreen = Field(default_factory=RiskScreen)
    social_rhythm: SocialRhythm = Field(default_factory=SocialRhythm)
    culture: Culture | None = None
    dilemma: Dilemma | None = None
    comorbidity: TextList | None = Field(
        default=None, description="Other diagnoses; [] for none, leave out when not stated."
    )
    medical_illness: TextList | None = Field(
        default=None, description="Physical illnesses; [] for none, leave out when not stated."
    )
    medication: TextList | None = Field(
        default=None, description="Current medication; [] for none, leave out when not stated."
    )
    notes: Text | None = None
    assumed: TextList = Field(
        default_factory=list,
        description="What reading an older format assumed (filled in when a format-1 file is "
        "read, and written by `iptformulate upgrade`); the formulation warns until a clinician "
        "has checked the values and emptied the list.",
    )

    _offsets: dict[str, int | None] = PrivateAttr(default_factory=dict)
    _relations: dict[str, str] = PrivateAttr(default_factory=dict)
    _intervals: dict[str, str] = PrivateAttr(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _upgrade(cls, data: Any) -> Any:
        return upgrade_document(data)

    @model_validator(mode="after")
    def _cross_checks(self) -> Case:
        people, events = self.people, self.events
        status = {p.id: p.status for p in people}
        if len(status) < len(people):
            _unique([p.id for p in people], "people")
        event_ids = {e.id for e in events}
        if len(event_ids) < len(events):
            _unique([e.id for e in events], "events")
        if not event_ids.isdisjoint(status):
            i, event = next((i, e) for i, e in enumerate(events) if e.id in status)
            raise FieldProblem(
                f"events[{i}].id",
                f"id '{event.id}' is used by a person and by an event; ids must be unique",
            )
        known = all(ref in status for event in events for ref in event.people)
        for i, event in enumerate(events):
            for j, ref in enumerate(() if known else event.people):
                if ref not in status:
                    raise FieldProblem(
                        f"events[{i}].people[{j}]",
                        f"unknown person '{ref}'; add the person to 'people' or fix the reference",
                    )
            if event.type is EventType.DEATH:
                for ref in event.people:
                    if status[ref] is not PersonStatus.DECEASED:
                        raise FieldProblem(
                            f"events[{i}].people",
                            f"a death of '{ref}' but that person's status is "
                            f"'{status[ref]}'; set status: deceased",
                        )
        if "client" in status:
            i = next(i for i, p in enumerate(people) if p.id == "client")
            raise FieldProblem(
                f"people[{i}].id", "the id 'client' is reserved for the client; choose another"
            )
        if self.network.has_confidant is False and any(p.confidant for p in people):
            i = next(i for i, p in enumerate(people) if p.confidant)
            raise FieldProblem(
                "network.has_confidant",
                f"has_confidant is false but people[{i}] is a confidant; give one of them",
            )
        for i, ref in enumerate(self.main_concern or ()):
            if ref not in status and ref not in event_ids:
                raise FieldProblem(
                    f"main_concern[{i}]",
                    f"unknown person or event '{ref}'; use the id of a person or an event",
                )
        for i, event in enumerate(events):
            subject = event.subject
            if subject is not None and subject != "client" and subject not in status:
                raise FieldProblem(
                    f"events[{i}].subject",
                    f"unknown person '{event.subject}'; use 'client' or a person's id",
                )
        episode = self.episode
        onset, intake = episode.resolved_onset(), episode.intake_date
        onset_back = episode.onset_before_intake()
        offsets: dict[str, int | None] = {}
        relations: dict[str, str] = {}
        intervals: dict[str, str] = {}
        timed: list[tuple[str, str, When]] = [
            (f"events[{i}]", e.id, e) for i, e in enumerate(events)
        ]
        timed += [(f"people[{i}].died", p.id, p.died) for i, p in enumerate(people) if p.died]
        for where, ref, when in timed:
            offset = _resolve(where, when, onset, intake, onset_back)
            offsets[ref] = offset
            relation = _relation(offset) if offset is not None else when.relation_to_onset
            if offset is not None and when.relation_to_onset not in (None, relation):
                if not (when.approximate and abs(offset) <= 1):
                    raise FieldProblem(
                        f"{where}.relation_to_onset",
                        f"relation_to_onset is '{when.relation_to_onset}' but the timing given "
                        f"places it {offset} months from onset; give one of them",
                    )
                relation = when.relation_to_onset
            if relation is not None:
                relations[ref] = str(relation)
            if when.interval is not None:
                intervals[ref] = _interval(where, when, offset)
        self._offsets = offsets
        self._relations = relations
        self._intervals = intervals
        return self

    def relation(self, ref: str) -> str | None:
        """before_onset, at_onset or after_onset for an event or death (None when unknown)."""
        private = self.__pydantic_private__
        relations = self._relations if private is None else private["_relations"]
        return relations.get(ref)

    def interval(self, ref: str) -> str | None:
        """short or long when an event or death is placed against the onset only in words."""
        private = self.__pydantic_private__
        intervals = self._intervals if private is None else private["_intervals"]
        return intervals.get(ref)

    def offset(self, ref: str) -> int | None:
        """Months from onset of an event or of a person's death (None when unknown)."""
        return self.offsets().get(ref)

    def offsets(self) -> Mapping[str, int | None]:
        """Every known offset by event or person id, for stages that look up many (read only)."""
        # Read from pydantic's slot: `self._offsets` goes through a slow `__getattr__`.
        private = self.__pydantic_private__
        return self._offsets if private is None else private["_offsets"]


def _unique(ids: list[str], where: str) -> set[str]:
    seen: set[str] = set()
    for i, ident in enumerate(ids):
        if ident in seen:
            raise FieldProblem(
                f"{where}[{i}].id", f"duplicate id '{ident}'; every id must be unique"
            )
        seen.add(ident)
    return seen


def _months_between(start: dt.date, end: dt.date) -> int:
    return round((end - start).days / DAYS_PER_MONTH)


def _add_months(day: dt.date, months: int) -> dt.date:
    total = day.year * 12 + (day.month - 1) + months
    year, month = divmod(total, 12)
    return dt.date(year, month + 1, min(day.day, 28))


def _relation(offset: int) -> TimingRelation:
    if offset < 0:
        return TimingRelation.BEFORE_ONSET
    return TimingRelation.AT_ONSET if offset == 0 else TimingRelation.AFTER_ONSET


def _interval(where: str, when: When, offset: int | None) -> str:
    """The interval said in words. Beside months from onset it says the same thing twice, and
    beside a date or months before intake that the onset already places it is refused too; a
    date or months before intake with the onset not placed against them ("died a year before
    she was seen; the depression followed it") leaves the interval the only link to onset."""
    if when.months_from_onset is not None or offset is not None:
        raise FieldProblem(
            f"{where}.interval",
            "interval is for a timing given only in words; the months from onset, or the date "
            "or months before intake with the onset, already place it: give one of them",
        )
    if when.interval is TimingInterval.LONG and when.relation_to_onset is TimingRelation.AT_ONSET:
        raise FieldProblem(
            f"{where}.interval",
            "interval 'long' contradicts relation_to_onset 'at_onset'; give one of them",
        )
    return str(when.interval)


def _resolve(
    where: str,
    when: When,
    onset: dt.date | None,
    intake: dt.date | None,
    onset_back: int | None,
) -> int | None:
    """Months from onset of one dated thing, from whichever of its timings can be placed;
    timings given twice must agree within a month."""
    months = when.months_from_onset
    if when.months_before_intake is not None and onset_back is not None:
        from_intake = onset_back - when.months_before_intake
        if months is not None and abs(from_intake - months) > 1:
            raise FieldProblem(
                f"{where}.months_before_intake",
                f"months_before_intake and months_from_onset disagree ({from_intake} vs {months} "
                "months from onset); give one of them",
            )
        months = from_intake
    return _offset(where, when.date, months, onset, intake)


def _offset(
    where: str,
    when: dt.date | None,
    months: int | None,
    onset: dt.date | None,
    intake: dt.date | None,
) -> int | None:
    if when is not None and intake is not None and when > intake:
        after = _months_between(intake, when)
        if after > 1:
            raise FieldProblem(
                f"{where}.date", "the date is after intake; events after intake cannot be recorded"
            )
    if when is None:
        return months
    if onset is None:
        return months  # a date with the onset unknown: the interval is unknown too
    computed = _months_between(onset, when)
    if months is not None and abs(computed - months) > 1:
        raise FieldProblem(
            f"{where}.months_from_onset",
            f"date and months_from_onset disagree ({computed} vs {months} months from "
            "onset); give one of them",
        )
    return computed
