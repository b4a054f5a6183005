"""The mapping file: which protocol variables of a Network Canvas export give which case field.

Example (YAML)::

    node_type: Person                      # the attribute list / node type holding the people
    name: name
    relationship: {variable: relationship, values: {mum: parent, dad: parent, bf: partner}}
    ring: {layout: closeness_layout, rings: 4}   # or {variable: closeness, values: {...}}
    support: {variable: support, values: {"1": none, "2": low, "3": moderate, "4": high}}
    conflict: {variable: conflict}
    contact: {variable: contact_freq}
    died: death_date                       # a date variable: the person has died
    ego:
      age: age
      onset_date: onset_date
      intake_date: sessionStart

A variable is a plain column, or a categorical variable exported as one true/false column per
option (`relationship_mum`, `relationship_dad`, ...). `values` translates the export's values to
the case format's vocabulary; without it the values must already be the case format's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import CaseError, problems_from_validation
from ..limits import safe_load

__all__ = ["EgoMapping", "FieldMapping", "NCMapping", "RingMapping", "load_mapping"]

Variable = Annotated[str, Field(min_length=1, max_length=200)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FieldMapping(_Strict):
    """One case field from one export variable, its values translated by `values`."""

    variable: Variable
    values: dict[str, str] | None = Field(
        default=None, description="Export value (or categorical option) -> case-format value."
    )


class RingMapping(_Strict):
    """The closeness ring: from an ordinal variable, or from a sociogram layout variable whose
    x and y (0-1, centre at 0.5) place the person on `rings` concentric circles."""

    variable: Variable | None = None
    values: dict[str, str] | None = None
    layout: Variable | None = None
    rings: Annotated[int, Field(ge=1, le=4)] = 4


class EgoMapping(_Strict):
    """Case fields read from the ego's variables (`sessionStart` is the interview's start)."""

    age: Variable | None = None
    onset_date: Variable | None = None
    intake_date: Variable | None = None
    population: FieldMapping | None = None
    diagnosis: FieldMapping | None = None


class NCMapping(_Strict):
    """What each case field is read from; fields left out are not imported."""

    node_type: str | None = Field(
        default=None, description="The node type holding the people (default: every type)."
    )
    name: Variable = "name"
    relationship: FieldMapping | None = None
    ring: RingMapping | None = None
    support: FieldMapping | None = None
    conflict: FieldMapping | None = None
    contact: FieldMapping | None = None
    confidant: Variable | None = Field(default=None, description="A boolean variable.")
    died: Variable | None = Field(default=None, description="A date variable: a death.")
    ego: EgoMapping = Field(default_factory=EgoMapping)

    def variables(self) -> set[str]:
        """Every node variable the mapping reads."""
        out = {self.name}
        for item in (self.relationship, self.support, self.conflict, self.contact):
            if item is not None:
                out.add(item.variable)
        if self.ring is not None:
            out.update(v for v in (self.ring.variable, self.ring.layout) if v)
        out.update(v for v in (self.confidant, self.died) if v)
        return out

    def ego_variables(self) -> set[str]:
        """Every ego variable the mapping reads."""
        ego = self.ego
        out = {v for v in (ego.age, ego.onset_date, ego.intake_date) if v}
        out.update(m.variable for m in (ego.population, ego.diagnosis) if m is not None)
        return out


def load_mapping(path: str | Path) -> NCMapping:
    """Read and validate a mapping file (YAML or JSON); raise `CaseError` naming the field."""
    source = str(path)
    try:
        data = safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise CaseError(
            f"cannot read the mapping file ({type(exc).__name__})", source=source
        ) from None
    except Exception:
        raise CaseError("the mapping file is not valid YAML", source=source) from None
    try:
        return NCMapping.model_validate(data or {})
    except ValidationError as exc:
        problems = problems_from_validation(exc)
        raise CaseError(
            problems[0][1], source=source, path=problems[0][0], problems=problems
        ) from None
