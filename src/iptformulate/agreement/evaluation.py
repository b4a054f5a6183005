"""Engine-vs-gold agreement per area and on the primary focus (reference §9.4)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel, Field

from ..errors import CaseError
from ..formulation.model import Formulation
from ..rulepack.spec import AREA_IDS
from . import report
from .gold import GoldRating, load_gold
from .labels import ABSENT, FOCUS, NONE, PRESENT
from .results import OurRating, our_rating
from .statistics import Agreement, Frozen, agreement
from .studies import PublishedStudy, published_studies


class AreaAgreement(Frozen):
    """Agreement on one judgement, with the published expert-vs-expert kappas beside it."""

    judgement: str = Field(description="An area id, or 'primary_focus'.")
    agreement: Agreement
    published: dict[str, float] = Field(default_factory=dict, description="Study key -> kappa.")


class Evaluation(Frozen):
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
        return report.summary(self)

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        """The same table for Jupyter; all text escaped."""
        return report.html_table(self)


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
    ours: dict[str, OurRating] = {}
    failed: set[str] = set()
    failed_without_id = 0
    for item in formulations_or_results:
        got = our_rating(item)
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
