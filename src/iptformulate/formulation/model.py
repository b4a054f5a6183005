"""The formulation: what `iptformulate.formulate` returns.

Every claim carries its provenance: the rule codes that fired and the inventory entries
(people, events) that made them fire. Rendering lives in `iptformulate.render`; the model only
holds data (its `_repr_html_` and `__repr__` delegate to the renderers).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from ..model.vocab import AreaId

if TYPE_CHECKING:
    from fhir.resources.R4B.bundle import Bundle

    from ..model.case import Case

__all__ = [
    "Alternative",
    "AreaId",
    "AreaResult",
    "EvidenceRef",
    "FindingOut",
    "FocusDecision",
    "Formulation",
    "Goal",
    "MiddlePhasePlan",
    "Override",
    "OverrideReason",
    "PatientStatement",
    "Phase",
    "Provenance",
    "SessionPlan",
    "StatementSlot",
    "TechniqueOut",
    "Warning_",
]

OverrideReason = Literal[
    "patient_priority",
    "clinical_judgement",
    "new_information",
    "risk",
    "tractability",
    "other",
]


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EvidenceRef(_Out):
    """An inventory entry a rule fired on."""

    role: str = Field(description="The rule's alias for this entry (e.g. 'lost').")
    kind: Literal["client", "person", "event", "involvement", "summary", "candidate"]
    ref: str = Field(description="The person or event id in the case, or the fact id.")
    display: str = Field(description="The person's name or the event's description.")


class FindingOut(_Out):
    """One rule firing, rendered."""

    code: str
    title: str
    effect: Literal["core", "support", "against", "subtype"]
    weight: float
    rationale: str
    evidence: list[EvidenceRef]
    source: str = Field(description="Domain-reference key, section and evidence tag.")
    subtype: str | None = None


class SourceOut(_Out):
    """One relationship or event that an area's core evidence is about, seen on its own: a
    dispute with each person has its own stage, a death its own grief pattern."""

    kind: Literal["person", "event", "client"]
    ref: str = Field(description="The person or event id in the case ('' for the client).")
    display: str = Field(description="The person's name or the event's description.")
    strength: float = Field(ge=0.0, le=1.0, description="What the rules found about it alone.")
    subtype: str | None = Field(default=None, description="Its own stage, pattern or kind.")
    principal: bool = Field(
        default=False,
        description="The area is mainly about it: the area's sub-type, techniques, goals and "
        "the statement's link come from it.",
    )


class AreaResult(_Out):
    """One problem area: its score, presence, the reasons for and against, its sub-type."""

    area: AreaId
    label: str
    score: float = Field(ge=0.0, le=1.0)
    present: bool
    excluded: bool = False
    subtype: str | None = Field(
        default=None, description="Dispute stage, grief pattern, transition or deficits kind."
    )
    subtype_kind: str | None = None
    findings_for: list[FindingOut] = Field(default_factory=list)
    findings_against: list[FindingOut] = Field(default_factory=list)
    subtype_findings: list[FindingOut] = Field(default_factory=list)
    linked_to_onset: bool = Field(
        default=False, description="Some evidence falls near onset or is ongoing (F4)."
    )
    sources: list[SourceOut] = Field(
        default_factory=list,
        description="Each relationship or event a core rule fired on, strongest first.",
    )


class Alternative(_Out):
    """An area the focus policy did not choose, and why."""

    area: AreaId
    reason: str


class FocusDecision(_Out):
    """The chosen focus, how it was chosen and how sure the choice is."""

    primary: AreaId | None
    secondary: AreaId | None = None
    reasons: list[str] = Field(default_factory=list)
    rejected: list[Alternative] = Field(default_factory=list)
    margin: float = Field(ge=0.0, le=1.0, description="Top score minus the runner-up's.")
    confidence: Literal["high", "moderate", "low"]
    close_call: bool = False
    thin_evidence: bool = False
    ask_next: list[str] = Field(default_factory=list)


class TechniqueOut(_Out):
    """A middle-phase technique suggested for this case."""

    id: str
    name: str
    description: str
    why: str
    because_of: list[str] = Field(description="Rule codes whose findings make it fit.")
    between_session_tasks: list[str] = Field(default_factory=list)
    source: str


class MiddlePhasePlan(_Out):
    area: AreaId
    subtype: str | None
    strategies: list[str]
    techniques: list[TechniqueOut]


class Goal(_Out):
    area: AreaId
    text: str
    people: list[str] = Field(default_factory=list, description="Person ids the goal involves.")
    because_of: list[str] = Field(default_factory=list)


class Phase(_Out):
    name: str
    sessions: str
    tasks: list[str]


class SessionPlan(_Out):
    format: str
    title: str = Field(
        default="", description="The plan's name in words, from `rules/plans.yaml`."
    )
    total_sessions: str
    cadence: str
    phases: list[Phase]
    termination: list[str]
    relapse_prevention: list[str]
    source: str


class StatementSlot(_Out):
    slot: int = Field(ge=1, le=7)
    name: str
    text: str


class PatientStatement(_Out):
    """The formulation to share with the patient, in the seven slots of reference §7."""

    status: Literal["proposed", "agreed"] = "proposed"
    slots: list[StatementSlot]

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.slots)


class Warning_(_Out):
    kind: Literal["decision_support", "risk", "missing_data", "engine", "override"]
    text: str


class ContextItem(_Out):
    """Something the case records for the report only (no rule reads it), shown as written."""

    label: str
    text: str


class Unknown(_Out):
    """A field the case leaves unknown that could change the formulation if it were known."""

    path: str = Field(description="Where in the case: `people[sam].support`, `episode.onset`.")
    rules: list[str] = Field(description="Rules that could fire if it were known.")
    areas: list[AreaId] = Field(description="The areas those rules bear on.")
    missing: str | None = Field(
        default=None,
        description="When the field is recorded only in part, what is still missing (a "
        "conflict recorded as present: 'its degree'); None when it is not recorded at all.",
    )


class Provenance(_Out):
    library_version: str
    profile: str
    rule_pack: str
    rule_pack_hash: str
    engine: str
    facts_version: int
    options: dict[str, str | int | float | bool] = Field(default_factory=dict)


class Override(_Out):
    """A clinician's change of focus, with a coded reason."""

    focus: AreaId
    previous: AreaId | None
    reason: OverrideReason
    note: str | None = None


