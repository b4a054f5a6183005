"""Command-line details users trip over: a closed pipe, a complete HTML page, writing the
bundled examples out, and `batch --profile auto` on a mixed set of cases."""

from __future__ import annotations

import json
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

import iptformulate
from iptformulate import examples
from iptformulate.cli import EXIT_PIPE, main
from iptformulate.pipeline import auto_profile


def test_a_closed_pipe_ends_quietly() -> None:
    # The reader is gone before the command writes: every write meets EPIPE at once.
    with subprocess.Popen(
        [sys.executable, "-m", "iptformulate", "schema", "formulation"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.close()
        err = proc.stderr.read().decode("utf-8")
        assert proc.wait(timeout=60) == EXIT_PIPE
    assert (
        "Traceback" not in err and "BrokenPipeError" not in err and "Exception ignored" not in err
    )


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.opened: list[str] = []
        self.meta: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.opened.append(tag)
        if tag == "meta":
            self.meta.append(dict(attrs))


def test_format_html_writes_a_complete_utf8_page(
    capsysbinary: pytest.CaptureFixture[bytes],
) -> None:
    assert main(["formulate", "--example", "grief_widower", "--format", "html"]) == 0
    raw = capsysbinary.readouterr().out
    page = raw.decode("utf-8")  # strict: fails on anything but UTF-8
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    tags = _Tags()
    tags.feed(page)
    assert tags.opened[:4] == ["html", "head", "meta", "meta"]
    assert {"charset": "utf-8"} in tags.meta and "title" in tags.opened and "body" in tags.opened
    assert "★" in page  # non-ASCII text arrives as UTF-8
    f = iptformulate.formulate(examples.load("grief_widower"))
    assert not f._repr_html_().startswith("<!DOCTYPE")  # notebooks keep the fragment
    assert f._repr_html_() in page


def test_examples_export_writes_loadable_files(tmp_path: Path) -> None:
    out = tmp_path / "starter"
    assert main(["examples", "export", str(out)]) == 0
    written = sorted(p.stem for p in out.glob("*.yaml"))
    assert written == examples.names()
    for name in written:
        text = (out / f"{name}.yaml").read_text(encoding="utf-8")
        assert text.startswith("#")  # the teaching comments come along
        assert iptformulate.load_case(out / f"{name}.yaml") == examples.load(name)
    assert main(["examples", "export", str(out)]) == 1  # never overwrites unasked
    assert main(["examples", "export", str(out), "--force"]) == 0
    assert main(["examples", "export"]) == 2


def test_batch_profile_auto_picks_per_case(tmp_path: Path) -> None:
    cases = tmp_path / "cases"
    assert main(["examples", "export", str(cases)]) == 0
    out = tmp_path / "results.jsonl"
    assert main(["batch", str(cases), "--out", str(out), "--profile", "auto", "--quiet"]) == 0
    profiles = {
        (r := json.loads(line))["case_id"]: r["formulation"]["provenance"]["profile"]
        for line in out.read_text(encoding="utf-8").splitlines()
    }
    expected = {name: auto_profile(examples.load(name)) for name in examples.names()}
    assert profiles == {examples.load(n).id: p for n, p in expected.items()}
    assert {"ipsrt", "ipt-a", "classic"} <= set(profiles.values())


def test_formulate_many_profile_auto_in_worker_processes() -> None:
    names = ["adolescent_divorce", "bipolar_healthy_self", "grief_widower"]
    results = list(
        iptformulate.formulate_many(
            [examples.load(n) for n in names], workers=2, profile="auto", chunksize=1
        )
    )
    assert [r.formulation.provenance.profile for r in results if r.formulation] == [
        "ipt-a",
        "ipsrt",
        "classic",
    ]
