"""The what-if widget, driven as a user drives it: set a control's value and read the scores,
the focus and the rules that flipped."""

from __future__ import annotations

import pytest

pytest.importorskip("ipywidgets")

from iptformulate import examples
from iptformulate.whatif import UNSET, WhatIf


def test_calming_a_conflict_flips_dispute_rules() -> None:
    case = examples.load("dispute_marriage_impasse")
    w = WhatIf(case)
    assert not w.comparison.has_changes and "no differences" in w.result.value
    partner = next(p for p in case.people if p.conflict == "high")
    w.person.value = partner.id
    assert w.conflict.value == "high"  # the control shows the case as recorded
    w.conflict.value = "none"
    assert w.comparison.disappeared, "rules that needed the conflict stop firing"
    codes = {r.code for r in w.comparison.disappeared}
    assert all(code in w.result.value for code in codes)
    assert w.after.areas["role_dispute"].score < w.before.areas["role_dispute"].score
    assert case.people == examples.load("dispute_marriage_impasse").people  # never edited


def test_moving_the_birth_away_from_onset_and_back() -> None:
    case = examples.load("transition_new_mother")
    w = WhatIf(case)
    w.event.value = "birth"
    assert w.months.value == case.offset("birth")
    w.months.value = -48  # four years before onset: no longer a transition near onset
    assert w.edited_case().offset("birth") == -48
    assert "TR001" in {r.code for r in w.comparison.disappeared}
    assert "TR001" in w.result.value
    w.restore()
    assert not w.comparison.has_changes and w.months.value == case.offset("birth")


def test_ring_and_support_edits_are_kept_per_person() -> None:
    case = examples.load("adolescent_divorce")
    w = WhatIf(case, profile="ipt-a")
    w.person.value = "grandma"
    w.support.value = UNSET
    w.ring.value = 4
    w.person.value = "mum"
    assert w.ring.value == 1
    w.person.value = "grandma"
    assert (w.ring.value, w.support.value) == (4, UNSET)
    grandma = next(p for p in w.edited_case().people if p.id == "grandma")
    assert (grandma.ring, grandma.support) == (4, None)
    assert w.after.provenance.profile == "ipt-a"
