"""Formulating many cases: streaming, in input order, optionally across processes.

`formulate_many` keeps memory flat on huge inputs: it holds a bounded window of work in flight,
yields each result as soon as the results before it are out, and keeps no models or graphs
(holding them cut throughput by about four times). A bad case becomes an error result and the
batch goes on; so does a case that kills its worker process.

Workers receive plain case dicts and return JSON text, so any `concurrent.futures.Executor`
(a process pool, a dask `Client.get_executor()`) can run them.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from concurrent.futures import BrokenExecutor, Executor, Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import suppress
from dataclasses import dataclass, replace
from functools import partial
from itertools import islice
from typing import Any, NamedTuple

from pydantic import (
    BaseModel,
    ConfigDict,
    PrivateAttr,
    ValidatorFunctionWrapHandler,
    computed_field,
    model_validator,
)

from .engine import get_engine
from .errors import CaseError
from .formulation.model import Formulation
from .limits import DEFAULT_LIMITS
from .loading import _case_id, load_case, parse_case
from .model.case import Case
from .pipeline import (
    FormulateOptions,
    RulesArg,
    _formulate,
    _options,
    _Setup,
    _setup,
    auto_profile,
    formulate,
    profiles_of,
    resolve_pack,
)
from .rulepack.compile import compiled, profile_spec
from .rulepack.load import RulePack

__all__ = [
    "BatchInput",
    "BatchResult",
    "CaseFile",
    "CaseInput",
    "ExecutorArg",
    "Formulator",
    "formulate_many",
]


@dataclass(frozen=True, slots=True)
class CaseFile:
    """A one-case file (YAML or JSON, not JSONL) that the worker formulating it reads and
    validates itself, so a batch of files is not parsed in the parent process alone."""

    path: str


CaseInput = Case | Mapping[str, Any] | CaseError | CaseFile
"""One case: validated, a decoded document, the error `read_cases` yielded for it, or a
one-case file to read where it is formulated."""
BatchInput = CaseInput | tuple[str | os.PathLike[str] | None, CaseInput]
"""A case, or a `(source, case)` pair naming where it came from."""
ExecutorArg = Executor | Callable[[], Executor] | None
"""An executor used as is, or a factory for one (called again when a pool breaks)."""

DIED = "worker process died while formulating this case"
MAX_BREAKS_IN_A_ROW = 8
"""Pools replaced with no case finished in between before the batch gives up."""


class BatchResult(BaseModel):
    """The outcome of one input: a formulation, or an error record that never holds content.

    A formulation made in a worker process arrives as JSON text and is parsed on first access
    to `formulation`; `formulation_json()` hands the text on unparsed (what `batch` writes).
    Parsing in the parent would otherwise cost a fifth of a worker's time per case.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    index: int
    source: str | None = None
    case_id: str | None = None
    ok: bool
    error: dict[str, Any] | None = None
    _parsed: Formulation | None = PrivateAttr(default=None)
    _json: str | None = PrivateAttr(default=None)

    @model_validator(mode="wrap")
    @classmethod
    def _take_formulation(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        """Accept `formulation=` (a Formulation or its data) like a field."""
        given = None
        if isinstance(data, Mapping) and "formulation" in data:
            data = dict(data)
            given = data.pop("formulation")
        result = handler(data)
        if given is not None:
            result._parsed = (
                given if isinstance(given, Formulation) else Formulation.model_validate(given)
            )
        return result

    @computed_field  # type: ignore[prop-decorator]
    @property
    def formulation(self) -> Formulation | None:
        if self._parsed is None and self._json is not None:
            self._parsed = Formulation.model_validate_json(self._json)
            self._json = None
        return self._parsed

    def formulation_json(self) -> str | None:
        """The formulation as JSON text, without building the model when a worker sent it."""
        if self._json is not None:
            return self._json
        return None if self._parsed is None else self._parsed.model_dump_json()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BatchResult):
            return NotImplemented
        mine = (self.index, self.source, self.case_id, self.ok, self.error)
        return mine == (other.index, other.source, other.case_id, other.ok, other.error) and (
            self.formulation == other.formulation
        )

    __hash__ = None  # type: ignore[assignment]


class _Config(NamedTuple):
    """What a worker needs besides the case; picklable, sent with every task."""

    profile: str
    rules: str | RulePack | None
    options: dict[str, Any]


@dataclass(frozen=True, slots=True)
class _Item:
    index: int
    source: str | None
    case_id: str | None
    payload: Case | Mapping[str, Any] | CaseFile | None
    error: dict[str, Any] | None


