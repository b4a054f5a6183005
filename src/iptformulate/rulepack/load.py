"""Finding, reading and checking a rule pack (`rules/`).

Every problem becomes a `RuleError` naming the file, the rule code and the field, because the
durable-rules C core only reports bare error numbers.
"""

from __future__ import annotations

import hashlib
import os
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from ..errors import ProfileError, RuleError, format_loc
from ..facts import FACT_FIELDS, GRIEF_SIGNS, UNKNOWN_COUNT, UNKNOWN_OFFSET, build_facts
from ..limits import DEFAULT_LIMITS, LimitProblem, read_regular, read_yaml_document
from .cache import parsed
from .catalogues import CATALOGUES, validate_catalogue
from .spec import (
    AREA_IDS,
    RESERVED_ALIASES,
    AlternativesFile,
    AreaCatalogue,
    AreaSpec,
    FixtureFile,
    Op,
    Param,
    ProfileChoice,
    ProfileSpec,
    RuleSpec,
    template_refs,
)

ENV_VAR = "IPTFORMULATE_RULES"
TEMPLATE_FILTERS = ("months", "name", "type")
_INT_LIMIT = 2**31
_BANNED_KEYS = {
    "not": "negation is not allowed (durable-rules evaluates it by fact order); "
    "test a precomputed count on the summary fact instead",
    "none": "negation is not allowed; test a precomputed count on the summary fact instead",
    "$not": "negation is not allowed; test a precomputed count on the summary fact instead",
    "$m": "arithmetic on facts is not allowed; use a precomputed field",
    "$add": "arithmetic on facts is not allowed; use a precomputed field",
    "$sub": "arithmetic on facts is not allowed; use a precomputed field",
    "$mt": "regular expressions are not allowed; use an enum field",
    "regex": "regular expressions are not allowed; use an enum field",
}


def _fields_of(kind: str) -> set[str]:
    if kind == "candidate":
        return {"kind", "id", "area", "rule"}
    names = {"kind", "id"}
    for name in FACT_FIELDS[kind]:
        if name == "<sign>":
            names.update(GRIEF_SIGNS)
        elif name == "importance_<area>":
            names.update(f"importance_{a}" for a in AREA_IDS)
        else:
            names.add(name)
    return names


FACT_FIELD_NAMES = {kind: _fields_of(kind) for kind in (*FACT_FIELDS, "candidate")}


@lru_cache(maxsize=1)
def fact_field_types() -> dict[str, dict[str, type]]:
    """Per fact kind, the type (`int` or `str`) of each documented field (`FACT_FIELDS`), read
    off the facts of a small case that has every kind: the types the engines will see."""
    from ..graph import RelationshipGraph
    from ..loading import parse_case

    case = parse_case(
        {
            "id": "types",
            "people": [{"id": "p", "name": "p", "relationship": "friend", "ring": 1}],
            "events": [
                {"id": "e", "type": "conflict", "months_from_onset": -1, "people": ["p"]},
                {"id": "r", "type": "move", "role_effects": [{"role": "other", "change": "ended"}]},
            ],
        }
    )
    types: dict[str, dict[str, type]] = {"candidate": dict.fromkeys(_fields_of("candidate"), str)}
    for fact in build_facts(RelationshipGraph(case)):
        kind = str(fact["kind"])
        names = FACT_FIELD_NAMES[kind]
        types[kind] = {name: type(value) for name, value in fact.items() if name in names}
    return types


def _type_problem(kind: str, name: str, op: str, value: Any) -> str | None:
    """Why a condition compares a fact field with a value of another type, or None.

    The engines disagree on such comparisons (durable-rules compares a text with a number,
    the reference evaluator does not), and no well-typed fact could match them anyway."""
    held = fact_field_types().get(kind, {}).get(name)
    if held is None:
        return None
    noun = "a number" if held is int else "text"
    if op in ("lt", "lte", "gt", "gte") and held is not int:
        return f"field '{name}' holds text; '{op}' compares numbers (use eq, neq, in or not_in)"
    values = value if op in ("in", "not_in") else [value]
    for item in values:
        if isinstance(item, Param):
            if held is not int:
                return f"field '{name}' holds text; a profile parameter is a number"
        elif type(item) is not held:
            shown = "a number" if isinstance(item, int) else "text"
            quote = ' (quote a number meant as text: "3")' if held is str else ""
            return f"field '{name}' holds {noun}; compare it with {noun}, not {shown}{quote}"
    return None


