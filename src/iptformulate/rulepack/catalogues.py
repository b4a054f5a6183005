"""Schemas of the clinical catalogues kept as data beside the rules.

`rules/focus-policy.yaml`, `rules/techniques.yaml`, `rules/plans.yaml` and
`rules/statement.yaml` hold the focus policy, the technique catalogue, the session plans and
the patient-statement wording. This module only validates them, when the pack is loaded
(`load_pack`); the words and the clinical choices stay in the data.
`iptformulate.formulation.catalogue` hands them to the formulation stage.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..errors import RuleError, format_loc
from ..facts import FACT_FIELDS
from ..model.vocab import AreaId
from .spec import Source

AreaKey = AreaId


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- focus policy ---------------------------------------------------------------------------


class FocusPolicy(_Data):
    """How the focus is chosen among present areas (reference §4)."""

    source: Source
    order: list[
        Literal[
            "last_resort",
            "onset_link",
            "patient_importance",
            "onset_nearness",
            "tractability",
            "score",
        ]
    ] = Field(min_length=1, description="Ranking keys, applied in order (reference §4.3 step 5)")
    last_resort: list[AreaKey] = Field(description="Areas chosen only when nothing else is (F3)")
    importance_rank: dict[str, int] = Field(
        description="Rank of each patient-importance answer (higher is chosen first)"
    )
    main_concern_importance: Literal["not_important", "somewhat", "very"] | None = Field(
        default=None,
        description="The importance an area is given, when the patient has not rated it, if "
        "its evidence is a person or event the client names as troubling them most (F1, F8)",
    )
    tractability: dict[str, dict[AreaKey, int]] = Field(
        description="Per treatment format, how manageable each area is (F10); higher first"
    )
    onset_link: dict[str, dict[str, int]] = Field(
        description="Evidence field values that tie an area to onset or maintenance (F4), each "
        "with a rank: the closer the link, the higher; areas are ranked by their highest. A "
        "value written 'N+' stands for every count of N or more"
    )
    secondary_requires_present: bool = True
    reasons: dict[str, str] = Field(
        description="Sentence per ranking key, with an {area} slot; `<key>_over`, when given, is "
        "the sentence for the key deciding between two areas, with {area} and {rival} slots"
    )
    ask_when_none: list[str] = Field(min_length=1)
    ask_when_close: list[str] = Field(min_length=1)
    thin_evidence_findings: Annotated[int, Field(ge=1, le=10)] = 2

    @field_validator("onset_link")
    @classmethod
    def _known_fields(cls, value: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
        for name, ranks in value.items():
            if not any(name in fields for fields in FACT_FIELDS.values()):
                raise ValueError(f"'{name}' is not a fact field (see docs/facts.md)")
            for key in ranks:
                if key.endswith("+") and not key[:-1].isdigit():
                    raise ValueError(f"'{name}: {key}': a count range is written N+, e.g. 1+")
        return value


# --- techniques -----------------------------------------------------------------------------


class Technique(_Data):
    name: str
    description: Annotated[str, Field(min_length=10, max_length=300)]
    source: Source
    tasks: list[str] = Field(default_factory=list, description="Between-session tasks")


class AreaPlan(_Data):
    strategies: list[str] = Field(min_length=1)
    techniques: list[str] = Field(min_length=1)
    goals: list[str] | None = Field(
        default=None,
        description="Goal templates for this sub-type, in place of the area's; same slots",
    )


class AreaTechniques(_Data):
    default: AreaPlan
    subtypes: dict[str, AreaPlan] = Field(default_factory=dict)
    goals: list[str] = Field(min_length=1, description="Goal templates; {people} {roles} {event}")


class TechniqueCatalogue(_Data):
    """Middle-phase strategies and techniques per area and sub-type (reference §5)."""

    techniques: dict[str, Technique] = Field(min_length=5)
    areas: dict[AreaKey, AreaTechniques]
    fit: dict[str, str] = Field(
        description="Why-it-fits sentence per technique id, with {area} {subtype} {evidence} slots"
    )


# --- session plans --------------------------------------------------------------------------


class PhaseData(_Data):
    name: str
    sessions: str
    tasks: list[str] = Field(min_length=1)


class PlanData(_Data):
    title: str
    total_sessions: str
    weeks: Annotated[int, Field(ge=1, le=200)]
    cadence: str
    phases: list[PhaseData] = Field(min_length=2)
    source: Source
    after_remission: bool = Field(
        default=False,
        description="Given once the episode has remitted (maintenance): with a current episode "
        "the acute plan is shown first",
    )


class PlanCatalogue(_Data):
    """Session plans by format, with diagnosis-specific lengths (reference §6, §8)."""

    formats: dict[str, PlanData]
    by_diagnosis: dict[str, str] = Field(
        default_factory=dict, description="diagnosis -> plan key used in the standard format"
    )
    by_population: dict[str, str] = Field(
        default_factory=dict,
        description="population -> plan key used in the standard format when the diagnosis "
        "has no plan of its own",
    )
    termination: list[str] = Field(min_length=1)
    relapse_prevention: list[str] = Field(min_length=1)


# --- patient statement ----------------------------------------------------------------------


class StatementData(_Data):
    """Wording of the seven slots of the patient statement (reference §7), in plain language."""

    source: Source
    slots: dict[
        Literal["permission", "diagnosis", "sick_role", "link", "area", "plan", "agreement"],
        str,
    ]
    diagnosis_names: dict[str, str]
    area_phrases: dict[AreaKey, str]
    subtype_phrases: dict[AreaKey, dict[str, str]] = Field(
        default_factory=dict, description="In place of the area's phrase for these sub-types"
    )
    link_without_event: str
    no_focus: str
    severity: str
    link_phrases: dict[
        Literal["death", "event", "death_undated", "event_undated", "relationship"], str
    ] = Field(
        description="How the linked evidence is named in the link slot: {person} {event} {when}; "
        "the `_undated` ones, when given, for a death or event whose time is not known at all"
    )
    instrument_names: dict[str, str] = Field(default_factory=dict)


_SLOT = re.compile(r"\{([^{}]*)\}")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def slot_problem(template: str) -> str | None:
    """Why a catalogue template is not made of `{name}` slots and plain text, or None."""
    for match in _SLOT.finditer(template):
        if not _NAME.fullmatch(match.group(1)):
            return (
                f"slot '{{{match.group(1)[:40]}}}' is not a plain name; templates take "
                "{name} slots only (no attributes, indexes, positions or format specs)"
            )
    return None


CATALOGUES: dict[str, type[BaseModel]] = {
    "focus-policy": FocusPolicy,
    "techniques": TechniqueCatalogue,
    "plans": PlanCatalogue,
    "statement": StatementData,
}
"""The catalogue files beside the rules (`rules/<name>.yaml`) and their schemas."""


def validate_catalogue(key: str, data: Any, file: str) -> BaseModel:
    """The catalogue `key` validated, or a `RuleError` naming the file and the field."""
    if not isinstance(data, dict):
        raise RuleError("expected a mapping at the top of the file", file=file)
    try:
        result = CATALOGUES[key].model_validate(data)
    except ValidationError as exc:
        err = exc.errors(include_url=False, include_input=False)[0]
        raise RuleError(str(err["msg"]), file=file, path=format_loc(err["loc"])) from None
    _check_slots(data, file, [])
    for problem in catalogue_problems(key, result, file):
        raise problem
    return result


def _check_slots(node: Any, file: str, path: list[str | int]) -> None:
    """Every text of a catalogue is filled by plain `{name}` substitution; refuse any other
    slot (`{0}`, `{x.attr}`, `{x[0]}`, `{x:>9}`) when the catalogue is loaded."""
    if isinstance(node, str):
        problem = slot_problem(node)
        if problem is not None:
            raise RuleError(problem, file=file, path=format_loc(path))
    elif isinstance(node, dict):
        for key, value in node.items():
            _check_slots(value, file, [*path, str(key)])
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _check_slots(value, file, [*path, i])


def catalogue_problems(key: str, data: BaseModel, file: str) -> list[RuleError]:
    """References inside one catalogue that do not resolve."""
    out: list[RuleError] = []
    if isinstance(data, TechniqueCatalogue):
        for area, entry in data.areas.items():
            plans = {"default": entry.default, **entry.subtypes}
            for name, plan in plans.items():
                for i, tid in enumerate(plan.techniques):
                    if tid not in data.techniques:
                        where = "default" if name == "default" else f"subtypes.{name}"
                        out.append(RuleError(
                            f"unknown technique '{tid}'",
                            file=file, path=f"areas.{area}.{where}.techniques[{i}]",
                        ))  # fmt: skip
        for tid in data.techniques:
            if tid not in data.fit:
                out.append(RuleError(f"technique '{tid}' has no 'fit' sentence", file=file,
                                     path=f"fit.{tid}"))  # fmt: skip
        for tid in data.fit:
            if tid not in data.techniques:
                out.append(RuleError(f"'fit' names unknown technique '{tid}'", file=file,
                                     path=f"fit.{tid}"))  # fmt: skip
    elif isinstance(data, PlanCatalogue):
        for table, choices in (("by_diagnosis", data.by_diagnosis),
                               ("by_population", data.by_population)):  # fmt: skip
            for value, key_ in choices.items():
                if key_ not in data.formats:
                    out.append(RuleError(f"unknown plan '{key_}'", file=file,
                                         path=f"{table}.{value}"))  # fmt: skip
    return out
