"""Every structural check of a rule pack, reporting all problems instead of the first.

`load_pack` stops at the first problem, as a loader must; a rule author wants the whole list.
This module reads each file on its own and collects a `RuleError` (file, rule code, field) per
problem: the area catalogue, each profile, each rule (code prefix, folder, sub-type kind and the
lint of `load_pack`), the catalogues, the `auto` profile choice, the references between them,
that every profile has an inclusion rule for each of its areas, and that the generated rule
docs are current. Running the rules' examples needs the engines; `iptformulate.rulecheck`
adds that on top of `static_problems`.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import RuleError
from .catalogues import CATALOGUES, validate_catalogue
from .docs import stale_pages
from .load import (
    RulePack,
    _rel,
    _validate,
    load_alternatives,
    load_areas,
    load_profile_file,
    load_rule_file,
    read_yaml,
    reference_problems,
    rule_files,
    selection_problems,
)
from .spec import AreaSpec, ProfileChoice, ProfileSpec, RuleSpec


def static_problems(root: str | os.PathLike[str]) -> list[RuleError]:
    """Every problem of the files under `root` that can be found without running rules."""
    base = Path(root)
    if not base.is_dir():
        return [RuleError("rules directory not found", file=str(base))]
    try:
        areas = load_areas(base)
    except RuleError as exc:
        return [exc]  # nothing else can be checked without the areas
    out: list[RuleError] = []
    profiles = _profiles(base, areas, out)
    rules = _rules(base, areas, out)
    for name in CATALOGUES:
        path = base / f"{name}.yaml"
        if not path.is_file():
            out.append(RuleError("catalogue file is missing", file=_rel(path, base)))
            continue
        try:
            validate_catalogue(name, read_yaml(path, base), _rel(path, base))
        except RuleError as exc:
            out.append(exc)
    choice = _choice(base, out)
    out += reference_problems(rules, profiles, choice)
    out += selection_problems(rules, profiles)
    out += _coverage_problems(rules, profiles)
    return out


def _profiles(
    base: Path, areas: dict[str, AreaSpec], out: list[RuleError]
) -> dict[str, tuple[str, ProfileSpec]]:
    profiles: dict[str, tuple[str, ProfileSpec]] = {}
    for path in sorted((base / "profiles").glob("*.yaml")):
        try:
            profile = load_profile_file(path, base, areas)
        except RuleError as exc:
            out.append(exc)
            continue
        profiles[profile.name] = (_rel(path, base), profile)
    if not profiles and not out:
        out.append(RuleError("no profiles found in profiles/", file=str(base)))
    return profiles


def _rules(
    base: Path, areas: dict[str, AreaSpec], out: list[RuleError]
) -> list[tuple[str, RuleSpec]]:
    rules: list[tuple[str, RuleSpec]] = []
    files: dict[str, str] = {}
    try:
        alternatives = load_alternatives(base)
    except RuleError as exc:
        out.append(exc)
        alternatives = {}
    for path in rule_files(base):
        rel = _rel(path, base)
        try:
            rule = load_rule_file(path, base, areas, alternatives)
        except RuleError as exc:
            out.append(exc)
            continue
        for code in (rule.code, *rule.aliases):
            if code in files:
                out.append(RuleError(
                    f"code {code} is already used by {files[code]}; codes are never reused",
                    file=rel, code=rule.code, path="code",
                ))  # fmt: skip
            files[code] = rel
        rules.append((rel, rule))
    return rules


def _choice(base: Path, out: list[RuleError]) -> tuple[str, ProfileChoice] | None:
    path = base / "profile-choice.yaml"
    if not path.is_file():
        return None
    rel = _rel(path, base)
    try:
        choice: ProfileChoice = _validate(ProfileChoice, read_yaml(path, base), rel, None)
    except RuleError as exc:
        out.append(exc)
        return None
    return rel, choice


def _coverage_problems(
    rules: list[tuple[str, RuleSpec]], profiles: dict[str, tuple[str, ProfileSpec]]
) -> list[RuleError]:
    """A profile must run an inclusion (core) rule for each of its areas, else that area can
    never be present under it."""
    out: list[RuleError] = []
    for rel, spec in profiles.values():
        for i, area in enumerate(spec.areas):
            if not any(
                r.effect == "core" and spec.rules.selects(r, list(spec.areas)) and r.area == area
                for _, r in rules
            ):
                out.append(RuleError(
                    f"the profile runs no core rule of area '{area}', so the area can never be "
                    "present", file=rel, path=f"areas[{i}]",
                ))  # fmt: skip
    return out


def docs_problems(pack: RulePack, out: str | os.PathLike[str]) -> list[RuleError]:
    """Generated pages under `out` (docs/rules) that differ from what the rules generate."""
    return [
        RuleError(
            "generated page is stale; run `iptformulate rules docs` to regenerate",
            file=str(path),
            code=_changed_code(pack, current, content),
            path=name,
        )
        for path, name, current, content in stale_pages(pack, Path(out))
    ]


def _changed_code(pack: RulePack, current: str | None, content: str) -> str | None:
    """The first rule whose section or index row differs between the page on disk and the
    generated one."""
    if current is None:
        return None
    for rule in pack.rules:
        head = f"### {rule.code} "
        if _section(content, head) != _section(current, head) or _rows(content, rule.code) != _rows(
            current, rule.code
        ):
            return rule.code
    return None


def _section(text: str, head: str) -> str:
    start = text.find(head)
    if start == -1:
        return ""
    end = text.find("\n### ", start + 1)
    return text[start : end if end != -1 else len(text)]


def _rows(text: str, code: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith(f"| [{code}]")]


def default_docs_dir(root: str | os.PathLike[str]) -> Path | None:
    """`docs/rules` beside the rules folder, when there is one (a source checkout)."""
    folder = Path(root).resolve().parent / "docs" / "rules"
    return folder if folder.is_dir() else None
