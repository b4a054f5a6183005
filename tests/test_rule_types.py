"""Issue 16, item 4: the loader rejects what the engines would treat differently: `where:`
values of the wrong type for the documented fact field, more patterns on one fact kind than
durable-rules can complete, and parameter overrides that are not finite plain numbers. A
differential test over random well- and ill-typed rule packs: whatever the loader accepts,
both engines run identically."""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from iptformulate import examples, formulate
from iptformulate.cli import main
from iptformulate.engine import DurableEngine, ReferenceEngine, durable_engine
from iptformulate.errors import OptionError, RuleError
from iptformulate.facts import FactParams, build_facts
from iptformulate.graph import RelationshipGraph
from iptformulate.model import Case
from iptformulate.rulepack import RulePack, load_pack
from iptformulate.rulepack.compile import MAX_PATTERNS_PER_KIND, compile_pack
from iptformulate.rulepack.load import FACT_FIELD_NAMES, _lint
from iptformulate.rulepack.spec import RuleSpec

from .conftest import RULES, pack_with
from .strategies import cases

needs_durable = pytest.mark.skipif(
    not durable_engine.available(), reason="durable-rules not importable on this Python"
)


def _file(rule: dict[str, Any]) -> str:
    return yaml.safe_dump({k: v for k, v in rule.items() if k != "profiles"})


def _rule(code: str, when: list[dict[str, Any]]) -> dict[str, Any]:
    """A rule document; `profiles` is what the loader fills in (rule files never hold it), so
    `_file` drops it when writing a file."""
    return {
        "code": code, "title": "A test rule", "area": "grief", "effect": "support",
        "weight": 0.5, "source": {"key": "test", "tag": "S", "section": "§1"},
        "profiles": ["classic"], "when": when, "rationale": "a test rule",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ({"confidant": {"gte": 0}}, "holds text"),  # fired on durable only
        ({"confidant": 3}, "holds text"),
        ({"ring": "2"}, "holds a number"),
        ({"relationship": {"in": ["friend", 2]}}, "holds text"),
        ({"conflict": {"lt": {"param": "close_ring"}}}, "holds text"),
    ],
)
def test_conditions_must_match_the_documented_field_type(
    tmp_path: Path, where: dict[str, Any], message: str
) -> None:
    text = _file(_rule("GR900", [{"fact": "person", "as": "p", "where": where}]))
    with pytest.raises(RuleError, match=message) as info:
        load_pack(pack_with(tmp_path, text))
    assert info.value.code == "GR900" and info.value.path.startswith("when[0].where.")


@pytest.mark.parametrize(
    ("fact", "where", "refused"),
    [
        ("event", {"offset": {"gt": 0}}, True),  # TR013 once read "years before" as after onset
        ("person", {"death_offset": {"gte": -3}}, True),
        ("involvement", {"offset": {"gt": 0}}, True),
        ("event", {"offset": {"gt": 0, "lte": 24}}, False),
        ("event", {"offset": {"gt": 0}, "timing": "known"}, False),
        ("event", {"offset": {"lt": 0}}, False),
        # counts and ranks are -1 when unknown: an open lower side matches them
        ("person", {"support_rank": {"lte": 1}}, True),
        ("client", {"prior_episodes": {"lt": 2}}, True),
        ("event", {"nearness": {"lte": 2}}, True),
        ("person", {"support_rank": {"gte": 0, "lte": 1}}, False),
        ("person", {"conflict_rank": {"gte": -1, "lte": 1}}, False),
        ("person", {"contact_rank": {"gte": 3}}, False),
    ],
)
def test_an_open_ended_test_must_not_match_an_unknown_value(
    tmp_path: Path, fact: str, where: dict[str, Any], refused: bool
) -> None:
    text = _file(_rule("GR900", [{"fact": fact, "as": "e", "where": where}]))
    root = pack_with(tmp_path, text)
    if not refused:
        load_pack(root)
        return
    with pytest.raises(RuleError, match=r"(9999|-1), which passes this test") as info:
        load_pack(root)
    assert info.value.code == "GR900" and info.value.path.startswith("when[0].where.")
    assert "known" in str(info.value) or "gte: 0" in str(info.value)


def test_more_patterns_on_one_kind_than_durable_completes_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def write(count: int) -> Path:
        root = pack_with(tmp_path / str(count), "code: x\n", name="GR000-placeholder.yaml")
        (root / "grief" / "GR000-placeholder.yaml").unlink()
        for i in range(count):
            where = {"people": {"lte": 1000 + i}}  # each its own alpha path
            rule = _rule(f"GR{i:03d}", [{"fact": "summary", "as": "net", "where": where}])
            (root / "grief" / f"GR{i:03d}-many.yaml").write_text(_file(rule))
        return root

    fits = load_pack(write(MAX_PATTERNS_PER_KIND))
    facts = [{"kind": "summary", "id": "summary", "people": 1}]
    cpack = compile_pack(fits, "classic")
    results = [ReferenceEngine(cpack).run(facts)]
    if durable_engine.available():
        results.append(DurableEngine(cpack).run(facts))
    assert all(len(r) == MAX_PATTERNS_PER_KIND for r in results)
    over = write(MAX_PATTERNS_PER_KIND + 1)
    with pytest.raises(RuleError, match="error 303"):
        compile_pack(load_pack(over), "classic")
    assert main(["rules", "check", str(over)]) == 3
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.parametrize("engine", ["reference", "durable"])
@pytest.mark.parametrize("value", [1e300, math.nan, math.inf, -math.inf, 2**40, 1e-9])
def test_parameter_overrides_must_be_finite_plain_numbers(engine: str, value: float) -> None:
    if engine == "durable" and not durable_engine.available():
        pytest.skip("durable-rules not importable on this Python")
    case = examples.load("grief_widower")
    options = {"engine": engine, "params": {"onset_window_before_months": value}}
    with pytest.raises(OptionError, match="onset_window_before_months"):
        formulate(case, options=options)


