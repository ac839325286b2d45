"""Runs the wasi-testsuite's preview 1 programs (../shared/wasi-testsuite) the way its
README says a runner must: each in a fresh process, stdin a pipe, its spec's args, env
and root (a copy, preopened as "/"), exit code and stdout/stderr prefixes compared. Two
ways: through the public API (wasm2pyext.run with Python stdio objects, in a child
process) and through `python -m wasm2pyext run` (real file descriptors), the latter by
the suite's own run_suite.py.

The programs are built with -O0 (WASM2PYEXT_CFLAGS): the suite checks WASI behaviour,
not code speed, and -O0 builds the 72 in a tenth of the time. Both ways share one build.

    python -m tests.wasi.suite            # run all, print the table
    python -m tests.wasi.suite --update   # ... and write tests/wasi/RESULTS.md
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
RESULTS = Path(__file__).with_name("RESULTS.md")
FOLDERS = ("c", "assemblyscript", "rust")
TIMEOUT = 5.0  # the reference runner's, per run
CFLAGS = "-O0"

# The API way: a child process running one program with wasm2pyext.run.
CHILD = r'''
import json, os, sys
import wasm2pyext
path, spec = sys.argv[1], json.loads(sys.argv[2])
config = wasm2pyext.WasiConfig(args=[os.path.basename(path), *spec["args"]], env=spec["env"],
                               preopens={"/": spec["root"]} if spec["root"] else None)
try:
    code = wasm2pyext.run(path, wasi=config)
except wasm2pyext.Trap as e:
    print(e, file=sys.stderr)
    code = 134
sys.stdout.flush()
os._exit(code & 0xFF)
'''


def suite_dir() -> Path:
    """$WASM2PYEXT_WASI_TESTSUITE, else <repo>/../shared/wasi-testsuite."""
    env = os.environ.get("WASM2PYEXT_WASI_TESTSUITE")
    return Path(env) if env else REPO.parent / "shared" / "wasi-testsuite"


def programs() -> list[str]:
    """Every program, as its path under tests/ (c/testsuite/wasm32-wasip1/NAME.wasm)."""
    base = suite_dir() / "tests"
    return sorted(str(p.relative_to(base)) for folder in FOLDERS
                  for p in (base / folder / "testsuite" / "wasm32-wasip1").glob("*.wasm"))


def _run_suite_module():
    spec = importlib.util.spec_from_file_location("wasi_run_suite", suite_dir() / "run_suite.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["WASM2PYEXT_CFLAGS"] = CFLAGS
    env["PYTHONPATH"] = os.pathsep.join([str(REPO)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    return env


def build(program: str) -> None:
    """Builds (or finds in the cache) the program, with the options the runs use."""
    from wasm2pyext.build import BuildOptions, cached_extension
    from wasm2pyext.toolchain import Toolchain

    wasm = (suite_dir() / "tests" / program).read_bytes()
    cached_extension(wasm, BuildOptions(toolchain=Toolchain.default(cflags=CFLAGS)))


def run_program(program: str, way: str) -> str | None:
    """Runs one program one way ("api" or "cli") on a fresh copy of its root: None when it
    passes, else why not."""
    rs = _run_suite_module()
    wasm = suite_dir() / "tests" / program
    spec = rs.load_spec(wasm)
    with tempfile.TemporaryDirectory(prefix="w2p-wasi-") as tmp:
        if spec["root"]:
            root = Path(tmp) / "root"
            shutil.copytree(spec["root"], root, symlinks=True)
            for p in [root, *root.rglob("*")]:
                if not p.is_symlink():
                    p.chmod(p.stat().st_mode | 0o200)
            rs.cleanup(str(root))
            spec["root"] = str(root)
        env = child_env()
        if way == "api":
            argv = [sys.executable, "-c", CHILD, str(wasm), json.dumps(spec)]
        else:
            argv = [sys.executable, "-m", "wasm2pyext", "run"]
            for k, v in spec["env"].items():
                argv += ["--env", f"{k}={v}"]
            if spec["root"]:
                argv += ["--dir", f"{spec['root']}::/"]
            argv += [str(wasm), *spec["args"]]
        try:
            p = subprocess.run(argv, stdin=subprocess.PIPE, capture_output=True, timeout=TIMEOUT, env=env)
        except subprocess.TimeoutExpired:
            return f"timeout ({TIMEOUT:g} s)"
        out, err = p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")
        if p.returncode != spec["exit_code"]:
            return f"exit {p.returncode} != {spec['exit_code']}: {err[-300:]!r}"
        if spec["stdout"] is not None and out[:len(spec["stdout"])] != spec["stdout"]:
            return f"stdout {out[:200]!r} != {spec['stdout']!r}"
        if spec["stderr"] is not None and err[:len(spec["stderr"])] != spec["stderr"]:
            return f"stderr {err[:200]!r} != {spec['stderr']!r}"
    return None


def recorded() -> dict[str, dict[str, str]]:
    """RESULTS.md: program -> {"api": "pass"|"FAIL", "cli": ...}."""
    rows = {}
    if RESULTS.exists():
        for line in RESULTS.read_text().splitlines():
            cells = [c.strip() for c in line.strip("|").split("|")]
            if len(cells) >= 3 and cells[0].endswith(".wasm"):
                rows[cells[0]] = {"api": cells[1], "cli": cells[2]}
    return rows


def write_results(results: dict[str, dict[str, str | None]]) -> None:
    passed = {way: sum(r[way] is None for r in results.values()) for way in ("api", "cli")}
    lines = ["# wasi-testsuite results", "",
             "Generated by `python -m tests.wasi.suite --update`; do not edit by hand. "
             "`tests/wasi/test_wasi_suite.py` fails when a program recorded as `pass` stops passing.", "",
             f"Through the API: {passed['api']}/{len(results)}; through `wasm2pyext run`: "
             f"{passed['cli']}/{len(results)}.", "",
             "| program | api | cli | why not |", "|---|---|---|---|"]
    for program, r in sorted(results.items()):
        why = "; ".join(f"{way}: {r[way]}" for way in ("api", "cli") if r[way])
        lines.append(f"| {program} | {'pass' if r['api'] is None else 'FAIL'} | "
                     f"{'pass' if r['cli'] is None else 'FAIL'} | {why.replace('|', '/')[:300]} |")
    RESULTS.write_text("\n".join(lines) + "\n")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--update", action="store_true", help="write tests/wasi/RESULTS.md")
    ap.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args()
    names = programs()
    with ThreadPoolExecutor(args.jobs) as pool:
        list(pool.map(build, names))
        runs = pool.map(lambda n: (n, run_program(n, "api"), run_program(n, "cli")), names)
        results = {n: {"api": a, "cli": c} for n, a, c in runs}
    for n, r in sorted(results.items()):
        status = "ok  " if r["api"] is None and r["cli"] is None else "FAIL"
        print(status, n, r["api"] or "", r["cli"] or "")
    if args.update:
        write_results(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
