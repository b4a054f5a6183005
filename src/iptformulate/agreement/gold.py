"""Expert ratings (gold) from CSV or YAML, read within the case file limits."""

from __future__ import annotations

import csv
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import Field

from ..errors import CaseError, format_loc
from ..limits import DEFAULT_LIMITS, LimitProblem, check_document, read_regular, read_yaml_document
from ..rulepack.spec import AREA_IDS
from .labels import FOCUS, NONE
from .statistics import Frozen

CORE_AREAS = ("grief", "role_dispute", "role_transition", "interpersonal_deficits")
_TRUE = {"1", "yes", "y", "true", "t"}
_FALSE = {"0", "no", "n", "false", "f"}


class GoldRating(Frozen):
    """What the experts said about one case: only the judgements they actually made."""

    areas: dict[str, bool] = Field(description="Rated areas only: area id -> present.")
    primary_focus: str | None = Field(
        default=None, description="An area id, 'none', or None when the focus was not rated."
    )


def focus_label(value: Any, source: str, case_id: str, path: str) -> str | None:
    if value is None:
        return None
    text = str(value).strip().lower()
    if text == "":
        return None
    if text in AREA_IDS or text == NONE:
        return text
    raise CaseError(
        f"expected an area id ({', '.join(AREA_IDS)}) or 'none'",
        source=source,
        case_id=case_id,
        path=path,
    )


def _safe_id(value: Any, source: str, where: str) -> str:
    text = str(value).strip() if value is not None else ""
    if not text or format_loc([text]) == "<key>":
        raise CaseError(
            "case ids must be letters, digits, '_', '.' or '-'", source=source, path=where
        )
    return text


def load_gold(path: str | os.PathLike[str]) -> dict[str, GoldRating]:
    """Expert ratings from CSV (case_id, primary_focus, one 1/0 column per area; blank = not
    rated) or YAML (case id -> {areas_present: [...], primary_focus: ...})."""
    p = Path(path)
    if p.suffix.lower() == ".csv":
        return _gold_csv(p)
    if p.suffix.lower() in (".yaml", ".yml"):
        return _gold_yaml(p)
    raise CaseError("gold ratings must be a .csv, .yaml or .yml file", source=str(p))


def _read_text(p: Path) -> str:
    """A gold file's text: a regular file within the case file size limit."""
    try:
        return read_regular(p, DEFAULT_LIMITS.max_file_bytes).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CaseError("file is not UTF-8 text", source=str(p)) from None
    except OSError as exc:
        raise CaseError(f"cannot read the file ({exc.strerror})", source=str(p)) from None
    except LimitProblem as exc:
        raise CaseError(str(exc), source=str(p)) from None


def _gold_csv(p: Path) -> dict[str, GoldRating]:
    source = str(p)
    try:
        rows = list(csv.reader(_read_text(p).splitlines()))
    except csv.Error as exc:  # a NUL byte, a field over the csv module's size limit
        raise CaseError(f"malformed CSV ({exc})", source=source) from None
    if not rows:
        raise CaseError("the file is empty; expected a header row", source=source)
    header = [h.strip().lower() for h in rows[0]]
    if "case_id" not in header:
        raise CaseError("the header has no case_id column", source=source)
    for i, name in enumerate(header):
        if name not in ("case_id", FOCUS, *AREA_IDS):
            shown = format_loc([name]) if name else f"<column {i + 1}>"
            raise CaseError(
                f"unknown column {shown}; expected case_id, primary_focus or an area id",
                source=source,
            )
    if len(set(header)) != len(header):
        raise CaseError("a column appears twice in the header", source=source)
    out: dict[str, GoldRating] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        where = f"{source}:{number}"
        if len(row) != len(header):
            raise CaseError(f"expected {len(header)} cells, got {len(row)}", source=where)
        cells = dict(zip(header, (c.strip() for c in row), strict=True))
        case_id = _safe_id(cells["case_id"], where, "case_id")
        if case_id in out:
            raise CaseError("the case id appears twice", source=where, case_id=case_id)
        areas: dict[str, bool] = {}
        for area in AREA_IDS:
            value = cells.get(area, "").lower()
            if value in _TRUE:
                areas[area] = True
            elif value in _FALSE:
                areas[area] = False
            elif value:
                raise CaseError(
                    "expected 1/0, yes/no, true/false or blank (not rated)",
                    source=where,
                    case_id=case_id,
                    path=area,
                )
        focus = focus_label(cells.get(FOCUS), where, case_id, FOCUS)
        out[case_id] = GoldRating(areas=areas, primary_focus=focus)
    return out


def _gold_yaml(p: Path) -> dict[str, GoldRating]:
    source = str(p)
    try:
        data = read_yaml_document(_read_text(p))
    except LimitProblem as exc:
        raise CaseError(str(exc), source=source) from None
    if not isinstance(data, Mapping):
        raise CaseError("expected a mapping of case id -> ratings", source=source)
    try:
        check_document(data, DEFAULT_LIMITS)
    except LimitProblem as exc:
        raise CaseError(str(exc), source=source, path=exc.path) from None
    out: dict[str, GoldRating] = {}
    for key, entry in data.items():
        case_id = _safe_id(key, source, "<key>")
        if not isinstance(entry, Mapping):
            raise CaseError("expected a mapping with areas_present", source=source, case_id=case_id)
        present = _area_list(entry.get("areas_present", []), source, case_id, "areas_present")
        # Unless the file says which areas were rated, the four IPARS areas (and any area
        # listed as present) count as rated, so an unlisted area is a rating of "absent".
        rated = (
            _area_list(entry["areas_rated"], source, case_id, "areas_rated")
            if "areas_rated" in entry
            else [*CORE_AREAS, *present]
        )
        if not set(present) <= set(rated):
            raise CaseError(
                "an area in areas_present is missing from areas_rated",
                source=source,
                case_id=case_id,
                path="areas_present",
            )
        areas = {a: a in present for a in AREA_IDS if a in rated}
        focus = focus_label(entry.get(FOCUS), source, case_id, FOCUS)
        out[case_id] = GoldRating(areas=areas, primary_focus=focus)
    return out


def _area_list(value: Any, source: str, case_id: str, path: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(v in AREA_IDS for v in value):
        raise CaseError(
            f"expected a list of area ids ({', '.join(AREA_IDS)})",
            source=source,
            case_id=case_id,
            path=path,
        )
    return [str(v) for v in value]
