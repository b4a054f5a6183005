"""`iptformulate validate` and `iptformulate upgrade`: case files checked or rewritten, never
formulated (wiring)."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

VALIDATE_EPILOG = """\
examples:
  iptformulate validate case.yaml
  iptformulate validate cases/ --quiet

Every problem is reported with file, case id and field path; a valid case lists the fields it
leaves unknown and, for a format-1 file, what reading it assumed. Exit 0 when every case is
valid, 3 when any is not."""

UPGRADE_EPILOG = """\
examples:
  iptformulate upgrade old-case.yaml
  iptformulate upgrade cases/ --check

Rewrites format-1 files (no `format_version`) as format 2 in place, writing out what format 1
assumed (population, diagnosis, format, prior episodes, status) and listing it under
`assumed` for a clinician to check. The comment block at the top of a YAML file is kept;
comments further down are not. `--check` changes nothing and exits 1 when a file would be
rewritten."""


def add_parsers(sub: Any) -> None:
    """Register `validate` and `upgrade` on the main parser's sub-parsers."""
    validate = sub.add_parser(
        "validate",
        help="check case files without formulating",
        epilog=VALIDATE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    validate.add_argument("paths", nargs="+", metavar="PATH", help="files, folders or globs")
    validate.add_argument(
        "--quiet", action="store_true", help="report problems only, not the unknown fields"
    )
    upgrade = sub.add_parser(
        "upgrade",
        help="rewrite format-1 case files as format 2",
        epilog=UPGRADE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    upgrade.add_argument("paths", nargs="+", metavar="PATH", help="files, folders or globs")
    upgrade.add_argument("--check", action="store_true", help="change nothing; exit 1 if stale")


def _files(given: list[str]) -> tuple[list[Path], int]:
    """The case files the arguments name, and how many arguments named none (reported)."""
    from .errors import CaseError
    from .loading import case_paths

    files: list[Path] = []
    missing = 0
    for one in given:
        try:
            files += case_paths(one)
        except CaseError as exc:
            print(f"error: {exc}", file=sys.stderr)
            missing += 1
    return files, missing


def run_validate(args: argparse.Namespace) -> int:
    from .errors import CaseError
    from .loading import read_cases
    from .model.completeness import unknown_fields

    paths, bad = _files(args.paths)
    good = 0
    for path in paths:
        for item in read_cases(path):
            if isinstance(item, CaseError):
                bad += 1
                print(f"invalid: {item}")
                continue
            good += 1
            print(f"valid: file {path}, case {item.id!r} (format {item.format_version})")
            if item.assumed:
                print("  assumed (format 1): " + "; ".join(item.assumed))
            unknown = unknown_fields(item)
            if unknown and not args.quiet:
                print(f"  left unknown ({len(unknown)}): " + ", ".join(unknown))
    print(f"{good} valid, {bad} invalid", file=sys.stderr)
    return 3 if bad else 0


def run_upgrade(args: argparse.Namespace) -> int:
    from .errors import CaseError
    from .loading import load_case
    from .model.upgrade import upgrade_document

    paths, failed = _files(args.paths)
    stale = 0
    for path in paths:
        try:
            load_case(path)  # the whole check, with the library's limits and messages
            if path.suffix == ".jsonl":
                raise CaseError("upgrade reads .yaml, .yml and .json files", source=str(path))
            data = _read(path)
        except CaseError as exc:
            print(f"invalid: {exc}", file=sys.stderr)
            failed += 1
            continue
        if "format_version" in data:
            print(f"current: {path}")
            continue
        stale += 1
        upgraded = upgrade_document(data)
        ordered = {"format_version": upgraded.pop("format_version"), **upgraded}
        if args.check:
            print(f"would upgrade: {path}")
            continue
        _write(path, ordered)
        print(f"upgraded: {path}" + "".join(f"\n  assumed {a}" for a in ordered.get(
            "assumed", ())))  # fmt: skip
    if failed:
        return 3
    return 1 if args.check and stale else 0


def _read(path: Path) -> dict[str, Any]:
    from .limits import read_yaml_document

    text = path.read_text(encoding="utf-8")
    data = json.loads(text) if path.suffix == ".json" else read_yaml_document(text)
    return dict(data)


def _header(path: Path) -> str:
    """The comment lines a YAML file starts with."""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines(keepends=True):
        if not line.lstrip().startswith("#"):
            break
        lines.append(line)
    return "".join(lines)


def _write(path: Path, data: dict[str, Any]) -> None:
    """Replace the file atomically: a crash leaves the old file or the new one, never half."""
    import yaml

    if path.suffix == ".json":
        text = json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n"
    else:
        dumped = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
        text = _header(path) + dumped
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


__all__ = ["add_parsers", "run_upgrade", "run_validate"]
