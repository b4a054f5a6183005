"""Network Canvas import: fixtures written to the export format (per-session CSV files with
categorical variables as TRUE/FALSE columns and missing cells; a GraphML file with two
interviews) import to case files that load and formulate, and every unusable row is named."""

from __future__ import annotations

from pathlib import Path

import pytest

import iptformulate
from iptformulate.cli import main
from iptformulate.errors import CaseError
from iptformulate.netcanvas import convert, load_mapping, read_export

HERE = Path(__file__).parent / "fixtures" / "network_canvas"
MAPPING = HERE / "mapping.yaml"


def _report(path: Path) -> iptformulate.netcanvas.ImportReport:
    return convert(read_export(path), load_mapping(MAPPING))


def test_csv_export_of_three_egos() -> None:
    report = _report(HERE / "csv")
    cases = {c.id: c for c in report.cases}
    assert sorted(cases) == ["P014", "P021", "P033"]
    p014 = {p.name: p for p in cases["P014"].people}
    assert p014["Ruth"].relationship == "partner" and p014["Ruth"].status == "deceased"
    assert p014["Ruth"].died is not None and p014["Ruth"].died.approximate
    assert (p014["Ruth"].ring, p014["Tom"].ring) == (1, 3)  # from the sociogram layout
    assert p014["Ruth"].contact is None  # a missing cell stays missing
    assert cases["P014"].offset(p014["Ruth"].id) == -1  # died a month before onset
    assert cases["P021"].age is None
    assert {p.name for p in cases["P033"].people} == {
        "Mum",
        "Dad",
    }  # the Place node is not a person
    where = {str(p) for p in report.problems}
    assert (
        "P021_41aa_attributeList_Person.csv:6: the node's ego is not in the ego file; row skipped"
        in where
    )
    assert (
        "P021_41aa_attributeList_Person.csv:3: support: value not in the mapping; left out" in where
    )
    assert "P021_41aa_attributeList_Person.csv:5: rel: several options chosen; left out" in where
    assert (
        "P033_77cd_edgeList_knows.csv:3: the tie's ego or people are unknown; row skipped" in where
    )
    assert report.unmapped["P014_9b2e_attributeList_Person.csv"] == ["hobby"]
    assert report.unmapped["P014_9b2e_ego.csv"] == ["interviewer_note"]
    assert report.ties == 2
    # no value of the export is quoted in a report
    assert not any(name in " ".join(where) for name in ("Ruth", "Tom", "Orphan", "Lou"))


def test_graphml_export_of_two_egos() -> None:
    report = _report(HERE / "interviews.graphml")
    assert report.ok and [c.id for c in report.cases] == ["G001", "G002"]
    sam = report.cases[0].people[0]
    assert (sam.name, sam.relationship, sam.ring, sam.conflict) == ("Sam", "partner", 1, "high")
    assert report.cases[0].episode.intake_date is not None  # from the session's start


def test_imported_cases_formulate(tmp_path: Path) -> None:
    code = main(
        ["import", "network-canvas", str(HERE / "csv"), "--mapping", str(MAPPING),
         "--out", str(tmp_path)]
    )  # fmt: skip
    assert code == 1  # some rows could not be used; the rest were written
    files = sorted(tmp_path.glob("*.yaml"))
    assert [f.stem for f in files] == ["P014", "P021", "P033"]
    for path in files:
        f = iptformulate.formulate(iptformulate.load_case(path), profile="auto")
        assert f.case_id == path.stem
    grief = iptformulate.formulate(iptformulate.load_case(tmp_path / "P014.yaml"))
    assert grief.areas["grief"].present
    assert main(["import", "network-canvas", str(HERE / "csv"), "--mapping", str(MAPPING),
                 "--out", str(tmp_path)]) == 2  # fmt: skip
    clean = tmp_path / "graphml"
    assert main(["import", "network-canvas", str(HERE / "interviews.graphml"), "--mapping",
                 str(MAPPING), "--out", str(clean)]) == 0  # fmt: skip


def test_a_bad_mapping_names_the_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "map.yaml"
    bad.write_text("ring: {rings: 9}\nsupport: {varible: s}\n", encoding="utf-8")
    with pytest.raises(CaseError) as info:
        load_mapping(bad)
    assert {p for p, _ in info.value.problems} >= {"ring.rings", "support.variable"}
    out = tmp_path / "out"
    assert main(["import", "network-canvas", str(HERE / "csv"), "--mapping", str(bad),
                 "--out", str(out)]) == 3  # fmt: skip
    assert not out.exists()


def test_files_that_are_not_an_export(tmp_path: Path) -> None:
    with pytest.raises(CaseError, match="no Network Canvas"):
        read_export(tmp_path)
    (tmp_path / "x.graphml").write_text(
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><graphml/>', encoding="utf-8"
    )
    with pytest.raises(CaseError, match="DTD"):
        read_export(tmp_path / "x.graphml")
    (tmp_path / "other.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    assert read_export(tmp_path).problems == [
        ("other.csv", "not a Network Canvas export file (no ego UUID)")
    ]
