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
from contextlib import contextmanager, suppress
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .batch import BatchResult
    from .errors import CaseError
    from .model.case import Case

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INVALID, EXIT_INTERRUPTED = 0, 1, 2, 3, 130

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

_EPILOG = """examples:
  iptformulate batch cases/ --out results.jsonl --errors errors.jsonl --summary summary.csv
  iptformulate batch 'intake/**/*.yaml' more.jsonl --out results.jsonl --workers 4
  iptformulate batch cases/ --out results.jsonl --resume
  iptformulate batch mixed/ --out results.jsonl --profile auto

exit status: 0 every case formulated, 1 some case failed (see --errors), 2 usage error
(output paths included), 3 an input or --out file cannot be read or an output cannot be
written, 130 interrupted by Ctrl-C or SIGTERM (run again with --resume).
"""


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the `batch` subcommand."""
    from .rulepack.load import profile_help

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
        help=profile_help(),
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
    from .batch import CaseFile, formulate_many
    from .errors import CaseError
    from .loading import case_paths, read_file

    if args.workers < 1:
        print("error: --workers must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    out = Path(args.out)
    errors_path = Path(args.errors) if args.errors else None
    summary_path = Path(args.summary) if args.summary else None
    problem = check_outputs(out, errors_path, summary_path)
    if problem is not None:
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_USAGE
    ours = {p.resolve() for p in (out, errors_path) if p is not None}
    paths = [p for s in args.inputs for p in case_paths(s) if p.resolve() not in ours]
    done: set[str] = set()
    if args.resume:
        try:
            done = _resume(out)
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_INVALID
        except OSError as exc:
            print(f"error: cannot resume from {out} ({exc.strerror})", file=sys.stderr)
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

    # With workers, each one-case file is read and validated by the worker that formulates
    # it, not by this process (which would otherwise do most of the work alone); resuming
    # and pseudonymising need the case here first.
    in_workers = args.workers > 1 and key is None and not args.resume

    def inputs() -> Iterator[tuple[str, Case | CaseFile] | CaseError]:
        # A case's source is its file (for JSONL, the file; its errors also name the line).
        # Pseudonymised, every source and case id is a keyed pseudonym, errors included.
        nonlocal skipped
        from .redaction import redact

        for path in paths:
            if in_workers and path.suffix != ".jsonl":
                yield str(path), CaseFile(str(path))
                continue
            for item in read_file(path):
                if isinstance(item, CaseError):
                    yield item if key is None else _pseudonymous_error(item, key)
                    continue
                case = redact(item, key=key) if key is not None else item
                if case.id in done:
                    skipped += 1
                else:
                    yield _source(str(path), key), case

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
            _stop_on_signals(stop),
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
    except OSError as exc:  # a full disk, a file gone read-only: whole lines only remain
        print(f"error: cannot write {exc.filename or 'an output file'}: {exc.strerror}",
              file=sys.stderr)  # fmt: skip
        return EXIT_INVALID
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
    if summary_path is not None:
        try:
            write_summary(out, summary_path)
        except OSError as exc:
            print(f"error: cannot write {summary_path}: {exc.strerror}", file=sys.stderr)
            return EXIT_INVALID
    if not args.quiet:
        line = f"batch: {ok} formulated, {failed} failed"
        if args.resume:
            line += f", {skipped} already in {out}"
        if failed and errors_path is not None:
            line += f" (see {errors_path})"
        print(line, file=sys.stderr)
    return EXIT_FAILED if failed else EXIT_OK


def check_outputs(out: Path, errors: Path | None, summary: Path | None) -> str | None:
    """What is wrong with the output paths, before any case is read: each must be a new or
    regular file in an existing, writable folder, and no two may be the same file."""
    named = [("--out", out), ("--errors", errors), ("--summary", summary)]
    seen: dict[Path, str] = {}
    for option, path in named:
        if path is None:
            continue
        where = path.resolve()
        if where in seen or any(_same_file(path, other) for other in seen):
            first = seen.get(where) or next(o for p, o in seen.items() if _same_file(path, p))
            return f"{option} and {first} name the same file; results would be overwritten"
        seen[where] = option
        folder = where.parent
        if path.exists() and not path.is_file():
            return f"{option} {path} is not a regular file"
        if not folder.is_dir():
            return f"{option} {path}: the folder {folder} does not exist"
        writable = os.access(path, os.W_OK) if path.exists() else os.access(folder, os.W_OK)
        if not writable:
            return f"{option} {path} cannot be written (permissions)"
    return None


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def _source(source: str, key: bytes | None) -> str:
    """The source written for a case: its file, or under `--pseudonymize` a keyed pseudonym
    of it (the file name may be the client's name)."""
    if key is None:
        return source
    from .redaction import pseudonym

    return pseudonym("source", source, key)


def _pseudonymous_error(exc: CaseError, key: bytes) -> CaseError:
    """A read error with its file and case id replaced by keyed pseudonyms."""
    from .errors import CaseError
    from .redaction import pseudonym

    return CaseError(
        exc.reason,
        source=_source(exc.source, key) if exc.source else None,
        case_id=pseudonym("case", exc.case_id, key) if exc.case_id else None,
        path=exc.path,
        problems=exc.problems,
    )


def _pseudonym_key(args: argparse.Namespace) -> bytes | None:
    """The secret for keyed pseudonyms; never a default, so pseudonyms are not guessable."""
    raw: bytes | None = None
    if args.key_file:
        from .limits import LimitProblem, read_regular

        try:
            raw = read_regular(args.key_file, 65536).strip()
        except (OSError, LimitProblem):
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
        """One whole line, or (on a write error such as a full disk) nothing: a part
        written is cut off again before the `OSError`, naming the file, propagates."""
        view = memoryview((record + "\n").encode("utf-8"))
        handle = self._handle
        start = os.fstat(handle.fileno()).st_size  # appending or fresh: the end of the file
        try:
            while view:
                view = view[handle.write(view) :]
        except OSError as exc:
            with suppress(OSError):
                os.ftruncate(handle.fileno(), start)
            raise OSError(exc.errno, exc.strerror, str(self.path)) from None


@contextmanager
def _stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """The first Ctrl-C or SIGTERM asks the loop to stop after the line in hand (the pool
    is then shut down, workers included); a second one aborts at once."""

    def handler(signum: int, frame: FrameType | None) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()

    signals = [signal.SIGINT, signal.SIGTERM]
    try:
        previous = {sig: signal.signal(sig, handler) for sig in signals}
    except ValueError:  # not the main thread, where signals are never delivered
        yield
        return
    try:
        yield
    finally:
        for sig, action in previous.items():
            signal.signal(sig, action)


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
    if not out.is_file():
        raise ValueError(f"{out} is not a regular file; cannot resume")
    with out.open("r+b") as handle:
        complete = 0
        for number, line in enumerate(handle, start=1):
            if not line.endswith(b"\n"):
                break
            try:
                case_id = json.loads(line)["case_id"]
            except (ValueError, KeyError, TypeError, RecursionError):
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
