"""Renderers of a `Formulation`: one module per format, no formatting logic in the model.

>>> from iptformulate.render import render
>>> print(render(formulation, "markdown"))  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Literal

from ..formulation.model import Formulation
from . import html, json, markdown, text

__all__ = ["Format", "html", "json", "markdown", "render", "text"]

Format = Literal["text", "markdown", "json", "html"]

_RENDERERS = {
    "text": text.render,
    "markdown": markdown.render,
    "json": json.render,
    "html": html.render,
}


def render(formulation: Formulation, fmt: Format = "text") -> str:
    """Render a formulation in one of the four formats; raise `ValueError` for any other."""
    try:
        renderer = _RENDERERS[fmt]
    except KeyError:
        raise ValueError(f"unknown format {fmt!r}; valid: {', '.join(_RENDERERS)}") from None
    return renderer(formulation)
