"""Bundled teaching example cases, one per classic IPT presentation.

The cases are invented and written for teaching; they describe no real person.
"""

from __future__ import annotations

from importlib.resources import files

from ..limits import safe_load
from ..loading import parse_case
from ..model.case import Case

__all__ = ["describe", "load", "names", "text"]

_PACKAGE = "iptformulate.examples"

_DESCRIPTIONS: dict[str, str] = {
    "adolescent_divorce": (
        "Adolescent (IPT-A) after her parents' divorce: disputes with both parents and a move."
    ),
    "bipolar_healthy_self": (
        "Bipolar depression with grief for the pre-illness self after the diagnosis."
    ),
    "deficits_lifelong_isolation": (
        "Lifelong isolation and few relationships, with no qualifying life event."
    ),
    "dispute_marriage_impasse": (
        "Marital role dispute at impasse: the couple have stopped talking about it."
    ),
    "dispute_vs_transition": (
        "A move for the partner's job followed by escalating arguments about it."
    ),
    "grief_widower": "Widower whose wife died two months before onset, avoiding his grief.",
    "transition_new_mother": (
        "Perinatal role transition: first baby, lost contact with work friends."
    ),
    "withdrawn_no_event": (
        "Withdrawal from friends since onset with no named event: deficits or depression?"
    ),
}


def names() -> list[str]:
    """The names of the bundled examples, sorted."""
    root = files(_PACKAGE)
    return sorted(
        entry.name.removesuffix(".yaml")
        for entry in root.iterdir()
        if entry.is_file() and entry.name.endswith(".yaml")
    )


def load(name: str) -> Case:
    """Load and validate one bundled example; raise `KeyError` for an unknown name."""
    data = safe_load(text(name))
    return parse_case(data, source=f"{_PACKAGE}/{name}.yaml")


def text(name: str) -> str:
    """The YAML text of one bundled example, comments included (what `examples export`
    writes); raise `KeyError` for an unknown name."""
    valid = names()
    if name not in valid:
        raise KeyError(f"unknown example {name!r}; valid names: {', '.join(valid)}")
    return files(_PACKAGE).joinpath(f"{name}.yaml").read_text(encoding="utf-8")


def describe(name: str) -> str:
    """A one-line description of a bundled example; raise `KeyError` for an unknown name."""
    if name not in _DESCRIPTIONS:
        raise KeyError(f"unknown example {name!r}; valid names: {', '.join(sorted(_DESCRIPTIONS))}")
    return _DESCRIPTIONS[name]