Work = list[tuple[str | None, Any]]
Outcome = dict[str, Any]


def formulate_many(
    cases: Iterable[BatchInput],
    *,
    workers: int = 1,
    executor: ExecutorArg = None,
    profile: str = "classic",
    rules: RulesArg = None,
    options: FormulateOptions | Mapping[str, Any] | None = None,
    chunksize: int = 64,
) -> Generator[BatchResult, None, None]:
    """Formulate every case, yielding one `BatchResult` per input in input order.

    `workers > 1` runs a process pool that builds the engine once per worker. `executor` is
    used instead: an `Executor` as is (never shut down or replaced; if it breaks, the
    `BrokenExecutor` propagates), or a zero-argument factory whose pools this function owns
    and replaces after a worker dies. `workers` then sizes the window of in-flight work
    (`2 * workers` tasks of up to `chunksize` cases). The profile, rules and options are
    checked here, before any case is read: an unknown profile raises `ProfileError` (a
    `KeyError`). `profile="auto"` picks IPSRT, IPT-A or classic per case
    (`iptformulate.pipeline.auto_profile`). A script that starts worker processes needs the
    `if __name__ == "__main__":` guard (docs/batch.md).
    """
    if workers < 1 or chunksize < 1:
        raise ValueError("workers and chunksize must be at least 1")
    opts = (
        options
        if isinstance(options, FormulateOptions)
        else FormulateOptions.model_validate(options or {})
    )
    if rules is None or isinstance(rules, RulePack):
        where: str | RulePack | None = rules
    else:
        where = os.fspath(os.path.abspath(rules))
    config = _Config(profile, where, opts.model_dump())
    pack = resolve_pack(config.rules)
    for name in profiles_of(profile, pack):
        profile_spec(pack, name)
        compiled(pack, name, None, tuple(sorted(opts.params.items())))
    items = _items(cases)
    if executor is None and workers == 1:
        return _serial(items, config)
    return _parallel(items, config, executor, workers, chunksize)


def _items(cases: Iterable[BatchInput]) -> Iterator[_Item]:
    for index, entry in enumerate(cases):
        source: str | None = None
        if isinstance(entry, tuple):
            where, entry = entry
            source = None if where is None else os.fspath(where)
        if isinstance(entry, CaseError):
            error = entry.to_dict()
            if error["source"] is None:
                error["source"] = source
            yield _Item(index, error["source"], entry.case_id, None, error)
        elif isinstance(entry, Case):
            yield _Item(index, source, entry.id, entry, None)
        elif isinstance(entry, CaseFile):
            yield _Item(index, source or entry.path, None, entry, None)
        elif isinstance(entry, Mapping):
            yield _Item(index, source, _safe_id(entry), entry, None)
        else:
            message = f"expected a Case, a mapping or a CaseError, got {type(entry).__name__}"
            yield _Item(index, source, None, None, _error(message, source, None))


def _safe_id(data: Mapping[str, Any]) -> str | None:
    try:
        return _case_id(data)
    except Exception:  # a mapping that cannot be read; parsing will report it
        return None


def _error(message: str, source: str | None, case_id: str | None) -> dict[str, Any]:
    return CaseError(message, source=source, case_id=case_id).to_dict()


def _attempt(
    config: _Config,
    source: str | None,
    payload: Any,
    run: Callable[[Case], Formulation] | None = None,
) -> Formulation | dict[str, Any]:
    """One case, any failure turned into an error record; the message never quotes content."""
    case_id = _safe_id(payload) if isinstance(payload, Mapping) else None
    try:
        if isinstance(payload, CaseFile):
            case = load_case(payload.path)
        elif isinstance(payload, Case):
            case = payload
        else:
            case = parse_case(payload, source=source)
        case_id = case.id
        if run is not None:
            return run(case)
        return formulate(case, profile=config.profile, rules=config.rules, options=config.options)
    except CaseError as exc:
        error = exc.to_dict()
        if error["source"] is None:
            error["source"] = source
        return error
    except Exception as exc:  # one case must never abort the batch
        message = f"{type(exc).__name__}: unexpected error while formulating this case"
        return _error(message, source, case_id)


def _result(item: _Item, outcome: Formulation | str | dict[str, Any]) -> BatchResult:
    """`outcome` is a formulation, its JSON text from a worker, or an error record."""
    if isinstance(outcome, dict):
        return BatchResult(
            index=item.index,
            source=item.source,
            case_id=outcome.get("case_id") or item.case_id,
            ok=False,
            error=outcome,
        )
    case_id = outcome.case_id if isinstance(outcome, Formulation) else item.case_id
    result = BatchResult(index=item.index, source=item.source, case_id=case_id, ok=True)
    if isinstance(outcome, Formulation):
        result._parsed = outcome
    else:
        result._json = outcome
    return result


