"""Area scores from findings (pipeline stage 6).

Evidence is counted **once per source**. A source is one relationship or one event of the case:
a finding about a person (alone, or with an event that involves them, such as a death or a row)
is evidence about that relationship; a finding about an event with no person is evidence about
the event; findings that read only client-level facts are each a source of their own. Within a
source only its strongest finding counts, so four rules that describe one partner's dispute are
one piece of evidence, not four. Across sources the weights combine as
a noisy-OR, and `against` findings discount once per rule:

    support = 1 - prod(1 - max weight of the source) over sources of core and support findings
    score   = support * prod(1 - w) over fired `against` rules

What a score means: a rule's weight is our estimate of how often a supervisor would call the
area present on that evidence alone (reference §9; docs/scoring.md). A score is the same
estimate for the sources together, taken as independent: one decisive source with weight 0.7
gives 0.7; two independent sources of 0.7 give 0.91; 0.8 means "as strong as one source a
supervisor would accept four times in five". The score stays in [0, 1], does not depend on
firing order, and more evidence never lowers it. An area is present when a core rule fired, no
exclusion (an `against` rule of weight 1) fired, and the score reaches the profile's
`presence_threshold`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from operator import attrgetter

from .engine.base import Finding
from .rulepack.areas import SubtypeKinds

SUBTYPE_KINDS = SubtypeKinds()
"""Area id -> its sub-type kind, from `rules/areas.yaml` (`RulePack.areas` for another pack)."""

@dataclass(frozen=True)
class SourceView:
    """One relationship or event an area's core evidence is about, seen on its own."""

    source: str
    strength: float
    subtype: str | None


# the order Finding's dataclass comparison defines, as one C-level key per finding
_FINDING_ORDER = attrgetter("area", "code", "evidence", "effect", "weight")


@dataclass(frozen=True)
class AreaScore:
    """The score of one area and the findings behind it."""

    area: str
    score: float
    present: bool
    core: tuple[Finding, ...]
    support: tuple[Finding, ...]
    against: tuple[Finding, ...]
    subtype_votes: tuple[Finding, ...]
    subtype: str | None
    excluded: bool = field(default=False)
    principal: tuple[str, ...] = field(default=())
    """The source(s) the area is mainly about (see `principal_sources`): the dispute partner,
    the person who died, the event that changed a role. Several only when they tie."""
    sources: tuple[SourceView, ...] = field(default=())
    """Every source a core rule fired on, strongest first, each with its own sub-type."""

    @property
    def findings(self) -> tuple[Finding, ...]:
        return self.core + self.support + self.against + self.subtype_votes


_new = object.__new__
_set = object.__setattr__


def _area_score(
    area: str,
    score: float,
    present: bool,
    core: tuple[Finding, ...],
    support: tuple[Finding, ...],
    against: tuple[Finding, ...],
    votes: tuple[Finding, ...],
    subtype: str | None,
    excluded: bool,
    principal: tuple[str, ...] = (),
    sources: tuple[SourceView, ...] = (),
) -> AreaScore:
    """An `AreaScore` equal to the one `__init__` makes; a frozen dataclass's `__init__` sets
    its nine fields one by one, which costs more than the scoring itself."""
    out: AreaScore = _new(AreaScore)
    _set(out, "__dict__", {
        "area": area, "score": score, "present": present, "core": core, "support": support,
        "against": against, "subtype_votes": votes, "subtype": subtype, "excluded": excluded,
        "principal": principal, "sources": sources,
    })  # fmt: skip
    return out


def _one_weight_per_rule(findings: Iterable[Finding]) -> dict[str, float]:
    return {f.code: f.weight for f in findings}


def score_area(
    area: str, findings: Sequence[Finding], threshold: float, subtype_values: dict[str, str]
) -> AreaScore:
    """Score one area; `subtype_values` maps a subtype rule code to the value it votes for."""
    return score_all((area,), findings, threshold, subtype_values)[area]


def score_all(
    areas: Sequence[str],
    findings: Sequence[Finding],
    threshold: float,
    subtype_values: dict[str, str],
) -> dict[str, AreaScore]:
    """Score every area in one pass over the findings, each area's findings in sorted order."""
    # each finding's fields are read once, as its sort key; the pass then reads the key
    keys = list(map(_FINDING_ORDER, findings))
    groups: dict[str, _Group] = {}
    for i in sorted(range(len(keys)), key=keys.__getitem__):
        area, code, _, effect, weight = keys[i]
        group = groups.get(area)
        if group is None:
            group = groups[area] = ([], [], [], [], {})
        if effect == "core":
            group[0].append(findings[i])
        elif effect == "support":
            group[1].append(findings[i])
        elif effect == "against":
            group[2].append(findings[i])
            group[4][code] = weight
        elif effect == "subtype":
            group[3].append(findings[i])
    return {area: _score(area, groups.get(area), threshold, subtype_values) for area in areas}


# an area's core, support, against and subtype findings, and the weight of each against rule
# (the last finding's, as all findings of one rule carry the rule's weight)
_Group = tuple[
    list[Finding], list[Finding], list[Finding], list[Finding], dict[str, float]
]  # fmt: skip


