"""The clinical catalogues beside the rules: techniques, session plans, statement wording."""

from __future__ import annotations

import re
import shutil
import string
from pathlib import Path

import pytest

from iptformulate import formulate
from iptformulate.errors import RuleError
from iptformulate.formulation import catalogue
from iptformulate.rulepack import RulePack, load_pack
from iptformulate.rulepack.spec import Source

RULES = Path(__file__).resolve().parents[1] / "rules"
REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "domain" / "ipt-reference.md"

AREAS = (
    "grief",
    "role_dispute",
    "role_transition",
    "interpersonal_deficits",
    "loss_of_healthy_self",
)
SUBTYPES = {
    "grief": {"avoidant_delayed", "chronic", "uncomplicated_looking"},
    "role_dispute": {"renegotiation", "impasse", "dissolution"},
    "role_transition": {"loss_of_role", "new_role", "positive_change"},
    "interpersonal_deficits": {
        "longstanding_isolation",
        "depression_induced_withdrawal",
        "unsustaining_relationships",
    },
}
TECHNIQUES = {
    "nondirective_exploration", "direct_elicitation", "encouragement_of_affect", "clarification",
    "communication_analysis", "decision_analysis", "role_play", "use_of_therapeutic_relationship",
    "directive_advice", "social_risk_taking", "psychoeducation_symptom_rating",
    "affective_attunement", "building_social_support", "relationship_reconstruction",
    "role_appraisal",
}  # fmt: skip
FORMATS = {"standard", "ipt_a", "brief", "group", "maintenance", "ptsd", "dysthymia"}
GOAL_SLOTS = {"people", "roles", "event"}
FIT_SLOTS = {"area", "subtype", "evidence"}
STATEMENT_SLOTS = {"diagnosis", "severity", "event", "people", "area_phrase", "weeks"}
SEVERITY_SLOTS = {"instrument", "score"}
STATEMENT_KEYS = {"permission", "diagnosis", "sick_role", "link", "area", "plan", "agreement"}
DIAGNOSES = {"major_depression", "persistent_depression", "bipolar_depression", "ptsd", "other"}


@pytest.fixture(scope="module")
def pack() -> RulePack:
    return load_pack(RULES)


def slots(template: str) -> set[str]:
    """The slot names of a template; only plain `{name}` slots are allowed."""
    names: set[str] = set()
    for _, field, spec, conversion in string.Formatter().parse(template):
        if field is None:
            continue
        assert re.fullmatch(r"[a-z_]+", field), (
            f"slot {{{field}}} is not a plain name: {template!r}"
        )
        assert not spec and conversion is None, f"no format specs or conversions: {template!r}"
        names.add(field)
    return names


def check_template(template: str, allowed: set[str], where: str) -> set[str]:
    used = slots(template)
    assert used <= allowed, f"{where}: slots {sorted(used - allowed)} not allowed in {template!r}"
    template.format(**{name: "X" for name in used})  # renders with the slots it names
    return used


# --- techniques -----------------------------------------------------------------------------


def test_technique_catalogue_validates(pack: RulePack) -> None:
    cat = catalogue.techniques(pack)
    assert set(cat.techniques) >= TECHNIQUES
    assert set(cat.areas) == set(AREAS)


def test_every_technique_has_one_or_two_tasks(pack: RulePack) -> None:
    for tid, technique in catalogue.techniques(pack).techniques.items():
        assert re.fullmatch(r"[a-z][a-z0-9_]*", tid), f"technique id {tid} is not snake_case"
        assert 1 <= len(technique.tasks) <= 2, f"{tid}: give one or two between-session tasks"
        for task in technique.tasks:
            assert task.strip() and not slots(task), f"{tid}: tasks are plain text"


def test_every_area_has_every_subtype(pack: RulePack) -> None:
    cat = catalogue.techniques(pack)
    for area, expected in SUBTYPES.items():
        assert set(cat.areas[area].subtypes) >= expected, f"{area}: missing sub-types"
    for area, entry in cat.areas.items():
        for plan in [entry.default, *entry.subtypes.values()]:
            assert len(plan.techniques) == len(set(plan.techniques)), f"{area}: duplicate technique"
            for strategy in plan.strategies:
                assert not slots(strategy), f"{area}: strategies are plain sentences"


def test_every_subtype_the_rules_vote_for_has_an_entry(pack: RulePack) -> None:
    cat = catalogue.techniques(pack)
    for rule in pack.rules:
        if rule.subtype is not None:
            assert rule.subtype.value in cat.areas[rule.area].subtypes, (
                f"{rule.code} votes for {rule.area} sub-type '{rule.subtype.value}', "
                "which rules/techniques.yaml does not cover"
            )


def test_goal_templates_use_only_their_slots(pack: RulePack) -> None:
    for area, entry in catalogue.techniques(pack).areas.items():
        assert 2 <= len(entry.goals) <= 3, f"{area}: give two or three goals"
        for goal in entry.goals:
            check_template(goal, GOAL_SLOTS, f"areas.{area}.goals")


def test_every_technique_has_a_fit_sentence(pack: RulePack) -> None:
    cat = catalogue.techniques(pack)
    assert set(cat.fit) == set(cat.techniques), "fit sentences and techniques must match one to one"
    for tid, sentence in cat.fit.items():
        used = check_template(sentence, FIT_SLOTS, f"fit.{tid}")
        assert "area" in used, f"fit.{tid}: name the {{area}}"


# --- plans ----------------------------------------------------------------------------------


