"""JSON rendering: the formulation as deterministic JSON.

Sorted keys and a fixed indent make two runs on the same case byte-identical, so outputs can be
diffed and stored as golden files; `Formulation.model_validate_json` reads it back.
"""

from __future__ import annotations

import json

from ..formulation.model import Formulation

__all__ = ["render"]


def render(f: Formulation) -> str:
    """The formulation as indented JSON with sorted keys (non-ASCII kept as is)."""
    return json.dumps(f.model_dump(mode="json"), indent=2, sort_keys=True, ensure_ascii=False)
