"""`iptformulate batch`: many cases in, results JSONL, an error log and a CSV summary out.

Every output is whole even when the run is interrupted: each JSONL line goes out in one write
and is flushed at once, the CSV is written to a temporary file and renamed into place, and
Ctrl-C stops after the line in hand. `--resume` then drops a cut-off last line and skips the
case ids already written.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .batch import BatchResult
    from .model.case import Case

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INVALID, EXIT_INTERRUPTED = 0, 1, 2, 3, 130

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

_EPILOG = """examples:
  iptformulate batch cases/ --out results.jsonl --errors errors.jsonl --summary summary.csv
  iptformulate batch 'intake/**/*.yaml' more.jsonl --out results.jsonl --workers 4
  iptformulate batch cases/ --out results.jsonl --resume
  iptformulate batch mixed/ --out results.jsonl --profile auto

exit status: 0 every case formulated, 1 some case failed (see --errors), 2 usage error,
3 an input or --out file cannot be read, 130 interrupted (run again with --resume).
"""


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the `batch` subcommand."""
    cmd = sub.add_parser(
        "batch",
        help="formulate many cases into JSONL and a CSV summary",
        description="Formulate every case of the inputs, in order. A bad case is reported "
        "and the rest still run.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    cmd.add_argument("inputs", nargs="+", metavar="INPUT", help="case files, folders, globs, JSONL")
    cmd.add_argument("--out", required=True, help="results, one JSON object per line")
    cmd.add_argument("--errors", help="failed cases, one JSON object per line")
    cmd.add_argument("--summary", help="one CSV row per formulated case")
    cmd.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    cmd.add_argument("--resume", action="store_true", help="skip case ids already in --out")
    cmd.add_argument(
        "--profile",
        default="classic",
        help="classic, stuart, who-group, ipsrt, ipt-a or auto (ipsrt for bipolar depression, "
        "ipt-a for adolescents, classic otherwise)",
    )
    cmd.add_argument("--rules", metavar="DIR", help="a rules folder (default: the bundled one)")
    cmd.add_argument("--engine", default="auto", choices=["auto", "durable", "reference"])
    cmd.add_argument("--quiet", action="store_true", help="no progress and no final count")
    cmd.add_argument(
        "--pseudonymize",
        action="store_true",
        help="replace ids and names by keyed pseudonyms and drop free text before formulating "
        "(iptformulate.redact); the key comes from --key-file or $IPTFORMULATE_PSEUDONYM_KEY",
    )
    cmd.add_argument(
        "--key-file", metavar="PATH", help="secret key for --pseudonymize (>= 16 bytes)"
    )


def run(args: argparse.Namespace) -> int:
    from .batch import formulate_many
    from .errors import CaseError
    from .loading import case_paths, read_cases

    if args.workers < 1:
        print("error: --workers must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    out = Path(args.out)
    errors_path = Path(args.errors) if args.errors else None
    ours = {p.resolve() for p in (out, errors_path) if p is not None}
    paths = [p for s in args.inputs for p in case_paths(s) if p.resolve() not in ours]
    done: set[str] = set()
    if args.resume:
        try:
            done = _resume(out)
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_INVALID
    skipped = 0
    key = _pseudonym_key(args) if args.pseudonymize else None
    if args.pseudonymize and key is None:
        print(
            "error: --pseudonymize needs a secret key of at least 16 bytes in --key-file or "
            "$IPTFORMULATE_PSEUDONYM_KEY",
            file=sys.stderr,
        )
        return EXIT_USAGE

    def inputs() -> Iterator[tuple[str, Case] | CaseError]:
        # A case's source is its file (for JSONL, the file; its errors also name the line).
        nonlocal skipped
        from .redaction import redact

        for path in paths:
            for item in read_cases(path):
                if isinstance(item, CaseError):
                    yield item
                    continue
                case = redact(item, key=key) if key is not None else item
                if case.id in done:
                    skipped += 1
                else:
                    yield str(path), case

    results = formulate_many(
        inputs(),
        workers=args.workers,
        profile=args.profile,
        rules=args.rules,
        options={"engine": args.engine},
    )
    progress = _Progress(enabled=sys.stderr.isatty() and not args.quiet)
    ok = failed = 0
    interrupted = False
    stop = threading.Event()
    try:
        with (
            _stop_on_sigint(stop),
            _Lines(out, append=args.resume) as out_lines,
            _Lines(errors_path, append=False) as error_lines,
        ):
            for result in results:
                if result.ok:
                    out_lines.write(_result_line(result))
                    ok += 1
                else:
                    failed += 1
                    _report(result, error_lines)
                progress.update(ok, failed)
                if stop.is_set():
                    interrupted = True
                    break
    except KeyboardInterrupt:
        interrupted = True
    finally:
        results.close()
        progress.finish()
    if interrupted:
        print(
            f"interrupted: {ok} formulated and {failed} failed so far; "
            "run again with --resume to finish",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    if args.summary:
        write_summary(out, Path(args.summary))
    if not args.quiet:
        line = f"batch: {ok} formulated, {failed} failed"
        if args.resume:
            line += f", {skipped} already in {out}"
        if failed and errors_path is not None:
            line += f" (see {errors_path})"
        print(line, file=sys.stderr)
    return EXIT_FAILED if failed else EXIT_OK


def _pseudonym_key(args: argparse.Namespace) -> bytes | None:
    """The secret for keyed pseudonyms; never a default, so pseudonyms are not guessable."""
    raw: bytes | None = None
    if args.key_file:
        try:
            raw = Path(args.key_file).read_bytes().strip()
        except OSError:
            return None
    elif os.environ.get("IPTFORMULATE_PSEUDONYM_KEY"):
        raw = os.environ["IPTFORMULATE_PSEUDONYM_KEY"].encode("utf-8")
    return raw if raw is not None and len(raw) >= 16 else None


def _result_line(result: BatchResult) -> str:
    text = result.formulation_json()
    assert text is not None
    head = json.dumps({"case_id": result.case_id, "source": result.source}, ensure_ascii=False)
    return f'{head[:-1]},"formulation":{text}}}'


def _report(result: BatchResult, error_lines: _Lines) -> None:
    error = result.error or {}
    if error_lines.enabled:
        error_lines.write(json.dumps(error, ensure_ascii=False, separators=(",", ":")))
        return
    where = f"file {error.get('source')}, " if error.get("source") else ""
    case = f"case {error.get('case_id')!r}" if error.get("case_id") else "case <unknown id>"
    path = error.get("path") or "<root>"
    print(f"error: {where}{case}: {path}: {error.get('message')}", file=sys.stderr)


class _Lines:
    """A JSONL file written one whole line per `write` call, flushed at once."""

    def __init__(self, path: Path | None, *, append: bool) -> None:
        self.path = path
        self.append = append
        self._handle: Any = None

    @property
    def enabled(self) -> bool:
        return self.path is not None

    def __enter__(self) -> _Lines:
        if self.path is not None:
            # Unbuffered: each line is one os-level write, never split by a buffer boundary.
            self._handle = self.path.open("ab" if self.append else "wb", buffering=0)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._handle is not None:
            self._handle.close()

    def write(self, record: str) -> None:
        view = memoryview((record + "\n").encode("utf-8"))
        while view:
            view = view[self._handle.write(view) :]


@contextmanager
def _stop_on_sigint(stop: threading.Event) -> Iterator[None]:
    """The first Ctrl-C asks the loop to stop after the line in hand; a second one aborts."""

    def handler(signum: int, frame: FrameType | None) -> None:
        stop.set()
        signal.signal(signal.SIGINT, signal.default_int_handler)

    try:
        previous = signal.signal(signal.SIGINT, handler)
    except ValueError:  # not the main thread, where Ctrl-C is never delivered
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


class _Progress:
    """A one-line counter on stderr, redrawn at most ten times a second."""

    def __init__(self, *, enabled: bool) -> None:
        self.enabled = enabled
        self.started = time.monotonic()
        self.drawn = 0.0

    def update(self, ok: int, failed: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.drawn < 0.1:
            return
        self.drawn = now
        rate = (ok + failed) / max(now - self.started, 1e-9)
        sys.stderr.write(f"\r{ok + failed} cases, {failed} failed, {rate:.0f}/s ")
        sys.stderr.flush()

    def finish(self) -> None:
        if self.enabled and self.drawn:
            sys.stderr.write("\n")
            sys.stderr.flush()


def _resume(out: Path) -> set[str]:
    """Case ids already in `out`, after cutting off a last line left unfinished."""
    done: set[str] = set()
    if not out.exists():
        return done
    with out.open("r+b") as handle:
        complete = 0
        for number, line in enumerate(handle, start=1):
            if not line.endswith(b"\n"):
                break
            try:
                case_id = json.loads(line)["case_id"]
            except (ValueError, KeyError, TypeError):
                raise ValueError(
                    f"{out} line {number} is not a batch result; cannot resume"
                ) from None
            done.add(str(case_id))
            complete += len(line)
        handle.truncate(complete)
    return done


def csv_cell(value: object) -> str:
    """A CSV cell that a spreadsheet will not run as a formula."""
    if value is None:
        return ""
    text = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def write_summary(results: Path, summary: Path) -> None:
    """The CSV summary of every line of `results`, put in place only once complete."""
    import csv

    from .formulation.model import Formulation
    from .tabular import SUMMARY_COLUMNS, summary_row

    tmp = summary.with_name(f".{summary.name}.{os.getpid()}.tmp")
    try:
        with (
            tmp.open("w", encoding="utf-8", newline="") as handle,
            results.open("rb") as lines,
        ):
            writer = csv.writer(handle)
            writer.writerow(SUMMARY_COLUMNS)
            for line in lines:
                record = json.loads(line)
                f = Formulation.model_validate(record["formulation"])
                row = summary_row(f, source=record.get("source"))
                writer.writerow([csv_cell(row[column]) for column in SUMMARY_COLUMNS])
        os.replace(tmp, summary)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
