"""The parsed-rule cache: hits give the same pack, and a missing, stale, corrupt or unwritable
entry only costs a re-parse."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from iptformulate.rulepack import cache, load_pack

from .conftest import RULES


def entries(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.json"))


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    where = tmp_path / "cache"
    monkeypatch.setenv(cache.ENV_VAR, str(where))
    return where


def counting(calls: list[str]) -> Any:
    def parse(text: str) -> Any:
        calls.append(text)
        return {"text": text, "n": [1, 2.5, True, None]}

    return parse


def test_second_parse_of_the_same_text_is_a_hit(folder: Path) -> None:
    calls: list[str] = []
    first = cache.parsed("a: 1", "salt", counting(calls))
    second = cache.parsed("a: 1", "salt", counting(calls))
    assert first == second and calls == ["a: 1"]
    assert len(entries(folder)) == 1


def test_other_text_or_salt_is_a_miss(folder: Path) -> None:
    calls: list[str] = []
    cache.parsed("a: 1", "salt", counting(calls))
    cache.parsed("a: 2", "salt", counting(calls))
    cache.parsed("a: 1", "other limits", counting(calls))
    assert len(calls) == 3 and len(entries(folder)) == 3


def test_a_corrupt_entry_is_parsed_again_and_replaced(folder: Path) -> None:
    calls: list[str] = []
    cache.parsed("a: 1", "s", counting(calls))
    (entry,) = entries(folder)
    entry.write_text('{"key": "x", "doc": {"tampered": 1}}', encoding="utf-8")
    assert cache.parsed("a: 1", "s", counting(calls))["text"] == "a: 1"
    entry.write_text("{not json", encoding="utf-8")
    assert cache.parsed("a: 1", "s", counting(calls))["text"] == "a: 1"
    assert len(calls) == 3
    assert json.loads(entry.read_text(encoding="utf-8"))["doc"]["text"] == "a: 1"


def test_documents_json_cannot_hold_exactly_are_not_stored(folder: Path) -> None:
    calls: list[str] = []
    for doc in ({1: "int key"}, {"t": (1, 2)}, {"x": float("nan")}):
        assert cache.parsed(repr(doc), "s", lambda _t, d=doc: calls.append("p") or d) is doc
    assert entries(folder) == [] and len(calls) == 3


@pytest.mark.parametrize("value", ["off", "0", ""])
def test_switched_off_writes_nothing(
    value: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(cache.ENV_VAR, value)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    calls: list[str] = []
    cache.parsed("a: 1", "s", counting(calls))
    cache.parsed("a: 1", "s", counting(calls))
    assert len(calls) == 2 and entries(tmp_path) == []


def test_default_folder_follows_xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(cache.ENV_VAR, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache.cache_dir() == tmp_path / "iptformulate"


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write to a read-only folder")
def test_unwritable_folder_only_costs_speed(folder: Path) -> None:
    folder.mkdir()
    folder.chmod(0o500)
    try:
        calls: list[str] = []
        assert cache.parsed("a: 1", "s", counting(calls))["text"] == "a: 1"
        assert cache.parsed("a: 1", "s", counting(calls))["text"] == "a: 1"
        assert len(calls) == 2
    finally:
        folder.chmod(0o700)


def test_a_file_in_place_of_the_folder_only_costs_speed(folder: Path) -> None:
    folder.write_text("not a folder", encoding="utf-8")
    calls: list[str] = []
    assert cache.parsed("a: 1", "s", counting(calls))["text"] == "a: 1"
    assert cache.parsed("a: 1", "s", counting(calls))["text"] == "a: 1"
    assert len(calls) == 2


def test_cached_pack_equals_a_freshly_parsed_one(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cold = load_pack(RULES)
    assert entries(folder)  # the rule files were stored
    warm = load_pack(RULES)
    monkeypatch.setenv(cache.ENV_VAR, "off")
    fresh = load_pack(RULES)
    for pack in (warm, fresh):
        assert pack.content_hash == cold.content_hash
        assert pack.rules == cold.rules and dict(pack.profiles) == dict(cold.profiles)
        assert pack.extras == cold.extras


def test_an_edited_rule_is_never_served_stale(folder: Path, tmp_path: Path) -> None:
    root = tmp_path / "rules"
    shutil.copytree(RULES, root)
    before = load_pack(root)
    target = next((root / "grief").glob("GR*-*.yaml"))
    code = target.name.split("-")[0]
    text = target.read_text(encoding="utf-8")
    edited = text.replace("title:", "title: Edited -", 1)
    assert edited != text
    target.write_text(edited, encoding="utf-8")
    after = load_pack(root)
    assert after.rule(code).title.startswith("Edited -")
    assert before.rule(code).title != after.rule(code).title


def test_a_planted_entry_cannot_change_a_rule(folder: Path, tmp_path: Path) -> None:
    """Issue 16, item 10: someone who can write the cache folder but not read its secret
    plants an entry for a rule file's exact text, with another weight."""
    root = tmp_path / "rules"
    shutil.copytree(RULES, root)
    fresh = load_pack(root)
    target = root / "grief" / Path(fresh.files["GR001"]).name
    text = target.read_text(encoding="utf-8")
    planted = dict(json.loads(json.dumps(fresh.rule("GR001").model_dump(by_alias=True))))
    planted["weight"] = 0.01
    from iptformulate._version import __version__
    from iptformulate.limits import DEFAULT_LIMITS

    key = hashlib.sha256(
        f"{cache.FORMAT}\0{__version__}\0{DEFAULT_LIMITS!r}\0{text}".encode()
    ).hexdigest()
    entry = folder / key[:2] / f"{key}.json"
    assert entry.exists()  # the key is the one the cache uses
    for mac in (None, "0" * 64):
        record: dict[str, Any] = {"key": key, "doc": planted}
        if mac is not None:
            record["mac"] = mac
        entry.write_text(json.dumps(record), encoding="utf-8")
        reloaded = load_pack(root)
        assert reloaded.rule("GR001").weight == fresh.rule("GR001").weight != 0.01


def test_a_secret_others_can_read_switches_the_cache_off(folder: Path) -> None:
    calls: list[str] = []
    cache.parsed("a: 1", "s", counting(calls))
    (folder / cache.SECRET).chmod(0o644)
    cache.parsed("a: 1", "s", counting(calls))
    cache.parsed("a: 1", "s", counting(calls))
    assert len(calls) == 3
