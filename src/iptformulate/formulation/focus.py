"""Choosing the focus among present areas by the focus policy kept in `rules/focus-policy.yaml`.

The mechanism here only applies the policy's ranking keys in the policy's order; which keys,
their order, the ranks and the sentences are data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple, cast

from .catalogue import FocusPolicy
from .model import Alternative, AreaResult, FocusDecision, Override, trusted
from .rationale import fill_fields, inside_sentence, words


class Candidate(NamedTuple):
    """What the policy needs to know about one area (a tuple: cheap to make per area)."""

    area: str
    label: str
    score: float
    present: bool
    link: int  # how closely its evidence ties it to onset or maintenance (F4); 0 = not tied
    importance: str
    findings: int
    asks: tuple[str, ...]
    potential: float = 0.0  # the score if every unknown its rules read turned out for it
    concern: str = ""  # what the client named as troubling them most, when it set `importance`


class FocusChoice(NamedTuple):
    primary: str | None
    secondary: str | None
    reasons: list[str]
    rejected: list[tuple[str, str]]
    margin: float
    close_call: bool
    thin: bool
    confidence: str
    ask_next: list[str]


def _keys(
    policy: FocusPolicy, fmt: str, candidates: Sequence[Candidate]
) -> dict[str, tuple[float, ...]]:
    """Per area, the policy's ranking keys in the policy's order (smaller ranks first)."""
    last_resort = set(policy.last_resort)
    importance = policy.importance_rank
    tractability = cast(Mapping[str, int], policy.tractability.get(fmt, {}))
    out: dict[str, tuple[float, ...]] = {}
    for c in candidates:
        parts: list[float] = []
        for name in policy.order:
            if name == "last_resort":
                parts.append(1.0 if c.area in last_resort else 0.0)
            elif name == "onset_link":
                parts.append(0.0 if c.link else 1.0)
            elif name == "onset_nearness":
                parts.append(-float(c.link))
            elif name == "patient_importance":
                parts.append(-float(importance.get(c.importance, 0)))
            elif name == "tractability":
                parts.append(-float(tractability.get(c.area, 0)))
            elif name == "score":
                parts.append(-c.score)
        out[c.area] = tuple(parts)
    return out


def _deciding_key(
    policy: FocusPolicy, keys: Mapping[str, tuple[float, ...]], winner: Candidate, loser: Candidate
) -> str:
    """The first ranking key that tells the two apart; `level` when none does and the policy
    has a sentence for it (the fixed order of the areas then decides), else `score`."""
    for name, one, two in zip(policy.order, keys[winner.area], keys[loser.area], strict=True):
        if one != two:
            return name
    return "level" if "level" in policy.reasons else "score"


def _deciding_reason(
    policy: FocusPolicy, keys: Mapping[str, tuple[float, ...]], winner: Candidate, loser: Candidate
) -> str:
    """The deciding key in words: its comparison sentence (`<key>_over`, naming the rival) when
    the policy has one, else the key's own sentence."""
    name = _deciding_key(policy, keys, winner, loser)
    slots = {"area": winner.label, "rival": inside_sentence(loser.label)}
    if name == "patient_importance" and winner.concern:
        # the importance came from what the client named, not from a rating: say what it was
        concern = policy.reasons.get("patient_importance_concern")
        if concern is not None:
            return fill_fields(concern, {**slots, "concern": winner.concern})
    return fill_fields(policy.reasons.get(f"{name}_over", policy.reasons[name]), slots)


