"""The long-lived `Formulator`: same results as the functions, one pool across calls."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import iptformulate
from iptformulate import Formulator, examples


def test_formulator_gives_what_formulate_gives() -> None:
    for profile in ("classic", "ipsrt", "auto"):
        with Formulator(profile=profile) as f:
            for name in examples.names():
                case = examples.load(name)
                want = iptformulate.formulate(case, profile=profile).model_dump_json()
                assert f.formulate(case).model_dump_json() == want
                data = case.model_dump(mode="json")
                assert f.formulate(data).model_dump_json() == want


def test_unknown_profile_is_refused_at_construction() -> None:
    with pytest.raises(KeyError):
        Formulator(profile="no-such-profile")


def test_formulator_serial_batch_matches_formulate_many() -> None:
    cases = [examples.load(n) for n in examples.names()]
    want = [r.formulation_json() for r in iptformulate.formulate_many(cases)]
    with Formulator() as f:
        assert [r.formulation_json() for r in f.formulate_many(cases)] == want


def test_formulator_keeps_its_pool_across_calls() -> None:
    cases = [examples.load(n) for n in examples.names()]
    want = [r.formulation_json() for r in iptformulate.formulate_many(cases)]
    with Formulator(workers=2, chunksize=2) as f:
        first = [r.formulation_json() for r in f.formulate_many(cases)]
        pool = f._pool
        second = [r.formulation_json() for r in f.formulate_many(cases)]
        assert f._pool is pool is not None
    assert first == second == want
    assert f._pool is None


def test_case_files_are_read_in_the_workers(tmp_path: Path) -> None:
    """A `CaseFile` is read where it is formulated: same results and errors as reading it here."""
    from iptformulate.batch import CaseFile

    paths = []
    for name in examples.names():
        path = tmp_path / f"{name}.yaml"
        path.write_text(yaml.safe_dump(examples.load(name).model_dump(mode="json")))
        paths.append(path)
    bad = tmp_path / "bad.yaml"
    bad.write_text("people: [\n")
    paths.append(bad)
    here = list(iptformulate.formulate_many(
        (str(p), c) for p in paths for c in iptformulate.read_cases(p)
    ))  # fmt: skip
    for workers in (1, 2):
        there = list(
            iptformulate.formulate_many(
                [(str(p), CaseFile(str(p))) for p in paths], workers=workers, chunksize=3
            )
        )
        assert [r.model_dump() for r in there] == [r.model_dump() for r in here]
        assert [r.formulation_json() for r in there] == [r.formulation_json() for r in here]
