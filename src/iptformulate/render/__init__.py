"""Renderers of a `Formulation`: one module per format, no formatting logic in the model.

>>> from iptformulate.render import render
>>> print(render(formulation, "markdown"))  # doctest: +SKIP
"""

from __future__ import annotations

from importlib import import_module
from types import ModuleType
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from ..formulation.model import Formulation
    from . import html, json, markdown, text

__all__ = ["Format", "html", "json", "markdown", "render", "text"]

Format = Literal["text", "markdown", "json", "html"]

_FORMATS = ("text", "markdown", "json", "html")


def render(formulation: Formulation, fmt: Format = "text") -> str:
    """Render a formulation in one of the four formats; raise `ValueError` for any other."""
    if fmt not in _FORMATS:
        raise ValueError(f"unknown format {fmt!r}; valid: {', '.join(_FORMATS)}")
    renderer: ModuleType = import_module(f".{fmt}", __name__)  # only the format asked for
    return str(renderer.render(formulation))


def __getattr__(name: str) -> ModuleType:
    if name in _FORMATS:
        return import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
