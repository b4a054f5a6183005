"""Shared plumbing of the plots: the lazy matplotlib import and label placement.

matplotlib is an optional extra, so it is imported here, on first use, and never through
pyplot: every plot builds its own `Figure` on an Agg canvas, which keeps plotting headless and
safe to call from several threads at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.backend_bases import RendererBase
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.text import Text
    from matplotlib.transforms import Bbox

INSTALL_HINT = "plotting needs matplotlib, an optional extra: pip install 'iptformulate[plot]'"

# One palette for every plot, so a trainer learns the colours once.
CONFLICT = "#c0392b"
SUPPORT = "#2e8b57"
CONFIDANT = "#1f5fbf"
PERSON = "#4a7fb0"
CLIENT = "#f2b134"
DECEASED = "#8c8c8c"
EVIDENCE = "#e67e22"
VALENCE = {
    "negative": "#c0392b",
    "positive": "#2e8b57",
    "mixed": "#8e44ad",
    "neutral": "#7f8c8d",
}


def legend_dot(face: str, marker: str = "o", edge: str = "#2c3e50", width: float = 1.0) -> Line2D:
    """A marker-only legend entry, drawn as the plots draw their dots."""
    from matplotlib.lines import Line2D

    return Line2D(
        [],
        [],
        marker=marker,
        ls="none",
        ms=9,
        markerfacecolor=face,
        markeredgecolor=edge,
        markeredgewidth=width,
    )


def side_legend(
    fig: Figure,
    handles: Sequence[Artist],
    labels: Sequence[str],
    title: str,
    anchor: tuple[float, float] = (0.75, 0.9),
) -> None:
    """The legend box to the right of the drawing, the same in every plot."""
    fig.legend(
        handles,
        labels,
        loc="upper left",
        bbox_to_anchor=anchor,
        fontsize=9,
        title=title,
        title_fontsize=10,
    )


def new_figure(width: float, height: float) -> Figure:
    """A figure on its own Agg canvas (no pyplot, no global state)."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise ImportError(INSTALL_HINT) from exc
    fig = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(fig)
    return fig


def renderer_of(fig: Figure) -> RendererBase:
    """The Agg renderer that measures text exactly as it will be drawn."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = fig.canvas
    assert isinstance(canvas, FigureCanvasAgg)
    renderer: RendererBase = canvas.get_renderer()  # type: ignore[no-untyped-call,unused-ignore]
    return renderer


def shorten(text: str, limit: int) -> str:
    """A label no longer than `limit` characters, cut at a word where possible."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:-(") + "…"


def label_variants(text: str, widths: Sequence[int], *, last_resort: int = 0) -> list[str]:
    """A label's texts to try, best first: whole on one line, then wrapped onto lines of at
    most each of `widths` characters; cut short (`shorten`) only as a `last_resort`."""
    import textwrap

    text = " ".join(text.split())
    out = [text, *("\n".join(textwrap.wrap(text, width)) for width in widths)]
    if last_resort:
        out.append(shorten(text, last_resort))
    return list(dict.fromkeys(v for v in out if v))


HAlign = Literal["left", "center", "right"]
VAlign = Literal["bottom", "center", "top"]


@dataclass(frozen=True)
class Spot:
    """One candidate position of a label, in data coordinates."""

    x: float
    y: float
    ha: HAlign
    va: VAlign


def _padded(box: Bbox, pad: float) -> Bbox:
    from matplotlib.transforms import Bbox

    return Bbox.from_extents(box.x0 - pad, box.y0 - pad, box.x1 + pad, box.y1 + pad)


def _overlap_area(a: Bbox, b: Bbox) -> float:
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    return w * h if w > 0 and h > 0 else 0.0


def place_labels(
    fig: Figure,
    ax: Axes,
    items: Sequence[tuple[Text, Sequence[Spot], Sequence[str]]],
    obstacles: Iterable[Bbox] = (),
    *,
    pad: float = 2.0,
) -> list[Spot]:
    """Put each label at its first candidate spot that overlaps nothing placed so far.

    `items` holds, per label, the text artist, its candidate spots (best first) and its
    texts from longest to shortest; a label that fits nowhere is shortened and tried again,
    and as a last resort goes where it overlaps least. Greedy and deterministic.
    """
    renderer = renderer_of(fig)
    frame = ax.get_window_extent(renderer)
    taken = [_padded(b, pad) for b in obstacles]
    chosen: list[Spot] = []
    for text, spots, variants in items:
        best: tuple[float, Spot, str] | None = None
        found: tuple[Spot, Bbox] | None = None
        for variant in variants:
            text.set_text(variant)
            for spot in spots:
                box = _try(text, spot, renderer)
                inside = frame.contains(box.x0, box.y0) and frame.contains(box.x1, box.y1)
                cost = sum(_overlap_area(box, t) for t in taken) + (0.0 if inside else 1e6)
                if cost == 0.0:
                    found = (spot, box)
                    break
                if best is None or cost < best[0]:
                    best = (cost, spot, variant)
            if found:
                break
        if found is None:
            assert best is not None
            text.set_text(best[2])
            found = (best[1], _try(text, best[1], renderer))
        taken.append(_padded(found[1], pad))
        chosen.append(found[0])
    return chosen


def _try(text: Text, spot: Spot, renderer: RendererBase) -> Bbox:
    text.set_position((spot.x, spot.y))
    text.set_horizontalalignment(spot.ha)
    text.set_verticalalignment(spot.va)
    return text.get_window_extent(renderer)
