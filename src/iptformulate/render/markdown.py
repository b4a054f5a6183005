"""Markdown rendering: the full report, for files, notebooks and supervision notes.

Every piece of text that can come from the case (names, event descriptions, notes, the rationales
and statements that quote them) goes through `escape`, so a name such as `A*B | <C>` is shown as
written and cannot break a table or inject markup.
"""

from __future__ import annotations

import re

from ..formulation.model import AreaResult, FindingOut, Formulation
from .text import (
    area_label,
    decision_support,
    flags,
    focus_line,
    join_sentences,
    ordered_warnings,
    plan_name,
    secondary,
    sources_text,
    unknown_lines,
    words,
)

__all__ = ["escape", "render"]

# Brackets are escaped, so `(`/`!` can never form a link or image; the rest are inline markup,
# HTML, table cells and entities.
_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&#])")
# Characters that only matter at the start of a line (lists, setext underlines, ordered lists).
_LEADING = re.compile(r"^(\d*)([+=-]|(?<=\d)[.)])")


def escape(text: str) -> str:
    """Backslash-escape Markdown-special characters and fold whitespace onto one line."""
    return _SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def _para(text: str) -> str:
    """`escape` for text that starts its own line, where `#`, `-` or `1.` would be markup."""
    return _LEADING.sub(r"\1\\\2", escape(text))


def _code(code: str) -> str:
    return "`" + code.replace("`", "'") + "`"


def _finding(finding: FindingOut) -> str:
    evidence = (
        ", ".join(f"{escape(e.display)} ({escape(e.ref)})" for e in finding.evidence)
        or "none recorded"
    )
    return (
        f"- {_code(finding.code)} {escape(finding.rationale)} — evidence: {evidence} — "
        f"{escape(finding.source)}"
    )


def _area(f: Formulation, area: str, result: AreaResult) -> list[str]:
    role = ""
    if area == f.primary_focus:
        role = " — primary focus"
    elif area == secondary(f):
        role = " — secondary focus"
    lines = [f"### {escape(result.label)}{role}", ""]
    presence = "present" if result.present else "not present"
    if result.excluded:
        presence += "; excluded by the profile or a rule"
    lines.append(f"- **Score:** {result.score:.2f} ({presence})")
    if result.subtype is not None:
        kind = escape(words(result.subtype_kind) or "sub-type")
        lines.append(f"- **{kind[:1].upper() + kind[1:]}:** {escape(words(result.subtype))}")
    if sources := sources_text(result):
        lines.append(f"- **About:** {escape(sources)}")
    if result.linked_to_onset:
        lines.append("- **Linked to onset:** yes")
    for title, findings in (
        ("For", result.findings_for),
        ("Against", result.findings_against),
        ("Sub-type evidence", result.subtype_findings),
    ):
        if findings:
            lines += ["", f"**{title}:**", ""]
            lines += [_finding(x) for x in findings]
    if not (result.findings_for or result.findings_against or result.subtype_findings):
        lines += ["", "_No rule fired for this area._"]
    lines.append("")
    return lines


def _focus(f: Formulation) -> list[str]:
    focus = f.focus
    lines = ["## Focus", ""]
    lines.append(f"- **Primary:** {escape(focus_line(f, f.primary_focus))}")
    if f.override is not None:
        note = f" — {escape(f.override.note)}" if f.override.note else ""
        lines.append(
            f"- **Clinician override:** {escape(words(f.override.reason))}; the rules proposed "
            f"{escape(area_label(f, f.override.previous))}{note}"
        )
    if secondary(f) is not None:
        lines.append(f"- **Secondary:** {escape(focus_line(f, secondary(f)))}")
    caveats = "".join(f", {c}" for c in flags(f))
    lines.append(
        f"- **Confidence:** {focus.confidence} (margin {focus.margin:.2f}{escape(caveats)})"
    )
    if focus.reasons:
        lines += ["", "**Reasons:**", ""]
        lines += [f"- {escape(r)}" for r in focus.reasons]
    if focus.rejected:
        lines += ["", "**Alternatives not chosen:**", ""]
        lines += [
            f"- **{escape(area_label(f, alt.area))}:** {escape(alt.reason)}"
            for alt in focus.rejected
        ]
    if focus.ask_next:
        lines += ["", "**Ask next:**", ""]
        lines += [f"- {escape(q)}" for q in focus.ask_next]
    unknown = unknown_lines(f)
    if unknown:
        lines += ["", "**Not recorded, and read by the rules:**", ""]
        lines += [f"- {escape(line)}" for line in unknown]
    lines.append("")
    return lines


def _scores(f: Formulation) -> list[str]:
    lines = ["## Scores", "", "| Area | Score | Present | Sub-type |", "|---|---:|:---:|---|"]
    for result in f.areas.values():
        sub = escape(words(result.subtype)) if result.subtype else "—"
        mark = "yes" if result.present else "no"
        lines.append(f"| {escape(result.label)} | {result.score:.2f} | {mark} | {sub} |")
    lines.append("")
    return lines


