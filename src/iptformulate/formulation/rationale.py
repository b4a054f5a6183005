"""Rendering rule rationales and evidence with the names of the case's people and events.

Templates hold `{alias}`, `{alias.field}` and `{alias.field|filter}` slots only; they are filled by
plain substitution, never evaluated.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..facts import UNKNOWN_OFFSET, Fact
from ..model.case import Case

_SLOT = re.compile(r"\{([^{}]*)\}")


def words(value: Any) -> str:
    """A vocabulary value in words: `job_loss` -> `job loss`."""
    return str(value).replace("_", " ")


def months_text(offset: Any) -> str:
    """A signed offset from onset in words."""
    if not isinstance(offset, int) or offset == UNKNOWN_OFFSET:
        return "at an unknown time"
    if offset == 0:
        return "around the onset"
    unit = "month" if abs(offset) == 1 else "months"
    side = "before" if offset < 0 else "after"
    return f"{abs(offset)} {unit} {side} the onset"


class Names:
    """Display names of the facts of one case (people, events, and the summary facts)."""

    def __init__(self, case: Case, area_labels: Mapping[str, str]) -> None:
        self._people = {p.id: p.name for p in case.people}
        self._events = {e.id: (e.description or words(e.type)) for e in case.events}
        self._labels = area_labels

    def person(self, ref: str) -> str:
        return self._people.get(ref, ref)

    def event(self, ref: str) -> str:
        return self._events.get(ref, ref)

    def display(self, fact: Fact) -> str:
        kind = fact["kind"]
        if kind == "person":
            return self.person(str(fact["ref"]))
        if kind == "event":
            return self.event(str(fact["ref"]))
        if kind == "involvement":
            return f"{self.event(str(fact['event_ref']))} ({self.person(str(fact['person_ref']))})"
        if kind == "client":
            return "the client"
        if kind == "summary":
            return "the client's network"
        if kind == "candidate":
            label = self._labels.get(str(fact["area"]), words(fact["area"]))
            return f"a finding for {label} ({fact.get('rule', '?')})"
        return str(fact.get("id", kind))

    def ref(self, fact: Fact) -> str:
        """The case id an evidence fact stands for (person or event id, else the fact id)."""
        if fact["kind"] in ("person", "event"):
            return str(fact["ref"])
        if fact["kind"] == "involvement":
            return str(fact["event_ref"])
        return str(fact["id"])


def render(template: str, bound: Mapping[str, Fact], names: Names) -> str:
    """Fill a rationale template from the facts a rule fired on."""

    def slot(match: re.Match[str]) -> str:
        body, _, filt = match.group(1).partition("|")
        alias, _, field = body.partition(".")
        fact = bound.get(alias)
        if fact is None:
            return match.group(0)
        if not field:
            return names.display(fact)
        value = fact.get(field, "")
        if filt == "months":
            return months_text(value)
        if filt == "name":
            return names.display(fact)
        return words(value)

    text = _SLOT.sub(slot, template)
    return text[:1].upper() + text[1:]
