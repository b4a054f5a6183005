"""The rule-file format: what a rule, a profile and a fixture file may say.

Rule files are data written by IPT trainers. The format is deliberately small: patterns over
documented fact types, equality joins on `ref`-style keys, comparisons, membership and
alternatives. Constructs that durable-rules runs wrongly (negation, arithmetic, `id` joins) are
simply not expressible; absence is read from precomputed summary counts instead.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, model_validator

from ..model.vocab import AreaId, ProblemArea

CODE_RE = r"^[A-Z]{2}[0-9]{3}$"
"""Two capital letters and three digits; which letters an area's rules carry is data
(`rules/areas.yaml`, checked when the pack is loaded)."""
TAG_RE = r"^[a-z][a-z0-9_]*$"
ALIAS_RE = r"^[a-z][a-z0-9_]{0,30}$"
RESERVED_ALIASES = frozenset(
    {
        "s", "m", "host", "post", "assert_fact", "assert_facts", "retract_fact",
        "retract_facts", "delete_state", "get_facts", "get_pending_events", "ruleset_name",
        "start_timer", "cancel_timer", "has_completed", "renew_action_lease", "sid",
    }
)  # fmt: skip
BASE_FACT_KINDS = ("client", "person", "event", "involvement", "summary")
DERIVED_FACT_KINDS = ("candidate",)
EVIDENCE_TAGS = ("S", "S2", "R", "I", "D")
AREA_IDS = tuple(a.value for a in ProblemArea)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Param(_Strict):
    """A reference to a profile parameter, resolved when the pack is compiled for a profile."""

    param: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]


Scalar = StrictInt | StrictStr  # facts hold no booleans: tri-state answers are strings
Value = Scalar | Param


class Op(_Strict):
    """Comparisons on one field; several keys make a conjunction (a range)."""

    eq: Value | None = None
    neq: Value | None = None
    lt: StrictInt | Param | None = None
    lte: StrictInt | Param | None = None
    gt: StrictInt | Param | None = None
    gte: StrictInt | Param | None = None
    in_: list[Scalar] | None = Field(default=None, alias="in", min_length=1)
    not_in: list[Scalar] | None = Field(default=None, min_length=1)

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _some_op(self) -> Op:
        if not any(v is not None for _, v in self):
            raise ValueError("a comparison needs one of eq, neq, lt, lte, gt, gte, in, not_in")
        return self

    def items(self) -> list[tuple[str, Any]]:
        """The comparisons set, e.g. [('gte', -12), ('lte', 3)] for a range."""
        return [("in" if k == "in_" else k, v) for k, v in self if v is not None]


Condition = dict[str, Scalar | Op]


class Pattern(_Strict):
    """One fact the rule needs, with the conditions it must meet."""

    fact: Literal["client", "person", "event", "involvement", "summary", "candidate"]
    as_: Annotated[str, Field(alias="as", pattern=ALIAS_RE)]
    join: dict[str, str] = Field(
        default_factory=dict,
        description="field -> 'alias.field' of an earlier pattern; equality on a join key",
    )
    where: Condition = Field(default_factory=dict)
    any: list[Condition] = Field(
        default_factory=list, description="alternatives: at least one must hold"
    )

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Source(_Strict):
    """Where in the domain reference the rule comes from."""

    key: Annotated[str, Field(min_length=2)]
    tag: Literal["S", "S2", "R", "I", "D"]
    section: Annotated[str, Field(pattern=r"^§[0-9]+(\.[0-9]+)*$")]
    note: str | None = None


class Subtype(_Strict):
    """A vote for a sub-classification of the area."""

    kind: Annotated[str, Field(pattern=r"^[a-z][a-z_]*$")] = Field(
        description="the area's sub-type kind (rules/areas.yaml `subtype_kind`)"
    )
    value: Annotated[str, Field(pattern=r"^[a-z][a-z_]*$")]


class Derive(_Strict):
    """A derived fact the rule asserts when it fires (forward chaining)."""

    fact: Literal["candidate"]
    area: AreaId


class NamedAlternatives(_Strict):
    """A list of alternatives that several rules share (`rules/alternatives.yaml`); a rule
    takes it as its pattern's `any` with `any: {use: <name>}`."""

    fact: Literal["client", "person", "event", "involvement", "summary", "candidate"]
    title: Annotated[str, Field(min_length=3, max_length=200)]
    source: Source
    any: list[Condition] = Field(min_length=1, description="alternatives: at least one holds")


