"""`iptformulate import network-canvas`: a Network Canvas export in, one case file per ego out.

Exit status: 0 every row was used, 1 some rows or variables could not be used (the cases that
could be made are still written), 2 usage error, 3 the export or the mapping cannot be read.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INVALID = 0, 1, 2, 3

_EPILOG = """examples:
  iptformulate import network-canvas export/ --mapping mapping.yaml --out cases/
  iptformulate import network-canvas interviews.graphml --mapping mapping.yaml --out cases/

PATH is a folder of Network Canvas CSV files (ego, attributeList_<Type>, edgeList_<Type>), or a
.graphml export (or a folder of them). The mapping file says which protocol variables give
relationship, ring, support, conflict, contact and dates (docs/network-canvas.md). Variables
no mapping reads and rows that could not be used are listed with their file and row.
"""


def add_parser(sub: Any) -> None:
    """Register `import` and its `network-canvas` source on the main parser's sub-parsers."""
    imp = sub.add_parser(
        "import",
        help="turn another tool's export into case files",
        epilog="example:\n  iptformulate import network-canvas export/ --mapping map.yaml "
        "--out cases/",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    isub = imp.add_subparsers(dest="source", required=True)
    nc = isub.add_parser(
        "network-canvas",
        help="a Network Canvas CSV or GraphML export",
        description="Write one case file per interview (ego) of a Network Canvas export.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    nc.add_argument("path", metavar="PATH", help="export folder or .graphml file")
    nc.add_argument("--mapping", required=True, metavar="MAP", help="the mapping file (YAML)")
    nc.add_argument("--out", required=True, metavar="DIR", help="folder for the case files")
    nc.add_argument("--force", action="store_true", help="overwrite existing case files")


def run(args: argparse.Namespace) -> int:
    import yaml

    from .netcanvas import convert, load_mapping, read_export

    mapping = load_mapping(args.mapping)  # CaseError -> exit 3 in cli.main
    report = convert(read_export(args.path), mapping)
    out = Path(args.out)
    targets = {case.id: out / f"{case.id}.yaml" for case in report.cases}
    existing = [path for path in targets.values() if path.exists()]
    if existing and not args.force:
        print(f"error: {existing[0]} exists; use --force to overwrite", file=sys.stderr)
        return EXIT_USAGE
    out.mkdir(parents=True, exist_ok=True)
    for case in report.cases:
        data = case.model_dump(mode="json", exclude_defaults=True)
        text = "# Imported from a Network Canvas export by iptformulate.\n" + yaml.safe_dump(
            data, sort_keys=False, allow_unicode=True
        )
        targets[case.id].write_text(text, encoding="utf-8")
    for file, variables in report.unmapped.items():
        print(f"unmapped: {file}: {', '.join(variables)}", file=sys.stderr)
    for problem in report.problems:
        print(f"not used: {problem}", file=sys.stderr)
    print(
        f"import: {len(report.cases)} case files written to {out}, "
        f"{len(report.problems)} rows or values not used, "
        f"{report.ties} ties between people not imported (the case format has none)",
        file=sys.stderr,
    )
    return EXIT_OK if report.ok else EXIT_FAILED
