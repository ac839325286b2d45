"""Run the WebAssembly spec suite against wasm2pyext.

    python -m tests.spec.runner                  every file (or $WASM2PYEXT_SPEC_FILES)
    python -m tests.spec.runner i32 call -v      some files, listing their failures
    python -m tests.spec.runner --update         ... and rewrite tests/spec/RESULTS.md
    python -m tests.spec.runner i32 --json       one file in this process, its FileResult as JSON

Each file runs in its own subprocess (`NAME --stream`), so a crash or a hang in the compiled
code fails that file only. Environment: WASM2PYEXT_SPECTEST (the suite's directory),
WASM2PYEXT_SPEC_FILES (comma-separated names), WASM2PYEXT_SPEC_TIMEOUT (seconds per file).
"""
from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterable, Iterator, TextIO

from .interpreter import ApiUnavailable, ScriptInterpreter, load_api
from .results import (RESULTS_PATH, Failure, FileResult, failure_block, one_line, ratchet,
                      read_recorded, updated_results)
from .script import (Command, all_files, count_commands, estimated_cost, is_counted, json_path,
                     load_commands, selected_files)

REPO_ROOT = Path(__file__).resolve().parents[2]
TIMEOUT_ENV = "WASM2PYEXT_SPEC_TIMEOUT"
DEFAULT_TIMEOUT = 300.0

Report = Callable[[int, Command, str | None], None]


# ---- one file, in this process ----------------------------------------------------------

def record(result: FileResult, command: Command, reason: str | None) -> None:
    if reason is None:
        result.passed += 1
    else:
        result.failures.append(Failure(command["line"], command["type"], reason))


def run_file(name: str, report: Report | None = None) -> FileResult:
    """Run one script in this process; `report` hears each counted command as it finishes."""
    commands = load_commands(name)
    counts = count_commands(commands)
    result = FileResult(name, counts.counted, text_format=counts.text_format)
    started = time.monotonic()
    try:
        interpreter = ScriptInterpreter(load_api(), json_path(name).parent)
        for index, command, reason in interpreter.run(commands):
            record(result, command, reason)
            if report is not None:
                report(index, command, reason)
    except ApiUnavailable as exc:
        result.error = str(exc)
    except Exception as exc:  # e.g. the spectest host objects could not be made
        result.error = one_line(f"driver stopped: {type(exc).__name__}: {exc}")
    result.seconds = round(time.monotonic() - started, 2)
    return result


def claim_stdout() -> TextIO:
    """Keep the real stdout for our results and point fd 1 at stderr, so that whatever else
    writes there (a C compiler, host functions) cannot corrupt them."""
    sys.stdout.flush()
    results = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    return results


def stream_file(name: str, out: TextIO) -> None:
    """The child's side: one JSON line per counted command, then {"result": FileResult}."""
    def report(index: int, command: Command, reason: str | None) -> None:
        event = {"i": index} if reason is None else {"i": index, "reason": reason}
        out.write(json.dumps(event) + "\n")
        out.flush()

    result = run_file(name, report)
    out.write(json.dumps({"result": result.to_json()}) + "\n")
    out.flush()


# ---- one file, in a subprocess ----------------------------------------------------------

class _Children:
    """The subprocesses running now, so an interrupted run can end them (and their compilers)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._procs: set[subprocess.Popen[bytes]] = set()

    @contextmanager
    def track(self, proc: subprocess.Popen[bytes]) -> Iterator[None]:
        with self._lock:
            self._procs.add(proc)
        try:
            yield
        finally:
            with self._lock:
                self._procs.discard(proc)

    def kill_all(self) -> None:
        with self._lock:
            procs = list(self._procs)
        for proc in procs:
            kill_group(proc)


_children = _Children()


def kill_group(proc: subprocess.Popen[bytes]) -> None:
    """End a child we started in its own session, with anything it started."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def default_timeout() -> float:
    return float(os.environ.get(TIMEOUT_ENV) or DEFAULT_TIMEOUT)


def child_command(name: str) -> list[str]:
    return [sys.executable, "-m", "tests.spec.runner", name, "--stream"]


