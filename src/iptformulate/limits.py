"""Size limits for untrusted input, and the checks that enforce them before anything is built.

A case file comes from outside the program. These checks run on the raw YAML event stream or
the decoded document, so an oversized, deeply nested or alias-exploding file is refused with a
clear message before it can exhaust memory, the stack or the CPU.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml
from pydantic import BaseModel

from .errors import format_loc
from .model import case as case_model
from .model.case import MAX_TEXT, Case
from .model.vocab import ProblemArea

SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader where PyYAML was built with it (about 6x faster), else PyYAML's own.
Both build only plain data (no Python objects from tags)."""


def safe_load(text: str) -> Any:
    """`yaml.safe_load`, with libyaml when available."""
    return yaml.load(text, Loader=SAFE_LOADER)


MAX_NODES = 2_000_000
"""Nodes a document may hold once YAML aliases are expanded (a billion-laughs guard)."""

FACT_ID_CEILING = 797_186
"""Facts durable-rules can tell apart in one case (their ids hash apart below this; see
`engine/durable_engine.py`): `Limits.max_facts` may not exceed it."""


def _ceiling(field: str) -> int:
    for item in Case.model_fields[field].metadata:
        value = getattr(item, "max_length", None)
        if isinstance(value, int):
            return value
    raise LookupError(field)  # pragma: no cover - the model always sets it


CEILINGS = {
    "max_people": _ceiling("people"),
    "max_events": _ceiling("events"),
    "max_text": MAX_TEXT,
    "max_facts": FACT_ID_CEILING,
}
"""The case format's own maxima: a `Limits` may lower these, never raise them."""


@dataclass(frozen=True)
class Limits:
    """How large a case may be, and how much work formulating it may take; lower the
    defaults for a service that takes uploads.

    The file limits are checked while a case is read; the work limits (`max_facts`,
    `max_involvements`, `max_rule_matches`, `max_case_matches`) before the rules run, from
    counts alone, so both engines refuse exactly the same cases, whatever the machine."""

    max_file_bytes: int = 5_000_000
    max_people: int = CEILINGS["max_people"]
    max_events: int = CEILINGS["max_events"]
    max_text: int = CEILINGS["max_text"]
    max_depth: int = 32
    max_involvements: int = 20_000
    """People listed on events, summed over the events (one involvement fact each)."""
    max_facts: int = 50_000
    """Facts of one case: client, summary, people, events and involvements."""
    max_rule_matches: int = 100_000
    """Join fan-out: the most matches one rule could have on the case (see `match_bounds`)."""
    max_case_matches: int = 400_000
    """The per-case work budget: the most matches all rules together could have."""

    def __post_init__(self) -> None:
        for name in _LIMIT_FIELDS:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"Limits.{name} must be a positive integer")
            ceiling = CEILINGS.get(name)
            if ceiling is not None and value > ceiling:
                raise ValueError(
                    f"Limits.{name} may not exceed {ceiling}, the case format's own maximum"
                )


_LIMIT_FIELDS = (
    "max_file_bytes",
    "max_people",
    "max_events",
    "max_text",
    "max_depth",
    "max_involvements",
    "max_facts",
    "max_rule_matches",
    "max_case_matches",
)

DEFAULT_LIMITS = Limits()


class LimitProblem(ValueError):
    """A document breaks a limit; `path` names where (empty for the whole document)."""

    def __init__(self, message: str, path: str = "") -> None:
        super().__init__(message)
        self.path = path


NOT_REGULAR = "not a regular file (a pipe, device, socket or folder); give a file"


