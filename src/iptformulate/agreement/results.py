"""Our ratings: from formulations, `batch` result records or a results JSONL file."""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ..errors import CaseError, format_loc
from ..formulation.model import Formulation
from ..limits import LimitProblem, open_regular
from .gold import focus_label
from .labels import NONE
from .statistics import Frozen


class OurRating(Frozen):
    case_id: str
    areas: dict[str, bool]
    primary_focus: str


def load_results(path: str | os.PathLike[str]) -> Iterator[dict[str, Any]]:
    """Lazily read a results JSONL file (one `{"case_id", "source", "formulation"}` per line)."""
    p = Path(path)
    try:
        handle = io.TextIOWrapper(open_regular(p), encoding="utf-8")
    except OSError as exc:
        raise CaseError(f"cannot read the file ({exc.strerror})", source=str(p)) from None
    except LimitProblem as exc:
        raise CaseError(str(exc), source=str(p)) from None
    with handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except (json.JSONDecodeError, RecursionError):
                raise CaseError("malformed JSON", source=f"{p}:{number}") from None
            if not isinstance(data, dict):
                raise CaseError("expected a JSON object per line", source=f"{p}:{number}")
            data.setdefault("source", f"{p}:{number}")
            yield data


def our_rating(item: Formulation | BaseModel | Mapping[str, Any]) -> OurRating | str | None:
    """Our ratings of one case; for a result that records a failure, its case id (None when
    the failure has no id, e.g. a file that was not even parsed)."""
    if isinstance(item, Formulation):
        areas = {str(k): v.present for k, v in item.areas.items()}
        focus = item.primary_focus or NONE
        return OurRating(case_id=item.case_id, areas=areas, primary_focus=focus)
    if isinstance(item, BaseModel):  # a `batch` result object
        item = item.model_dump(mode="json")
    source = str(item.get("source") or "<results>")
    f = item.get("formulation", item if "areas" in item else None)
    raw_id = item.get("case_id") or (f.get("case_id") if isinstance(f, Mapping) else None)
    case_id = raw_id if isinstance(raw_id, str) and format_loc([raw_id]) != "<key>" else None
    if f is None and item.get("error") is not None:
        return case_id  # a failed case, with its error instead (None: it has no id)
    if case_id is None:
        raise CaseError("a result has no valid case_id", source=source)
    try:
        if not isinstance(f, Mapping):
            raise TypeError
        areas = {str(k): bool(v["present"]) for k, v in f["areas"].items()}
        override = f.get("override")
        primary = override["focus"] if override else f["focus"]["primary"]
    except (KeyError, TypeError, AttributeError):
        raise CaseError(
            "expected a formulation with areas.<area>.present and focus.primary",
            source=source,
            case_id=case_id,
            path="formulation",
        ) from None
    focus = focus_label(primary, source, case_id, "formulation.focus.primary") or NONE
    return OurRating(case_id=case_id, areas=areas, primary_focus=focus)