class AlternativesFile(_Strict):
    """`rules/alternatives.yaml`: the shared lists of alternatives, by name."""

    alternatives: dict[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")], NamedAlternatives]


class RuleSpec(_Strict):
    """One clinical rule: one file `rules/<area>/<CODE>-<slug>.yaml`."""

    code: Annotated[str, Field(pattern=CODE_RE)]
    title: Annotated[str, Field(min_length=5, max_length=120)]
    area: AreaId
    effect: Literal["core", "support", "against", "subtype"] = Field(
        description=(
            "core: an inclusion criterion (the area needs one); support: adds evidence; "
            "against: lowers the score (weight 1 = exclusion); subtype: votes for a sub-type"
        )
    )
    weight: Annotated[float, Field(ge=0.0, le=1.0)] | Param
    source: Source
    tags: list[Annotated[str, Field(pattern=TAG_RE)]] = Field(
        default_factory=list,
        description="Labels profiles select rules by (a profile's `rules.include_tags`); a rule "
        "with no tags is in every profile that has its area",
    )
    profiles: tuple[str, ...] = Field(
        default=(),
        description="The profiles the rule is in: never written in a rule file, filled in when "
        "the pack is loaded from each profile's `rules:` selection",
    )
    when: list[Pattern] = Field(min_length=1, max_length=4)
    evidence: list[str] | None = None
    rationale: Annotated[str, Field(min_length=5, max_length=400)]
    subtype: Subtype | None = None
    derive: Derive | None = None
    ask: str | None = Field(
        default=None, description="What to ask next when the inventory leaves this open."
    )
    aliases: list[str] = Field(default_factory=list, description="Former codes of this rule.")

    @model_validator(mode="after")
    def _consistent(self) -> RuleSpec:
        if (self.effect == "subtype") != (self.subtype is not None):
            raise ValueError("a rule has a 'subtype' block exactly when its effect is 'subtype'")
        return self

    def aliases_in_order(self) -> list[str]:
        return [p.as_ for p in self.when]

    def evidence_aliases(self) -> list[str]:
        return list(self.evidence) if self.evidence is not None else self.aliases_in_order()


class ProfileFit(_Strict):
    """Who a profile is for; a case that clearly falls outside gets a warning (never when the
    case leaves the field unknown)."""

    populations: list[str] | None = None
    diagnoses: list[str] | None = None
    ages: Annotated[list[int], Field(min_length=2, max_length=2)] | None = None
    source: Source


class RuleSelection(_Strict):
    """Which rules a profile runs: those of `areas` (default: the profile's areas) with no
    tags or with one of `include_tags`, minus any with one of `exclude_tags` or in
    `exclude_codes`."""

    areas: list[AreaId] | None = None
    include_tags: list[Annotated[str, Field(pattern=TAG_RE)]] = Field(default_factory=list)
    exclude_tags: list[Annotated[str, Field(pattern=TAG_RE)]] = Field(default_factory=list)
    exclude_codes: list[Annotated[str, Field(pattern=CODE_RE)]] = Field(default_factory=list)

    def selects(self, rule: RuleSpec, profile_areas: list[str]) -> bool:
        areas = self.areas if self.areas is not None else profile_areas
        return (
            rule.area in areas
            and (not rule.tags or any(t in self.include_tags for t in rule.tags))
            and not any(t in self.exclude_tags for t in rule.tags)
            and rule.code not in self.exclude_codes
        )


class ProfileSpec(_Strict):
    """A manual profile: which areas exist, their labels, parameters and focus policy."""

    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]*$")]
    title: str
    source: Source
    areas: list[AreaId] = Field(min_length=1)
    labels: dict[str, str]
    max_foci: Annotated[int, Field(ge=1, le=2)] = 2
    secondary_focus: Literal["when_present", "when_close"] = Field(
        default="when_present",
        description="when_close: a second focus only when the first two cannot be told apart "
        "(a close call); when_present: whenever a second area is present",
    )
    between_session_tasks: bool = False
    fits: ProfileFit | None = None
    rules: RuleSelection = Field(
        default_factory=RuleSelection, description="which rules run under this profile"
    )
    params: dict[str, StrictInt | float]


