"""Issue 16, item 9: stopping `batch --workers 2` in any way (SIGTERM, SIGINT, kill -9 of the
parent) leaves no process behind within seconds: no worker, forkserver or resource tracker;
killing a worker prints no traceback."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from contextlib import suppress
from pathlib import Path

import pytest

from iptformulate.batch_cli import _resume
from iptformulate.limits import safe_load

from .conftest import REPO

WIDOWER = REPO / "src" / "iptformulate" / "examples" / "grief_widower.yaml"
WAIT = 60.0  # generous, only to keep a regression from hanging the suite
GONE_WITHIN = 10.0  # seconds after the stop by which every process must have ended


def _cases(tmp_path: Path, count: int = 20_000) -> Path:
    data = safe_load(WIDOWER.read_text(encoding="utf-8"))
    path = tmp_path / "many.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        for i in range(count):
            handle.write(json.dumps({**data, "id": f"c{i}"}, default=str) + "\n")
    return path


def _session(sid: int) -> list[int]:
    """Processes of session `sid` (the batch started one of its own), zombies left out."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if fields[0] != "Z" and int(fields[3]) == sid:
            found.append(int(entry.name))
    return found


def _start(tmp_path: Path) -> tuple[subprocess.Popen[bytes], Path]:
    out = tmp_path / "out.jsonl"
    proc = subprocess.Popen(
        [sys.executable, "-m", "iptformulate", "batch", str(_cases(tmp_path)), "--out",
         str(out), "--workers", "2", "--quiet"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if out.exists() and out.stat().st_size > 0 and len(_session(proc.pid)) >= 4:
            return proc, out
        time.sleep(0.05)
    with suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate()
    pytest.fail("the batch did not get going")


def _wait(proc: subprocess.Popen[bytes]) -> None:
    """Wait for the batch to end; if it hangs, end its whole session before failing, so no
    process (or open pipe) of this test outlives it."""
    try:
        proc.wait(timeout=WAIT)
    except subprocess.TimeoutExpired:
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail(f"the batch did not end within {WAIT:.0f}s of being stopped")


def _left_behind(sid: int) -> list[int]:
    deadline = time.monotonic() + GONE_WITHIN
    while (left := _session(sid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    for pid in left:  # ours (started by this test): clean up before failing
        os.kill(pid, signal.SIGKILL)
    return left


needs_proc = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")


@needs_proc
@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL])
def test_stopping_a_batch_leaves_no_process_behind(tmp_path: Path, how: signal.Signals) -> None:
    proc, out = _start(tmp_path)
    os.kill(proc.pid, how)
    _wait(proc)
    left = _left_behind(proc.pid)
    _, err = proc.communicate(timeout=WAIT)  # the pipe closes once no process holds it
    assert left == []
    if how != signal.SIGKILL:
        assert proc.returncode == 130
        assert b"Traceback" not in err
    else:
        # Linux may cut a write of several pages short when SIGKILL arrives mid-write, so the
        # last line can be unfinished (no newline); every finished line is whole, and resuming
        # cuts the unfinished one off
        *finished, _tail = out.read_bytes().split(b"\n")
        assert all(line.endswith(b"}") for line in finished)
        _resume(out)
    assert all(line.endswith("}") for line in out.read_text().splitlines())


@needs_proc
def test_killing_a_worker_prints_no_traceback(tmp_path: Path) -> None:
    proc, _ = _start(tmp_path)
    mine = {proc.pid}
    workers = [p for p in _session(proc.pid) if p not in mine]
    # a worker is a process running the batch's pool task: kill the newest, a worker surely
    os.kill(max(workers), signal.SIGKILL)
    time.sleep(1)
    os.kill(proc.pid, signal.SIGTERM)
    _wait(proc)
    left = _left_behind(proc.pid)
    _, err = proc.communicate(timeout=WAIT)
    assert left == []
    assert b"Traceback" not in err, err.decode()
