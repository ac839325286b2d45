"""Stopping a running call (part of control): how soon interrupt(), a deadline and SIGINT
stop examples/control/spin.wasm's `forever`."""
from __future__ import annotations

import os
import random
import signal
import threading
import time

from .runtimes import ours
from .stats import median

STOP_BAR = 0.010         # seconds from a request to stop to the exception
GUARD = 2.0              # seconds after which a stop request counts as lost
INTERRUPT = "`instance.interrupt()` from another thread"
DEADLINE = "`wasm2pyext.deadline(s)`: time past the deadline"
SIGINT = "SIGINT (os.kill from another thread): KeyboardInterrupt"


class Stops:
    """Calls of `forever`, each stopped by one kind of request: the seconds from each
    request to the exception in the caller, by kind; the requests lost and what went
    wrong otherwise."""

    def __init__(self):
        import wasm2pyext
        self.w = wasm2pyext
        self.inst = ours("w2p_spin").inst
        self.forever = self.inst.exports.forever
        self.figures = {INTERRUPT: [], DEADLINE: [], SIGINT: []}
        self.lost = {}  # kind -> requests that did not stop the call within GUARD seconds (ms into the call)
        self.bad = []

    def request(self, which: str, delay: float, asked: list) -> None:
        time.sleep(delay)
        asked.append(time.perf_counter())
        if which == INTERRUPT:
            while self.inst.interrupt() is False:  # before the call began: nothing to stop yet
                time.sleep(0.0005)
                asked[0] = time.perf_counter()
        elif which == SIGINT:
            os.kill(os.getpid(), signal.SIGINT)

    def guard(self, which: str, delay: float, asked: list, done: threading.Event) -> None:
        """Makes the request (but a deadline's), then interrupts a call that it has not
        stopped within GUARD s (the figure counted as lost), so that a lost request cannot
        hang the bench."""
        if which != DEADLINE:
            self.request(which, delay, asked)
        if not done.wait(GUARD):
            self.lost.setdefault(which, []).append(f"{delay * 1e3:.1f}")
            while not done.wait(0.1):
                self.inst.interrupt()

    def one(self, which: str, delay: float) -> None:
        """One call of `forever`, stopped by `which` `delay` s into it."""
        asked, done = [], threading.Event()
        t = threading.Thread(target=self.guard, args=(which, delay, asked, done))
        if which == DEADLINE:
            asked.append(time.perf_counter() + delay)
        try:
            try:
                t.start()
                if which == DEADLINE:
                    with self.w.deadline(delay):
                        self.forever()
                else:
                    self.forever()
                self.bad.append(f"{which}: the call returned")
            finally:
                stopped = time.perf_counter()
                done.set()
                t.join()
        except self.w.Trap as e:
            if e.kind != "interrupted":
                self.bad.append(f"{which}: Trap {e.kind}")
            elif which != SIGINT and stopped - asked[0] < GUARD:
                self.figures[which].append(stopped - asked[0])
            elif which == SIGINT:  # stopped by the guard: the lost signal's exception may follow
                try:
                    time.sleep(0.01)
                except KeyboardInterrupt:
                    pass
        except KeyboardInterrupt:
            if which != SIGINT:
                raise
            self.figures[which].append(stopped - asked[0])


def stop_latency(suite) -> None:
    """Time from a request to stop `forever` (a `(loop (br 0))`) to the exception in the
    caller: instance.interrupt() from another thread, a deadline's overshoot, SIGINT sent
    by another thread (os.kill). Each request comes 0-30 ms into the call, at random."""
    n = 8 if suite.quick else 30
    stops = Stops()
    # A process started in the background by a shell without job control inherits SIGINT
    # ignored, and Python then leaves it so: Ctrl-C as a user's terminal sends it needs
    # Python's handler, which the runtime finds on its next look at the handlers.
    ignored = signal.getsignal(signal.SIGINT) == signal.SIG_IGN
    if ignored:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        for _ in range(n):
            for which in random.sample(list(stops.figures), len(stops.figures)):
                try:
                    stops.one(which, random.uniform(0.0, 0.03))
                except KeyboardInterrupt:  # a lost SIGINT's, raised after the guard's interrupt
                    pass
    finally:
        if ignored:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
    report(suite, stops, n, ignored)


def report(suite, stops: Stops, n: int, ignored: bool) -> None:
    figures, lost = stops.figures, stops.lost
    for which, delays in lost.items():
        suite.failures.append(f"stop latency: {len(delays)} of {n} requests by {which} did not stop the call "
                              f"within {GUARD:.0f} s (a guard thread interrupted it then); they came "
                              f"{', '.join(delays)} ms into the call")
    suite.failures += [f"stop latency: {b}" for b in stops.bad]
    rows = [f"| {w} | {len(v)} | {len(lost.get(w, []))} | {median(v) * 1e3:.2f} | "
            f"{max(v, default=float('nan')) * 1e3:.2f} |" for w, v in figures.items()]
    # one line: a line of its own, not indented, would keep add_table from dedenting the text
    note = (" This process was started with SIGINT ignored (in the background, by a shell without job "
            "control): Python's handler was set for these figures." if ignored else "")
    medians = [median(v) for v in figures.values()]
    met = "met" if not lost and all(m <= STOP_BAR for m in medians) else "NOT met"
    suite.add_table(f"""\
        ## Stopping a running call

        examples/control/spin.wasm's `forever` (a `(loop (br 0))`) called on the main
        thread and stopped 0-30 ms into the call, at random: the time from the request
        (the other thread's call of `interrupt()`, the deadline, `os.kill`) to the `Trap`
        or `KeyboardInterrupt` in the caller. Unpinned, {n} of each, interleaved. A
        request that has not stopped the call {GUARD:.0f} s later counts as lost (a guard
        thread then interrupts the call). The bar: {STOP_BAR * 1e3:.0f} ms, none lost.{note}

        | request | stops | lost | median (ms) | largest (ms) |
        |---|---|---|---|---|
        """, rows)
    suite.headline.append(
        "Stopping a running call, median (largest): "
        + "; ".join(f"{w.split(':')[0]} {median(v) * 1e3:.2f} ms ({max(v, default=float('nan')) * 1e3:.2f})"
                    for w, v in figures.items())
        + "".join(f"; {w.split(':')[0]} lost {len(d)} of {n}" for w, d in lost.items())
        + f" (bar {STOP_BAR * 1e3:.0f} ms, none lost: **{met}**)")
