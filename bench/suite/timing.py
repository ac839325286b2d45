"""How the suite times: loops of calls, rounds that interleave the runtimes in a new
random order each, new processes, and the CPU the timings are pinned to."""
from __future__ import annotations

import collections
import functools
import gc
import itertools
import os
import random
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Iterator, Optional

from .common import log
from .stats import median


def make_loop(call_src: str, names: dict) -> Callable[[int], None]:
    """def loop(n): calls `call_src` n times, its names bound as fast locals."""
    params = "".join(f", {k}={k}" for k in names)
    src = f"def loop(n, repeat=repeat{params}):\n    for _ in repeat(None, n):\n        {call_src}\n"
    scope = {"repeat": itertools.repeat, **names}
    exec(src, scope)
    return scope["loop"]


def per_call(loop: Callable[[int], None], n: int) -> float:
    gc.disable()
    try:
        t0 = time.perf_counter()
        loop(n)
        return (time.perf_counter() - t0) / n
    finally:
        gc.enable()


def interleaved_medians(samplers: dict, rounds: int) -> dict:
    """The median of each sampler's figures (a sampler takes one when called), over rounds
    that call the samplers in a new random order each."""
    samples = collections.defaultdict(list)
    for _ in range(rounds):
        order = list(samplers)
        random.shuffle(order)
        for key in order:
            samples[key].append(samplers[key]())
    return {k: median(samples[k]) for k in samplers}


def interleaved_per_call(loops: dict[str, tuple[Callable[[int], None], int]], rounds: int) -> dict[str, float]:
    """Median seconds per call of each loop (loop(n) makes n calls), after a warm-up."""
    for loop, n in loops.values():
        loop(min(n, 1000))
    return interleaved_medians({k: functools.partial(per_call, loop, n) for k, (loop, n) in loops.items()}, rounds)


def pin_to_quietest_cpu(cpus: list[int], probes: int = 5) -> tuple[int, dict]:
    """Pins this process, and so every process it starts, to the CPU on which a short
    fixed loop runs fastest: on a shared machine one CPU may be contended for minutes
    while another is not, and a long-lived process and the short ones it starts would
    otherwise be timed on different CPUs. Returns (the CPU, {CPU: median probe seconds})."""

    def probe() -> float:
        t0 = time.perf_counter()
        sum(i * i for i in range(200_000))
        return time.perf_counter() - t0
    speed = {}
    for _ in range(3):  # interleaved: a CPU's state can change between probes
        for cpu in cpus:
            os.sched_setaffinity(0, {cpu})
            speed.setdefault(cpu, []).extend(probe() for _ in range(probes))
    best = min(speed, key=lambda c: median(speed[c]))
    os.sched_setaffinity(0, {best})
    return best, {c: median(ts) for c, ts in speed.items()}


def interleaved(rounds: int, names, who, before_name: Optional[Callable[[], None]] = None,
                log_rounds: bool = False) -> Iterator[tuple[int, object, object]]:
    """The turns of interleaved rounds, (round, name, runner): each round takes the names
    in a new random order, and each name through its runners in a new random order, so
    that the runs compared are a fraction of a second apart, less than the machine takes
    to change speed. `who`: the runners, or a function giving a name's runners;
    before_name() runs before each name's turns (to re-pin to the quicker CPU)."""
    for r in range(rounds):
        for name in random.sample(list(names), len(names)):
            if before_name:
                before_name()
            runners = list(who(name) if callable(who) else who)
            for runner in random.sample(runners, len(runners)):
                yield r, name, runner
        if log_rounds:
            log(f"  round {r + 1}/{rounds} done")


def timed_runs(measure: Callable[[], tuple[object, float]], n: int, warm_up: bool = False):
    """n runs of measure() -> (result, seconds), after an untimed one if warm_up:
    (the last result, [seconds of each run])."""
    if warm_up:
        measure()
    result, times = None, []
    for _ in range(n):
        result, t = measure()
        times.append(t)
    return result, times


def paired_rounds(who: dict, names, measure: Callable, rounds: int, inner: int, cpus=(),
                  warm_up: bool = True, log_rounds: bool = True):
    """Interleaved rounds taking each name through each of `who` ({label: {name: handle}}),
    `inner` runs each (after a warm-up in the first round): ({(label, name): result},
    {(label, name): {round: median seconds}}). With more than one of `cpus`, the quicker
    CPU is probed (and pinned) before each name's turns, as for the kernels."""
    results, per_round = {}, {}
    repin = (lambda: pin_to_quietest_cpu(cpus, probes=2)) if len(cpus) > 1 else None
    for r, name, label in interleaved(rounds, names, who, repin, log_rounds):
        results[(label, name)], ts = timed_runs(lambda: measure(who[label][name], name), inner,
                                                warm_up and r == 0)
        per_round.setdefault((label, name), {})[r] = median(ts)
    return results, per_round


def time_processes(progs: dict[str, tuple[Optional[Path], str]], runs: int, inside: Callable[[str, str], object],
                   env: Optional[dict] = None, check: bool = False):
    """Whole-process start-ups: `python -c src` in cwd for each label of progs, in a new
    random order each of `runs` rounds. inside(stdout, stderr) finds the time the program
    took by its own clock (None if it did not say). ({label: [wall seconds]},
    {label: [seconds inside]}), in the order of the rounds."""
    wall, inner = {k: [] for k in progs}, {k: [] for k in progs}
    for _, _, label in interleaved(runs, [None], progs):
        cwd, src = progs[label]
        t0 = time.perf_counter()
        p = subprocess.run([sys.executable, "-c", src], cwd=cwd, capture_output=True, text=True, env=env,
                           check=check)
        wall[label].append(time.perf_counter() - t0)
        t = inside(p.stdout, p.stderr)
        if t is not None:
            inner[label].append(t)
    return wall, inner


def instructions(py: str, src: str, cwd: Optional[Path], env: dict) -> Optional[int]:
    """Instructions executed by `py -c src`, the whole process, counted by callgrind; None
    without valgrind."""
    if not shutil.which("valgrind"):
        return None
    p = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", py, "-c", src], cwd=cwd,
                       capture_output=True, text=True, env=dict(env, PYTHONHASHSEED="0"))
    found = re.search(r"Collected : (\d+)", p.stderr)
    return int(found.group(1)) if p.returncode == 0 and found else None
