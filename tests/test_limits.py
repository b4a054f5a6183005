"""The document check: a fast pass for clean documents, the path-keeping walk for the rest.

`check_document` first runs `_fits` (no paths) and falls back to `_walk` (the first problem with
its path). Both must agree on every document, or a limit could be skipped.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iptformulate import limits
from iptformulate.limits import LimitProblem, Limits, check_document

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

KEYS = st.sampled_from(["id", "name", "people", "notes", "a", "bb", "x" * 7]) | st.text(max_size=9)
LEAVES = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=9)
    | st.just(dt.date(2024, 1, 1))
    | st.just(b"bytes")
)
TREES = st.recursive(
    LEAVES,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.lists(inner, max_size=3).map(tuple)
        | st.dictionaries(KEYS | st.integers(), inner, max_size=4)
    ),
    max_leaves=40,
)


def _walk_passes(doc: Any, max_text: int, max_depth: int) -> bool:
    try:
        limits._walk(doc, max_text, max_depth)
    except LimitProblem:
        return False
    return True


@SETTINGS
@given(
    doc=st.dictionaries(KEYS, TREES, max_size=5),
    max_text=st.integers(1, 10),
    max_depth=st.integers(1, 6),
    max_nodes=st.sampled_from([5, 20, 2_000_000]),
)
def test_fast_pass_agrees_with_the_walk(
    doc: dict[str, Any], max_text: int, max_depth: int, max_nodes: int
) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(limits, "MAX_NODES", max_nodes)
        assert limits._fits(doc, max_text, max_depth) == _walk_passes(doc, max_text, max_depth)


@pytest.mark.parametrize(
    ("doc", "path", "words"),
    [
        ({"id": "x", "people": [{"notes": "n" * 11}]}, "people[0].notes", "11 characters"),
        ({"id": "x", "a": [[[["deep"]]]]}, "a[0][0]", "more than 3 levels"),
        ({"id": "x", "a": [[[[]]]]}, "a[0][0]", "more than 3 levels"),
        ({"id": "x", "k" * 11: 1}, "<root>", "key is over"),
        ({"id": "x", "a": {"k" * 11: 1}}, "a", "key is over"),
        ({"id": "x", 5: {"b": "n" * 11}}, "[5].b", "11 characters"),
        ({"id": "x", "a": ("t", "n" * 11)}, "a[1]", "11 characters"),
    ],
)
def test_problems_found_by_either_pass_keep_their_path(
    doc: dict[Any, Any], path: str, words: str
) -> None:
    with pytest.raises(LimitProblem) as info:
        check_document(doc, Limits(max_text=10, max_depth=3))
    assert info.value.path == path and words in str(info.value)


def test_field_names_longer_than_a_tight_text_limit_are_still_measured() -> None:
    with pytest.raises(LimitProblem, match="key is over"):
        check_document({"id": "x", "relationship_detail": None}, Limits(max_text=10))
    check_document({"id": "x", "relationship_detail": None}, Limits(max_text=19))


def test_unusual_types_go_to_the_walk() -> None:
    class Text(str):
        pass

    for doc in ({"notes": Text("n" * 11)}, {"a": {"b": Text("n" * 11)}}):
        assert not limits._fits(doc, 10, 32)
        with pytest.raises(LimitProblem, match="11 characters"):
            check_document(doc, Limits(max_text=10))
    assert not limits._fits(["not", "a", "mapping"], 10, 32)
    check_document({"a": Text("short")}, Limits(max_text=10))


def test_shared_and_cyclic_values_are_counted_as_expanded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_NODES", 50)
    row = ["x"] * 10
    with pytest.raises(LimitProblem, match="more than 50 values"):
        check_document({"id": "x", "a": [row] * 10})
    check_document({"id": "x", "a": [row] * 4})
    loop: dict[str, Any] = {"id": "x"}
    loop["self"] = loop
    with pytest.raises(LimitProblem, match="nested more than"):
        check_document(loop)
