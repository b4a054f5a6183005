"""Reading cases from YAML, JSON and JSONL files, directories and globs.

Only `yaml.safe_load` is used: case files are data and never construct Python objects.
"""

from __future__ import annotations

import glob
import json
import os
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from .errors import CaseError, problems_from_validation
from .model.case import Case

MAX_FILE_BYTES = 5_000_000
CASE_SUFFIXES = (".yaml", ".yml", ".json", ".jsonl")
_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def parse_case(data: Any, *, source: str | None = None) -> Case:
    """Validate one decoded document as a `Case`, raising `CaseError` with every problem."""
    case_id = _case_id(data)
    if not isinstance(data, Mapping):
        raise CaseError(
            f"expected a mapping of case fields, got {type(data).__name__}",
            source=source,
            case_id=case_id,
        )
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
            "the document is nested too deeply", source=source, case_id=case_id
        ) from None


def load_case(path: str | os.PathLike[str]) -> Case:
    """Read and validate one case from a `.yaml`, `.yml` or `.json` file."""
    source = str(path)
    return parse_case(_read_document(Path(path)), source=source)


def load_cases(source: str | os.PathLike[str]) -> Iterator[Case]:
    """Lazily read every case of a file, directory, glob or JSONL file.

    Raises the `CaseError` of the first bad case.
    """
    for item in read_cases(source):
        if isinstance(item, CaseError):
            raise item
        yield item


def read_cases(source: str | os.PathLike[str]) -> Iterator[Case | CaseError]:
    """Like `load_cases`, but a bad case is yielded as its `CaseError` and reading goes on."""
    for path in case_paths(source):
        if path.suffix == ".jsonl":
            yield from _read_jsonl(path)
            continue
        try:
            yield load_case(path)
        except CaseError as exc:
            yield exc


def case_paths(source: str | os.PathLike[str]) -> list[Path]:
    """The case files a file, directory or glob names, in sorted order."""
    text = str(source)
    path = Path(text)
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in CASE_SUFFIXES)
    if path.is_file():
        return [path]
    matches = sorted(Path(m) for m in glob.glob(text, recursive=True))
    if not matches:
        raise CaseError("no such file, directory or glob match", source=text)
    return [m for m in matches if m.is_file()]


def _read_jsonl(path: Path) -> Iterator[Case | CaseError]:
    try:
        handle = path.open("r", encoding="utf-8")
    except OSError as exc:
        yield CaseError(f"cannot read the file ({exc.strerror})", source=str(path))
        return
    with handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            label = f"{path}:{number}"
            try:
                data = json.loads(line)
            except (json.JSONDecodeError, RecursionError) as exc:
                yield CaseError(_json_problem(exc), source=label)
                continue
            try:
                yield parse_case(data, source=label)
            except CaseError as exc:
                yield exc


def _read_document(path: Path) -> Any:
    source = str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise CaseError(f"cannot read the file ({exc.strerror})", source=source) from None
    if size > MAX_FILE_BYTES:
        raise CaseError(
            f"file is {size} bytes, over the {MAX_FILE_BYTES}-byte limit for one case",
            source=source,
        )
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise CaseError("file is not UTF-8 text", source=source) from None
    except OSError as exc:
        raise CaseError(f"cannot read the file ({exc.strerror})", source=source) from None
    if path.suffix == ".json":
        try:
            return json.loads(text)
        except (json.JSONDecodeError, RecursionError) as exc:
            raise CaseError(_json_problem(exc), source=source) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise CaseError(f"malformed YAML{where}", source=source) from None
    except RecursionError:
        raise CaseError("the document is nested too deeply", source=source) from None


def _json_problem(exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"malformed JSON at line {exc.lineno}, column {exc.colno}"
    return "the document is nested too deeply"


def _case_id(data: Any) -> str | None:
    if isinstance(data, Mapping):
        value = data.get("id")
        # Only an id that passes the `Ident` rule is shown: an invalid id may be free text.
        if isinstance(value, str) and _SAFE_ID.fullmatch(value):
            return value
    return None
