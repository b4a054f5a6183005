"""The `iptformulate` command line. Exit codes: 0 success, 1 a check or test failed,
2 usage error, 3 invalid input (a case or rule file), 130 interrupted (batch). Errors name
files, ids and field paths, never case content."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from ._version import __version__
from .render import FORMATS, formats_help

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INVALID = 0, 1, 2, 3
EXIT_INTERRUPTED, EXIT_PIPE = 130, 141
"""130: stopped by Ctrl-C or SIGTERM; 141: the reader of our output went away
(`iptformulate schema formulation | head`), as a shell reports SIGPIPE, with no traceback."""

_EXAMPLES = """examples:
  iptformulate formulate --example grief_widower
  iptformulate formulate case.yaml --profile stuart --format markdown > report.md
  iptformulate examples
  iptformulate examples export starter-cases/
  iptformulate rules check
  iptformulate rules test
  iptformulate schema case > case.schema.json
  iptformulate evaluate results.jsonl --gold expert.csv
  iptformulate batch cases/ --out results.jsonl --summary summary.csv
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="iptformulate",
        description="IPT case formulation from an interpersonal inventory "
        "(decision support, not diagnosis).",
        epilog=_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"iptformulate {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    from .rulepack.load import profile_help

    form = sub.add_parser(
        "formulate",
        help="formulate one case",
        epilog="examples:\n  iptformulate formulate --example dispute_marriage_impasse\n"
        "  iptformulate formulate case.yaml --format json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    src = form.add_mutually_exclusive_group(required=True)
    src.add_argument("path", nargs="?", help="a case file (.yaml, .yml or .json)")
    src.add_argument("--example", metavar="NAME", help="a bundled example (see `examples`)")
    form.add_argument("--profile", default="classic", help=profile_help())
    form.add_argument(
        "--format",
        default="text",
        choices=FORMATS,
        dest="fmt",
        help=formats_help(),
    )
    form.add_argument("--rules", metavar="DIR", help="a rules folder (default: the bundled one)")
    form.add_argument("--engine", default="auto", choices=["auto", "durable", "reference"])

    ex = sub.add_parser(
        "examples",
        help="list the bundled example cases, or write them out as case files",
        epilog="examples:\n  iptformulate examples\n  iptformulate examples export my-cases/",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ex.set_defaults(command="examples")
    ex.add_argument("action", nargs="?", choices=["list", "export"], default="list")
    ex.add_argument("dir", nargs="?", help="export: the folder to write <name>.yaml files to")
    ex.add_argument("--force", action="store_true", help="export: overwrite existing files")

    schema = sub.add_parser(
        "schema",
        help="print a JSON Schema",
        epilog="example:\n  iptformulate schema case > case.schema.json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    schema.add_argument("which", choices=["case", "formulation"])

    rules = sub.add_parser(
        "rules",
        help="work with rule files",
        epilog="examples:\n  iptformulate rules list\n  iptformulate rules check my-rules/\n"
        "  iptformulate rules test\n  iptformulate rules docs --check",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    rsub = rules.add_subparsers(dest="rules_command", required=True)
    for name, text in (
        ("list", "list the rules with code, area, effect and title"),
        (
            "check",
            "every check a rule author needs: each rule, profile and catalogue file, the "
            "references between them, examples both ways that behave as labelled, and the "
            "generated docs",
        ),
        ("test", "run every rule's examples through both engines"),
    ):
        cmd = rsub.add_parser(name, help=text)
        cmd.add_argument("dir", nargs="?", help="a rules folder (default: the bundled one)")
        cmd.add_argument("--profile", default=None, help="only rules of this profile (list)")
        if name == "check":
            cmd.add_argument(
                "--docs",
                metavar="DIR",
                default=None,
                help="the generated rule pages to compare (default: docs/rules beside the rules "
                "folder, when there is one)",
            )
    docs = rsub.add_parser("docs", help="write (or --check) docs/rules/ from the rule files")
    docs.add_argument("--out", default="docs/rules", help="output folder")
    docs.add_argument("--check", action="store_true", help="fail if the docs are stale")
    docs.add_argument("--dir", default=None, help="a rules folder (default: the bundled one)")
    from .evaluate_cli import add_parser as add_evaluate

    add_evaluate(sub)
    from .batch_cli import add_parser as add_batch

    add_batch(sub)
    from .case_cli import add_parsers as add_case_commands

    add_case_commands(sub)
    from .netcanvas_cli import add_parser as add_import

    add_import(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # Third-party pydantic plugins see every validated value, here clinical case data, and some
    # send it over the network; the command line promises neither. (Skipping their discovery
    # also saves about 40 ms of start-up.) An explicit setting in the environment is respected.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # the reader went away (`| head`): stop quietly
        _silence_stdout()
        return EXIT_PIPE


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so flushing it at exit raises no second BrokenPipeError."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # pragma: no cover - stdout is not a real file
        pass


def _run(args: argparse.Namespace) -> int:
    from .errors import IPTFormulateError, ProfileError

    try:
        status = _dispatch(args)
        sys.stdout.flush()  # a closed pipe shows here, where main() still handles it
        return status
    except ProfileError as exc:  # a usage error, as an unknown example is
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except IPTFormulateError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except KeyError as exc:  # unknown profile, example or parameter
        print(f"error: {exc.args[0] if exc.args else exc}", file=sys.stderr)
        return EXIT_USAGE


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "formulate":
        return _formulate(args)
    if args.command == "examples":
        return _examples(args)
    if args.command == "schema":
        return _schema(args.which)
    if args.command == "evaluate":
        from .evaluate_cli import run as evaluate

        return evaluate(args)
    if args.command == "batch":
        from .batch_cli import run as batch

        return batch(args)
    if args.command == "import":
        from .netcanvas_cli import run as run_import

        return run_import(args)
    if args.command in ("validate", "upgrade"):
        from .case_cli import run_upgrade, run_validate

        return run_validate(args) if args.command == "validate" else run_upgrade(args)
    return _rules(args)


def _write_utf8(text: str) -> None:
    """Write to stdout as UTF-8 whatever the terminal's locale says."""
    out = text.rstrip("\n") + "\n"
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:
        sys.stdout.write(out)
        return
    sys.stdout.flush()
    buffer.write(out.encode("utf-8"))


def _formulate(args: argparse.Namespace) -> int:
    from . import examples, load_case
    from .pipeline import formulate
    from .render import document, extra

    case = examples.load(args.example) if args.example else load_case(args.path)
    result = formulate(
        case, profile=args.profile, rules=args.rules, options={"engine": args.engine}
    )
    try:
        out = document(result, args.fmt, case)
    except ModuleNotFoundError:
        if extra(args.fmt) is None:
            raise
        print(
            f"error: --format {args.fmt} needs the `{extra(args.fmt)}` extra: "
            f"pip install 'iptformulate[{extra(args.fmt)}]'",
            file=sys.stderr,
        )
        return EXIT_USAGE
    _write_utf8(out)
    return EXIT_OK


def _examples(args: argparse.Namespace) -> int:
    from . import examples

    if args.action == "list":
        if args.dir:
            print("error: a folder is only taken by `examples export DIR`", file=sys.stderr)
            return EXIT_USAGE
        for name in examples.names():
            print(f"{name:30} {examples.describe(name)}")
        return EXIT_OK
    if not args.dir:
        print("error: `examples export` needs the folder to write to", file=sys.stderr)
        return EXIT_USAGE
    folder = Path(args.dir)
    targets = {name: folder / f"{name}.yaml" for name in examples.names()}
    existing = [path for path in targets.values() if path.exists()]
    if existing and not args.force:
        print(
            f"error: {existing[0]} exists ({len(existing)} of {len(targets)} files); "
            "use --force to overwrite",
            file=sys.stderr,
        )
        return EXIT_FAILED
    folder.mkdir(parents=True, exist_ok=True)
    for name, path in targets.items():
        path.write_text(examples.text(name), encoding="utf-8")
    print(f"wrote {len(targets)} example cases to {folder}", file=sys.stderr)
    return EXIT_OK


def _schema(which: str) -> int:
    import json

    if which == "case":
        from .schema import case_json_schema

        data = case_json_schema()
    else:
        from .formulation.model import Formulation

        data = Formulation.model_json_schema()
    print(json.dumps(data, indent=2, sort_keys=True))
    return EXIT_OK


def _rules(args: argparse.Namespace) -> int:
    from .rulepack.load import load_pack

    if args.rules_command == "docs":
        from .rulepack.docs import write_docs

        pack = load_pack(args.dir)
        stale = write_docs(pack, Path(args.out), check=args.check)
        if stale:
            for path in stale:
                print(f"stale: {path}", file=sys.stderr)
            print("run `iptformulate rules docs` to regenerate", file=sys.stderr)
            return EXIT_FAILED
        return EXIT_OK
    if args.rules_command == "check":
        return _rules_check(args)
    pack = load_pack(args.dir)
    if args.rules_command == "list":
        for rule in pack.rules:
            if args.profile and args.profile not in rule.profiles:
                continue
            print(f"{rule.code}  {rule.area:24} {rule.effect:8} {rule.title}")
        return EXIT_OK
    from .authoring import iter_fixtures, run_fixture

    failures = 0
    total = 0
    for code, name, case, file in iter_fixtures(pack):
        total += 1
        result = run_fixture(pack, code, name, case, file)
        failures += bool(result.problems)
        for problem in result.problems:
            print(f"FAIL {file}::{name}: {problem}")
    print(f"{total - failures} passed, {failures} failed")
    return EXIT_FAILED if failures else EXIT_OK


def _rules_check(args: argparse.Namespace) -> int:
    from .authoring import iter_fixtures
    from .rulecheck import check_rules

    pack, problems = check_rules(args.dir, docs=args.docs)
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    if pack is None:
        print(f"{len(problems)} problem(s); the rules do not load", file=sys.stderr)
        return EXIT_INVALID
    if problems:
        print(f"{len(problems)} problem(s)", file=sys.stderr)
        return EXIT_FAILED
    count = sum(1 for _ in iter_fixtures(pack))
    print(
        f"ok: {len(pack.rules)} rules, {len(pack.profiles)} profiles, {count} examples, "
        f"hash {pack.content_hash[:12]}"
    )
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