def _serial(
    items: Iterator[_Item],
    config: _Config,
    run: Callable[[Case], Formulation] | None = None,
) -> Generator[BatchResult, None, None]:
    for item in items:
        if item.error is not None:
            yield _result(item, item.error)
        else:
            yield _result(item, _attempt(config, item.source, item.payload, run))


# --- worker side -------------------------------------------------------------------------


def _warm(config: _Config) -> None:
    """Build the rule pack, its compiled form and the engine once, before the first case."""
    opts = FormulateOptions.model_validate(config.options)
    pack = resolve_pack(config.rules)
    for name in profiles_of(config.profile, pack):
        cpack = compiled(pack, name, None, tuple(sorted(opts.params.items())))
        get_engine(cpack, opts.engine)


def _init_worker(config: _Config, parent: int | None = None) -> None:
    # Ctrl-C reaches the whole process group; only the parent decides how to stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if parent is not None:
        _watch_parent(parent)
    _warm(config)
    # what warm-up built lives as long as the worker: keep the cyclic GC from rescanning it
    # (at 1,000 people per case it was most of the cost per person)
    gc.collect()
    gc.freeze()


PARENT_POLL = 0.5
"""Seconds between a worker's checks that the process running the batch is still alive."""


def _watch_parent(parent: int) -> None:
    """End this worker soon after the batch's process is gone, however it ended (kill -9
    included): a worker blocked on its task queue would otherwise live on, and with it the
    resource tracker and the pipes it holds. The worker's own parent (the forkserver) ends
    with the batch's process, so a change of parent is noticed too."""
    launcher = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(PARENT_POLL)
            if os.getppid() != launcher or not _alive(parent):
                os._exit(1)

    threading.Thread(target=watch, name="iptformulate-parent-watch", daemon=True).start()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - the pid was reused by another user
        return False
    return True


def run_chunk(config: _Config, work: Work) -> list[Outcome]:
    """The task a worker runs: case dicts in, JSON-ready outcomes out."""
    out: list[Outcome] = []
    for source, data in work:
        outcome = _attempt(config, source, data)
        if isinstance(outcome, Formulation):
            out.append(
                {"ok": True, "case_id": outcome.case_id, "formulation": outcome.model_dump_json()}
            )
        else:
            out.append({"ok": False, "error": outcome})
    return out


# --- parent side -------------------------------------------------------------------------


def _default_pool(workers: int, config: _Config) -> Executor:
    # forkserver (or spawn) rather than fork: forking a process that runs threads is unsafe.
    methods = multiprocessing.get_all_start_methods()
    method = "forkserver" if "forkserver" in methods else "spawn"
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context(method),
        initializer=_init_worker,
        initargs=(config, os.getpid()),
    )


class _Pool:
    """The executor in use. A pool it made itself is replaced when a worker dies."""

    def __init__(self, executor: ExecutorArg, workers: int, config: _Config) -> None:
        self.config = config
        self.generation = 0
        self.breaks_in_a_row = 0
        if isinstance(executor, Executor):
            self._factory: Callable[[], Executor] | None = None
            self.current = executor
        else:
            self._factory = executor or partial(_default_pool, workers, config)
            self.current = self._factory()

    def submit(self, work: Work) -> tuple[Future[list[Outcome]], int]:
        future: Future[list[Outcome]]
        try:
            future = self.current.submit(run_chunk, self.config, work)
        except BrokenExecutor as exc:
            if self._factory is None:
                raise
            future = Future()
            future.set_exception(exc)
        return future, self.generation

    def result(self, future: Future[list[Outcome]], generation: int) -> list[Outcome]:
        """The task's outcomes. A pool this object made is watched while it runs: a worker
        killed while sending its result leaves the pool's reader waiting for the rest of the
        message, and the other workers blocked on the lock the dead one held, for ever; once
        a worker has been seen dead for `STUCK_AFTER` seconds with the task still pending, the
        pool is broken on purpose and the task fails with `BrokenExecutor` as any other task
        of a dead worker does."""
        if self._factory is None:
            return future.result()
        dead_since: float | None = None
        while True:
            try:
                return future.result(timeout=WATCH_EVERY)
            except FutureTimeout:
                if generation != self.generation:
                    continue  # an older pool, already broken and being shut down
                if not self._dead_workers():
                    dead_since = None
                elif dead_since is None:
                    dead_since = time.monotonic()
                elif time.monotonic() - dead_since >= STUCK_AFTER:
                    _break(self.current)

    def _dead_workers(self) -> bool:
        processes = getattr(self.current, "_processes", None) or {}
        return any(p.exitcode is not None for p in list(processes.values()))

    def renew(self, generation: int, exc: BaseException) -> None:
        """Replace the pool that broke, once, however many of its tasks report it."""
        if self._factory is None:
            raise exc
        if generation == self.generation:
            self.current.shutdown(wait=False, cancel_futures=True)
            self.breaks_in_a_row += 1
            if self.breaks_in_a_row > MAX_BREAKS_IN_A_ROW:
                raise RuntimeError(
                    "worker processes keep dying before finishing any case; check that the "
                    "script starting the batch guards it with `if __name__ == '__main__':`"
                ) from exc
            self.current = self._factory()
            self.generation += 1

    def close(self, *, now: bool = False) -> None:
        """Shut down a pool this object made; `now` (the batch was stopped) ends its workers
        at once instead of letting the tasks in hand finish."""
        if self._factory is None:
            return
        if now:
            _break(self.current)
        self.current.shutdown(wait=True, cancel_futures=True)


