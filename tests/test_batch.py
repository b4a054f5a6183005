"""Batch runs: order, equality with `formulate`, bad cases, dying workers, whole output files.

The dying worker is injected through `formulate_many`'s documented seam for pool factories:
`executor=` may be a zero-argument callable that makes executors (the batch owns those and
replaces one that breaks). `_CrashingPool` below is such an executor; it runs every task
through `_exit_on_marked_case`, which ends the worker process with `os._exit` when the task
holds the case whose id is `CRASH_ID`, exactly as a segfault or the OOM killer would. Nothing in
the library knows about it.
"""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

import iptformulate
from iptformulate import BatchResult, CaseError, Formulation, examples, formulate, formulate_many
from iptformulate.batch import DIED
from iptformulate.batch_cli import csv_cell
from iptformulate.cli import main
from iptformulate.tabular import SUMMARY_COLUMNS

CRASH_ID = "crash-me"
NAMES = examples.names()


def _exit_on_marked_case(fn: Callable[..., Any], config: Any, work: list[Any]) -> Any:
    if any(isinstance(data, dict) and data.get("id") == CRASH_ID for _, data in work):
        os._exit(70)
    return fn(config, work)


class _CrashingPool(ProcessPoolExecutor):
    def __init__(self) -> None:
        super().__init__(max_workers=2, mp_context=multiprocessing.get_context("forkserver"))

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        return super().submit(_exit_on_marked_case, fn, *args, **kwargs)


def _doc(name: str, case_id: str | None = None) -> dict[str, Any]:
    data = examples.load(name).model_dump(mode="json")
    if case_id is not None:
        data["id"] = case_id
    return data


def _mixed_dir(root: Path, *, crash: bool) -> Path:
    """Good cases, malformed YAML, an invalid field and (optionally) the crashing case."""
    cases = root / "cases"
    cases.mkdir()
    for i, name in enumerate(NAMES):
        (cases / f"{i:02}-{name}.yaml").write_text(yaml.safe_dump(_doc(name)), encoding="utf-8")
    (cases / "03a-malformed.yaml").write_text("id: [unclosed\n  people: {\n", encoding="utf-8")
    bad = _doc("grief_widower", "bad-ring")
    bad["people"][0]["ring"] = 9
    bad["people"][0]["name"] = "Zyxwv Secretname"
    (cases / "05a-invalid.yaml").write_text(yaml.safe_dump(bad), encoding="utf-8")
    if crash:
        crasher = _doc("grief_widower", CRASH_ID)
        (cases / "01a-crash.yaml").write_text(yaml.safe_dump(crasher), encoding="utf-8")
    return cases


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    raw = path.read_bytes()
    assert not raw or raw.endswith(b"\n"), "a half-written last line"
    return [json.loads(line) for line in raw.splitlines()]


# --- library ---------------------------------------------------------------------------------


def test_results_come_in_input_order_and_equal_formulate() -> None:
    cases = [examples.load(n) for n in NAMES]
    inputs: list[Any] = [cases[0], _doc(NAMES[1]), ("somewhere.yaml", cases[2]), *cases[3:]]
    results = list(formulate_many(inputs, profile="stuart"))
    assert [r.index for r in results] == list(range(len(NAMES)))
    assert all(r.ok and r.error is None for r in results)
    assert [r.formulation for r in results] == [formulate(c, profile="stuart") for c in cases]
    assert [r.case_id for r in results] == [c.id for c in cases]
    assert results[2].source == "somewhere.yaml"


def test_case_errors_and_strange_inputs_become_error_results() -> None:
    error = CaseError("malformed YAML at line 2, column 1", source="x.yaml")
    bad = _doc("grief_widower", "bad-ring")
    bad["people"][0]["ring"] = 9
    results = list(formulate_many([error, bad, 42, examples.load("grief_widower")]))  # type: ignore[list-item]
    assert [r.ok for r in results] == [False, False, False, True]
    assert results[0].error == error.to_dict()
    assert results[1].case_id == "bad-ring" and results[1].error is not None
    assert results[1].error["path"] == "people[0].ring"
    assert results[2].error is not None and "got int" in results[2].error["message"]


class _Unreadable(Mapping[str, Any]):
    """A mapping that fails with a message quoting 'content'."""

    def __getitem__(self, key: str) -> Any:
        raise RuntimeError("Zyxwv Secretname")

    def __iter__(self) -> Iterator[str]:
        raise RuntimeError("Zyxwv Secretname")

    def __len__(self) -> int:
        return 1


def test_an_unexpected_exception_is_that_cases_error_without_its_message() -> None:
    results = list(formulate_many([_Unreadable(), examples.load("grief_widower")]))
    assert not results[0].ok and results[1].ok
    assert results[0].error is not None
    assert results[0].error["message"].startswith("RuntimeError: ")
    assert "Zyxwv" not in json.dumps(results[0].error)


