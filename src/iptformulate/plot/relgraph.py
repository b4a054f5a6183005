"""The typed relationship graph (stage 2) as a picture that teaches: who is close, where the
conflict and the support are, and which events touched whom, when.

People sit on the closeness rings around the client (the unplaced on a dashed outer ring);
each tie is coloured by its conflict and drawn as thick as its support. Events sit on a time
axis below, at their month from onset (undated ones to its right), labelled with their
description, and joined to the people they involved; the roles an event ended and began hang
under it. Every label is placed where it overlaps no other label and no marker.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from ..graph import RelationshipGraph, role_node
from ..model.case import Case, LifeEvent, Person
from ..model.vocab import ConflictLevel, Level, PersonStatus
from ._common import CLIENT as CLIENT_COLOUR
from ._common import (
    CONFLICT,
    DECEASED,
    PERSON,
    SUPPORT,
    VALENCE,
    HAlign,
    Spot,
    VAlign,
    label_variants,
    legend_dot,
    new_figure,
    place_labels,
    renderer_of,
    side_legend,
)
from .circle import _angles as spread_angles

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.text import Text
    from matplotlib.transforms import Bbox

__all__ = ["relationship_graph"]

CONFLICT_COLOURS = {
    None: "#95a5a6",
    Level.NONE: "#95a5a6",
    Level.LOW: "#c9a227",
    Level.MODERATE: "#e67e22",
    Level.HIGH: CONFLICT,
    ConflictLevel.PRESENT: "#8b4513",  # a conflict described, its degree not (brown)
}
SUPPORT_WIDTHS = {None: 0.8, Level.NONE: 0.8, Level.LOW: 1.6, Level.MODERATE: 2.6, Level.HIGH: 3.8}
EVENT_COLOUR = "#e67e22"
ROLE_COLOUR = "#16a085"
RING_STEP = 1.0  # radius of ring k is k * RING_STEP
AXIS_Y = -6.2  # the time axis
ROLE_Y = -10.6  # the row of roles
X_SPAN = 5.8  # the time axis runs from -X_SPAN to +X_SPAN
X_LIM = 7.2  # the drawing's half width


def relationship_graph(case: Case) -> Figure:
    """Draw the case's relationship graph: people on closeness rings with ties styled by
    conflict (colour) and support (width), events on a time axis, roles under their events."""
    graph = RelationshipGraph(case)
    g = graph.g
    people = sorted(case.people, key=lambda p: p.id)
    rings = max([4, *(p.ring or 0 for p in people)])

    places = _people_places(people, rings)
    events, xmap = _event_places(case)
    roles = _role_places(case, events)
    top = (rings + (1 if any(p.ring is None for p in people) else 0)) * RING_STEP + 1.1
    bottom = (ROLE_Y - 1.9) if roles else (AXIS_Y - 3.6)
    # the axes box has the data's shape, so equal aspect changes no limit
    width_in = 8.4
    height_in = width_in * (top - bottom) / (2 * X_LIM)
    fig = new_figure(12.0, height_in + 0.7)
    fig_h = height_in + 0.7
    ax = fig.add_axes((0.01, 0.1 / fig_h, width_in / 12.0, height_in / fig_h))
    ax.set_xlim(-X_LIM, X_LIM)
    ax.set_ylim(bottom, top)
    ax.set_aspect("equal", adjustable="box")
    ax.set_axis_off()
    fig.text(0.02, 1 - 0.15 / fig_h, f"Relationship graph: {case.id}", fontsize=12, va="top",
             gid="title")  # fmt: skip
    _draw_rings(ax, rings, any(p.ring is None for p in people))

    # edges first, under the markers
    for person in people:
        x, y = places[person.id]
        deceased = person.status is PersonStatus.DECEASED
        ax.plot(
            [0, x],
            [0, y],
            color=DECEASED if deceased else CONFLICT_COLOURS[person.conflict],
            lw=SUPPORT_WIDTHS[person.support],
            ls=":" if deceased else "-",
            zorder=1,
            solid_capstyle="round",
            gid=f"edge:relationship:{person.id}",
        )
    for u, v, kind in g.edges(keys=True):
        if kind == "involved_in":
            (x0, y0), (x1, y1) = places[g.nodes[u]["ref"]], events[g.nodes[v]["ref"]]
            ax.plot([x0, x1], [y0, y1], color=EVENT_COLOUR, lw=0.8, ls="--", alpha=0.7, zorder=0,
                    gid=f"edge:involved_in:{g.nodes[u]['ref']}")  # fmt: skip
        elif kind in ("left_role", "entered_role"):
            (x0, y0), (x1, y1) = events[g.nodes[u]["ref"]], roles[v]
            colour = CONFLICT if kind == "left_role" else SUPPORT
            ax.plot([x0, x1], [y0, y1], color=colour, lw=1.4, ls=":", zorder=0, gid=f"edge:{kind}")

    markers = [
        ax.plot([0], [0], marker="o", ms=20, ls="none", markerfacecolor=CLIENT_COLOUR,
                markeredgecolor="#2c3e50", zorder=4, gid="node:client")[0]
    ]  # fmt: skip
    for person in people:
        x, y = places[person.id]
        deceased = person.status is PersonStatus.DECEASED
        face = DECEASED if deceased else PERSON
        markers.append(
            ax.plot([x], [y], marker="o", ms=12, ls="none", markerfacecolor=face,
                    markeredgecolor="#2c3e50", zorder=4, gid=f"node:person:{person.id}")[0]
        )  # fmt: skip
    by_id = {e.id: e for e in case.events}
    for event_id, (x, y) in events.items():
        valence = by_id[event_id].valence
        face = VALENCE.get(str(valence) if valence is not None else "neutral", VALENCE["neutral"])
        markers.append(
            ax.plot([x], [y], marker="s", ms=11, ls="none", markerfacecolor=face,
                    markeredgecolor="#2c3e50", zorder=4, gid=f"node:event:{event_id}")[0]
        )  # fmt: skip
    for node, (x, y) in roles.items():
        markers.append(
            ax.plot([x], [y], marker="D", ms=9, ls="none", markerfacecolor=ROLE_COLOUR,
                    markeredgecolor="#2c3e50", zorder=4, gid=f"node:role:{node}")[0]
        )  # fmt: skip
    _draw_axis(ax, xmap, any(case.offset(e.id) is None for e in case.events) and bool(events))

    fig.canvas.draw()
    renderer = renderer_of(fig)
    obstacles: list[Bbox] = [m.get_window_extent(renderer) for m in markers]
    obstacles += [t.get_window_extent(renderer) for t in ax.texts]
    items: list[tuple[Text, list[Spot], list[str]]] = [
        (_text(ax, "client", "label:client", bold=True), _around(0, 0, 0.5, -math.pi / 2),
         ["client"])
    ]  # fmt: skip
    for person in people:
        x, y = places[person.id]
        angle = math.atan2(y, x)
        deceased = person.status is PersonStatus.DECEASED
        name = ("† " if deceased else "") + person.name
        items.append(
            (_text(ax, "", f"label:{person.id}"), _around(x, y, 0.32, angle),
             label_variants(name, (18, 12), last_resort=14))
        )  # fmt: skip
    for event_id, (x, y) in events.items():
        event = by_id[event_id]
        items.append(
            (_text(ax, "", f"label:{event_id}"), _below(x, y),
             label_variants(_event_label(case, event), (22, 16), last_resort=20))
        )  # fmt: skip
    for node, (x, y) in roles.items():
        items.append(
            (_text(ax, "", f"label:{node}", colour=ROLE_COLOUR), _below(x, y, first=0.35),
             _wrapped_first(str(g.nodes[node]["label"])))
        )  # fmt: skip
    chosen = place_labels(fig, ax, items, obstacles)
    spots = dict(zip((t.get_gid() for t, _, _ in items), chosen, strict=True))
    for event_id, (x, y) in events.items():
        spot = spots[f"label:{event_id}"]
        ax.plot([x, spot.x], [y, spot.y], color="#b0b0b0", lw=0.6, zorder=2,
                gid=f"leader:{event_id}")  # fmt: skip
    _legend(fig)
    return fig


def _people_places(people: list[Person], rings: int) -> dict[str, tuple[float, float]]:
    """Each person on their ring, spread evenly, each ring turned a little from the last."""
    by_ring: dict[int, list[Person]] = {}
    for person in people:
        by_ring.setdefault(person.ring or rings + 1, []).append(person)
    out: dict[str, tuple[float, float]] = {}
    inner: list[float] = []
    for k, group in sorted(by_ring.items()):
        r = k * RING_STEP
        angles = spread_angles(len(group), inner)
        for person, angle in zip(group, angles, strict=True):
            out[person.id] = (r * math.cos(angle), r * math.sin(angle))
        inner += angles
    return out


def _event_places(case: Case) -> tuple[dict[str, tuple[float, float]], tuple[float, float]]:
    """Events on the time axis; the same month stacked upwards; undated ones at the right.
    Returns the places and the axis mapping (months at the left end, months per unit)."""
    dated = [(case.offset(e.id), e.id) for e in case.events]
    offsets = [o for o, _ in dated if o is not None]
    lo = min([*offsets, -12]) - 1
    hi = max([*offsets, 3]) + 1
    undated = [i for o, i in dated if o is None]
    right = X_SPAN - (1.6 if undated else 0.0)
    per_unit = (hi - lo) / (right + X_SPAN)
    out: dict[str, tuple[float, float]] = {}
    seen: dict[int, int] = {}
    for offset, event_id in sorted((o, i) for o, i in dated if o is not None):
        n = seen.get(offset, 0)
        seen[offset] = n + 1
        out[event_id] = (-X_SPAN + (offset - lo) / per_unit, AXIS_Y + 0.45 * n)
    for n, event_id in enumerate(sorted(undated)):
        out[event_id] = (X_SPAN - 0.6, AXIS_Y + 0.45 * n)
    return out, (lo, per_unit)


def _role_places(
    case: Case, events: dict[str, tuple[float, float]]
) -> dict[str, tuple[float, float]]:
    """The roles in a row under the axis, in the order of their events, kept apart."""
    wanted: list[tuple[float, str]] = []
    for event in case.events:
        change = event.role_change
        if change is None or event.id not in events:
            continue
        x = events[event.id][0]
        for text, dx in ((change.old, -0.9), (change.new, 0.9)):
            if text and role_node(text) not in {n for _, n in wanted}:
                wanted.append((x + dx, role_node(text)))
    wanted.sort()
    out: dict[str, tuple[float, float]] = {}
    last = -math.inf
    gap = 2.0
    if wanted:
        gap = min(gap, 2 * X_SPAN / max(len(wanted) - 1, 1))
    start = max(-X_SPAN, min(w[0] for w in wanted) if wanted else 0.0)
    for x, node in wanted:
        x = max(x, last + gap, start)
        out[node] = (x, ROLE_Y)
        last = x
    overflow = last - X_SPAN
    if overflow > 0:  # shift the row back inside
        out = {n: (x - overflow, y) for n, (x, y) in out.items()}
    return out


def _draw_rings(ax: Axes, rings: int, unplaced: bool) -> None:
    from matplotlib.patches import Circle

    for k in range(1, rings + 1):
        ax.add_patch(Circle((0, 0), k * RING_STEP, fill=False, ec="#d0d7de", lw=1.0, zorder=0))
    if unplaced:
        ax.add_patch(Circle((0, 0), (rings + 1) * RING_STEP, fill=False, ec="#d0d7de", lw=1.0,
                            ls="--", zorder=0, gid="ring:unplaced"))  # fmt: skip
    ax.text(0, -(rings + (1.55 if unplaced else 0.55)) * RING_STEP,
            "closeness rings: 1 = closest" + ("; dashed = not placed" if unplaced else ""),
            ha="center", va="center", fontsize=8, color="#7f8c8d", gid="rings-note")  # fmt: skip


def _draw_axis(ax: Axes, xmap: tuple[float, float], undated: bool) -> None:
    lo, per_unit = xmap
    right = X_SPAN - (1.6 if undated else 0.0)
    ax.plot([-X_SPAN, right], [AXIS_Y, AXIS_Y], color="#34495e", lw=1.2, zorder=1)
    hi = lo + per_unit * (right + X_SPAN)
    step = 3 if hi - lo <= 30 else 6 if hi - lo <= 60 else 12
    first = math.ceil(lo / step) * step
    for month in range(first, int(hi) + 1, step):
        x = -X_SPAN + (month - lo) / per_unit
        ax.plot([x, x], [AXIS_Y - 0.12, AXIS_Y + 0.12], color="#34495e", lw=1.0, zorder=1)
        if month != 0:
            ax.text(x, AXIS_Y + 0.3, f"{month:+d}", ha="center", va="bottom", fontsize=7.5,
                    color="#34495e", gid=f"tick:{month}")  # fmt: skip
    x0 = -X_SPAN - lo / per_unit
    ax.plot([x0, x0], [AXIS_Y - 0.3, AXIS_Y + 0.6], color=CONFLICT, ls="--", lw=1.4, zorder=1)
    ax.text(x0, AXIS_Y + 0.7, "onset", color=CONFLICT, ha="center", va="bottom", fontsize=8.5,
            fontweight="bold", gid="onset")  # fmt: skip
    ax.text(-X_SPAN, AXIS_Y + 1.25, "events, months from onset", ha="left", va="bottom",
            fontsize=8.5, color="#34495e", gid="axis-title")  # fmt: skip
    if undated:
        ax.text(X_SPAN - 0.6, AXIS_Y - 0.5, "undated", ha="center", va="top", fontsize=7.5,
                color="#34495e", style="italic", gid="undated")  # fmt: skip


def _event_label(case: Case, event: LifeEvent) -> str:
    """The event's own description; its type and the people it involved when it has none."""
    if event.description:
        return event.description
    names = {p.id: p.name for p in case.people}
    who = ", ".join(names[r] for r in event.people if r in names)
    kind = str(event.type).replace("_", " ")
    return f"{kind}: {who}" if who else kind


