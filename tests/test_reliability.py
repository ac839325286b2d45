"""Faults a module alone could once cause (issue 14): a hang, a crash, stores silently lost.
Each case that could hang or crash runs in a fresh interpreter with a timeout, so that a
regression fails the test instead of taking the test run with it."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

import wasm2pyext
from wasm2pyext.build import BuildOptions
from wasm2pyext.codegen.traps import MAX_CHAIN_STACK, functions_that_cannot_trap
from wasm2pyext.decode import decode

from fresh import TESTS, run_fresh
from wat import wat


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


# ---- 4. What a module may ask of the C compiler is bounded ----

def _nested_ifs(n: int) -> bytes:
    """A function of n nested ifs (about 5n bytes of Wasm), returning its argument."""
    def leb(v: int) -> bytes:
        out = b""
        while True:
            byte, v = v & 0x7F, v >> 7
            if not v:
                return out + bytes([byte])
            out += bytes([byte | 0x80])

    def section(i: int, body: bytes) -> bytes:
        return bytes([i]) + leb(len(body)) + body
    code = b"\x00" + b"\x20\x00\x04\x40" * n + b"\x01" + b"\x0b" * n + b"\x20\x00\x0b"
    return (b"\0asm\1\0\0\0" + section(1, b"\x01\x60\x01\x7f\x01\x7f") + section(3, b"\x01\x00")
            + section(7, b"\x01\x01f\x00\x00") + section(10, b"\x01" + leb(len(code)) + code))


def test_function_with_too_many_blocks_is_refused_at_once(tmp_path):
    """20,000 nested ifs took 42 s and 6.9 GB to build (66 s at -O0 with the C made linear:
    GCC's time grows with the square of the labels in a function)."""
    import time
    from wasm2pyext.limits import Limits
    start = time.monotonic()
    with pytest.raises(wasm2pyext.CompileError, match=r"function 0 has 20,000 blocks, more than the 10,000"):
        wasm2pyext.Module(_nested_ifs(20_000))
    assert time.monotonic() - start < 10
    module = wasm2pyext.Module(_nested_ifs(50), options=BuildOptions(limits=Limits(max_function_blocks=50)))
    assert module.instantiate().exports.f(7) == 7
    with pytest.raises(wasm2pyext.CompileError, match="more than the 49"):
        wasm2pyext.Module(_nested_ifs(50), options=BuildOptions(limits=Limits(max_function_blocks=49)))
    source = tmp_path / "deep.wasm"
    source.write_bytes(_nested_ifs(20_000))
    done = subprocess.run([sys.executable, "-m", "wasm2pyext", "build", str(source), "-o", str(tmp_path)],
                          capture_output=True, text=True)
    assert done.returncode == 1 and "--max-function-blocks" in done.stderr and "Traceback" not in done.stderr
    done = subprocess.run([sys.executable, "-m", "wasm2pyext", "build", str(source), "-o", str(tmp_path),
                           "--max-function-blocks", "1"], capture_output=True, text=True)
    assert done.returncode == 1 and "more than the 1 " in done.stderr


def test_big_functions_are_compiled_without_optimisation():
    """Past Limits.optimised_blocks a function goes into a part of its own compiled at -O0
    (GCC -O2 on 8,000 live f64 locals took 35 s, -O0 4 s), and still runs right."""
    from wasm2pyext.codegen.module import UNOPTIMISED_PART, generate_c_parts
    from wasm2pyext.build import front_end
    from wasm2pyext.limits import Limits, unoptimised_functions
    wasm = _nested_ifs(60)
    module = front_end(wasm)
    limits = Limits(optimised_blocks=50)
    assert unoptimised_functions(module, limits) == {0}
    files = generate_c_parts(module, "deep", wasm, None, False, frozenset({0}))
    assert sorted(files) == ["deep.c", "deep.h", f"deep{UNOPTIMISED_PART}1.c"]
    inst = wasm2pyext.Module(wasm, options=BuildOptions(limits=limits)).instantiate()
    assert inst.exports.f(5) == 5 and inst.exports.f(0) == 0


def test_nesting_does_not_grow_the_c_quadratically():
    from wasm2pyext.build import compile_to_c
    small, big = len(compile_to_c(_nested_ifs(1000), "m")), len(compile_to_c(_nested_ifs(4000), "m"))
    fixed = len(compile_to_c(_nested_ifs(1), "m"))
    assert (big - fixed) < 4.5 * (small - fixed)


def test_compiler_time_and_memory_are_limited(tmp_path):
    from wasm2pyext.toolchain import BuildError, ProcessLimits, Toolchain
    out = subprocess.run(ProcessLimits(memory=256 << 20, seconds=30).wrap(["sh", "-c", "ulimit -v; ulimit -t"]),
                         capture_output=True, text=True).stdout.split()
    assert out == [str(256 << 10), "90"]
    slow = tmp_path / "slow-cc"
    slow.write_text("#!/bin/sh\nsleep 60 &\nsleep 60\n")
    slow.chmod(0o755)
    import time
    start = time.monotonic()
    with pytest.raises(BuildError, match="longer than its limit of 1 s"):
        Toolchain((str(slow),)).run(["x.c"], "compiling x", limits=ProcessLimits(seconds=1))
    assert time.monotonic() - start < 10
    left = subprocess.run(["pgrep", "-f", str(slow)], capture_output=True, text=True).stdout.split()
    assert left == [], "the compiler's process group outlived its timeout"
    c = tmp_path / "big.c"
    c.write_text("int f(int x) {\n" + "".join(f"  if (x == {i}) x += {i} * x;\n" for i in range(20000)) + "  return x;\n}\n")
    with pytest.raises(BuildError, match="memory limit of 100 MiB"):
        Toolchain.default().run(["-O2", "-c", str(c), "-o", str(tmp_path / "big.o")], "compiling big.c",
                                limits=ProcessLimits(memory=100 << 20))


def test_killed_builds_leave_nothing_behind(tmp_path, monkeypatch):
    """A build killed outright cleans nothing up: the next build removes its folder and ends
    the compilers it left running there."""
    from wasm2pyext import workdir
    monkeypatch.setenv("WASM2PYEXT_CACHE", str(tmp_path))
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True).stdout.strip()
    folder = tmp_path / "tmp" / f"build-{workdir._host()}-{dead}-0000"
    folder.mkdir(parents=True)
    # A stand-in for a compiler: its command line names a file in the folder.
    stray = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)", f"{folder}/x.c"],
                             start_new_session=True)
    workdir.record_process_group(folder, stray.pid)
    live = tmp_path / "tmp" / f"build-{workdir._host()}-{os.getpid()}-0000"
    live.mkdir()
    with workdir.build_folder("build") as mine:
        assert mine.is_dir()
    assert not mine.exists() and not folder.exists() and live.exists()
    assert stray.wait(timeout=10) != 0  # ended, long before its 120 s


