"""Comparing two formulations of the same case: the "what if" of teaching.

Change one fact in a case (a date, a ring, a conflict level), formulate again, and `compare`
says which rules stopped or started firing, how each area's score moved and whether the focus
changed, so a trainee can see exactly which piece of the inventory carried the decision.
"""

from __future__ import annotations

import html
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .formulation.model import AreaResult, FindingOut, Formulation

__all__ = ["AreaChange", "Comparison", "RuleChange", "compare"]

FindingList = Literal["for", "against", "subtype"]
_EPS = 1e-9


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RuleChange(_Frozen):
    """One rule firing present in only one of the two formulations."""

    change: Literal["appeared", "disappeared"]
    area: str
    section: FindingList = Field(description="The area's list that held it: for/against/subtype.")
    code: str
    title: str
    evidence: tuple[str, ...] = Field(description="`role=ref` of the entries it fired on.")
    display: tuple[str, ...] = Field(default=(), description="The entries' names, same order.")

    def line(self) -> str:
        """One line of the summary: `+ GR001 grief/for: lost=p1 (Mary) - Death near onset`."""
        sign = "+" if self.change == "appeared" else "-"
        names = self.display if len(self.display) == len(self.evidence) else ()
        refs = ", ".join(
            f"{ev} ({name})" if name and not ev.endswith(f"={name}") else ev
            for ev, name in zip(self.evidence, names or ("",) * len(self.evidence), strict=True)
        )
        on = f": {refs}" if refs else ""
        return f"{sign} {self.code} {self.area}/{self.section}{on} - {self.title}"


class AreaChange(_Frozen):
    """One area's score, presence and sub-type before and after (None: not in that profile)."""

    area: str
    label: str
    score_before: float | None
    score_after: float | None
    present_before: bool | None
    present_after: bool | None
    subtype_before: str | None
    subtype_after: str | None

    @property
    def delta(self) -> float | None:
        if self.score_before is None or self.score_after is None:
            return None
        return self.score_after - self.score_before

    @property
    def presence_flipped(self) -> bool:
        return self.present_before != self.present_after

    @property
    def subtype_changed(self) -> bool:
        return self.subtype_before != self.subtype_after

    @property
    def changed(self) -> bool:
        delta = self.delta
        moved = delta is None and self.score_before != self.score_after
        return (
            moved
            or (delta is not None and abs(delta) > _EPS)
            or self.presence_flipped
            or self.subtype_changed
        )

    def lines(self) -> list[str]:
        """Summary lines: one for the score/presence, one for a sub-type change."""
        out: list[str] = []
        delta = self.delta
        if self.score_before is None or self.score_after is None:
            side = "after" if self.score_before is None else "before"
            out.append(f"{self.label}: only in the {side} formulation")
        elif abs(delta or 0.0) > _EPS or self.presence_flipped:
            text = f"{self.label}: score {self.score_before:.2f} -> {self.score_after:.2f}"
            text += f" ({delta:+.2f})"
            if self.presence_flipped:
                text += ", now present" if self.present_after else ", no longer present"
            out.append(text)
        if self.subtype_changed:
            before = (self.subtype_before or "none").replace("_", " ")
            after = (self.subtype_after or "none").replace("_", " ")
            out.append(f"{self.label}: sub-type {before} -> {after}")
        return out


