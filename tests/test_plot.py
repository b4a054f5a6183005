"""Teaching plots: structure (markers, rings, legends, threshold, highlights), no overlapping
labels in a crowded circle, PNG rendering, and the error that names the optional extra."""

from __future__ import annotations

import io
import sys
from typing import Any

import pytest

import iptformulate
from iptformulate import examples
from iptformulate.model import Case

mpl = pytest.importorskip("matplotlib")

from matplotlib.figure import Figure  # noqa: E402

from iptformulate.plot import (  # noqa: E402
    area_scores,
    closeness_circle,
    relationship_graph,
    timeline,
)
from iptformulate.plot._common import renderer_of  # noqa: E402


def gids(fig: Figure, prefix: str) -> list[str]:
    found = {a.get_gid() for a in fig.findobj() if (a.get_gid() or "").startswith(prefix)}
    return sorted(g for g in found if g is not None)


def artist(fig: Figure, gid: str) -> Any:
    return next(a for a in fig.findobj() if a.get_gid() == gid)


def case_with(people: list[dict[str, Any]], events: list[dict[str, Any]] | None = None) -> Case:
    return iptformulate.parse_case(
        {
            "id": "t",
            "episode": {"onset_months_before_intake": 3},
            "people": people,
            "events": events or [],
        }
    )


def crowded() -> Case:
    """Twelve people with long names on the inner ring, two not placed at all."""
    people = [
        {
            "id": f"p{k}",
            "name": f"Person number {k} with quite a long name",
            "relationship": "friend",
            "ring": 1,
            "conflict": ["none", "low", "moderate", "high"][k % 4],
            "support": ["none", "low", "moderate", "high"][(k // 2) % 4],
        }
        for k in range(12)
    ]
    people += [
        {"id": "u1", "name": "An aunt", "relationship": "other_relative"},
        {"id": "u2", "name": "A cousin", "relationship": "other_relative", "status": "deceased"},
    ]
    return case_with(people)


@pytest.mark.parametrize("name", examples.names())
def test_every_plot_draws_every_example(name: str) -> None:
    case = examples.load(name)
    f = iptformulate.formulate(case)
    figures = [
        closeness_circle(case, f),
        timeline(case, f),
        relationship_graph(case),
        area_scores(f),
    ]
    for fig in figures:
        assert isinstance(fig, Figure)
        assert fig.legends, "every plot has a legend"
    placed = [p.id for p in case.people if p.ring is not None]
    assert gids(figures[0], "person:") == sorted(f"person:{p}" for p in placed)


def test_circle_keeps_empty_rings_and_lists_unplaced_people() -> None:
    case = crowded()
    fig = closeness_circle(case)
    assert gids(fig, "ring:") == [f"ring:{k}" for k in (1, 2, 3, 4)]
    assert "empty" in artist(fig, "ringlabel:4").get_text()
    assert "empty" not in artist(fig, "ringlabel:1").get_text()
    box = artist(fig, "unplaced").get_text()
    assert "An aunt" in box and "† A cousin" in box
    assert len(gids(fig, "person:")) == 12
    assert gids(closeness_circle(case, rings=3), "ring:") == ["ring:1", "ring:2", "ring:3"]


def test_circle_widens_for_a_person_beyond_the_requested_rings() -> None:
    case = case_with([{"id": "a", "name": "A", "relationship": "friend", "ring": 4}])
    assert gids(closeness_circle(case, rings=3), "ring:")[-1] == "ring:4"


def test_circle_tie_lines_and_deceased_marks() -> None:
    case = examples.load("grief_widower")
    fig = closeness_circle(case)
    ties = {a.get_gid(): a for a in fig.findobj() if (a.get_gid() or "").startswith("tie:")}
    # Helen: low conflict and moderate support, two lines; Frank is a confidant
    helen = [a for a in fig.findobj() if a.get_gid() == "tie:helen"]
    assert len(helen) == 2
    assert "tie:frank" in ties and ties["tie:frank"].get_linestyle() == ":"
    assert "tie:jean" not in ties  # low support and no conflict: no line
    assert artist(fig, "label:margaret").get_text().startswith("†")


def test_circle_labels_do_not_overlap_in_a_crowded_ring() -> None:
    fig = closeness_circle(crowded())
    renderer = renderer_of(fig)
    fig.canvas.draw()
    boxes = [
        a.get_window_extent(renderer)
        for a in fig.findobj()
        if (a.get_gid() or "").startswith(("label:", "ringlabel:"))
    ]
    assert len(boxes) == 12 + 4
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b), (a, b)
    texts = [artist(fig, f"label:p{k}").get_text() for k in range(12)]
    for k, t in enumerate(texts):  # the whole name, wrapped; cut only where nothing fits
        name = f"Person number {k} with quite a long name"
        assert t.replace("\n", " ") == name or (t.endswith("…") and name.startswith(t[:-1]))


def test_timeline_highlights_the_focus_evidence_and_separates_undated_events() -> None:
    case = examples.load("dispute_marriage_impasse")
    f = iptformulate.formulate(case)
    fig = timeline(case, f)
    assert gids(fig, "event:") == ["event:big_argument", "event:separate_rooms"]
    for key in ("big_argument", "separate_rooms"):  # DS002 and DS009 cite them
        assert artist(fig, f"label:{key}").get_fontweight() == "bold"
    assert artist(fig, "onset").get_xdata()[0] == 0
    assert len(fig.axes) == 1

    undated = case_with(
        [{"id": "m", "name": "Mum", "relationship": "parent", "status": "deceased"}],
        [{"id": "e1", "type": "move", "months_from_onset": -2}, {"id": "e2", "type": "job_loss"}],
    )
    fig = timeline(undated)
    assert len(fig.axes) == 2  # the main lane and the undated lane
    assert gids(fig, "event:") == ["event:e1", "event:e2", "event:m"]
    assert artist(fig, "label:m").get_fontweight() == "normal"  # no formulation, no highlight


def test_timeline_labels_do_not_overlap_when_events_share_a_month() -> None:
    events = [
        {"id": f"e{k}", "type": "conflict", "months_from_onset": -1, "description": f"Row {k}"}
        for k in range(8)
    ]
    fig = timeline(case_with([], events))
    renderer = renderer_of(fig)
    boxes = [
        a.get_window_extent(renderer)
        for a in fig.findobj()
        if (a.get_gid() or "").startswith("label:")
    ]
    assert len(boxes) == 8
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b)


