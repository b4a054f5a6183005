"""A disk cache of parsed rule files, so the command line does not re-parse ~80 YAML files at
every start (PyYAML builds objects in Python even with libyaml: about 60 ms per start).

Entries are keyed by a hash of the file's text, the limits it was checked against and the
package version, and stored as JSON: reading one back runs no code, and a stale entry can never
be hit because any edit changes the key. Only documents that survive a JSON round trip exactly
are stored. The cache holds rule files only, never case data. Set `IPTFORMULATE_CACHE` to a
folder to move it, or to `off` to disable it; a folder that cannot be written is skipped.

Entries are verified: each carries an HMAC of its key and document under a secret of 32 random
bytes kept in the folder (`.secret`, mode 0600, owned by the user). An entry planted by anyone
who cannot read that secret fails the check and is parsed again, so it cannot change a rule;
a secret file that is not the user's own, or that others can read, switches the cache off.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .._version import __version__

ENV_VAR = "IPTFORMULATE_CACHE"
FORMAT = "rule-document-v2"
SECRET = ".secret"
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
    secret = _secret(folder)
    if secret is None:
        return parse(text)
    key = hashlib.sha256(f"{FORMAT}\0{__version__}\0{salt}\0{text}".encode()).hexdigest()
    path = folder / key[:2] / f"{key}.json"
    try:
        with path.open("rb") as handle:
            entry = json.load(handle)
        if (
            isinstance(entry, dict)
            and entry.get("key") == key
            and "doc" in entry
            and isinstance(entry.get("mac"), str)
            and hmac.compare_digest(entry["mac"], _mac(secret, key, entry["doc"]))
        ):
            return entry["doc"]
    except (OSError, ValueError, TypeError):
        pass  # absent, unreadable, corrupt or forged: parse again and overwrite
    doc = parse(text)
    try:
        mac = _mac(secret, key, doc)
        encoded = json.dumps(
            {"key": key, "doc": doc, "mac": mac}, ensure_ascii=False, allow_nan=False
        )
    except (TypeError, ValueError):  # a date, NaN or other non-JSON value: keep it uncached
        return doc
    if _same(json.loads(encoded)["doc"], doc):
        _write(path, encoded)
    return doc


def _mac(secret: bytes, key: str, doc: Any) -> str:
    body = json.dumps(doc, ensure_ascii=False, allow_nan=False, sort_keys=True)
    return hmac.new(secret, f"{key}\0{body}".encode(), hashlib.sha256).hexdigest()


def _secret(folder: Path) -> bytes | None:
    """The folder's secret, made on first use; None (no cache) when it cannot be trusted."""
    path = folder / SECRET
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        _make_secret(folder, path)
        try:
            fd = os.open(path, flags)
        except OSError:
            return None
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        mine = not hasattr(os, "getuid") or info.st_uid == os.getuid()
        if not stat.S_ISREG(info.st_mode) or not mine or info.st_mode & 0o077:
            return None
        secret = os.read(fd, 64)
    except OSError:
        return None
    finally:
        os.close(fd)
    return secret if len(secret) >= 32 else None


def _make_secret(folder: Path, path: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        fd = os.open(path, flags, 0o600)
    except OSError:  # unwritable, or another process made it first
        return
    try:
        os.write(fd, secrets.token_bytes(32))
    finally:
        os.close(fd)


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