# Numbers the case leaves unknown hold a sentinel: offsets a large one (facts.UNKNOWN_OFFSET),
# counts and ranks -1 (facts.UNKNOWN_COUNT). A test open on the sentinel's side (gt or gte with no
# upper bound on an offset; lt or lte with no lower bound on a count or rank) also matches every
# unknown, so the loader asks for the bound, or for the field that says the value is known.
_HIGH_SENTINEL = {"offset": "timing", "death_offset": "death_timing"}
_LOW_SENTINEL = frozenset(
    {"prior_episodes", "comorbidity", "conflict_rank", "support_rank", "contact_rank",
     "nearness", "death_nearness"}
)  # fmt: skip


def _sentinel_problem(name: str, value: Any, where: Mapping[str, Any]) -> str | None:
    """Why a comparison would also match the field's unknown value, or None."""
    if not isinstance(value, Op):
        return None
    ops = dict(value.items())
    above = "gt" in ops or "gte" in ops
    below = "lt" in ops or "lte" in ops
    guard = _HIGH_SENTINEL.get(name)
    if guard is not None and where.get(guard) != "known" and above and not below:
        return (
            f"an unknown '{name}' is {UNKNOWN_OFFSET}, which passes this test; bound it "
            f"above (lt, lte) or add '{guard}: known' to the pattern's where"
        )
    if name in _LOW_SENTINEL and below and not above:
        return (
            f"an unknown '{name}' is {UNKNOWN_COUNT}, which passes this test; bound it "
            f"below: gte: 0 leaves unknowns out, gte: {UNKNOWN_COUNT} keeps them in on purpose"
        )
    return None


@dataclass(frozen=True, eq=False)
class RulePack:
    """A validated set of rules and profiles, with the files they came from."""

    root: str
    rules: tuple[RuleSpec, ...]
    profiles: Mapping[str, ProfileSpec]
    files: Mapping[str, str]
    content_hash: str
    extras: Mapping[str, Any] = field(default_factory=dict)
    areas: Mapping[str, AreaSpec] = field(default_factory=dict)
    """`rules/areas.yaml`: each area's code prefix, title and sub-type kind, by area id."""
    profile_choice: ProfileChoice | None = None
    """`rules/profile-choice.yaml`: how `profile="auto"` picks a profile per case."""

    def __hash__(self) -> int:
        return hash((self.root, self.content_hash))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RulePack):
            return NotImplemented
        return (self.root, self.content_hash) == (other.root, other.content_hash)

    def rule(self, code: str) -> RuleSpec:
        for rule in self.rules:
            if rule.code == code:
                return rule
        raise KeyError(code)

    def profile(self, name: str) -> ProfileSpec:
        try:
            return self.profiles[name]
        except KeyError:
            raise ProfileError(
                f"unknown profile {name!r}; choose one of {', '.join(sorted(self.profiles))}"
            ) from None


