"""Rendering rule rationales and evidence with the names of the case's people and events.

Templates hold `{alias}`, `{alias.field}` and `{alias.field|filter}` slots only; they are filled by
plain substitution, never evaluated. Each template is split once, so filling one per finding
needs no regex. The catalogues' `{name}` templates are split once and filled the same way.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any, NamedTuple

from ..facts import UNKNOWN_OFFSET, Fact
from ..model.case import Case

_SLOT = re.compile(r"\{([^{}]*)\}")


def words(value: Any) -> str:
    """A vocabulary value in words: `job_loss` -> `job loss`."""
    return str(value).replace("_", " ")


def inside_sentence(label: str) -> str:
    """An area label set inside a sentence: "Role transition" -> "role transition" (an
    initialism such as "IPT" keeps its capitals)."""
    if len(label) > 1 and label[0].isupper() and label[1].islower():
        return label[0].lower() + label[1:]
    return label


UNKNOWN_TIME = "at an unknown time"  # when_text of a death or event not placed at all


def months_text(offset: Any) -> str:
    """A signed offset from onset in words."""
    if not isinstance(offset, int) or offset == UNKNOWN_OFFSET:
        return UNKNOWN_TIME
    if offset == 0:
        return "around the onset"
    unit = "month" if abs(offset) == 1 else "months"
    side = "before" if offset < 0 else "after"
    return f"{abs(offset)} {unit} {side} the onset"


_IN_WORDS = {
    ("yes", "at_onset"): "around the onset",
    ("yes", "before_onset"): "shortly before the onset",
    ("yes", "after_onset"): "shortly after the onset",
    ("yes", "unknown"): "close to the onset",
    ("no", "before_onset"): "long before the onset",
    ("no", "after_onset"): "long after the onset",
    ("no", "unknown"): "far from the onset",
    ("unknown", "before_onset"): "at some time before the onset",
    ("unknown", "after_onset"): "at some time after the onset",
}
"""An undated event or death placed in words (near the window or not, which side of onset)."""


def when_text(fact: Fact, field: str) -> str:
    """When an event or a death happened, from its offset (`offset` or `death_offset`) or,
    when no months are known, from what was said in words: its side of onset and whether it
    lies in the onset window."""
    offset = fact.get(field, "")
    if isinstance(offset, int) and offset != UNKNOWN_OFFSET:
        return months_text(offset)
    prefix = field[: -len("offset")] if field.endswith("offset") else ""
    near = str(fact.get(f"{prefix}near_onset", "unknown"))
    relation = str(fact.get(f"{prefix}relation", "unknown"))
    return _IN_WORDS.get((near, relation), UNKNOWN_TIME)


class Names:
    """Display names of the facts of one case (people, events, and the summary facts)."""

    def __init__(self, case: Case, area_labels: Mapping[str, str]) -> None:
        self._people = {p.id: p.name for p in case.people}
        # descriptions are set inside sentences: no closing punctuation of their own
        self._events = {
            e.id: (e.description or words(e.type)).rstrip(" .;:") or words(e.type)
            for e in case.events
        }
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
            person = _nested(self.person(str(fact["person_ref"])))
            return f"{self.event(str(fact['event_ref']))} ({person})"
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
    # alias, field, mode, as written, tail, whether the slot sits inside the template's brackets
    slots: tuple[tuple[str, str, int, str, str, bool], ...]
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
        inside = _bracketed(template[: match.start()])
        slots.append((alias, field, mode, match.group(0), template[match.end() : end], inside))
    head = template[: matches[0].start()] if matches else template
    return Template(head, tuple(slots), starts_with_slot)


_SQUARE = str.maketrans("()", "[]")


def _bracketed(text: str) -> bool:
    """Whether the end of `text` lies inside an open round bracket."""
    return text.count("(") > text.count(")")


def _nested(value: str) -> str:
    """A value set inside brackets: its own round brackets become square ones, as nested
    brackets are written ("the old role (provider [manual labourer] → injured worker)")."""
    return value.translate(_SQUARE) if "(" in value else value


def fill(template: Template, bound: Mapping[str, Fact], names: Names) -> str:
    """Fill a compiled template; a slot naming an alias not bound stays as written."""
    pieces = [template.head]
    for alias, field, mode, written, tail, inside in template.slots:
        fact = bound.get(alias)
        if fact is None:
            value = written
        elif mode == _DISPLAY:
            value = names.display(fact)
        elif mode == _MONTHS:
            value = when_text(fact, field)
        else:
            value = words(fact.get(field, ""))
        pieces.append(_nested(value) if inside else value)
        pieces.append(tail)
    text = "".join(pieces)
    return text[:1].upper() + text[1:] if template.capitalize else text


def render(template: str, bound: Mapping[str, Fact], names: Names) -> str:
    """Fill a rationale template from the facts a rule fired on."""
    return fill(compile_template(template), bound, names)


# --- the catalogues' templates ({name} slots) -----------------------------------------
#
# Catalogue templates (statement, goals, technique fits, focus reasons) are filled by the same
# plain substitution as rationales, never by `str.format`: a slot is `{name}` and nothing else,
# so `{x.__class__}`, `{0}` or `{x:>999999999}` can neither reach interpreter internals nor
# allocate; the catalogue loader refuses such slots (`rulepack.catalogues.slot_problem`) and
# a slot that slipped through is printed as written.

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@lru_cache(maxsize=1024)
def field_names(template: str) -> tuple[str, ...]:
    """The names of a template's `{name}` slots."""
    return tuple(dict.fromkeys(name for _, name, _ in _pieces(template) if name is not None))


@lru_cache(maxsize=1024)
def _pieces(template: str) -> tuple[tuple[str, str | None, bool], ...]:
    """The template as (literal text, slot name or None, whether the slot sits inside the
    template's brackets) triples; a slot that is not a plain name stays literal text."""
    out: list[tuple[str, str | None, bool]] = []
    last = 0
    for match in _SLOT.finditer(template):
        if _NAME.fullmatch(match.group(1)):
            inside = _bracketed(template[: match.start()])
            out.append((template[last : match.start()], match.group(1), inside))
            last = match.end()
    out.append((template[last:], None, False))
    return tuple(out)


def fill_fields(template: str, values: Mapping[str, str]) -> str:
    """The template with each `{name}` slot replaced by `values[name]` (empty if missing)."""
    return _fill_pieces(template, values, strict=False)


def format_fields(template: str, values: Mapping[str, str]) -> str:
    """`fill_fields`, where every slot must have a value (KeyError otherwise)."""
    return _fill_pieces(template, values, strict=True)


def _fill_pieces(template: str, values: Mapping[str, str], *, strict: bool) -> str:
    out: list[str] = []
    for text, name, inside in _pieces(template):
        out.append(text)
        if name is not None:
            value = values[name] if strict else values.get(name, "")
            out.append(_nested(value) if inside else value)
    return "".join(out)
