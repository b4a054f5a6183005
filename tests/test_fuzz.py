"""Hostile and extreme input: the outcome is a `Formulation` or a `CaseError`, nothing else.

Three levels: (a) bytes and malformed YAML/JSON written to files, (b) valid documents broken
one way at a time, (c) valid but extreme cases. Any other exception, or a hang, is a bug.
"""

from __future__ import annotations

import copy
import json
import os
import tempfile
import unicodedata
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import iptformulate
from iptformulate import Case, CaseError, Formulation, formulate, parse_case, read_cases
from iptformulate.limits import CEILINGS, MAX_NODES, Limits

from .strategies import case_dicts

# A long run for a release: IPTFORMULATE_FUZZ_SCALE=20 multiplies every example count.
SCALE = int(os.environ.get("IPTFORMULATE_FUZZ_SCALE", "1"))
FUZZ = settings(
    max_examples=200 * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
FILES = settings(
    max_examples=75 * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
MUTATE = settings(
    max_examples=150 * SCALE,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SUFFIXES = (".yaml", ".json", ".jsonl")
YAML_BITS = [*":-[]{}&*!|>'\"#,?%@`~\\\n\t ", "<<", "!!", "---", "...", "&a", "*a", "id"]


def _outcomes(text: str | bytes, suffix: str) -> list[Case | CaseError]:
    """Write `text` to a file and read it back through `read_cases`."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"case{suffix}"
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8", errors="surrogatepass")
        return list(read_cases(path))


def _assert_case_or_error(items: list[Case | CaseError], run: bool = True) -> None:
    """Each item is a case (that formulates, when `run`) or an error with field paths."""
    for item in items:
        assert isinstance(item, Case | CaseError)
        if isinstance(item, CaseError):
            assert item.problems and all(isinstance(p, str) for p, _ in item.problems)
        elif run:
            assert isinstance(formulate(item), Formulation)


# (a) bytes and malformed documents ----------------------------------------------------------


@FUZZ
@given(data=st.binary(max_size=400), suffix=st.sampled_from(SUFFIXES))
def test_random_bytes(data: bytes, suffix: str) -> None:
    _assert_case_or_error(_outcomes(data, suffix))


@FUZZ
@given(
    parts=st.lists(st.sampled_from(YAML_BITS) | st.text(max_size=4), max_size=60),
    suffix=st.sampled_from(SUFFIXES),
)
def test_yaml_and_json_punctuation_soup(parts: list[str], suffix: str) -> None:
    text = "".join(parts)
    if suffix == ".jsonl":
        text = text.replace("\n", " ")
    _assert_case_or_error(_outcomes(text, suffix))


@FILES
@given(doc=case_dicts(), cut=st.floats(0, 1), flip=st.integers(0, 10**6), char=st.characters())
def test_truncated_and_corrupted_valid_files(doc: dict[str, Any], cut: float, flip: int,
                                             char: str) -> None:  # fmt: skip
    for text, suffix in ((yaml.safe_dump(doc), ".yaml"), (json.dumps(doc), ".json")):
        truncated = text[: int(len(text) * cut)]
        i = flip % max(len(text), 1)
        corrupted = text[:i] + char + text[i + 1 :]
        for bad in (truncated, corrupted):
            _assert_case_or_error(_outcomes(bad, suffix), run=False)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "~",
        "- a\n- b\n",
        "id: x\nid: y\n",  # duplicate key
        "id: x\n? [1, 2]\n: 3\n",  # unhashable key
        "id: x\nepisode: {onset_date: 2020-02-30}\n",  # impossible date
        "id: x\nage: " + "9" * 5000 + "\n",  # integer longer than Python converts
        "id: x\nnotes: !!binary 'not base64!'\n",
        "id: x\nnotes: !!set {a, b}\n",
        "id: x\n<<: 1\n",
        "id: x\n--- \nid: y\n",  # two documents
        "id: x\npeople: *undefined\n",
        "id: x\nnotes: &a [*a]\n",  # recursive alias
        "\ufeffid: x\n",
        "id: x\nage: .nan\n",
    ],
)
def test_named_malformed_yaml(text: str) -> None:
    _assert_case_or_error(_outcomes(text, ".yaml"))


@pytest.mark.parametrize(
    "text",
    [
        "",
        "null",
        "[]",
        '{"id": "x", "id": "y"}',
        '{"id": "x", "age": NaN}',
        '{"id": "x", "age": ' + "9" * 5000 + "}",
        '{"id": "x", "age": 1e999}',
        '{"id": "x"',
        '{"id": "\\ud800"}',
    ],
)
def test_named_malformed_json(text: str) -> None:
    for suffix in (".json", ".jsonl"):
        items = _outcomes(text, suffix)
        _assert_case_or_error(items)
        if text not in ("",) and suffix == ".json":
            assert isinstance(items[0], CaseError)


# deep nesting ---------------------------------------------------------------------------------

DEPTH = 10_000


def _deep(kind: str) -> Any:
    node: Any = "leaf"
    for _ in range(DEPTH):
        node = [node] if kind == "list" else {"a": node}
    return node


@pytest.mark.parametrize("kind", ["list", "dict"])
def test_ten_thousand_deep_json_and_yaml_files(kind: str) -> None:
    opening, closing = ("[", "]") if kind == "list" else ('{"a":', "}")
    flow = opening * DEPTH + "1" + closing * DEPTH
    # Block style grows quadratically: 2,000 levels (4 MB) stay under the file-size limit.
    block = "".join("  " * i + "- \n" for i in range(2000)) if kind == "list" else ""
    for text, suffix in ((flow, ".json"), (flow, ".jsonl"), (flow, ".yaml"), (block, ".yaml")):
        if not text:
            continue
        wraps = [text, '{"id": "x", "notes": ' + text + "}"] if text is flow else [text]
        for wrapped in wraps:
            [item] = _outcomes(wrapped, suffix)
            assert isinstance(item, CaseError)
            assert "deep" in item.reason or "limit" in item.reason


@pytest.mark.parametrize("kind", ["list", "dict"])
def test_ten_thousand_deep_document_in_python(kind: str) -> None:
    with pytest.raises(CaseError, match="nested more than") as info:
        parse_case({"id": "x", "people": [_deep(kind)]})
    assert info.value.path.startswith("people[0]")


def test_cyclic_document_in_python() -> None:
    loop: dict[str, Any] = {"id": "x", "notes": None}
    loop["network"] = loop
    with pytest.raises(CaseError, match="nested more than"):
        parse_case(loop)


ALIAS_BOMB = "id: x\na: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi", strict=True)
)


def test_billion_laughs_case_file_is_refused() -> None:
    [item] = _outcomes(ALIAS_BOMB, ".yaml")
    assert isinstance(item, CaseError)
    assert f"more than {MAX_NODES} values" in item.reason


def test_a_few_aliases_are_still_fine() -> None:
    text = "id: x\npeople:\n  - &p {id: a, name: A, relationship: friend}\nevents: []\n"
    [item] = _outcomes(text, ".yaml")
    assert isinstance(item, Case)


# (b) valid documents, broken one way at a time ------------------------------------------------

WRONG_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=3),
    st.just("x" * 5000),
    st.just("9999-12-31"),
    st.just("2020-02-30"),
)
REQUIRED = {"": ["id"], "person": ["id", "name", "relationship"], "event": ["id", "type"]}


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _paths(value, (*prefix, i))
    return out


def _set(doc: Any, path: tuple[Any, ...], value: Any) -> None:
    for part in path[:-1]:
        doc = doc[part]
    doc[path[-1]] = value


def _loc(path: tuple[Any, ...]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")


@st.composite
def mutated(draw: st.DrawFn) -> tuple[dict[str, Any], str, str | None]:
    """A valid document broken one way: (document, kind of break, path that must be blamed)."""
    doc = copy.deepcopy(draw(case_dicts()))
    kind = draw(
        st.sampled_from(
            [
                "wrong_type", "drop_required", "unknown_key", "huge_text", "duplicate_id",
                "dangling_ref", "future_date", "after_intake", "nfd_name", "deep_value",
            ]
        )
    )  # fmt: skip
    people, events = doc.get("people", []), doc.get("events", [])
    blame: str | None = None
    if kind == "wrong_type":
        paths = _paths(doc)
        if paths:
            path = draw(st.sampled_from(paths))
            _set(doc, path, draw(WRONG_VALUES))
    elif kind == "drop_required":
        where = draw(st.sampled_from(["", "person", "event"]))
        target = {"": [doc], "person": people, "event": events}[where]
        if target:
            i = draw(st.integers(0, len(target) - 1))
            field = draw(st.sampled_from(REQUIRED[where]))
            del target[i][field]
            blame = field if not where else ("people" if where == "person" else "events")
    elif kind == "unknown_key":
        target = draw(st.sampled_from([doc, *people, *events]))
        target[draw(st.sampled_from(["colour", "Notes", "na me", "über", "1"]))] = 1
    elif kind == "huge_text":
        size = draw(st.sampled_from([4001, 100_000]))
        if people:
            i = draw(st.integers(0, len(people) - 1))
            people[i]["name"] = "n" * size
            blame = f"people[{i}].name"
        else:
            doc["notes"] = "n" * size
            blame = "notes"
    elif kind == "duplicate_id" and len(people) + len(events) >= 2:
        items = [*people, *events]
        a, b = draw(st.lists(st.integers(0, len(items) - 1), min_size=2, max_size=2, unique=True))
        items[b]["id"] = items[a]["id"]
    elif kind == "dangling_ref" and events:
        i = draw(st.integers(0, len(events) - 1))
        events[i]["people"] = [*events[i].get("people", []), "nobody-here"]
        blame = f"events[{i}].people"
    elif kind in ("future_date", "after_intake") and events:
        # A known timeline: intake on 2024-01-01, onset six months before; other dates dropped.
        doc["episode"] = {"intake_date": "2024-01-01", "onset_months_before_intake": 6}
        for item in [*events, *(p["died"] for p in people if "died" in p)]:
            item.pop("date", None)
        i = draw(st.integers(0, len(events) - 1))
        events[i]["date"] = "2999-01-01" if kind == "future_date" else "2024-06-01"
        events[i].pop("months_from_onset", None)
        blame = f"events[{i}].date"
    elif kind == "nfd_name" and people:
        i = draw(st.integers(0, len(people) - 1))
        people[i]["name"] = unicodedata.normalize("NFD", "Zoë Ångström " + people[i]["name"])
    elif kind == "deep_value":
        doc["notes"] = _deep("list") if draw(st.booleans()) else [[[[[[["x"]]]]]]]
        blame = "notes"
    return doc, kind, blame


@MUTATE
@given(mutated())
def test_broken_documents_give_a_case_error_with_a_path(item: tuple[Any, str, str | None]) -> None:
    doc, kind, blame = item
    try:
        case = parse_case(doc)
    except CaseError as exc:
        assert exc.problems
        if blame is not None:
            assert any(p.startswith(blame) for p, _ in exc.problems), (kind, exc.problems)
        return
    assert blame is None, kind
    assert isinstance(formulate(case), Formulation)
    if kind == "nfd_name":
        assert all(unicodedata.is_normalized("NFC", p.name) for p in case.people)


@FILES
@given(mutated(), st.sampled_from([".yaml", ".json"]))
def test_broken_documents_through_files(item: tuple[Any, str, str | None], suffix: str) -> None:
    doc = item[0]
    try:
        text = yaml.safe_dump(doc) if suffix == ".yaml" else json.dumps(doc)
    except (ValueError, RecursionError, yaml.YAMLError):
        return  # not serialisable by the writer (deep value): covered in memory above
    _assert_case_or_error(_outcomes(text, suffix), run=False)


# configurable limits --------------------------------------------------------------------------


def _people(n: int) -> list[dict[str, Any]]:
    return [{"id": f"p{i}", "name": f"N{i}", "relationship": "friend"} for i in range(n)]


def test_limits_default_to_the_format_ceilings() -> None:
    limits = Limits()
    assert limits.max_people == CEILINGS["max_people"] == 5000
    assert limits.max_events == CEILINGS["max_events"] == 20000
    assert limits.max_text == CEILINGS["max_text"] == 4000
    assert limits.max_file_bytes == iptformulate.loading.MAX_FILE_BYTES
    with pytest.raises(Exception, match=r"frozen|cannot assign"):
        limits.max_people = 3  # type: ignore[misc]


@pytest.mark.parametrize(
    ("limits", "doc", "path", "words"),
    [
        (Limits(max_people=2), {"id": "x", "people": _people(3)}, "people", "3 people"),
        (
            Limits(max_events=1),
            {"id": "x", "events": [{"id": "e1", "type": "move"}, {"id": "e2", "type": "move"}]},
            "events",
            "2 events",
        ),
        (Limits(max_text=10), {"id": "x", "notes": "n" * 11}, "notes", "limit of 10"),
        (
            Limits(max_depth=3),
            {"id": "x", "people": [{**_people(1)[0], "liked": ["a"]}]},
            "people[0].liked",
            "more than 3 levels",
        ),
    ],
)
def test_tighter_limits_give_a_clear_error(
    limits: Limits, doc: dict[str, Any], path: str, words: str, tmp_path: Path
) -> None:
    assert isinstance(parse_case(doc), Case)  # fine under the default limits
    with pytest.raises(CaseError) as info:
        parse_case(doc, limits=limits)
    assert info.value.path == path and words in info.value.reason
    file = tmp_path / "case.json"
    file.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(CaseError):
        iptformulate.load_case(file, limits=limits)
    [item] = read_cases(file, limits=limits)
    assert isinstance(item, CaseError) and item.path == path


def test_file_size_limit_applies_to_files_and_jsonl_lines(tmp_path: Path) -> None:
    doc = json.dumps({"id": "x", "notes": "n" * 200})
    (tmp_path / "a.json").write_text(doc, encoding="utf-8")
    (tmp_path / "b.jsonl").write_text(doc + "\n" + json.dumps({"id": "y"}) + "\n", "utf-8")
    items = list(read_cases(tmp_path, limits=Limits(max_file_bytes=100)))
    assert [type(i) for i in items] == [CaseError, CaseError, Case]
    assert "100-byte limit" in str(items[0]) and "100-character limit" in str(items[1])
    assert all(isinstance(i, Case) for i in read_cases(tmp_path))


@pytest.mark.parametrize(
    "fields",
    [{"max_people": 5001}, {"max_text": 4001}, {"max_events": 0}, {"max_depth": -1},
     {"max_file_bytes": 1.5}],
)  # fmt: skip
def test_impossible_limits_are_refused(fields: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=r"Limits\.max_"):
        Limits(**fields)


def test_looser_depth_and_file_limits_are_allowed(tmp_path: Path) -> None:
    text = "id: x\nnotes: " + "[" * 40 + "]" * 40 + "\n"
    (tmp_path / "c.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(CaseError, match="32 levels"):
        iptformulate.load_case(tmp_path / "c.yaml")
    with pytest.raises(CaseError, match="notes: Input should be a valid string"):
        iptformulate.load_case(tmp_path / "c.yaml", limits=Limits(max_depth=64))


# (c) valid but extreme --------------------------------------------------------------------------


def test_no_people_and_no_events() -> None:
    for profile in ("classic", "stuart", "who-group", "ipsrt", "ipt-a"):
        f = formulate({"id": "empty"}, profile=profile)
        assert isinstance(f, Formulation)
        assert not any(a.present for a in f.areas.values()) or f.focus.primary is not None


def test_a_thousand_people() -> None:
    people = _people(1000)
    for i, p in enumerate(people):
        p.update(ring=1 + i % 4, conflict=["none", "low", "moderate", "high"][i % 4])
    f = formulate({"id": "crowd", "people": people})
    assert isinstance(f, Formulation)


def test_five_thousand_events() -> None:
    people = _people(50)
    people[0].update(status="deceased", ring=1)
    events = [
        {
            "id": f"e{i}",
            "type": ["move", "job_loss", "conflict", "death"][i % 4],
            "months_from_onset": -(i % 120),
            "people": ["p0"] if i % 4 == 3 else [f"p{1 + i % 49}"],
        }
        for i in range(5000)
    ]
    f = formulate({"id": "busy", "people": people, "events": events})
    assert isinstance(f, Formulation) and f.focus.primary is not None
