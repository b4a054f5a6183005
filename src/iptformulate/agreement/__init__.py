"""Agreement between the engine and expert ratings: kappa, AC1, percent agreement, intervals.

The anchor of reference §9.4: on cases that experts coded, report the engine-vs-expert Cohen's
kappa per problem area and for the primary focus, next to the published expert-vs-expert
kappas (MARK00, BR08), with base rates and bootstrap intervals so that a kappa of 1.0 on three
positives is not over-read. Gwet's AC1 sits beside kappa because kappa swings with skewed base
rates (§9.3). Pure Python: the statistics are computed on exact fractions from integer counts.

`statistics` (the measures), `studies` (the published kappas), `gold` (expert ratings from
CSV or YAML), `results` (our ratings), `evaluation` (the two matched by case id) and `report`
(the evaluation as a table).
"""

from __future__ import annotations

from .evaluation import AreaAgreement, Evaluation, evaluate
from .gold import CORE_AREAS, GoldRating, load_gold
from .labels import ABSENT, FOCUS, NONE, PRESENT
from .results import load_results
from .statistics import (
    Agreement,
    Estimate,
    Interval,
    Table,
    agreement,
    base_rates,
    cohen_kappa,
    confusion_matrix,
    gwet_ac1,
    percent_agreement,
)
from .studies import STUDIES_FILE, PublishedStudy, published_studies

__all__ = [
    "ABSENT",
    "CORE_AREAS",
    "FOCUS",
    "NONE",
    "PRESENT",
    "STUDIES_FILE",
    "Agreement",
    "AreaAgreement",
    "Estimate",
    "Evaluation",
    "GoldRating",
    "Interval",
    "PublishedStudy",
    "Table",
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
