"""Reading untrusted YAML: the library's own limits and messages, whatever parser is installed.

PyYAML may come with libyaml (the C loader) or without it, and libyaml has its own nesting limit
(1,000 levels from PyYAML 6.0.3) that it enforces while scanning ahead. Every test here runs with
both parsers, so the messages cannot depend on which one a user has.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from iptformulate import limits
from iptformulate.errors import CaseError
from iptformulate.limits import LimitProblem, Limits, read_yaml_document
from iptformulate.loading import load_case

LOADERS = [
    pytest.param(
        getattr(yaml, "CSafeLoader", None),
        id="libyaml",
        marks=pytest.mark.skipif(
            not hasattr(yaml, "CSafeLoader"), reason="PyYAML built without libyaml"
        ),
    ),
    pytest.param(yaml.SafeLoader, id="pure-python"),
]


@pytest.fixture(params=LOADERS)
def loader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setattr(limits, "SAFE_LOADER", request.param)
    return request.param


DEPTH = 2000


def _deep(kind: str, style: str) -> str:
    if style == "flow":
        opening, closing = ("[", "]") if kind == "list" else ("{a: ", "}")
        return opening * DEPTH + "1" + closing * DEPTH
    if kind == "list":
        return "".join("  " * i + "-\n" for i in range(DEPTH)) + "  " * DEPTH + "1\n"
    return "".join("  " * i + "a:\n" for i in range(DEPTH)) + "  " * DEPTH + "1\n"


@pytest.mark.parametrize("style", ["flow", "block"])
@pytest.mark.parametrize("kind", ["list", "mapping"])
def test_two_thousand_levels_get_the_librarys_depth_message(
    loader: Any, kind: str, style: str
) -> None:
    with pytest.raises(LimitProblem) as info:
        read_yaml_document(_deep(kind, style))
    message = str(info.value)
    assert message.startswith("the document is nested more than 32 levels deep")
    assert "Limits.max_depth" in message
    assert "at line" in message


def test_the_depth_message_follows_the_limit(loader: Any) -> None:
    with pytest.raises(LimitProblem, match="nested more than 5 levels deep"):
        read_yaml_document(_deep("list", "flow"), Limits(max_depth=5))
    assert read_yaml_document("[[[[1]]]]", Limits(max_depth=5)) == [[[[1]]]]


def test_a_limit_above_the_parsers_own_is_never_called_malformed(loader: Any) -> None:
    """With the limit raised to 5,000, a 2,000-level document either loads (the parser copes)
    or is refused in our words, naming the `Limits` field: never called malformed."""
    try:
        data = read_yaml_document(_deep("list", "flow"), Limits(max_depth=5000))
    except LimitProblem as exc:
        assert "Limits.max_depth" in str(exc)
        assert "malformed" not in str(exc)
        return
    depth = 0
    while isinstance(data, list):
        data, depth = data[0], depth + 1
    assert (depth, data) == (DEPTH, 1)


def test_a_deep_case_file_is_refused_with_the_depth_message(loader: Any, tmp_path: Path) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text("id: x\nnotes: " + _deep("mapping", "flow") + "\n", encoding="utf-8")
    with pytest.raises(CaseError, match="nested more than 32 levels deep"):
        load_case(path)


MALFORMED = [
    # text, the line reported, what the message must explain, where the construct began
    ("name: Ann\nrole: 'unclosed\n", 3, "end of stream", "line 2"),
    ("people: [a, b\nevents: []\n", None, "',' or ']'", "line 1"),
    ("name: Ann: Smith\n", 1, "mapping values are not allowed", None),
    ("- a\nb: c\n", 2, "", "line 1"),
]


@pytest.mark.parametrize(("text", "line", "why", "began"), MALFORMED)
def test_malformed_yaml_says_why_and_where(
    loader: Any, text: str, line: int | None, why: str, began: str | None
) -> None:
    with pytest.raises(LimitProblem) as info:
        read_yaml_document(text)
    message = str(info.value)
    assert message.startswith("malformed YAML at line")
    if line is not None:
        assert f"at line {line}," in message
    assert why in message
    assert ": " in message, "the parser's reason follows the position"
    if began is not None:
        assert f"starts at {began}," in message
    for secret in ("Ann", "Smith", "unclosed"):
        assert secret not in message


@pytest.mark.parametrize(
    "text",
    [
        "a: *SecretName\n",
        "!SecretTag%zz x: 1\n",
        'a: "bad \\q escape Secret"\n',
        "a: &Secret 1\nb: &Secret 2\nc: *Secret\n{{",
    ],
)
def test_parser_messages_never_carry_file_content(loader: Any, text: str) -> None:
    with pytest.raises(LimitProblem) as info:
        read_yaml_document(text)
    assert "ecret" not in str(info.value)
    assert "malformed YAML" in str(info.value)