def default_rules_dir() -> Path:
    """Explicit env var, then `rules/` of a source checkout, then the packaged copy."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    return _installed_rules_dir()


@lru_cache(maxsize=1)
def _installed_rules_dir() -> Path:
    checkout = Path(__file__).resolve().parents[3] / "rules"
    packaged = Path(str(resources.files("iptformulate"))) / "rules"
    if (checkout / "profiles").is_dir() and (Path(__file__).resolve().parents[2].name == "src"):
        return checkout
    if (packaged / "profiles").is_dir():
        return packaged
    return checkout


def rule_files(root: Path) -> Iterator[Path]:
    for area in AREA_IDS:
        folder = root / area
        if folder.is_dir():
            yield from sorted(
                p for p in folder.glob("*.yaml") if not p.name.endswith(".cases.yaml")
            )


def fixture_path(rule_file: Path) -> Path:
    return rule_file.with_name(rule_file.name[: -len(".yaml")] + ".cases.yaml")


def read_yaml(path: Path, root: Path) -> Any:
    rel = _rel(path, root)
    try:
        text = read_regular(path, DEFAULT_LIMITS.max_file_bytes).decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleError(f"cannot read the file ({exc})", file=rel) from None
    except LimitProblem as exc:
        raise RuleError(str(exc), file=rel) from None
    text = unicodedata.normalize("NFC", text)
    try:
        # limits first, so no object is built from a hostile file (and `_ban` cannot recurse
        # too deep)
        return parsed(text, repr(DEFAULT_LIMITS), _read_document)
    except LimitProblem as exc:
        raise RuleError(str(exc), file=rel) from None


def _read_document(text: str) -> Any:
    return read_yaml_document(text, DEFAULT_LIMITS)


def _rel(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root.parent))
    except ValueError:
        return str(path)


def _validate(model: type[BaseModel], data: Any, rel: str, code: str | None) -> Any:
    if not isinstance(data, dict):
        raise RuleError("expected a mapping at the top of the file", file=rel, code=code)
    _ban(data, rel, code, "")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors(include_url=False, include_input=False)[0]
        path = format_loc(p for p in err["loc"] if not str(p).startswith(("function-", "json-")))
        message = str(err["msg"])
        if err["type"] == "extra_forbidden":
            message = "unknown field; check the spelling against rules/README.md"
        raise RuleError(message, file=rel, code=code, path=path) from None


def _ban(node: Any, rel: str, code: str | None, path: str) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            here = f"{path}.{key}" if path else str(key)
            if key in _BANNED_KEYS:
                raise RuleError(_BANNED_KEYS[key], file=rel, code=code, path=here)
            _ban(value, rel, code, here)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _ban(value, rel, code, f"{path}[{i}]")
    elif isinstance(node, bool) and (path.startswith("when") or ".facts[" in path):
        raise RuleError(
            "YAML reads bare yes/no/true/false as a boolean; facts hold strings, so quote it "
            '("yes")',
            file=rel, code=code, path=path,
        )  # fmt: skip
    elif isinstance(node, float) and (node != node or abs(node) > 1e9 or 0 < abs(node) < 1e-4):
        raise RuleError(
            "numbers must be small and plain (no exponent form)", file=rel, code=code, path=path
        )
    elif isinstance(node, int) and not isinstance(node, bool) and abs(node) >= _INT_LIMIT:
        raise RuleError("integers must fit in 32 bits", file=rel, code=code, path=path)


def load_areas(root: Path) -> dict[str, AreaSpec]:
    """`areas.yaml` of the pack at `root`, by area id."""
    path = root / "areas.yaml"
    rel = _rel(path, root)
    if not path.is_file():
        raise RuleError("the area catalogue areas.yaml is missing", file=rel)
    catalogue: AreaCatalogue = _validate(AreaCatalogue, read_yaml(path, root), rel, None)
    return {area.id: area for area in catalogue.areas}


ALTERNATIVES_FILE = "alternatives.yaml"

# per name: the fact kind and the alternatives as written (expanded into rules before they are
# validated, so a rule that uses a list is checked exactly as if it spelled the list out)
Alternatives = Mapping[str, tuple[str, list[Any]]]


def load_alternatives(root: Path) -> dict[str, tuple[str, list[Any]]]:
    """The shared lists of alternatives in `alternatives.yaml` (none when the file is absent),
    each condition checked against its fact's fields."""
    path = root / ALTERNATIVES_FILE
    if not path.is_file():
        return {}
    rel = _rel(path, root)
    data = read_yaml(path, root)
    spec: AlternativesFile = _validate(AlternativesFile, data, rel, None)
    out: dict[str, tuple[str, list[Any]]] = {}
    for name, named in spec.alternatives.items():
        for j, cond in enumerate(named.any):
            _check_condition(named.fact, cond, cond, rel, None, f"alternatives.{name}.any[{j}]")
        out[name] = (named.fact, data["alternatives"][name]["any"])
    return out


