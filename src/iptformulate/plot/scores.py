"""Area scores as bars against the presence threshold: why an area is, or is not, present."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..formulation.model import Formulation
from ._common import EVIDENCE, new_figure
from .thresholds import RulesArg, profile_params

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["area_scores"]

_PRESENT = "#2e86c1"
_ABSENT = "#d5dbdb"
_INSIDE = 0.85  # from this score on, the value is written inside the end of its bar


def area_scores(
    formulation: Formulation, *, threshold: float | None = None, rules: RulesArg = None
) -> Figure:
    """Horizontal bars of the area scores, the presence threshold line, the focus marked.

    The threshold is read from the profile the formulation was made with (and any override
    it records); pass `threshold`, or `rules` for a formulation from another rule folder.
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    if threshold is None:
        threshold = float(profile_params(formulation, rules)["presence_threshold"])
    areas = list(formulation.areas.values())
    fig = new_figure(9.0, 1.2 + 0.7 * len(areas))
    ax = fig.add_axes((0.3, 0.18, 0.5, 0.62))
    fig.text(
        0.02,
        0.97,
        f"Area scores: {formulation.case_id} ({formulation.provenance.profile})",
        fontsize=12,
        va="top",
        gid="title",
    )
    ys = list(range(len(areas)))[::-1]  # first area on top
    for y, area in zip(ys, areas, strict=True):
        ax.barh(
            y,
            area.score,
            height=0.6,
            color=_PRESENT if area.present else _ABSENT,
            edgecolor="#2c3e50",
            hatch="//" if area.excluded else None,
            gid=f"bar:{area.area}",
        )
        value = f"{area.score:.2f}" + ("  excluded" if area.excluded else "")
        inside = area.score >= _INSIDE and not area.excluded  # no room after the bar
        ax.text(
            area.score - 0.01 if inside else area.score + 0.01,
            y,
            value,
            va="center",
            ha="right" if inside else "left",
            fontsize=9,
            color="white" if inside and area.present else "#1d2330",
            fontweight="bold" if inside else "normal",
            gid=f"value:{area.area}",
        )
        mark = ""
        if area.area == formulation.primary_focus:
            mark = "★ primary focus"
        elif area.area == formulation.secondary_focus:
            mark = "☆ secondary focus"
        if mark:
            ax.text(
                1.06,
                y,
                mark,
                va="center",
                fontsize=9,
                color=EVIDENCE,
                fontweight="bold",
                gid=f"focus:{area.area}",
                clip_on=False,
            )
    ax.set_yticks(ys, [a.label for a in areas])
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.6, len(areas) - 0.4)
    ax.set_xlabel("score")
    ax.axvline(threshold, color="#c0392b", ls="--", lw=1.5, gid="threshold")
    handles = [
        Patch(facecolor=_PRESENT, edgecolor="#2c3e50"),
        Patch(facecolor=_ABSENT, edgecolor="#2c3e50"),
        Line2D([], [], color="#c0392b", ls="--", lw=1.5),
    ]
    labels = ["present", "not present", f"presence threshold ({threshold:g})"]
    if any(a.excluded for a in areas):
        handles.append(Patch(facecolor="white", edgecolor="#2c3e50", hatch="//"))
        labels.append("excluded")
    fig.legend(
        handles,
        labels,
        loc="lower center",
        ncol=len(labels),
        fontsize=9,
        bbox_to_anchor=(0.5, 0.0),
        frameon=False,
    )
    return fig
