"""Threads, and a machine where durable-rules will not import, give the same results."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from iptformulate import examples, formulate

PROFILES = ["classic", "stuart", "who-group", "ipsrt", "ipt-a"]
JOBS = [(name, profile) for name in examples.names() for profile in PROFILES]


def _json(job: tuple[str, str]) -> str:
    name, profile = job
    return formulate(examples.load(name), profile=profile).model_dump_json()


def test_eight_threads_match_the_sequential_run() -> None:
    expected = [_json(job) for job in JOBS]
    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(_json, JOBS * 4))
    assert got == expected * 4


FALLBACK = textwrap.dedent(
    """
    import json, warnings
    warnings.simplefilter("always")
    with warnings.catch_warnings(record=True) as caught:
        from iptformulate import examples, formulate
        from iptformulate.engine import EngineFallbackWarning, durable_engine
        out = {
            f"{name}/{profile}": formulate(examples.load(name), profile=profile).model_dump_json()
            for name in examples.names()
            for profile in PROFILES
        }
    print(json.dumps({
        "available": durable_engine.available(),
        "warnings": [str(w.message) for w in caught if w.category is EngineFallbackWarning],
        "out": out,
    }))
    """
)


def test_without_durable_rules_the_reference_engine_gives_identical_results(
    tmp_path: Path,
) -> None:
    broken = tmp_path / "durable"
    broken.mkdir()
    (broken / "__init__.py").write_text("raise ImportError('durable-rules is broken here')\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), *sys.path])}
    run = subprocess.run(
        [sys.executable, "-c", f"PROFILES = {PROFILES!r}\n{FALLBACK}"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    report = json.loads(run.stdout)
    assert report["available"] is False
    assert len(report["warnings"]) == 1 and "durable-rules is broken here" in report["warnings"][0]
    got = {key: _without_engine(text, "reference") for key, text in report["out"].items()}
    expected = {f"{n}/{p}": _without_engine(_json((n, p)), None) for n, p in JOBS}
    assert got == expected


def _without_engine(text: str, engine: str | None) -> dict[str, object]:
    """The formulation minus what names the engine: provenance, and the fallback's own warning."""
    data = json.loads(text)
    name = data["provenance"].pop("engine")
    notes = [w for w in data["warnings"] if w["kind"] == "engine"]
    assert engine is None or (name == engine and len(notes) == 1)
    data["warnings"] = [w for w in data["warnings"] if w["kind"] != "engine"]
    return data  # type: ignore[no-any-return]
