"""Agreement between the engine and expert ratings: kappa, AC1, percent agreement, intervals.

The anchor of reference §9.4: on cases that experts coded, report the engine-vs-expert Cohen's
kappa per problem area and for the primary focus, next to the published expert-vs-expert
kappas (MARK00, BR08), with base rates and bootstrap intervals so that a kappa of 1.0 on three
positives is not over-read. Gwet's AC1 sits beside kappa because kappa swings with skewed base
rates (§9.3). Pure Python: the statistics are computed on exact fractions from integer counts.
"""

from __future__ import annotations

import csv
import html
import io
import json
import math
import os
import random
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import CaseError, RuleError, format_loc
from .formulation.model import Formulation
from .limits import (
    DEFAULT_LIMITS,
    LimitProblem,
    check_document,
    open_regular,
    read_regular,
    read_yaml_document,
)
from .rulepack.load import default_rules_dir
from .rulepack.spec import AREA_IDS

__all__ = [
    "Agreement",
    "AreaAgreement",
    "Estimate",
    "Evaluation",
    "GoldRating",
    "Interval",
    "PublishedStudy",
    "agreement",
    "base_rates",
    "cohen_kappa",
    "confusion_matrix",
    "evaluate",
    "gwet_ac1",
    "load_gold",
    "load_results",
    "percent_agreement",
    "published_studies",
]

NONE = "none"
PRESENT, ABSENT = "present", "absent"
FOCUS = "primary_focus"
STUDIES_FILE = "expert-agreement.yaml"
CORE_AREAS = ("grief", "role_dispute", "role_transition", "interpersonal_deficits")
_TRUE = {"1", "yes", "y", "true", "t"}
_FALSE = {"0", "no", "n", "false", "f"}


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- the statistics -----------------------------------------------------------------------


class Estimate(_Frozen):
    """A statistic, or None with the reason it is undefined (never a division by zero)."""

    value: float | None
    reason: str | None = None


Table = tuple[tuple[str, ...], tuple[tuple[int, ...], ...]]


def _check_pair(a: Sequence[str], b: Sequence[str]) -> None:
    if len(a) != len(b):
        raise ValueError(f"the two raters rated {len(a)} and {len(b)} cases; pair them first")


def confusion_matrix(a: Sequence[str], b: Sequence[str]) -> Table:
    """Sorted labels and counts: row = rater a's label, column = rater b's label."""
    _check_pair(a, b)
    labels = tuple(sorted(set(a) | set(b)))
    index = {label: i for i, label in enumerate(labels)}
    rows = [[0] * len(labels) for _ in labels]
    for x, y in zip(a, b, strict=True):
        rows[index[x]][index[y]] += 1
    return labels, tuple(tuple(r) for r in rows)


def base_rates(ratings: Sequence[str]) -> dict[str, float]:
    """Each label's share of one rater's ratings (sorted by label)."""
    counts = Counter(ratings)
    n = len(ratings)
    return {k: counts[k] / n for k in sorted(counts)} if n else {}


def _po(counts: Sequence[Sequence[int]], n: int) -> Fraction:
    return Fraction(sum(counts[i][i] for i in range(len(counts))), n)


def _margins(counts: Sequence[Sequence[int]]) -> tuple[list[int], list[int]]:
    rows = [sum(r) for r in counts]
    cols = [sum(r[j] for r in counts) for j in range(len(counts))]
    return rows, cols


def _kappa(counts: Sequence[Sequence[int]]) -> Estimate:
    n = sum(map(sum, counts))
    if n == 0:
        return Estimate(value=None, reason="no cases rated by both")
    rows, cols = _margins(counts)
    pe = Fraction(sum(r * c for r, c in zip(rows, cols, strict=True)), n * n)
    if pe == 1:
        return Estimate(
            value=None,
            reason="undefined: both raters used one and the same label for every case "
            "(expected agreement is 1)",
        )
    return Estimate(value=float((_po(counts, n) - pe) / (1 - pe)))


