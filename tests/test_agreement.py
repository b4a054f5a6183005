"""Agreement statistics against hand-computed values, gold loading, `evaluate` and its CLI."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

import iptformulate
from iptformulate import Evaluation, Formulation, evaluate, load_gold
from iptformulate.agreement import (
    GoldRating,
    agreement,
    base_rates,
    cohen_kappa,
    confusion_matrix,
    gwet_ac1,
    percent_agreement,
    published_studies,
)
from iptformulate.cli import main
from iptformulate.errors import CaseError

VIGNETTES = Path(__file__).resolve().parent / "vignettes"
EXPECTED = VIGNETTES / "expected.yaml"
EXACT = 1e-12


def _pairs(table: dict[tuple[str, str], int]) -> tuple[list[str], list[str]]:
    a: list[str] = []
    b: list[str] = []
    for (x, y), count in table.items():
        a += [x] * count
        b += [y] * count
    return a, b


# 10 cases, 2x2 table (rows: rater A, columns: rater B):
#            B yes  B no
#   A yes    a=4    b=1      A yes = 5/10, B yes = 6/10
#   A no     c=2    d=3
# po = (4+3)/10 = 7/10
# kappa: pe = 5/10*6/10 + 5/10*4/10 = 30/100 + 20/100 = 1/2; kappa = (7/10-1/2)/(1-1/2) = 2/5
# AC1:   pi_yes = (5/10+6/10)/2 = 11/20, pi_no = 9/20, q = 2;
#        pe = 1/(2-1) * (11/20*9/20 + 9/20*11/20) = 198/400 = 99/200;
#        AC1 = (7/10-99/200)/(1-99/200) = (140/200-99/200)/(101/200) = 41/101
TWO = _pairs({("yes", "yes"): 4, ("yes", "no"): 1, ("no", "yes"): 2, ("no", "no"): 3})


def test_hand_computed_two_by_two() -> None:
    a, b = TWO
    assert percent_agreement(a, b).value == pytest.approx(float(Fraction(7, 10)), abs=EXACT)
    assert cohen_kappa(a, b).value == pytest.approx(float(Fraction(2, 5)), abs=EXACT)
    assert gwet_ac1(a, b).value == pytest.approx(float(Fraction(41, 101)), abs=EXACT)
    assert confusion_matrix(a, b) == (("no", "yes"), ((3, 2), (1, 4)))  # rows: A
    assert base_rates(a) == {"no": 0.5, "yes": 0.5}
    assert base_rates(b) == {"no": 0.4, "yes": 0.6}


# 12 cases, 3 categories (rows: A, columns: B):
#         x  y  z   | A
#   x     4  1  0   | 5
#   y     1  3  1   | 5
#   z     0  0  2   | 2
#   B     5  4  3
# po = (4+3+2)/12 = 3/4
# kappa: pe = (5*5 + 5*4 + 2*3)/144 = 51/144 = 17/48; kappa = (36/48-17/48)/(31/48) = 19/31
# AC1:   pi_x = (5+5)/24 = 5/12, pi_y = (5+4)/24 = 3/8, pi_z = (2+3)/24 = 5/24, q = 3;
#        sum pi(1-pi) = 35/144 + 15/64 + 95/576 = (140+135+95)/576 = 370/576;
#        pe = 1/2 * 370/576 = 185/576; AC1 = (432/576-185/576)/(391/576) = 247/391
THREE = _pairs(
    {
        ("x", "x"): 4, ("x", "y"): 1,
        ("y", "x"): 1, ("y", "y"): 3, ("y", "z"): 1,
        ("z", "z"): 2,
    }
)  # fmt: skip


def test_hand_computed_three_categories() -> None:
    a, b = THREE
    assert percent_agreement(a, b).value == pytest.approx(0.75, abs=EXACT)
    assert cohen_kappa(a, b).value == pytest.approx(float(Fraction(19, 31)), abs=EXACT)
    assert gwet_ac1(a, b).value == pytest.approx(float(Fraction(247, 391)), abs=EXACT)


def test_perfect_agreement() -> None:
    a = ["grief", "none", "role_dispute", "grief", "role_dispute"]
    assert cohen_kappa(a, a).value == pytest.approx(1.0, abs=EXACT)
    assert gwet_ac1(a, a).value == pytest.approx(1.0, abs=EXACT)
    assert percent_agreement(a, a).value == 1.0


def test_no_agreement_beyond_chance() -> None:
    # po = 2/4; pe (kappa) = 1/2*1/2 + 1/2*1/2 = 1/2; pi = 1/2 each, pe (AC1) = 1/4 + 1/4 = 1/2
    a, b = ["y", "y", "n", "n"], ["y", "n", "y", "n"]
    assert cohen_kappa(a, b).value == pytest.approx(0.0, abs=EXACT)
    assert gwet_ac1(a, b).value == pytest.approx(0.0, abs=EXACT)


def test_one_label_for_every_case_leaves_kappa_undefined() -> None:
    a = ["absent"] * 6
    kappa = cohen_kappa(a, a)
    assert kappa.value is None and kappa.reason and "expected agreement is 1" in kappa.reason
    # On a two-category scale AC1 is defined: pi = (1, 0), pe = 0, AC1 = po = 1.
    assert gwet_ac1(a, a, categories=("absent", "present")).value == pytest.approx(1.0)
    one_category = gwet_ac1(a, a)
    assert one_category.value is None and one_category.reason


def test_empty_and_unpaired_input() -> None:
    assert cohen_kappa([], []).value is None
    assert percent_agreement([], []).value is None
    assert agreement([], [], bootstrap=100).kappa_ci is None
    with pytest.raises(ValueError, match="pair them"):
        cohen_kappa(["a"], ["a", "b"])


def test_bootstrap_contains_the_estimate_and_is_reproducible() -> None:
    a, b = TWO
    first = agreement(a, b, bootstrap=500, seed=3)
    again = agreement(a, b, bootstrap=500, seed=3)
    other = agreement(a, b, bootstrap=500, seed=4)
    assert first == again
    assert first != other
    for est, ci in (
        (first.kappa, first.kappa_ci),
        (first.ac1, first.ac1_ci),
        (first.percent, first.percent_ci),
    ):
        assert ci is not None and est.value is not None
        assert -1.0 <= ci.low <= est.value <= ci.high <= 1.0
    assert first.percent_ci is not None and first.percent_ci.resamples == 500
    assert first.kappa_ci is not None
    assert first.kappa_ci.resamples + first.kappa_undefined == 500


def test_bootstrap_counts_undefined_kappa() -> None:
    # One positive in 20: many resamples miss it, leaving every case labelled "n".
    a = ["y"] + ["n"] * 19
    result = agreement(a, a, bootstrap=400, seed=0)
    assert 0 < result.kappa_undefined < 400
    assert result.kappa_ci is not None and result.kappa_ci.resamples == 400 - result.kappa_undefined
    assert agreement(a, a, bootstrap=0).kappa_ci is None


labels = st.lists(st.tuples(st.sampled_from("abc"), st.sampled_from("abc")), max_size=30)


@given(labels)
def test_statistics_are_bounded_and_symmetric(pairs: list[tuple[str, str]]) -> None:
    a, b = [p[0] for p in pairs], [p[1] for p in pairs]
    kappa, ac1 = cohen_kappa(a, b), gwet_ac1(a, b, categories="abc")
    assert kappa == cohen_kappa(b, a) and ac1 == gwet_ac1(b, a, categories="abc")
    labels_, counts = confusion_matrix(a, b)
    assert sum(map(sum, counts)) == len(a) and list(labels_) == sorted(labels_)
    if not pairs:
        return
    assert ac1.value is not None and -1.0 - EXACT <= ac1.value <= 1.0 + EXACT
    if kappa.value is not None:
        assert -1.0 - EXACT <= kappa.value <= 1.0 + EXACT
        assert (kappa.value == pytest.approx(1.0)) == (a == b)
    else:
        assert len(set(a) | set(b)) == 1


def test_published_figures_match_reference_section_9() -> None:
    studies = {s.key: s.kappa for s in published_studies()}
    assert studies["MARK00"] == {
        "grief": 0.87, "role_dispute": 0.58, "role_transition": 1.0,
        "interpersonal_deficits": 0.48, "primary_focus": 0.82,
    }  # fmt: skip
    assert studies["BR08"] == {
        "grief": 1.0, "role_dispute": 0.77, "role_transition": 0.61,
        "interpersonal_deficits": 0.57, "loss_of_healthy_self": 1.0, "primary_focus": 0.64,
    }  # fmt: skip


# --- gold files ---------------------------------------------------------------------------


def test_gold_csv_reads_blanks_as_not_rated(tmp_path: Path) -> None:
    path = tmp_path / "gold.csv"
    path.write_text(
        "\ufeffcase_id,primary_focus,grief,role_dispute,Role_Transition\n"
        "c1,grief,1,no,\n"
        "c2,,0,YES,true\n"
        "c3,none,false,0,0\n",
        encoding="utf-8",
    )
    gold = load_gold(path)
    assert gold["c1"] == GoldRating(
        areas={"grief": True, "role_dispute": False}, primary_focus="grief"
    )
    assert gold["c2"].primary_focus is None and gold["c2"].areas["role_transition"] is True
    assert gold["c3"].primary_focus == "none" and "interpersonal_deficits" not in gold["c3"].areas


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("case_id,grief\nc1,Secretvalue\n", "expected 1/0"),
        ("case_id,primary_focus\nc1,Secretvalue\n", "expected an area id"),
        ("case_id,grief\nc1,1\nc1,0\n", "appears twice"),
        ("case_id,Secretvalue text\nc1,1\n", "unknown column"),
        ("grief\n1\n", "no case_id column"),
    ],
)
def test_gold_csv_errors_never_echo_values(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "gold.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CaseError, match=expected) as info:
        load_gold(path)
    assert "Secretvalue" not in str(info.value)


def test_gold_yaml_default_and_explicit_rated_areas(tmp_path: Path) -> None:
    gold = load_gold(EXPECTED)
    assert gold["v031"].areas == {
        "grief": True, "role_dispute": False, "role_transition": False,
        "interpersonal_deficits": False,
    }  # fmt: skip
    assert gold["v021"].primary_focus is None  # null: the source names no focus
    path = tmp_path / "gold.yaml"
    path.write_text(
        "a1: {areas_present: [loss_of_healthy_self], areas_rated: [grief, loss_of_healthy_self],"
        " primary_focus: loss_of_healthy_self}\n",
        encoding="utf-8",
    )
    assert load_gold(path)["a1"].areas == {"grief": False, "loss_of_healthy_self": True}
    path.write_text("a1: {areas_present: [sadness]}\n", encoding="utf-8")
    with pytest.raises(CaseError, match="list of area ids"):
        load_gold(path)
    with pytest.raises(CaseError, match=r"\.csv, \.yaml"):
        load_gold(tmp_path / "gold.txt")


# --- evaluate -----------------------------------------------------------------------------


def _profile_for(case: iptformulate.Case) -> str:
    """As tests/test_vignettes.py: IPSRT for bipolar, IPT-A for adolescents, else classic."""
    if case.diagnosis == "bipolar_depression":
        return "ipsrt"
    if case.population == "adolescent":
        return "ipt-a"
    return "classic"


@pytest.fixture(scope="module")
def vignettes() -> list[Formulation]:
    out = []
    for path in sorted(VIGNETTES.glob("*.case.yaml")):
        case = iptformulate.load_case(path)
        out.append(iptformulate.formulate(case, profile=_profile_for(case)))
    return out


def test_evaluate_on_the_public_vignettes(vignettes: list[Formulation]) -> None:
    result = evaluate(vignettes, EXPECTED, bootstrap=300, seed=1)
    assert result.matched == 11 and not result.only_ours and not result.only_gold
    rows = {r.judgement: r for r in result.areas}
    # The gold rates the four IPARS areas; loss of the healthy self only ours (v019, IPSRT).
    assert list(rows) == ["grief", "role_dispute", "role_transition", "interpersonal_deficits"]
    assert rows["grief"].agreement.kappa.value == pytest.approx(1.0)  # v031 only, both sides
    assert rows["grief"].published == {"MARK00": 0.87, "BR08": 1.0}
    for row in [*result.areas, result.focus]:
        a = row.agreement
        assert a.percent.value is not None and 0.5 <= a.percent.value <= 1.0
        assert a.ac1.value is not None and -1.0 <= a.ac1.value <= 1.0
        assert a.kappa.value is None or -1.0 <= a.kappa.value <= 1.0
    # The four vignettes whose source names no primary focus are left out of the focus row.
    assert result.focus.agreement.n == 7
    assert result.focus_not_rated == ["v021", "v022", "v026", "v030"]
    assert result.focus.published == {"MARK00": 0.82, "BR08": 0.64}
    assert result == evaluate(vignettes, load_gold(EXPECTED), bootstrap=300, seed=1)


def test_one_sided_cases_are_reported(vignettes: list[Formulation]) -> None:
    gold = dict(load_gold(EXPECTED))
    gold["x999"] = GoldRating(areas={"grief": True}, primary_focus="grief")
    failed = {"case_id": "x998", "source": "in.yaml", "error": {"message": "bad"}}
    no_id = {"case_id": None, "source": "b.yaml", "ok": False, "error": {"message": "bad"}}
    results: list[Formulation | dict[str, object]] = [*vignettes[1:], failed, no_id]
    result = evaluate(results, gold, bootstrap=0)
    assert result.only_gold == [vignettes[0].case_id, "x999"]
    assert result.failed == ["x998"] and result.failed_without_id == 1 and result.matched == 10
    text = result.summary()
    assert "only in the gold (no result): 2" in text and "x998" in text
    with pytest.raises(CaseError, match="twice"):
        evaluate([vignettes[0], vignettes[0]], gold, bootstrap=0)


def test_result_records_and_formulations_agree(vignettes: list[Formulation]) -> None:
    records = [
        {"case_id": f.case_id, "source": "x", "formulation": f.model_dump(mode="json")}
        for f in vignettes
    ]
    assert evaluate(records, EXPECTED, bootstrap=50) == evaluate(vignettes, EXPECTED, bootstrap=50)
    with pytest.raises(CaseError, match="expected a formulation"):
        evaluate([{"case_id": "v007", "formulation": {"areas": 3}}], EXPECTED)


def test_summary_and_html_show_ours_beside_published(vignettes: list[Formulation]) -> None:
    result = evaluate(vignettes, EXPECTED, bootstrap=100)
    text = result.summary()
    assert "MARK00" in text and "BR08" in text and "0.87" in text and "[95% CI]" in text
    assert "interpersonal deficits" in text and "9%/9%" in text  # grief base rates, 1 of 11
    page = result._repr_html_()
    assert page.count("<tr>") == 1 + len(result.areas) + 1 and "<script" not in page


# --- the command line ---------------------------------------------------------------------


def test_cli_on_results_jsonl(
    tmp_path: Path, vignettes: list[Formulation], capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "results.jsonl"
    lines = [
        json.dumps({"case_id": f.case_id, "source": "s", "formulation": f.model_dump(mode="json")})
        for f in vignettes
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    args = ["evaluate", str(path), "--gold", str(EXPECTED), "--bootstrap", "50", "--format", "json"]
    assert main(args) == 0
    got = Evaluation.model_validate(json.loads(capsys.readouterr().out))
    assert got == evaluate(vignettes, EXPECTED, bootstrap=50)


def test_cli_on_case_files(capsys: pytest.CaptureFixture[str]) -> None:
    pattern = str(VIGNETTES / "*.case.yaml")
    args = ["evaluate", pattern, "--gold", str(EXPECTED), "--profile", "auto"]
    assert main([*args, "--bootstrap", "40", "--seed", "5"]) == 0
    out = capsys.readouterr().out
    assert "11 case(s) matched (bootstrap 40 resamples, seed 5)" in out
    assert "primary focus" in out


def test_cli_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    gold = str(EXPECTED)
    with pytest.raises(SystemExit) as info:
        main(["evaluate", str(VIGNETTES), "--gold", gold, "--bootstrap", "-1"])
    assert info.value.code == 2
    bad = tmp_path / "bad.case.yaml"
    data = iptformulate.examples.load("grief_widower").model_dump(mode="json")
    data["people"][0].update(ring=7, name="Secretvalue")
    bad.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert main(["evaluate", str(bad), "--gold", gold]) == 3
    err = capsys.readouterr().err
    assert "bad.case.yaml" in err and "Secretvalue" not in err
    assert main(["evaluate", str(VIGNETTES), "--gold", gold, "--profile", "freudian"]) == 2