def _middle(f: Formulation) -> list[str]:
    if not f.middle_phase:
        return []
    lines = ["## Middle phase", ""]
    for plan in f.middle_phase:
        sub = f" ({escape(words(plan.subtype))})" if plan.subtype else ""
        lines += [f"### {escape(area_label(f, plan.area))}{sub}", ""]
        if plan.strategies:
            lines += ["**Strategies:**", ""]
            lines += [f"- {escape(s)}" for s in plan.strategies]
            lines.append("")
        for tech in plan.techniques:
            lines += [f"#### {escape(tech.name)}", "", _para(tech.description), ""]
            because = ", ".join(_code(c) for c in dict.fromkeys(tech.because_of))
            lines.append(f"- **Why:** {escape(tech.why)}" + (f" ({because})" if because else ""))
            for task in tech.between_session_tasks:
                lines.append(f"- **Task:** {escape(task)}")
            lines.append(f"- **Source:** {escape(tech.source)}")
            lines.append("")
    return lines


def _goals(f: Formulation) -> list[str]:
    if not f.goals:
        return []
    lines = ["## Goals", ""]
    for goal in f.goals:
        because = ", ".join(_code(c) for c in dict.fromkeys(goal.because_of))
        tail = f" ({because})" if because else ""
        lines.append(f"- **{escape(area_label(f, goal.area))}:** {escape(goal.text)}{tail}")
    lines.append("")
    return lines


def _plan(f: Formulation) -> list[str]:
    plan = f.plan
    lines = [
        "## Session plan",
        "",
        f"- **Format:** {escape(plan_name(f))}",
        f"- **Sessions:** {escape(plan.total_sessions)}, {escape(plan.cadence)}",
        f"- **Source:** {escape(plan.source)}",
        "",
    ]
    if plan.phases:
        lines += ["| Phase | Sessions | Tasks |", "|---|---|---|"]
        for phase in plan.phases:
            tasks = escape(join_sentences(phase.tasks))
            lines.append(f"| {escape(phase.name)} | {escape(phase.sessions)} | {tasks} |")
        lines.append("")
    if plan.termination:
        lines += ["### Termination", ""] + [f"- {escape(t)}" for t in plan.termination] + [""]
    if plan.relapse_prevention:
        lines += ["### Relapse prevention", ""]
        lines += [f"- {escape(t)}" for t in plan.relapse_prevention] + [""]
    return lines


def _statement(f: Formulation) -> list[str]:
    status = (
        "**Agreed** with the patient."
        if f.statement.status == "agreed"
        else "**Proposed — not yet agreed with the patient.**"
    )
    lines = ["## Statement for the patient", "", status, ""]
    for slot in sorted(f.statement.slots, key=lambda s: s.slot):
        lines.append(f"{slot.slot}. **{escape(words(slot.name))}:** {escape(slot.text)}")
    lines.append("")
    return lines


def _warnings(f: Formulation) -> list[str]:
    warnings = ordered_warnings(f)
    if not warnings:
        return []
    lines = ["## Warnings", ""]
    for w in warnings:
        lead = "**RISK:**" if w.kind == "risk" else f"**{escape(words(w.kind))}:**"
        lines.append(f"- {lead} {escape(w.text)}")
    lines.append("")
    return lines


def _provenance(f: Formulation) -> list[str]:
    p = f.provenance
    lines = [
        "## Provenance",
        "",
        f"- iptformulate {escape(p.library_version)}, profile `{p.profile}`, engine "
        f"{escape(p.engine)}, facts v{p.facts_version}",
        f"- Rule pack {escape(p.rule_pack)} `{p.rule_pack_hash[:12]}`",
    ]
    if p.options:
        opts = ", ".join(f"{escape(k)}={escape(str(v))}" for k, v in sorted(p.options.items()))
        lines.append(f"- Options: {opts}")
    lines.append("")
    return lines


def render(f: Formulation) -> str:
    """The full Markdown report of a formulation."""
    lines = [
        f"# IPT formulation: {escape(f.case_id)}",
        "",
        f"> **{escape(decision_support(f))}**",
        "",
    ]
    risks = [w for w in f.warnings if w.kind == "risk"]
    if risks:
        lines += [f"> **RISK:** {escape(w.text)}" for w in risks]
        lines.append("")
    lines += _focus(f)
    lines += _scores(f)
    lines += ["## Problem areas", ""]
    for area, result in f.areas.items():
        lines += _area(f, area, result)
    lines += _middle(f)
    lines += _goals(f)
    lines += _plan(f)
    lines += _statement(f)
    if f.context:
        lines += ["## Context (for the report; no rule reads it)", ""]
        lines += [f"- **{escape(c.label)}:** {escape(c.text)}" for c in f.context]
        lines.append("")
    lines += _warnings(f)
    lines += _provenance(f)
    return "\n".join(lines).rstrip() + "\n"
