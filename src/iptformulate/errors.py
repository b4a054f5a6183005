"""The library's one validation error type, built so that it never echoes case content."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError


class IPTFormulateError(Exception):
    """Base class of every error the library raises on purpose."""


class CaseError(IPTFormulateError, ValueError):
    """A case (or rule) file could not be read or validated.

    The message names the source, the case id, the field path and what was expected; it never
    contains the free text of the case (names, notes, the patient's words).
    """

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        case_id: str | None = None,
        path: str = "",
        problems: list[tuple[str, str]] | None = None,
    ) -> None:
        self.source = source
        self.case_id = case_id
        self.path = path
        self.problems = problems if problems is not None else [(path, message)]
        self.reason = message
        super().__init__(self._render())

    def _render(self) -> str:
        head = []
        if self.source:
            head.append(f"file {self.source}")
        head.append(f"case {self.case_id!r}" if self.case_id else "case <unknown id>")
        lines = [", ".join(head) + ":"]
        for path, message in self.problems:
            lines.append(f"  {path or '<root>'}: {message}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready record of the problem, for batch error logs."""
        return {
            "source": self.source,
            "case_id": self.case_id,
            "path": self.path,
            "message": self.reason,
            "problems": [{"path": p, "message": m} for p, m in self.problems],
        }


class RuleError(IPTFormulateError, ValueError):
    """A rule file is malformed or uses a construct the engine cannot run safely."""

    def __init__(self, message: str, *, file: str, code: str | None = None, path: str = "") -> None:
        self.file = file
        self.code = code
        self.path = path
        self.reason = message
        where = f"rule file {file}"
        if code:
            where += f" (rule {code})"
        if path:
            where += f", field {path}"
        super().__init__(f"{where}: {message}")


class OptionError(IPTFormulateError, ValueError):
    """An option given to `formulate` (a parameter override, say) is not usable: the value is
    not a finite plain number, or is out of range."""


class ProfileError(IPTFormulateError, KeyError):
    """An unknown profile, or a parameter the profile does not have; the message names the
    known ones. A `KeyError` too, as these were before it existed."""

    def __str__(self) -> str:  # the message itself, not KeyError's quoted repr of it
        return str(self.args[0]) if self.args else ""


_SAFE_KEY = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}|\[key\]")


def format_loc(loc: Iterable[Any]) -> str:
    """Render a pydantic location as `people[2].ring`.

    A key that is not id-like (an unknown field or mapping key written as free text) is shown
    as `<key>` so that the path never echoes case content.
    """
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            text = str(part)
            if not _SAFE_KEY.fullmatch(text):
                text = "<key>"
            out += ("." if out else "") + text
    return out


def problems_from_validation(exc: ValidationError) -> list[tuple[str, str]]:
    """Field path and a content-free message for each pydantic error."""
    problems: list[tuple[str, str]] = []
    for err in exc.errors(include_url=False, include_input=False):
        loc = format_loc(err["loc"])
        ctx = err.get("ctx") or {}
        original = ctx.get("error")
        extra_path = getattr(original, "path", None)
        if isinstance(extra_path, str) and extra_path:
            joined = loc and not extra_path.startswith("[")
            loc = f"{loc}.{extra_path}" if joined else loc + extra_path
        # Only an exception raised by our validators carries our message; a plain string in
        # ctx["error"] (pydantic's date parser, for one) is a fragment of pydantic's own message.
        message = str(original) if isinstance(original, Exception) else _expected(err)
        problems.append((loc, message))
    return problems


def _expected(err: Any) -> str:
    kind = err["type"]
    msg = str(err["msg"])
    if kind == "extra_forbidden":
        return "unknown field; remove it or check its spelling (see docs/case-format.md)"
    if kind == "missing":
        return "required field is missing"
    return msg
