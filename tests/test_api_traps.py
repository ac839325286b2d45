"""Traps through the Python API: each kind as wasm2pyext.Trap with its .kind and a message
naming the Wasm function, instances usable afterwards, stack exhaustion as a trap (also on
small thread stacks and under deep Python recursion), and traps at instantiation; in every
kind of build (BUILDS)."""
from __future__ import annotations

import functools
import os
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import wasm2pyext
from wasm2pyext import Trap
from wasm2pyext.build import BuildOptions
from wasm2pyext.toolchain import Toolchain

from threads import run_in_thread
from wat import wat

ROOT = Path(__file__).resolve().parents[1]

TRAPS = wat(r"""
(module
  (type $to_i32 (func (result i32)))
  (type $i32_to_i32 (func (param i32) (result i32)))
  (memory 1)
  (table $t 3 funcref)
  (elem (table $t) (i32.const 0) func $seven $takes_one)
  (func $seven (result i32) i32.const 7)
  (func $takes_one (param i32) (result i32) local.get 0)
  (func $do_unreachable (export "unreachable") unreachable)
  (func $load_word (export "load") (param i32) (result i32) local.get 0 i32.load)
  (func $store_word (export "store") (param i32 i32) local.get 0 local.get 1 i32.store)
  (func $divide (export "div") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_s)
  (func $remainder64 (export "rem64") (param i64 i64) (result i64) local.get 0 local.get 1 i64.rem_u)
  (func $truncate (export "trunc") (param f64) (result i32) local.get 0 i32.trunc_f64_s)
  (func $indirect (export "call_indirect") (param i32) (result i32) local.get 0 call_indirect $t (type $to_i32))
  (func $get_elem (export "table_get") (param i32) (result funcref) local.get 0 table.get $t)
  (func $recurse (export "recurse") (param i32) (result i32)
    local.get 0 i32.const 1 i32.add call $recurse)
  (func $depth (export "depth") (param i32) (result i32)
    local.get 0 i32.eqz if (result i32) i32.const 0
    else local.get 0 i32.const 1 i32.sub call $depth i32.const 1 i32.add end)
  (func $outer_fn (export "nested") call $middle_fn)
  (func $middle_fn call $inner_fn)
  (func $inner_fn unreachable))
""")


# Every way a module can be built to catch traps: guard pages (the default on 64-bit
# Linux), explicit bounds checks (stack depth still bounded by the guard page where the
# runtime catches faults), and explicit checks of both.
BUILDS = {
    "default": BuildOptions(),
    "bounds checks": BuildOptions(bounds_checks=True),
    "explicit stack checks": BuildOptions(bounds_checks=True,
                                          toolchain=Toolchain.default(cflags="-DW2P_EXPLICIT_STACK_CHECKS")),
}


@pytest.fixture(params=BUILDS)
def ex(request):
    return wasm2pyext.Module(TRAPS, options=BUILDS[request.param]).instantiate().exports


def trap_of(call, *args) -> Trap:
    with pytest.raises(Trap) as info:
        call(*args)
    return info.value


@pytest.mark.parametrize("export, args, kind, function", [
    ("unreachable", (), "unreachable", "do_unreachable"),
    ("load", (65536,), "out of bounds memory access", "load_word"),
    ("load", (65533,), "out of bounds memory access", "load_word"),
    ("load", (-1,), "out of bounds memory access", "load_word"),
    ("store", (65534, 1), "out of bounds memory access", "store_word"),
    ("div", (1, 0), "integer divide by zero", "divide"),
    ("rem64", (1, 0), "integer divide by zero", "remainder64"),
    ("div", (-2**31, -1), "integer overflow", "divide"),
    ("trunc", (1e10,), "integer overflow", "truncate"),
    ("trunc", (float("nan"),), "invalid conversion to integer", "truncate"),
    ("call_indirect", (3,), "undefined element", "indirect"),
    ("call_indirect", (2,), "uninitialized element", "indirect"),
    ("call_indirect", (1,), "indirect call type mismatch", "indirect"),
    ("table_get", (3,), "out of bounds table access", "get_elem"),
    ("recurse", (0,), "call stack exhausted", "recurse"),
])
def test_trap_kind_and_message(ex, export, args, kind, function):
    trap = trap_of(ex[export], *args)
    assert trap.kind == kind
    assert str(trap).startswith(kind)
    assert function in str(trap)


