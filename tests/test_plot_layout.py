"""Every plot of every bundled example, measured as drawn: no label overlaps another label or
a marker, no label is cut short or runs off the figure, no two markers sit on each other, and
the score label never meets the focus star."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import combinations

import pytest

import iptformulate
from iptformulate import examples

pytest.importorskip("matplotlib")

from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from iptformulate.plot import area_scores, closeness_circle, relationship_graph, timeline
from iptformulate.plot._common import renderer_of

PLOTS = ["closeness_circle", "timeline", "relationship_graph", "area_scores"]


def _figure(plot: str, name: str) -> Figure:
    case = examples.load(name)
    f = iptformulate.formulate(case, profile="auto")
    if plot == "closeness_circle":
        return closeness_circle(case, f)
    if plot == "timeline":
        return timeline(case, f)
    if plot == "relationship_graph":
        return relationship_graph(case)
    return area_scores(f)


def _texts(fig: Figure) -> Iterator[tuple[str, Text, Bbox]]:
    renderer = renderer_of(fig)
    legends = [t for legend in fig.legends for t in legend.findobj(Text)]
    for text in fig.findobj(Text):
        if text.get_visible() and text.get_text().strip() and text not in legends:
            yield text.get_text(), text, text.get_window_extent(renderer)


def _markers(fig: Figure) -> Iterator[tuple[str, Line2D, Bbox]]:
    renderer = renderer_of(fig)
    for ax in fig.axes:
        for line in ax.lines:
            x = line.get_xdata()
            if line.get_marker() in ("", "None", None, " ") or len(x) != 1:  # type: ignore[arg-type]
                continue
            yield str(line.get_gid()), line, line.get_window_extent(renderer)


def _overlap(a: Bbox, b: Bbox) -> float:
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    return w * h if w > 0 and h > 0 else 0.0


CASES = [(plot, name) for plot in PLOTS for name in examples.names()]


@pytest.mark.parametrize(("plot", "name"), CASES)
def test_no_label_overlaps_is_cut_or_runs_off(plot: str, name: str) -> None:
    fig = _figure(plot, name)
    fig.canvas.draw()
    frame = fig.bbox
    texts = list(_texts(fig))
    problems = []
    for label, _, box in texts:
        if label.rstrip().endswith("…"):
            problems.append(f"cut short: {label!r}")
        if not (
            frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1
        ):
            problems.append(f"runs off the figure: {label!r}")
    for (a, _, box_a), (b, _, box_b) in combinations(texts, 2):
        if _overlap(box_a, box_b) > 1.0:
            problems.append(f"labels overlap: {a!r} / {b!r}")
    markers = list(_markers(fig))
    for label, _, box in texts:
        for gid, _, mbox in markers:
            if _overlap(box, mbox) > 4.0:
                problems.append(f"label {label!r} covers marker {gid}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("plot", "name"), CASES)
def test_no_stacked_markers(plot: str, name: str) -> None:
    fig = _figure(plot, name)
    fig.canvas.draw()
    markers = list(_markers(fig))
    stacked = [
        f"{a} / {b}"
        for (a, _, box_a), (b, _, box_b) in combinations(markers, 2)
        if _overlap(box_a, box_b)
        > 0.25 * min(box_a.width * box_a.height, box_b.width * box_b.height)
    ]
    assert not stacked, stacked


def test_the_checks_see_an_overlap_and_a_stack() -> None:
    fig = Figure()
    ax = fig.add_axes((0, 0, 1, 1))
    ax.plot([0.5], [0.5], marker="o", ms=12, gid="a")
    ax.plot([0.5], [0.5], marker="s", ms=12, gid="b")
    ax.text(0.5, 0.5, "one label")
    ax.text(0.5, 0.5, "another label")
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    fig.canvas.draw()
    texts = list(_texts(fig))
    assert _overlap(texts[0][2], texts[1][2]) > 1.0
    (_, _, box_a), (_, _, box_b) = list(_markers(fig))
    assert _overlap(box_a, box_b) > 0


@pytest.mark.parametrize("score", [0.86, 0.9, 0.97, 1.0])
def test_the_score_never_meets_the_star(score: float) -> None:
    f = iptformulate.formulate(examples.load("grief_widower"))
    areas = dict(f.areas)
    areas["grief"] = areas["grief"].model_copy(update={"score": score})
    fig = area_scores(f.model_copy(update={"areas": areas}))
    fig.canvas.draw()
    renderer = renderer_of(fig)
    value = next(a for a in fig.findobj(Text) if a.get_gid() == "value:grief")
    star = next(a for a in fig.findobj(Text) if a.get_gid() == "focus:grief")
    gap = star.get_window_extent(renderer).x0 - value.get_window_extent(renderer).x1
    assert gap >= 8.0, f"{score}: {gap:.1f} px between the value and the star"
