"""Shows durable-rules 2.0.28's retraction bug (issue 17) in a dozen C-core calls, under valgrind:

    PYTHONMALLOC=malloc valgrind -q python benchmarks/durable_retract_probe.py retract
    PYTHONMALLOC=malloc valgrind -q python benchmarks/durable_retract_probe.py delete

A rule with two patterns fires; then the case's facts are retracted (`retract`, the old reused
session) or the session is deleted (`delete`, what the adapter does now). With `retract`,
valgrind reports "Conditional jump or move depends on uninitialised value(s)" in
`deleteMessageFromFrame` under `retractFacts`: the second fact's retraction scans past the
fired frame's slots (docs/engine.md). With `delete` it reports nothing from durable-rules (the
few reports from CPython's own start-up appear in both runs).
"""

from __future__ import annotations

import importlib
import sys
from typing import Any


def main() -> None:
    mode = sys.argv[1] if len(sys.argv) > 1 else "retract"
    cases = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    core: Any = importlib.import_module("durable_rules_engine")
    handle = core.create_ruleset(
        "probe",
        '{"j":{"all":[{"a":{"k":1}},{"b":{"$and":[{"r":{"a":"r"}},{"k":2}]}}],"cap":1000},'
        '"s":{"all":[{"m":{"k":3}}],"cap":1000}}',
    )
    fired = 0
    for _ in range(cases):
        facts = '[{"id":0,"k":1,"r":5},{"id":1,"k":2,"r":5},{"id":2,"k":2,"r":5},{"id":3,"k":3}]'
        _, state = core.assert_facts(handle, facts)
        action = core.start_action_for_state(handle, state)
        while action is not None:
            fired += 1
            action = core.complete_and_start_action(handle, state)
        if mode == "retract":
            core.retract_facts(handle, '[{"id":0},{"id":1},{"id":2},{"id":3}]')
        else:
            core.delete_state(handle, "0")
    print(f"{mode}: {cases} cases, {fired} actions")


if __name__ == "__main__":
    main()