# A load and a store of each width, in a memory of one page and in one of none (smaller
# than any access): the portable build compares the address with size - width, which is
# below zero there.
EDGES = r"""
(module
  (memory {pages})
  (func (export "load1") (param i32) (result i64) local.get 0 i64.load8_u)
  (func (export "load2") (param i32) (result i64) local.get 0 i64.load16_u)
  (func (export "load4") (param i32) (result i64) local.get 0 i64.load32_u)
  (func (export "load8") (param i32) (result i64) local.get 0 i64.load)
  (func (export "store1") (param i32) local.get 0 i64.const -1 i64.store8)
  (func (export "store2") (param i32) local.get 0 i64.const -1 i64.store16)
  (func (export "store4") (param i32) local.get 0 i64.const -1 i64.store32)
  (func (export "store8") (param i32) local.get 0 i64.const -1 i64.store))
"""


@pytest.mark.parametrize("build", BUILDS)
@pytest.mark.parametrize("pages", [1, 0])
def test_every_access_width_at_the_memory_end(build, pages):
    ex = wasm2pyext.Module(wat(EDGES.format(pages=pages)), options=BUILDS[build]).instantiate().exports
    size = pages * 65536
    for width in (1, 2, 4, 8):
        load, store = ex[f"load{width}"], ex[f"store{width}"]
        if size:
            store(size - width)
            assert load(size - width) == (1 << (8 * width)) - 1 if width < 8 else -1  # i64 is signed
        for at in (size - width + 1, size, 2**31 - 1, -1):
            assert trap_of(load, at).kind == "out of bounds memory access", (width, at)
            assert trap_of(store, at).kind == "out of bounds memory access", (width, at)


# Loads out of bounds whose value the C compiler could prove it does not need: through
# integer algebra (x - x, x ^ x, x & 0, x * 0, a shift past the bits), a select between
# one value, float operators that could fold back to their operand (-(-x), min(x, x),
# x * 1, x - 0), a store of what was just loaded there (which the compiler removes as a
# no-op), a store that a second store overwrites, and a load whose value is dropped.
# Each must trap, before the store at address 8 that follows it in the Wasm.
DEAD_VALUES = r"""
(module
  (memory 1)
  (func (export "sub_self") (param $a i32)
    (i32.store (i32.const 8) (i32.sub (i32.load (local.get $a)) (i32.load (local.get $a)))))
  (func (export "xor_self") (param $a i32)
    (i64.store (i32.const 8) (i64.xor (i64.load (local.get $a)) (i64.load (local.get $a)))))
  (func (export "and_zero") (param $a i32)
    (i32.store (i32.const 8) (i32.and (i32.load (local.get $a)) (i32.const 0))))
  (func (export "mul_zero") (param $a i32)
    (i32.store (i32.const 8) (i32.mul (i32.load (local.get $a)) (i32.const 0))))
  (func (export "shifted_out") (param $a i32)
    (i32.store (i32.const 8)
      (i32.wrap_i64 (i64.shl (i64.extend_i32_u (i32.load (local.get $a))) (i64.const 32)))))
  (func (export "select_same") (param $a i32)
    (i32.store (i32.const 8) (select (i32.const 1) (i32.const 1) (i32.load (local.get $a)))))
  (func (export "neg_neg") (param $a i32)
    (f64.store (local.get $a) (f64.neg (f64.neg (f64.load (local.get $a))))))
  (func (export "min_self") (param $a i32)
    (f64.store (local.get $a) (f64.min (f64.load (local.get $a)) (f64.load (local.get $a)))))
  (func (export "mul_one") (param $a i32) (local $one f64)
    (local.set $one (f64.const 1))
    (f64.store (local.get $a) (f64.mul (f64.load (local.get $a)) (local.get $one))))
  (func (export "sub_zero") (param $a i32) (local $zero f32)
    (f32.store (local.get $a) (f32.sub (f32.load (local.get $a)) (local.get $zero))))
  (func (export "store_back") (param $a i32)
    (i32.store (local.get $a) (i32.load (local.get $a))))
  (func (export "overwritten") (param $a i32)
    (i32.store (i32.const 8) (i32.load (local.get $a)))
    (i32.store (i32.const 8) (i32.const 5)))
  (func (export "overwritten_float") (param $a i32) (local $one f64)
    (local.set $one (f64.const 1))
    (f64.store (i32.const 8) (f64.add (f64.load (local.get $a)) (local.get $one)))
    (f64.store (i32.const 8) (local.get $one)))
  (func (export "dropped") (param $a i32)
    (drop (i32.load (local.get $a)))
    (i32.store (i32.const 8) (i32.const 5))))
"""