# --- differential: random rule packs ----------------------------------------------------

INTS = st.integers(-2, 12)
TEXTS = st.sampled_from(["yes", "no", "unknown", "high", "low", "friend", "partner", "death",
                         "conflict", "known", "deceased", "alive", "2", "x"])  # fmt: skip
VALUES = INTS | TEXTS
KINDS = ["client", "person", "event", "involvement", "summary"]


@st.composite
def conditions(draw: st.DrawFn, kind: str) -> dict[str, Any]:
    fields = sorted(FACT_FIELD_NAMES[kind] - {"kind", "id"})
    out: dict[str, Any] = {}
    for name in draw(st.lists(st.sampled_from(fields), min_size=0, max_size=3, unique=True)):
        op = draw(st.sampled_from(["eq", "neq", "lt", "lte", "gt", "gte", "in", "not_in", "="]))
        if op == "=":
            out[name] = draw(VALUES)
        elif op in ("in", "not_in"):
            out[name] = {op: draw(st.lists(VALUES, min_size=1, max_size=3))}
        elif op in ("eq", "neq"):
            out[name] = {op: draw(VALUES)}
        else:
            out[name] = {op: draw(INTS | TEXTS)}
    return out


@st.composite
def rule_docs(draw: st.DrawFn, code: str) -> dict[str, Any]:
    first = draw(st.sampled_from(KINDS))
    when: list[dict[str, Any]] = [{"fact": first, "as": "a", "where": draw(conditions(first))}]
    if draw(st.booleans()):
        second = draw(st.sampled_from(KINDS))
        pattern: dict[str, Any] = {"fact": second, "as": "b", "where": draw(conditions(second))}
        if first == "person" and second == "involvement" and draw(st.booleans()):
            pattern["join"] = {"person_ref": "a.ref"}
        if draw(st.booleans()):
            pattern["any"] = [draw(conditions(second)), draw(conditions(second))]
        when.append(pattern)
    return _rule(code, when)


@lru_cache(maxsize=1)
def _bundled() -> RulePack:
    return load_pack(RULES)


def _accepted(doc: dict[str, Any]) -> RuleSpec | None:
    """The rule as the loader would take it, or None if the loader refuses it."""
    try:
        rule = RuleSpec.model_validate(doc)
        _lint(rule, "random.yaml")
    except (RuleError, ValueError):
        return None
    return rule


@needs_durable
@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(docs=st.lists(rule_docs("GR900"), min_size=1, max_size=3), case=cases())
def test_whatever_the_loader_accepts_both_engines_run_alike(
    docs: list[dict[str, Any]], case: Case
) -> None:
    pack = _bundled()
    rules = []
    for i, doc in enumerate(docs):
        rule = _accepted({**doc, "code": f"GR{900 + i}"})
        if rule is not None:
            rules.append(rule)
    assume(rules)
    files = {r.code: f"grief/{r.code}-random.yaml" for r in rules}
    random_pack = RulePack(
        root=pack.root, rules=tuple(rules), profiles=pack.profiles, files=files,
        content_hash=f"random-{hash(repr(docs))}",
    )  # fmt: skip
    cpack = compile_pack(random_pack, "classic")
    facts = build_facts(RelationshipGraph(case), FactParams.from_mapping(cpack.params))
    assert DurableEngine(cpack).run(facts) == ReferenceEngine(cpack).run(facts)


@needs_durable
def test_ill_typed_rules_the_loader_refuses_do_split_the_engines(pack: RulePack) -> None:
    """The refusal is not idle: a comparison of a yes/no field with a number runs differently."""
    doc = _rule("GR900", [{"fact": "person", "as": "p", "where": {"confidant": {"gte": 0}}}])
    assert _accepted(doc) is None
    rule = RuleSpec.model_validate(doc)
    files = {"GR900": "grief/GR900-x.yaml"}
    bad = RulePack(pack.root, (rule,), pack.profiles, files, "ill-typed")
    cpack = compile_pack(bad, "classic")
    case = examples.load("grief_widower")
    facts = build_facts(RelationshipGraph(case), FactParams.from_mapping(cpack.params))
    assert DurableEngine(cpack).run(facts) != ReferenceEngine(cpack).run(facts)
