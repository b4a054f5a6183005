"""Every example beside every rule, through both engines (sqlfluff/semgrep style)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from iptformulate.authoring import example_facts, iter_fixtures, run_fixture
from iptformulate.cli import main
from iptformulate.errors import RuleError
from iptformulate.rulepack import RulePack, load_pack
from iptformulate.rulepack.spec import FixtureCase

from .conftest import RULES, pack_with

_PACK = load_pack(RULES)
_CASES = list(iter_fixtures(_PACK))


@pytest.mark.parametrize(
    ("code", "name", "case", "file"), _CASES, ids=[f"{c}:{n}" for c, n, _, _ in _CASES]
)
def test_fixture(pack: RulePack, code: str, name: str, case: object, file: str) -> None:
    result = run_fixture(pack, code, name, case, file)  # type: ignore[arg-type]
    assert not result.problems, f"{file}::{name}: " + "; ".join(result.problems)


# --- the two forms of an example --------------------------------------------------------------

_RULE = RULES / "grief" / "GR001-death-near-onset.yaml"
_GOOD = """\
rule: GR001
cases:
  fires_on_close_death:
    inventory:
      people:
        - {id: mum, relationship: parent, ring: 1, status: deceased, died: {months_from_onset: -2}}
      events:
        - {id: e1, type: death, months_from_onset: -2, people: [mum]}
    fires: true
    evidence: [[person:mum]]
    why: a close person died two months before onset
  silent_as_facts:
    facts:
      - {kind: person, ref: gran, status: deceased, ring: 3, death_near_onset: "yes"}
    fires: false
    why: the person who died sits on the outer ring
"""


def _examples(tmp_path: Path, cases: str) -> Path:
    root = pack_with(tmp_path, _RULE.read_text(encoding="utf-8"), name=_RULE.name)
    (root / "grief" / "GR001-death-near-onset.cases.yaml").write_text(cases, encoding="utf-8")
    return root


def test_the_shipped_examples_use_both_forms(pack: RulePack) -> None:
    inventory = [(c, n, case, f) for c, n, case, f in _CASES if case.inventory is not None]
    facts = [(c, n, case, f) for c, n, case, f in _CASES if case.facts is not None]
    assert inventory and facts
    assert len(inventory) >= 0.75 * len(_CASES)
    for code, name, case, file in (inventory[0], facts[0]):
        assert not run_fixture(pack, code, name, case, file).problems


def test_an_inventory_and_a_facts_example_run_on_both_engines(tmp_path: Path) -> None:
    root = _examples(tmp_path, _GOOD)
    pack = load_pack(root)
    results = [run_fixture(pack, *example) for example in iter_fixtures(pack)]
    assert [r.name for r in results] == ["fires_on_close_death", "silent_as_facts"]
    for result in results:
        assert not result.problems
        assert "reference" in result.by_engine
    assert all(f == [["person:mum"]] for f in results[0].by_engine.values())
    assert main(["rules", "test", str(root)]) == 0


def test_the_runner_adds_no_clinical_defaults(pack: RulePack) -> None:
    case = FixtureCase.model_validate(
        {"inventory": {"people": [{"id": "x", "relationship": "friend"}]}, "fires": False,
         "why": "nothing recorded"}
    )  # fmt: skip
    facts = {f["id"]: f for f in example_facts(pack, "GR001", "n", case, "f.yaml")}
    assert facts["person:x"]["status"] == "unknown"
    assert facts["person:x"]["ring"] == 9
    assert facts["client"]["population"] == "unknown"
    assert facts["client"]["diagnosis"] == "unknown"
    assert facts["client"]["prior_episodes"] == -1


def test_a_malformed_inventory_names_file_rule_example_and_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _examples(tmp_path, _GOOD.replace("ring: 1,", "ring: 7,"))
    with pytest.raises(RuleError) as info:
        list(iter_fixtures(load_pack(root)))
    error = info.value
    assert error.file == "rules/grief/GR001-death-near-onset.cases.yaml"
    assert error.code == "GR001"
    assert error.path == "cases.fires_on_close_death.inventory.people[0].ring"
    assert "less than or equal to 4" in error.reason
    assert main(["rules", "check", str(root)]) == 3
    assert main(["rules", "test", str(root)]) == 3
    err = capsys.readouterr().err
    assert "GR001" in err and "cases.fires_on_close_death.inventory.people[0].ring" in err


def test_an_unknown_person_in_an_inventory_is_named(tmp_path: Path) -> None:
    root = _examples(tmp_path, _GOOD.replace("people: [mum]", "people: [dad]"))
    with pytest.raises(RuleError) as info:
        list(iter_fixtures(load_pack(root)))
    assert info.value.path == "cases.fires_on_close_death.inventory.events[0].people[0]"


@pytest.mark.parametrize(
    ("edit", "given"),
    [
        ("    fires: false\n", "neither"),
        ("    inventory: {}\n    fires: false\n", "both"),
    ],
)
def test_an_example_has_exactly_one_of_inventory_and_facts(
    tmp_path: Path, edit: str, given: str
) -> None:
    text = _GOOD
    if given == "neither":
        head, _, tail = text.partition("    facts:\n")
        text = head + tail.split("\n", 1)[1]
    else:
        text = text.replace("    fires: false\n", edit)
    with pytest.raises(RuleError) as info:
        list(iter_fixtures(load_pack(_examples(tmp_path, text))))
    assert info.value.path == "cases.silent_as_facts.inventory"
    assert given in info.value.reason and "exactly one" in info.value.reason


def test_the_readme_example_runs(pack: RulePack) -> None:
    readme = (RULES / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Examples", 1)[1]
    block = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    data = yaml.safe_load(block)
    for name, raw in data["cases"].items():
        case = FixtureCase.model_validate(raw)
        assert case.inventory is not None
        result = run_fixture(pack, data["rule"], name, case, "rules/README.md")
        assert not result.problems, result.problems
