"""HTML rendering: a self-contained card for Jupyter (`Formulation._repr_html_`).

Inline CSS scoped under `.iptf-card`, no scripts and no external resources, so the card works
offline and in sanitised notebook viewers. The card sets its own text and background colours
so it reads the same in light and dark themes. All case-derived text goes through `esc`.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from ..formulation.model import AreaResult, FindingOut, Formulation
from .text import (
    area_label,
    decision_support,
    flags,
    focus_line,
    ordered_warnings,
    plan_summary,
    secondary,
    sources_text,
    subtype_text,
    unknown_lines,
    words,
)

if TYPE_CHECKING:
    from ..model.case import Case

__all__ = ["CSS", "document", "esc", "render"]

CSS = """
.iptf-card{all:initial;display:block;box-sizing:border-box;max-width:860px;margin:4px 0;
 padding:14px 18px;border:1px solid #c9ced6;border-radius:8px;background:#ffffff!important;
 color:#1d2330!important;font:14px/1.45 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,
 Helvetica,Arial,sans-serif;text-align:left}
.iptf-card *{box-sizing:border-box;color:inherit;background:transparent;font-family:inherit}
.iptf-card h3{margin:0 0 4px;font-size:18px;font-weight:600;border:0;padding:0}
.iptf-card h4{margin:14px 0 6px;font-size:13px;font-weight:600;text-transform:uppercase;
 letter-spacing:.04em;color:#4a5468}
.iptf-card p{margin:4px 0}
.iptf-card ul{margin:4px 0;padding-left:20px}
.iptf-card li{margin:2px 0}
.iptf-card code{font-family:SFMono-Regular,Menlo,Consolas,monospace;font-size:12px;
 background:#eef1f5;color:#1d2330;padding:0 3px;border-radius:3px}
.iptf-card .iptf-sub{color:#4a5468;font-size:13px}
.iptf-card .iptf-badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;
 font-weight:600;vertical-align:middle;margin-left:6px;color:#ffffff}
.iptf-card .iptf-high{background:#1f7a3a}
.iptf-card .iptf-moderate{background:#a15c00}
.iptf-card .iptf-low{background:#a12a2a}
.iptf-card .iptf-flag{display:inline-block;padding:0 6px;border:1px solid #a15c00;
 border-radius:10px;font-size:12px;color:#7a4600;margin-left:4px}
.iptf-card .iptf-risk{border:2px solid #b42318;background:#fdecea;color:#7a1a12;
 border-radius:6px;padding:8px 10px;margin:10px 0;font-weight:600}
.iptf-card .iptf-row{display:grid;grid-template-columns:240px 1fr 44px;gap:8px;
 align-items:center;margin:3px 0}
.iptf-card .iptf-track{height:12px;background:#e6e9ee;border-radius:6px;overflow:hidden}
.iptf-card .iptf-fill{display:block;height:100%;background:#9aa3b2;border-radius:6px}
.iptf-card .iptf-present .iptf-fill{background:#2f6fdb}
.iptf-card .iptf-present .iptf-label{font-weight:600}
.iptf-card .iptf-score{text-align:right;font-variant-numeric:tabular-nums}
.iptf-card details{border:1px solid #dde1e7;border-radius:6px;margin:4px 0;padding:4px 8px}
.iptf-card summary{cursor:pointer;font-weight:600}
.iptf-card .iptf-against{color:#7a1a12}
.iptf-card .iptf-muted{color:#5b6475;font-size:12px}
.iptf-card .iptf-statement{border-left:3px solid #2f6fdb;padding:4px 10px;margin:6px 0;
 background:#f3f6fb}
.iptf-card .iptf-footer{margin-top:12px;padding-top:8px;border-top:1px solid #dde1e7}
.iptf-card .iptf-notice{font-weight:600;color:#1d2330}
"""


def esc(text: object) -> str:
    """HTML-escape any text (quotes included, so it is safe in attributes too)."""
    return html.escape(str(text), quote=True)


def _finding(finding: FindingOut, cls: str = "") -> str:
    evidence = ", ".join(f"{esc(e.display)} ({esc(e.ref)})" for e in finding.evidence)
    ev = f" — evidence: {evidence}" if evidence else ""
    klass = f' class="{cls}"' if cls else ""
    return (
        f"<li{klass}><code>{esc(finding.code)}</code> {esc(finding.rationale)}{ev}"
        f' <span class="iptf-muted">— {esc(finding.source)}</span></li>'
    )


def _bars(f: Formulation) -> str:
    rows = []
    for area, result in f.areas.items():
        pct = max(0.0, min(100.0, result.score * 100))
        cls = "iptf-row iptf-present" if result.present else "iptf-row"
        tag = ""
        if area == f.primary_focus:
            tag = " ★"
        elif area == secondary(f):
            tag = " ☆"
        state = "present" if result.present else "not present"
        rows.append(
            f'<div class="{cls}" title="{esc(result.label)}: {result.score:.2f}, {state}">'
            f'<span class="iptf-label">{esc(result.label)}{tag}</span>'
            f'<span class="iptf-track"><span class="iptf-fill" style="width:{pct:.0f}%">'
            f"</span></span>"
            f'<span class="iptf-score">{result.score:.2f}</span></div>'
        )
    legend = '<p class="iptf-muted">Blue: present. ★ primary focus, ☆ secondary.</p>'
    return "<h4>Scores</h4>" + "".join(rows) + legend


def _area(result: AreaResult) -> str:
    parts = []
    state = "present" if result.present else "not present"
    sub = subtype_text(result)
    head = f"{esc(result.label)} — {result.score:.2f}, {state}"
    if sub:
        head += f", {esc(sub)}"
    if sources := sources_text(result):
        parts.append(f'<p><b>About</b>: {esc(sources)}</p>')
    for title, findings, cls in (
        ("For", result.findings_for, ""),
        ("Against", result.findings_against, "iptf-against"),
        ("Sub-type", result.subtype_findings, ""),
    ):
        if findings:
            items = "".join(_finding(x, cls) for x in findings)
            parts.append(f"<p><b>{title}</b></p><ul>{items}</ul>")
    if not parts:
        parts.append('<p class="iptf-muted">No rule fired for this area.</p>')
    return f"<details><summary>{head}</summary>{''.join(parts)}</details>"


def _header(f: Formulation) -> str:
    conf = f.focus.confidence
    badge = f'<span class="iptf-badge iptf-{esc(conf)}">{esc(conf)} confidence</span>'
    chips = "".join(f'<span class="iptf-flag">{esc(c)}</span>' for c in flags(f))
    out = [
        f"<h3>{esc(f.case_id)}</h3>",
        f"<p><b>Primary focus:</b> {esc(focus_line(f, f.primary_focus))}{badge}{chips}</p>",
    ]
    if f.override is not None:
        note = f" — {esc(f.override.note)}" if f.override.note else ""
        out.append(
            f'<p class="iptf-sub">Clinician override ({esc(words(f.override.reason))}); the rules '
            f"proposed {esc(area_label(f, f.override.previous))}{note}</p>"
        )
    if secondary(f) is not None:
        out.append(f"<p><b>Secondary focus:</b> {esc(focus_line(f, secondary(f)))}</p>")
    return "".join(out)


def _list(title: str, items: list[str]) -> str:
    if not items:
        return ""
    return f"<h4>{esc(title)}</h4><ul>" + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>"


def _techniques(f: Formulation) -> str:
    if not f.middle_phase:
        return ""
    items = []
    for plan in f.middle_phase:
        for tech in plan.techniques:
            items.append(
                f"<li><b>{esc(tech.name)}</b> "
                f'<span class="iptf-muted">· {esc(area_label(f, plan.area))}</span><br>'
                f"{esc(tech.why)}</li>"
            )
    return "<h4>Techniques</h4><ul>" + "".join(items) + "</ul>" if items else ""


def _plan(f: Formulation) -> str:
    plan = f.plan
    phases = " → ".join(f"{esc(ph.name)} ({esc(ph.sessions)})" for ph in plan.phases)
    extra = f'<p class="iptf-muted">{phases}</p>' if phases else ""
    return (
        f"<h4>Plan</h4><p>{esc(plan_summary(f))}</p>{extra}"
    )


def _statement(f: Formulation) -> str:
    if not f.statement.slots:
        return ""
    status = (
        "Agreed with the patient"
        if f.statement.status == "agreed"
        else "Proposed — not yet agreed with the patient"
    )
    text = " ".join(s.text for s in sorted(f.statement.slots, key=lambda s: s.slot))
    return (
        f'<h4>Statement for the patient</h4><p class="iptf-muted">{status}</p>'
        f'<div class="iptf-statement">{esc(text)}</div>'
    )


def _warnings(f: Formulation) -> tuple[str, str]:
    """Risk warnings (shown under the header) and the others (shown near the end)."""
    warnings = ordered_warnings(f)
    risk = "".join(
        f'<div class="iptf-risk" role="alert">Risk: {esc(w.text)}</div>'
        for w in warnings
        if w.kind == "risk"
    )
    rest = [f"{words(w.kind)}: {w.text}" for w in warnings if w.kind != "risk"]
    return risk, _list("Warnings", rest)


def _footer(f: Formulation) -> str:
    p = f.provenance
    return (
        '<div class="iptf-footer">'
        f'<p class="iptf-notice">{esc(decision_support(f))}</p>'
        f'<p class="iptf-muted">iptformulate {esc(p.library_version)} · profile '
        f"{esc(p.profile)} · rule pack {esc(p.rule_pack)} "
        f"<code>{esc(p.rule_pack_hash[:12])}</code> · engine {esc(p.engine)}</p></div>"
    )


def render(f: Formulation) -> str:
    """A self-contained HTML card of the formulation (a fragment, for notebooks)."""
    risk, others = _warnings(f)
    body = [
        _header(f),
        risk,
        _bars(f),
        _list("Why this focus", f.focus.reasons),
        _list("Ask next", f.focus.ask_next),
        _list("Not recorded, and read by the rules", unknown_lines(f)),
        "<h4>Areas</h4>" + "".join(_area(r) for r in f.areas.values()),
        _techniques(f),
        _plan(f),
        _statement(f),
        _list("Context (no rule reads it)", [f"{c.label}: {c.text}" for c in f.context]),
        others,
        _footer(f),
    ]
    return f'<div class="iptf-card"><style>{CSS}</style>' + "".join(b for b in body if b) + "</div>"


def document(f: Formulation, case: Case | None = None) -> str:
    """The card as a complete UTF-8 HTML page (what `--format html` writes to a file); the
    page shows the formulation only, so `case` is not read."""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>IPT formulation: {esc(f.case_id)}</title>\n"
        "</head>\n<body>\n"
        f"{render(f)}\n</body>\n</html>\n"
    )