WATCH_EVERY = 0.5
"""Seconds between checks of a pool's workers while a task is pending."""
STUCK_AFTER = 2.0
"""Seconds a worker may be dead, its task still pending, before the pool is taken as stuck
(the executor itself notices a dead worker within milliseconds unless it is stuck)."""


def _break(executor: Executor) -> None:
    """End a process pool's workers at once and unblock its result reader.

    A worker killed while it held the result pipe (half a message sent) leaves the executor's
    management thread reading for ever, and `shutdown(wait=True)`, or interpreter exit, joining
    that thread for ever. Once every worker is gone the only writer left is the copy this process
    holds: closing it ends the read, and the executor then fails its pending tasks and cleans up
    as for any dead worker. An executor without these internals (another implementation) is
    only asked to end its processes."""
    processes = list((getattr(executor, "_processes", None) or {}).values())
    for process in processes:
        with suppress(Exception):
            process.kill()
    for process in processes:
        with suppress(Exception):
            process.join(timeout=5)
    queue = getattr(executor, "_result_queue", None)
    writer = getattr(queue, "_writer", None)
    if writer is not None and all(p.exitcode is not None for p in processes):
        with suppress(Exception):
            writer.close()


def _parallel(
    items: Iterator[_Item],
    config: _Config,
    executor: ExecutorArg,
    workers: int,
    chunksize: int,
    owned: _Pool | None = None,
) -> Generator[BatchResult, None, None]:
    """`owned` is a pool that outlives this batch (a `Formulator`'s): it is not shut down."""
    pool = owned or _Pool(executor, workers, config)
    window: deque[tuple[list[_Item], Future[list[Outcome]] | None, int]] = deque()
    finished = False
    try:
        while chunk := [_wire(i) for i in islice(items, chunksize)]:
            work: Work = [(i.source, i.payload) for i in chunk if i.error is None]
            future, generation = pool.submit(work) if work else (None, pool.generation)
            window.append((chunk, future, generation))
            while len(window) >= 2 * workers:
                yield from _collect(pool, *window.popleft())
        while window:
            yield from _collect(pool, *window.popleft())
        finished = True
    finally:
        for _, future, _ in window:
            if future is not None:
                future.cancel()
        if owned is None:
            pool.close(now=not finished)


def _wire(item: _Item) -> _Item:
    """Plain data for a worker: a `Case` travels as its JSON-mode dict."""
    if item.error is not None or isinstance(item.payload, CaseFile):
        return item
    try:
        payload = item.payload
        data = payload.model_dump(mode="json") if isinstance(payload, Case) else dict(payload or {})
    except Exception as exc:
        message = f"{type(exc).__name__}: the case cannot be copied to a worker"
        return replace(item, payload=None, error=_error(message, item.source, item.case_id))
    return replace(item, payload=data)


