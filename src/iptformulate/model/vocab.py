"""Controlled vocabularies of the interpersonal inventory.

Every enum value is a lower-case snake_case string so that case files stay readable and facts
handed to the rules engine are plain strings (see docs/facts.md).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal


class Vocab(StrEnum):
    """String enum whose str() is its value (keeps templates and facts plain)."""


class Population(Vocab):
    ADULT = "adult"
    ADOLESCENT = "adolescent"
    OLDER_ADULT = "older_adult"
    PERINATAL = "perinatal"
    OTHER = "other"


class Diagnosis(Vocab):
    MAJOR_DEPRESSION = "major_depression"
    PERSISTENT_DEPRESSION = "persistent_depression"
    BIPOLAR_DEPRESSION = "bipolar_depression"
    PTSD = "ptsd"
    OTHER = "other"


class TreatmentFormat(Vocab):
    STANDARD = "standard"
    IPT_A = "ipt_a"
    BRIEF = "brief"
    GROUP = "group"
    MAINTENANCE = "maintenance"
    IPSRT = "ipsrt"  # interpersonal and social rhythm therapy, bipolar disorder
    INPATIENT = "inpatient"
    COMBINED = "combined"  # group and individual sessions together
    FORTNIGHTLY = "fortnightly"  # sessions every two weeks


class Instrument(Vocab):
    PHQ9 = "phq9"
    HAMD = "hamd"
    BDI2 = "bdi2"
    MADRS = "madrs"
    EPDS = "epds"
    OTHER = "other"


class Chronicity(Vocab):
    ACUTE = "acute"  # under 6 months
    SUBACUTE = "subacute"  # 6 to 24 months
    CHRONIC = "chronic"  # over 2 years (persistent depressive disorder territory)


class RelationshipType(Vocab):
    PARTNER = "partner"
    EX_PARTNER = "ex_partner"
    PARENT = "parent"
    STEP_PARENT = "step_parent"
    CHILD = "child"
    SIBLING = "sibling"
    GRANDPARENT = "grandparent"
    OTHER_RELATIVE = "other_relative"
    FRIEND = "friend"
    COLLEAGUE = "colleague"
    BOSS = "boss"
    TEACHER = "teacher"
    NEIGHBOUR = "neighbour"
    CLINICIAN = "clinician"
    IN_LAW = "in_law"
    EMPLOYEE = "employee"  # someone who works for the client
    COMMUNITY_GROUP = "community_group"  # a congregation, club or support group as a whole
    UNKNOWN = "unknown"  # the narrative does not say how they are related
    OTHER = "other"


class Frequency(Vocab):
    """How often: used for contact and for conflict."""

    NEVER = "never"
    RARELY = "rarely"  # a few times a year
    MONTHLY = "monthly"
    WEEKLY = "weekly"
    DAILY = "daily"


class Level(Vocab):
    """Four-step ordinal used for support and conflict."""

    NONE = "none"
    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"


class ConflictLevel(Vocab):
    """How much conflict there is: the four steps of `Level`, or `present` when a conflict is
    described ("an ongoing conflict", "relations are strained") but its degree is not."""

    NONE = "none"
    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"
    PRESENT = "present"


class ConflictEnding(Vocab):
    """How conflicts with this person usually end."""

    RESOLVED = "resolved"
    DROPPED = "dropped"  # nobody raises it again
    ESCALATES = "escalates"
    PATIENT_GIVES_IN = "patient_gives_in"
    OTHER_GIVES_IN = "other_gives_in"
    UNRESOLVED = "unresolved"


class DisputeEngagement(Vocab):
    """Where the parties stand in a disagreement (the stage recognisers of reference §3.2)."""

    NEGOTIATING = "negotiating"
    STOPPED_TALKING = "stopped_talking"
    ENDING = "ending"


class WhoShouldChange(Vocab):
    SELF = "self"
    OTHER = "other"
    BOTH = "both"


class ChangeAtOnset(Vocab):
    """How the relationship changed around the onset of symptoms."""

    NONE = "none"
    WORSENED = "worsened"
    IMPROVED = "improved"
    STARTED = "started"
    ENDED = "ended"
    LOST_CONTACT = "lost_contact"
    LESS_CONTACT = "less_contact"  # still in touch, but less than before
    CHANGED_IN_KIND = "changed_in_kind"  # e.g. from partner to patient and carer


class PersonStatus(Vocab):
    ALIVE = "alive"
    DECEASED = "deceased"
    ESTRANGED = "estranged"
    RELATIONSHIP_ENDED = "relationship_ended"


class EventType(Vocab):
    DEATH = "death"
    SEPARATION = "separation"
    DIVORCE = "divorce"
    MARRIAGE = "marriage"
    PREGNANCY = "pregnancy"
    BIRTH = "birth"
    MISCARRIAGE = "miscarriage"
    JOB_LOSS = "job_loss"
    NEW_JOB = "new_job"
    PROMOTION = "promotion"
    RETIREMENT = "retirement"
    MOVE = "move"
    MIGRATION = "migration"
    ILLNESS_DIAGNOSIS = "illness_diagnosis"
    DISABILITY = "disability"
    CAREGIVING_START = "caregiving_start"
    CAREGIVING_END = "caregiving_end"
    CHILDREN_LEAVING = "children_leaving"
    SCHOOL_CHANGE = "school_change"
    GRADUATION = "graduation"
    TRAUMA = "trauma"
    FINANCIAL_LOSS = "financial_loss"
    COMING_OUT = "coming_out"
    CONFLICT = "conflict"  # an argument or the start or escalation of a dispute
    OTHER = "other"


class Valence(Vocab):
    POSITIVE = "positive"
    NEGATIVE = "negative"
    MIXED = "mixed"
    NEUTRAL = "neutral"


class Level3(Vocab):
    """Three-step ordinal for patient-level style ratings."""

    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"


class ConflictStyle(Vocab):
    """How disagreement with the person shows (reference §3.2: disputes may be open or hidden)."""

    OPEN = "open"  # arguments, rows, raised voices
    COVERT = "covert"  # unspoken: resentment, withdrawal, silence, a cold war
    BOTH = "both"
    NONE = "none"


class WhoGivesIn(Vocab):
    """Who usually yields when the two disagree."""

    CLIENT = "client"
    OTHER = "other"
    BOTH = "both"  # it varies
    NEITHER = "neither"


class Resentment(Vocab):
    """Whether the client resents the person, and whether it is said."""

    VOICED = "voiced"
    UNVOICED = "unvoiced"
    NONE = "none"


class TimingRelation(Vocab):
    """Where an event stands against the onset when the interval is not known."""

    BEFORE_ONSET = "before_onset"
    AT_ONSET = "at_onset"  # within about a month of it
    AFTER_ONSET = "after_onset"


class TimingInterval(Vocab):
    """How far from the onset an event lies when the notes say it only in words."""

    SHORT = "short"  # "shortly before", "soon after", "recently": inside the onset window
    LONG = "long"  # "years before", "in childhood": outside the onset window


class ClientRole(Vocab):
    """A social role of the client's that an event can start, end or change (reference §3.3)."""

    PARTNER = "partner"
    PARENT = "parent"
    CARER = "carer"
    WORKER = "worker"
    STUDENT = "student"
    HOMEMAKER = "homemaker"
    RETIREE = "retiree"
    PATIENT = "patient"  # the sick role
    CHILD_AT_HOME = "child_at_home"
    HAS_CONFIDANT = "has_confidant"
    COMMUNITY_MEMBER = "community_member"
    MIGRANT = "migrant"
    OTHER = "other"


