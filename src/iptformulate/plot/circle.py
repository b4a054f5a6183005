"""The closeness circle (reference §2.4): the client in the centre, people on rings by closeness.

Empty rings stay drawn and labelled, because "nobody on the inner ring" is itself a finding.
Lines from the client carry conflict (red, thicker for more) and support (green; blue dotted
for a confidant); a deceased person is grey and marked with a dagger.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from ..formulation.model import Formulation
from ..model.case import Case, Person
from ..model.vocab import ConflictLevel, Level, PersonStatus
from ._common import (
    CLIENT,
    CONFIDANT,
    CONFLICT,
    DECEASED,
    EVIDENCE,
    PERSON,
    SUPPORT,
    HAlign,
    Spot,
    VAlign,
    label_variants,
    legend_dot,
    new_figure,
    place_labels,
    renderer_of,
    shorten,
    side_legend,
)
from .evidence import focus_refs

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.text import Text
    from matplotlib.transforms import Bbox

__all__ = ["closeness_circle"]

_CENTRE = 0.38  # radius of the client's disc
_GAP = 270.0  # the angle kept free for the ring labels
_CONFLICT_WIDTH = {ConflictLevel.LOW: 1.0, ConflictLevel.MODERATE: 2.2, ConflictLevel.HIGH: 3.6}
_SUPPORT_WIDTH = {Level.MODERATE: 1.6, Level.HIGH: 3.0}
_NAME_LIMITS = (22, 14, 9)


def closeness_circle(
    case: Case, formulation: Formulation | None = None, *, rings: int = 4
) -> Figure:
    """Draw the case's closeness circle; with a formulation, mark the people its focus rests on.

    `rings` is the number of rings drawn (sources use three or four); a person placed on an
    outer ring than that widens the circle rather than disappear.
    """
    if rings < 1:
        raise ValueError("rings must be at least 1")
    placed = [p for p in case.people if p.ring is not None]
    unplaced = [p for p in case.people if p.ring is None]
    n = max([rings, *(p.ring for p in placed if p.ring is not None)])
    evidence = focus_refs(formulation)

    fig = new_figure(11.0, 8.0)
    side = 8.0 * 0.92 / 11.0  # a square axes box, so equal aspect never moves anything
    ax = fig.add_axes((0.01, 0.01, side, 0.92))
    lim = n + 1.3
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_aspect("equal")
    ax.set_axis_off()
    title = f"Closeness circle: {case.id}"
    if formulation is not None and formulation.primary_focus:
        area = formulation.areas.get(formulation.primary_focus)
        title += f"  (focus: {area.label if area else formulation.primary_focus})"
    fig.text(0.02, 0.97, title, fontsize=12, va="top", gid="title")

    by_ring: dict[int, list[Person]] = {k: [] for k in range(1, n + 1)}
    for person in placed:
        assert person.ring is not None
        by_ring[person.ring].append(person)

    obstacles = _draw_rings(fig, ax, n, by_ring)
    dots: list[tuple[Person, float, float, float]] = []  # person, angle, x, y
    for k, people in by_ring.items():
        inner = [angle for _p, angle, _x, _y in dots]
        for person, angle in zip(people, _angles(len(people), inner), strict=True):
            r = _radius(k)
            dots.append((person, angle, r * math.cos(angle), r * math.sin(angle)))

    for person, _angle, x, y in dots:
        _draw_ties(ax, person, x, y)
    markers: list[Artist] = []
    for person, _angle, x, y in dots:
        markers.append(_draw_person(ax, person, x, y, person.id in evidence))
    fig.canvas.draw()  # settle the transforms before measuring text
    renderer = renderer_of(fig)
    obstacles += [m.get_window_extent(renderer) for m in markers]

    items: list[tuple[Text, list[Spot], list[str]]] = []
    for person, angle, x, y in dots:
        label = ax.text(
            x,
            y,
            "",
            fontsize=8.5,
            zorder=6,
            gid=f"label:{person.id}",
            fontweight="bold" if person.id in evidence else "normal",
            color="#555555" if person.status is PersonStatus.DECEASED else "#222222",
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8},
        )
        items.append((label, _spots(angle, _radius(person.ring or 1)), _variants(person)))
    chosen = place_labels(fig, ax, items, obstacles)
    for (_person, _angle, x, y), spot in zip(dots, chosen, strict=True):
        if math.hypot(spot.x - x, spot.y - y) > 0.3:  # a leader line for a label set apart
            ax.plot([x, spot.x], [y, spot.y], color="#999999", lw=0.6, zorder=2)

    _legend(fig, any(p.id in evidence for p in placed))
    if unplaced:
        lines = [f"• {_name(p, 30)}" for p in unplaced]
        fig.text(
            0.72,
            0.30,
            "Not placed on a ring\n" + "\n".join(lines),
            va="top",
            fontsize=9,
            gid="unplaced",
            bbox={"boxstyle": "round,pad=0.5", "fc": "#f7f7f7", "ec": "#bbbbbb"},
        )
    return fig


def _radius(ring: int) -> float:
    """Where a ring's people sit: inside the band between circle `ring - 1` and `ring`."""
    return ring - 0.42 if ring > 1 else (_CENTRE + 1.0) / 2 + 0.02


