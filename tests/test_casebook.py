"""The development casebook: published IPT write-ups encoded blind (tests/casebook/).

The numbers are measured, not tuned to: these tests keep the casebook complete, keep the list
of disagreements in DISAGREEMENTS.md true, guard against regressions below the first round's
agreement, and measure how robust the focus is to plausible re-encodings.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from iptformulate import Case, evaluate, formulate, load_case, load_gold
from iptformulate.pipeline import auto_profile

from .casebook_perturb import perturbations

HERE = Path(__file__).parent / "casebook"
CASES = sorted(HERE.glob("cb*.yaml"))


def _gold_rows() -> list[dict[str, str]]:
    text = (HERE / "gold.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def test_every_case_has_a_cited_narrative_and_a_gold_row() -> None:
    assert len(CASES) >= 25
    gold = {row["case_id"] for row in _gold_rows()}
    for path in CASES:
        case = load_case(path)
        assert case.format_version == 2 and not case.assumed
        [narrative] = (HERE / "narratives").glob(f"{case.id}_*.md")
        text = narrative.read_text(encoding="utf-8")
        assert re.search(r"^citation: \S", text, re.M), narrative
        body = text.split("---", 2)[2].lower()
        for label in ("role dispute", "role transition", "interpersonal deficits"):
            assert label not in body, f"{narrative}: the narrative names a label"
        assert case.id in gold


def _results() -> list[tuple[Case, str | None]]:
    out = []
    for path in CASES:
        case = load_case(path)
        out.append((case, formulate(case, profile=auto_profile(case)).primary_focus))
    return out


def test_the_disagreements_listed_are_the_disagreements() -> None:
    gold = {r["case_id"]: r["primary_focus"] for r in _gold_rows()}
    disagree = {
        case.id for case, focus in _results() if gold[case.id] and (focus or "") != gold[case.id]
    }
    focus_table = (HERE / "DISAGREEMENTS.md").read_text().split("\n## ")[0]  # not the flips
    listed = set(re.findall(r"^\| (cb\d+) \|", focus_table, re.M))
    assert disagree == listed


def test_agreement_does_not_fall_below_the_first_round() -> None:
    gold = load_gold(HERE / "gold.csv")
    items = [formulate(case, profile=auto_profile(case)) for case, _ in _results()]
    result = evaluate(items, gold, bootstrap=0)
    kappa = {row.judgement: row.agreement.kappa.value for row in [*result.areas, result.focus]}
    # first calibration round (25 cases): focus 0.52, grief 0.75, dispute 0.58, transition 0.75;
    # second round (27 cases, two more encoded blind): focus 0.55, grief 0.75, dispute 0.61,
    # transition 0.68 (cb026's authors list transitions its text never describes); third round
    # (timings in words, 8 encodings revised blind): focus 0.66, grief 0.89, deficits 0.34;
    # fourth round (28 cases, conflict: present, 22 encodings revised blind): focus 0.77,
    # grief 0.89, dispute 0.62, transition 0.85; fifth round (GR006, grief_not_easing, "matters
    # most", a blind pass over 5 cases): 28 cases focus 0.82, dispute 0.70; with four more
    # cases encoded blind (32): focus 0.76, grief 0.83, dispute 0.74, transition 0.81; sixth
    # round: TR013 read an event placed "years before onset" as after it (its unknown offset is
    # 9999), which had kept cb019's ongoing caregiving from making a transition: with that
    # fixed, focus 0.71 and transition 0.74 (the floors follow the honest figure)
    assert kappa["primary_focus"] is not None and kappa["primary_focus"] >= 0.7
    assert kappa["grief"] is not None and kappa["grief"] >= 0.8
    assert kappa["role_dispute"] is not None and kappa["role_dispute"] >= 0.7
    assert kappa["role_transition"] is not None and kappa["role_transition"] >= 0.7


def test_the_focus_survives_plausible_re_encodings() -> None:
    total = same = 0
    flips = []
    for case, focus in _results():
        for what, doc in perturbations(case.model_dump(mode="json")):
            other = Case.model_validate(doc)
            again = formulate(other, profile=auto_profile(other)).primary_focus
            total += 1
            same += again == focus
            if again != focus:
                flips.append(f"{case.id}: {what}: {focus} -> {again}")
    assert total >= 40
    # measured 37/43 (86 %) in the first round, 42/48 in the second; 50/55 (91 %) in the third,
    # which also drops timings said in words; 44/50 (88 %) in the fourth, where four of the six
    # flips drop the short interval of "the depression followed X" and F4 then rightly picks
    # the other present area (listed in DISAGREEMENTS.md); 46/51 (90 %) after the fifth round's
    # re-read, 48/54 (89 %) with its four new cases; 49/54 (91 %) in the sixth, where cb019's
    # transition no longer hangs on one expectation. The goal is 90 % (issue: clinical
    # calibration); this floor only keeps the measured figure from falling.
    assert same / total >= 0.9, "\n".join(flips)


SECOND = Path(__file__).parent / "casebook_second"


def test_a_second_independent_encoding_gives_the_same_focus() -> None:
    """Each narrative was encoded again from scratch by an encoder who saw neither the first
    encoding, the gold nor the engine's output, with docs/case-format.md only. The cases whose
    focus differs between the two are listed in DISAGREEMENTS.md with the reason."""
    first = {case.id: focus for case, focus in _results()}
    differ = set()
    for path in sorted(SECOND.glob("cb*.yaml")):
        case = load_case(path)
        assert case.id in first and case.format_version == 2 and not case.assumed
        if formulate(case, profile=auto_profile(case)).primary_focus != first[case.id]:
            differ.add(case.id)
    assert len(list(SECOND.glob("cb*.yaml"))) == len(first)
    text = (HERE / "DISAGREEMENTS.md").read_text()
    section = text.split("\n## Two encodings")[1].split("\n## ")[0]
    assert differ == set(re.findall(r"^\| (cb\d+) \|", section, re.M))
    # measured 30/32 (94 %) in the fifth round, 26/28 (93 %) with the guide of the fourth
    # round; an earlier encoding made with
    # the guide of the second round agreed on 21/27 (78 %)
    assert len(differ) / len(first) <= 0.1
