#!/usr/bin/env python3
"""The benchmark suite of wasm2pyext: one command, `python bench/run.py [--quick]`.

It installs what it needs (clang, lld and valgrind through apt-get when missing; the peers
through pip; the lz4 and zstd sources from their PyPI sdists), builds the kernels of
bench/kernels/ and the programs of bench/programs/ natively (clang -O2, gcc -O2
-fno-math-errno), through wabt's wasm2c, with wasm2pyext (ours) and with wasmext, checks
that every runtime computes the same results, then measures, interleaving the runtimes
and repeating:

  - per-call cost of sum(5, 37) from a Python loop, beside the floors: a Python
    function, operator.add, and the same add in a C callable that is not a builtin;
    again on CPython 3.13 where it is installed;
  - per-call cost of a Wasm -> Python host call, beside deque(map(f, range(n)), maxlen=0);
  - each kernel's time, and its ratio to the faster native build;
  - the same for two larger real programs: lz4 and zstd compress/decompress round trips;
  - whole-process start-up: new interpreter -> import -> instantiate -> first result
    (and its instructions under callgrind);
  - build time of each kernel module, ours beside wasmext's, and of a big module people
    ship (PyPI's QuickJS reactor), first and again for the stable ABI;
  - memory copy throughput in and out, through the buffer and through typed views;
  - control: the cost of the polls that let Wasm code be stopped, two calls on two
    threads against one thread, a Python thread's stall beside a long call, and how
    soon interrupt(), a deadline and SIGINT stop a call;
  - WASI: fd_write and clock_time_get per call and a command's start-up, beside
    wasmtime-py and native C;
  - SIMD: kernels built with and without wasm32 SIMD, beside wasmtime-py and native C.

`--only control` (or wasi, simd, bigbuild; comma-separated) runs just those parts, building only
what they need: a quick way to work on them.

Each part is a module of bench/suite/ (its __init__ says which does what).

It writes bench/RESULTS.md (medians, ratios, the machine, versions). Timings are figures
to read, never asserts. A runtime whose results disagree with native C is marked so and
its timings of that kernel are not counted.
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

from suite import (bigbuild, buildtime, calls, control, hostcalls, kernels, memory, programs, report, simd,
                   startup, wasi)
from suite.builds import build_all, build_core
from suite.common import BENCH, BUILD, KERNEL_ROUNDS, log
from suite.install import build_wasm_if_missing, ensure_peers, ensure_tools, ensure_wasm2pyext
from suite.state import Suite
from suite.timing import pin_to_quietest_cpu

# The parts of a run, in their order (--only takes a comma-separated list of them).
PARTS = {"kernels": kernels, "programs": programs, "calls": calls, "host": hostcalls, "startup": startup,
         "build": buildtime, "bigbuild": bigbuild, "memory": memory, "control": control, "wasi": wasi,
         "simd": simd}
# The parts that need only builds.build_core (and build the rest they need themselves).
LIGHT_PARTS = {"control", "wasi", "simd", "bigbuild"}


def arguments(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="a short run: fewer rounds and smaller loops")
    ap.add_argument("--rounds", type=int,
                    help=f"rounds of the interleaved timings (default 9, the kernels {KERNEL_ROUNDS}; quick 3)")
    ap.add_argument("--no-install", action="store_true", help="install nothing; measure what is there")
    ap.add_argument("--only", help=f"comma-separated parts: {','.join(PARTS)}")
    ap.add_argument("-o", "--output", type=Path, default=None,
                    help="where to write the results (default bench/RESULTS.md; --quick: bench/build/RESULTS-quick.md)")
    args = ap.parse_args(argv)
    unknown = [p for p in (args.only or "").split(",") if p and p not in PARTS]
    if unknown:
        ap.error(f"--only: no part {', '.join(unknown)} (the parts: {', '.join(PARTS)})")
    return args


def pin(suite) -> None:
    if suite.cpus:
        cpu, speed = pin_to_quietest_cpu(suite.cpus)  # after the builds, which use every CPU
        suite.pinning = (f"timings pinned to CPU {cpu}, the quickest in a probe loop (medians: "
                         + ", ".join(f"CPU {c} {t * 1e3:.1f} ms" for c, t in speed.items()) + ")")
    else:
        suite.pinning = "timings not pinned (no CPU affinity on this platform)"
    log(suite.pinning)


def main(argv=None) -> int:
    args = arguments(argv)
    t0 = time.perf_counter()
    random.seed()
    ensure_tools(not args.no_install)
    ensure_wasm2pyext(not args.no_install)
    peers = ensure_peers(not args.no_install)
    build_wasm_if_missing()
    suite = Suite(args, peers)
    chosen = args.only.split(",") if args.only else list(PARTS)
    if set(chosen) <= LIGHT_PARTS:
        build_core(suite)  # these parts build what else they need themselves
    else:
        build_all(suite)
    pin(suite)
    for name in chosen:
        log(f"== {name}")
        PARTS[name].measure(suite)
    out = args.output or (BUILD / "RESULTS-quick.md" if args.quick or args.only else BENCH / "RESULTS.md")
    report.write(suite, out, time.perf_counter() - t0)
    print("\n".join(suite.headline))
    if suite.failures:
        print("failures:\n  " + "\n  ".join(suite.failures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