def _angles(count: int, inner: list[float]) -> list[float]:
    """Evenly spread angles (radians), clear of the ring-label gap at the bottom and turned
    so that no dot sits straight behind a dot of an inner ring (its line would cross it)."""
    if count == 0:
        return []
    step = 320.0 / count
    best: tuple[float, list[float]] = (-1.0, [])
    for shift in (0.0, 0.25, -0.25, 0.5, -0.5, 0.125, -0.125, 0.375, -0.375):
        degrees = [90.0 + (i - (count - 1) / 2 + shift) * step for i in range(count)]
        if any(_apart(d, _GAP) < 20.0 for d in degrees):  # shift 0 always passes
            continue
        clearance = min((_apart(d, math.degrees(a)) for d in degrees for a in inner), default=0)
        if not best[1] or clearance > best[0] + 1.0:
            best = (clearance, [math.radians(d) for d in degrees])
    return best[1]


def _apart(a: float, b: float) -> float:
    """The angle between two directions, in degrees (0..180)."""
    d = (a - b) % 360.0
    return min(d, 360.0 - d)


def _draw_rings(fig: Figure, ax: Axes, n: int, by_ring: dict[int, list[Person]]) -> list[Bbox]:
    from matplotlib.patches import Circle

    shades = ["#eef3f8", "#f6f9fb"]
    for k in range(n, 0, -1):  # outer first, so inner discs paint over
        ax.add_patch(
            Circle(
                (0, 0),
                k,
                facecolor=shades[k % 2],
                edgecolor="#9aaabb",
                lw=1.0,
                zorder=0,
                gid=f"ring:{k}",
            )
        )
    ax.add_patch(Circle((0, 0), _CENTRE, facecolor=CLIENT, edgecolor="#b07d12", lw=1.2, zorder=4))
    ax.text(0, 0, "client", ha="center", va="center", fontsize=10, fontweight="bold", zorder=5)
    labels = []
    for k in range(1, n + 1):
        words = f"ring {k}" + (" (closest)" if k == 1 else "")
        if not by_ring[k]:
            words += ": empty"
        y = -(k - 0.5) if k > 1 else -(_CENTRE + 1.0) / 2 - 0.02
        labels.append(
            ax.text(
                0,
                y,
                words,
                ha="center",
                va="center",
                fontsize=8,
                style="italic",
                color="#566573",
                zorder=3,
                gid=f"ringlabel:{k}",
            )
        )
    renderer = renderer_of(fig)
    return [t.get_window_extent(renderer) for t in labels]


def _draw_ties(ax: Axes, person: Person, x: float, y: float) -> None:
    """Conflict and support lines from the client; side by side when a tie has both."""
    length = math.hypot(x, y) or 1.0
    nx_, ny_ = -y / length * 0.05, x / length * 0.05  # a small sideways offset
    lines: list[tuple[str, float, str]] = []
    if person.conflict in _CONFLICT_WIDTH:
        lines.append((CONFLICT, _CONFLICT_WIDTH[person.conflict], "-"))
    elif person.conflict is ConflictLevel.PRESENT:
        lines.append((CONFLICT, _CONFLICT_WIDTH[ConflictLevel.MODERATE], "--"))
    if person.confidant:
        lines.append((CONFIDANT, 1.8, ":"))
    elif person.support in _SUPPORT_WIDTH:
        lines.append((SUPPORT, _SUPPORT_WIDTH[person.support], "-"))
    for i, (colour, width, style) in enumerate(lines):
        off = (i - (len(lines) - 1) / 2) * 2
        ax.plot(
            [nx_ * off, x + nx_ * off],
            [ny_ * off, y + ny_ * off],
            color=colour,
            lw=width,
            ls=style,
            alpha=0.85,
            zorder=1,
            gid=f"tie:{person.id}",
            solid_capstyle="butt",
        )


