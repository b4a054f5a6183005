"""Turning each interview of a Network Canvas export into a case document.

A value the mapping cannot translate is left out of the case and reported with its file and
row; so is a person or an ego that does not validate. Reports name files, rows, variables and
case ids, never a name or any other value of the export.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from ..errors import CaseError
from ..loading import parse_case
from ..model.case import Case, Person
from ..model.vocab import ConflictLevel, Frequency, Level, RelationshipType
from .export import Alter, Ego, Export
from .mapping import FieldMapping, NCMapping

__all__ = ["ImportReport", "Problem", "convert"]

_TRUE = frozenset({"true", "1", "yes"})
_FALSE = frozenset({"false", "0", "no"})
_ID_CHARS = re.compile(r"[^A-Za-z0-9_.-]+")


class Problem(BaseModel):
    """Something the import could not use: where it is and why (never the value itself)."""

    model_config = ConfigDict(frozen=True)

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass
class ImportReport:
    """The cases made, the variables no mapping reads, and the rows that could not be used."""

    cases: list[Case] = field(default_factory=list)
    unmapped: dict[str, list[str]] = field(default_factory=dict)  # file -> variables
    problems: list[Problem] = field(default_factory=list)
    ties: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def convert(export: Export, mapping: NCMapping) -> ImportReport:
    """One case per ego of `export`, read through `mapping`."""
    report = ImportReport(problems=[Problem(where=w, message=m) for w, m in export.problems])
    node_vars, ego_vars = mapping.variables(), mapping.ego_variables()
    for file, columns in sorted(export.columns.items()):
        is_ego = "_attributeList_" not in file and "_edgeList_" not in file
        used = ego_vars if is_ego and not file.endswith(".graphml") else node_vars
        if file.endswith(".graphml"):
            used = node_vars | ego_vars
        left = sorted(c for c in columns if not _reads(c, used))
        if left:
            report.unmapped[file] = left
    taken: set[str] = set()
    for ego in export.egos:
        report.ties += ego.edges
        data = _case(ego, mapping, report, taken)
        try:
            case = parse_case(data, source=ego.where)
        except CaseError as exc:
            for path, message in exc.problems:
                report.problems.append(
                    Problem(where=ego.where, message=f"case {data['id']!r}: {path}: {message}")
                )
            continue
        taken.add(case.id)
        report.cases.append(case)
    return report


def _reads(column: str, used: set[str]) -> bool:
    """The column is a mapped variable, one of its categorical options or layout axes."""
    return column in used or any(column.startswith(f"{v}_") for v in used)


def _case_id(ego: Ego, taken: set[str]) -> str:
    raw = _ID_CHARS.sub("-", ego.case_id or "").strip("-._")[:48]
    base = raw if raw and raw[0].isalnum() else f"nc-{ego.uuid[:8]}"
    base = _ID_CHARS.sub("-", base)
    case_id, n = base, 2
    while case_id in taken:
        case_id, n = f"{base}-{n}", n + 1
    return case_id


def _case(ego: Ego, mapping: NCMapping, report: ImportReport, taken: set[str]) -> dict[str, Any]:
    data: dict[str, Any] = {"id": _case_id(ego, taken)}
    em = mapping.ego
    episode: dict[str, Any] = {}
    if em.age:
        age = _number(ego.values.get(em.age, ""))
        if age is not None and 5 <= age <= 120:
            data["age"] = int(age)
        elif ego.values.get(em.age):
            report.problems.append(Problem(where=ego.where, message=f"{em.age}: not an age"))
    for key, variable in (("onset_date", em.onset_date), ("intake_date", em.intake_date)):
        if variable and ego.values.get(variable):
            when = _date(ego.values[variable])
            if when is None:
                report.problems.append(Problem(where=ego.where, message=f"{variable}: not a date"))
            else:
                episode[key] = when[0].isoformat()
    if episode:
        data["episode"] = episode
    for key, fm in (("population", em.population), ("diagnosis", em.diagnosis)):
        if fm is not None:
            value = _value(ego.values, fm, ego.where, report)
            if value is not None:
                data[key] = value
    people: list[dict[str, Any]] = []
    ids: set[str] = set()
    for alter in ego.alters:
        if mapping.node_type is not None and alter.node_type != mapping.node_type:
            continue
        person = _person(alter, mapping, report, ids)
        if person is not None:
            people.append(person)
            ids.add(person["id"])
    data["people"] = people
    return data


def _person(
    alter: Alter, mapping: NCMapping, report: ImportReport, ids: set[str]
) -> dict[str, Any] | None:
    values, where = alter.values, alter.where
    pid, n = f"p-{_ID_CHARS.sub('', alter.uuid)[:8] or 'x'}", 2
    while pid in ids:
        pid, n = f"{pid.split('~')[0]}~{n}", n + 1
    pid = pid.replace("~", "-")
    person: dict[str, Any] = {"id": pid, "name": values.get(mapping.name) or pid}
    relationship = (
        _value(values, mapping.relationship, where, report, RelationshipType)
        if mapping.relationship is not None
        else None
    )
    person["relationship"] = relationship or "other"
    for key, fm, vocab in (
        ("support", mapping.support, Level),
        ("conflict", mapping.conflict, ConflictLevel),
        ("contact", mapping.contact, Frequency),
    ):
        if fm is not None:
            value = _value(values, fm, where, report, vocab)
            if value is not None:
                person[key] = value
    ring = _ring(values, mapping, where, report)
    if ring is not None:
        person["ring"] = ring
    if mapping.confidant and values.get(mapping.confidant):
        flag = _bool(values[mapping.confidant])
        if flag is None:
            report.problems.append(
                Problem(where=where, message=f"{mapping.confidant}: not true/false")
            )
        else:
            person["confidant"] = flag
    if mapping.died and values.get(mapping.died):
        when = _date(values[mapping.died])
        if when is None:
            report.problems.append(Problem(where=where, message=f"{mapping.died}: not a date"))
        else:
            person["status"] = "deceased"
            person["died"] = {"date": when[0].isoformat(), "approximate": when[1]}
    try:
        Person.model_validate(person)
    except ValidationError as exc:
        bad = ", ".join(sorted({".".join(map(str, e["loc"])) for e in exc.errors()}))
        report.problems.append(Problem(where=where, message=f"person not imported ({bad})"))
        return None
    return person


def _value(
    values: dict[str, str],
    fm: FieldMapping,
    where: str,
    report: ImportReport,
    vocab: type[Any] | None = None,
) -> str | None:
    """The mapped value of a plain or categorical variable; None when missing or unusable."""
    raw = values.get(fm.variable)
    if raw is None:
        chosen = [
            column.removeprefix(f"{fm.variable}_")
            for column, cell in values.items()
            if column.startswith(f"{fm.variable}_") and cell.lower() in _TRUE
        ]
        if len(chosen) > 1:
            report.problems.append(
                Problem(where=where, message=f"{fm.variable}: several options chosen; left out")
            )
            return None
        raw = chosen[0] if chosen else ""
    if raw == "":
        return None
    value = fm.values.get(raw) if fm.values is not None else raw
    if value is None or (vocab is not None and value not in {str(v) for v in vocab}):
        report.problems.append(
            Problem(where=where, message=f"{fm.variable}: value not in the mapping; left out")
        )
        return None
    return value


def _ring(
    values: dict[str, str], mapping: NCMapping, where: str, report: ImportReport
) -> int | None:
    rm = mapping.ring
    if rm is None:
        return None
    if rm.layout:
        x = _number(_axis(values, rm.layout, "x"))
        y = _number(_axis(values, rm.layout, "y"))
        if x is None or y is None:
            return None
        distance = math.hypot(x - 0.5, y - 0.5) / 0.5  # 0 at the centre, 1 at the edge
        return min(rm.rings, max(1, math.ceil(distance * rm.rings)))
    if rm.variable:
        fm = FieldMapping(variable=rm.variable, values=rm.values)
        value = _value(values, fm, where, report)
        if value is None:
            return None
        if value not in {"1", "2", "3", "4"}:
            report.problems.append(Problem(where=where, message=f"{rm.variable}: not a ring 1-4"))
            return None
        return int(value)
    return None


def _axis(values: dict[str, str], layout: str, axis: str) -> str:
    return values.get(f"{layout}_{axis}", values.get(f"{layout}_{axis.upper()}", ""))


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _bool(text: str) -> bool | None:
    lowered = text.lower()
    return True if lowered in _TRUE else False if lowered in _FALSE else None


def _date(text: str) -> tuple[dt.date, bool] | None:
    """A Network Canvas date (`2024-03-05`, `2024-03` or `2024`, or an ISO timestamp) and
    whether it is approximate (month or year only)."""
    text = text.strip()
    try:
        if re.fullmatch(r"\d{4}", text):
            return dt.date(int(text), 7, 1), True
        if re.fullmatch(r"\d{4}-\d{2}", text):
            return dt.date(int(text[:4]), int(text[5:]), 15), True
        return dt.date.fromisoformat(text[:10]), False
    except ValueError:
        return None