def _collect(
    pool: _Pool,
    chunk: list[_Item],
    future: Future[list[Outcome]] | None,
    generation: int,
) -> Iterator[BatchResult]:
    todo = [i for i in chunk if i.error is None]
    outcomes: list[Outcome] = []
    if future is not None:
        try:
            outcomes = pool.result(future, generation)
            pool.breaks_in_a_row = 0
        except Exception as exc:
            if isinstance(exc, BrokenExecutor):
                pool.renew(generation, exc)
            outcomes = _isolate(pool, todo)
    by_index = dict(zip((i.index for i in todo), outcomes, strict=True))
    for item in chunk:
        if item.error is not None:
            yield _result(item, item.error)
            continue
        outcome = by_index[item.index]
        if outcome["ok"]:
            yield _result(replace(item, case_id=outcome["case_id"]), outcome["formulation"])
        else:
            yield _result(item, outcome["error"])


def _isolate(pool: _Pool, todo: list[_Item]) -> list[Outcome]:
    """Rerun a failed task's cases one at a time, so only the culprit is reported."""
    outcomes: list[Outcome] = []
    for item in todo:
        future, generation = pool.submit([(item.source, item.payload)])
        try:
            outcomes.extend(pool.result(future, generation))
            pool.breaks_in_a_row = 0
        except BrokenExecutor as exc:
            pool.renew(generation, exc)
            error = _error(DIED, item.source, item.case_id)
            outcomes.append({"ok": False, "error": error})
        except Exception as exc:
            message = f"{type(exc).__name__}: the worker failed while formulating this case"
            outcomes.append({"ok": False, "error": _error(message, item.source, item.case_id)})
    return outcomes


class Formulator:
    """A long-lived formulator for many calls with the same settings: the rule pack, its
    compiled profiles, the engine and everything else that does not depend on the case are
    built once, here; `formulate_many` starts its worker pool on first use and keeps it for
    later calls, so pool start-up is paid once. Use it as a context manager (or call
    `close`) to shut the pool down::

        with Formulator(profile="classic", workers=2) as f:
            one = f.formulate(case)
            for result in f.formulate_many(cases):
                ...

    Results are those of `formulate` and `formulate_many` with the same arguments. An unknown
    profile raises `ProfileError` (a `KeyError`) here. Not for sharing between threads while a
    pool is starting.
    """

    def __init__(
        self,
        profile: str = "classic",
        *,
        rules: RulesArg = None,
        options: FormulateOptions | Mapping[str, Any] | None = None,
        workers: int = 1,
        executor: ExecutorArg = None,
        chunksize: int = 64,
    ) -> None:
        if workers < 1 or chunksize < 1:
            raise ValueError("workers and chunksize must be at least 1")
        self.profile = profile
        self.options = _options(options)
        self.workers = workers
        self.chunksize = chunksize
        self._executor = executor
        if rules is None or isinstance(rules, RulePack):
            where: str | RulePack | None = rules
        else:
            where = os.fspath(os.path.abspath(rules))
        self.pack = resolve_pack(where)
        self._config = _Config(profile, where, self.options.model_dump())
        self._overrides = tuple(sorted(self.options.params.items()))
        self._setups: dict[str, _Setup] = {}
        self._pid = os.getpid()
        self._pool: _Pool | None = None
        for name in profiles_of(profile, self.pack):
            self._ready(name)

    def _ready(self, profile: str) -> _Setup:
        if self._pid != os.getpid():  # a forked child builds its own engines
            self._setups.clear()
            self._pid = os.getpid()
            self._pool = None
        ready = self._setups.get(profile)
        if ready is None:
            ready = _setup(self.pack, profile, self.options.engine, self._overrides)
            self._setups[profile] = ready
        return ready

    def formulate(self, case: Case | Mapping[str, Any]) -> Formulation:
        """As `iptformulate.formulate(case, profile=..., rules=..., options=...)`."""
        return _formulate(case, self.profile, DEFAULT_LIMITS, self._ready, choose=self._choose)

    def _choose(self, case: Case) -> str:
        return auto_profile(case, self.pack)

    def formulate_many(self, cases: Iterable[BatchInput]) -> Generator[BatchResult, None, None]:
        """As `iptformulate.formulate_many`, on this formulator's pool (started on first use)."""
        items = _items(cases)
        if self._executor is None and self.workers == 1:
            return _serial(items, self._config, self.formulate)
        if self._pool is None or self._pid != os.getpid():
            self._pid = os.getpid()
            self._pool = _Pool(self._executor, self.workers, self._config)
        return _parallel(
            items, self._config, self._executor, self.workers, self.chunksize, self._pool
        )

    def close(self) -> None:
        """Shut down the worker pool, if one was started (an executor passed in is left
        running, as `formulate_many` leaves it)."""
        pool, self._pool = self._pool, None
        if pool is not None and self._pid == os.getpid():
            pool.close()

    def __enter__(self) -> Formulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
