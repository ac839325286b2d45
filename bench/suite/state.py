"""What a run carries from part to part: its options, what was built, and the report
(tables, headline lines, failures) the parts add to."""
from __future__ import annotations

import os
import textwrap
from typing import Callable

from .common import KERNEL_ROUNDS, PROGRAMS
from .runtimes import PyRuntime
from .timing import timed_runs


class Suite:
    def __init__(self, args, peers):
        self.args = args
        self.peers = peers
        self.quick = args.quick
        self.rounds = args.rounds or (3 if args.quick else 9)
        # The kernels' rounds decide the compute bar, and the quiet-turns table keeps only
        # some of them (2 to 6 of 9 for the sieve in session 7's runs): more of them.
        self.kernel_rounds = args.rounds or (3 if args.quick else KERNEL_ROUNDS)
        self.tables: list[str] = []
        self.headline: list[str] = []
        self.failures: list[str] = []
        self.pinning = "timings not pinned"
        # the CPUs this process may run on, for pin_to_quietest_cpu (none: no CPU affinity)
        self.cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
        self.repins: list[tuple[int, float]] = []  # (CPU, its probe seconds) of each re-pinning
        # What the builds (builds.build_core, build_all) make
        self.data = b""              # the checksum kernel's input
        self.native = {}             # compiler -> the kernels' shared library
        self.ours_failed = {}        # kernel or program -> why wasm2pyext's build failed
        self.have_wasmext = False
        self.wasm2c = None           # the kernels' wasm2c harness
        self.py = {}                 # the runtimes in this process (runtimes.python_runtimes)
        self.check_data = b""        # the programs' checked input
        self.native_programs = {}    # (compiler, program) -> shared library
        self.wasm2c_programs = {}    # program -> wasm2c harness
        self.wasmext_programs = set()
        self.program_build_times = {p: {} for p in PROGRAMS}
        # What one part leaves for another
        self.kernel_ratios = None    # the kernels' ratios to native, for the programs' geomean
        self.wasm_reference = None   # the programs' reference Wasm runtime

    def add_table(self, text: str, rows=()) -> None:
        """A section of the report: its text (dedented) and its table's rows."""
        self.tables.append(textwrap.dedent(text) + "\n".join(rows) + "\n")

    def python_round(self, who: str, rt: PyRuntime, r: int, inner: int, names, handles: dict, measure: Callable,
                     results: dict, times: dict, labels: dict, warm_up: bool = True) -> None:
        """Round r of Python runtime `who` over names (kernels or programs): measure(handle,
        name) -> (result, seconds), `inner` times a round (scaled for slow runtimes), after a
        warm-up in the first round. A runtime that raises is reported and dropped."""
        if rt.inner_scale == 0.0 and r >= max(2, self.rounds // 3):
            return  # an interpreter: a few rounds are enough
        n_inner = max(1, round(inner * rt.inner_scale))
        for name in names:
            h = handles.get((who, name))
            if h is None:
                continue
            try:
                results[(who, name)], ts = timed_runs(lambda: measure(h, name), n_inner, r == 0 and warm_up)
                times[(who, name)] += ts
            except Exception as e:
                self.failures.append(f"{labels[who]}: {name} raised {type(e).__name__}: {e}")
                handles.pop((who, name))
