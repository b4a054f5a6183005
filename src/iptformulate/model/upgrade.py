"""Reading older case formats: what format 1 left unsaid, made explicit.

Format 1 filled five fields with a default when a file left them out, and the rules read those
defaults as facts. Format 2 leaves them unknown. A format-1 document (one without
`format_version`) is upgraded here, before validation, by writing those defaults in, so it
means exactly what it meant before; each value written in is listed, so the reader can see
what was assumed and correct it (`iptformulate upgrade` rewrites the file).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

FORMAT_VERSION: Literal[2] = 2
"""The case format this library writes."""

_CASE_DEFAULTS = (
    ("population", "adult"),
    ("diagnosis", "major_depression"),
    ("format", "standard"),
)
"""Format 1's defaults for the case itself, in the order they are reported."""


def upgrade_document(data: Any) -> Any:
    """A format-1 case mapping as format 2, with what was assumed listed in `assumed`.

    Anything that is not a format-1 mapping (format 2, another version, not a mapping) is
    returned as it is, for validation to accept or refuse; the input is never changed.
    """
    if not isinstance(data, Mapping) or "format_version" in data:
        return data
    out = dict(data)
    out["format_version"] = FORMAT_VERSION
    assumed: list[str] = []
    for field, value in _CASE_DEFAULTS:
        if out.get(field) is None:
            out[field] = value
            assumed.append(f"{field}: {value}")
    episode = out.get("episode")
    if episode is None or isinstance(episode, Mapping):
        episode = dict(episode or {})
        if episode.get("prior_episodes") is None:
            episode["prior_episodes"] = 0
            assumed.append("episode.prior_episodes: 0")
        out["episode"] = episode
    people = out.get("people")
    if isinstance(people, list | tuple):
        alive: list[str] = []
        upgraded: list[Any] = []
        for person in people:
            if isinstance(person, Mapping) and person.get("status") is None:
                person = {**person, "status": "alive"}
                ident = person.get("id")
                alive.append(ident if isinstance(ident, str) else "?")
            upgraded.append(person)
        out["people"] = upgraded
        if alive:
            assumed.append(f"status: alive for {len(alive)} people")
    events = out.get("events")
    if isinstance(events, list | tuple):
        own = 0
        upgraded_events: list[Any] = []
        for event in events:
            if isinstance(event, Mapping) and event.get("subject") is None:
                subject = _v1_subject(event)
                if subject is not None:
                    event = {**event, "subject": subject}
                    own += subject == "client"
            upgraded_events.append(event)
        out["events"] = upgraded_events
        if own:
            assumed.append(f"subject: client for {own} events")
    if assumed:
        out["assumed"] = assumed
    return out


def _v1_subject(event: Mapping[str, Any]) -> str | None:
    """Whose event format 1 took it to be: a death is the person's who died; a conflict is
    between people (no subject); every other event was read as the client's own."""
    kind, people = event.get("type"), event.get("people")
    if kind == "death":
        if isinstance(people, list | tuple) and len(people) == 1 and isinstance(people[0], str):
            return people[0]
        return None
    return None if kind == "conflict" else "client"


__all__ = ["FORMAT_VERSION", "upgrade_document"]
