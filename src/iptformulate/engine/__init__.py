"""Rule engines: durable-rules where it imports, the reference evaluator everywhere."""

from __future__ import annotations

import os
import warnings
from functools import lru_cache
from typing import Literal

from ..rulepack.compile import CompiledPack
from . import durable_engine
from .base import Engine, Finding
from .durable_engine import DurableEngine
from .reference import MemoisedEngine, ReferenceEngine

EngineName = Literal["auto", "durable", "reference"]
_warned = False


class EngineFallbackWarning(RuntimeWarning):
    """durable-rules is unavailable; the reference evaluator runs the same rules instead."""


def make_engine(pack: CompiledPack, engine: EngineName = "auto") -> Engine:
    """A fresh engine for a compiled pack (prefer `get_engine`, which caches)."""
    global _warned
    if engine == "reference":
        return MemoisedEngine(pack)
    if durable_engine.available():
        return DurableEngine(pack)
    if engine == "durable":
        raise RuntimeError(f"durable-rules is not importable ({durable_engine.IMPORT_ERROR})")
    if not _warned:
        _warned = True
        warnings.warn(
            "durable-rules cannot be imported here "
            f"({durable_engine.IMPORT_ERROR}); the reference evaluator runs the same rules "
            "with identical results",
            EngineFallbackWarning,
            stacklevel=2,
        )
    return MemoisedEngine(pack)


@lru_cache(maxsize=32)
def get_engine(pack: CompiledPack, engine: EngineName = "auto") -> Engine:
    """One engine per compiled pack and process (building a durable ruleset is costly; an
    evicted engine frees its ruleset). A forked child starts with none: it never uses an
    engine, or a lock, of its parent's, which another thread may have held at the fork."""
    return make_engine(pack, engine)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=get_engine.cache_clear)


__all__ = [
    "DurableEngine",
    "Engine",
    "EngineFallbackWarning",
    "Finding",
    "MemoisedEngine",
    "ReferenceEngine",
    "get_engine",
    "make_engine",
]
