"""`iptformulate rules check`: the one gate a rule author needs.

The static checks of `iptformulate.rulepack.check` (every file, every reference, the generated
docs), then what needs the engines: every profile compiles (and builds in durable-rules where it
imports), and every rule has examples both ways that behave as labelled, run by the example
runner of `iptformulate.authoring`. Each problem is a `RuleError` naming the file, the rule
code and the field.
"""

from __future__ import annotations

import os
from pathlib import Path

from .authoring import run_fixture
from .errors import RuleError
from .rulepack.check import default_docs_dir, docs_problems, static_problems
from .rulepack.load import RulePack, _rel, fixture_path, load_fixtures, load_pack


def check_rules(
    root: str | os.PathLike[str] | None = None,
    *,
    docs: str | os.PathLike[str] | None = None,
    examples: bool = True,
) -> tuple[RulePack | None, list[RuleError]]:
    """The pack (None when it does not load) and every problem found. `docs` is the folder of
    the generated rule pages (default: `docs/rules` beside the rules folder, when present)."""
    from .rulepack.load import default_rules_dir

    base = Path(root) if root is not None else default_rules_dir()
    problems = static_problems(base)
    if problems:
        return None, problems
    try:
        pack = load_pack(base)
    except RuleError as exc:  # anything the static checks do not reach
        return None, [exc]
    problems += _engine_problems(pack)
    folder = Path(docs) if docs is not None else default_docs_dir(base)
    if folder is not None:
        problems += docs_problems(pack, folder)
    if examples:
        problems += example_problems(pack)
    return pack, problems


def _engine_problems(pack: RulePack) -> list[RuleError]:
    from .engine import durable_engine, make_engine
    from .rulepack.compile import compile_pack

    out: list[RuleError] = []
    for name in pack.profiles:
        try:
            cpack = compile_pack(pack, name)
            if durable_engine.available():
                make_engine(cpack, "durable")
        except RuleError as exc:
            out.append(exc)
    return out


def example_problems(pack: RulePack) -> list[RuleError]:
    """Each rule needs an examples file beside it with a case that fires and one that must not,
    and every case must behave as labelled in every engine."""
    root = Path(pack.root)
    out: list[RuleError] = []
    for rule in pack.rules:
        path = fixture_path(root / pack.files[rule.code].split("/", 1)[1])
        rel = _rel(path, root)
        if not path.is_file():
            out.append(RuleError("rule has no examples file beside it", file=rel, code=rule.code))
            continue
        try:
            fixtures = load_fixtures(path, root)
        except RuleError as exc:
            out.append(exc)
            continue
        if fixtures.rule != rule.code:
            out.append(RuleError(
                f"examples file is for {fixtures.rule}, not {rule.code}",
                file=rel, code=rule.code, path="rule",
            ))  # fmt: skip
            continue
        labels = {case.fires for case in fixtures.cases.values()}
        for fires, words in ((True, "fires"), (False, "must not fire")):
            if fires not in labels:
                out.append(RuleError(
                    f"the rule needs an example that {words} (fires: {str(fires).lower()})",
                    file=rel, code=rule.code, path="cases",
                ))  # fmt: skip
        for name, case in sorted(fixtures.cases.items()):
            result = run_fixture(pack, rule.code, name, case, rel)
            out += [
                RuleError(problem, file=rel, code=rule.code, path=f"cases.{name}")
                for problem in result.problems
            ]
    return out