def _check_condition(
    fact: str,
    cond: Mapping[str, Any],
    where: Mapping[str, Any],
    rel: str,
    code: str | None,
    label: str,
) -> None:
    """Refuse a condition that names a field the fact lacks, would also match an unknown value
    (`where`: every condition that holds beside it), or compares across types."""
    fields = FACT_FIELD_NAMES[fact]
    for name, value in cond.items():
        if name not in fields:
            raise RuleError(
                f"fact '{fact}' has no field '{name}' (see docs/facts.md)",
                file=rel, code=code, path=f"{label}.{name}",
            )  # fmt: skip
        sentinel = _sentinel_problem(name, value, where)
        if sentinel is not None:
            raise RuleError(sentinel, file=rel, code=code, path=f"{label}.{name}")
        tests = value.items() if isinstance(value, Op) else [("eq", value)]
        for op, operand in tests:
            problem = _type_problem(fact, name, op, operand)
            if problem is not None:
                raise RuleError(problem, file=rel, code=code, path=f"{label}.{name}.{op}")


def _expand_alternatives(
    data: Any, alternatives: Alternatives, rel: str, code: str | None
) -> Any:
    """The rule document with every `any: {use: <name>}` replaced by that shared list."""
    if not isinstance(data, dict) or not isinstance(data.get("when"), list):
        return data
    when = list(data["when"])
    for i, pattern in enumerate(when):
        if not isinstance(pattern, dict) or not isinstance(pattern.get("any"), dict):
            continue
        named = pattern["any"]
        name = named.get("use")
        here = f"when[{i}].any"
        if set(named) != {"use"} or not isinstance(name, str):
            raise RuleError(
                "'any' is a list of alternatives, or {use: <name>} to take a shared list "
                f"from {ALTERNATIVES_FILE}",
                file=rel, code=code, path=here,
            )  # fmt: skip
        if name not in alternatives:
            known = ", ".join(sorted(alternatives)) or "none"
            raise RuleError(
                f"no shared list '{name}' in {ALTERNATIVES_FILE} (known: {known})",
                file=rel, code=code, path=f"{here}.use",
            )  # fmt: skip
        fact, conditions = alternatives[name]
        if pattern.get("fact") != fact:
            raise RuleError(
                f"shared list '{name}' is of fact '{fact}', not '{pattern.get('fact')}'",
                file=rel, code=code, path=f"{here}.use",
            )  # fmt: skip
        when[i] = {**pattern, "any": [dict(cond) for cond in conditions]}
    return {**data, "when": when}


def load_rule_file(
    path: Path,
    root: Path,
    areas: Mapping[str, AreaSpec] | None = None,
    alternatives: Alternatives | None = None,
) -> RuleSpec:
    rel = _rel(path, root)
    data = read_yaml(path, root)
    code = data.get("code") if isinstance(data, dict) else None
    code = code if isinstance(code, str) else None
    shared = alternatives if alternatives is not None else load_alternatives(root)
    data = _expand_alternatives(data, shared, rel, code)
    if isinstance(data, dict) and "profiles" in data:
        raise RuleError(
            "rules no longer list their profiles: each profile selects its rules by area and "
            "tag (profiles/<name>.yaml `rules:`); give the rule `tags:` instead",
            file=rel, code=code, path="profiles",
        )  # fmt: skip
    rule: RuleSpec = _validate(RuleSpec, data, rel, code)
    if not path.name.startswith(f"{rule.code}-"):
        raise RuleError(
            f"file name must start with the rule code, e.g. {rule.code}-short-title.yaml",
            file=rel, code=rule.code, path="code",
        )  # fmt: skip
    if path.parent.name != rule.area:
        raise RuleError(
            f"rule of area '{rule.area}' must live in rules/{rule.area}/",
            file=rel, code=rule.code, path="area",
        )  # fmt: skip
    area = (areas if areas is not None else load_areas(root)).get(rule.area)
    if area is None:
        raise RuleError(
            f"area '{rule.area}' is not in areas.yaml", file=rel, code=rule.code, path="area"
        )
    if not rule.code.startswith(area.code_prefix):
        raise RuleError(
            f"rules of area '{rule.area}' have codes starting {area.code_prefix} (areas.yaml)",
            file=rel, code=rule.code, path="code",
        )  # fmt: skip
    if rule.subtype is not None and rule.subtype.kind != area.subtype_kind:
        expected = (
            f"'{area.subtype_kind}'" if area.subtype_kind else "none (areas.yaml gives no kind)"
        )
        raise RuleError(
            f"a sub-type of area '{rule.area}' is of kind {expected}, not "
            f"'{rule.subtype.kind}'",
            file=rel, code=rule.code, path="subtype.kind",
        )  # fmt: skip
    _lint(rule, rel)
    return rule