def test_unknown_profile_fails_before_any_case_is_read() -> None:
    def never() -> Iterator[Any]:
        raise AssertionError("read")
        yield

    with pytest.raises(KeyError):
        formulate_many(never(), profile="freudian")
    with pytest.raises(ValueError):
        formulate_many([], workers=0)


def test_input_is_read_only_as_far_as_the_window_reaches() -> None:
    pulled = 0

    def endless() -> Iterator[Any]:
        nonlocal pulled
        case = examples.load("grief_widower")
        while True:
            pulled += 1
            yield case

    serial = formulate_many(endless())
    next(serial)
    assert pulled == 1
    serial.close()
    pulled = 0
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = formulate_many(endless(), executor=pool, workers=2, chunksize=3)
        first = [next(results) for _ in range(10)]
        assert pulled <= 10 + 2 * 2 * 3 + 3  # what was yielded, the window, one chunk
        results.close()
    assert [r.index for r in first] == list(range(10))


def test_two_worker_processes_equal_one() -> None:
    cases = [examples.load(n) for n in NAMES] * 3
    serial = list(formulate_many(cases))
    parallel = list(formulate_many(cases, workers=2, chunksize=3))
    assert parallel == serial


def test_an_executor_passed_in_is_used_as_is() -> None:
    cases = [examples.load(n) for n in NAMES]
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(formulate_many(cases, executor=pool, workers=2, chunksize=2))
        assert pool.submit(len, "still open").result() == 10
    assert results == list(formulate_many(cases))


def test_a_dying_worker_costs_only_its_case(tmp_path: Path) -> None:
    cases_dir = _mixed_dir(tmp_path, crash=True)
    inputs = list(iptformulate.read_cases(cases_dir))
    results = list(formulate_many(inputs, executor=_CrashingPool, workers=2, chunksize=3))
    assert [r.index for r in results] == list(range(len(inputs)))
    by_id = {r.case_id: r for r in results if r.case_id}
    assert by_id[CRASH_ID].error is not None and by_id[CRASH_ID].error["message"] == DIED
    good = [r for r in results if r.ok]
    assert sorted(r.case_id for r in good) == sorted(NAMES)
    for r in good:
        assert r.formulation == formulate(examples.load(str(r.case_id)))
    failed = [r.error for r in results if r.error and r.case_id != CRASH_ID]
    assert [Path(e["source"]).name for e in failed] == ["03a-malformed.yaml", "05a-invalid.yaml"]
    assert failed[0]["message"].startswith("malformed YAML")
    assert failed[1]["path"] == "people[0].ring"
    assert "Zyxwv" not in json.dumps([r.error for r in results])


def test_to_dataframe_has_one_tidy_row_per_case() -> None:
    pd = pytest.importorskip("pandas")
    bad = _doc("grief_widower", "bad-ring")
    bad["people"][0]["ring"] = 9
    results = list(formulate_many([examples.load("grief_widower"), bad], profile="ipsrt"))
    frame = iptformulate.to_dataframe(results)
    assert isinstance(frame, pd.DataFrame) and len(frame) == 2
    first, second = frame.iloc[0], frame.iloc[1]
    assert first["primary_focus"] == "grief" and bool(first["grief_present"])
    assert first["grief_subtype"] == results[0].formulation.areas["grief"].subtype  # type: ignore[union-attr]
    assert first["profile"] == "ipsrt" and first["rule_pack_hash"]
    assert not second["ok"] and second["case_id"] == "bad-ring"
    assert second["error_path"] == "people[0].ring" and pd.isna(second["grief_score"])
    plain = iptformulate.to_dataframe([r.formulation for r in results if r.formulation])
    assert list(plain["case_id"]) == ["grief_widower"] and bool(plain["ok"].all())


# --- command line ----------------------------------------------------------------------------


def test_batch_cli_formulates_good_cases_and_reports_bad_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cases_dir = _mixed_dir(tmp_path, crash=False)
    out, errors, summary = tmp_path / "r.jsonl", tmp_path / "e.jsonl", tmp_path / "s.csv"
    argv = ["batch", str(cases_dir), "--out", str(out), "--errors", str(errors)]
    assert main([*argv, "--summary", str(summary)]) == 1
    lines = _read_jsonl(out)
    assert [line["case_id"] for line in lines] == [examples.load(n).id for n in NAMES]
    for line in lines:
        f = Formulation.model_validate(line["formulation"])
        assert f == formulate(examples.load(line["case_id"]))
        assert line["source"].endswith(".yaml")
    reported = _read_jsonl(errors)
    assert [Path(e["source"]).name for e in reported] == ["03a-malformed.yaml", "05a-invalid.yaml"]
    assert reported[0]["message"].startswith("malformed YAML")
    assert reported[1]["case_id"] == "bad-ring" and reported[1]["path"] == "people[0].ring"
    with summary.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["case_id"] for r in rows] == [line["case_id"] for line in lines]
    assert list(rows[0]) == SUMMARY_COLUMNS
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cases", "e.jsonl", "r.jsonl", "s.csv"]
    err = capsys.readouterr().err
    assert "8 formulated, 2 failed" in err and "Zyxwv" not in err
    assert "\r" not in err  # stderr is not a terminal here: no progress