def _draw_person(ax: Axes, person: Person, x: float, y: float, evidence: bool) -> Artist:
    deceased = person.status is PersonStatus.DECEASED
    hollow = person.status in (PersonStatus.ESTRANGED, PersonStatus.RELATIONSHIP_ENDED)
    face = DECEASED if deceased else ("white" if hollow else PERSON)
    (marker,) = ax.plot(
        [x],
        [y],
        marker="o",
        ms=13 if evidence else 10,
        ls="none",
        zorder=5,
        markerfacecolor=face,
        markeredgecolor=EVIDENCE if evidence else "#2c3e50",
        markeredgewidth=3.0 if evidence else 1.0,
        gid=f"person:{person.id}",
    )
    return marker


def _name(person: Person, limit: int) -> str:
    dagger = "† " if person.status is PersonStatus.DECEASED else ""
    return dagger + shorten(person.name, limit)


def _variants(person: Person) -> list[str]:
    """The whole name, then wrapped; cut short only when it fits nowhere whole."""
    dagger = "† " if person.status is PersonStatus.DECEASED else ""
    whole = label_variants(dagger + person.name, (18, 12))
    return list(dict.fromkeys([*whole, *(_name(person, n) for n in _NAME_LIMITS)]))


def _spots(angle: float, r: float) -> list[Spot]:
    """Candidate label spots: just outside the dot, then further out, nudged sideways."""
    out: list[Spot] = []
    for d in (0.16, 0.42, 0.7, -0.28, 0.98, 1.26, 1.55):
        for nudge in (0.0, 0.12, -0.12, 0.24, -0.24):
            a = angle + nudge / max(r + d, 0.5)
            rr = r + d
            if rr < _CENTRE + 0.2:
                continue
            c, s = math.cos(a), math.sin(a)
            ha: HAlign = "left" if c > 0.35 else ("right" if c < -0.35 else "center")
            va: VAlign = "bottom" if s > 0.35 else ("top" if s < -0.35 else "center")
            out.append(Spot(rr * c, rr * s, ha, va))
    return out


def _legend(fig: Figure, evidence: bool) -> None:
    from matplotlib.lines import Line2D

    handles = [
        legend_dot(CLIENT, edge="#b07d12"),
        legend_dot(PERSON),
        legend_dot(DECEASED),
        legend_dot("white"),
        Line2D([], [], color=CONFLICT, lw=_CONFLICT_WIDTH[ConflictLevel.LOW]),
        Line2D([], [], color=CONFLICT, lw=_CONFLICT_WIDTH[ConflictLevel.MODERATE]),
        Line2D([], [], color=CONFLICT, lw=_CONFLICT_WIDTH[ConflictLevel.HIGH]),
        Line2D([], [], color=CONFLICT, lw=_CONFLICT_WIDTH[ConflictLevel.MODERATE], ls="--"),
        Line2D([], [], color=SUPPORT, lw=_SUPPORT_WIDTH[Level.MODERATE]),
        Line2D([], [], color=SUPPORT, lw=_SUPPORT_WIDTH[Level.HIGH]),
        Line2D([], [], color=CONFIDANT, lw=1.8, ls=":"),
    ]
    labels = [
        "client",
        "person",
        "deceased (†)",
        "estranged or ended",
        "conflict: low",
        "conflict: moderate",
        "conflict: high",
        "conflict: degree not stated",
        "support: moderate",
        "support: high",
        "confidant",
    ]
    if evidence:
        handles.append(legend_dot(PERSON, edge=EVIDENCE, width=3.0))
        labels.append("evidence for the focus")
    side_legend(fig, handles, labels, "Legend", anchor=(0.72, 0.93))
