"""The labels both sides of an evaluation rate with."""

from __future__ import annotations

NONE = "none"
"""The primary focus when there is none."""
PRESENT, ABSENT = "present", "absent"
"""An area's presence as a nominal label."""
FOCUS = "primary_focus"
"""The judgement on the primary focus (a gold column, a row of the report)."""
