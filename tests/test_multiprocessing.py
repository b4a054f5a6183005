"""Formulation is correct in worker processes started by fork and by spawn."""

from __future__ import annotations

import multiprocessing as mp
from concurrent.futures import ProcessPoolExecutor

import pytest

from iptformulate import examples, formulate


def _focus(name: str) -> tuple[str, str | None, str]:
    f = formulate(examples.load(name))
    return name, f.primary_focus, f.model_dump_json()


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_workers_give_the_same_results(method: str) -> None:
    names = examples.names()
    expected = [_focus(n) for n in names]  # builds the engine in this process first (fork case)
    with ProcessPoolExecutor(2, mp_context=mp.get_context(method)) as pool:
        got = list(pool.map(_focus, names * 2))
    assert got == expected * 2
