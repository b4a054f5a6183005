"""The public vignettes are encoded as loadable cases with recorded expectations."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from iptformulate import Case, load_case

HERE = Path(__file__).resolve().parent / "vignettes"
SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "vignettes"
CASES = sorted(HERE.glob("*.case.yaml"))
AREAS = {
    "grief",
    "role_dispute",
    "role_transition",
    "interpersonal_deficits",
    "loss_of_healthy_self",
}


def _vid(path: Path) -> str:
    return path.name.removesuffix(".case.yaml")


def _expected() -> dict[str, dict[str, object]]:
    data = yaml.safe_load((HERE / "expected.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_there_are_encodings() -> None:
    assert CASES


@pytest.mark.parametrize("path", CASES, ids=_vid)
def test_encoding_loads(path: Path) -> None:
    case = load_case(path)
    assert isinstance(case, Case)
    assert case.id == _vid(path)


@pytest.mark.parametrize("path", CASES, ids=_vid)
def test_encoding_cites_its_vignette(path: Path) -> None:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith(f"# Vignette {_vid(path)} ")


def test_expectations_match_encodings() -> None:
    expected = _expected()
    assert set(expected) == {_vid(p) for p in CASES}
    for vid, entry in expected.items():
        assert set(entry) == {
            "label_origin",
            "areas_present",
            "primary_focus",
            "secondary_focus",
            "dispute_stage",
            "note",
        }, vid
        assert entry["label_origin"] in {"source", "inferred"}, vid
        areas = entry["areas_present"]
        assert isinstance(areas, list) and set(areas) <= AREAS, vid
        for key in ("primary_focus", "secondary_focus"):
            assert entry[key] is None or entry[key] in areas, vid
        assert entry["dispute_stage"] in {None, "renegotiation", "impasse", "dissolution"}, vid
        assert isinstance(entry["note"], str) and "\n" not in entry["note"], vid


@pytest.mark.skipif(not SHARED.is_dir(), reason="shared vignettes directory not present")
def test_every_vignette_is_encoded() -> None:
    encoded = {_vid(p) for p in CASES}
    expected = _expected()
    for source in sorted(SHARED.glob("v*.yaml")):
        data = yaml.safe_load(source.read_text(encoding="utf-8"))
        vid = data["id"]
        assert vid in encoded, f"{source.name} has no tests/vignettes/{vid}.case.yaml"
        assert vid in expected, f"{source.name} has no entry in tests/vignettes/expected.yaml"
        gold = data["gold"]
        entry = expected[vid]
        assert entry["label_origin"] == data["label_origin"], vid
        for key in ("areas_present", "primary_focus", "secondary_focus", "dispute_stage"):
            assert entry[key] == gold[key], (vid, key)
