"""Guard pages, the default build on 64-bit Linux: memory accesses and call depth go
unchecked in the code, and the runtime's fault handler turns a fault in Wasm code into a
Trap. Faults anywhere else must stay crashes (never a Trap thrown across Python code), and
the handler must keep working beside Python's faulthandler.

Each case runs in a subprocess, so that a crash fails the test instead of the run."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from wasm2pyext.toolchain import GUARD_PAGES_NATIVE

pytestmark = pytest.mark.skipif(not GUARD_PAGES_NATIVE, reason="guard pages are for 64-bit Linux")

TESTS = Path(__file__).resolve().parent

PRELUDE = """
import ctypes, faulthandler, sys, threading
from wat import wat
from wasm2pyext import Instance, Memory, Trap, build
w = wat('''(module
  (import "env" "host" (func $host (param i32) (result i32)))
  (memory (export "mem") 1 4)
  (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "load_dropped") (param i32) (drop (i64.load offset=8 (local.get 0))))
  (func (export "store") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func $rec (export "recurse") (param i32) (result i32) (i32.add (call $rec (local.get 0)) (i32.const 1)))
  (func (export "call_host") (param i32) (result i32) (call $host (local.get 0))))''')

def host(x):
    if x == 1:
        ctypes.string_at(0)  # a genuine segfault, in Python's code (through ctypes)
    return x

def trap_of(f, *args):
    try:
        f(*args)
    except Trap as t:
        return t.kind
    return None

inst = Instance(w, {"env": {"host": host}})
e = inst.exports
"""


def run(body: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, "-c", PRELUDE + textwrap.dedent(body)], env=env,
                          capture_output=True, text=True, timeout=120)


def test_out_of_bounds_accesses_trap_at_the_exact_edge_and_after_growing():
    result = run("""
        print(e.load(65532), trap_of(e.load, 65533), trap_of(e.load, 2**32 - 1))
        print(trap_of(e.store, 65536, 1), e.load(65532))
        print(trap_of(e.load_dropped, 65536 - 8), trap_of(e.load_dropped, 65536 - 16))
        print(e.grow(1), e.load(2 * 65536 - 4), trap_of(e.load, 2 * 65536 - 3))
    """)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.split("\n")
    assert lines[0] == "0 out of bounds memory access out of bounds memory access"
    assert lines[1] == "out of bounds memory access 0"  # the failed store wrote nothing
    assert lines[2] == "out of bounds memory access None"  # an unused load still faults
    assert lines[3] == "1 0 out of bounds memory access"


def test_stack_exhaustion_traps_on_the_main_thread_and_on_small_thread_stacks():
    result = run("""
        print(trap_of(e.recurse, 0))
        threading.stack_size(256 * 1024)
        out = []
        t = threading.Thread(target=lambda: out.append((trap_of(e.recurse, 0), trap_of(e.load, 10**6))))
        t.start(); t.join()
        print(*out[0])
        print(e.load(0))
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:3] == ["call stack exhausted",
                                              "call stack exhausted out of bounds memory access", "0"]


def test_a_fault_in_python_code_called_from_wasm_is_a_crash_not_a_trap():
    result = run("""
        print(e.call_host(5), flush=True)
        e.call_host(1)
        print("survived")
    """)
    assert result.stdout.split("\n")[0] == "5"
    assert "survived" not in result.stdout
    assert result.returncode == -signal.SIGSEGV


def test_a_fault_outside_wasm_is_still_a_crash():
    result = run("""
        print(trap_of(e.load, 10**6), flush=True)
        ctypes.string_at(0)
    """)
    assert result.stdout.startswith("out of bounds memory access")
    assert result.returncode == -signal.SIGSEGV


def test_python_faulthandler_still_reports_real_crashes_and_stays_out_of_traps():
    result = run("""
        faulthandler.enable()
        inst2 = Instance(w, {"env": {"host": host}})  # reinstalls our handler in front
        print(trap_of(inst2.exports.load, 10**6), trap_of(inst2.exports.recurse, 0), flush=True)
        ctypes.string_at(0)
    """)
    assert result.stdout.split("\n")[0] == "out of bounds memory access call stack exhausted"
    assert result.stderr.count("Fatal Python error: Segmentation fault") == 1
    assert result.returncode == -signal.SIGSEGV


