"""Memory: copy throughput in and out of linear memory, one element at a time from a
Python loop, and the memory a process holds as it makes instance after instance."""
from __future__ import annotations

import functools
import subprocess
import sys
import time

from .common import BUILD, KERNELS, wasm_path
from .timing import interleaved_medians, interleaved_per_call, make_loop

FLOOR = "memoryview of a bytearray (the floor)"
# Each runtime's memory object, by the name the tables give it (its --bounds-checks build's
# is the same object as its usual build's: not listed)
MEMORY_LABELS = {"wasm2pyext": "wasm2pyext `memory.buffer`", "wasmext": "wasmext `instance.memory` (memoryview)",
                 "wasmtime": "wasmtime-py `Memory.write` / `Memory.read`",
                 "pywasm3": "pywasm3 `get_memory(0)` (memoryview)"}
VIEW = "wasm2pyext `uint8_view` slices"


def measure(suite) -> None:
    copies(suite)
    element_access(suite)
    memory_held(suite)


def copy_cases(suite, n_view: int) -> dict:
    """(label, "in" or "out") -> (a copy of that many bytes, its size), each checked first."""
    data = suite.data
    n_big, small = len(data), data[:n_view]
    floor = memoryview(bytearray(n_big))

    def floor_in():
        floor[0:n_big] = data
    cases = {(FLOOR, "in"): (floor_in, n_big), (FLOOR, "out"): (lambda: bytes(floor[0:n_big]), n_big)}
    for key, rt in suite.py.items():
        label = MEMORY_LABELS.get(key)
        if label is None:
            continue
        try:
            h = rt.load("checksum")
        except Exception:
            continue
        addr = h.export("checksum_buffer")()
        h.write(addr, data)
        if h.read(addr, n_big) != data:
            suite.failures.append(f"memory copy, {rt.label}: data read back differs")
            continue
        cases[(label, "in")] = (lambda h=h, a=addr: h.write(a, data), n_big)
        cases[(label, "out")] = (lambda h=h, a=addr: h.read(a, n_big), n_big)
        if key == "wasm2pyext":
            h.view_write(addr, small)
            if h.view_read(addr, n_view) != small:
                suite.failures.append("memory copy, wasm2pyext uint8_view: data read back differs")
            else:
                cases[(VIEW, "in")] = (lambda h=h, a=addr: h.view_write(a, small), n_view)
                cases[(VIEW, "out")] = (lambda h=h, a=addr: h.view_read(a, n_view), n_view)
    return cases


def mb_per_s(fn, n: int) -> float:
    t0 = time.perf_counter()
    fn()
    return n / (time.perf_counter() - t0) / 1e6


def copies(suite) -> None:
    rounds = 3 if suite.quick else 7
    n_big, n_view = len(suite.data), (256 << 10 if suite.quick else 1 << 20)
    cases = copy_cases(suite, n_view)
    for fn, _ in cases.values():  # warm-up: page faults of first touches are not copies
        fn()
    med = interleaved_medians({c: functools.partial(mb_per_s, fn, n) for c, (fn, n) in cases.items()}, rounds)
    labels = list(dict.fromkeys(c[0] for c in cases))
    suite.add_table(f"""\
        ## Memory copy throughput (MB/s, higher is better)

        Copying {n_big >> 20} MB of bytes into linear memory and back out to a `bytes`
        ({n_view >> 10} KB through the `uint8_view`, whose slices are lists of ints); medians of
        {rounds} interleaved rounds.

        | through | in (MB/s) | out (MB/s) |
        |---|---|---|
        """, [f"| {lb} | {med[(lb, 'in')]:,.0f} | {med[(lb, 'out')]:,.0f} |" for lb in labels])