@pytest.mark.parametrize("build", BUILDS)
def test_a_load_out_of_bounds_traps_however_dead_its_value_is(build):
    instance = wasm2pyext.Module(wat(DEAD_VALUES), options=BUILDS[build]).instantiate()
    words = instance.memory.uint32_view()
    names = list(instance.exports)
    assert len(names) == 14
    for name in names:
        for at in (65536, 65533, 2**31, -8):
            words[2] = words[3] = 0xDEADBEEF
            assert trap_of(instance.exports[name], at).kind == "out of bounds memory access", (name, at)
            assert (words[2], words[3]) == (0xDEADBEEF, 0xDEADBEEF), (name, at)  # nothing stored before it
        instance.exports[name](16)  # in bounds: runs


# Loops whose float stores to one address the C compiler might merge or drop, taking
# the loads of the earlier iterations with them: the third iteration's load is out of
# bounds, and the store of the second must have happened.
LOOP_STORES = r"""
(module
  (memory 1)
  (func (export "fixed_store") (param $a i32) (local $i i32) (local $one f64)
    (local.set $one (f64.const 1))
    (loop $l
      (f64.store (i32.const 8)
        (f64.add (f64.load (i32.add (local.get $a) (i32.shl (local.get $i) (i32.const 3)))) (local.get $one)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 4)))))
  (func (export "overwritten_in_loop") (param $a i32) (param $n i32) (local $one f64)
    (local.set $one (f64.const 1))
    (loop $l
      (f64.store (i32.const 8) (f64.mul (f64.load (local.get $a)) (local.get $one)))
      (f64.store (i32.const 16) (f64.load (i32.const 8)))
      (f64.store (i32.const 8) (local.get $one))
      (local.set $a (i32.add (local.get $a) (i32.const 8)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $l (local.get $n)))))
"""


