"""Network Canvas import: CSV and GraphML exports of its ego-network interviews become cases.

`read_export(path)` reads the export into plain records, `convert(export, mapping)` turns each
ego into a case document with a report of what it could not use (docs/network-canvas.md).
"""

from __future__ import annotations

from .convert import ImportReport, Problem, convert
from .export import Alter, Ego, Export, read_export
from .mapping import NCMapping, load_mapping

__all__ = [
    "Alter",
    "Ego",
    "Export",
    "ImportReport",
    "NCMapping",
    "Problem",
    "convert",
    "load_mapping",
    "read_export",
]
