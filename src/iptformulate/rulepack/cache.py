"""A disk cache of parsed rule files, so the command line does not re-parse ~80 YAML files at
every start (PyYAML builds objects in Python even with libyaml: about 60 ms per start).

Entries are keyed by a hash of the file's text, the limits it was checked against and the
package version, and stored as JSON: reading one back runs no code, and a stale entry can never
be hit because any edit changes the key. Only documents that survive a JSON round trip exactly
are stored. The cache holds rule files only, never case data. Set `IPTFORMULATE_CACHE` to a
folder to move it, or to `off` to disable it; a folder that cannot be written is skipped.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .._version import __version__

ENV_VAR = "IPTFORMULATE_CACHE"
FORMAT = "rule-document-v1"
_OFF = ("", "0", "off", "false", "no")


def cache_dir() -> Path | None:
    """Where entries live, or None when the cache is switched off."""
    env = os.environ.get(ENV_VAR)
    if env is not None:
        return None if env.strip().lower() in _OFF else Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "iptformulate"


def parsed(text: str, salt: str, parse: Callable[[str], Any]) -> Any:
    """`parse(text)`, or the stored result of an earlier identical call."""
    folder = cache_dir()
    if folder is None:
        return parse(text)
    key = hashlib.sha256(f"{FORMAT}\0{__version__}\0{salt}\0{text}".encode()).hexdigest()
    path = folder / key[:2] / f"{key}.json"
    try:
        with path.open("rb") as handle:
            entry = json.load(handle)
        if isinstance(entry, dict) and entry.get("key") == key and "doc" in entry:
            return entry["doc"]
    except (OSError, ValueError):
        pass  # absent, unreadable or corrupt: parse again and overwrite
    doc = parse(text)
    try:
        encoded = json.dumps({"key": key, "doc": doc}, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):  # a date, NaN or other non-JSON value: keep it uncached
        return doc
    if _same(json.loads(encoded)["doc"], doc):
        _write(path, encoded)
    return doc


def _same(a: Any, b: Any) -> bool:
    """Equal with exact types (JSON would turn an int key into a string, a date into text)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _write(path: Path, encoded: str) -> None:
    """Atomically, so a concurrent reader sees the whole entry or none of it."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(encoded)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except (OSError, ValueError):
        pass  # a read-only or full disk only costs speed
