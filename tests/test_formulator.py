"""The long-lived `Formulator`: same results as the functions, one pool across calls."""

from __future__ import annotations

import pytest

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
