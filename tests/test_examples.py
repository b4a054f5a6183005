"""The bundled teaching examples load and validate."""

from __future__ import annotations

import pytest

from iptformulate import Case, examples

REQUIRED = {
    "adolescent_divorce",
    "bipolar_healthy_self",
    "deficits_lifelong_isolation",
    "dispute_marriage_impasse",
    "dispute_vs_transition",
    "grief_widower",
    "transition_new_mother",
    "withdrawn_no_event",
}


def test_names_sorted_and_complete() -> None:
    names = examples.names()
    assert names == sorted(names)
    assert set(names) >= REQUIRED


@pytest.mark.parametrize("name", examples.names())
def test_every_example_loads(name: str) -> None:
    case = examples.load(name)
    assert isinstance(case, Case)
    assert case.id == name
    assert 3 <= len(case.people) <= 8
    assert examples.describe(name)
    assert "\n" not in examples.describe(name)


def test_unknown_name_lists_valid_choices() -> None:
    with pytest.raises(KeyError) as info:
        examples.load("no_such_case")
    message = str(info.value)
    assert "no_such_case" in message
    for name in REQUIRED:
        assert name in message


def test_unknown_description_raises() -> None:
    with pytest.raises(KeyError):
        examples.describe("no_such_case")


def test_key_features_of_examples() -> None:
    grief = examples.load("grief_widower")
    assert grief.offset("margaret") == -2
    deficits = examples.load("deficits_lifelong_isolation")
    assert deficits.events == []
    assert deficits.network.longstanding_isolation is True
    assert deficits.network.size_before_onset == deficits.network.size_now
    withdrawn = examples.load("withdrawn_no_event")
    assert withdrawn.network.withdrew_since_onset is True
    assert withdrawn.network.longstanding_isolation is False
    bipolar = examples.load("bipolar_healthy_self")
    assert bipolar.episode.mourns_pre_illness_self is True
    mother = examples.load("transition_new_mother")
    assert mother.offset("birth") == -1