def _text(ax: Axes, text: str, gid: str, *, bold: bool = False, colour: str = "#222222") -> Text:
    return ax.text(0, 0, text, fontsize=8, zorder=6, gid=gid, color=colour,
                   fontweight="bold" if bold else "normal", linespacing=1.1,
                   bbox={"boxstyle": "round,pad=0.12", "fc": "white", "ec": "none",
                         "alpha": 0.85})  # fmt: skip


def _around(x: float, y: float, d0: float, angle: float) -> list[Spot]:
    """Spots beside a dot, outward along `angle` first, then all round it."""
    out: list[Spot] = []
    for d in (d0, d0 + 0.35, d0 + 0.7, d0 + 1.1):
        for turn in (0.0, 0.5, -0.5, 1.0, -1.0, 1.6, -1.6, math.pi):
            a = angle + turn
            c, s = math.cos(a), math.sin(a)
            ha: HAlign = "left" if c > 0.35 else ("right" if c < -0.35 else "center")
            va: VAlign = "bottom" if s > 0.35 else ("top" if s < -0.35 else "center")
            out.append(Spot(x + d * c, y + d * s, ha, va))
    return out


def _below(x: float, y: float, first: float = 0.45) -> list[Spot]:
    """Spots under a marker on the axis, stepping down, then a little to either side."""
    sides: tuple[tuple[float, HAlign], ...] = ((0.0, "center"), (0.25, "left"), (-0.25, "right"))
    return [
        Spot(x + dx, y - first - 0.55 * level, ha, "top") for level in range(7) for dx, ha in sides
    ]