def _ac1(counts: Sequence[Sequence[int]], q: int) -> Estimate:
    n = sum(map(sum, counts))
    if n == 0:
        return Estimate(value=None, reason="no cases rated by both")
    if q < 2:
        return Estimate(value=None, reason="undefined: the scale has fewer than two categories")
    rows, cols = _margins(counts)
    # pi_k: mean of the two raters' shares for label k; labels nobody used contribute 0.
    pis = [Fraction(r + c, 2 * n) for r, c in zip(rows, cols, strict=True)]
    pe = sum((p * (1 - p) for p in pis), Fraction(0)) / (q - 1)
    # pe <= (q-1)/q * 1/(q-1) = 1/q < 1 for q >= 2, so the division is always safe.
    return Estimate(value=float((_po(counts, n) - pe) / (1 - pe)))


def _scale(a: Sequence[str], b: Sequence[str], categories: Iterable[str] | None) -> int:
    return len(set(a) | set(b) | set(categories or ()))


def percent_agreement(a: Sequence[str], b: Sequence[str]) -> Estimate:
    """The share of cases on which the two raters gave the same label."""
    _, counts = confusion_matrix(a, b)
    if not a:
        return Estimate(value=None, reason="no cases rated by both")
    return Estimate(value=float(_po(counts, len(a))))


def cohen_kappa(a: Sequence[str], b: Sequence[str]) -> Estimate:
    """Cohen's kappa for two raters and nominal labels: (po - pe) / (1 - pe)."""
    return _kappa(confusion_matrix(a, b)[1])


def gwet_ac1(
    a: Sequence[str], b: Sequence[str], categories: Iterable[str] | None = None
) -> Estimate:
    """Gwet's AC1 for two raters: pe = (1/(q-1)) * sum_k pi_k (1 - pi_k).

    q counts the scale's categories: the labels used plus `categories` (labels a rater could
    have chosen but nobody did, e.g. "present" when every case was rated absent).
    """
    _, counts = confusion_matrix(a, b)
    return _ac1(counts, _scale(a, b, categories))


class Interval(_Frozen):
    """A bootstrap percentile interval, from the resamples on which the statistic is defined."""

    low: float
    high: float
    level: float = 0.95
    resamples: int = Field(description="Resamples on which the statistic was defined.")


def _quantile(sorted_values: Sequence[float], p: float) -> float:
    """Linear interpolation between order statistics (the common 'type 7' definition)."""
    h = (len(sorted_values) - 1) * p
    lo = math.floor(h)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (h - lo) * (sorted_values[hi] - sorted_values[lo])


def _interval(values: list[float], level: float) -> Interval | None:
    if not values:
        return None
    values.sort()
    tail = (1 - level) / 2
    return Interval(
        low=_quantile(values, tail),
        high=_quantile(values, 1 - tail),
        level=level,
        resamples=len(values),
    )


class Agreement(_Frozen):
    """Agreement of two raters on one nominal judgement over the cases both rated."""

    n: int
    labels: list[str] = Field(description="Sorted labels; the confusion matrix's order.")
    confusion: list[list[int]] = Field(description="Rows: rater a (ours); columns: rater b.")
    base_rates: dict[str, dict[str, float]] = Field(description="Rater -> label -> share.")
    percent: Estimate
    kappa: Estimate
    ac1: Estimate
    scale: int = Field(description="q, the number of categories AC1 assumes.")
    percent_ci: Interval | None = None
    kappa_ci: Interval | None = None
    ac1_ci: Interval | None = None
    bootstrap: int = Field(default=0, description="Resamples drawn (0: no intervals).")
    kappa_undefined: int = Field(default=0, description="Resamples on which kappa is undefined.")


def agreement(
    a: Sequence[str],
    b: Sequence[str],
    *,
    categories: Iterable[str] | None = None,
    bootstrap: int = 2000,
    seed: int = 0,
    raters: tuple[str, str] = ("ours", "gold"),
    level: float = 0.95,
) -> Agreement:
    """Kappa, AC1, percent agreement, confusion matrix, base rates and bootstrap intervals.

    The bootstrap resamples cases with replacement from a `random.Random(seed)`, so the same
    seed gives the same intervals; a resample where every case carries one label leaves kappa
    undefined, which is counted rather than hidden.
    """
    labels, counts = confusion_matrix(a, b)
    q = _scale(a, b, categories)
    n = len(a)
    out: dict[str, Any] = {
        "n": n,
        "labels": list(labels),
        "confusion": [list(r) for r in counts],
        "base_rates": {raters[0]: base_rates(a), raters[1]: base_rates(b)},
        "percent": percent_agreement(a, b),
        "kappa": _kappa(counts),
        "ac1": _ac1(counts, q),
        "scale": q,
    }
    if n and bootstrap > 0:
        size = len(labels)
        cells = [
            i * size + j for i in range(size) for j in range(size) for _ in range(counts[i][j])
        ]
        rng = random.Random(seed)
        kappas: list[float] = []
        ac1s: list[float] = []
        percents: list[float] = []
        for _ in range(bootstrap):
            drawn = Counter(rng.choices(cells, k=n))
            table = [[drawn[i * size + j] for j in range(size)] for i in range(size)]
            percents.append(float(_po(table, n)))
            kappa = _kappa(table).value
            if kappa is not None:
                kappas.append(kappa)
            ac1 = _ac1(table, q).value
            if ac1 is not None:
                ac1s.append(ac1)
        out.update(
            bootstrap=bootstrap,
            kappa_undefined=bootstrap - len(kappas),
            percent_ci=_interval(percents, level),
            kappa_ci=_interval(kappas, level),
            ac1_ci=_interval(ac1s, level),
        )
    return Agreement.model_validate(out)