def test_a_memory_made_from_python_serves_a_module_built_for_guard_pages():
    result = run("""
        mem = Memory(1)
        w2 = wat('(module (import "env" "mem" (memory 1)) '
                 '(func (export "load") (param i32) (result i32) (i32.load (local.get 0))))')
        inst2 = Instance(w2, {"env": {"mem": mem}})
        print(inst2.exports.load(0), trap_of(inst2.exports.load, 65533))
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[0] == "0 out of bounds memory access"


def test_a_faulthandler_enabled_after_instantiation_does_not_turn_traps_into_crashes():
    # faulthandler, now in front, reports the fault and puts our handler back: noisy on
    # stderr, but still a Trap (instances made after enabling it are quiet, see above).
    result = run("""
        faulthandler.enable()
        print(trap_of(e.load, 10**6), trap_of(e.load, 10**6), e.load(0))
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[0] == "out of bounds memory access out of bounds memory access 0"


def test_a_sigsegv_handler_set_after_instantiation_does_not_make_traps_loop_forever():
    """A handler that returns (Python's own C handler does, setting a flag) made an access
    out of bounds fault again and again, for ever. The runtime's watchdog puts its handler
    back in front within a tenth of a second while calls run, and the access traps."""
    result = run("""
        import signal as sig
        seen = []
        sig.signal(sig.SIGSEGV, lambda *args: seen.append(args[0]))
        print(trap_of(e.load, 10**6), trap_of(e.load, 10**6), e.load(0), flush=True)
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[0] == "out of bounds memory access out of bounds memory access 0"


def test_without_address_space_for_guard_pages_the_portable_build_still_runs():
    # With 2 GiB of address space left no memory can reserve its 8 GiB: a module built
    # for guard pages refuses to instantiate, with a clear error, and one built with
    # --bounds-checks runs (its memory reserving only its maximum), trapping as usual.
    result = run("""
        import resource
        import wasm2pyext
        from wasm2pyext.build import BuildOptions
        checked = wasm2pyext.Module(w, options=BuildOptions(bounds_checks=True))
        guarded = wasm2pyext.Module(w)
        in_use = next(int(line.split()[1]) << 10 for line in open("/proc/self/status") if line.startswith("VmSize:"))
        resource.setrlimit(resource.RLIMIT_AS, (in_use + (2 << 30), resource.RLIM_INFINITY))
        try:
            guarded.instantiate({"env": {"host": host}})
        except MemoryError as error:
            print("refused:", error)
        inst2 = checked.instantiate({"env": {"host": host}})
        print(inst2.exports.load(0), trap_of(inst2.exports.load, 65533), trap_of(inst2.exports.recurse, 0))
    """)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.split("\n")
    assert lines[0].startswith("refused: memory 0 has no guard pages") and "--bounds-checks" in lines[0]
    assert lines[1] == "0 out of bounds memory access call stack exhausted"


def test_without_guard_pages_the_portable_checks_alone_stop_every_width_at_the_edge():
    # Here nothing lies behind the checks: a memory without guard pages reserves just its
    # maximum, so a check that let one byte too many through would read or write past
    # the mapping (a crash, or another mapping's bytes) instead of trapping.
    result = run("""
        import resource
        import wasm2pyext
        from wasm2pyext.build import BuildOptions
        from test_api_traps import EDGES
        modules = {pages: wasm2pyext.Module(wat(EDGES.format(pages=f"{pages} {pages}")),
                                            options=BuildOptions(bounds_checks=True)) for pages in (1, 0)}
        in_use = next(int(line.split()[1]) << 10 for line in open("/proc/self/status") if line.startswith("VmSize:"))
        resource.setrlimit(resource.RLIMIT_AS, (in_use + (2 << 30), resource.RLIM_INFINITY))
        for pages, module in modules.items():
            ex = module.instantiate().exports
            size = pages * 65536
            for width in (1, 2, 4, 8):
                if size:
                    ex[f"store{width}"](size - width)
                    print(ex[f"load{width}"](size - width) & 0xFF, end=" ")
                for at in (size - width + 1, size):
                    print(trap_of(ex[f"load{width}"], at) == trap_of(ex[f"store{width}"], at)
                          == "out of bounds memory access", end=" ")
            print()
    """)
    assert result.returncode == 0, result.stderr
    one_page, no_pages = result.stdout.split("\n")[:2]
    assert one_page.split() == ["255", "True", "True"] * 4
    assert no_pages.split() == ["True", "True"] * 4
