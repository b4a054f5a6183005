"""Rendering rule rationales and evidence with the names of the case's people and events.

Templates hold `{alias}`, `{alias.field}` and `{alias.field|filter}` slots only; they are filled by
plain substitution, never evaluated. Each template is split once, so filling one per finding
needs no regex. The catalogues' `str.format` templates (`{name}` fields) are compiled once too.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from functools import lru_cache
from operator import itemgetter
from typing import Any, NamedTuple

from ..facts import UNKNOWN_OFFSET, Fact
from ..model.case import Case

_SLOT = re.compile(r"\{([^{}]*)\}")


def words(value: Any) -> str:
    """A vocabulary value in words: `job_loss` -> `job loss`."""
    return str(value).replace("_", " ")


def months_text(offset: Any) -> str:
    """A signed offset from onset in words."""
    if not isinstance(offset, int) or offset == UNKNOWN_OFFSET:
        return "at an unknown time"
    if offset == 0:
        return "around the onset"
    unit = "month" if abs(offset) == 1 else "months"
    side = "before" if offset < 0 else "after"
    return f"{abs(offset)} {unit} {side} the onset"


class Names:
    """Display names of the facts of one case (people, events, and the summary facts)."""

    def __init__(self, case: Case, area_labels: Mapping[str, str]) -> None:
        self._people = {p.id: p.name for p in case.people}
        self._events = {e.id: (e.description or words(e.type)) for e in case.events}
        self._labels = area_labels
        self._findings: dict[tuple[str, str], str] = {}  # candidate facts by (area, rule)

    def person(self, ref: str) -> str:
        return self._people.get(ref, ref)

    def event(self, ref: str) -> str:
        return self._events.get(ref, ref)

    def display(self, fact: Fact) -> str:
        kind = fact["kind"]
        if kind == "person":
            return self.person(str(fact["ref"]))
        if kind == "event":
            return self.event(str(fact["ref"]))
        if kind == "involvement":
            return f"{self.event(str(fact['event_ref']))} ({self.person(str(fact['person_ref']))})"
        if kind == "client":
            return "the client"
        if kind == "summary":
            return "the client's network"
        if kind == "candidate":
            return self.candidate(str(fact["area"]), str(fact.get("rule", "?")))
        return str(fact.get("id", kind))

    def candidate(self, area: str, rule: str) -> str:
        """How a fact derived by `rule` for `area` is shown."""
        shown = self._findings.get((area, rule))
        if shown is None:
            label = self._labels.get(area)
            if label is None:
                label = words(area)
            shown = self._findings[area, rule] = f"a finding for {label} ({rule})"
        return shown

    def ref(self, fact: Fact) -> str:
        """The case id an evidence fact stands for (person or event id, else the fact id)."""
        if fact["kind"] in ("person", "event"):
            return str(fact["ref"])
        if fact["kind"] == "involvement":
            return str(fact["event_ref"])
        return str(fact["id"])


class CaseNames(Names):
    """`Names` that work out each fact's display name once: fact ids are unique in a case."""

    def __init__(self, case: Case, area_labels: Mapping[str, str]) -> None:
        super().__init__(case, area_labels)
        self._shown: dict[str, str] = {}

    def display(self, fact: Fact) -> str:
        shown = self._shown.get(fact["id"])
        if shown is None:
            shown = self._shown[fact["id"]] = Names.display(self, fact)
        return shown

    def ref_and_display(self, fact: Fact) -> tuple[str, str]:
        """`ref(fact)` and `display(fact)` at once, for the evidence of a finding."""
        kind = fact["kind"]
        if kind == "person":
            ref = str(fact["ref"])
            shown = self._people.get(ref, ref)
        elif kind == "event":
            ref = str(fact["ref"])
            shown = self._events.get(ref, ref)
        else:
            return self.ref(fact), self.display(fact)
        self._shown[fact["id"]] = shown
        return ref, shown


class Template(NamedTuple):
    """A template split once into the text before the first slot and, per slot, how to fill
    it and the text after it."""

    head: str
    slots: tuple[tuple[str, str, int, str, str], ...]  # alias, field, mode, as written, tail
    capitalize: bool  # whether the text starts with a slot (else `head` starts in upper case)


_DISPLAY, _MONTHS, _WORDS = 0, 1, 2


@lru_cache(maxsize=4096)
def compile_template(template: str) -> Template:
    """Split a template into literal text and slots, so filling it needs no regex."""
    starts_with_slot = _SLOT.match(template) is not None
    if not starts_with_slot:
        template = template[:1].upper() + template[1:]
    matches = list(_SLOT.finditer(template))
    ends = [m.start() for m in matches[1:]] + [len(template)] if matches else []
    slots = []
    for match, end in zip(matches, ends, strict=True):
        body, _, filt = match.group(1).partition("|")
        alias, _, field = body.partition(".")
        mode = _DISPLAY if not field or filt == "name" else _MONTHS if filt == "months" else _WORDS
        slots.append((alias, field, mode, match.group(0), template[match.end() : end]))
    head = template[: matches[0].start()] if matches else template
    return Template(head, tuple(slots), starts_with_slot)


def fill(template: Template, bound: Mapping[str, Fact], names: Names) -> str:
    """Fill a compiled template; a slot naming an alias not bound stays as written."""
    pieces = [template.head]
    for alias, field, mode, written, tail in template.slots:
        fact = bound.get(alias)
        if fact is None:
            pieces.append(written)
        elif mode == _DISPLAY:
            pieces.append(names.display(fact))
        elif mode == _MONTHS:
            pieces.append(months_text(fact.get(field, "")))
        else:
            pieces.append(words(fact.get(field, "")))
        pieces.append(tail)
    text = "".join(pieces)
    return text[:1].upper() + text[1:] if template.capitalize else text


def render(template: str, bound: Mapping[str, Fact], names: Names) -> str:
    """Fill a rationale template from the facts a rule fired on."""
    return fill(compile_template(template), bound, names)


# --- the catalogues' `str.format` templates ({name} fields) ------------------------------


@lru_cache(maxsize=1024)
def field_names(template: str) -> tuple[str, ...]:
    """The names of a `str.format` template's fields."""
    return tuple({name for _, name, _, _ in string.Formatter().parse(template) if name})


def fill_fields(template: str, values: Mapping[str, str]) -> str:
    """`template.format(...)` with `values`, a name it lacks left empty."""
    compiled = _compiled(template)
    try:
        if compiled is not None:
            return _apply(compiled, values)
    except KeyError:
        pass
    return template.format(**{n: values.get(n, "") for n in field_names(template)})


def format_fields(template: str, values: Mapping[str, str]) -> str:
    """`template.format(**values)` for string values, as a %-format compiled once."""
    compiled = _compiled(template)
    return template.format(**values) if compiled is None else _apply(compiled, values)


def _apply(compiled: tuple[str, int, itemgetter[Any]], values: Mapping[str, str]) -> str:
    pattern, names, get = compiled
    if names == 0:
        return pattern
    return pattern % (get(values) if names > 1 else (get(values),))


@lru_cache(maxsize=1024)
def _compiled(template: str) -> tuple[str, int, itemgetter[Any]] | None:
    """`template` as a %-format, its number of fields and a getter of their values; None if a
    field is more than a plain name (then `str.format` handles it)."""
    texts = [""]
    names: list[str] = []
    for text, name, spec, conversion in string.Formatter().parse(template):
        texts[-1] += text
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion is not None:
            return None
        names.append(name)
        texts.append("")
    pattern = "%s".join(t.replace("%", "%%") for t in texts)
    return (pattern if names else texts[0]), len(names), itemgetter(*names or [""])