def test_batch_cli_exit_0_when_every_case_formulates(tmp_path: Path) -> None:
    jsonl = tmp_path / "cases.jsonl"
    jsonl.write_text("".join(json.dumps(_doc(n)) + "\n" for n in NAMES[:3]), encoding="utf-8")
    out = tmp_path / "r.jsonl"
    assert main(["batch", str(jsonl), "--out", str(out), "--quiet"]) == 0
    assert len(_read_jsonl(out)) == 3


def test_batch_cli_two_workers_write_what_one_writes(tmp_path: Path) -> None:
    cases_dir = _mixed_dir(tmp_path, crash=False)
    outputs = []
    for workers in ("1", "2"):
        out, summary = tmp_path / f"r{workers}.jsonl", tmp_path / f"s{workers}.csv"
        argv = ["batch", str(cases_dir), "--out", str(out), "--summary", str(summary)]
        assert main([*argv, "--workers", workers, "--quiet"]) == 1
        outputs.append((out.read_bytes(), summary.read_bytes()))
    assert outputs[0] == outputs[1]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_only_on_a_terminal_and_never_when_quiet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    jsonl = tmp_path / "cases.jsonl"
    jsonl.write_text(json.dumps(_doc("grief_widower")) + "\n", encoding="utf-8")
    out = str(tmp_path / "r.jsonl")
    for quiet, expected in ((False, True), (True, False)):
        terminal = _Terminal()
        monkeypatch.setattr(sys, "stderr", terminal)
        assert main(["batch", str(jsonl), "--out", out, *(["--quiet"] if quiet else [])]) == 0
        assert ("\r1 cases, 0 failed" in terminal.getvalue()) is expected


@pytest.mark.parametrize("lead", ["=", "+", "-", "@", "\t", "\r"])
def test_csv_cells_that_a_spreadsheet_would_run_are_quoted(lead: str) -> None:
    assert csv_cell(f"{lead}HYPERLINK(1)") == f"'{lead}HYPERLINK(1)"
    assert csv_cell(f"a{lead}b") == f"a{lead}b"


@given(st.text(max_size=20))
def test_csv_cells_never_start_a_formula_and_lose_nothing(text: str) -> None:
    cell = csv_cell(text)
    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert cell in (text, "'" + text)


def test_csv_cell_plain_values() -> None:
    assert [csv_cell(v) for v in (None, True, False, 0.5, 3, "grief")] == [
        "", "true", "false", "0.5", "3", "grief",
    ]  # fmt: skip