def _lint(rule: RuleSpec, rel: str) -> None:
    seen: dict[str, str] = {}
    for i, pattern in enumerate(rule.when):
        where = f"when[{i}]"
        alias = pattern.as_
        if alias in RESERVED_ALIASES:
            raise RuleError(
                f"alias '{alias}' is reserved; choose another",
                file=rel,
                code=rule.code,
                path=f"{where}.as",
            )
        if alias in seen:
            raise RuleError(
                f"alias '{alias}' is used twice", file=rel, code=rule.code, path=f"{where}.as"
            )
        fields = FACT_FIELD_NAMES[pattern.fact]
        for left, right in pattern.join.items():
            target, _, other_field = right.partition(".")
            if left in ("id", "sid") or other_field in ("id", "sid"):
                raise RuleError(
                    "joins on 'id' or 'sid' fail silently in durable-rules; join on a ref field",
                    file=rel, code=rule.code, path=f"{where}.join.{left}",
                )  # fmt: skip
            if target not in seen:
                raise RuleError(
                    f"join target '{right}' must name an earlier pattern as alias.field",
                    file=rel, code=rule.code, path=f"{where}.join.{left}",
                )  # fmt: skip
            if left not in fields or other_field not in FACT_FIELD_NAMES[seen[target]]:
                raise RuleError(
                    f"join '{left}: {right}' names a field the facts do not have",
                    file=rel, code=rule.code, path=f"{where}.join.{left}",
                )  # fmt: skip
        for j, cond in enumerate([pattern.where, *pattern.any]):
            label = f"{where}.where" if j == 0 else f"{where}.any[{j - 1}]"
            if j > 0 and not cond:
                raise RuleError(
                    "an alternative with no condition always holds; give it a condition or "
                    "drop the 'any' list", file=rel, code=rule.code, path=label,
                )  # fmt: skip
            _check_condition(pattern.fact, cond, {**pattern.where, **cond}, rel, rule.code, label)
        seen[alias] = pattern.fact
    for name in rule.evidence_aliases():
        if name not in seen:
            raise RuleError(
                f"evidence names unknown alias '{name}'", file=rel, code=rule.code, path="evidence"
            )
    for alias, fld, filt in template_refs(rule.rationale):
        if alias not in seen:
            raise RuleError(
                f"rationale slot '{{{alias}}}' names no pattern alias",
                file=rel, code=rule.code, path="rationale",
            )  # fmt: skip
        if fld is not None and fld not in FACT_FIELD_NAMES[seen[alias]]:
            raise RuleError(
                f"rationale slot '{alias}.{fld}' names a field the fact does not have",
                file=rel, code=rule.code, path="rationale",
            )  # fmt: skip
        if filt is not None and filt not in TEMPLATE_FILTERS:
            raise RuleError(
                f"unknown rationale filter '{filt}'; use one of {', '.join(TEMPLATE_FILTERS)}",
                file=rel, code=rule.code, path="rationale",
            )  # fmt: skip
    if rule.derive is not None and any(p.fact == rule.derive.fact for p in rule.when):
        raise RuleError(
            "a rule may not read the derived fact kind it asserts",
            file=rel, code=rule.code, path="derive",
        )  # fmt: skip


