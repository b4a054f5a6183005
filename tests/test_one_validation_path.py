"""Issue 16, item 3: one validation path. A case that loads reloads from its own JSON dump (what
a worker process receives), so `--workers 1` and `--workers 2` never disagree."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from iptformulate import examples, formulate_many, parse_case
from iptformulate.errors import CaseError
from iptformulate.model import Case

from .strategies import cases

EXPANDS = "\u0344"  # one character that NFC turns into two


def _doc(notes: str) -> dict[str, object]:
    return {
        "id": "c1",
        "notes": notes,
        "people": [{"id": "p1", "name": "x", "relationship": "friend", "notes": notes}],
    }


def test_text_that_normalisation_lengthens_past_the_limit_is_refused() -> None:
    with pytest.raises(CaseError, match="normalised") as info:
        parse_case(_doc(EXPANDS * 2001))  # 2,001 characters as written, 4,002 in NFC
    assert EXPANDS not in str(info.value)
    assert parse_case(_doc(EXPANDS * 2000)).notes == "\u0308\u0301" * 2000


def test_workers_and_one_process_agree_on_such_a_case() -> None:
    docs = [_doc(EXPANDS * 2001), _doc(EXPANDS * 10)]
    one = [r.ok for r in formulate_many(docs, workers=1)]
    two = [r.ok for r in formulate_many(docs, workers=2)]
    assert one == two == [False, True]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases())
def test_a_loaded_case_reloads_from_its_json_dump(case: Case) -> None:
    assert parse_case(case.model_dump(mode="json")) == case


@pytest.mark.parametrize("name", examples.names())
def test_every_example_reloads_from_its_json_dump(name: str) -> None:
    case = examples.load(name)
    assert parse_case(case.model_dump(mode="json")) == case