# --- published expert-vs-expert kappas ----------------------------------------------------


class _Source(_Frozen):
    key: str
    section: str
    tag: str


class PublishedStudy(_Frozen):
    """One study's expert-vs-expert kappas (rules/expert-agreement.yaml)."""

    key: str
    label: str
    citation: str
    source: _Source
    design: str
    kappa: dict[str, float] = Field(description="Area id or `primary_focus` -> Cohen's kappa.")


class _StudyFile(_Frozen):
    studies: list[PublishedStudy]


def published_studies(rules: str | os.PathLike[str] | None = None) -> list[PublishedStudy]:
    """The published kappas, from `expert-agreement.yaml` of the rules folder (the bundled
    copy when a custom rules folder has none: the figures are literature, not rules)."""
    path = Path(rules) / STUDIES_FILE if rules is not None else None
    if path is None or not path.is_file():
        path = default_rules_dir() / STUDIES_FILE
    try:
        data = read_yaml_document(read_regular(path, DEFAULT_LIMITS.max_file_bytes).decode())
        return _StudyFile.model_validate(data).studies
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleError(f"cannot read the file ({exc})", file=str(path)) from None
    except LimitProblem as exc:
        raise RuleError(str(exc), file=str(path)) from None
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        raise RuleError(str(first["msg"]), file=str(path), path=format_loc(first["loc"])) from None


# --- gold ratings -------------------------------------------------------------------------


class GoldRating(_Frozen):
    """What the experts said about one case: only the judgements they actually made."""

    areas: dict[str, bool] = Field(description="Rated areas only: area id -> present.")
    primary_focus: str | None = Field(
        default=None, description="An area id, 'none', or None when the focus was not rated."
    )


def _focus_label(value: Any, source: str, case_id: str, path: str) -> str | None:
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
        focus = _focus_label(cells.get(FOCUS), where, case_id, FOCUS)
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
        focus = _focus_label(entry.get(FOCUS), source, case_id, FOCUS)
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


# --- our ratings --------------------------------------------------------------------------


class _Ours(_Frozen):
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


def _ours(item: Formulation | BaseModel | Mapping[str, Any]) -> _Ours | str | None:
    """Our ratings of one case; for a result that records a failure, its case id (None when
    the failure has no id, e.g. a file that was not even parsed)."""
    if isinstance(item, Formulation):
        areas = {str(k): v.present for k, v in item.areas.items()}
        return _Ours(case_id=item.case_id, areas=areas, primary_focus=item.primary_focus or NONE)
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
    focus = _focus_label(primary, source, case_id, "formulation.focus.primary") or NONE
    return _Ours(case_id=case_id, areas=areas, primary_focus=focus)


# --- the evaluation -----------------------------------------------------------------------


class AreaAgreement(_Frozen):
    """Agreement on one judgement, with the published expert-vs-expert kappas beside it."""

    judgement: str = Field(description="An area id, or 'primary_focus'.")
    agreement: Agreement
    published: dict[str, float] = Field(default_factory=dict, description="Study key -> kappa.")