def open_regular(path: str | os.PathLike[str]) -> io.FileIO:
    """Open a file for reading in binary, refusing anything but a regular file: a pipe would
    block the reader and a device (`/dev/zero`) never ends. The check is made on the opened
    descriptor, and opening does not wait for a pipe's writer. Raises `LimitProblem` for a
    file of the wrong kind and `OSError` for one that cannot be opened."""
    if not stat.S_ISREG(os.stat(path).st_mode):  # before opening: a device may act on open
        raise LimitProblem(NOT_REGULAR)
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | getattr(os, "O_NONBLOCK", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise LimitProblem(NOT_REGULAR)
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return io.FileIO(fd, "rb", closefd=True)
    except BaseException:
        os.close(fd)
        raise


def read_regular(path: str | os.PathLike[str], max_bytes: int) -> bytes:
    """The bytes of a regular file of at most `max_bytes` (`open_regular`; never reads more
    than one byte past the limit, whatever the file claims its size is)."""
    with open_regular(path) as handle:
        size = os.fstat(handle.fileno()).st_size
        if size > max_bytes:
            raise LimitProblem(f"file is {size} bytes, over the {max_bytes}-byte limit")
        chunks: list[bytes] = []
        got = 0
        while got <= max_bytes and (chunk := handle.read(max_bytes + 1 - got)):
            chunks.append(chunk)
            got += len(chunk)
    data = b"".join(chunks)
    if len(data) > max_bytes:
        raise LimitProblem(f"file is over the {max_bytes}-byte limit")
    return data


def read_yaml_document(text: str, limits: Limits = DEFAULT_LIMITS) -> Any:
    """Parse untrusted YAML (a case or a rule file): the event stream is checked against
    `limits` first, then the safe loader builds plain data. Every failure is a `LimitProblem`
    whose message says what is wrong and where, never what the file says.

    The limits are the library's own, whichever PyYAML or libyaml is installed: libyaml scans
    ahead of the events it hands out and (from PyYAML 6.0.3) stops at 1,000 levels of nesting
    before our check has seen the document, so any parser error from libyaml is checked again
    with PyYAML's pure-Python parser, which reads no further than it must."""
    try:
        return _read_with(text, limits, SAFE_LOADER)
    except yaml.YAMLError as exc:
        if SAFE_LOADER is yaml.SafeLoader:
            raise _malformed(exc, limits) from None
        first = exc
    try:
        return _read_with(text, limits, yaml.SafeLoader)
    except yaml.YAMLError:
        raise _malformed(first, limits) from None


def _read_with(text: str, limits: Limits, loader: Any) -> Any:
    try:
        check_yaml_text(text, limits, loader=loader)
        return yaml.load(text, Loader=loader)
    except RecursionError:
        raise LimitProblem(depth_message(limits, beyond_parser=True)) from None
    except (ValueError, TypeError, OverflowError) as exc:
        if isinstance(exc, LimitProblem):
            raise
        # PyYAML's constructors let a few errors through (2020-02-30, a 5,000-digit integer).
        raise LimitProblem("a value cannot be read (an impossible date or number?)") from None


def depth_message(limits: Limits, *, beyond_parser: bool = False) -> str:
    """The one wording of a depth refusal, naming the `Limits` field that sets it."""
    if beyond_parser and limits.max_depth > _PARSER_DEPTH:
        return (
            f"the document is nested more deeply than the parser can read (about {_PARSER_DEPTH}"
            f" levels; Limits.max_depth is {limits.max_depth})"
        )
    return _DEPTH.format(limits.max_depth)


_DEPTH = "the document is nested more than {} levels deep (Limits.max_depth)"
_PARSER_DEPTH = 900
"""Nesting a recursive parser (Python's json, PyYAML's constructor) surely reads."""


_QUOTED = re.compile(r"'((?:[^'\\]|\\.)*)'|\"((?:[^\"\\]|\\.)*)\"")


def _neutral(text: str) -> str:
    """A parser message with anything quoted from the file blanked out (it may be case content):
    token names such as '<stream end>' and single punctuation characters stay."""

    def keep(match: re.Match[str]) -> str:
        inner = match.group(1) if match.group(1) is not None else match.group(2)
        if re.fullmatch(r"<[a-z ]+>", inner) or re.fullmatch(r"[^\w\s]|\\[a-z0-9]+", inner):
            return match.group(0)
        return "'…'"

    return _QUOTED.sub(keep, text.strip())


def _malformed(exc: yaml.YAMLError, limits: Limits) -> LimitProblem:
    """PyYAML's error in our words: where, why, and where the construct began."""
    problem = str(getattr(exc, "problem", None) or "").strip()
    if "nesting depth" in problem:  # a parser's own depth limit, whatever its version
        return LimitProblem(depth_message(limits, beyond_parser=True))
    mark = getattr(exc, "problem_mark", None)
    message = f"malformed YAML {_where(mark)}".rstrip()
    if problem:
        message += f": {_neutral(problem)}"
    context = str(getattr(exc, "context", None) or "").strip()
    start = getattr(exc, "context_mark", None)
    if context:
        began = ""
        if start is not None and (mark is None or start.line != mark.line):
            began = f" that starts {_where(start)}"
        message += f" ({_neutral(context)}{began})"
    return LimitProblem(message)


def check_yaml_text(text: str, limits: Limits = DEFAULT_LIMITS, *, loader: Any = None) -> None:
    """Scan YAML events (no objects built) for excess depth, alias blow-up and duplicate keys.

    Raises `LimitProblem`; malformed YAML raises `yaml.YAMLError` as `safe_load` would.
    `loader` picks the parser (default: `SAFE_LOADER`).
    """
    sizes: dict[str, int] = {}
    open_anchors: set[str] = set()
    # One frame per open collection: [anchor, expanded size, is mapping, expecting a key, keys].
    stack: list[list[Any]] = []
    expanded = 0

    def finished(size: int, key: str | None, mark: Any) -> None:
        if not stack:
            return
        frame = stack[-1]
        frame[1] += size
        if frame[2]:
            if frame[3] and key is not None:
                if key in frame[4]:
                    raise LimitProblem(f"duplicate key {_where(mark)}; give each field once")
                frame[4].add(key)
            frame[3] = not frame[3]

    for event in yaml.parse(text, Loader=loader or SAFE_LOADER):
        if isinstance(event, yaml.ScalarEvent):
            expanded += 1
            if event.anchor:
                sizes[event.anchor] = 1
            finished(1, event.value, event.start_mark)
        elif isinstance(event, yaml.AliasEvent):
            anchor = event.anchor or ""
            if anchor in open_anchors:
                raise LimitProblem(f"an alias refers to its own node {_where(event.start_mark)}")
            size = sizes.get(anchor, 1)
            expanded += size
            finished(size, None, event.start_mark)
        elif isinstance(event, yaml.CollectionStartEvent):
            expanded += 1
            if len(stack) >= limits.max_depth:
                raise LimitProblem(f"{depth_message(limits)} {_where(event.start_mark)}")
            if event.anchor:
                open_anchors.add(event.anchor)
            mapping = isinstance(event, yaml.MappingStartEvent)
            stack.append([event.anchor, 1, mapping, True, set()])
        elif isinstance(event, yaml.CollectionEndEvent):
            anchor, size, *_ = stack.pop()
            if anchor:
                open_anchors.discard(anchor)
                sizes[anchor] = size
            finished(size, None, event.start_mark)
        if expanded > MAX_NODES:
            raise LimitProblem(
                f"the document expands to more than {MAX_NODES} values (too many aliases)"
            )


def check_document(data: Any, limits: Limits = DEFAULT_LIMITS) -> None:
    """Check a decoded case document against `limits` without recursion.

    Raises `LimitProblem` naming the field path: nesting, node count, list and text sizes.
    """
    if isinstance(data, Mapping):
        for field, cap, noun in (
            ("people", limits.max_people, "people"),
            ("events", limits.max_events, "events"),
        ):
            items = data.get(field)
            if isinstance(items, list | tuple) and len(items) > cap:
                raise LimitProblem(f"{len(items)} {noun}, over the limit of {cap}", field)
        events = data.get("events")
        if isinstance(events, list | tuple):
            listed = sum(
                len(e["people"])
                for e in events
                if isinstance(e, Mapping) and isinstance(e.get("people"), list | tuple)
            )
            if listed > limits.max_involvements:
                raise LimitProblem(involvements_message(listed, limits), "events")
    if not _fits(data, limits.max_text, limits.max_depth):
        _walk(data, limits.max_text, limits.max_depth)


def involvements_message(listed: int, limits: Limits) -> str:
    return (
        f"the events list {listed} people in all, over the limit of {limits.max_involvements}"
        " (Limits.max_involvements)"
    )


def check_case_size(people: int, events: int, involvements: int, limits: Limits) -> None:
    """Refuse a case whose facts would exceed the work limits, before any fact is built."""
    if involvements > limits.max_involvements:
        raise LimitProblem(involvements_message(involvements, limits), "events")
    facts = 2 + people + events + involvements  # client and summary, then one per item
    if facts > limits.max_facts:
        raise LimitProblem(
            f"the case makes {facts} facts, over the limit of {limits.max_facts} (Limits.max_facts)"
        )


def _field_names() -> frozenset[str]:
    names: set[str] = {area.value for area in ProblemArea}  # the keys of `importance`
    for value in vars(case_model).values():
        if isinstance(value, type) and issubclass(value, BaseModel):
            names.update(value.model_fields)
    return frozenset(names)


_KEYS = _field_names()
"""Keys of a well-formed case: no need to measure them one by one when all are short."""
_LONGEST_KEY = max(map(len, _KEYS))

_LEAVES = frozenset({bool, int, float, dt.date, dt.datetime})


def _fits(data: Any, max_text: int, max_depth: int) -> bool:
    """True when `_walk` surely finds nothing; False sends the document to `_walk`.

    The same checks as `_walk` over the same nodes, breadth first and without keeping paths,
    so the common clean document costs a fraction of the walk. Anything unusual (a mapping that
    is not a dict, a subclass of list or str) is left to `_walk`.
    """
    if type(data) is not dict:
        return False
    keys = _KEYS if max_text >= _LONGEST_KEY else frozenset()
    level: list[Any] = [data]
    depth, seen = 0, 1
    while level:
        if depth >= max_depth:
            return False
        below: list[Any] = []
        push = below.append
        for node in level:
            seen += len(node)
            if seen > MAX_NODES:
                return False
            if type(node) is dict:
                if not keys.issuperset(node) and _long_key(node, max_text):
                    return False
                node = node.values()
            for value in node:
                if value is None:
                    continue
                kind = type(value)
                if kind is str:
                    if len(value) > max_text:
                        return False
                elif kind is dict or kind is list or kind is tuple:
                    push(value)
                elif kind not in _LEAVES and isinstance(value, str | Mapping | list | tuple):
                    return False
        level = below
        depth += 1
    return True


def _long_key(node: dict[Any, Any], max_text: int) -> bool:
    return any(isinstance(key, str) and len(key) > max_text for key in node)


def _walk(data: Any, max_text: int, max_depth: int) -> None:
    """Depth-first walk that raises the first `LimitProblem` with its path."""
    # Each frame is (node, depth, parent frame, key): the path is only spelt out on failure.
    stack: list[tuple[Any, int, Any, Any]] = [(data, 0, None, None)]
    seen = 0
    mapping, sequence = Mapping, (list, tuple)
    while stack:
        frame = stack.pop()
        node, depth = frame[0], frame[1]
        seen += 1
        if seen > MAX_NODES:
            raise LimitProblem(f"the document holds more than {MAX_NODES} values")
        if isinstance(node, str):
            if len(node) > max_text:
                raise LimitProblem(
                    f"text of {len(node)} characters, over the limit of {max_text}", _path(frame)
                )
            continue
        if isinstance(node, mapping):
            if depth >= max_depth:
                raise LimitProblem(_DEPTH.format(max_depth), _path(frame))
            for key, value in node.items():
                if isinstance(key, str) and len(key) > max_text:
                    raise LimitProblem("a key is over the text limit", _path(frame) or "<root>")
                stack.append((value, depth + 1, frame, key))
        elif isinstance(node, sequence):
            if depth >= max_depth:
                raise LimitProblem(_DEPTH.format(max_depth), _path(frame))
            stack.extend((value, depth + 1, frame, i) for i, value in enumerate(node))


def _path(frame: tuple[Any, int, Any, Any]) -> str:
    keys: list[Any] = []
    while frame[2] is not None:
        keys.append(frame[3])
        frame = frame[2]
    path = ""
    for key in reversed(keys):
        if isinstance(key, int):
            path += f"[{key}]"
        else:
            name = _safe_key(key)
            path = f"{path}.{name}" if path else name
    return path


def _safe_key(key: Any) -> str:
    """A key as shown in a path; anything not id-like stays hidden (it may be free text)."""
    return format_loc([str(key)]) if isinstance(key, str) else "<key>"


def _where(mark: Any) -> str:
    if mark is None:
        return ""
    return f"at line {mark.line + 1}, column {mark.column + 1}"


__all__ = [
    "CEILINGS",
    "DEFAULT_LIMITS",
    "FACT_ID_CEILING",
    "MAX_NODES",
    "LimitProblem",
    "Limits",
    "check_case_size",
    "check_document",
    "check_yaml_text",
    "depth_message",
    "open_regular",
    "read_regular",
    "read_yaml_document",
]
