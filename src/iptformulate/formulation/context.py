"""What the parts of a formulation share: what depends only on the rule pack (rule titles and
sources, split rationale templates, the wording that names no case content), prepared once per
pack; and one case's context (its facts, names and the evidence already rendered)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any, NamedTuple

from ..engine.base import Finding
from ..facts import Fact
from ..model.case import Case
from ..model.vocab import ProblemArea
from ..rulepack.load import RulePack
from ..rulepack.spec import ProfileSpec, Source
from . import catalogue
from .model import AreaId, EvidenceRef, FindingOut, trusted
from .rationale import CaseNames, Template, compile_template, field_names, fill

AREA_ORDER = {a.value: i for i, a in enumerate(ProblemArea)}
AREAS = {a.value: a for a in ProblemArea}
Bound = dict[str, Fact]  # a finding's evidence: alias -> fact
# per field: the rank of each value, and (count, rank) for the policy's "N+" entries
OnsetLink = tuple[tuple[str, dict[str, int], tuple[tuple[int, int], ...]], ...]


def source_text(source: Source) -> str:
    return f"{source.key} {source.section} [{source.tag}]"


def join(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


class PreparedRule(NamedTuple):
    out: dict[str, Any]  # a `FindingOut`'s values: the rule's, and placeholders for the finding's
    rationale: Template
    text: str | None  # the rationale when it has no slots
    ask: str | None
    derived_area: str


class PreparedTechnique(NamedTuple):
    name: str
    description: str
    tasks: tuple[str, ...]
    source: str
    fit: str


class PreparedPack(NamedTuple):
    policy: catalogue.FocusPolicy
    catalogue: catalogue.TechniqueCatalogue
    plans: catalogue.PlanCatalogue
    statement: catalogue.StatementData
    rules: dict[str, PreparedRule]
    onset_link: OnsetLink
    techniques: dict[str, PreparedTechnique]
    goal_names: dict[AreaId, frozenset[str]]  # per area, the values its goal templates name
    statement_names: frozenset[str]  # the values the statement templates name
    onset_fields: tuple[str, ...]  # the fields `onset_link` reads, in its order
    onset_ranks: dict[tuple[str, ...], int]  # `Context.linked` by those fields' values


def _rule(rationale: str) -> tuple[Template, str | None]:
    template = compile_template(rationale)
    return template, None if template.slots else rationale[:1].upper() + rationale[1:]


@lru_cache(maxsize=16)
def prepared(pack: RulePack) -> PreparedPack:
    rules = {
        r.code: PreparedRule(
            {
                "code": r.code,
                "title": r.title,
                "effect": r.effect,
                "weight": 0.0,
                "rationale": "",
                "evidence": [],
                "source": source_text(r.source),
                "subtype": r.subtype.value if r.subtype else None,
            },
            *_rule(r.rationale),
            r.ask,
            r.derive.area if r.derive is not None else "",
        )
        for r in pack.rules
    }
    policy = catalogue.focus_policy(pack)
    cat = catalogue.techniques(pack)
    techniques = {
        tid: PreparedTechnique(
            t.name, t.description, tuple(t.tasks), source_text(t.source), cat.fit[tid]
        )
        for tid, t in cat.techniques.items()
    }
    onset = tuple(
        (
            k,
            {value: rank for value, rank in v.items() if not value.endswith("+")},
            tuple((int(value[:-1]), rank) for value, rank in v.items() if value.endswith("+")),
        )
        for k, v in policy.onset_link.items()
    )
    goals = {
        area: _names_in(
            [*entry.goals, *(g for sub in entry.subtypes.values() for g in sub.goals or ())]
        )
        for area, entry in cat.areas.items()
    }
    data = catalogue.statement(pack)
    statement = _names_in([*data.slots.values(), data.link_without_event])
    return PreparedPack(
        policy, cat, catalogue.plans(pack), data, rules, onset, techniques, goals, statement,
        tuple(field for field, _, _ in onset), {},
    )  # fmt: skip


def _names_in(templates: Iterable[str]) -> frozenset[str]:
    return frozenset(name for t in templates for name in field_names(t))


class Context:
    def __init__(self, case: Case, facts: Sequence[Fact], pack: RulePack, profile: ProfileSpec):
        self.case = case
        self.facts = {str(f["id"]): f for f in facts}
        self.pack = pack
        self.profile = profile
        self.names = CaseNames(case, profile.labels)
        self.prepared = prepared(pack)
        self.rules = self.prepared.rules
        self._evidence: dict[tuple[str, str], EvidenceRef] = {}  # by (alias, fact id)
        self._linked: dict[str, int] = {}
        self._people: dict[str, tuple[list[str], list[str]]] = {}

    def _derived(self, fact_id: str) -> Fact:
        """A derived fact seen only inside the engine, rebuilt from its id (candidate:CODE:...)."""
        code = fact_id.partition(":")[2].partition(":")[0]
        rule = self.rules.get(code)
        fact = {
            "kind": "candidate",
            "id": fact_id,
            "area": rule.derived_area if rule is not None else "",
            "rule": code,
        }
        self.facts[fact_id] = fact
        return fact

    def findings_out(
        self,
        findings: Sequence[Finding],
        bounds: list[Bound] | None = None,
        asks: list[str] | None = None,
    ) -> list[FindingOut]:
        """The findings rendered. The facts each one cites are appended to `bounds` and the
        rules' questions to `asks`, when given."""
        rules = self.rules
        facts = self.facts
        names = self.names
        refs = self._evidence
        out: list[FindingOut] = []
        for finding in findings:
            rule = rules[finding.code]
            if asks is not None and rule.ask is not None:
                asks.append(rule.ask)
            pairs = finding.evidence
            # the cited facts are needed to fill the rationale or when the caller keeps them;
            # a derived fact cited only as evidence is never rebuilt
            bound: Bound | None = {} if bounds is not None or rule.text is None else None
            evidence = []
            for pair in pairs:
                ref = refs.get(pair)
                if bound is not None:
                    fact = bound[pair[0]] = facts.get(pair[1]) or self._derived(pair[1])
                    if ref is None:
                        ref = self._evidence_ref(pair, fact)
                elif ref is None:
                    known = facts.get(pair[1])
                    ref = self._evidence_ref(pair, known) if known else self._derived_ref(pair)
                evidence.append(ref)
            if len(pairs) > 1:
                last = {pair[0]: pair for pair in pairs}
                if len(last) < len(pairs):  # an alias cited twice: its last fact, as in `bound`
                    evidence = [refs[pair] for pair in last.values()]
            if bounds is not None and bound is not None:
                bounds.append(bound)
            text = rule.text if rule.text is not None else fill(rule.rationale, bound or {}, names)
            values = rule.out.copy()
            values["effect"] = finding.effect
            values["weight"] = finding.weight
            values["rationale"] = text
            values["evidence"] = evidence
            out.append(trusted(FindingOut, values))
        return out

    def _evidence_ref(self, pair: tuple[str, str], fact: Fact) -> EvidenceRef:
        """One immutable `EvidenceRef` per alias and fact, shared by the findings that cite it."""
        case_ref, display = self.names.ref_and_display(fact)
        values = {"role": pair[0], "kind": fact["kind"], "ref": case_ref, "display": display}
        ref = self._evidence[pair] = trusted(EvidenceRef, values)
        return ref

    def _derived_ref(self, pair: tuple[str, str]) -> EvidenceRef:
        """`_evidence_ref` of a derived fact, without rebuilding the fact."""
        code = pair[1].partition(":")[2].partition(":")[0]
        rule = self.rules.get(code)
        display = self.names.candidate(rule.derived_area if rule is not None else "", code)
        values = {"role": pair[0], "kind": "candidate", "ref": pair[1], "display": display}
        ref = self._evidence[pair] = trusted(EvidenceRef, values)
        return ref

    def link_rank(self, bounds: Sequence[Bound]) -> int:
        """How closely the facts of `bounds` tie their area to onset or maintenance: the
        highest rank the policy's `onset_link` gives any of them (0: not tied)."""
        known = self._linked
        best = 0
        for bound in bounds:
            for fact in bound.values():
                rank = known.get(str(fact["id"]))
                if rank is None:
                    rank = self.linked(fact)
                if rank > best:
                    best = rank
        return best

    def linked(self, fact: Fact) -> int:
        """The rank with which the fact ties its area to onset or maintenance (F4); 0 if not."""
        fid = str(fact["id"])
        known = self._linked.get(fid)
        if known is None:
            prepared = self.prepared
            # the rank depends only on the fields' values as text, which recur across cases
            key = tuple(map(str, map(fact.get, prepared.onset_fields)))
            memo = prepared.onset_ranks
            known = memo.get(key)
            if known is None:
                known = 0
                for field, ranks, at_least in prepared.onset_link:
                    value = fact.get(field)
                    known = max(known, ranks.get(str(value), 0))
                    if at_least and isinstance(value, int):
                        for count, rank in at_least:
                            if value >= count:
                                known = max(known, rank)
                if len(memo) < 4096:
                    memo[key] = known
            self._linked[fid] = known
        return known

    def people_and_events(self, area: str, bounds: Sequence[Bound]) -> tuple[list[str], list[str]]:
        """Person and event ids an area's evidence names, in order of first mention."""
        known = self._people.get(area)
        if known is None:
            known = self._people[area] = _people_and_events(bounds)
        return known


def _people_and_events(bounds: Sequence[Bound]) -> tuple[list[str], list[str]]:
    people: list[str] = []
    events: list[str] = []
    for bound in bounds:
        for fact in bound.values():
            kind = fact["kind"]
            if kind == "person":
                people.append(str(fact["ref"]))
            elif kind == "involvement":
                people.append(str(fact["person_ref"]))
                events.append(str(fact["event_ref"]))
            elif kind == "event":
                events.append(str(fact["ref"]))
    return list(dict.fromkeys(people)), list(dict.fromkeys(events))