class Formulation(_Out):
    """An IPT case formulation: decision support for the clinician, not a diagnosis."""

    case_id: str
    areas: dict[AreaId, AreaResult]
    focus: FocusDecision
    middle_phase: list[MiddlePhasePlan] = Field(default_factory=list)
    goals: list[Goal] = Field(default_factory=list)
    plan: SessionPlan
    statement: PatientStatement
    warnings: list[Warning_]
    unknowns: list[Unknown] = Field(
        default_factory=list,
        description="Ask next: what the case leaves unknown that the rules would read.",
    )
    context: list[ContextItem] = Field(
        default_factory=list,
        description="What the case records for the clinician's report (severity, comorbidity, "
        "medication, culture, a dilemma between roles, course); no rule reads it.",
    )
    provenance: Provenance
    override: Override | None = None

    @property
    def primary_focus(self) -> AreaId | None:
        return self.override.focus if self.override else self.focus.primary

    @property
    def secondary_focus(self) -> AreaId | None:
        return self.focus.secondary

    @property
    def techniques(self) -> list[TechniqueOut]:
        return [t for plan in self.middle_phase for t in plan.techniques]

    def with_override(
        self,
        *,
        focus: AreaId,
        reason: OverrideReason,
        note: str | None = None,
    ) -> Formulation:
        """A copy whose focus is the clinician's choice, recorded with its reason. When this
        formulation was made by `formulate` in this process, everything that follows from the
        focus (reasons, techniques, goals, plan, statement) is derived again for it; one read
        back from JSON, which has no case, is relabelled only, and says so."""
        if focus not in self.areas:
            raise ValueError(
                f"focus {focus!r} is not an area of profile {self.provenance.profile!r}"
            )
        override = Override(focus=focus, previous=self.focus.primary, reason=reason, note=note)
        rederive = _REDERIVE.get(id(self))
        if rederive is not None:
            again: Formulation = rederive(override)
            return again
        warning = Warning_(
            kind="override",
            text=f"The clinician set the focus to {self.areas[focus].label} ({reason}); the "
            "plan, goals and statement were not derived again (no case at hand: formulate the "
            "case again to re-derive them).",
        )
        return self.model_copy(update={"override": override, "warnings": [*self.warnings, warning]})

    def with_agreement(self) -> Formulation:
        """A copy whose patient statement is marked as agreed (F6). Refused when there is no
        focus: there is nothing yet for the patient to agree to."""
        if self.primary_focus is None:
            raise ValueError(
                "the formulation has no focus yet, so there is no statement to agree; ask the "
                "questions under 'ask next' or set a focus with with_override"
            )
        statement = self.statement.model_copy(update={"status": "agreed"})
        return self.model_copy(update={"statement": statement})

    def __repr__(self) -> str:
        """One line: the case id, the focus, the confidence and the profile (names no person;
        `str()`, the renderers and `_repr_html_` give the full report)."""
        foci = []
        if self.primary_focus is not None:
            foci.append(f"{self.primary_focus} ({'override' if self.override else 'primary'})")
        if self.secondary_focus is not None:
            foci.append(f"{self.secondary_focus} (secondary)")
        return (
            f"<Formulation case={self.case_id!r} focus={', '.join(foci) or 'none'} "
            f"confidence={self.focus.confidence} profile={self.provenance.profile}>"
        )

    def __str__(self) -> str:
        """The full report as plain text (the text renderer)."""
        from ..render import text

        return text.render(self)

    def _repr_html_(self) -> str:
        from ..render import html

        return html.render(self)

    def to_markdown(self) -> str:
        from ..render import markdown

        return markdown.render(self)

    def to_fhir(self, case: Case | None = None, *, names: bool = False) -> Bundle:
        """A FHIR R4 Bundle (ClinicalImpression, CarePlan, Goals, RelatedPersons) validated by
        `fhir.resources` (extra `fhir`). `case` adds relationships; names only with
        `names=True`; no free-text notes ever (docs/fhir.md)."""
        from ..render.fhir import to_fhir

        return to_fhir(self, case, names=names)


