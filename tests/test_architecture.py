"""docs/architecture.md stays true: no pipeline stage imports a later one."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "iptformulate"

STAGE = {
    "errors": 0, "_version": 0,
    "model": 1, "loading": 1, "schema": 1, "docsgen": 1, "examples": 1, "limits": 1, "redaction": 1,
    "netcanvas": 1,
    "graph": 2, "facts": 3, "rulepack": 4, "engine": 5, "scoring": 6,
    "formulation": 7, "render": 8, "comparison": 8, "agreement": 8, "plot": 8, "tabular": 8,
}  # fmt: skip
WIRING = {
    "pipeline", "cli", "authoring", "__init__", "__main__", "evaluate_cli", "batch", "batch_cli",
    "case_cli", "netcanvas_cli", "whatif", "rulecheck",
}  # fmt: skip


def _top(module: Path) -> str:
    rel = module.relative_to(SRC)
    return rel.parts[0].removesuffix(".py")


def _imports(path: Path) -> list[tuple[str, bool]]:
    """(top-level iptformulate module imported, whether inside a function)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: list[tuple[str, bool]] = []
    pkg_parts = path.relative_to(SRC).parts[:-1]

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            nested = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            if isinstance(child, ast.ImportFrom):
                if child.level:
                    base = list(pkg_parts[: len(pkg_parts) - child.level + 1])
                    target = [*base, *(child.module.split(".") if child.module else [])]
                    if not target:
                        target = [alias.name for alias in child.names][:1]
                    out.append((target[0].removesuffix(".py"), in_function))
                elif child.module and child.module.startswith("iptformulate."):
                    out.append((child.module.split(".")[1], in_function))
            visit(child, nested)

    visit(tree, False)
    return out


def test_no_stage_imports_a_later_stage() -> None:
    problems = []
    for path in sorted(SRC.rglob("*.py")):
        top = _top(path)
        if top in WIRING:
            continue
        assert top in STAGE, f"{path}: module not placed in a stage; update docs/architecture.md"
        for target, in_function in _imports(path):
            if target in WIRING or target not in STAGE:
                if target in WIRING:
                    problems.append(f"{path.relative_to(SRC)} imports wiring module {target}")
                continue
            allowed = STAGE[target] <= STAGE[top]
            display_hook = top == "formulation" and target == "render" and in_function
            if not allowed and not display_hook:
                problems.append(f"{path.relative_to(SRC)} (stage {STAGE[top]}) imports {target}")
    assert not problems, "\n".join(problems)


def test_architecture_doc_lists_every_stage_folder() -> None:
    doc = (SRC.parents[1] / "docs" / "architecture.md").read_text(encoding="utf-8")
    for name in STAGE:
        if name.startswith("_"):
            continue
        assert f"`{name}" in doc, name


def test_the_import_reader_sees_relative_and_lazy_imports() -> None:
    found = _imports(SRC / "formulation" / "model.py")
    assert ("render", True) in found  # the display hook, imported inside a method
    assert ("facts", False) in _imports(SRC / "engine" / "base.py")


def _external_imports(path: Path) -> set[str]:
    """Top-level names of the modules a file imports from outside iptformulate, anywhere in it
    (lazy imports and `importlib.import_module("...")` calls with a literal name included)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            names.add(node.module.split(".")[0])
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            names.add(node.args[0].value.split(".")[0])
    return names


def test_the_rule_pack_knows_no_engine() -> None:
    """rulepack/ compiles rules into one engine-neutral form; turning that form into what an
    engine runs (durable-rules JSON and its wire encoding) is the engine's job."""
    problems = []
    for path in sorted((SRC / "rulepack").rglob("*.py")):
        rel = path.relative_to(SRC)
        problems += [f"{rel} imports {t}" for t, _ in _imports(path) if STAGE.get(t, 0) >= 5]
        problems += [
            f"{rel} imports {name}"
            for name in _external_imports(path) & {"durable", "durable_rules_engine"}
        ]
        text = path.read_text(encoding="utf-8")
        problems += [f"{rel} mentions {n}" for n in ("DurableWire", "to_durable") if n in text]
    assert not problems, "\n".join(problems)
    assert "durable_rules_engine" in _external_imports(SRC / "engine" / "durable_engine.py")