def test_cache_rebuilds_what_is_damaged_or_not_its_own(tmp_path):
    """A truncated cached module (a crash, a full disk) killed every later Instance(bytes)
    of it with SIGBUS; another module's code at its path was loaded as is. Each step runs
    in a fresh interpreter: a module once loaded stays loaded."""
    code = f"""
        import glob, os, shutil, sys, wasm2pyext
        from wat import wat
        a = wat('(module (func (export "f") (result i32) i32.const 1))')
        b = wat('(module (func (export "f") (result i32) i32.const 2))')
        step = sys.argv[1]
        if step == "build":
            wasm2pyext.Module(a)
            built_a = set(glob.glob({str(tmp_path)!r} + "/modules/*/*.so"))
            wasm2pyext.Module(b)
            (built_b,) = set(glob.glob({str(tmp_path)!r} + "/modules/*/*.so")) - built_a
            (built_a,) = built_a
            open({str(tmp_path / "paths")!r}, "w").write(built_a + "\\n" + built_b)
        elif step == "damage":
            path_a, path_b = open({str(tmp_path / "paths")!r}).read().split()
            shutil.copyfile(path_a, path_b)  # b's path now holds a's code
            with open(path_a, "r+b") as f:
                f.truncate(os.path.getsize(path_a) // 2)
        else:
            assert wasm2pyext.Instance(a).exports.f() == 1
            assert wasm2pyext.Instance(b).exports.f() == 2
            print("ok")
    """
    env = {**os.environ, "WASM2PYEXT_CACHE": str(tmp_path)}
    for step in ("build", "damage", "use"):
        out = subprocess.run([sys.executable, "-c", f"import sys; sys.path.insert(0, {str(TESTS)!r})\n"
                              + textwrap.dedent(code), step], capture_output=True, text=True, timeout=300, env=env)
        assert out.returncode == 0, (step, out.stdout, out.stderr)
    assert out.stdout.strip() == "ok"


def test_trap_messages_keep_a_function_name_holding_nul():
    """A name-section name with a NUL byte was cut short at it in trap messages."""
    w = wat('(module (func (export "f") unreachable))', names=False)
    names = b"\x01\x00\x03a\x00b"  # function 0 is "a\0b"
    subsection = b"\x01" + bytes([len(names)]) + names
    custom = b"\x04name" + subsection
    renamed = w + b"\x00" + bytes([len(custom)]) + custom
    with pytest.raises(wasm2pyext.Trap) as info:
        wasm2pyext.Instance(renamed).exports.f()
    assert "'a\\x00b'" in str(info.value), str(info.value)


def test_process_limits_on_memories_tables_and_instances():
    """set_limits caps what memory.grow and table.grow may reach, refuses memories and
    tables that start beyond it, and bounds the live instances; each in a fresh process,
    as the limits are the process's."""
    out = run_fresh("""
        import gc, wasm2pyext
        from wat import wat
        w = wat('''(module (memory (export "mem") 1) (table $t (export "tab") 1 funcref)
          (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
          (func (export "tgrow") (param i32) (result i32) (table.grow $t (ref.null func) (local.get 0))))''')
        before = wasm2pyext.set_limits(memory_pages=4, table_elements=8, instances=2)
        assert before == {"memory_pages": 65536, "table_elements": 10_000_000, "instances": None}
        a = wasm2pyext.Instance(w)
        assert a.exports.grow(3) == 1 and a.exports.grow(1) == -1 and a.exports.mem.size == 4
        assert a.exports.tgrow(7) == 1 and a.exports.tgrow(1) == -1
        try:
            wasm2pyext.Memory(5)
        except MemoryError as e:
            assert "limit of 4" in str(e)
        b = wasm2pyext.Instance(w)
        try:
            wasm2pyext.Instance(w)
            raise AssertionError("a third instance")
        except wasm2pyext.Error as e:
            assert "2 live instances" in str(e)
        del b
        gc.collect()
        c = wasm2pyext.Instance(w)
        wasm2pyext.set_limits(instances=0)
        more = [wasm2pyext.Instance(w) for _ in range(5)]
        print("ok")
    """)
    assert out.strip() == "ok"