@pytest.mark.parametrize("build", BUILDS)
def test_a_loop_of_float_stores_to_one_address_traps_after_the_earlier_iterations(build):
    instance = wasm2pyext.Module(wat(LOOP_STORES), options=BUILDS[build]).instantiate()
    floats = instance.memory.float64_view()
    floats[65520 // 8], floats[65528 // 8] = 10.0, 20.0
    floats[1] = floats[2] = -1.0
    assert trap_of(instance.exports.fixed_store, 65520).kind == "out of bounds memory access"
    assert floats[1] == 21.0
    floats[1] = floats[2] = -1.0
    assert trap_of(instance.exports.overwritten_in_loop, 65520, 4).kind == "out of bounds memory access"
    assert (floats[1], floats[2]) == (1.0, 20.0)


def test_every_trap_kind_is_listed():
    assert set(wasm2pyext.TRAP_KINDS) == {
        "unreachable", "out of bounds memory access", "out of bounds table access", "undefined element",
        "uninitialized element", "indirect call type mismatch", "integer divide by zero", "integer overflow",
        "invalid conversion to integer", "call stack exhausted", "interrupted", "out of fuel"}


def test_trap_is_a_wasm2pyext_error(ex):
    trap = trap_of(ex.unreachable)
    assert isinstance(trap, wasm2pyext.Error)
    assert type(trap) is Trap


def test_trap_made_from_python():
    assert (Trap("unreachable").kind, str(Trap("unreachable"))) == ("unreachable", "unreachable")
    trap = Trap(kind="unreachable", message="unreachable (in wasm function f)")
    assert (trap.kind, str(trap)) == ("unreachable", "unreachable (in wasm function f)")
    with pytest.raises(TypeError):
        Trap()


def test_errors_pickle_with_their_attributes(ex):
    trap = pickle.loads(pickle.dumps(trap_of(ex.unreachable)))
    assert type(trap) is Trap and trap.kind == "unreachable" and "unreachable" in str(trap)
    error = pickle.loads(pickle.dumps(wasm2pyext.DecodeError("unexpected end", 0x1F)))
    assert type(error) is wasm2pyext.DecodeError
    assert (error.reason, error.offset, str(error)) == ("unexpected end", 0x1F, "unexpected end (at byte offset 0x1f)")


def test_errors_can_be_subclassed():
    class Mine(Trap):
        def __init__(self):
            super().__init__("unreachable", "mine")
            self.extra = 1

    error = Mine()
    assert isinstance(error, wasm2pyext.Error)
    assert (error.kind, str(error), error.extra) == ("unreachable", "mine", 1)


def test_trap_names_the_innermost_function(ex):
    message = str(trap_of(ex.nested))
    assert "inner_fn" in message
    assert "outer_fn" not in message


def test_trap_without_name_section_names_the_export():
    instance = wasm2pyext.Instance(wat("(module (func (export \"f\") unreachable))", names=False))
    trap = trap_of(instance.exports.f)
    assert trap.kind == "unreachable"
    assert str(trap) == "unreachable (in wasm function 'f' (#0))"


def test_trap_in_a_function_with_no_name_at_all_gives_its_index():
    instance = wasm2pyext.Instance(wat("""(module (func unreachable)
      (func (export "f") (call 0)))""", names=False))
    assert str(trap_of(instance.exports.f)) == "unreachable (in wasm function func[0])"


def test_instance_usable_after_a_trap(ex):
    trap_of(ex.div, 1, 0)
    assert ex.div(6, 3) == 2
    assert ex.call_indirect(0) == 7


def test_memory_intact_after_a_trap(ex):
    ex.store(8, 1234)
    trap_of(ex.store, 65536, 1)
    trap_of(ex.unreachable)
    assert ex.load(8) == 1234


def test_instance_usable_after_stack_exhaustion(ex):
    ex.store(0, 99)
    trap_of(ex.recurse, 0)
    assert ex.depth(100) == 100
    assert ex.load(0) == 99
    assert trap_of(ex.recurse, 0).kind == "call stack exhausted"


def test_deep_but_bounded_recursion_succeeds(ex):
    assert ex.depth(20000) == 20000


def test_stack_exhaustion_on_a_small_thread_stack_is_a_trap(ex):
    _, error = run_in_thread(lambda: ex.recurse(0), 256 * 1024)
    assert isinstance(error, Trap) and error.kind == "call stack exhausted"


def test_small_thread_stack_still_runs_bounded_recursion(ex):
    result, error = run_in_thread(lambda: ex.depth(100), 256 * 1024)
    assert error is None and result == 100


def test_stack_exhaustion_after_deep_python_recursion_is_a_trap(ex):
    # functools.partial makes every level a C-level call, so the C stack really is deep.
    def deep(n):
        if n == 0:
            return trap_of(ex.recurse, 0), ex.depth(50)
        return functools.partial(deep, n - 1)()

    trap, depth = deep(400)
    assert trap.kind == "call stack exhausted"
    assert depth == 50


def test_trap_in_start_function_raises_at_instantiation():
    module = wat("""(module (func $start_here unreachable) (start $start_here))""")
    with pytest.raises(Trap) as info:
        wasm2pyext.Instance(module)
    assert info.value.kind == "unreachable"
    assert "start_here" in str(info.value)


def test_out_of_bounds_data_segment_traps_at_instantiation():
    module = wat("""(module (memory 1) (data (i32.const 65535) "ab"))""")
    with pytest.raises(Trap) as info:
        wasm2pyext.Instance(module)
    assert info.value.kind == "out of bounds memory access"


def test_out_of_bounds_element_segment_traps_at_instantiation():
    module = wat("""(module (table 1 funcref) (func $f) (elem (i32.const 1) func $f))""")
    with pytest.raises(Trap) as info:
        wasm2pyext.Instance(module)
    assert info.value.kind == "out of bounds table access"


def test_module_instantiates_again_after_a_trap_at_instantiation():
    module = wasm2pyext.Module(wat("""
      (module (import "env" "fail" (global $fail i32))
        (func $start (if (global.get $fail) (then unreachable))) (start $start)
        (func (export "ok") (result i32) i32.const 1))"""))
    with pytest.raises(Trap):
        module.instantiate({"env": {"fail": wasm2pyext.Global(wasm2pyext.Value.i32(1))}})
    instance = module.instantiate({"env": {"fail": wasm2pyext.Global(wasm2pyext.Value.i32(0))}})
    assert instance.exports.ok() == 1


# A recursive function with 1000 i64 locals, all live across its recursive call (they are
# loaded from memory, which the call may change): an 8 KB C frame.
BIG_FRAME = wat("(module (memory 1) (func $big_frame (export \"big\") (param i64) (result i64) (local "
                + "i64 " * 1000 + ") "
                + " ".join(f"i32.const {8 * k} i64.load local.set {k + 1}" for k in range(1000))
                + " local.get 0 i64.const 1 i64.add call $big_frame "
                + " ".join(f"local.get {k + 1} i64.add" for k in range(1000)) + "))")


def test_stack_exhaustion_with_frames_larger_than_the_reserve_is_a_trap(tmp_path):
    module = tmp_path / "big.wasm"
    module.write_bytes(BIG_FRAME)
    code = textwrap.dedent(f"""
        import threading, wasm2pyext
        exports = wasm2pyext.Instance(open({str(module)!r}, "rb").read()).exports
        outcome = []
        def body():
            try:
                exports.big(0)
            except wasm2pyext.Trap as trap:
                outcome.append(trap.kind)
        threading.stack_size(64 * 1024)
        thread = threading.Thread(target=body)
        thread.start()
        thread.join()
        print(outcome)
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert (done.returncode, done.stdout.strip()) == (0, "['call stack exhausted']"), done.stderr


# Counts its depth in a global, then recurses (not as a tail call) until the stack runs out.
COUNTED_RECURSION = wat("""(module (global $depth (export "depth") (mut i32) (i32.const 0))
  (func $down (export "down") (result i32)
    (global.set $depth (i32.add (global.get $depth) (i32.const 1)))
    (i32.add (call $down) (i32.const 1))))""")


def test_the_main_thread_uses_the_stack_its_limit_gives(tmp_path):
    """The main thread's stack bounds come from RLIMIT_STACK and the top of the stack (not
    glibc's reading of /proc/self/maps): recursion on it goes as deep as on a thread with a
    stack of the limit's size (whose bounds glibc knows exactly), and traps before the end."""
    import resource
    module = tmp_path / "down.wasm"
    module.write_bytes(COUNTED_RECURSION)
    code = textwrap.dedent(f"""
        import sys, threading, wasm2pyext
        module = wasm2pyext.Module(open({str(module)!r}, "rb").read())
        def depth():
            exports = module.instantiate().exports
            try:
                exports.down()
            except wasm2pyext.Trap as trap:
                assert trap.kind == "call stack exhausted", trap
                return exports.depth.value
        depths = [depth()]
        threading.stack_size(int(sys.argv[1]))
        thread = threading.Thread(target=lambda: depths.append(depth()))
        thread.start()
        thread.join()
        print(*depths)
    """)
    hard = resource.getrlimit(resource.RLIMIT_STACK)[1]
    for mib in (4, 64):
        limit = mib << 20
        if hard != resource.RLIM_INFINITY and limit > hard:
            pytest.skip(f"the hard stack limit is below {mib} MiB")
        done = subprocess.run([sys.executable, "-c", code, str(limit)], capture_output=True, text=True,
                              timeout=300, env=dict(os.environ, PYTHONPATH=str(ROOT)),
                              preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_STACK, (limit, hard)))
        assert done.returncode == 0, done.stderr
        main, thread = map(int, done.stdout.split())
        # the main thread's stack also holds Python's frames and the program's arguments, a
        # thread's its TLS and guard page: within a few KB either way of each other
        assert abs(main - thread) < 0.03 * thread, (mib, main, thread)


def test_a_stack_limit_raised_after_start_still_traps_around_runtime_calls(tmp_path):
    """A limit raised while the process runs (setrlimit, to recurse deeper) may reach the
    mappings below the main thread's stack, which are kept only the limit at exec (and at
    least 128 MiB) away: past 128 MiB the bounds come from glibc, which stops at them.
    Recursion that calls Python at every level must still trap."""
    import resource
    hard = resource.getrlimit(resource.RLIMIT_STACK)[1]
    if hard != resource.RLIM_INFINITY and hard < (1 << 30):
        pytest.skip("the hard stack limit is below 1 GiB")
    module = tmp_path / "grow.wasm"
    module.write_bytes(wat("""(module (import "host" "f" (func $f (param i32) (result i32)))
      (func $down (export "down") (param i32) (result i32)
        (drop (call $f (local.get 0)))
        (i32.add (call $down (i32.add (local.get 0) (i32.const 1))) (i32.const 1))))"""))
    code = textwrap.dedent(f"""
        import resource, wasm2pyext
        resource.setrlimit(resource.RLIMIT_STACK, (1 << 30, resource.getrlimit(resource.RLIMIT_STACK)[1]))
        module = wasm2pyext.Module(open({str(module)!r}, "rb").read())
        exports = module.instantiate({{"host": {{"f": lambda x: x + 1}}}}).exports
        for _ in range(2):
            try:
                exports.down(0)
            except wasm2pyext.Trap as trap:
                print(trap.kind)
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)),
                          preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_STACK, (8 << 20, hard)))
    assert (done.returncode, done.stdout.split("\n")[:2]) == (0, ["call stack exhausted"] * 2), done.stderr
