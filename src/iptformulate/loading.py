"""Reading cases from YAML, JSON and JSONL files, directories and globs.

Only YAML's safe loader is used: case files are data and never construct Python objects.
"""

from __future__ import annotations

import glob
import io
import json
import os
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .errors import CaseError, problems_from_validation
from .limits import (
    DEFAULT_LIMITS,
    NOT_REGULAR,
    LimitProblem,
    Limits,
    check_document,
    depth_message,
    open_regular,
    read_regular,
    read_yaml_document,
)
from .model.case import Case

MAX_FILE_BYTES = DEFAULT_LIMITS.max_file_bytes
CASE_SUFFIXES = (".yaml", ".yml", ".json", ".jsonl")
_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def parse_case(data: Any, *, source: str | None = None, limits: Limits | None = None) -> Case:
    """Validate one decoded document as a `Case`, raising `CaseError` with every problem."""
    case_id = _case_id(data)
    if not isinstance(data, Mapping):
        raise CaseError(
            f"expected a mapping of case fields, got {type(data).__name__}",
            source=source,
            case_id=case_id,
        )
    try:
        check_document(data, limits or DEFAULT_LIMITS)
    except LimitProblem as exc:
        raise CaseError(str(exc), source=source, case_id=case_id, path=exc.path) from None
    try:
        return Case.model_validate(data)
    except ValidationError as exc:
        problems = problems_from_validation(exc)
        path, message = problems[0]
        raise CaseError(
            message, source=source, case_id=case_id, path=path, problems=problems
        ) from None
    except RecursionError:
        raise CaseError(
            depth_message(limits or DEFAULT_LIMITS, beyond_parser=True),
            source=source,
            case_id=case_id,
        ) from None


def load_case(path: str | os.PathLike[str], *, limits: Limits | None = None) -> Case:
    """Read and validate one case from a `.yaml`, `.yml` or `.json` file."""
    source = str(path)
    limits = limits or DEFAULT_LIMITS
    return parse_case(_read_document(Path(path), limits), source=source, limits=limits)


def load_cases(source: str | os.PathLike[str], *, limits: Limits | None = None) -> Iterator[Case]:
    """Lazily read every case of a file, directory, glob or JSONL file.

    Raises the `CaseError` of the first bad case.
    """
    for item in read_cases(source, limits=limits):
        if isinstance(item, CaseError):
            raise item
        yield item


def read_cases(
    source: str | os.PathLike[str], *, limits: Limits | None = None
) -> Iterator[Case | CaseError]:
    """Like `load_cases`, but a bad case is yielded as its `CaseError` and reading goes on."""
    for path in case_paths(source):
        yield from read_file(path, limits=limits)


def read_file(path: Path, *, limits: Limits | None = None) -> Iterator[Case | CaseError]:
    """The cases of one file `case_paths` listed (one, or one per line of a JSONL file), a
    bad case yielded as its `CaseError`; a file that is not a regular file is one error."""
    if path.suffix == ".jsonl":
        yield from _read_jsonl(path, limits or DEFAULT_LIMITS)
        return
    try:
        yield load_case(path, limits=limits)
    except CaseError as exc:
        yield exc


def case_paths(source: str | os.PathLike[str]) -> list[Path]:
    """The case files a file, directory or glob names, in sorted order.

    A named path that is not a regular file (a pipe, a device, a link to nothing) is refused
    here; inside a folder or among glob matches, such entries are listed and each refused when
    read, so they are reported rather than skipped."""
    text = str(source)
    path = Path(text)
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if not p.is_dir() and p.suffix in CASE_SUFFIXES)
    if path.is_file():
        return [path]
    if path.is_symlink() and not path.exists():
        raise CaseError("a symbolic link to nothing", source=text)
    if path.exists():
        raise CaseError(NOT_REGULAR, source=text)
    matches = sorted(Path(m) for m in glob.glob(text, recursive=True))
    if not matches:
        raise CaseError("no such file, directory or glob match", source=text)
    return [m for m in matches if not m.is_dir()]


def _read_jsonl(path: Path, limits: Limits) -> Iterator[Case | CaseError]:
    try:
        handle = io.TextIOWrapper(open_regular(path), encoding="utf-8", errors="strict")
    except OSError as exc:
        yield CaseError(f"cannot read the file ({exc.strerror})", source=str(path))
        return
    except LimitProblem as exc:
        yield CaseError(str(exc), source=str(path))
        return
    with handle:
        number = 0
        while True:
            number += 1
            label = f"{path}:{number}"
            try:
                line = handle.readline(limits.max_file_bytes + 1)
            except UnicodeDecodeError:
                yield CaseError(
                    "line is not UTF-8 text; the rest of the file is skipped", source=label
                )
                return
            if not line:
                return
            if len(line) > limits.max_file_bytes:
                while line and not line.endswith("\n"):  # skip the rest of the long line
                    line = handle.readline(limits.max_file_bytes)
                yield CaseError(
                    f"line is over the {limits.max_file_bytes}-character limit for one case",
                    source=label,
                )
                continue
            if not line.strip():
                continue
            try:
                data = _json_loads(line)
            except (ValueError, RecursionError) as exc:
                yield CaseError(_json_problem(exc, limits), source=label)
                continue
            try:
                yield parse_case(data, source=label, limits=limits)
            except CaseError as exc:
                yield exc


def _read_document(path: Path, limits: Limits) -> Any:
    source = str(path)
    try:
        text = read_regular(path, limits.max_file_bytes).decode("utf-8")
    except UnicodeDecodeError:
        raise CaseError("file is not UTF-8 text", source=source) from None
    except OSError as exc:
        raise CaseError(f"cannot read the file ({exc.strerror})", source=source) from None
    except LimitProblem as exc:
        raise CaseError(f"{exc} for one case", source=source) from None
    if path.suffix == ".json":
        try:
            return _json_loads(text)
        except (ValueError, RecursionError) as exc:
            raise CaseError(_json_problem(exc, limits), source=source) from None
    try:
        return read_yaml_document(text, limits)
    except LimitProblem as exc:
        raise CaseError(str(exc), source=source) from None


def _json_loads(text: str) -> Any:
    """`json.loads` that refuses duplicate keys (the standard library keeps the last silently)."""
    return json.loads(text, object_pairs_hook=_unique_pairs)


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey
        out[key] = value
    return out


class _DuplicateKey(ValueError):
    pass


def _json_problem(exc: Exception, limits: Limits) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"malformed JSON at line {exc.lineno}, column {exc.colno}"
    if isinstance(exc, _DuplicateKey):
        return "duplicate key in a JSON object; give each field once"
    if isinstance(exc, RecursionError):
        return depth_message(limits, beyond_parser=True)
    return "malformed JSON (a number too long to read?)"


def _case_id(data: Any) -> str | None:
    if isinstance(data, Mapping):
        value = data.get("id")
        # Only an id that passes the `Ident` rule is shown: an invalid id may be free text.
        if isinstance(value, str) and _SAFE_ID.fullmatch(value):
            return value
    return None
