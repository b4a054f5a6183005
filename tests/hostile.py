"""Hostile but valid inputs from the outside attack (issue 16), kept small enough to build."""

from __future__ import annotations


def conflict_storm_yaml(people: int = 200, events: int = 4100) -> str:
    """Everyone in conflict, and every conflict event near onset listing everyone (one YAML
    alias): about 150 KB with the defaults, and `people * events` involvements."""
    lines = ["id: storm", "people:"]
    for i in range(people):
        lines.append(f"  - {{id: p{i}, name: P{i}, relationship: friend, ring: 1, conflict: high}}")
    ids = ", ".join(f"p{i}" for i in range(people))
    lines.append("events:")
    lines.append(f"  - {{id: e0, type: conflict, months_from_onset: -1, people: &all [{ids}]}}")
    for i in range(1, events):
        lines.append(f"  - {{id: e{i}, type: conflict, months_from_onset: -1, people: *all}}")
    return "\n".join(lines) + "\n"
