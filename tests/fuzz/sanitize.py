"""AddressSanitizer + UndefinedBehaviorSanitizer over the runtime and generated code.

    python -m tests.fuzz.sanitize                        both build kinds: spec suite + 300 fuzz modules each
    python -m tests.fuzz.sanitize --kinds guard --spec i32,memory_trap --fuzz 20
    python -m tests.fuzz.sanitize --work /tmp/san        (default work folder: /tmp/w2p-sanitize)

Not run in CI (an instrumented cold build of the whole spec suite takes tens of minutes).
Exit status 1 when a sanitizer reported anything (or the canary went unreported).

How it works:
- WASM2PYEXT_CFLAGS="-fsanitize=address,undefined ..." instruments the runtime (shim, w2p_rt*.c,
  glue) and every generated module; cache keys include the flags, and WASM2PYEXT_CACHE points
  at a folder of this run's own, so nothing instrumented reaches the ordinary cache.
- CPython itself is not instrumented, so the sanitizer runtimes are preloaded (LD_PRELOAD of
  gcc's libasan and libubsan, ASan first) into the processes that load modules: the spec
  runner's per-file children and the diff-fuzz workers (tests/fuzz/diff.py; the wasmtime side
  and smith run without it). The C compiler must not get them: $CC is `env -u LD_PRELOAD gcc`,
  and sanitize_site/sitecustomize.py starts the compile limits' shell without them too.
- ASAN_OPTIONS: handle_segv=0 and allow_user_segv_handler=1, so the runtime's own SIGSEGV
  handler (the guard pages that turn an out-of-bounds Wasm access into a Trap) gets the
  fault and ASan does not call it a crash; detect_leaks=0 (CPython frees little at exit:
  that is not ours); detect_stack_use_after_return=0 (a fake stack would hide call depth
  from the runtime's stack-exhaustion check). UBSan keeps going after a report.
- Reports go to stderr (UBSan's runtime ignores log_path when ASan's is loaded too), so each
  spec child's stderr and the fuzz workers' go to files under <work>/<kind>/logs, which this
  script reads and groups.
- Before anything runs, a canary (sanitizer_canary.c: one heap overflow, one bad shift),
  built with the same flags and called from a preloaded Python, must be reported by both.

Build kinds: "guard" (the default build here: guard pages catch out-of-bounds accesses) and
"checks" (explicit bounds checks: BuildOptions.bounds_checks, the CLI's --bounds-checks;
the spec runner's WASM2PYEXT_SPEC_BOUNDS_CHECKS).
"""
from __future__ import annotations

import argparse
import collections
import os
import re
import shlex
import subprocess
import sys
import sysconfig
import time
from pathlib import Path
from typing import Optional

from tests.fuzz import diff

# Alignment is not checked: Wasm's accesses may be unaligned by design (the generated code
# does them with memcpy), so a report there would be about the spec, not about us.
SANITIZE_FLAGS = "-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize=alignment"
ASAN_OPTIONS = ("detect_leaks=0:handle_segv=0:allow_user_segv_handler=1:detect_stack_use_after_return=0"
                ":abort_on_error=0:halt_on_error=1")
UBSAN_OPTIONS = "print_stacktrace=1:halt_on_error=0"
KINDS = {"guard": None, "checks": True}  # name -> diff's bounds_checks
HERE = Path(__file__).resolve().parent


def sanitizer_library(name: str) -> str:
    path = subprocess.run(["gcc", f"-print-file-name={name}"], capture_output=True, text=True).stdout.strip()
    if not os.path.isabs(path) or not os.path.exists(path):
        raise SystemExit(f"gcc has no {name}: install gcc's sanitizer runtimes (libasan, libubsan)")
    return os.path.realpath(path)


def environments(work: Path, kind: str) -> tuple[dict[str, str], dict[str, str]]:
    """(the environment of a process that builds, of one that loads modules) for a kind:
    they differ only in LD_PRELOAD."""
    cc = os.environ.get("CC") or sysconfig.get_config_var("CC") or "gcc"
    base = {**os.environ,
            "WASM2PYEXT_CFLAGS": SANITIZE_FLAGS,
            "WASM2PYEXT_CACHE": str(work / "cache"),
            "CC": f"env -u LD_PRELOAD {cc}",
            "ASAN_OPTIONS": ASAN_OPTIONS, "UBSAN_OPTIONS": UBSAN_OPTIONS}
    base.pop("LD_PRELOAD", None)
    if KINDS[kind]:
        base["WASM2PYEXT_SPEC_BOUNDS_CHECKS"] = "1"
    loading = {**base, "LD_PRELOAD": f"{sanitizer_library('libasan.so')} {sanitizer_library('libubsan.so')}",
               "PYTHONPATH": os.pathsep.join(filter(None, [str(HERE / "sanitize_site"), os.environ.get("PYTHONPATH")]))}
    return base, loading


# ---- reports -----------------------------------------------------------------------------

def reports_in(text: str) -> collections.Counter:
    """Each distinct sanitizer report in a process's stderr, with how many times it came."""
    found: collections.Counter = collections.Counter()
    for line in text.splitlines():
        if "runtime error:" in line:  # UBSan: "FILE:LINE:COL: runtime error: WHAT"
            found["UBSan " + re.sub(r"^\S*/", "", line.strip())] += 1
    for match in re.finditer(r"ERROR: AddressSanitizer: (.*)", text):
        frame = re.search(r"#0 0x[0-9a-f]+ in (.*)", text[match.end():])
        found[f"ASan {match.group(1).split(' on ')[0]} in {frame.group(1) if frame else '?'}"] += 1
    return found


