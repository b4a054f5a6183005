"""Every sentence the library writes, for every bundled example and casebook case under every
profile, is free of the artifacts the clinical review found ("Alongside ... ., the client",
"?;", ".;", "left escalates", a bare None, an unfilled slot)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from iptformulate import examples, formulate, load_case
from iptformulate.render import render

PROFILES = ["classic", "stuart", "who-group", "ipsrt", "ipt-a"]
ARTIFACTS = {
    "full stop before a comma": re.compile(r"\w\.,"),
    "full stop before a semicolon": re.compile(r"\w\.;"),
    "question mark before a semicolon": re.compile(r"\?;"),
    "a value where a word belongs": re.compile(
        r"\bNone\b|\bleft escalates\b|\bare left unresolved\b"
    ),
    "an unfilled slot": re.compile(r"\{[a-z_.|]+\}"),
    "a count that does not agree with its noun": re.compile(r"\b1 people\b"),
    # an event's description is a phrase of its own ("Moved 400 km ..."): the rationales start
    # with it rather than set it, capitalised, inside a sentence
    "a description set mid-sentence": re.compile(
        r"\b(?:Alongside|consequences of|Since|as seen in) [A-Z][a-z]+ed\b"
    ),
    "an area label capitalised mid-sentence": re.compile(
        r"\bSuits (?:Grief|Role|Interpersonal|Loss|Life|Disputes|Loneliness)\b"
    ),
    "space before a comma": re.compile(r" ,"),
    "empty brackets": re.compile(r"\(\s*\)"),
    # "close to your low mood began": a preposition that needs a noun before a clause
    "a clause where a noun belongs": re.compile(r"\b(?:around|close to|far from) your low mood"),
    # a value in brackets set inside the template's own: nested brackets are square
    "round brackets inside round brackets": re.compile(r"\([^()\n]*\([^()\n]*\)[^()\n]*\)"),
}
CASES = [examples.load(name) for name in examples.names()]
CASES += [load_case(p) for p in sorted((Path(__file__).parent / "casebook").glob("cb*.yaml"))]


@pytest.mark.parametrize("profile", PROFILES)
def test_no_artifacts_in_any_rendered_sentence(profile: str) -> None:
    found = []
    for case in CASES:
        for fmt in ("markdown", "text"):
            out = render(formulate(case, profile=profile), fmt)
            for name, pattern in ARTIFACTS.items():
                for match in pattern.finditer(out):
                    start = max(0, match.start() - 40)
                    found.append(f"{case.id} {fmt}: {name}: ...{out[start : match.end() + 20]!r}")
    assert not found, "\n".join(found[:20])


@pytest.mark.parametrize("profile", PROFILES)
def test_no_sentence_is_said_twice_in_one_list(profile: str) -> None:
    """A reason, a rejection or a warning is said once: the focus's own link to onset and the
    deciding comparison with the runner-up used to repeat the same F4 sentence."""
    repeated = []
    for case in CASES:
        f = formulate(case, profile=profile)
        for name, items in (
            ("reasons", f.focus.reasons),
            ("warnings", f.warnings),
            ("ask next", f.focus.ask_next),
        ):
            dupes = {x for x in items if items.count(x) > 1}
            repeated += [f"{case.id} {name}: {x}" for x in sorted(map(str, dupes))]
    assert not repeated, "\n".join(repeated[:20])
