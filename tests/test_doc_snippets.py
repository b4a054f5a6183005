"""The Python snippets of the README and docs/ run as written, so they cannot drift: each
file's blocks run in order in one namespace, in a folder holding the files they name
(case.yaml, cases/, expected.yaml). A line `expression  # literal` must give that literal."""

from __future__ import annotations

import ast
import importlib.util
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from iptformulate import examples

REPO = Path(__file__).resolve().parents[1]
FILES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)
NEEDS = {"iptformulate.plot": "matplotlib", "to_dataframe": "pandas", "to_fhir": "fhir.resources",
         "whatif": "ipywidgets"}  # fmt: skip


def _with_snippets() -> list[Path]:
    return [p for p in FILES if BLOCK.search(p.read_text(encoding="utf-8"))]


def _checks(source: str) -> list[tuple[int, str, Any]]:
    """(line, expression, expected) for each `expression  # literal` statement."""
    lines = source.splitlines()
    out = []
    for node in ast.parse(source).body:
        if isinstance(node, ast.Expr) and node.lineno == node.end_lineno:
            line = lines[node.lineno - 1]
            _, _, comment = line[node.end_col_offset :].partition("#")
            try:
                expected = ast.literal_eval(comment.strip())
            except (ValueError, SyntaxError):
                continue
            out.append((node.lineno, ast.get_source_segment(source, node) or "", expected))
    return out


def _same(got: Any, expected: Any) -> bool:
    if isinstance(expected, tuple):
        return (
            isinstance(got, tuple)
            and len(got) == len(expected)
            and all(_same(g, e) for g, e in zip(got, expected, strict=True))
        )
    if isinstance(expected, float):
        return isinstance(got, float) and round(got, 10) == expected
    return bool(got == expected)


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "case.yaml").write_text(examples.text("grief_widower"), encoding="utf-8")
    vignettes = REPO / "tests" / "vignettes"
    (tmp_path / "cases").mkdir()
    for path in vignettes.glob("*.case.yaml"):
        shutil.copy(path, tmp_path / "cases" / path.name)
    shutil.copy(vignettes / "expected.yaml", tmp_path / "expected.yaml")
    monkeypatch.setenv("IPT_EXPORT_KEY", "a clinic secret of sixteen bytes or more")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("path", _with_snippets(), ids=lambda p: p.relative_to(REPO).as_posix())
def test_python_snippets_run(
    path: Path, workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = path.read_text(encoding="utf-8")
    for marker, module in NEEDS.items():
        if marker in text and importlib.util.find_spec(module.split(".")[0]) is None:
            pytest.skip(f"{path.name} needs {module}")
    namespace: dict[str, Any] = {"__name__": "snippet"}  # `if __name__ == "__main__"` stays off
    checked = 0
    for block in BLOCK.findall(text):
        code = compile(block, f"{path.name} snippet", "exec")
        exec(code, namespace)  # the docs' own code, nothing else
        for _line, expression, expected in _checks(block):
            got = eval(expression, namespace)
            assert _same(got, expected), (
                f"{path.name}: `{expression}` gives {got!r}, not {expected!r}"
            )
            checked += 1
    if path.name == "README.md":
        assert checked >= 2  # the README's documented values are checked, not only run


def test_the_checker_catches_a_drifted_value() -> None:
    (check,) = _checks("x = 1\nx + 1  # 3\n")[:1]
    assert check[1:] == ("x + 1", 3) and not _same(2, 3)
