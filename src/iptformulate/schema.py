"""The case format as JSON Schema, for intake forms, editors and other tools.

The schema is generated from the pydantic model, so it always matches what `parse_case`
accepts field by field. Cross-field rules (references, unique ids, the timeline) are not
expressible in JSON Schema and are listed in docs/case-format.md.
"""

from __future__ import annotations

from typing import Any

from ._version import __version__
from .model.case import Case

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_ID = "urn:iptformulate:schema:case"


def case_json_schema() -> dict[str, Any]:
    """The JSON Schema of one case file (a fresh dict on every call)."""
    body = Case.model_json_schema(mode="validation")
    schema: dict[str, Any] = {
        "$schema": SCHEMA_DIALECT,
        "$id": SCHEMA_ID,
        "title": "iptformulate case: an interpersonal inventory",
        "$comment": (
            f"Generated from iptformulate {__version__}. Cross-field rules (person references, "
            "unique ids, dates against onset and intake) are checked by iptformulate only; "
            "see docs/case-format.md."
        ),
    }
    for key, value in body.items():
        if key != "title":
            schema[key] = value
    return schema


__all__ = ["SCHEMA_DIALECT", "SCHEMA_ID", "case_json_schema"]
