"""Which inventory entries the primary focus rests on, read from the formulation's findings."""

from __future__ import annotations

from ..formulation.model import Formulation

_REF_KINDS = {"person", "event", "involvement"}


def focus_refs(formulation: Formulation | None) -> set[str]:
    """Person and event ids cited as evidence *for* the primary focus (empty without one)."""
    if formulation is None or formulation.primary_focus is None:
        return set()
    area = formulation.areas.get(formulation.primary_focus)
    if area is None:
        return set()
    return {
        ev.ref for finding in area.findings_for for ev in finding.evidence if ev.kind in _REF_KINDS
    }