def _params_of(rule: RuleSpec) -> Iterator[tuple[str, str]]:
    if isinstance(rule.weight, Param):
        yield rule.weight.param, "weight"
    for i, pattern in enumerate(rule.when):
        for j, cond in enumerate([pattern.where, *pattern.any]):
            for name, value in cond.items():
                if isinstance(value, Op):
                    for _, inner in value.items():
                        if isinstance(inner, Param):
                            label = "where" if j == 0 else f"any[{j - 1}]"
                            yield inner.param, f"when[{i}].{label}.{name}"


def load_profile_file(path: Path, root: Path, areas: Mapping[str, AreaSpec]) -> ProfileSpec:
    rel = _rel(path, root)
    profile: ProfileSpec = _validate(ProfileSpec, read_yaml(path, root), rel, None)
    if path.stem != profile.name:
        raise RuleError("file name must equal the profile name", file=rel, path="name")
    named = [("areas", profile.areas), ("rules.areas", profile.rules.areas or [])]
    for where, names in named:
        for i, area in enumerate(names):
            if area not in areas:
                raise RuleError(
                    f"area '{area}' is not in areas.yaml", file=rel, path=f"{where}[{i}]"
                )
    for label in profile.labels:
        if label not in profile.areas:
            raise RuleError(
                f"a label for '{label}', which the profile does not use", file=rel,
                path=f"labels.{label}",
            )  # fmt: skip
    return profile


def member_profiles(rule: RuleSpec, profiles: Mapping[str, ProfileSpec]) -> tuple[str, ...]:
    """The profiles whose `rules:` selection takes the rule, in name order."""
    return tuple(
        name
        for name, spec in sorted(profiles.items())
        if spec.rules.selects(rule, list(spec.areas))
    )


def reference_problems(
    rules: list[tuple[str, RuleSpec]],
    profiles: Mapping[str, tuple[str, ProfileSpec]],
    choice: tuple[str, ProfileChoice] | None,
) -> list[RuleError]:
    """References between the files of a pack that do not resolve: parameters a rule needs
    from the profiles that run it, tags and codes a profile selects by, profiles the `auto`
    choice names. `rules` and `profiles` carry the file each came from."""
    out: list[RuleError] = []
    specs = {name: spec for name, (_, spec) in profiles.items()}
    for rel, rule in rules:
        for name in member_profiles(rule, specs):
            for param, where in _params_of(rule):
                if param not in specs[name].params:
                    out.append(RuleError(
                        f"parameter '{param}' is not defined in profile '{name}'",
                        file=rel, code=rule.code, path=where,
                    ))  # fmt: skip
    if choice is not None:
        rel, data = choice
        named = [("default", data.default)]
        named += [(f"choices[{i}].profile", c.profile) for i, c in enumerate(data.choices)]
        for where, name in named:
            if name not in specs:
                out.append(RuleError(f"unknown profile '{name}'", file=rel, path=where))
    return out


def selection_problems(
    rules: list[tuple[str, RuleSpec]], profiles: Mapping[str, tuple[str, ProfileSpec]]
) -> list[RuleError]:
    """Tags and codes a profile selects by that no rule carries (likely a misspelling).
    Reported by `iptformulate rules check`, not by `load_pack`: a pack cut down to a few rules
    still loads with the shipped profiles."""
    out: list[RuleError] = []
    tags = {tag for _, rule in rules for tag in rule.tags}
    codes = {rule.code for _, rule in rules}
    for rel, spec in profiles.values():
        lists = {"include_tags": spec.rules.include_tags, "exclude_tags": spec.rules.exclude_tags}
        for key, values in lists.items():
            for i, tag in enumerate(values):
                if tag not in tags:
                    out.append(RuleError(f"no rule has the tag '{tag}'", file=rel,
                                         path=f"rules.{key}[{i}]"))  # fmt: skip
        for i, code in enumerate(spec.rules.exclude_codes):
            if code not in codes:
                out.append(RuleError(f"no rule has the code '{code}'", file=rel, code=code,
                                     path=f"rules.exclude_codes[{i}]"))  # fmt: skip
    return out


