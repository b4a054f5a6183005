"""Issue 16, item 2: case, rule, gold and key inputs must be regular files read with a size
cap; a pipe, a device or a link to nothing is refused at once with exit 3, never waited on,
read forever or counted as "0 formulated"."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import REPO, RULES

WIDOWER = REPO / "src" / "iptformulate" / "examples" / "grief_widower.yaml"

TIMEOUT = 60  # only to keep a regression from hanging the suite


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "iptformulate", *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        stdin=subprocess.DEVNULL,
        check=False,
    )


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "case.yaml"
    os.mkfifo(path)
    return path


@pytest.fixture
def zero(tmp_path: Path) -> Path:
    path = tmp_path / "zero.yaml"
    path.symlink_to("/dev/zero")
    return path


@pytest.fixture
def dangling(tmp_path: Path) -> Path:
    path = tmp_path / "gone.yaml"
    path.symlink_to(tmp_path / "nothing-here.yaml")
    return path


def _refused(result: subprocess.CompletedProcess[str], what: str = "regular file") -> None:
    assert result.returncode == 3, result.stderr
    assert what in result.stderr
    assert "Traceback" not in result.stderr


def test_formulate_refuses_a_pipe_and_a_device(fifo: Path, zero: Path) -> None:
    _refused(_cli("formulate", str(fifo)))
    _refused(_cli("formulate", str(zero)))


def test_batch_refuses_a_pipe_a_device_and_a_link_to_nothing(
    tmp_path: Path, fifo: Path, zero: Path, dangling: Path
) -> None:
    out = tmp_path / "out.jsonl"
    for bad in (fifo, zero):
        _refused(_cli("batch", str(bad), "--out", str(out)))
    _refused(_cli("batch", str(dangling), "--out", str(out)), "link to nothing")


def test_special_files_in_a_folder_are_reported_and_the_rest_run(tmp_path: Path) -> None:
    cases = tmp_path / "cases"
    cases.mkdir()
    shutil.copy(WIDOWER, cases / "a.yaml")
    os.mkfifo(cases / "b.yaml")
    (cases / "c.yaml").symlink_to("/dev/zero")
    out, errors = tmp_path / "out.jsonl", tmp_path / "errors.jsonl"
    result = _cli("batch", str(cases), "--out", str(out), "--errors", str(errors))
    assert result.returncode == 1, result.stderr
    assert len(out.read_text().splitlines()) == 1
    lines = errors.read_text().splitlines()
    assert len(lines) == 2 and all("regular file" in line for line in lines)


def test_rules_check_refuses_a_pipe_as_a_rule_file(tmp_path: Path) -> None:
    root = tmp_path / "rules"
    shutil.copytree(RULES, root)
    os.mkfifo(root / "grief" / "GR999-pipe.yaml")
    _refused(_cli("rules", "check", str(root)))


def test_evaluate_refuses_a_pipe_as_gold(tmp_path: Path, fifo: Path) -> None:
    gold = tmp_path / "gold.csv"
    os.mkfifo(gold)
    _refused(_cli("evaluate", str(WIDOWER), "--gold", str(gold)))
