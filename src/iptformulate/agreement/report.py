"""An evaluation as a plain-text table and as HTML for Jupyter."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from .labels import FOCUS, PRESENT
from .statistics import Estimate, Interval

if TYPE_CHECKING:
    from .evaluation import AreaAgreement, Evaluation


def summary(ev: Evaluation) -> str:
    """A plain-text table: ours with intervals, base rates, the published kappas."""
    keys = [s.key for s in ev.studies]
    head = f"{'judgement':24} {'n':>3}  {'kappa [95% CI]':21} {'AC1 [95% CI]':21} "
    head += f"{'agree [95% CI]':21} {'rate ours/gold':14}"
    head += "".join(f" {k:>6}" for k in keys)
    lines = [
        f"Agreement with expert ratings: {ev.matched} case(s) matched "
        f"(bootstrap {ev.bootstrap} resamples, seed {ev.seed}).",
        "",
        head,
        "-" * len(head),
    ]
    notes: list[str] = []
    for row in [*ev.areas, ev.focus]:
        a = row.agreement
        name = row.judgement.replace("_", " ")
        cells = [
            _cell(a.kappa, a.kappa_ci),
            _cell(a.ac1, a.ac1_ci),
            _cell(a.percent, a.percent_ci),
        ]
        line = f"{name:24} {a.n:>3}  " + " ".join(f"{c:21}" for c in cells)
        line += f" {_rates(row):14}"
        line += "".join(f" {_num(row.published.get(k)):>6}" for k in keys)
        lines.append(line.rstrip())
        for label, est in (("kappa", a.kappa), ("AC1", a.ac1)):
            if est.value is None and est.reason and a.n:
                notes.append(f"{name}: {label} {est.reason}.")
        if a.kappa_undefined:
            notes.append(
                f"{name}: kappa undefined in {a.kappa_undefined} of {a.bootstrap} resamples "
                "(interval from the rest)."
            )
    focus = ev.focus.agreement
    if focus.n:
        shares = ", ".join(
            f"{k.replace('_', ' ')} {_pct(focus.base_rates['ours'].get(k, 0.0))}/"
            f"{_pct(focus.base_rates['gold'].get(k, 0.0))}"
            for k in focus.labels
        )
        notes.append(f"primary focus shares ours/gold: {shares}.")
    for label, ids in (
        ("only in the results (no gold)", ev.only_ours),
        ("only in the gold (no result)", ev.only_gold),
        ("failed in the results", ev.failed),
        ("gold names no primary focus", ev.focus_not_rated),
    ):
        if ids:
            notes.append(f"{label}: {len(ids)}: {', '.join(ids)}")
    if ev.failed_without_id:
        notes.append(f"failed in the results without a case id: {ev.failed_without_id}")
    if notes:
        lines += ["", *notes]
    lines.append("")
    lines += [f"{s.key}: {s.citation} ({s.design})" for s in ev.studies]
    lines.append(
        "Published figures are expert-vs-expert Cohen's kappas (reference §9); neither "
        "study reports base rates or intervals."
    )
    return "\n".join(lines)


def html_table(ev: Evaluation) -> str:
    """The same table as HTML for Jupyter; all text escaped."""
    esc = html.escape
    keys = [s.key for s in ev.studies]
    heads = ["judgement", "n", "kappa [95% CI]", "AC1 [95% CI]", "agree [95% CI]"]
    heads += ["rate ours/gold", *keys]
    body = []
    for row in [*ev.areas, ev.focus]:
        a = row.agreement
        cells = [row.judgement.replace("_", " "), str(a.n)]
        cells += [_cell(a.kappa, a.kappa_ci), _cell(a.ac1, a.ac1_ci)]
        cells += [_cell(a.percent, a.percent_ci), _rates(row)]
        cells += [_num(row.published.get(k)) for k in keys]
        body.append("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in cells) + "</tr>")
    missing = [
        f"{label}: {', '.join(ids)}"
        for label, ids in (
            ("only in the results", ev.only_ours),
            ("only in the gold", ev.only_gold),
            ("failed", ev.failed),
        )
        if ids
    ]
    foot = "".join(f"<p>{esc(m)}</p>" for m in missing)
    foot += "".join(f"<p><b>{esc(s.key)}</b>: {esc(s.citation)}</p>" for s in ev.studies)
    return (
        '<div style="color:#1d2330;background:#ffffff;padding:8px;border-radius:6px">'
        f"<b>Agreement with expert ratings</b>: {ev.matched} case(s), "
        f"bootstrap {ev.bootstrap} (seed {ev.seed})"
        '<table style="border-collapse:collapse;margin-top:4px"><thead><tr>'
        + "".join(f"<th>{esc(h)}</th>" for h in heads)
        + f"</tr></thead><tbody>{''.join(body)}</tbody></table>{foot}</div>"
    )


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _pct(value: float) -> str:
    return f"{100 * value:.0f}%"


def _cell(est: Estimate, ci: Interval | None) -> str:
    if est.value is None:
        return "undefined" if est.reason and "no cases" not in est.reason else "-"
    text = f"{est.value:.2f}"
    return text + (f" [{ci.low:.2f}, {ci.high:.2f}]" if ci else "")


def _rates(row: AreaAgreement) -> str:
    a = row.agreement
    if row.judgement == FOCUS or not a.n:
        return "-"
    ours = a.base_rates["ours"].get(PRESENT, 0.0)
    gold = a.base_rates["gold"].get(PRESENT, 0.0)
    return f"{_pct(ours)}/{_pct(gold)}"
