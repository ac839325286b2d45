"""Build time of each kernel module: `wasm2pyext build` beside `wasmext natify`, a new
process each time."""
from __future__ import annotations

import collections
import random
import shutil
import subprocess

from .builds import build_ours, build_wasmext
from .common import BUILD, KERNELS_DIR, MODULES
from .stats import median

BUILDERS = {"ours": build_ours, "wasmext": build_wasmext}


def measure(suite) -> None:
    reps = 1 if suite.quick else 3
    samples = collections.defaultdict(list)
    tmp = BUILD / "tmp-build"
    for _ in range(reps):
        for m in MODULES:
            tools = ["ours"] + (["wasmext"] if suite.have_wasmext else [])
            random.shuffle(tools)
            for tool in tools:
                shutil.rmtree(tmp, ignore_errors=True)
                tmp.mkdir(parents=True)
                try:
                    samples[(tool, m)].append(BUILDERS[tool](KERNELS_DIR / f"{m}.wasm", tmp, f"b_{m}"))
                except subprocess.CalledProcessError:
                    pass
    shutil.rmtree(tmp, ignore_errors=True)
    rows = []
    for m in MODULES:
        o = median(samples[("ours", m)])
        w = median(samples[("wasmext", m)]) if suite.have_wasmext else float("nan")
        rows.append(f"| {m} | {o:.2f} | {w:.2f} | {o / w:.2f}x |")
    suite.add_table(f"""\
        ## Build time of each kernel module (s)

        Wall time of the command, a new process each time: `wasm2pyext build K.wasm`
        (default -O2; the runtime shared by all modules already compiled and cached, as after
        the first build on a machine) and `wasmext natify -i -f K.wasm` (gcc -O3, its
        default; it compiles the wasm2c runtime with every module). Median of {reps}.

        | module | wasm2pyext | wasmext | ratio |
        |---|---|---|---|
        """, rows)
    if suite.have_wasmext:
        suite.headline.append("Build: " + ", ".join(
            f"{m} {median(samples[('ours', m)]):.2f} s vs {median(samples[('wasmext', m)]):.2f} s"
            for m in ("sum", "sort")))
