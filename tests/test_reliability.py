"""Faults a module alone could once cause (issue 14): a hang, a crash, stores silently lost.
Each case that could hang or crash runs in a fresh interpreter with a timeout, so that a
regression fails the test instead of taking the test run with it."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import wasm2pyext
from wasm2pyext.build import BuildOptions
from wasm2pyext.codegen.traps import MAX_CHAIN_STACK, functions_that_cannot_trap
from wasm2pyext.decode import decode

from wat import wat

TESTS = Path(__file__).resolve().parent


def run_fresh(code: str, timeout: float = 120) -> str:
    """Runs `code` in a fresh interpreter (tests/ on its path): its output; fails the test
    on a crash, a hang or an error."""
    prelude = f"import sys\nsys.path.insert(0, {str(TESTS)!r})\n"
    try:
        done = subprocess.run([sys.executable, "-c", prelude + textwrap.dedent(code)], capture_output=True,
                              text=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"hung (killed after {timeout} s); output so far: {e.stdout!r}")
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout


# ---- 1. No trap unwinds through code that is not ours ----

def test_stack_exhausted_inside_table_grow_never_deadlocks():
    """Recursion that grows a table at every level ran out of stack inside realloc; the trap
    jumped out of malloc with its lock held, and once the process had had a second thread
    the next allocation waited forever (3 of 3 runs hung within 7 rounds). Now the stack is
    checked before the runtime is called."""
    out = run_fresh("""
        import threading, wasm2pyext
        from wat import wat
        w = wat('''(module (table $t 0 10000000 externref)
          (func $rec (export "rec") (param i32) (result i32)
            (drop (table.grow $t (ref.null extern) (local.get 0)))
            (i32.add (call $rec (local.get 0)) (i32.const 1))))''')
        threading.Thread(target=lambda: None).start()
        for r in range(10):
            inst = wasm2pyext.Instance(w)
            try:
                inst.exports.rec(1)
            except wasm2pyext.Trap as e:
                assert e.kind == "call stack exhausted", e
            junk = [bytearray(1000) for _ in range(2000)]
        print("done")
    """, timeout=90)
    assert "done" in out


@pytest.mark.parametrize("op", [
    "(drop (memory.grow (i32.const 0)))",
    "(memory.fill (i32.const 0) (i32.const 1) (i32.const 64))",
    "(memory.copy (i32.const 0) (i32.const 64) (i32.const 64))",
    "(call $host)",
])
def test_stack_exhausted_around_runtime_and_host_calls_traps(op):
    """The same recursion through each kind of call out of Wasm code: memory.grow, bulk
    memory (memset/memmove) and a Python host function, on a small thread and the main one."""
    out = run_fresh(f"""
        import threading, wasm2pyext
        from wat import wat
        w = wat('''(module (import "env" "host" (func $host)) (memory 1)
          (func $rec (export "rec") (param i32) (result i32)
            {op}
            (i32.add (call $rec (local.get 0)) (i32.const 1))))''')
        inst = wasm2pyext.Instance(w, {{"env": {{"host": lambda: None}}}})
        def run():
            for r in range(3):
                try:
                    inst.exports.rec(1)
                except wasm2pyext.Trap as e:
                    assert e.kind == "call stack exhausted", e
                junk = [bytearray(100) for _ in range(1000)]
            print("ok")
        run()
        threading.stack_size(256 * 1024)
        t = threading.Thread(target=run)
        t.start()
        t.join()
    """, timeout=90)
    assert out.split() == ["ok", "ok"]


# ---- 2. A function that cannot trap has a small frame ----

def _live_locals(n: int) -> bytes:
    """A function whose n f64 locals are all live at once (a frame of about 8n bytes), with
    nothing in it that could trap."""
    sets = "\n".join(f"(local.set {i + 1} (f64.add (local.get 0) (f64.const {i}.5)))" for i in range(n))
    adds = "(local.get 1)\n" + "\n".join(f"(local.get {i + 1}) f64.add" for i in range(1, n))
    return wat(f'(module (func (export "f") (param f64) (result f64) (local {" f64" * n})\n{sets}\n{adds}))')


def test_functions_with_big_frames_are_not_called_without_a_boundary():
    small, big = decode(_live_locals(8)), decode(_live_locals(MAX_CHAIN_STACK // 16))
    assert functions_that_cannot_trap(small) == {0}
    assert functions_that_cannot_trap(big) == set()


def test_big_frame_on_a_small_thread_traps_instead_of_crashing():
    """3,800 live f64 locals (a 30 KB frame) called from a thread of 32 KiB: the function
    cannot trap by its code, and was called without a boundary; its frame ran off the
    thread's stack and the process died of SIGSEGV."""
    out = run_fresh("""
        import threading, wasm2pyext
        from test_reliability import _live_locals
        inst = wasm2pyext.Instance(_live_locals(3800))
        assert inst.exports.f(1.0) == 7223800.0
        threading.stack_size(32 * 1024)
        def run():
            try:
                inst.exports.f(1.0)
                print("returned")
            except wasm2pyext.Trap as e:
                print(e.kind)
        t = threading.Thread(target=run)
        t.start()
        t.join()
        assert inst.exports.f(1.0) == 7223800.0
    """, timeout=180)
    assert out.strip() in ("call stack exhausted", "returned")


