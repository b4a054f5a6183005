"""The durable-rules adapter. Each workaround below answers a measured defect of
durable-rules 2.0.28 (docs/engine.md lists them with their regression tests).
"""

from __future__ import annotations

import copy
import itertools
import threading
from collections.abc import Callable, Sequence
from typing import Any

from ..errors import RuleError
from ..facts import Fact
from ..rulepack.compile import ALIAS_PREFIX, CompiledPack, CompiledRule, to_durable
from .base import Finding, derived_fact, finalise, make_finding

try:  # durable-rules' C core does not import on Python 3.13+
    from durable import engine as _durable
except Exception as exc:
    _durable = None
    IMPORT_ERROR: str | None = f"{type(exc).__name__}: {exc}"
else:
    IMPORT_ERROR = None

GUARD_FACT = {"kind": "_case", "id": "_case"}
_GUARD_RULE = {"all": [{"g": {"kind": "_case"}}], "run": "_noop"}
# Every fact alpha-matches this rule's first pattern, and the second never matches, so no
# fact is "unhandled" (which would defer the batch to a background thread) and nothing fires.
_SINK_RULE = {
    "all": [{"m_0": {"$ex": {"kind": 1}}}, {"m_1": {"__never__": 1}}],
    "run": "_noop",
}
_names = itertools.count()


def available() -> bool:
    return _durable is not None


def _quiet_host_class() -> type[Any]:
    assert _durable is not None

    class QuietHost(_durable.Host):  # type: ignore[misc]
        """A Host that resolves actions by name and starts no timer threads."""

        def __init__(self, actions: dict[str, Callable[[Any], None]]) -> None:
            self._actions = actions
            super().__init__()

        def get_action(self, action_name: str) -> Callable[[Any], None]:
            return self._actions[action_name]

        def _run(self) -> None:  # the stock version starts two perpetual Timer threads
            return None

    return QuietHost


class DurableEngine:
    """Runs one case per durable-rules session (`sid`) on a shared, compiled ruleset."""

    name = "durable-rules"

    def __init__(self, pack: CompiledPack) -> None:
        if _durable is None:
            raise RuntimeError(f"durable-rules is not importable ({IMPORT_ERROR})")
        self.pack = pack
        self._lock = threading.Lock()
        self._results: dict[str, list[Finding]] = {}
        self._derived: dict[str, set[str]] = {}
        self._sids = itertools.count()
        self._ruleset = f"ipt_{pack.pack.content_hash[:10]}_{next(_names)}"
        actions: dict[str, Callable[[Any], None]] = {"_noop": _noop}
        definition: dict[str, Any] = {"_guard": _GUARD_RULE, "_sink": _SINK_RULE}
        for rule in pack.rules:
            action = f"r_{rule.code}"
            actions[action] = self._action(rule)
            definition[rule.code] = to_durable(rule, action)
        self._fields = _fields_read(pack)
        self._host = _quiet_host_class()(actions)
        try:
            # register_rulesets mutates its argument (it deletes "run"), hence the copy
            self._host.register_rulesets({self._ruleset: copy.deepcopy(definition)})
        except Exception as exc:  # the C core reports a bare error number
            raise self._locate_error(definition, exc) from None

    def _locate_error(self, definition: dict[str, Any], exc: Exception) -> RuleError:
        """Register rule by rule in scratch hosts so the error names the broken file."""
        for code, rule in definition.items():
            if code.startswith("_"):
                continue
            host = _quiet_host_class()({rule["run"]: _noop, "_noop": _noop})
            try:
                host.register_rulesets(
                    {f"probe_{next(_names)}": copy.deepcopy({code: rule, "_sink": _SINK_RULE})}
                )
            except Exception as inner:
                return RuleError(
                    f"durable-rules rejected the compiled rule ({inner})",
                    file=self.pack.pack.files.get(code, "?"),
                    code=code,
                )
        return RuleError(f"durable-rules rejected the rule set ({exc})", file=self.pack.pack.root)

    def _action(self, rule: CompiledRule) -> Callable[[Any], None]:
        aliases = [ALIAS_PREFIX + p.alias for p in rule.patterns]
        results = self._results
        derived = self._derived

        def fire(c: Any) -> None:
            # with `cap`, c.m is the list of pending matches, each {alias: fact}
            sid = str(c.s.sid)
            for item in c.m:
                message = item._d
                bound = {a[len(ALIAS_PREFIX) :]: str(message[a]["id"]) for a in aliases}
                results[sid].append(make_finding(rule, bound))
                if rule.derive_area is not None:
                    fact = derived_fact(rule, bound)
                    # a fact matching two `$or` alternatives fires once per alternative;
                    # asserting the same derived fact twice would raise MessageObservedException
                    if fact["id"] not in derived[sid]:
                        derived[sid].add(fact["id"])
                        c.assert_fact(fact)

        return fire

    def run(self, facts: Sequence[Fact]) -> list[Finding]:
        with self._lock:  # the multi-call action protocol is not atomic across threads
            sid = str(next(self._sids))
            self._results[sid] = []
            self._derived[sid] = set()
            batch = [{**GUARD_FACT, "sid": sid}]
            fields = self._fields
            for fact in facts:
                # send only the fields some rule reads: every value costs JSON encoding and
                # alpha-node work in durable-rules, and a fact carries dozens no rule tests
                keep = fields.get(str(fact["kind"]))
                if keep is None:
                    batch.append({**fact, "sid": sid})
                else:
                    projected = {k: fact[k] for k in keep if k in fact}
                    projected["sid"] = sid
                    batch.append(projected)
            try:
                self._host.assert_facts(self._ruleset, batch)
                state = self._host.get_state(self._ruleset, sid)
                if isinstance(state, dict) and "exception" in state:
                    raise RuntimeError(f"a rule action failed: {state['exception']}")
                return finalise(self._results[sid])
            finally:
                self._results.pop(sid, None)
                self._derived.pop(sid, None)
                self._host.delete_state(self._ruleset, sid)


def _fields_read(pack: CompiledPack) -> dict[str, frozenset[str]]:
    """Per fact kind, the fields any rule of the pack tests or joins on (plus kind and id)."""
    used: dict[str, set[str]] = {}
    for rule in pack.rules:
        kinds = {p.alias: p.kind for p in rule.patterns}
        for p in rule.patterns:
            mine = used.setdefault(p.kind, {"kind", "id"})
            mine.update(field for field, _, _ in p.conds)
            mine.update(field for alt in p.anys for field, _, _ in alt)
            for field, other, other_field in p.joins:
                mine.add(field)
                used.setdefault(kinds[other], {"kind", "id"}).add(other_field)
    used.pop("candidate", None)  # derived facts are asserted whole by the actions
    return {kind: frozenset(fields) for kind, fields in used.items()}


def _noop(c: Any) -> None:
    return None
