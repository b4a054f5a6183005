"""The fast paths of scoring and of building a formulation give what the plain paths give.

Scores are compared with the straightforward noisy-OR, rationales with the regex renderer, the
compiled `str.format` helpers with `str.format`, and formulations with a validated copy of
themselves (same values, same types, same fields marked as set, no shared lists).
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from iptformulate import Formulation, examples, formulate
from iptformulate.engine.base import Finding
from iptformulate.facts import Fact
from iptformulate.formulation import model
from iptformulate.formulation.focus import Candidate, choose_focus
from iptformulate.formulation.rationale import (
    CaseNames,
    Names,
    compile_template,
    fill,
    fill_fields,
    format_fields,
    months_text,
    words,
)
from iptformulate.rulepack import RulePack
from iptformulate.scoring import AreaScore, SourceView, score_all, score_area

from .strategies import cases

PROFILES = ["classic", "stuart", "who-group", "ipsrt", "ipt-a"]
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --- scoring --------------------------------------------------------------------------------


def _reference_score(
    area: str, findings: Sequence[Finding], threshold: float, values: dict[str, str]
) -> AreaScore:
    """The noisy-OR over sources written plainly: each finding is about its first person, else
    its first event, else its rule; each source counts with its strongest weight."""

    def weights(fs: Sequence[Finding]) -> dict[str, float]:
        out: dict[str, float] = {}
        for f in fs:
            out[f.code] = f.weight
        return out

    def product(ws: Sequence[float]) -> float:
        out = 1.0
        for w in ws:
            out *= 1.0 - w
        return out

    mine = sorted(f for f in findings if f.area == area)
    core = tuple(f for f in mine if f.effect == "core")
    support = tuple(f for f in mine if f.effect == "support")
    against = tuple(f for f in mine if f.effect == "against")
    votes = tuple(f for f in mine if f.effect == "subtype")
    sources: dict[str, float] = {}
    for f in core + support:
        ids = sorted(fact_id for _, fact_id in f.evidence)
        key = ids[0] if ids else f"rule:{f.code}"
        sources[key] = max(sources.get(key, 0.0), f.weight)
    positive = 1.0 - product(sorted(sources.values()))
    negative = weights(against)
    excluded = any(w >= 1.0 for w in negative.values())
    score = round(max(0.0, min(1.0, positive * product(list(negative.values())))), 4)
    def source(f: Finding) -> str:
        ids = sorted(fact_id for _, fact_id in f.evidence)
        return ids[0] if ids else f"rule:{f.code}"

    def vote(chosen: Sequence[Finding]) -> str | None:
        totals: dict[str, float] = {}
        for code, weight in weights(chosen).items():
            totals[values[code]] = totals.get(values[code], 0.0) + weight
        return sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))[0][0] if totals else None

    # per source: the distinct rules that fired on it, their noisy-OR, its own sub-type
    cored = {source(f) for f in core}
    views = []
    for key in cored:
        rules = weights([f for f in core + support if source(f) == key])
        strength = round(1.0 - product(sorted(rules.values())), 4)
        views.append(SourceView(key, strength, vote([v for v in votes if source(v) == key])))
    views.sort(key=lambda v: (-v.strength, v.source))
    principal = tuple(sorted(v.source for v in views if v.strength >= views[0].strength))
    voting = tuple(v for v in votes if source(v) in principal or source(v).startswith("rule:"))
    subtype = vote(voting)
    return AreaScore(
        area=area,
        score=score,
        present=bool(core) and not excluded and score >= threshold,
        core=core,
        support=support,
        against=against,
        subtype_votes=votes,
        subtype=subtype if core else None,
        excluded=excluded,
        principal=principal,
        sources=tuple(views),
    )


CODES = [f"C{n}" for n in range(6)]
VALUES = {code: ("alpha", "beta", "gamma")[i % 3] for i, code in enumerate(CODES)}
findings_lists = st.lists(
    st.builds(
        Finding,
        area=st.sampled_from(["grief", "role_dispute", "elsewhere"]),
        code=st.sampled_from(CODES),
        evidence=st.lists(
            st.tuples(st.sampled_from(["a", "b"]), st.sampled_from(["p1", "p2", "e1"])),
            max_size=2,
        ).map(tuple),
        effect=st.sampled_from(["core", "support", "against", "subtype", "other"]),
        weight=st.sampled_from([0.0, 0.2, 0.35, 0.5, 0.7, 1.0]),
    ),
    max_size=25,
)


@SETTINGS
@given(findings=findings_lists, threshold=st.sampled_from([0.0, 0.3, 0.5]))
def test_scores_match_the_plain_noisy_or_in_any_order(
    findings: list[Finding], threshold: float
) -> None:
    areas = ["grief", "role_dispute", "role_transition"]
    got = score_all(areas, findings, threshold, VALUES)
    assert list(got) == areas
    for area in areas:
        want = _reference_score(area, findings, threshold, VALUES)
        assert got[area] == want
        assert repr(got[area]) == repr(want)  # same types too (0.0, not 0)
        assert score_area(area, list(reversed(findings)), threshold, VALUES) == want
        assert hash(got[area]) == hash(want)


# --- templates ------------------------------------------------------------------------------

_SLOT = re.compile(r"\{([^{}]*)\}")


def _reference_render(template: str, bound: Mapping[str, Fact], names: Names) -> str:
    """The rationale renderer before templates were compiled: one regex pass per finding."""

    def slot(match: re.Match[str]) -> str:
        body, _, filt = match.group(1).partition("|")
        alias, _, field = body.partition(".")
        fact = bound.get(alias)
        if fact is None:
            return match.group(0)
        if not field:
            return names.display(fact)
        value = fact.get(field, "")
        if filt == "months":
            return months_text(value)
        if filt == "name":
            return names.display(fact)
        return words(value)

    text = _SLOT.sub(slot, template)
    return text[:1].upper() + text[1:]


TEMPLATES = [
    "{lost} died {lost.death_offset|months}.",
    "the client lost {lost} ({lost.relationship|type}).",
    "{gone} is not bound, {lost.ref.__init__} is empty, {} stays.",
    "ßtraße {lost|name} and {lost.relationship|name}; {{braces}} and } and {",
    "Plain text with 100% and %s inside.",
    "",
    "{lost}",
    "é{lost.status}",
    "{0.__class__} {lost:>9} {lost!r} {lost[0]}",
]


@pytest.mark.parametrize("template", TEMPLATES)
def test_compiled_rationales_render_as_the_regex_renderer(template: str) -> None:
    case = examples.load("grief_widower")
    lost = next(p for p in case.people if p.status == "deceased")
    fact = {
        "kind": "person",
        "id": f"person:{lost.id}",
        "ref": lost.id,
        "death_offset": -2,
        "relationship": "spouse_partner",
        "status": "deceased",
    }
    for names in (Names(case, {}), CaseNames(case, {})):
        want = _reference_render(template, {"lost": fact}, names)
        assert fill(compile_template(template), {"lost": fact}, names) == want
        assert fill(compile_template(template), {}, names) == _reference_render(template, {}, names)


FORMAT_TEMPLATES = [
    "",
    "no fields",
    "{a}",
    "{a} and {b}, {a} again",
    "100% {a} %s %(b)s {c}",
]
"""Templates the catalogue loader accepts (plain `{name}` slots): filled as `str.format` would
fill them. Any other slot is refused by the loader and never evaluated
(tests/test_template_slots.py)."""


def _outcome(fn: Any, *args: Any, **kwargs: Any) -> object:
    try:
        return fn(*args, **kwargs)
    except Exception as exc:  # the same error type counts as the same outcome
        return type(exc)


@pytest.mark.parametrize("template", FORMAT_TEMPLATES)
def test_compiled_format_is_str_format(template: str) -> None:
    names = {name for _, name, _, _ in string.Formatter().parse(template) if name}
    for values in ({"a": "x%sy", "b": "{b}", "c": ""}, {"a": "only a"}, {}):
        assert _outcome(format_fields, template, values) == _outcome(template.format, **values)
        filled = {n: values.get(n, "") for n in names}  # how a missing value is filled
        assert _outcome(fill_fields, template, values) == _outcome(template.format, **filled)


# --- trusted construction -------------------------------------------------------------------


def _walk(value: Any) -> Iterator[Any]:
    yield value
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _walk(getattr(value, name))
    elif isinstance(value, dict):
        for item in value.values():
            yield from _walk(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _walk(item)


UNSET = {model.PatientStatement: {"status"}, model.Formulation: {"override"}}


def _check_like_validated(f: Formulation) -> None:
    again = Formulation.model_validate(f.model_dump())
    assert again == f
    assert repr(again.__dict__) == repr(f.__dict__)  # same values and the same types
    assert again.model_dump_json() == f.model_dump_json()
    containers: set[int] = set()
    for value in _walk(f):
        if isinstance(value, BaseModel):
            cls = type(value)
            assert list(value.__dict__) == list(cls.model_fields), cls
            assert value.model_fields_set == set(cls.model_fields) - UNSET.get(cls, set()), cls
            assert value.__pydantic_extra__ is None and value.__pydantic_private__ is None
            for name in cls.model_fields:
                field = value.__dict__[name]
                if isinstance(field, list | dict):  # mutable: never shared
                    assert id(field) not in containers, (cls, name)
                    containers.add(id(field))


@pytest.mark.parametrize("name", examples.names())
@pytest.mark.parametrize("profile", PROFILES)
def test_formulations_are_what_validation_would_build(name: str, profile: str) -> None:
    _check_like_validated(formulate(examples.load(name), profile=profile))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases())
def test_generated_formulations_are_what_validation_would_build(case: Any) -> None:
    _check_like_validated(formulate(case))


def test_formulations_share_no_mutable_value() -> None:
    one = formulate(examples.load("grief_widower"))
    two = formulate(examples.load("grief_widower"))
    assert one == two
    first = {id(v) for v in _walk(one) if isinstance(v, list | dict)}
    assert not first & {id(v) for v in _walk(two) if isinstance(v, list | dict)}
    for value in _walk(one):  # a shared field set would let one object's change reach others
        if isinstance(value, BaseModel):
            assert all(
                value.__pydantic_fields_set__ is not other.__pydantic_fields_set__
                for other in _walk(two)
                if isinstance(other, BaseModel) and other is not value
            )


def test_copies_of_a_formulation_and_its_parts_still_work() -> None:
    f = formulate(examples.load("dispute_vs_transition"))
    g = f.with_override(focus="role_dispute", reason="patient_priority")
    assert g.override is not None and "override" in g.model_fields_set
    assert f.override is None and "override" not in f.model_fields_set
    finding = next(a for a in f.areas.values() if a.findings_for).findings_for[0]
    before = finding.weight
    changed = finding.model_copy(update={"weight": before / 2})
    assert changed.weight == before / 2 and finding.weight == before
    assert f.with_agreement().statement.status == "agreed"
    assert f.statement.status == "proposed"


@pytest.mark.parametrize(
    "values",
    [
        {"role": "r", "kind": "person", "ref": "p", "display": "d"},
        {"role": "", "kind": "candidate", "ref": "candidate:X", "display": "{x}"},
    ],
)
def test_trusted_equals_model_construct(values: dict[str, str]) -> None:
    assert model.trusted is model._fast  # pydantic's layout is the one `_fast` writes
    want = model.EvidenceRef(**values)
    for make in (model.trusted, model._fast, model._slow):
        got = make(model.EvidenceRef, dict(values))
        assert got.__getstate__() == want.__getstate__()
        assert repr(got) == repr(want)
    statement = model.trusted(
        model.PatientStatement, {"status": "proposed", "slots": []}, {"slots"}
    )
    assert statement.__getstate__() == model.PatientStatement(slots=[]).__getstate__()


# --- focus ----------------------------------------------------------------------------------


def test_each_rejected_area_gets_the_first_key_that_separates_it(pack: RulePack) -> None:
    from iptformulate.formulation import catalogue

    policy = catalogue.focus_policy(pack)

    def cand(area: str, score: float, linked: bool, importance: str) -> Candidate:
        return Candidate(area, area.title(), score, True, linked, importance, 3, ())

    choice = choose_focus(
        policy,
        [
            cand("grief", 0.8, True, "very"),
            cand("role_dispute", 0.9, False, "very"),
            cand("role_transition", 0.7, True, "not_important"),
        ],
        fmt="standard",
        max_foci=1,
        close_margin=0.1,
        area_order={"grief": 0, "role_dispute": 1, "role_transition": 2},
    )
    assert choice.primary == "grief"
    reasons = dict(choice.rejected)
    # the deciding key's comparison sentence names the rival inside the sentence
    onset = policy.reasons["onset_link_over"].format(area="Grief", rival="role_Dispute")
    importance = policy.reasons["patient_importance"].format(area="Grief")
    assert reasons["role_dispute"] == f"Present, but ranked lower: {onset}"
    assert reasons["role_transition"] == f"Present, but ranked lower: {importance}"


def test_areas_level_on_every_key_say_so_and_do_not_claim_stronger_evidence(
    pack: RulePack,
) -> None:
    from iptformulate.formulation import catalogue

    policy = catalogue.focus_policy(pack)
    level = [
        Candidate("role_dispute", "Role dispute", 0.5, True, 1, "unknown", 1, ()),
        Candidate("role_transition", "Role transition", 0.5, True, 1, "unknown", 2, ()),
    ]
    choice = choose_focus(
        policy, level, fmt="standard", max_foci=1, close_margin=0.1,
        area_order={"role_dispute": 0, "role_transition": 1},
    )  # fmt: skip
    assert choice.primary == "role_dispute" and choice.close_call
    text = " ".join(choice.reasons + [why for _, why in choice.rejected])
    assert "strongest evidence" not in text
    assert "level on every ranking key" in text and "ask the patient" in text
    # one key apart (the score) and the score's own sentence is said
    apart = [level[0]._replace(score=0.6), level[1]]
    choice = choose_focus(
        policy, apart, fmt="standard", max_foci=1, close_margin=0.01,
        area_order={"role_dispute": 0, "role_transition": 1},
    )  # fmt: skip
    assert any("strongest evidence" in r for r in choice.reasons)


def test_winning_over_a_last_resort_area_names_that_area_as_the_last_resort(
    pack: RulePack,
) -> None:
    from iptformulate.formulation import catalogue

    policy = catalogue.focus_policy(pack)
    both = [
        Candidate("role_dispute", "Role dispute", 0.5, True, 1, "unknown", 1, ()),
        Candidate(
            "interpersonal_deficits", "Interpersonal deficits", 0.7, True, 0, "unknown", 1, ()
        ),
    ]
    choice = choose_focus(
        policy, both, fmt="standard", max_foci=1, close_margin=0.1,
        area_order={"role_dispute": 1, "interpersonal_deficits": 3},
    )  # fmt: skip
    assert choice.primary == "role_dispute"
    text = " ".join(choice.reasons + [why for _, why in choice.rejected])
    # the chosen area is not called the area of last resort; the rival is
    assert "Role dispute is an area of last resort" not in text
    assert "interpersonal deficits, an area of last resort" in text
