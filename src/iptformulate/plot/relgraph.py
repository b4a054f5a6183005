"""The typed relationship graph (stage 2) as a picture: who, which events, which roles.

Drawn with matplotlib primitives at networkx layout positions (spring layout, fixed seed,
started from shells: client, people, events, roles), so the same case always looks the same.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import networkx as nx

from ..graph import CLIENT, RelationshipGraph
from ..model.case import Case
from ..model.vocab import PersonStatus
from ._common import CLIENT as CLIENT_COLOUR
from ._common import (
    CONFLICT,
    DECEASED,
    PERSON,
    SUPPORT,
    legend_dot,
    new_figure,
    shorten,
    side_legend,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["relationship_graph"]

NODE_COLOURS = {"client": CLIENT_COLOUR, "person": PERSON, "event": "#e67e22", "role": "#16a085"}
NODE_SHAPES = {"client": "o", "person": "o", "event": "s", "role": "D"}
EDGE_STYLES: dict[str, dict[str, Any]] = {
    "relationship": {"color": "#7f8c8d", "ls": "-", "lw": 1.2},
    "involved_in": {"color": "#e67e22", "ls": "--", "lw": 1.0},
    "left_role": {"color": CONFLICT, "ls": ":", "lw": 1.6},
    "entered_role": {"color": SUPPORT, "ls": ":", "lw": 1.6},
}
SEED = 7


def relationship_graph(case: Case) -> Figure:
    """Draw the case's relationship graph: node kinds coloured, edge types styled."""
    from matplotlib.lines import Line2D

    graph = RelationshipGraph(case)
    g = graph.g
    shells = [[CLIENT], *(graph.nodes_of(k) for k in ("person", "event", "role"))]
    start = nx.shell_layout(g, nlist=[s for s in shells if s])
    pos = nx.spring_layout(g, pos=start, seed=SEED, iterations=60, k=1.2)

    fig = new_figure(11.0, 8.0)
    ax = fig.add_axes((0.02, 0.02, 0.7, 0.9))
    ax.set_axis_off()
    fig.text(0.02, 0.97, f"Relationship graph: {case.id}", fontsize=12, va="top", gid="title")
    for u, v, kind in g.edges(keys=True):
        (x0, y0), (x1, y1) = pos[u], pos[v]
        ax.annotate(
            "",
            xy=(x1, y1),
            xytext=(x0, y0),
            zorder=1,
            arrowprops={
                "arrowstyle": "-|>",
                "shrinkA": 9,
                "shrinkB": 9,
                "mutation_scale": 10,
                "color": EDGE_STYLES[kind]["color"],
                "ls": EDGE_STYLES[kind]["ls"],
                "lw": EDGE_STYLES[kind]["lw"],
            },
            gid=f"edge:{kind}",
        )
    people = {p.id: p for p in case.people}
    events = {e.id: e for e in case.events}
    for node, data in g.nodes(data=True):
        kind = data["kind"]
        colour = NODE_COLOURS[kind]
        label = "client"
        if kind == "person":
            person = people[data["ref"]]
            label = shorten(person.name, 18)
            if person.status is PersonStatus.DECEASED:
                colour, label = DECEASED, "† " + label
        elif kind == "event":
            event = events[data["ref"]]
            offset = case.offset(event.id)
            when = "undated" if offset is None else f"{offset:+d} m"
            label = f"{str(event.type).replace('_', ' ')} ({when})"
        elif kind == "role":
            label = shorten(str(data["label"]), 18)
        x, y = pos[node]
        ax.plot(
            [x],
            [y],
            marker=NODE_SHAPES[kind],
            ms=16 if kind == "client" else 11,
            ls="none",
            markerfacecolor=colour,
            markeredgecolor="#2c3e50",
            zorder=3,
            gid=f"node:{kind}",
        )
        ax.annotate(
            label,
            (x, y),
            xytext=(0, -12),
            textcoords="offset points",
            ha="center",
            va="top",
            fontsize=8,
            zorder=4,
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8},
        )
    ax.margins(0.12)
    handles = [legend_dot(c, NODE_SHAPES[k]) for k, c in NODE_COLOURS.items()] + [
        Line2D([], [], **style) for style in EDGE_STYLES.values()
    ]
    labels = [*NODE_COLOURS, *(k.replace("_", " ") for k in EDGE_STYLES)]
    side_legend(fig, handles, labels, "Nodes and edges")
    return fig