# ---- 3. Stores before a trap are made, each as Wasm wrote it ----

STORE_PAIRS = {  # name: (first store, in bounds; second, out of bounds; first byte of the first)
    "i32": ("(i32.store (i32.const 65532) (i32.const 0x11111111))", "(i32.store (i32.const 65536) (i32.const 2))",
            65532),
    "i64": ("(i64.store (i32.const 65528) (i64.const 0x1111111111111111))",
            "(i64.store (i32.const 65536) (i64.const 2))", 65528),
    "i32_16": ("(i32.store16 (i32.const 65534) (i32.const 0x1111))", "(i32.store16 (i32.const 65536) (i32.const 2))",
               65534),
    "i32_8": ("(i32.store8 (i32.const 65535) (i32.const 0x11))", "(i32.store8 (i32.const 65536) (i32.const 2))",
              65535),
    "f64": ("(f64.store (i32.const 65528) (f64.const 1.5))", "(f64.store (i32.const 65536) (f64.const 2))", 65528),
}


@pytest.mark.parametrize("bounds_checks", [False, True], ids=["guard_pages", "bounds_checks"])
def test_store_before_an_out_of_bounds_store_is_kept(bounds_checks):
    """GCC merged adjacent constant stores (and vectorised them) into one wider store; when it
    reached out of bounds, the guard page faulted for all of it and the bytes in bounds
    were never written."""
    funcs = "\n".join(f'(func (export "{name}") {first} {second})' for name, (first, second, _) in STORE_PAIRS.items())
    module = wasm2pyext.Module(wat(f'(module (memory (export "mem") 1) {funcs})'),
                               options=BuildOptions(bounds_checks=bounds_checks))
    for name, (first, _, start) in STORE_PAIRS.items():
        inst = module.instantiate()
        with pytest.raises(wasm2pyext.Trap, match="out of bounds memory access"):
            inst.exports[name]()
        written = bytes(inst.exports.mem.buffer[start:65536])
        assert written == _expected_bytes(first, 65536 - start), name


def _expected_bytes(store: str, width: int) -> bytes:
    instance = wasm2pyext.Instance(wat(f'(module (memory (export "mem") 1) (func (export "f") {store}))'))
    instance.exports.f()
    return bytes(instance.exports.mem.buffer[65536 - width:65536])


def test_loop_storing_past_the_end_keeps_every_store_in_bounds():
    """A byte loop and a word loop running off the end of memory: every store in bounds lands."""
    w = wat('''(module (memory (export "mem") 1)
      (func (export "fill8") (param $p i32) (param $n i32) (local $i i32)
        (block (loop (br_if 1 (i32.ge_u (local.get $i) (local.get $n)))
          (i32.store8 (i32.add (local.get $p) (local.get $i)) (i32.const 0x33))
          (local.set $i (i32.add (local.get $i) (i32.const 1))) (br 0))))
      (func (export "fill32") (param $p i32) (param $n i32) (local $i i32)
        (block (loop (br_if 1 (i32.ge_u (local.get $i) (local.get $n)))
          (i32.store (i32.add (local.get $p) (i32.shl (local.get $i) (i32.const 2))) (i32.const -1))
          (local.set $i (i32.add (local.get $i) (i32.const 1))) (br 0)))))''')
    inst = wasm2pyext.Instance(w)
    with pytest.raises(wasm2pyext.Trap):
        inst.exports.fill8(65500, 100)
    assert bytes(inst.exports.mem.buffer[65500:]) == b"\x33" * 36
    with pytest.raises(wasm2pyext.Trap):
        inst.exports.fill32(65000, 1000)
    assert bytes(inst.exports.mem.buffer[65000:]) == b"\xff" * 536
