"""Formulations as table rows: one tidy row per case, for CSV summaries and pandas.

pandas is an optional extra (`pip install "iptformulate[pandas]"`); only `to_dataframe` needs
it, and imports it when called. Rows carry provenance so a table of results can be traced to
the rule pack and engine that produced it.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Protocol, get_args

from .formulation.model import AreaId, Formulation

__all__ = ["AREAS", "SUMMARY_COLUMNS", "ResultLike", "rows", "summary_row", "to_dataframe"]

AREAS: tuple[str, ...] = get_args(AreaId)
"""Every problem area, in a fixed order, so tables of different profiles share columns."""

Cell = str | int | float | bool | None

SUMMARY_COLUMNS: list[str] = [
    "case_id",
    "source",
    "primary_focus",
    "secondary_focus",
    "confidence",
    *(f"{area}_{part}" for area in AREAS for part in ("score", "present")),
    "subtypes",
    "warnings",
    "profile",
    "engine",
    "rule_pack_hash",
]


class ResultLike(Protocol):
    """What `to_dataframe` reads from a `iptformulate.BatchResult` (defined in the wiring)."""

    @property
    def index(self) -> int: ...
    @property
    def source(self) -> str | None: ...
    @property
    def case_id(self) -> str | None: ...
    @property
    def ok(self) -> bool: ...
    @property
    def formulation(self) -> Formulation | None: ...
    @property
    def error(self) -> Mapping[str, Any] | None: ...


def summary_row(f: Formulation, *, source: str | None = None) -> dict[str, Cell]:
    """The `summary.csv` row of one formulation: focus, per-area scores, provenance."""
    row: dict[str, Cell] = {
        "case_id": f.case_id,
        "source": source,
        "primary_focus": f.primary_focus,
        "secondary_focus": f.secondary_focus,
        "confidence": f.focus.confidence,
    }
    for area in AREAS:
        result = f.areas.get(area)  # type: ignore[call-overload]
        row[f"{area}_score"] = None if result is None else result.score
        row[f"{area}_present"] = None if result is None else result.present
    row["subtypes"] = _subtypes(f)
    row["warnings"] = len(f.warnings)
    row["profile"] = f.provenance.profile
    row["engine"] = f.provenance.engine
    row["rule_pack_hash"] = f.provenance.rule_pack_hash
    return row


def rows(results: Iterable[Formulation | ResultLike]) -> Iterator[dict[str, Cell]]:
    """One tidy row per case; a failed case's row holds its error and no scores."""
    for position, item in enumerate(results):
        if isinstance(item, Formulation):
            yield _full_row(position, None, True, item, None)
        else:
            yield _full_row(item.index, item.source, item.ok, item.formulation, item.error)


def to_dataframe(results: Iterable[Formulation | ResultLike]) -> Any:
    """A pandas DataFrame with one row per case (needs the `pandas` extra)."""
    try:
        pd = importlib.import_module("pandas")
    except ImportError:
        raise ImportError('to_dataframe needs pandas: pip install "iptformulate[pandas]"') from None
    frame = pd.DataFrame.from_records(list(rows(results)), columns=_frame_columns())
    dtypes: dict[str, str] = {"index": "int64", "ok": "bool", "warnings": "Int64"}
    for area in AREAS:
        dtypes[f"{area}_score"] = "float64"
        dtypes[f"{area}_present"] = "boolean"
    for name in ("close_call", "thin_evidence", "overridden"):
        dtypes[name] = "boolean"
    return frame.astype(dtypes)


def _frame_columns() -> list[str]:
    return [
        "index",
        "case_id",
        "source",
        "ok",
        "error",
        "error_path",
        "primary_focus",
        "secondary_focus",
        "confidence",
        "margin",
        "close_call",
        "thin_evidence",
        "overridden",
        *(f"{area}_{part}" for area in AREAS for part in ("score", "present", "subtype")),
        "subtypes",
        "warnings",
        "warning_kinds",
        "profile",
        "engine",
        "rule_pack_hash",
        "library_version",
    ]


def _full_row(
    index: int,
    source: str | None,
    ok: bool,
    f: Formulation | None,
    error: Mapping[str, Any] | None,
) -> dict[str, Cell]:
    row: dict[str, Cell] = dict.fromkeys(_frame_columns())
    row.update(index=index, source=source, ok=ok)
    if error is not None:
        row["case_id"] = error.get("case_id")
        row["error"] = error.get("message")
        row["error_path"] = error.get("path") or None
    if f is None:
        return row
    row.update(summary_row(f, source=source))
    for area in AREAS:
        result = f.areas.get(area)  # type: ignore[call-overload]
        row[f"{area}_subtype"] = None if result is None else result.subtype
    row.update(
        margin=f.focus.margin,
        close_call=f.focus.close_call,
        thin_evidence=f.focus.thin_evidence,
        overridden=f.override is not None,
        warning_kinds=";".join(sorted({w.kind for w in f.warnings})),
        library_version=f.provenance.library_version,
    )
    return row


def _subtypes(f: Formulation) -> str:
    """`area=subtype` pairs of the areas that have one, `;`-separated."""
    return ";".join(
        f"{area}={result.subtype}" for area, result in f.areas.items() if result.subtype
    )
