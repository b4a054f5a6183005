"""Plain-text rendering: the terminal and `repr` view of a formulation.

Short on purpose (about 40 lines for a typical case): the focus, the scores, the main reasons
and the plan at a glance. The Markdown and HTML reports carry the full detail. The small helpers
at the top are shared with the other renderers so that every format says the same thing.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Sequence

from ..formulation.model import AreaResult, Formulation, Warning_

__all__ = [
    "DECISION_SUPPORT",
    "area_label",
    "area_result",
    "decision_support",
    "flags",
    "focus_line",
    "ordered_warnings",
    "render",
    "secondary",
    "sources_text",
    "subtype_text",
    "words",
]

#: Used only when a formulation carries no decision-support warning (e.g. a hand-built one):
#: every rendering must say that the clinician decides.
DECISION_SUPPORT = (
    "Decision support, not a diagnosis: the clinician decides, and the patient's agreement is "
    "needed before the middle phase begins."
)

_WIDTH = 88
_BAR = 10
_MAX_REASONS = 3
_MAX_TECHNIQUES = 5
_WARNING_ORDER = {"risk": 0, "override": 1, "engine": 2, "missing_data": 3, "decision_support": 4}


def words(value: str | None) -> str:
    """A vocabulary value in words (`lost_contact` -> `lost contact`); empty for None."""
    return "" if value is None else value.replace("_", " ")


def plan_name(f: Formulation) -> str:
    """The session plan's title, or its format in words when it has none."""
    return f.plan.title or words(f.plan.format)


def plan_summary(f: Formulation) -> str:
    """The session plan in one line: its name, its sessions and their cadence."""
    plan = f.plan
    return f"{plan_name(f)}: {plan.total_sessions} sessions, {plan.cadence}"


def area_result(f: Formulation, area: str | None) -> AreaResult | None:
    """The result for an area given as a plain string (None if the profile lacks it)."""
    for key, result in f.areas.items():
        if key == area:
            return result
    return None


def area_label(f: Formulation, area: str | None) -> str:
    """The profile's label for an area, falling back to the id in words."""
    if area is None:
        return "none"
    result = area_result(f, area)
    return result.label if result is not None else words(area)


def subtype_text(result: AreaResult) -> str:
    """`stage: impasse`-style text for an area's sub-type; empty when it has none."""
    if result.subtype is None:
        return ""
    kind = words(result.subtype_kind) or "sub-type"
    return f"{kind}: {words(result.subtype)}"


def sources_text(result: AreaResult) -> str:
    """Each relationship or event the area's core evidence is about, with its own sub-type,
    the principal one(s) marked; empty when there is only one."""
    if len(result.sources) < 2:
        return ""
    parts = []
    for source in result.sources:
        part = source.display
        if source.subtype is not None:
            part += f", {words(source.subtype)}"
        if source.principal:
            part += " (main)"
        parts.append(part)
    return "; ".join(parts)


def focus_line(f: Formulation, area: str | None) -> str:
    """An area's label with its sub-type in brackets, as used in every focus heading."""
    if area is None:
        return "none"
    result = area_result(f, area)
    label = area_label(f, area)
    if result is not None and result.subtype is not None:
        return f"{label} — {subtype_text(result)}"
    return label


def secondary(f: Formulation) -> str | None:
    """The secondary focus to show: none when an override made it the primary."""
    second = f.secondary_focus
    return None if second == f.primary_focus else second


def flags(f: Formulation) -> list[str]:
    """The caveats on the focus choice, in words."""
    out: list[str] = []
    if f.focus.close_call:
        out.append("close call")
    if f.focus.thin_evidence:
        out.append("thin evidence")
    if f.override is not None:
        out.append("clinician override")
    return out


def ordered_warnings(f: Formulation) -> list[Warning_]:
    """Warnings other than the decision-support notice, risk first (stable otherwise)."""
    rest = [w for w in f.warnings if w.kind != "decision_support"]
    return sorted(rest, key=lambda w: _WARNING_ORDER.get(w.kind, 9))


