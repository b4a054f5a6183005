"""The problem areas as data (`rules/areas.yaml`): one accessor for their ids, code prefixes,
titles and sub-type kinds, so no module repeats them."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import lru_cache
from pathlib import Path

from .load import RulePack, default_rules_dir, load_areas
from .spec import AreaSpec


def area_specs(pack: RulePack | None = None) -> Mapping[str, AreaSpec]:
    """The areas of `pack`, or of the default rules folder (read without loading the rules)."""
    if pack is not None:
        return pack.areas
    return _areas_at(str(default_rules_dir()))


@lru_cache(maxsize=4)
def _areas_at(root: str) -> Mapping[str, AreaSpec]:
    return load_areas(Path(root))


class SubtypeKinds(Mapping[str, str]):
    """Area id -> the kind of its sub-type (`grief` -> `grief_pattern`), for areas that have
    one; read from the default rules folder's areas.yaml on first use."""

    def _data(self) -> dict[str, str]:
        return {a.id: a.subtype_kind for a in area_specs().values() if a.subtype_kind is not None}

    def __getitem__(self, key: str) -> str:
        return self._data()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data())

    def __len__(self) -> int:
        return len(self._data())