def _score(
    area: str, group: _Group | None, threshold: float, subtype_values: dict[str, str]
) -> AreaScore:
    if group is None:
        return _area_score(area, 0.0, False, (), (), (), (), None, False)
    core, support, against, votes, against_w = group
    kept = 1.0  # prod(1 - w) over sources, as in the module docstring
    for w in sorted(source_weights(core + support).values()):  # one product whatever the ids
        kept *= 1.0 - w
    negative = 1.0
    excluded = False
    for w in against_w.values():
        negative *= 1.0 - w
        excluded = excluded or w >= 1.0
    score = round(max(0.0, min(1.0, (1.0 - kept) * negative)), 4)
    present = bool(core) and not excluded and score >= threshold
    # a sub-type (a dispute's stage, a grief pattern) is read per relationship or event: each
    # source whose core rule fired gets its own, and the area's is that of its principal
    # source, so an estranged ex does not set the stage of the dispute with a partner
    sources = _source_views(core, support, votes, subtype_values)
    principal = principal_sources(sources)
    voting = [v for v in votes if source_of(v) in principal or source_of(v).startswith("rule:")]
    subtype = _subtype(voting, subtype_values) if core and voting else None
    return _area_score(
        area, score, present, tuple(core), tuple(support), tuple(against), tuple(votes), subtype,
        excluded, principal, sources,
    )  # fmt: skip


def _strength(weights: Iterable[float]) -> float:
    kept = 1.0
    for w in sorted(weights):
        kept *= 1.0 - w
    return round(1.0 - kept, 4)


def _source_views(
    core: Sequence[Finding],
    support: Sequence[Finding],
    votes: Sequence[Finding],
    subtype_values: dict[str, str],
) -> tuple[SourceView, ...]:
    """Each source of a core finding with the strength of what the rules found about it alone
    (noisy-OR over the distinct rules, core and support, that fired on it) and its own
    sub-type; strongest first, then by source id."""
    cored = {source_of(f) for f in core}
    weights: dict[str, dict[str, float]] = {s: {} for s in cored}
    for finding in (*core, *support):
        source = source_of(finding)
        if source in weights:
            weights[source][finding.code] = finding.weight
    own_votes: dict[str, list[Finding]] = {}
    for vote in votes:
        own_votes.setdefault(source_of(vote), []).append(vote)
    views = [
        _source_view(s, _strength(w.values()), _subtype(own_votes.get(s, ()), subtype_values))
        for s, w in weights.items()
    ]
    return tuple(sorted(views, key=lambda v: (-v.strength, v.source)))


def _source_view(source: str, strength: float, subtype: str | None) -> SourceView:
    """A `SourceView` equal to the one `__init__` makes, without its three frozen sets."""
    out: SourceView = _new(SourceView)
    _set(out, "__dict__", {"source": source, "strength": strength, "subtype": subtype})
    return out


def principal_sources(sources: Sequence[SourceView]) -> tuple[str, ...]:
    """The source(s) with the strongest evidence of their own: the relationship or event the
    area is mainly about. Sources that tie are all principal (both are named, their sub-type
    votes pooled); no single one is picked by id."""
    if not sources:
        return ()
    top = sources[0].strength
    return tuple(sorted(v.source for v in sources if v.strength >= top))


_CLIENT_LEVEL = ("client", "summary", "candidate")


def _entities(finding: Finding) -> list[str]:
    """The case entities a finding rests on: `person:sam` -> sam; `involvement:e1:sam` -> e1
    and sam; a role effect -> its event. Client-level facts name no entity."""
    out: list[str] = []
    for _, fact_id in finding.evidence:
        kind, _, rest = fact_id.partition(":")
        if kind in _CLIENT_LEVEL:
            continue
        if kind == "involvement":
            event, _, person = rest.partition(":")
            out += [f"event:{event}", f"person:{person}"]
        elif kind == "role_effect":
            out.append(f"event:{rest.rpartition(':')[0]}")
        else:
            out.append(fact_id)
    return out


def source_of(finding: Finding) -> str:
    """The relationship or event a finding is evidence about: the person it names (the first
    by id when it names several), else the event, else the rule itself (client-level facts)."""
    evidence = finding.evidence
    try:
        found = _SOURCES[evidence]
    except KeyError:
        entities = sorted(_entities(finding))
        people = [e for e in entities if e.startswith("person:")]
        found = people[0] if people else entities[0] if entities else None
        if len(_SOURCES) >= 8192:
            _SOURCES.clear()
        _SOURCES[evidence] = found
    return found if found is not None else f"rule:{finding.code}"


_SOURCES: dict[tuple[tuple[str, str], ...], str | None] = {}
"""`source_of` by a finding's evidence (None: no entity, the rule is the source); evidence of
the same shape recurs across cases (the same aliases, the same person and event ids)."""


def source_weights(findings: Iterable[Finding]) -> dict[str, float]:
    """The strongest weight among the findings about each source."""
    best: dict[str, float] = {}
    for finding in findings:
        key = source_of(finding)
        if finding.weight >= best.get(key, 0.0):
            best[key] = finding.weight
    return dict(sorted(best.items()))


def _subtype(votes: Sequence[Finding], values: dict[str, str]) -> str | None:
    """The value with the largest summed weight (one vote per rule); ties go alphabetically."""
    totals: dict[str, float] = {}
    for code, weight in _one_weight_per_rule(votes).items():
        value = values[code]
        totals[value] = totals.get(value, 0.0) + weight
    if not totals:
        return None
    return sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
