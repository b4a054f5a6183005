"""The public vignettes (../shared/vignettes), encoded from their narratives, as regression tests.

For labels the publication states (`label_origin: source`) the areas present must match the
gold; each known disagreement is listed below with its reason, and the test fails if one of
them starts to agree (so this list stays honest). Inferred labels are reported, not enforced,
except where noted.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

import iptformulate
from iptformulate import Formulation

HERE = Path(__file__).resolve().parent / "vignettes"
EXPECTED: dict[str, dict[str, Any]] = yaml.safe_load(
    (HERE / "expected.yaml").read_text(encoding="utf-8")
)
VIDS = sorted(EXPECTED)

# Areas-present disagreements on source-labelled vignettes, with the reason.
KNOWN_AREA_DISAGREEMENTS = {
    "v026": "The work disputes are recorded without a counterpart (the narrative names none), "
    "so no person carries non-reciprocal expectations and no dispute criterion can fire; the "
    "ongoing conflict event only adds support (score 0.25).",
}
# Primary-focus disagreements where the gold names a primary, with the reason.
KNOWN_FOCUS_DISAGREEMENTS = {
    "v013": "Both areas are present; transition wins on score because the job loss and the "
    "mother's move are dated near onset while the dispute has no dated event. The source lists "
    "the dispute first without ranking the two (its note calls the primary weak).",
    "v019": "Gold (inferred, uncertain) is deficits, but the client withdrew only after onset "
    "and was not isolated before: F9 excludes deficits. No other area reaches presence.",
    "v030": "Gold (inferred) is deficits with transition; the encoding leaves long-standing "
    "isolation unknown and the panic attack is not a role change, so neither area is present.",
}


def profile_for(case: iptformulate.Case) -> str:
    """The profile a clinician would pick: IPSRT for bipolar, IPT-A for adolescents."""
    if case.diagnosis == "bipolar_depression":
        return "ipsrt"
    if case.population == "adolescent":
        return "ipt-a"
    return "classic"


def formulate(vid: str) -> Formulation:
    case = iptformulate.load_case(HERE / f"{vid}.case.yaml")
    return iptformulate.formulate(case, profile=profile_for(case))


@pytest.mark.parametrize("vid", VIDS)
def test_areas_present_match_source_labels(vid: str) -> None:
    gold = EXPECTED[vid]
    if gold["label_origin"] != "source":
        pytest.skip("inferred label: reported in the focus test, not enforced")
    f = formulate(vid)
    got = sorted(a for a, r in f.areas.items() if r.present)
    agrees = got == sorted(gold["areas_present"])
    if vid in KNOWN_AREA_DISAGREEMENTS:
        assert not agrees, f"{vid} now agrees: remove it from KNOWN_AREA_DISAGREEMENTS"
    else:
        assert agrees, f"{vid}: got {got}, gold {sorted(gold['areas_present'])}"


@pytest.mark.parametrize("vid", VIDS)
def test_primary_focus_matches_gold(vid: str) -> None:
    gold = EXPECTED[vid]
    if gold["primary_focus"] is None:
        pytest.skip("the source names no primary focus")
    f = formulate(vid)
    agrees = f.primary_focus == gold["primary_focus"]
    if vid in KNOWN_FOCUS_DISAGREEMENTS:
        assert not agrees, f"{vid} now agrees: remove it from KNOWN_FOCUS_DISAGREEMENTS"
    else:
        assert agrees, f"{vid}: got {f.primary_focus}, gold {gold['primary_focus']}"


def test_focus_is_a_present_area_on_every_vignette() -> None:
    for vid in VIDS:
        f = formulate(vid)
        if f.primary_focus is not None:
            assert f.areas[f.primary_focus].present, vid