def reports(logs: Path) -> collections.Counter:
    """The reports in every log of a run. Both sanitizers write to stderr: UBSan's
    standalone runtime ignores log_path when ASan is loaded too, so the processes' stderr is
    what this script keeps (the spec children's and the fuzz workers', a file each)."""
    found: collections.Counter = collections.Counter()
    for path in sorted(logs.glob("*")):
        found.update(reports_in(path.read_text(errors="replace")))
    return found


def canary(work: Path, kind: str) -> Optional[str]:
    """None when both sanitizers report the canary's faults in a preloaded Python, else why not."""
    build, loading = environments(work, kind)
    work.mkdir(parents=True, exist_ok=True)
    lib = work / "canary.so"
    subprocess.run([*shlex.split(build["CC"]), "-shared", "-fPIC", *shlex.split(SANITIZE_FLAGS),
                    str(HERE / "sanitizer_canary.c"), "-o", str(lib)], check=True, env=build)
    code = f"import ctypes; lib = ctypes.CDLL({str(lib)!r}); lib.canary_shift(40); lib.canary_heap_overflow(8)"
    proc = subprocess.run([sys.executable, "-c", code], env=loading, capture_output=True, text=True)
    seen = " ".join(reports_in(proc.stderr))
    missing = [what for what in ("shift exponent", "heap-buffer-overflow") if what not in seen]
    return f"the canary's {' and '.join(missing)} went unreported" if missing else None


# ---- the two workloads ---------------------------------------------------------------------

def run_spec(work: Path, kind: str, names: Optional[list[str]], jobs: int) -> str:
    from tests.spec import runner
    from tests.spec.results import read_recorded
    from tests.spec.script import selected_files

    _, loading = environments(work, kind)
    logs = work / kind / "logs"
    plain_command = runner.child_command

    def logged_command(name: str) -> list[str]:
        # the runner keeps only the last line of a child's stderr: keep all of it, in a file
        return ["sh", "-c", f'exec "$@" 2>"{logs}/spec-{name}.stderr"', "sh", *plain_command(name)]

    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(loading)  # run_all's children inherit it; this process loads nothing
    runner.child_command = logged_command
    try:
        results = runner.run_all(names or selected_files(), jobs, timeout=1800)
    finally:
        runner.child_command = plain_command
        os.environ.clear()
        os.environ.update(saved)
    recorded = read_recorded()
    passed = sum(r.passed for r in results.values())
    total = sum(r.total for r in results.values())
    worse = [f"{name} {r.passed}/{r.total}" + (f" ({r.error})" if r.error else "")
             for name, r in results.items()
             if r.error or (recorded.get(name) and r.passed < recorded[name].passed)]
    line = f"spec: {len(results)} files, {passed}/{total} commands passed under the sanitizers"
    return line + ("; below RESULTS.md: " + "; ".join(worse) if worse else "")


def run_fuzz(work: Path, kind: str, count: int, seed: int, jobs: int) -> str:
    _, loading = environments(work, kind)
    # the parent (smith, wasmtime) runs as it is; only our workers load instrumented code
    summary = diff.run_many(list(range(seed, seed + count)), jobs, diff.Setup(bounds_checks=KINDS[kind]),
                            out=work / kind / "fuzz-disagreements", log=work / kind / "logs" / "fuzz-workers.stderr",
                            timeout=600, worker_env=loading)
    return "diff-fuzz: " + summary.text().replace("\n", "\n  ")


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz.sanitize", description=__doc__.split("\n\n")[0])
    parser.add_argument("--kinds", default="guard,checks", help="build kinds: guard, checks (default both)")
    parser.add_argument("--spec", default=None, help="spec files, comma-separated (default: every non-SIMD one)")
    parser.add_argument("--no-spec", action="store_true", help="skip the spec suite")
    parser.add_argument("--fuzz", type=int, default=300, help="diff-fuzz modules per kind (default 300)")
    parser.add_argument("--seed", type=int, default=1, help="the first diff-fuzz module")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--work", type=Path, default=Path("/tmp/w2p-sanitize"))
    args = parser.parse_args(argv)
    work = args.work.resolve()
    failed = False
    for kind in args.kinds.split(","):
        if kind not in KINDS:
            parser.error(f"unknown build kind {kind!r}")
        logs = work / kind / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        for old in logs.glob("*"):
            old.unlink()
        started = time.monotonic()
        problem = canary(work, kind)
        if problem:
            print(f"[{kind}] {problem}: the sanitizers are not working; stopping")
            return 1
        lines = []
        if not args.no_spec:
            lines.append(run_spec(work, kind, args.spec.split(",") if args.spec else None, args.jobs))
        if args.fuzz:
            lines.append(run_fuzz(work, kind, args.fuzz, args.seed, args.jobs))
        found = reports(logs)
        failed |= bool(found)
        print(f"[{kind}] {time.monotonic() - started:.0f} s; canary reported by both sanitizers")
        for line in lines:
            print(f"  {line}")
        print(f"  sanitizer reports: {sum(found.values())} ({len(found)} distinct)" + ("" if found else ", clean"))
        for what, n in found.most_common():
            print(f"    {n} x {what}")
        if found:
            print(f"  logs: {logs}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
