"""A worker killed while it sends its result (half a message in the pipe, the pipe's lock
held) must break the pool, not hang the batch: the parent would otherwise read for ever, and
so would interpreter exit. Reproduced deterministically by a task that dies exactly there."""

from __future__ import annotations

import multiprocessing
import os
import signal
import struct
import subprocess
import sys
import time
from concurrent.futures import BrokenExecutor, ProcessPoolExecutor
from functools import partial
from typing import Any

import pytest

from iptformulate import batch

from .conftest import REPO

WAIT = 60.0  # only to keep a regression from hanging the suite


def _die_holding_the_result_pipe() -> None:
    """Run in a worker: take the result pipe's lock, send half a message, die."""
    frame: Any = sys._getframe()
    while frame is not None and "result_queue" not in frame.f_locals:
        frame = frame.f_back
    queue = frame.f_locals["result_queue"]
    queue._wlock.acquire()
    queue._writer._send(struct.pack("!i", 1 << 20) + b"{")
    os._exit(1)


def _quick() -> str:
    return "done"


def scenario() -> None:
    """Run in a fresh interpreter by the test: a pool breaks, is renewed, works, and closes."""
    context = multiprocessing.get_context("forkserver")
    pool = batch._Pool(partial(ProcessPoolExecutor, 2, context), 2, None)  # type: ignore[arg-type]
    assert pool.current.submit(_quick).result() == "done"  # both workers running
    future = pool.current.submit(_die_holding_the_result_pipe)
    started = time.monotonic()
    try:
        pool.result(future, pool.generation)
    except BrokenExecutor as exc:
        pool.renew(pool.generation, exc)
    else:
        raise AssertionError("the task of a dead worker succeeded")
    print(f"broken after {time.monotonic() - started:.1f}s", flush=True)
    assert pool.current.submit(_quick).result(timeout=60) == "done"
    pool.close()
    print("closed", flush=True)


@pytest.mark.skipif("forkserver" not in multiprocessing.get_all_start_methods(),
                    reason="needs the forkserver start method")  # fmt: skip
def test_a_worker_dying_mid_result_breaks_the_pool_instead_of_hanging() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", "from tests.test_batch_stuck_pool import scenario; scenario()"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    try:
        out, err = proc.communicate(timeout=WAIT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail("the pool hung after a worker died while sending its result")
    assert proc.returncode == 0, err.decode()
    lines = out.decode().splitlines()
    assert lines[-1] == "closed"
    assert float(lines[0].split()[2].rstrip("s")) < batch.STUCK_AFTER + 10