def test_summary_escapes_a_source_that_looks_like_a_formula(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("=cmd.yaml").write_text(yaml.safe_dump(_doc("grief_widower")), encoding="utf-8")
    assert main(["batch", "=cmd.yaml", "--out", "r.jsonl", "--summary", "s.csv", "--quiet"]) == 0
    with open("s.csv", encoding="utf-8", newline="") as handle:
        (row,) = list(csv.DictReader(handle))
    assert row["source"] == "'=cmd.yaml"


def test_resume_drops_a_cut_off_line_and_skips_done_ids(tmp_path: Path) -> None:
    jsonl = tmp_path / "cases.jsonl"
    jsonl.write_text("".join(json.dumps(_doc(n)) + "\n" for n in NAMES), encoding="utf-8")
    out = tmp_path / "r.jsonl"
    assert main(["batch", str(jsonl), "--out", str(out), "--quiet"]) == 0
    full = out.read_bytes()
    lines = full.splitlines(keepends=True)
    out.write_bytes(b"".join(lines[:3]) + lines[3][: len(lines[3]) // 2])  # an interrupted write
    assert main(["batch", str(jsonl), "--out", str(out), "--resume", "--quiet"]) == 0
    assert sorted(out.read_bytes().splitlines()) == sorted(full.splitlines())


def test_resume_refuses_a_results_file_it_did_not_write(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r.jsonl"
    out.write_text("not json\n", encoding="utf-8")
    jsonl = tmp_path / "cases.jsonl"
    jsonl.write_text(json.dumps(_doc("grief_widower")) + "\n", encoding="utf-8")
    assert main(["batch", str(jsonl), "--out", str(out), "--resume"]) == 3
    assert "line 1" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8") == "not json\n"


def test_missing_input_and_bad_workers(tmp_path: Path) -> None:
    out = str(tmp_path / "r.jsonl")
    assert main(["batch", str(tmp_path / "nothing"), "--out", out]) == 3
    assert main(["batch", str(tmp_path), "--out", out, "--workers", "0"]) == 2
    assert main(["batch", str(tmp_path), "--out", out, "--profile", "freudian"]) == 2


def test_interrupted_batch_leaves_whole_lines_and_resume_completes(tmp_path: Path) -> None:
    total = 300
    jsonl = tmp_path / "cases.jsonl"
    with jsonl.open("w", encoding="utf-8") as handle:
        for i in range(total):
            handle.write(json.dumps(_doc(NAMES[i % len(NAMES)], f"case-{i:03}")) + "\n")
    out, summary = tmp_path / "r.jsonl", tmp_path / "s.csv"
    argv = [sys.executable, "-m", "iptformulate", "batch", str(jsonl), "--out", str(out)]
    proc = subprocess.Popen([*argv, "--summary", str(summary)], stderr=subprocess.PIPE)
    try:
        while proc.poll() is None and (not out.exists() or out.stat().st_size == 0):
            time.sleep(0.005)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 130, err.decode()
    assert b"--resume" in err
    done = _read_jsonl(out)
    assert 0 < len(done) < total
    assert not summary.exists()  # an interrupted run writes no summary
    rerun = subprocess.run([*argv, "--resume", "--summary", str(summary)], capture_output=True)
    assert rerun.returncode == 0, rerun.stderr.decode()
    ids = [line["case_id"] for line in _read_jsonl(out)]
    assert sorted(ids) == [f"case-{i:03}" for i in range(total)]
    assert ids[: len(done)] == [line["case_id"] for line in done]
    with summary.open(encoding="utf-8", newline="") as handle:
        assert len(list(csv.DictReader(handle))) == total
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_batch_result_is_frozen() -> None:
    result = BatchResult(index=0, ok=False, error={"message": "x"})
    with pytest.raises(ValueError):
        result.ok = True  # type: ignore[misc]


def test_pseudonymize_drops_names_and_keeps_the_formulation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "cases"
    source.mkdir()
    case = examples.load("grief_widower")
    (source / "a.yaml").write_text(yaml.safe_dump(case.model_dump(mode="json")), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert main(["batch", str(source), "--out", str(out), "--pseudonymize", "--quiet"]) == 2
    monkeypatch.setenv("IPTFORMULATE_PSEUDONYM_KEY", "a-secret-of-more-than-16-bytes")
    assert main(["batch", str(source), "--out", str(out), "--pseudonymize", "--quiet"]) == 0
    text = out.read_text(encoding="utf-8")
    for person in case.people:
        assert person.name not in text
    record = json.loads(text)
    assert record["case_id"] != case.id and record["case_id"].startswith("C-")
    assert record["formulation"]["focus"]["primary"] == formulate(case).primary_focus
    # stable: the same key gives the same pseudonym, so --resume recognises the case
    assert main(["batch", str(source), "--out", str(out), "--pseudonymize", "--resume",
                 "--quiet"]) == 0  # fmt: skip
    assert out.read_text(encoding="utf-8") == text


def test_results_from_workers_parse_on_first_use_and_equal_serial_ones() -> None:
    docs = [_doc(name) for name in NAMES]
    serial = list(formulate_many(docs))
    parallel = list(formulate_many(docs, executor=ThreadPoolExecutor(2)))
    pooled = list(formulate_many(docs, workers=2, chunksize=2))
    for s, t, p in zip(serial, parallel, pooled, strict=True):
        assert p._json is not None and p._parsed is None  # nothing parsed yet
        assert p.formulation_json() == s.formulation_json() == s.formulation.model_dump_json()
        assert p._parsed is None  # handing the text on does not parse it either
        assert p == s == t and p.case_id == s.case_id == s.formulation.case_id
        assert p.formulation == s.formulation and p._parsed is not None and p._json is None
        assert p.formulation_json() == s.formulation_json()


def test_batch_result_takes_and_dumps_its_formulation_like_a_field() -> None:
    f = formulate(examples.load("grief_widower"))
    result = BatchResult(index=3, case_id=f.case_id, ok=True, formulation=f)
    assert result.formulation is f and result.formulation_json() == f.model_dump_json()
    dumped = result.model_dump(mode="json")
    assert dumped["formulation"] == f.model_dump(mode="json")
    again = BatchResult.model_validate(dumped)
    assert again == result and again.formulation == f
    assert BatchResult.model_validate_json(result.model_dump_json()) == result
    assert BatchResult(index=0, ok=False, error={"message": "x"}).formulation_json() is None
    with pytest.raises(ValueError):
        BatchResult(index=0, ok=True, formulation={"not": "a formulation"})
    assert result != BatchResult(index=3, case_id=f.case_id, ok=True)
