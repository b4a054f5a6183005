"""A what-if widget for notebooks (extra `widget`, ipywidgets): change one person's conflict,
support or closeness ring, or move an event in time, and watch the scores, the focus and the
rules that flipped update against the case as recorded.

>>> from iptformulate.whatif import WhatIf
>>> WhatIf(iptformulate.examples.load("grief_widower"))  # doctest: +SKIP

The widget only edits a copy of the case in memory; the case itself is never changed.
"""

from __future__ import annotations

import html
from typing import Any

from .comparison import Comparison, compare
from .formulation.model import Formulation
from .model.case import Case
from .pipeline import RulesArg, formulate

__all__ = ["WhatIf"]

UNSET = "(not recorded)"
LEVELS = (UNSET, "none", "low", "moderate", "high")
CONFLICTS = (*LEVELS, "present")  # present: a conflict described, its degree not
RINGS: tuple[tuple[str, int | None], ...] = (
    ("not placed", None),
    ("1 (closest)", 1),
    ("2", 2),
    ("3", 3),
    ("4", 4),
)


class WhatIf:
    """The widget and its state. `controls` are plain ipywidgets; setting their `value` (as a
    user or a test does) re-formulates at once; `comparison` and `after` hold the result."""

    def __init__(self, case: Case, *, profile: str = "classic", rules: RulesArg = None) -> None:
        try:
            import ipywidgets as w
        except ImportError as exc:
            raise ImportError(
                "the what-if widget needs ipywidgets, an optional extra: "
                "pip install 'iptformulate[widget]'"
            ) from exc
        self.case = case
        self.profile = profile
        self.rules = rules
        self.before: Formulation = formulate(case, profile=profile, rules=rules)
        self.after: Formulation = self.before
        self.comparison: Comparison = compare(self.before, self.before)
        self._people: dict[str, dict[str, Any]] = {}  # person id -> edited fields
        self._events: dict[str, int] = {}  # event id -> months from onset
        self._loading = False

        people = [(p.name, p.id) for p in case.people]
        self.person = w.Dropdown(options=people, description="Person")
        self.conflict = w.ToggleButtons(options=CONFLICTS, description="Conflict")
        self.support = w.ToggleButtons(options=LEVELS, description="Support")
        self.ring = w.Dropdown(options=RINGS, description="Ring")
        dated = [(e.description or str(e.type), e.id) for e in case.events]
        self.event = w.Dropdown(options=dated, description="Event")
        self.months = w.IntSlider(min=-60, max=12, description="Months", continuous_update=False)
        self.reset = w.Button(description="Back to the case as recorded")
        self.result = w.HTML()
        for control in (self.conflict, self.support, self.ring, self.months):
            control.observe(self._changed, names="value")
        self.person.observe(lambda _: self._load(), names="value")
        self.event.observe(lambda _: self._load(), names="value")
        self.reset.on_click(lambda _: self.restore())
        rows: list[Any] = []
        if people:
            rows += [self.person, self.conflict, self.support, self.ring]
        if dated:
            rows += [self.event, self.months]
        self.controls = w.VBox([*rows, self.reset])
        self.widget = w.HBox([self.controls, self.result])
        self._load()
        self._render()

    # --- state --------------------------------------------------------------------------

    def edited_case(self) -> Case:
        """The case with the edits made so far (a new, validated copy)."""
        data = self.case.model_dump(mode="python")
        for person in data["people"]:
            person.update(self._people.get(person["id"], {}))
        for event in data["events"]:
            if event["id"] in self._events:
                event["months_from_onset"] = self._events[event["id"]]
                event["date"] = None
        return Case.model_validate(data)

    def restore(self) -> None:
        """Drop every edit."""
        self._people.clear()
        self._events.clear()
        self._load()
        self._update()

    def _load(self) -> None:
        """Show the selected person's and event's current values in the controls."""
        self._loading = True
        try:
            edited = self.edited_case()
            person = next((p for p in edited.people if p.id == self.person.value), None)
            if person is not None:
                self.conflict.value = str(person.conflict) if person.conflict else UNSET
                self.support.value = str(person.support) if person.support else UNSET
                self.ring.value = person.ring
            offset = edited.offset(self.event.value) if self.event.value else None
            if offset is not None:
                self.months.min = min(self.months.min, offset)
                self.months.max = max(self.months.max, offset)
                self.months.value = offset
        finally:
            self._loading = False

    def _changed(self, change: dict[str, Any]) -> None:
        if self._loading:
            return
        owner = change["owner"]
        if owner is self.months:
            if self.event.value:
                self._events[self.event.value] = int(self.months.value)
        elif self.person.value:
            edits = self._people.setdefault(self.person.value, {})
            for field, control in (("conflict", self.conflict), ("support", self.support)):
                edits[field] = None if control.value == UNSET else control.value
            edits["ring"] = self.ring.value
        self._update()

    def _update(self) -> None:
        self.after = formulate(self.edited_case(), profile=self.profile, rules=self.rules)
        self.comparison = compare(self.before, self.after)
        self._render()

    # --- view ---------------------------------------------------------------------------

    def _render(self) -> None:
        f, esc = self.after, html.escape
        rows = []
        for area, result in f.areas.items():
            old = self.before.areas[area].score
            mark = " ★" if area == f.primary_focus else " ☆" if area == f.secondary_focus else ""
            delta = result.score - old
            change = f" ({delta:+.2f})" if abs(delta) >= 0.005 else ""
            weight = "bold" if result.present else "normal"
            rows.append(
                f'<tr style="font-weight:{weight}"><td>{esc(result.label)}{mark}</td>'
                f'<td style="text-align:right">{result.score:.2f}{change}</td>'
                f"<td>{'present' if result.present else ''}</td></tr>"
            )
        self.result.value = (
            '<div style="color:#1d2330;background:#ffffff;padding:6px">'
            '<table style="border-collapse:collapse">'
            "<thead><tr><th>area</th><th>score</th><th></th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>"
            f"{self.comparison._repr_html_()}</div>"
        )

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        """Shown in Jupyter as the widget itself."""
        return self.widget._repr_mimebundle_(**kwargs)