def test_area_scores_threshold_line_presence_and_focus() -> None:
    f = iptformulate.formulate(examples.load("grief_widower"))
    fig = area_scores(f)
    assert artist(fig, "threshold").get_xdata()[0] == pytest.approx(0.5)
    assert gids(fig, "focus:") == ["focus:grief", "focus:role_transition"]
    present = artist(fig, "bar:grief").get_facecolor()
    absent = artist(fig, "bar:role_dispute").get_facecolor()
    assert present != absent
    assert artist(fig, "bar:grief").get_width() == pytest.approx(f.areas["grief"].score)
    moved = iptformulate.formulate(
        examples.load("grief_widower"), options={"params": {"presence_threshold": 0.8}}
    )
    assert artist(area_scores(moved), "threshold").get_xdata()[0] == pytest.approx(0.8)
    assert artist(area_scores(f, threshold=0.3), "threshold").get_xdata()[0] == 0.3


def test_relationship_graph_is_deterministic_and_typed() -> None:
    case = examples.load("dispute_vs_transition")
    a, b = relationship_graph(case), relationship_graph(case)
    assert {g.split(":")[1] for g in gids(a, "node:")} == {"client", "person", "event", "role"}
    assert {"relationship", "involved_in"} <= {g.split(":")[1] for g in gids(a, "edge:")}
    pa = [x.get_xydata().tolist() for x in a.findobj() if (x.get_gid() or "").startswith("node:")]
    pb = [x.get_xydata().tolist() for x in b.findobj() if (x.get_gid() or "").startswith("node:")]
    assert pa == pb


def test_relationship_graph_teaches_closeness_conflict_support_and_time() -> None:
    from iptformulate.plot.relgraph import CONFLICT_COLOURS, RING_STEP, SUPPORT_WIDTHS

    case = examples.load("adolescent_divorce")
    fig = relationship_graph(case)
    for person in case.people:  # each person on their closeness ring
        x, y = artist(fig, f"node:person:{person.id}").get_xydata()[0]
        assert abs((x * x + y * y) ** 0.5 - (person.ring or 5) * RING_STEP) < 1e-9
        edge = artist(fig, f"edge:relationship:{person.id}")
        assert edge.get_color() == CONFLICT_COLOURS[person.conflict]
        assert edge.get_linewidth() == SUPPORT_WIDTHS[person.support]
    mum, gran = artist(fig, "edge:relationship:mum"), artist(fig, "edge:relationship:grandma")
    assert mum.get_color() != gran.get_color() and gran.get_linewidth() > mum.get_linewidth()
    xs = {}
    for event in case.events:  # labelled by description, placed in time order on one axis
        assert artist(fig, f"label:{event.id}").get_text().replace("\n", " ") == event.description
        xs[case.offset(event.id)] = artist(fig, f"node:event:{event.id}").get_xydata()[0][0]
    assert [xs[k] for k in sorted(xs)] == sorted(xs.values())


def test_png_rendering() -> None:
    case = examples.load("grief_widower")
    f = iptformulate.formulate(case)
    for fig in (
        closeness_circle(case, f),
        timeline(case, f),
        relationship_graph(case),
        area_scores(f),
    ):
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
        assert buffer.getvalue()[:8] == b"\x89PNG\r\n\x1a\n"


def test_missing_matplotlib_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    for module in ("matplotlib.figure", "matplotlib.backends.backend_agg"):
        monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(ImportError, match=r"iptformulate\[plot\]"):
        closeness_circle(examples.load("grief_widower"))


def test_plots_can_be_drawn_from_several_threads_at_once() -> None:
    from concurrent.futures import ThreadPoolExecutor

    names = examples.names()[:4]

    def draw(name: str) -> bytes:
        case = examples.load(name)
        buffer = io.BytesIO()
        closeness_circle(case).savefig(buffer, format="png")
        return buffer.getvalue()

    with ThreadPoolExecutor(max_workers=4) as pool:
        threaded = list(pool.map(draw, names))
    assert threaded == [draw(n) for n in names]  # no state shared between figures
