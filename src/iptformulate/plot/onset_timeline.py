"""The timeline (reference §2.5): life events and deaths in months from the onset of the episode.

The onset sits at 0 with the profile's onset window shaded, so a trainee sees at once which
events the rules count as "near onset". Undated events get a lane of their own rather than a
guessed position; events the primary focus rests on are outlined in orange.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..formulation.model import Formulation
from ..model.case import Case
from ..model.vocab import EventType, PersonStatus
from ._common import (
    DECEASED,
    EVIDENCE,
    VALENCE,
    HAlign,
    Spot,
    label_variants,
    legend_dot,
    new_figure,
    place_labels,
    renderer_of,
    side_legend,
)
from .evidence import focus_refs
from .thresholds import profile_params

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.text import Text
    from matplotlib.transforms import Bbox

__all__ = ["timeline"]

_LEVELS = (1.0, -1.0, 2.0, -2.0, 3.0, -3.0, 4.0, -4.0)
_YLIM = 5.0
_DODGE = 0.9  # vertical step between markers of the same month (a marker is about 0.6)
_SIDES: tuple[tuple[float, HAlign], ...] = ((0.0, "center"), (0.01, "left"), (-0.01, "right"))


@dataclass(frozen=True)
class _Item:
    key: str
    offset: int | None
    label: str
    death: bool
    valence: str | None
    evidence: bool


def timeline(case: Case, formulation: Formulation | None = None) -> Figure:
    """Draw the case's events and deaths against the onset; mark the focus's evidence."""
    from matplotlib.ticker import MaxNLocator

    items = _items(case, focus_refs(formulation))
    dated = sorted((i for i in items if i.offset is not None), key=lambda i: (i.offset, i.key))
    undated = [i for i in items if i.offset is None]
    params = profile_params(formulation)
    before = int(params.get("onset_window_before_months", 12))
    after = int(params.get("onset_window_after_months", 3))

    fig = new_figure(11.0, 6.5 if undated else 5.0)
    if undated:
        ax = fig.add_axes((0.05, 0.36, 0.68, 0.54))
        lane = fig.add_axes((0.05, 0.05, 0.68, 0.2))
    else:
        ax = fig.add_axes((0.05, 0.12, 0.68, 0.76))
        lane = None
    title = f"Timeline: {case.id}"
    if formulation is not None and formulation.primary_focus:
        area = formulation.areas.get(formulation.primary_focus)
        title += f"  (focus: {area.label if area else formulation.primary_focus})"
    fig.text(0.02, 0.97, title, fontsize=12, va="top", gid="title")

    offsets = [i.offset for i in dated if i.offset is not None]
    lo = min([*offsets, -before]) - 2
    hi = max([*offsets, after]) + 2
    ax.set_xlim(lo, hi)
    ax.set_ylim(-_YLIM, _YLIM)
    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.set_xlabel("months from onset (negative = before onset)")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.axhline(0, color="#34495e", lw=1.2, zorder=1)
    ax.axvspan(-before, after, color="#fdf2d0", zorder=0, gid="onset-window")
    ax.axvline(0, color="#c0392b", ls="--", lw=1.4, zorder=2, gid="onset")
    ax.text(
        0,
        _YLIM * 0.97,
        "onset",
        color="#c0392b",
        ha="center",
        va="top",
        fontsize=9,
        fontweight="bold",
        bbox={"fc": "white", "ec": "none", "pad": 1},
    )
    _lane(fig, ax, [(float(i.offset or 0), i) for i in dated], dy=True)
    if lane is not None:
        lane.set_xlim(0, 1)
        lane.set_ylim(-_YLIM, _YLIM)
        lane.set_axis_off()
        lane.set_title("Undated (not placed on the timeline)", fontsize=10, loc="left")
        lane.axhline(0, color="#bbbbbb", lw=1.0, zorder=1)
        step = 1.0 / (len(undated) + 1)
        _lane(fig, lane, [((k + 1) * step, i) for k, i in enumerate(undated)], dy=False)
    _legend(fig, ax, before, after, any(i.evidence for i in items))
    return fig


def _items(case: Case, refs: set[str]) -> list[_Item]:
    people = {p.id: p for p in case.people}
    out: list[_Item] = []
    recorded_deaths: set[str] = set()
    for event in case.events:
        death = event.type is EventType.DEATH
        if death:
            recorded_deaths.update(event.people)
        who = [people[r] for r in event.people if r in people]
        text = event.description or str(event.type).replace("_", " ")
        if death and who:
            text = "† " + ", ".join(p.name for p in who)
        cited = event.id in refs or (death and any(p.id in refs for p in who))
        out.append(
            _Item(
                key=event.id,
                offset=case.offset(event.id),
                label=("~" if event.approximate else "")
                + text
                + (" (ongoing)" if event.ongoing else ""),
                death=death,
                valence=str(event.valence) if event.valence is not None else None,
                evidence=cited,
            )
        )
    for person in case.people:
        if person.status is PersonStatus.DECEASED and person.id not in recorded_deaths:
            approx = person.died is not None and person.died.approximate
            out.append(
                _Item(
                    key=person.id,
                    offset=case.offset(person.id),
                    label=("~" if approx else "") + "† " + person.name,
                    death=True,
                    valence=None,
                    evidence=person.id in refs,
                )
            )
    return out


def _lane(fig: Figure, ax: Axes, placed: list[tuple[float, _Item]], *, dy: bool) -> None:
    """Markers on the lane's baseline, then labels staggered above and below it."""
    markers = []
    seen: dict[float, int] = {}
    points: list[tuple[float, float, _Item]] = []
    for x, item in placed:
        n = seen.get(x, 0)
        seen[x] = n + 1
        # the same month: side by side above and below the line, never on top of each other
        y = (_DODGE * ((n + 1) // 2) * (1 if n % 2 else -1)) if dy else 0.0
        points.append((x, y, item))
        colour = DECEASED if item.death else VALENCE.get(item.valence or "neutral", "#7f8c8d")
        (marker,) = ax.plot(
            [x],
            [y],
            marker="X" if item.death else "o",
            ms=13 if item.evidence else 10,
            ls="none",
            zorder=5,
            markerfacecolor=colour,
            markeredgecolor=EVIDENCE if item.evidence else "#2c3e50",
            markeredgewidth=3.0 if item.evidence else 1.0,
            gid=f"event:{item.key}",
        )
        markers.append(marker)
    fig.canvas.draw()
    renderer = renderer_of(fig)
    obstacles: list[Bbox] = [m.get_window_extent(renderer) for m in markers]
    obstacles += [t.get_window_extent(renderer) for t in ax.texts]
    items: list[tuple[Text, list[Spot], list[str]]] = []
    span = ax.get_xlim()[1] - ax.get_xlim()[0]
    for x, _y, item in points:
        text = ax.text(
            x,
            0,
            "",
            fontsize=8.5,
            zorder=6,
            gid=f"label:{item.key}",
            fontweight="bold" if item.evidence else "normal",
            bbox={
                "boxstyle": "round,pad=0.2",
                "fc": "white",
                "ec": EVIDENCE if item.evidence else "#cccccc",
                "lw": 1.5 if item.evidence else 0.6,
            },
        )
        spots = [Spot(x + dx * span, level, ha, "center") for level in _LEVELS for dx, ha in _SIDES]
        variants = label_variants(item.label, (34, 24, 18), last_resort=22)
        items.append((text, spots, variants))
    chosen = place_labels(fig, ax, items, obstacles)
    for (x, y, _item), spot in zip(points, chosen, strict=True):
        ax.plot(
            [x, x if spot.ha == "center" else spot.x],
            [y, spot.y],
            color="#aaaaaa",
            lw=0.7,
            zorder=3,
        )


def _legend(fig: Figure, ax: Axes, before: int, after: int, evidence: bool) -> None:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = [
        legend_dot(VALENCE["negative"]),
        legend_dot(VALENCE["positive"]),
        legend_dot(VALENCE["mixed"]),
        legend_dot(VALENCE["neutral"]),
        legend_dot(DECEASED, "X"),
        Line2D([], [], color="#c0392b", ls="--", lw=1.4),
        Patch(facecolor="#fdf2d0", edgecolor="none"),
    ]
    labels = [
        "negative event",
        "positive event",
        "mixed",
        "neutral or not rated",
        "death (†)",
        "onset",
        f"onset window\n({before} months before,\n {after} after)",
    ]
    if evidence:
        handles.append(legend_dot(VALENCE["neutral"], "o", EVIDENCE, 3.0))
        labels.append("evidence for the focus")
    side_legend(fig, handles, labels, "Legend")