def join_sentences(items: Sequence[str]) -> str:
    """Items as one line: whole sentences (ending in . ? !) side by side, fragments with '; '."""
    if items and all(item.rstrip().endswith((".", "?", "!")) for item in items):
        return " ".join(item.strip() for item in items)
    return "; ".join(item.strip().rstrip(".;") for item in items)


def unknown_lines(f: Formulation) -> list[str]:
    """One line per unknown the rules would read: where in the case, and what it could change."""
    return [
        f"{u.path}{f' ({u.missing})' if u.missing else ''}: could change "
        f"{', '.join(area_label(f, a) for a in u.areas)} ({', '.join(u.rules)})"
        for u in f.unknowns
    ]


def decision_support(f: Formulation) -> str:
    """The decision-support notice of this formulation, or the library's default wording."""
    for w in f.warnings:
        if w.kind == "decision_support":
            return w.text
    return DECISION_SUPPORT


def _wrap(text: str, first: str, rest: str) -> list[str]:
    return textwrap.wrap(
        " ".join(text.split()), width=_WIDTH, initial_indent=first, subsequent_indent=rest
    ) or [first.rstrip()]


def _bar(score: float) -> str:
    filled = max(0, min(_BAR, round(score * _BAR)))
    return "#" * filled + "." * (_BAR - filled)


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def render(f: Formulation) -> str:
    """A concise terminal view of a formulation (plain text, no colours)."""
    primary = f.primary_focus
    second = secondary(f)
    lines = [f"IPT formulation: {f.case_id}  [profile {f.provenance.profile}]"]
    lines.append(f"Primary focus:   {focus_line(f, primary)}")
    if f.override is not None:
        lines.append(
            f"                 (clinician override, {words(f.override.reason)}; "
            f"proposed: {area_label(f, f.override.previous)})"
        )
    if second is not None:
        lines.append(f"Secondary focus: {focus_line(f, second)}")
    caveats = "".join(f", {c}" for c in flags(f))
    lines.append(f"Confidence:      {f.focus.confidence} (margin {f.focus.margin:.2f}{caveats})")
    lines.append("")

    width = max([len("Area"), *(len(r.label) for r in f.areas.values())])
    lines.append(f"  {'Area':<{width}}  Score  Present")
    for area, result in f.areas.items():
        mark = "[x]" if result.present else "[ ]"
        role = " <- primary" if area == primary else " <- secondary" if area == second else ""
        note = " (excluded)" if result.excluded else ""
        lines.append(
            f"  {result.label:<{width}}  {result.score:4.2f}   {mark}  {_bar(result.score)}"
            f"{role}{note}"
        )

    if f.focus.reasons:
        lines.append("")
        lines.append("Why:")
        for reason in f.focus.reasons[:_MAX_REASONS]:
            lines.extend(_wrap(reason, "  - ", "    "))
    if f.focus.ask_next:
        lines.extend(_wrap(join_sentences(f.focus.ask_next[:2]), "Ask next: ", "  "))
    unknown = unknown_lines(f)
    if unknown:
        lines.extend(_wrap("; ".join(unknown[:3]), "Not recorded: ", "  "))
    if f.context:
        lines.extend(_wrap("; ".join(f"{c.label}: {c.text}" for c in f.context), "Context: ", "  "))

    names = _unique(t.name for t in f.techniques)[:_MAX_TECHNIQUES]
    if names:
        lines.append("")
        lines.extend(_wrap("; ".join(names), "Techniques: ", "  "))
    lines.extend(_wrap(plan_summary(f), "Plan: ", "  "))

    warnings = ordered_warnings(f)
    if warnings:
        lines.append("")
        lines.append("Warnings:")
        for w in warnings:
            lead = "  ! RISK: " if w.kind == "risk" else f"  - {words(w.kind)}: "
            lines.extend(_wrap(w.text, lead, "    "))
    lines.append("")
    lines.extend(_wrap(decision_support(f), "", ""))
    return "\n".join(lines)
