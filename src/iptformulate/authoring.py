"""Rule-author tooling: the named examples beside each rule, run through both engines.

An example is usually a small inventory, written like a case file (format 2) and taken through
the real stages (validate, graph, facts) before the rule runs on it. The runner fills in only
what a case file needs and a rule never reads: the case id, `format_version` and each person's
display name. Unknown stays unknown: nothing clinical is defaulted.

For what an inventory cannot express (a sentinel value, a derived fact), an example may give the
facts instead. Fixture facts are written sparsely; every field a fixture leaves out takes the
value the facts stage gives an empty inventory entry, so fixtures stay short and still match
real facts.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import CaseError, RuleError
from .facts import Fact, FactParams, build_facts
from .graph import RelationshipGraph
from .loading import parse_case
from .model.case import Case
from .model.upgrade import FORMAT_VERSION
from .rulepack.compile import compiled
from .rulepack.load import RulePack, fixture_path, load_fixtures, rule_files
from .rulepack.spec import FixtureCase

if TYPE_CHECKING:
    from .engine import EngineName


_EFFECT = {"role": "other", "change": "changed"}


@lru_cache(maxsize=1)
def fact_defaults() -> dict[str, Fact]:
    """The facts of a minimal inventory: one person in one event, nothing else recorded."""
    case = Case.model_validate(
        {
            "id": "defaults",
            "people": [{"id": "x", "name": "x", "relationship": "other"}],
            "events": [
                {"id": "y", "type": "other", "people": ["x"]},
                {"id": "z", "type": "other", "role_effects": [_EFFECT]},
            ],
        }
    )
    out: dict[str, Fact] = {}
    for fact in build_facts(RelationshipGraph(case)):  # sorted by id: event y before event z
        out.setdefault(str(fact["kind"]), fact)
    # nothing unknown unless a fixture says so: the counts of unplaced, unasked and undated
    out["summary"].update(unplaced=0, confidant_unknown=0, undated_events=0, undated_deaths=0)
    out["candidate"] = {"kind": "candidate", "id": "", "area": "grief", "rule": "GR000"}
    return out


def expand(partial: dict[str, Any], index: int) -> Fact:
    """A full fact from a sparse fixture fact; ids follow the facts stage's conventions."""
    kind = str(partial.get("kind", ""))
    defaults = fact_defaults()
    if kind not in defaults:
        raise ValueError(f"unknown fact kind {kind!r}")
    fact: Fact = {**defaults[kind], **partial}
    if "id" not in partial:
        if kind in ("person", "event"):
            fact["id"] = f"{kind}:{fact['ref']}"
        elif kind == "involvement":
            fact["id"] = f"involvement:{fact['event_ref']}:{fact['person_ref']}"
        elif kind == "candidate":
            fact["id"] = f"candidate:{fact['rule']}:{index}"
    unknown = set(partial) - set(defaults[kind])
    if unknown:
        raise ValueError(f"fact kind {kind!r} has no field {sorted(unknown)[0]!r}")
    return fact


def example_case(code: str, name: str, case: FixtureCase, file: str) -> Case:
    """The inventory of an example as a validated case. Only mechanism is filled in (the case
    id, `format_version`, people's display names); a problem is a `RuleError` naming the file,
    the rule, the example and the field."""
    if case.inventory is None:
        raise RuleError(
            "this example gives facts, not an inventory", file=file, code=code,
            path=f"cases.{name}.inventory",
        )  # fmt: skip
    data: dict[str, Any] = dict(case.inventory)
    data.setdefault("format_version", FORMAT_VERSION)
    data.setdefault("id", code)
    people = data.get("people")
    if isinstance(people, list):
        data["people"] = [
            {**p, "name": p["id"]} if isinstance(p, dict) and "id" in p and "name" not in p else p
            for p in people
        ]
    try:
        return parse_case(data, source=file)
    except CaseError as exc:
        raise RuleError(
            exc.reason, file=file, code=code, path=f"cases.{name}.inventory.{exc.path}".rstrip(".")
        ) from None


def example_facts(pack: RulePack, code: str, name: str, case: FixtureCase, file: str) -> list[Fact]:
    """The facts the rule sees in an example, under the example's profile."""
    if case.facts is not None:
        return [expand(dict(f), i) for i, f in enumerate(case.facts)]
    params = FactParams.from_mapping(pack.profiles[case.profile].params)
    return build_facts(RelationshipGraph(example_case(code, name, case, file)), params)


@dataclass(frozen=True)
class FixtureResult:
    rule: str
    name: str
    file: str
    expected: FixtureCase
    by_engine: dict[str, list[list[str]]]

    @property
    def problems(self) -> list[str]:
        out = []
        for engine, firings in self.by_engine.items():
            fired = bool(firings)
            if fired != self.expected.fires:
                verb = "did not fire" if self.expected.fires else "fired"
                out.append(f"{engine}: {verb} ({self.expected.why})")
            elif self.expected.evidence is not None and sorted(firings) != sorted(
                self.expected.evidence
            ):
                out.append(f"{engine}: evidence {firings} != expected {self.expected.evidence}")
        return out


def run_fixture(
    pack: RulePack, code: str, name: str, case: FixtureCase, file: str
) -> FixtureResult:
    from .engine import durable_engine, get_engine

    facts = example_facts(pack, code, name, case, file)
    cpack = compiled(pack, case.profile, only=(code,))
    by_engine: dict[str, list[list[str]]] = {}
    names: list[EngineName] = ["reference"]
    if durable_engine.available():
        names.append("durable")
    belongs = case.profile in pack.rule(code).profiles
    for engine_name in names:
        engine = get_engine(cpack, engine_name)
        # a rule outside the case's profile never runs there, so it cannot fire
        findings = engine.run(facts) if belongs else []
        by_engine[engine.name] = [list(f.fact_ids) for f in findings if f.code == code]
    return FixtureResult(code, name, file, case, by_engine)


def iter_fixtures(pack: RulePack) -> Iterator[tuple[str, str, FixtureCase, str]]:
    """(rule code, case name, case, fixture file) for every fixture of the pack."""
    root = Path(pack.root)
    for path in rule_files(root):
        fpath = fixture_path(path)
        code = path.name.split("-", 1)[0]
        if not fpath.is_file():
            raise RuleError(
                "rule has no fixture file beside it",
                file=str(fpath.relative_to(root.parent)),
                code=code,
            )
        fixtures = load_fixtures(fpath, root)
        if fixtures.rule != code:
            raise RuleError(
                f"fixture file is for {fixtures.rule}, not {code}", file=str(fpath), code=code
            )
        rel = str(fpath.relative_to(root.parent))
        for name, case in sorted(fixtures.cases.items()):
            if case.profile not in pack.profiles:
                raise RuleError(
                    f"unknown profile '{case.profile}'", file=rel, code=code,
                    path=f"cases.{name}.profile",
                )  # fmt: skip
            if case.inventory is not None:
                example_case(code, name, case, rel)  # validated now, so `rules check` sees it
            yield code, name, case, rel
