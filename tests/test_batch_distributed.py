"""`formulate_many` on a real local dask cluster (the `distributed` extra; skipped without it)."""

from __future__ import annotations

from typing import Any

import pytest

from iptformulate import examples, formulate_many

distributed: Any = pytest.importorskip("distributed")


def test_a_dask_executor_gives_what_a_local_run_gives() -> None:
    good = [examples.load(name) for name in examples.names()]
    bad = examples.load("grief_widower").model_dump(mode="json")
    bad["people"][0]["ring"] = 9
    cases: list[Any] = [*good, bad, *good]
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        executor = client.get_executor()
        results = list(formulate_many(cases, executor=executor, workers=2, chunksize=3))
        # the executor is the caller's: still usable after the batch
        assert executor.submit(sum, [1, 2]).result() == 3
    assert results == list(formulate_many(cases))
    assert [r.ok for r in results].count(False) == 1
