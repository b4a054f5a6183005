"""Renderers of a `Formulation`: one module per format, no formatting logic in the model.

>>> from iptformulate.render import render
>>> print(render(formulation, "markdown"))  # doctest: +SKIP

`Format` is the one list of output formats: the CLI's `--format` choices and the tests that
loop over formats read `FORMATS`. Adding a format is adding its name to `Format` and a module
of the same name here with `render(formulation) -> str` (and `document(formulation, case)` when
the complete file differs from it); an optional dependency goes in `_EXTRAS`, a line for
`--format`'s help in `_NOTES`.
"""

from __future__ import annotations

from importlib import import_module
from importlib.util import find_spec
from types import ModuleType
from typing import TYPE_CHECKING, Literal, get_args

if TYPE_CHECKING:
    from ..formulation.model import Formulation
    from ..model.case import Case
    from . import fhir, html, json, markdown, text

__all__ = [
    "FORMATS",
    "Format",
    "available",
    "document",
    "extra",
    "fhir",
    "formats_help",
    "html",
    "installed",
    "json",
    "markdown",
    "render",
    "text",
]

Format = Literal["text", "markdown", "json", "html", "fhir"]
FORMATS: tuple[Format, ...] = get_args(Format)

_EXTRAS: dict[str, tuple[str, str]] = {"fhir": ("fhir", "fhir.resources")}
"""format -> (the package extra it needs, the module that extra provides)."""
_NOTES: dict[str, str] = {
    "html": "a complete UTF-8 page",
    "fhir": "a FHIR R4 Bundle as JSON",
}


def _module(fmt: str) -> ModuleType:
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; valid: {', '.join(FORMATS)}")
    return import_module(f".{fmt}", __name__)  # only the format asked for


def render(formulation: Formulation, fmt: Format = "text") -> str:
    """Render a formulation in one of `FORMATS`; raise `ValueError` for any other."""
    return str(_module(fmt).render(formulation))


def document(formulation: Formulation, fmt: Format = "text", case: Case | None = None) -> str:
    """The complete output `iptformulate formulate --format fmt` writes: an HTML page rather
    than the card, a FHIR Bundle with `case`'s relationships; otherwise `render`."""
    renderer = _module(fmt)
    if hasattr(renderer, "document"):
        return str(renderer.document(formulation, case))
    return str(renderer.render(formulation))


def installed() -> tuple[Format, ...]:
    """The formats whose optional dependencies are installed, in `FORMATS` order."""
    return tuple(fmt for fmt in FORMATS if available(fmt))


def extra(fmt: str) -> str | None:
    """The package extra a format needs (`pip install 'iptformulate[extra]'`), if any."""
    return _EXTRAS[fmt][0] if fmt in _EXTRAS else None


def available(fmt: str) -> bool:
    """Whether a format's optional dependency is installed (always, for one without)."""
    if fmt not in _EXTRAS:
        return True
    try:
        return find_spec(_EXTRAS[fmt][1]) is not None
    except ModuleNotFoundError:  # its parent package is missing
        return False


def formats_help() -> str:
    """One line on the formats that need saying something about, for `--format`'s help."""
    notes = []
    for fmt in FORMATS:
        note = _NOTES.get(fmt, "")
        if fmt in _EXTRAS:
            note += f" (extra `{_EXTRAS[fmt][0]}`)"
        if note:
            notes.append(f"{fmt}: {note.strip()}")
    return "; ".join(notes)


def __getattr__(name: str) -> ModuleType:
    if name in FORMATS:
        return import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