def _wrapped_first(text: str) -> list[str]:
    """A role's label: narrow first, as roles sit side by side in one row."""
    variants = label_variants(text, (14, 10), last_resort=16)
    return [*variants[1:-1], variants[0], variants[-1]] if len(variants) > 2 else variants


def _legend(fig: Figure) -> None:
    from matplotlib.lines import Line2D

    handles = [
        legend_dot(CLIENT_COLOUR),
        legend_dot(PERSON),
        legend_dot(DECEASED),
        legend_dot(VALENCE["negative"], "s"),
        legend_dot(VALENCE["positive"], "s"),
        legend_dot(VALENCE["mixed"], "s"),
        legend_dot(VALENCE["neutral"], "s"),
        legend_dot(ROLE_COLOUR, "D"),
        Line2D([], [], color=CONFLICT_COLOURS[Level.NONE], lw=2),
        Line2D([], [], color=CONFLICT_COLOURS[Level.LOW], lw=2),
        Line2D([], [], color=CONFLICT_COLOURS[Level.MODERATE], lw=2),
        Line2D([], [], color=CONFLICT_COLOURS[Level.HIGH], lw=2),
        Line2D([], [], color=CONFLICT_COLOURS[ConflictLevel.PRESENT], lw=2),
        Line2D([], [], color="#555555", lw=SUPPORT_WIDTHS[Level.LOW]),
        Line2D([], [], color="#555555", lw=SUPPORT_WIDTHS[Level.HIGH]),
        Line2D([], [], color=DECEASED, lw=1.5, ls=":"),
        Line2D([], [], color=EVENT_COLOUR, lw=0.8, ls="--"),
        Line2D([], [], color=CONFLICT, lw=1.4, ls=":"),
        Line2D([], [], color=SUPPORT, lw=1.4, ls=":"),
    ]
    labels = [
        "client",
        "person",
        "person who died (†)",
        "negative event",
        "positive event",
        "mixed event",
        "neutral or not rated",
        "role",
        "tie: no conflict",
        "tie: low conflict",
        "tie: moderate conflict",
        "tie: high conflict",
        "tie: conflict, degree not stated",
        "thin: little support",
        "thick: much support",
        "tie to someone who died",
        "involved in the event",
        "role left",
        "role entered",
    ]
    anchor = (0.72, 1 - 0.5 / fig.get_figheight())
    side_legend(fig, handles, labels, "How to read it", anchor=anchor)