class AreaSpec(_Strict):
    """One problem area (`rules/areas.yaml`)."""

    id: AreaId
    code_prefix: Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
    title: Annotated[str, Field(min_length=3, max_length=80)]
    subtype_kind: Annotated[str, Field(pattern=r"^[a-z][a-z_]*$")] | None = None


class AreaCatalogue(_Strict):
    """`rules/areas.yaml`: every area once, each prefix and sub-type kind once."""

    areas: list[AreaSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> AreaCatalogue:
        for name in ("id", "code_prefix", "subtype_kind"):
            values = [getattr(a, name) for a in self.areas if getattr(a, name) is not None]
            if len(values) != len(set(values)):
                raise ValueError(f"each area needs its own {name}")
        return self


CaseField = Literal["diagnosis", "population"]


class ProfileChoiceRule(_Strict):
    """Pick `profile` when the case's field holds one of the listed values."""

    profile: Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]*$")]
    when: dict[CaseField, list[str]] = Field(min_length=1)


class ProfileChoice(_Strict):
    """`rules/profile-choice.yaml`: how `--profile auto` picks a profile per case; the first
    choice whose conditions all hold wins, else `default`."""

    source: Source
    choices: list[ProfileChoiceRule] = Field(default_factory=list)
    default: Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]*$")]

    def profiles(self) -> tuple[str, ...]:
        """Every profile the choice can pick, the default first."""
        return tuple(dict.fromkeys([self.default, *(c.profile for c in self.choices)]))

    def describe(self) -> str:
        """The choice in words, for help texts."""
        parts = [
            c.profile
            + " when "
            + " and ".join(
                f"{name.replace('_', ' ')} is {' or '.join(values)}"
                for name, values in c.when.items()
            )
            for c in self.choices
        ]
        return ", ".join([*parts, f"{self.default} otherwise"])


FixtureFact = dict[str, Scalar]


class FixtureCase(_Strict):
    """A named example: a small inventory (or, for edge cases, the facts), and what the rule
    must (or must not) do on it. Exactly one of `inventory` and `facts` is given."""

    inventory: dict[str, Any] | None = Field(
        default=None,
        description="a case-file fragment (format 2): people, events, client fields; the "
        "runner fills in only the case id, `format_version` and people's display names",
    )
    facts: list[FixtureFact] | None = Field(
        default=None,
        min_length=1,
        description="internal facts, for what an inventory cannot express (a sentinel, a "
        "derived fact)",
    )
    profile: str = "classic"
    fires: bool
    evidence: list[list[str]] | None = Field(
        default=None,
        description="when it fires: the evidence fact ids of each firing, in alias order",
    )
    why: Annotated[str, Field(min_length=3)]


class FixtureFile(_Strict):
    """`<CODE>-<slug>.cases.yaml` beside the rule."""

    rule: Annotated[str, Field(pattern=CODE_RE)]
    cases: dict[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")], FixtureCase] = Field(
        min_length=2
    )


_TEMPLATE_FIELD = re.compile(r"\{([^{}]*)\}")


def template_refs(template: str) -> list[tuple[str, str | None, str | None]]:
    """The `{alias}`, `{alias.field}` and `{alias.field|filter}` slots of a rationale."""
    out: list[tuple[str, str | None, str | None]] = []
    for match in _TEMPLATE_FIELD.finditer(template):
        body = match.group(1)
        body, _, filt = body.partition("|")
        alias, _, field = body.partition(".")
        out.append((alias, field or None, filt or None))
    return out