def element_access(suite) -> None:
    """ns per element read and written one at a time from a Python loop, as the classic
    API's examples read a string out of memory: our typed view and buffer beside
    wasmext's memory (a memoryview) and a memoryview of a bytearray."""
    n = 20_000 if suite.quick else 100_000
    targets = {FLOOR: memoryview(bytearray(1 << 16))}
    mine = suite.py["wasm2pyext"].load("checksum")
    targets["wasm2pyext `uint8_view()`"] = mine.inst.memory.uint8_view(0)
    targets["wasm2pyext `memory.buffer`"] = mine.inst.memory.buffer
    if suite.have_wasmext:
        targets[MEMORY_LABELS["wasmext"]] = suite.py["wasmext"].load("checksum").inst.memory
    loops = {}
    for label, target in targets.items():
        loops[(label, "read")] = (make_loop("v[100]", {"v": target}), n)
        loops[(label, "write")] = (make_loop("v[100] = 7", {"v": target}), n)
    med = interleaved_per_call(loops, suite.rounds)
    suite.add_table(f"""\
        ## One element at a time (ns, loop included)

        `v[100]` and `v[100] = 7` from a Python loop, {n:,} a round; medians of
        {suite.rounds} interleaved rounds.

        | through | read | write |
        |---|---|---|
        """, [f"| {label} | {med[(label, 'read')] * 1e9:.1f} | {med[(label, 'write')] * 1e9:.1f} |"
              for label in targets])


# Each runtime's instance, its input written and hashed: def one() in the child process
HELD = {"wasm2pyext": (
    "import w2p_checksum as m\n"
    "def one():\n"
    "    i = m.Instance(); e = i.exports; a = e.checksum_buffer()\n"
    "    i.memory.buffer[a:a + n] = data\n"
    "    return e.checksum(n)\n"), "wasmext": (
    "import wx_checksum as m\n"
    "def one():\n"
    "    i = m.Instance(); a = i.checksum_buffer()\n"
    "    i.memory[a:a + n] = data\n"
    "    return i.checksum(n)\n"), "wasmtime-py": (
    "import wasmtime as w\n"
    "engine = w.Engine(); module = w.Module.from_file(engine, {wasm!r})\n"
    "def one():\n"
    "    s = w.Store(engine); x = w.Instance(s, module, []).exports(s)\n"
    "    a = x['checksum_buffer'](s)\n"
    "    x['memory'].write(s, data, a)\n"
    "    return x['checksum'](s, n)\n")}
# VmHWM, the peak of this process's own memory (ru_maxrss carries the parent's across fork
# and exec).
PEAKS = ("n = {n}\ndata = open({path!r}, 'rb').read()\n{define}"
         "def peak():\n"
         "    return open('/proc/self/status').read().split('VmHWM:')[1].split()[0]\n"
         "first = one()\n"
         "before = peak()\n"
         "results = {{one() for _ in range({count})}}\n"
         "after = peak()\n"
         "print(before, after, sorted(results | {{first}}))\n")


def memory_held(suite) -> None:
    """Peak memory of a process that makes instances one after another, each filling
    its 16 MB with the checksum kernel's input and hashing it: what one instance
    takes, unless instances outlive their last reference."""
    count = 10 if suite.quick else 50
    folders = {"wasm2pyext": BUILD / "ours"}
    if suite.have_wasmext:
        folders["wasmext"] = BUILD / "wasmext"
    if "wasmtime" in suite.py:
        folders["wasmtime-py"] = None
    rows, results = [], {}
    for label, cwd in folders.items():
        src = PEAKS.format(n=KERNELS["checksum"], path=str(BUILD / "checksum.in"), count=count,
                           define=HELD[label].format(wasm=str(wasm_path("checksum"))))
        p = subprocess.run([sys.executable, "-c", src], cwd=cwd, capture_output=True, text=True)
        if p.returncode != 0:
            suite.failures.append(f"memory held, {label}: {p.stderr.strip()[-300:]}")
            continue
        before, after, got = p.stdout.split(" ", 2)
        results[label] = got.strip()
        rows.append(f"| {label} | {int(before) / 1024:.0f} | {int(after) / 1024:.0f} | "
                    f"{(int(after) - int(before)) / 1024:.0f} |")
    if len(set(results.values())) > 1:
        suite.failures.append(f"memory held: the runtimes' checksums differ: {results}")
    suite.add_table(f"""\
        ## Memory held: instances made one after another

        A new process makes an instance of the checksum kernel, writes its 16 MB input
        into the instance's memory and hashes it; then does the same {count} more times,
        each instance dropped when the next is made. The peak resident memory (VmHWM)
        after the first and after the last: an instance freed with its last reference
        leaves the peak where one instance put it.

        | runtime | peak after one (MB) | peak after {count + 1} (MB) | growth (MB) |
        |---|---|---|---|
        """, rows)
