"""Issue 16, items 5 and 10: engines belong to one process (a forked child builds its own,
even while another thread of the parent formulates), and an engine that is dropped frees its
durable-rules ruleset."""

from __future__ import annotations

import os
import threading
import time
import warnings
from typing import Any

import pytest

from iptformulate import examples, formulate
from iptformulate.engine import durable_engine, get_engine
from iptformulate.rulepack import RulePack, compiled

needs_durable = pytest.mark.skipif(
    not durable_engine.available(), reason="durable-rules not importable on this Python"
)
needs_fork = pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
CHILDREN = 20
WAIT = 60.0  # generous: only to keep a deadlocked child from hanging the suite


def _child(cpack: Any, parent_engine: int) -> int:
    engine = get_engine(cpack, "durable")
    if id(engine) == parent_engine:
        return 2  # reused the parent's engine
    formulate(examples.load("grief_widower"), options={"engine": "durable"})
    return 0


@needs_durable
@needs_fork
def test_a_child_forked_while_another_thread_formulates_builds_its_own_engine(
    pack: RulePack,
) -> None:
    cpack = compiled(pack, "classic")
    parent_engine = get_engine(cpack, "durable")
    case = examples.load("grief_widower")
    stop = threading.Event()

    def busy() -> None:
        while not stop.is_set():
            formulate(case, options={"engine": "durable"})

    thread = threading.Thread(target=busy, daemon=True)
    thread.start()
    children: list[int] = []
    try:
        for _ in range(CHILDREN):
            time.sleep(0.005)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads (3.12+)
                pid = os.fork()
            if pid == 0:  # pragma: no cover - the child
                code = 1
                try:
                    code = _child(cpack, id(parent_engine))
                finally:
                    os._exit(code)
            children.append(pid)
    finally:
        stop.set()
        thread.join()
    codes = _reap(children)
    assert codes == [0] * CHILDREN


def _reap(children: list[int]) -> list[int | None]:
    """Exit codes of the children, None for one still running after WAIT (then killed)."""
    deadline = time.monotonic() + WAIT
    codes: dict[int, int | None] = {}
    while len(codes) < len(children) and time.monotonic() < deadline:
        for pid in children:
            if pid not in codes:
                done, status = os.waitpid(pid, os.WNOHANG)
                if done:
                    codes[pid] = os.waitstatus_to_exitcode(status)
        time.sleep(0.05)
    for pid in children:
        if pid not in codes:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            codes[pid] = None
    return [codes[pid] for pid in children]


@needs_durable
def test_dropped_engines_free_their_rulesets(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each parameter override compiles its own ruleset; only the cached engines keep one."""
    core = durable_engine._durable
    live: set[int] = set()

    class Core:
        def __getattr__(self, name: str) -> Any:
            return getattr(core, name)

        def create_ruleset(self, name: str, definition: str) -> int:
            handle = int(core.create_ruleset(name, definition))
            live.add(handle)
            return handle

        def delete_ruleset(self, handle: int) -> None:
            live.discard(handle)
            core.delete_ruleset(handle)

    monkeypatch.setattr(durable_engine, "_durable", Core())
    get_engine.cache_clear()
    case = examples.load("grief_widower")
    for i in range(80):
        formulate(
            case, options={"engine": "durable", "params": {"presence_threshold": 0.3 + i / 1000}}
        )
    cached = get_engine.cache_info().maxsize
    assert cached is not None and len(live) <= cached