class Evaluation(_Frozen):
    """Engine-vs-gold agreement per area and on the primary focus (reference §9.4)."""

    matched: int = Field(description="Cases with both a result and a gold rating.")
    only_ours: list[str] = Field(default_factory=list, description="Results without gold.")
    only_gold: list[str] = Field(default_factory=list, description="Gold without a result.")
    failed: list[str] = Field(
        default_factory=list, description="Cases whose result records a failure, not a rating."
    )
    failed_without_id: int = Field(default=0, description="Failures that name no case id.")
    focus_not_rated: list[str] = Field(
        default_factory=list, description="Matched cases whose gold names no primary focus."
    )
    areas: list[AreaAgreement]
    focus: AreaAgreement
    studies: list[PublishedStudy]
    bootstrap: int
    seed: int

    def summary(self) -> str:
        """A plain-text table: ours with intervals, base rates, the published kappas."""
        keys = [s.key for s in self.studies]
        head = f"{'judgement':24} {'n':>3}  {'kappa [95% CI]':21} {'AC1 [95% CI]':21} "
        head += f"{'agree [95% CI]':21} {'rate ours/gold':14}"
        head += "".join(f" {k:>6}" for k in keys)
        lines = [
            f"Agreement with expert ratings: {self.matched} case(s) matched "
            f"(bootstrap {self.bootstrap} resamples, seed {self.seed}).",
            "",
            head,
            "-" * len(head),
        ]
        notes: list[str] = []
        for row in [*self.areas, self.focus]:
            a = row.agreement
            name = row.judgement.replace("_", " ")
            cells = [
                _cell(a.kappa, a.kappa_ci),
                _cell(a.ac1, a.ac1_ci),
                _cell(a.percent, a.percent_ci),
            ]
            line = f"{name:24} {a.n:>3}  " + " ".join(f"{c:21}" for c in cells)
            line += f" {_rates(row):14}"
            line += "".join(f" {_num(row.published.get(k)):>6}" for k in keys)
            lines.append(line.rstrip())
            for label, est in (("kappa", a.kappa), ("AC1", a.ac1)):
                if est.value is None and est.reason and a.n:
                    notes.append(f"{name}: {label} {est.reason}.")
            if a.kappa_undefined:
                notes.append(
                    f"{name}: kappa undefined in {a.kappa_undefined} of {a.bootstrap} resamples "
                    "(interval from the rest)."
                )
        focus = self.focus.agreement
        if focus.n:
            shares = ", ".join(
                f"{k.replace('_', ' ')} {_pct(focus.base_rates['ours'].get(k, 0.0))}/"
                f"{_pct(focus.base_rates['gold'].get(k, 0.0))}"
                for k in focus.labels
            )
            notes.append(f"primary focus shares ours/gold: {shares}.")
        for label, ids in (
            ("only in the results (no gold)", self.only_ours),
            ("only in the gold (no result)", self.only_gold),
            ("failed in the results", self.failed),
            ("gold names no primary focus", self.focus_not_rated),
        ):
            if ids:
                notes.append(f"{label}: {len(ids)}: {', '.join(ids)}")
        if self.failed_without_id:
            notes.append(f"failed in the results without a case id: {self.failed_without_id}")
        if notes:
            lines += ["", *notes]
        lines.append("")
        lines += [f"{s.key}: {s.citation} ({s.design})" for s in self.studies]
        lines.append(
            "Published figures are expert-vs-expert Cohen's kappas (reference §9); neither "
            "study reports base rates or intervals."
        )
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        """The same table for Jupyter; all text escaped."""
        esc = html.escape
        keys = [s.key for s in self.studies]
        heads = ["judgement", "n", "kappa [95% CI]", "AC1 [95% CI]", "agree [95% CI]"]
        heads += ["rate ours/gold", *keys]
        body = []
        for row in [*self.areas, self.focus]:
            a = row.agreement
            cells = [row.judgement.replace("_", " "), str(a.n)]
            cells += [_cell(a.kappa, a.kappa_ci), _cell(a.ac1, a.ac1_ci)]
            cells += [_cell(a.percent, a.percent_ci), _rates(row)]
            cells += [_num(row.published.get(k)) for k in keys]
            body.append("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in cells) + "</tr>")
        missing = [
            f"{label}: {', '.join(ids)}"
            for label, ids in (
                ("only in the results", self.only_ours),
                ("only in the gold", self.only_gold),
                ("failed", self.failed),
            )
            if ids
        ]
        foot = "".join(f"<p>{esc(m)}</p>" for m in missing)
        foot += "".join(f"<p><b>{esc(s.key)}</b>: {esc(s.citation)}</p>" for s in self.studies)
        return (
            '<div style="color:#1d2330;background:#ffffff;padding:8px;border-radius:6px">'
            f"<b>Agreement with expert ratings</b>: {self.matched} case(s), "
            f"bootstrap {self.bootstrap} (seed {self.seed})"
            '<table style="border-collapse:collapse;margin-top:4px"><thead><tr>'
            + "".join(f"<th>{esc(h)}</th>" for h in heads)
            + f"</tr></thead><tbody>{''.join(body)}</tbody></table>{foot}</div>"
        )


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _pct(value: float) -> str:
    return f"{100 * value:.0f}%"


def _cell(est: Estimate, ci: Interval | None) -> str:
    if est.value is None:
        return "undefined" if est.reason and "no cases" not in est.reason else "-"
    text = f"{est.value:.2f}"
    return text + (f" [{ci.low:.2f}, {ci.high:.2f}]" if ci else "")


def _rates(row: AreaAgreement) -> str:
    a = row.agreement
    if row.judgement == FOCUS or not a.n:
        return "-"
    ours = a.base_rates["ours"].get(PRESENT, 0.0)
    gold = a.base_rates["gold"].get(PRESENT, 0.0)
    return f"{_pct(ours)}/{_pct(gold)}"


def evaluate(
    formulations_or_results: Iterable[Formulation | BaseModel | Mapping[str, Any]],
    gold: Mapping[str, GoldRating] | str | os.PathLike[str],
    *,
    bootstrap: int = 2000,
    seed: int = 0,
    rules: str | os.PathLike[str] | None = None,
) -> Evaluation:
    """Agreement of formulations (or `batch` result records) with expert ratings, by case id.

    Per area: presence on the cases where both sides rated that area. Focus: nominal over the
    areas and "none", on the cases whose gold names a focus. Cases on one side only are listed
    in the result, never dropped silently.
    """
    if bootstrap < 0:
        raise ValueError("bootstrap must be 0 (no intervals) or a positive number of resamples")
    golds = load_gold(gold) if isinstance(gold, str | os.PathLike) else dict(gold)
    ours: dict[str, _Ours] = {}
    failed: set[str] = set()
    failed_without_id = 0
    for item in formulations_or_results:
        got = _ours(item)
        if got is None:
            failed_without_id += 1
            continue
        case_id = got if isinstance(got, str) else got.case_id
        if case_id in ours or case_id in failed:
            raise CaseError("the case id appears twice in the results", case_id=case_id)
        if isinstance(got, str):
            failed.add(got)
        else:
            ours[case_id] = got
    matched = sorted(set(ours) & set(golds))
    studies = published_studies(rules)
    rows: list[AreaAgreement] = []
    for area in AREA_IDS:
        pairs = [
            (_yes(ours[c].areas[area]), _yes(golds[c].areas[area]))
            for c in matched
            if area in ours[c].areas and area in golds[c].areas
        ]
        if not pairs:
            continue
        stats = agreement(
            [p[0] for p in pairs],
            [p[1] for p in pairs],
            categories=(PRESENT, ABSENT),
            bootstrap=bootstrap,
            seed=seed,
        )
        rows.append(AreaAgreement(judgement=area, agreement=stats, published=_pub(studies, area)))
    focus_ids = [c for c in matched if golds[c].primary_focus is not None]
    scale = {NONE}
    for c in matched:
        scale.update(ours[c].areas, golds[c].areas)
    focus = agreement(
        [ours[c].primary_focus for c in focus_ids],
        [str(golds[c].primary_focus) for c in focus_ids],
        categories=scale,
        bootstrap=bootstrap,
        seed=seed,
    )
    return Evaluation(
        matched=len(matched),
        only_ours=sorted(set(ours) - set(golds)),
        only_gold=sorted(set(golds) - set(ours) - failed),
        failed=sorted(failed),
        failed_without_id=failed_without_id,
        focus_not_rated=[c for c in matched if golds[c].primary_focus is None],
        areas=rows,
        focus=AreaAgreement(judgement=FOCUS, agreement=focus, published=_pub(studies, FOCUS)),
        studies=studies,
        bootstrap=bootstrap,
        seed=seed,
    )


def _yes(present: bool) -> str:
    return PRESENT if present else ABSENT


def _pub(studies: Sequence[PublishedStudy], key: str) -> dict[str, float]:
    return {s.key: s.kappa[key] for s in studies if key in s.kappa}