_M = TypeVar("_M", bound=BaseModel)
_new = object.__new__
_SLOTS = ("__dict__", "__pydantic_fields_set__", "__pydantic_extra__", "__pydantic_private__")
_ALL_SET: dict[type[BaseModel], set[str]] = {}  # per model, the set of all its field names


def _setters() -> tuple[Any, ...]:
    """The setters of the instance slots pydantic declares (empty if it declares others)."""
    declared = vars(BaseModel)
    if set(getattr(BaseModel, "__slots__", ())) != set(_SLOTS) or any(
        name not in declared for name in _SLOTS
    ):
        return ()
    return tuple(declared[name].__set__ for name in _SLOTS)


_SETTERS = _setters()


def _fast(cls: type[_M], values: dict[str, Any], fields_set: set[str] | None = None) -> _M:
    set_dict, set_fields, set_extra, set_private = _SETTERS
    out: _M = _new(cls)
    set_dict(out, values)
    if fields_set is None:
        every = _ALL_SET.get(cls)
        if every is None:
            every = _ALL_SET[cls] = set(cls.model_fields)
        fields_set = every.copy()  # copying a set costs less than building one
    set_fields(out, fields_set)
    set_extra(out, None)
    set_private(out, None)
    return out


def _slow(cls: type[_M], values: dict[str, Any], fields_set: set[str] | None = None) -> _M:
    return cls.model_construct(fields_set, **values)


def _fast_rows(cls: type[_M], rows: Iterable[dict[str, Any]]) -> list[_M]:
    """`_fast(cls, values)` for each of `rows`, every field set, in one loop."""
    set_dict, set_fields, set_extra, set_private = _SETTERS
    every = _ALL_SET.get(cls)
    if every is None:
        every = _ALL_SET[cls] = set(cls.model_fields)
    copy = every.copy
    out: list[_M] = []
    for values in rows:
        obj: _M = _new(cls)
        set_dict(obj, values)
        set_fields(obj, copy())
        set_extra(obj, None)
        set_private(obj, None)
        out.append(obj)
    return out


def _slow_rows(cls: type[_M], rows: Iterable[dict[str, Any]]) -> list[_M]:
    return [cls.model_construct(None, **values) for values in rows]


def _fast_matches_pydantic() -> bool:
    if not _SETTERS or EvidenceRef.__new__ is not _new:
        return False
    values = {"role": "r", "kind": "person", "ref": "p", "display": "d"}
    want = EvidenceRef(**values).__getstate__()
    return _fast(EvidenceRef, dict(values)).__getstate__() == want


_REDERIVE: dict[int, Callable[[Override], Formulation]] = {}
"""How to derive a formulation again with a clinician's focus, for the formulations made by
`formulate` in this process (by `id`, dropped when the formulation is collected). Kept outside
the model so it is neither data, nor compared, nor serialised."""


def remember_rederive(f: Formulation, rederive: Callable[[Override], Formulation]) -> None:
    """Let `f.with_override` derive everything again through `rederive`."""
    key = id(f)
    _REDERIVE[key] = rederive
    weakref.finalize(f, _REDERIVE.pop, key, None)


# `trusted(Model, values)` is `Model.model_construct(**values)` for values that are already valid
# and hold every field in declaration order (`fields_set`: the fields given, if not all). It costs
# a sixth as much, which matters for the hundred objects of a formulation, and falls back to
# `model_construct` if pydantic's instance layout ever changes.
trusted = _fast if _fast_matches_pydantic() else _slow
trusted_rows = _fast_rows if trusted is _fast else _slow_rows
"""`[trusted(cls, values) for values in rows]`, with every field given."""
