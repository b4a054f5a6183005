"""The published expert-vs-expert kappas (rules/expert-agreement.yaml)."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field, ValidationError

from ..errors import RuleError, format_loc
from ..limits import DEFAULT_LIMITS, LimitProblem, read_regular, read_yaml_document
from ..rulepack.load import default_rules_dir
from .statistics import Frozen

STUDIES_FILE = "expert-agreement.yaml"


class _Source(Frozen):
    key: str
    section: str
    tag: str


class PublishedStudy(Frozen):
    """One study's expert-vs-expert kappas (rules/expert-agreement.yaml)."""

    key: str
    label: str
    citation: str
    source: _Source
    design: str
    kappa: dict[str, float] = Field(description="Area id or `primary_focus` -> Cohen's kappa.")


class _StudyFile(Frozen):
    studies: list[PublishedStudy]


def published_studies(rules: str | os.PathLike[str] | None = None) -> list[PublishedStudy]:
    """The published kappas, from `expert-agreement.yaml` of the rules folder (the bundled
    copy when a custom rules folder has none: the figures are literature, not rules)."""
    path = Path(rules) / STUDIES_FILE if rules is not None else None
    if path is None or not path.is_file():
        path = default_rules_dir() / STUDIES_FILE
    try:
        data = read_yaml_document(read_regular(path, DEFAULT_LIMITS.max_file_bytes).decode())
        return _StudyFile.model_validate(data).studies
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleError(f"cannot read the file ({exc})", file=str(path)) from None
    except LimitProblem as exc:
        raise RuleError(str(exc), file=str(path)) from None
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        raise RuleError(str(first["msg"]), file=str(path), path=format_loc(first["loc"])) from None