class RoleEffectKind(Vocab):
    STARTED = "started"
    ENDED = "ended"
    CHANGED = "changed"


class Course(Vocab):
    """How the index episode is running at intake."""

    WORSENING = "worsening"
    STABLE = "stable"
    IMPROVING = "improving"
    FLUCTUATING = "fluctuating"


class ProblemArea(Vocab):
    """Canonical problem-area ids (reference §1.1); profiles map them to display labels."""

    GRIEF = "grief"
    ROLE_DISPUTE = "role_dispute"
    ROLE_TRANSITION = "role_transition"
    INTERPERSONAL_DEFICITS = "interpersonal_deficits"
    LOSS_OF_HEALTHY_SELF = "loss_of_healthy_self"


AreaId = Literal[
    "grief",
    "role_dispute",
    "role_transition",
    "interpersonal_deficits",
    "loss_of_healthy_self",
]
"""The canonical problem-area ids as a type (the values of `ProblemArea`)."""

GriefSign = Literal[
    "avoids_reminders",
    "no_grief_expressed",
    "keeps_busy",
    "life_organised_around_loss",
    "excessive_guilt",
    "ambivalence",
    "idealisation",
    "anniversary_reaction",
    "lacks_support_in_grief",
    "anger_at_living",
    "continuing_bonds",
    "suicidal_ideation_since_death",
    "grief_not_easing",
]
"""Observed grief reactions (reference §3.1), recorded per deceased person."""


class Importance(Vocab):
    """Patient-rated importance of a problem (reference §4.3 step 5b)."""

    NOT_IMPORTANT = "not_important"
    SOMEWHAT = "somewhat"
    VERY = "very"