def run_file_isolated(name: str, timeout: float | None = None, env: dict[str, str] | None = None) -> FileResult:
    """Run one script in a subprocess: a crash or a hang there fails this file only."""
    timeout = timeout or default_timeout()
    started = time.monotonic()
    proc = subprocess.Popen(child_command(name), cwd=REPO_ROOT, stdin=subprocess.DEVNULL, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    stopped = None
    with _children.track(proc):
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            kill_group(proc)
            out, err = proc.communicate()
            stopped = f"timed out after {timeout:g} s"
    result = result_from_stream(name, load_commands(name), out.decode("utf-8", "replace"),
                                proc.returncode, stopped, last_line(err.decode("utf-8", "replace")))
    result.seconds = round(time.monotonic() - started, 2)
    return result


def last_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return one_line(lines[-1], 200) if lines else ""


def exit_description(returncode: int) -> str:
    if returncode < 0:
        try:
            return f"crashed with {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exited with code {returncode}"


def result_from_stream(name: str, commands: list[Command], stream: str, returncode: int,
                       stopped: str | None, stderr_tail: str) -> FileResult:
    """A FileResult from a child's output. A child that stopped early still gets credit for
    the commands it reported; the rest count as failing."""
    events = []
    for line in stream.splitlines():
        try:
            events.append(json.loads(line))
        except ValueError:
            continue  # not ours
    final = next((e["result"] for e in events if "result" in e), None)
    if final is not None:
        result = FileResult.from_json(final)
        if returncode != 0 and result.error is None:
            result.error = f"{exit_description(returncode)} after all commands ran"
        return result

    counts = count_commands(commands)
    result = FileResult(name, counts.counted, text_format=counts.text_format)
    last = -1
    for event in events:
        if "i" in event:
            record(result, commands[event["i"]], event.get("reason"))
            last = event["i"]
    why = stopped or exit_description(returncode)
    running = next((c for c in commands[last + 1:] if is_counted(c)), None)
    where = f" at line {running['line']} ({running['type']})" if running else ""
    not_run = result.total - result.passed - len(result.failures)
    result.error = f"{why}{where}; {not_run} commands not run"
    if stderr_tail:
        result.error += f"; stderr: {stderr_tail}"
    return result


# ---- many files, in parallel ------------------------------------------------------------

class ParallelRun:
    """Files run in subprocesses, `jobs` at a time, slowest first; results on demand."""

    def __init__(self, names: Iterable[str], jobs: int | None = None,
                 timeout: float | None = None) -> None:
        self.timeout = timeout
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=jobs or os.cpu_count() or 1)
        slowest_first = sorted(names, key=lambda n: (-estimated_cost(load_commands(n)), n))
        self._futures = {name: self._pool.submit(run_file_isolated, name, timeout)
                         for name in slowest_first}

    def result(self, name: str) -> FileResult:
        """The result of one file; one not scheduled at the start runs now."""
        future = self._futures.get(name)
        return future.result() if future else run_file_isolated(name, self.timeout)

    def as_completed(self) -> Iterator[FileResult]:
        for future in concurrent.futures.as_completed(self._futures.values()):
            yield future.result()

    def close(self) -> None:
        for future in self._futures.values():
            future.cancel()
        _children.kill_all()
        self._pool.shutdown(wait=True)

    def __enter__(self) -> ParallelRun:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def run_all(names: Iterable[str], jobs: int | None = None, timeout: float | None = None,
            on_result: Callable[[FileResult], None] | None = None) -> dict[str, FileResult]:
    """Run files in parallel subprocesses; their results by name, sorted."""
    results = {}
    with ParallelRun(names, jobs or os.cpu_count(), timeout) as run:
        for result in run.as_completed():
            results[result.name] = result
            if on_result is not None:
                on_result(result)
    return dict(sorted(results.items()))


def update_results_file(results: Iterable[FileResult], path: Path = RESULTS_PATH) -> None:
    old = path.read_text(encoding="utf-8") if path.is_file() else ""
    path.write_text(updated_results(old, list(results)), encoding="utf-8")


# ---- the command line -------------------------------------------------------------------

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.spec.runner",
                                     description="Run the WebAssembly spec suite against wasm2pyext.")
    parser.add_argument("names", nargs="*", help="spec files (default: all of them)")
    parser.add_argument("--update", action="store_true", help="rewrite tests/spec/RESULTS.md")
    parser.add_argument("--json", action="store_true",
                        help="run one file in this process and print its FileResult as JSON")
    parser.add_argument("--stream", action="store_true", help=argparse.SUPPRESS)  # the child's mode
    parser.add_argument("-j", "--jobs", type=int, default=os.cpu_count(), help="files at a time")
    parser.add_argument("--timeout", type=float, default=None,
                        help=f"seconds per file (default ${TIMEOUT_ENV} or {DEFAULT_TIMEOUT:g})")
    parser.add_argument("-v", "--verbose", action="store_true", help="list failing commands")
    args = parser.parse_args(argv)
    if (args.json or args.stream) and len(args.names) != 1:
        parser.error("--json and --stream take exactly one file name")
    unknown = sorted(set(args.names) - set(all_files()))
    if unknown:
        parser.error(f"unknown spec files: {', '.join(unknown)}")
    return args


def warn_if_unusable() -> None:
    try:
        load_api()
    except ApiUnavailable as exc:
        print(f"warning: {exc}; every file will fail", file=sys.stderr)


def print_summary(results: dict[str, FileResult], verbose: bool) -> None:
    width = max((len(name) for name in results), default=4)
    for result in results.values():
        note = f"  ({result.error})" if result.error and not verbose else ""
        print(f"{result.name:<{width}}  {result.passed:>5}/{result.total:<5}{note}")
        if verbose and result.failing:
            print("\n".join("    " + line for line in failure_block(result)))
    passed = sum(r.passed for r in results.values())
    total = sum(r.total for r in results.values())
    text_format = sum(r.text_format for r in results.values())
    print(f"{'total':<{width}}  {passed:>5}/{total:<5}  (not counted (text format): {text_format})")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.stream or args.json:
        out = claim_stdout()
        if args.stream:
            stream_file(args.names[0], out)
        else:
            out.write(json.dumps(run_file(args.names[0]).to_json(), indent=1) + "\n")
        out.flush()
        return 0

    names = args.names or selected_files()
    warn_if_unusable()
    done = 0

    def progress(result: FileResult) -> None:
        nonlocal done
        done += 1
        print(f"[{done}/{len(names)}] {result.name}: {result.passed}/{result.total}"
              f" ({result.seconds:.1f} s)", file=sys.stderr, flush=True)

    results = run_all(names, args.jobs, args.timeout, progress)
    print_summary(results, args.verbose)
    if args.update:
        update_results_file(results.values())
        print(f"wrote {RESULTS_PATH}")
        return 0
    recorded = read_recorded()
    verdicts = [ratchet(result, recorded.get(name)) for name, result in results.items()]
    for verdict in verdicts:
        if not verdict.ok or verdict.improved:
            print(("REGRESSION " if not verdict.ok else "") + verdict.message.splitlines()[0])
    return 0 if all(v.ok for v in verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
