"""Agreement statistics of two raters on nominal labels: kappa, AC1, percent agreement,
confusion matrix, base rates and bootstrap intervals. Pure Python: the statistics are computed
on exact fractions from integer counts."""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Iterable, Sequence
from fractions import Fraction
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Frozen(BaseModel):
    """The base of the agreement models: immutable, unknown fields refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Estimate(Frozen):
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


class Interval(Frozen):
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


class Agreement(Frozen):
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
