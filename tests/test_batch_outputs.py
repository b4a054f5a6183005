"""Issue 16, items 6, 7 and 10: pseudonymised runs write no original id, file name or path;
output paths are checked before the run and disk errors leave whole lines; the small exits
(Ctrl-C and a closed pipe in `formulate`, a deep line on `--resume`, a hostile gold file)
end with the documented code and no traceback."""

from __future__ import annotations

import errno
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from iptformulate import batch_cli, pipeline
from iptformulate.cli import main

from .conftest import REPO

WIDOWER = REPO / "src" / "iptformulate" / "examples" / "grief_widower.yaml"
KEY = "k" * 32
TIMEOUT = 60  # only to keep a regression from hanging the suite


@pytest.fixture
def cases(tmp_path: Path) -> Path:
    """Two cases whose file names and ids are names: one formulates, one fails."""
    folder = tmp_path / "clinic-quux"
    folder.mkdir()
    text = WIDOWER.read_text(encoding="utf-8")
    (folder / "plugh-smithers.yaml").write_text(
        text.replace("id: grief_widower", "id: xyzzy_smithers"), encoding="utf-8"
    )
    (folder / "frobozz-jane.yaml").write_text("id: frobozz_jane\npeople: 7\n", encoding="utf-8")
    return folder


@pytest.mark.parametrize("workers", ["1", "2"])
@pytest.mark.parametrize("with_errors_file", [True, False])
def test_pseudonymised_runs_write_no_original_id_file_name_or_path(
    tmp_path: Path,
    cases: Path,
    workers: str,
    with_errors_file: bool,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("IPTFORMULATE_PSEUDONYM_KEY", KEY)
    out, errors, summary = (tmp_path / n for n in ("out.jsonl", "errors.jsonl", "s.csv"))
    args = ["batch", str(cases), "--out", str(out), "--summary", str(summary)]
    args += ["--pseudonymize", "--workers", workers]
    if with_errors_file:
        args += ["--errors", str(errors)]
    assert main(args) == 1
    written = out.read_text() + summary.read_text() + capsys.readouterr().err
    if with_errors_file:
        written += errors.read_text()
    for secret in ("quux", "plugh", "smithers", "xyzzy", "frobozz", str(cases).lower()):
        assert secret not in written.lower()
    assert '"source":"S-' in out.read_text().replace(" ", "")


def test_output_paths_are_checked_before_the_run(
    tmp_path: Path, cases: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out.jsonl"
    bad = [
        ["--out", str(tmp_path)],  # a folder
        ["--out", str(tmp_path / "missing" / "out.jsonl")],
        ["--out", str(out), "--summary", str(tmp_path / "missing" / "s.csv")],
        ["--out", str(out), "--summary", str(out)],
        ["--out", str(out), "--errors", str(out)],
        ["--out", str(out), "--errors", str(tmp_path / "." / "out.jsonl")],
    ]
    out.write_text('{"case_id": "kept"}\n')
    for options in bad:
        assert main(["batch", str(cases), *options]) == 2, options
        err = capsys.readouterr().err
        assert "Traceback" not in err and err.startswith("error: ")
    assert out.read_text() == '{"case_id": "kept"}\n'  # nothing was run or destroyed


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to read-only folders")
def test_a_read_only_folder_is_refused_before_the_run(tmp_path: Path, cases: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        assert main(["batch", str(cases), "--out", str(folder / "out.jsonl")]) == 2
    finally:
        folder.chmod(0o700)


class _FullDisk(io.RawIOBase):
    """A file that takes `room` bytes, then fails like a full disk, part-way into a write."""

    def __init__(self, handle: Any, room: int) -> None:
        self.handle, self.room = handle, room

    def fileno(self) -> int:
        return int(self.handle.fileno())

    def write(self, data: Any) -> int:
        if self.room <= 0:
            raise OSError(errno.ENOSPC, "No space left on device")
        part = bytes(data[: self.room])
        self.room -= len(part)
        return int(self.handle.write(part))

    def close(self) -> None:
        self.handle.close()


def test_a_full_disk_is_reported_and_leaves_whole_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "cases"
    folder.mkdir()
    for i in range(3):
        text = WIDOWER.read_text(encoding="utf-8").replace("id: grief_widower", f"id: c{i}")
        (folder / f"c{i}.yaml").write_text(text, encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert main(["batch", str(folder / "c0.yaml"), "--out", str(out), "--quiet"]) == 0
    room = out.stat().st_size * 3 // 2  # the disk fills half-way into the second line
    enter = batch_cli._Lines.__enter__

    def full(self: batch_cli._Lines) -> batch_cli._Lines:
        enter(self)
        if self.path == out:
            self._handle = _FullDisk(self._handle, room=room)
        return self

    monkeypatch.setattr(batch_cli._Lines, "__enter__", full)
    assert main(["batch", str(folder), "--out", str(out)]) == 3
    err = capsys.readouterr().err
    assert "No space left on device" in err and str(out) in err and "Traceback" not in err
    lines = out.read_bytes().splitlines(keepends=True)
    assert len(lines) == 1  # the line that fitted; the one cut off by the full disk is gone
    assert all(line.endswith(b"}\n") and json.loads(line) for line in lines)


def test_resume_refuses_a_deeply_nested_line_with_exit_3(
    tmp_path: Path, cases: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out.jsonl"
    out.write_text("[" * 100_000 + "]" * 100_000 + "\n")
    assert main(["batch", str(cases), "--out", str(out), "--resume"]) == 3
    assert "cannot resume" in capsys.readouterr().err


def test_formulate_interrupted_exits_130_without_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupted(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline, "formulate", interrupted)
    assert main(["formulate", "--example", "grief_widower"]) == 130
    assert "Traceback" not in capsys.readouterr().err


def test_formulate_into_a_closed_pipe_ends_quietly() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "iptformulate", "formulate", "--example", "grief_widower",
         "--format", "html"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # before the command writes
    err = proc.stderr.read()
    proc.stderr.close()
    assert proc.wait(timeout=TIMEOUT) == 141
    assert b"Traceback" not in err and b"Exception ignored" not in err


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("nul.csv", "case_id,grief\nc1,\x001\n"),
        ("wide.csv", "case_id,grief\nc1," + "1" * 200_000 + "\n"),
        ("deep.yaml", "c1: " + "[" * 5000 + "]" * 5000 + "\n"),
        ("deepvalue.yaml", "c1: {areas_present: " + "[" * 40 + "]" * 40 + "}\n"),
    ],
)
def test_hostile_gold_files_exit_3_without_traceback(
    tmp_path: Path, name: str, content: str, capsys: pytest.CaptureFixture[str]
) -> None:
    gold = tmp_path / name
    gold.write_text(content, encoding="utf-8")
    case = tmp_path / "c1.yaml"
    shutil.copy(WIDOWER, case)
    assert main(["evaluate", str(case), "--gold", str(gold), "--bootstrap", "0"]) == 3
    err = capsys.readouterr().err
    assert "Traceback" not in err and str(gold) in err


def test_a_gold_file_over_the_size_limit_is_refused(tmp_path: Path) -> None:
    gold = tmp_path / "big.csv"
    gold.write_text("case_id,grief\n" + "c1,1\n" * 1_100_000, encoding="utf-8")
    from iptformulate.agreement import load_gold
    from iptformulate.errors import CaseError

    with pytest.raises(CaseError, match="limit"):
        load_gold(gold)