def load_pack(root: str | os.PathLike[str] | None = None) -> RulePack:
    """Read, validate and cross-check every rule, profile and catalogue under `root`."""
    base = Path(root) if root is not None else default_rules_dir()
    if not base.is_dir():
        raise RuleError("rules directory not found", file=str(base))
    digest = hashlib.sha256()
    areas = load_areas(base)
    digest.update(b"areas\0" + (base / "areas.yaml").read_bytes())
    profiles: dict[str, tuple[str, ProfileSpec]] = {}
    for path in sorted((base / "profiles").glob("*.yaml")):
        rel = _rel(path, base)
        profile = load_profile_file(path, base, areas)
        profiles[profile.name] = (rel, profile)
        digest.update(rel.encode() + b"\0" + path.read_bytes())
    if not profiles:
        raise RuleError("no profiles found in profiles/", file=str(base))
    alternatives = load_alternatives(base)
    if (base / ALTERNATIVES_FILE).is_file():
        digest.update(b"alternatives\0" + (base / ALTERNATIVES_FILE).read_bytes())
    rules: list[tuple[str, RuleSpec]] = []
    files: dict[str, str] = {}
    for path in rule_files(base):
        rel = _rel(path, base)
        rule = load_rule_file(path, base, areas, alternatives)
        for code in (rule.code, *rule.aliases):
            if code in files:
                raise RuleError(
                    f"code {code} is already used by {files[code]}; codes are never reused",
                    file=rel, code=rule.code, path="code",
                )  # fmt: skip
            files[code] = rel
        rules.append((rel, rule))
        digest.update(rel.encode() + b"\0" + path.read_bytes())
    extras: dict[str, Any] = {}
    for name in CATALOGUES:
        path = base / f"{name}.yaml"
        if path.is_file():
            extras[name] = read_yaml(path, base)
            validate_catalogue(name, extras[name], _rel(path, base))
            digest.update(name.encode() + b"\0" + path.read_bytes())
    choice: tuple[str, ProfileChoice] | None = None
    choice_path = base / "profile-choice.yaml"
    if choice_path.is_file():
        rel = _rel(choice_path, base)
        choice = (rel, _validate(ProfileChoice, read_yaml(choice_path, base), rel, None))
        digest.update(b"profile-choice\0" + choice_path.read_bytes())
    for problem in reference_problems(rules, profiles, choice):
        raise problem
    specs = {name: spec for name, (_, spec) in profiles.items()}
    filled = [
        rule.model_copy(update={"profiles": member_profiles(rule, specs)}) for _, rule in rules
    ]
    filled.sort(key=lambda r: r.code)
    return RulePack(
        root=str(base),
        rules=tuple(filled),
        profiles=specs,
        files=files,
        content_hash=digest.hexdigest(),
        extras=extras,
        areas=areas,
        profile_choice=choice[1] if choice is not None else None,
    )


def profile_help(root: str | os.PathLike[str] | None = None, *, auto: bool = True) -> str:
    """The profiles of the rules folder for a `--profile` help text, with what "auto" picks
    (rules/profile-choice.yaml); read cheaply, and never an error: help must always show."""
    base = Path(root) if root is not None else default_rules_dir()
    names = sorted(p.stem for p in (base / "profiles").glob("*.yaml"))
    text = ", ".join(names) or "the profiles of the rules folder"
    path = base / "profile-choice.yaml"
    if not auto or not path.is_file():
        return text
    try:
        choice: ProfileChoice = _validate(ProfileChoice, read_yaml(path, base), str(path), None)
    except RuleError:
        return f"{text} or auto"
    return f"{text} or auto ({choice.describe()})"


def load_fixtures(path: Path, root: Path) -> FixtureFile:
    """Read an examples file; every case has exactly one of `inventory:` and `facts:`."""
    rel = _rel(path, root)
    code = path.name.split("-", 1)[0]
    fixtures: FixtureFile = _validate(FixtureFile, read_yaml(path, root), rel, code)
    for name, case in fixtures.cases.items():
        if (case.inventory is None) == (case.facts is None):
            given = "both" if case.facts is not None else "neither"
            raise RuleError(
                f"an example has exactly one of `inventory:` (a small case file) or `facts:`; "
                f"this one has {given}",
                file=rel, code=fixtures.rule, path=f"cases.{name}.inventory",
            )  # fmt: skip
    return fixtures