class Comparison(_Frozen):
    """What differs between two formulations of one case."""

    case_id: str
    appeared: list[RuleChange] = Field(default_factory=list)
    disappeared: list[RuleChange] = Field(default_factory=list)
    areas: list[AreaChange] = Field(default_factory=list)
    primary_before: str | None
    primary_after: str | None
    secondary_before: str | None
    secondary_after: str | None
    confidence_before: str
    confidence_after: str
    labels: dict[str, str] = Field(default_factory=dict, description="Area id -> label.")

    def _label(self, area: str | None) -> str:
        return "none" if area is None else self.labels.get(area, area)

    @property
    def focus_changed(self) -> bool:
        return self.primary_before != self.primary_after

    @property
    def changed_areas(self) -> list[AreaChange]:
        return [a for a in self.areas if a.changed]

    @property
    def has_changes(self) -> bool:
        return bool(
            self.appeared
            or self.disappeared
            or self.changed_areas
            or self.focus_changed
            or self.secondary_before != self.secondary_after
            or self.confidence_before != self.confidence_after
        )

    def _focus_lines(self) -> list[str]:
        out = []
        if self.focus_changed:
            before, after = self._label(self.primary_before), self._label(self.primary_after)
            out.append(f"primary focus: {before} -> {after}")
        if self.secondary_before != self.secondary_after:
            before, after = self._label(self.secondary_before), self._label(self.secondary_after)
            out.append(f"secondary focus: {before} -> {after}")
        if self.confidence_before != self.confidence_after:
            out.append(f"confidence: {self.confidence_before} -> {self.confidence_after}")
        return out

    def lines(self) -> list[str]:
        """The changes, one per line: focus first, then areas, then rule firings."""
        out = self._focus_lines()
        for area in self.changed_areas:
            out.extend(area.lines())
        out.extend(r.line() for r in self.disappeared)
        out.extend(r.line() for r in self.appeared)
        return out

    def summary(self) -> str:
        """A plain-text rendering, one line per change."""
        lines = self.lines()
        if not lines:
            return f"{self.case_id}: no differences."
        return "\n".join([f"{self.case_id}: {len(lines)} change(s)", *lines])

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        """A small table for Jupyter; all text escaped."""
        rows = [("focus", line) for line in self._focus_lines()]
        rows += [("area", line) for a in self.changed_areas for line in a.lines()]
        rows += [("rule", r.line()) for r in [*self.disappeared, *self.appeared]]
        esc = html.escape
        if not rows:
            body = '<tr><td colspan="2">no differences</td></tr>'
        else:
            body = "".join(f"<tr><td>{esc(k)}</td><td>{esc(v)}</td></tr>" for k, v in rows)
        return (
            '<div style="color:#1d2330;background:#ffffff;padding:8px;border-radius:6px">'
            f"<b>{esc(self.case_id)}</b>: what changed"
            '<table style="border-collapse:collapse;margin-top:4px">'
            f"<thead><tr><th>kind</th><th>change</th></tr></thead><tbody>{body}</tbody>"
            "</table></div>"
        )


_Key = tuple[str, FindingList, str, tuple[str, ...]]


def _firings(f: Formulation) -> dict[_Key, FindingOut]:
    out: dict[_Key, FindingOut] = {}
    for area, result in f.areas.items():
        lists: tuple[tuple[FindingList, list[FindingOut]], ...] = (
            ("for", result.findings_for),
            ("against", result.findings_against),
            ("subtype", result.subtype_findings),
        )
        for name, findings in lists:
            for finding in findings:
                refs = tuple(sorted(f"{e.role}={e.ref}" for e in finding.evidence))
                out.setdefault((area, name, finding.code, refs), finding)
    return out


def _rule_changes(
    keys: list[_Key], found: dict[_Key, FindingOut], change: Literal["appeared", "disappeared"]
) -> list[RuleChange]:
    out = []
    for key in sorted(keys):
        area, name, code, refs = key
        finding = found[key]
        names = {f"{e.role}={e.ref}": e.display for e in finding.evidence}
        out.append(
            RuleChange(
                change=change,
                area=area,
                section=name,
                code=code,
                title=finding.title,
                evidence=refs,
                display=tuple(names.get(r, "") for r in refs),
            )
        )
    return out


def _area_change(area: str, a: AreaResult | None, b: AreaResult | None) -> AreaChange:
    either = b if b is not None else a
    label = either.label if either is not None else area
    return AreaChange(
        area=area,
        label=label,
        score_before=a.score if a else None,
        score_after=b.score if b else None,
        present_before=a.present if a else None,
        present_after=b.present if b else None,
        subtype_before=a.subtype if a else None,
        subtype_after=b.subtype if b else None,
    )


def compare(a: Formulation, b: Formulation) -> Comparison:
    """What changed from formulation `a` (before) to `b` (after) of the same case."""
    if a.case_id != b.case_id:
        raise ValueError(f"cannot compare different cases: {a.case_id!r} and {b.case_id!r}")
    before, after = _firings(a), _firings(b)
    gone = [k for k in before if k not in after]
    new = [k for k in after if k not in before]
    areas_a = {str(k): v for k, v in a.areas.items()}
    areas_b = {str(k): v for k, v in b.areas.items()}
    order = list(dict.fromkeys([*areas_a, *areas_b]))
    return Comparison(
        case_id=a.case_id,
        appeared=_rule_changes(new, after, "appeared"),
        disappeared=_rule_changes(gone, before, "disappeared"),
        areas=[_area_change(k, areas_a.get(k), areas_b.get(k)) for k in order],
        primary_before=a.primary_focus,
        primary_after=b.primary_focus,
        secondary_before=a.secondary_focus,
        secondary_after=b.secondary_focus,
        confidence_before=a.focus.confidence,
        confidence_after=b.focus.confidence,
        labels={k: r.label for k, r in [*areas_a.items(), *areas_b.items()]},
    )