def choose_focus(
    policy: FocusPolicy,
    candidates: Sequence[Candidate],
    *,
    fmt: str,
    max_foci: int,
    close_margin: float,
    area_order: Mapping[str, int],
    secondary_when: str = "when_present",
) -> FocusChoice:
    """Rank the present areas, pick at most `max_foci`, and say how sure the choice is."""
    keys = _keys(policy, fmt, [c for c in candidates if c.present])
    present = sorted(
        (c for c in candidates if c.present), key=lambda c: (*keys[c.area], area_order[c.area])
    )
    absent = [c for c in candidates if not c.present]
    rejected: list[tuple[str, str]] = []
    if not present:
        best = max((c.score for c in candidates), default=0.0)
        for c in sorted(absent, key=lambda c: area_order[c.area]):
            rejected.append((c.area, _absent_reason(c)))
        # the reasons name the area with the most evidence so far and what the unrecorded
        # fields could make of it, and its questions come first; nothing is chosen for it
        ranked = sorted(candidates, key=lambda c: (-c.score, -c.potential, area_order[c.area]))
        none_reasons: list[str] = []
        leading = ranked[0] if ranked and ranked[0].findings > 0 else None
        template = policy.reasons.get("none_leading")
        if leading is not None and template is not None and leading.potential > leading.score:
            slots = {
                "area": leading.label,
                "score": f"{leading.score:.2f}",
                "potential": f"{leading.potential:.2f}",
            }
            none_reasons.append(fill_fields(template, slots))
        none_asks: list[str] = []
        for c in ranked:
            none_asks.extend(a for a in c.asks if a not in none_asks)
        none_asks.extend(a for a in policy.ask_when_none if a not in none_asks)
        return FocusChoice(
            None, None, none_reasons, rejected, round(best, 4), False, True, "low", none_asks
        )

    primary = present[0]
    reasons = [
        f"{primary.label} is present with a score of {primary.score:.2f}.",
    ]
    decided_by_link = (
        len(present) > 1 and _deciding_key(policy, keys, primary, present[1]) == "onset_link"
    )
    if primary.link and not decided_by_link:
        reasons.append(fill_fields(policy.reasons["onset_link"], {"area": primary.label}))
    close_call = len(present) > 1 and (
        primary.score - max(max(c.score, c.potential) for c in present[1:])
    ) < close_margin
    secondary: Candidate | None = None
    if max_foci >= 2 and len(present) > 1 and (secondary_when == "when_present" or close_call):
        secondary = present[1]
    for c in present[1:]:
        if secondary is not None and c.area == secondary.area:
            continue
        why = _deciding_reason(policy, keys, primary, c)
        rejected.append((c.area, f"Present, but ranked lower: {why}"))
    if len(present) > 1:
        deciding = _deciding_reason(policy, keys, primary, present[1])
        if deciding not in reasons:
            reasons.append(deciding)
    for c in sorted(absent, key=lambda c: area_order[c.area]):
        rejected.append((c.area, _absent_reason(c)))

    runner_up = max((c.score for c in candidates if c.area != primary.area), default=0.0)
    margin = round(max(0.0, primary.score - runner_up), 4)
    # confidence is judged on the margin that would remain if every unknown went against the
    # focus, so leaving a competitor's evidence unrecorded never makes the choice look surer
    rival = max(
        (max(c.score, c.potential) for c in candidates if c.area != primary.area), default=0.0
    )
    worst = max(0.0, primary.score - rival)
    close_call = len(present) > 1 and (
        primary.score - max(max(c.score, c.potential) for c in present[1:])
    ) < close_margin
    thin = primary.findings < policy.thin_evidence_findings
    if close_call or thin:
        confidence = "low"
    elif worst >= 2 * close_margin:
        confidence = "high"
    else:
        confidence = "moderate"
    asks: list[str] = []
    if close_call:
        asks.extend(policy.ask_when_close)
    if thin or close_call:
        for c in present:
            asks.extend(a for a in c.asks if a not in asks)
    return FocusChoice(
        primary.area,
        secondary.area if secondary else None,
        reasons,
        rejected,
        margin,
        close_call,
        thin,
        confidence,
        asks,
    )


def _absent_reason(c: Candidate) -> str:
    if c.findings == 0:
        return "No rule found evidence for this area in the inventory."
    return f"Not present: the evidence (score {c.score:.2f}) does not meet the criteria."


def overridden(choice: FocusChoice, override: Override, area: AreaResult) -> FocusChoice:
    """The rules' choice with the clinician's focus put first; everything after is derived
    from it (techniques, goals, statement)."""
    if choice.primary == override.focus:
        return choice
    rejected = [(a, why) for a, why in choice.rejected if a != override.focus]
    if choice.primary is not None:
        rejected.insert(
            0,
            (
                choice.primary,
                f"Proposed by the rules; the clinician chose {area.label} "
                f"({words(override.reason)}).",
            ),
        )
    reasons = [f"The clinician chose {area.label} as the focus ({words(override.reason)})."]
    return choice._replace(
        primary=override.focus, secondary=None, reasons=reasons, rejected=rejected
    )


def focus_decision(choice: FocusChoice) -> FocusDecision:
    return trusted(
        FocusDecision,
        {
            "primary": choice.primary,
            "secondary": choice.secondary,
            "reasons": choice.reasons,
            "rejected": [
                trusted(Alternative, {"area": a, "reason": r}) for a, r in choice.rejected
            ],
            "margin": choice.margin,
            "confidence": choice.confidence,
            "close_call": choice.close_call,
            "thin_evidence": choice.thin,
            "ask_next": choice.ask_next,
        },
    )