def test_plan_catalogue_validates(pack: RulePack) -> None:
    cat = catalogue.plans(pack)
    assert set(cat.formats) >= FORMATS
    assert cat.by_diagnosis == {
        "ptsd": "ptsd", "persistent_depression": "dysthymia", "bipolar_depression": "ipsrt"
    }
    assert cat.by_population == {"perinatal": "perinatal", "older_adult": "older_adult"}


def test_plan_phases_are_plain_text(pack: RulePack) -> None:
    cat = catalogue.plans(pack)
    for key, plan in cat.formats.items():
        for phase in plan.phases:
            for task in phase.tasks:
                assert task.strip() and not slots(task), f"{key}/{phase.name}: plain text only"
    for point in [*cat.termination, *cat.relapse_prevention]:
        assert point.strip() and not slots(point)


def test_standard_plan_starts_with_the_initial_tasks(pack: RulePack) -> None:
    plan = catalogue.plans(pack).formats["standard"]
    assert plan.weeks == 16
    initial = " ".join(plan.phases[0].tasks).lower()
    for word in ("inventory", "formulation", "agreement", "sick role", "contract"):
        assert word in initial, f"standard initial phase should mention {word}"


# --- statement ------------------------------------------------------------------------------


def test_statement_validates_and_uses_only_its_slots(pack: RulePack) -> None:
    data = catalogue.statement(pack)
    assert set(data.slots) == STATEMENT_KEYS
    assert set(data.diagnosis_names) >= DIAGNOSES
    assert set(data.area_phrases) == set(AREAS)
    required = {"diagnosis": {"diagnosis"}, "link": {"event"}, "area": {"area_phrase"}}
    required["plan"] = {"weeks"}
    for key, template in data.slots.items():
        used = check_template(template, STATEMENT_SLOTS, f"slots.{key}")
        assert required.get(key, set()) <= used, f"slots.{key} must use {required[key]}"
    check_template(data.link_without_event, STATEMENT_SLOTS - {"event"}, "link_without_event")
    check_template(data.no_focus, STATEMENT_SLOTS - {"event"}, "no_focus")
    assert check_template(data.severity, SEVERITY_SLOTS, "severity") == SEVERITY_SLOTS
    for text in [*data.diagnosis_names.values(), *data.area_phrases.values()]:
        assert text.strip() and not slots(text), "names and phrases are inserted as plain text"
    assert "?" in data.slots["agreement"], "the agreement slot asks whether the statement fits"


# --- sources --------------------------------------------------------------------------------


def all_sources(pack: RulePack) -> list[tuple[str, Source]]:
    tech = catalogue.techniques(pack)
    plan = catalogue.plans(pack)
    found = [(f"techniques.{k}", t.source) for k, t in tech.techniques.items()]
    found += [(f"plans.{k}", p.source) for k, p in plan.formats.items()]
    found.append(("statement", catalogue.statement(pack).source))
    return found


@pytest.mark.skipif(not REFERENCE.is_file(), reason="shared domain reference not present")
def test_sources_exist_in_the_domain_reference(pack: RulePack) -> None:
    text = REFERENCE.read_text(encoding="utf-8")
    sections = set(re.findall(r"^#{2,4} ([0-9]+(?:\.[0-9]+)*)[ .]", text, re.M))
    for where, source in all_sources(pack):
        assert re.search(rf"(?<![A-Za-z0-9-]){re.escape(source.key)}(?![A-Za-z0-9-])", text), (
            f"{where}: source key {source.key} not in the reference"
        )
        assert source.section.lstrip("§") in sections, f"{where}: no section {source.section}"


# --- focus policy ---------------------------------------------------------------------------


def _policy_pack(tmp_path: Path, old: str, new: str) -> Path:
    root = tmp_path / "rules"
    shutil.copytree(RULES, root)
    policy = root / "focus-policy.yaml"
    text = policy.read_text(encoding="utf-8")
    assert old in text
    policy.write_text(text.replace(old, new), encoding="utf-8")
    return root


def test_a_count_range_in_the_onset_link_ranks_every_count_from_n(tmp_path: Path) -> None:
    # a death at an unknown time whose grief reactions keep it going (GR004): linked to the
    # maintenance of the episode through `grief_signs`, here only from three reactions on
    root = _policy_pack(tmp_path, 'grief_signs: {"1+": 1}', 'grief_signs: {"3+": 1}')
    signs = ["avoids_reminders", "excessive_guilt", "grief_not_easing"]

    def case(count: int) -> dict[str, object]:
        person = {"id": "mum", "name": "Mum", "relationship": "parent", "ring": 1,
                  "status": "deceased", "grief_signs": signs[:count]}  # fmt: skip
        return {"format_version": 2, "id": "c", "people": [person]}

    def linked(count: int) -> bool:
        area = formulate(case(count), rules=root).areas["grief"]
        return area.present and area.linked_to_onset

    assert not linked(2) and linked(3)
    shipped = formulate(case(1))
    assert shipped.areas["grief"].linked_to_onset  # the shipped policy: one reaction is enough


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ('grief_sign: {"1+": 1}', "'grief_sign' is not a fact field"),
        ('grief_signs: {"one+": 1}', "a count range is written N+"),
    ],
)
def test_the_onset_link_names_fact_fields_and_count_ranges(
    tmp_path: Path, new: str, message: str
) -> None:
    root = _policy_pack(tmp_path, 'grief_signs: {"1+": 1}', new)
    with pytest.raises(RuleError, match=message) as info:
        catalogue.focus_policy(load_pack(root))
    assert info.value.file is not None and info.value.file.endswith("focus-policy.yaml")
