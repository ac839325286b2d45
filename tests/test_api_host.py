"""Python callables as imported functions: argument and result conversion, exceptions
passing through Wasm unchanged, re-entrancy, bad results, and unbounded Wasm <-> Python
recursion."""
from __future__ import annotations

import gc
import sys
import threading
import time
import weakref

import pytest

import wasm2pyext
from wasm2pyext import Trap

from threads import run_in_thread
from wat import wat

HOST = wat(r"""
(module
  (import "env" "add" (func $add (param i32 i32) (result i32)))
  (import "env" "floats" (func $floats (param f64 f32) (result f64)))
  (import "env" "sink" (func $sink (param i64)))
  (import "env" "pair" (func $pair (param i32) (result i32 i64)))
  (import "env" "wide" (func $wide (result i64)))
  (import "env" "single" (func $single (result f32)))
  (func (export "call_add") (param i32 i32) (result i32) local.get 0 local.get 1 call $add)
  (func (export "call_floats") (param f64 f32) (result f64) local.get 0 local.get 1 call $floats)
  (func (export "call_sink") (param i64) local.get 0 call $sink)
  (func (export "call_pair") (param i32) (result i32 i64) local.get 0 call $pair)
  (func (export "call_wide") (result i64) call $wide)
  (func (export "call_single") (result f32) call $single)
  (func $level3 (param i32 i32) (result i32) local.get 0 local.get 1 call $add)
  (func $level2 (param i32 i32) (result i32) local.get 0 local.get 1 call $level3 i32.const 1 i32.add)
  (func (export "deep_add") (param i32 i32) (result i32) local.get 0 local.get 1 call $level2))
""")

# down(n) = 0 if n == 0 else back(n) + 1: `back` is a host function that may call down again.
REENTER = wat(r"""
(module
  (import "env" "back" (func $back (param i32) (result i32)))
  (memory (export "mem") 1)
  (func (export "down") (param i32) (result i32)
    local.get 0 i32.eqz if (result i32) i32.const 0
    else local.get 0 call $back i32.const 1 i32.add end)
  (func (export "div") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_s)
  (func (export "store") (param i32 i32) local.get 0 local.get 1 i32.store)
  (func (export "load") (param i32) (result i32) local.get 0 i32.load))
""")


def fail(*args):
    raise AssertionError(f"unexpected host call {args}")


def host_instance(**functions):
    """An instance of HOST; the host functions not given fail when called."""
    env = {name: fail for name in ("add", "floats", "sink", "pair", "wide", "single")}
    env.update(functions)
    return wasm2pyext.Instance(HOST, {"env": env})


class HostError(Exception):
    pass


# ---- conversions ----

def test_host_function_gets_signed_ints_and_its_result_comes_back():
    seen = []

    def add(a, b):
        seen.append((a, b))
        return a + b

    assert host_instance(add=add).exports.call_add(0xFFFFFFFF, 5) == 4
    assert seen == [(-1, 5)]
    assert all(type(x) is int for x in seen[0])


def test_host_function_gets_floats():
    seen = []

    def floats(a, b):
        seen.append((a, b))
        return a * 2

    assert host_instance(floats=floats).exports.call_floats(1.25, 0.5) == 2.5
    assert seen == [(1.25, 0.5)]
    assert all(type(x) is float for x in seen[0])


def test_void_host_function_returns_none_to_the_caller():
    seen = []
    assert host_instance(sink=seen.append).exports.call_sink(-2**63) is None
    assert seen == [-2**63]


def test_host_function_returns_several_results_as_a_tuple():
    instance = host_instance(pair=lambda x: (x + 1, -x))
    assert instance.exports.call_pair(41) == (42, -41)


def test_host_function_returns_several_results_from_a_list():
    instance = host_instance(pair=lambda x: [x, x])
    assert instance.exports.call_pair(3) == (3, 3)


def test_host_function_unsigned_i64_result_wraps_to_signed():
    assert host_instance(wide=lambda: 2**64 - 1).exports.call_wide() == -1


def test_host_function_int_result_for_a_float_is_cast():
    result = host_instance(single=lambda: 3).exports.call_single()
    assert result == 3.0 and type(result) is float


def test_host_function_may_return_a_value():
    assert host_instance(wide=lambda: wasm2pyext.Value.i64(-7)).exports.call_wide() == -7


def test_any_callable_is_a_host_function():
    class Adder:
        def __call__(self, a, b):
            return a - b

    assert host_instance(add=Adder()).exports.call_add(10, 3) == 7


# ---- bad results ----

@pytest.mark.parametrize("result", ["1", None, 1.5, (1,)])
def test_host_function_returning_a_wrong_type_is_a_type_error(result):
    with pytest.raises(TypeError):
        host_instance(add=lambda a, b: result).exports.call_add(1, 2)


def test_host_function_returning_an_out_of_range_int_is_an_overflow_error():
    with pytest.raises(OverflowError):
        host_instance(add=lambda a, b: 2**40).exports.call_add(1, 2)


def test_host_function_returning_too_few_results_is_a_type_error():
    with pytest.raises(TypeError):
        host_instance(pair=lambda x: (x,)).exports.call_pair(1)


def test_host_function_returning_a_wrong_result_in_a_tuple_is_a_type_error():
    with pytest.raises(TypeError):
        host_instance(pair=lambda x: (x, "no")).exports.call_pair(1)


def test_host_function_called_with_wrong_arity_raises_its_type_error():
    instance = host_instance(add=lambda a: a)
    with pytest.raises(TypeError):
        instance.exports.call_add(1, 2)


def test_instance_usable_after_a_bad_host_result():
    results = iter(["bad", 5])
    instance = host_instance(add=lambda a, b: next(results))
    with pytest.raises(TypeError):
        instance.exports.call_add(1, 2)
    assert instance.exports.call_add(1, 2) == 5


# ---- exceptions ----

def test_host_exception_propagates_unchanged():
    error = HostError("from the host")

    def add(a, b):
        raise error

    with pytest.raises(HostError) as info:
        host_instance(add=add).exports.call_add(1, 2)
    assert info.value is error


def test_host_exception_propagates_through_several_wasm_frames():
    error = HostError("deep")

    def add(a, b):
        raise error

    instance = host_instance(add=add)
    with pytest.raises(HostError) as info:
        instance.exports.deep_add(1, 2)
    assert info.value is error


def test_host_exception_keeps_the_host_frame_in_the_traceback():
    def add(a, b):
        raise HostError()

    with pytest.raises(HostError) as info:
        host_instance(add=add).exports.call_add(1, 2)
    assert any(entry.name == "add" for entry in info.traceback)


def test_host_base_exception_propagates_unchanged():
    class Stop(BaseException):
        pass

    stop = Stop()

    def add(a, b):
        raise stop

    with pytest.raises(Stop) as info:
        host_instance(add=add).exports.call_add(1, 2)
    assert info.value is stop


def test_host_exception_is_not_wrapped_in_a_wasm2pyext_error():
    def add(a, b):
        raise KeyError("k")

    with pytest.raises(KeyError) as info:
        host_instance(add=add).exports.call_add(1, 2)
    assert not isinstance(info.value, wasm2pyext.Error)


def test_host_exception_traceback_goes_from_the_call_to_the_host_function():
    """No frame of the runtime's own (shim/*.pxi) between the caller's and the host's."""
    def add(a, b):
        raise KeyError("k")

    exports = host_instance(add=add).exports
    for call in (lambda: exports.call_add(1, 2), lambda: exports.deep_add(1, 2)):
        with pytest.raises(KeyError) as info:
            call()
        frames = [entry.name for entry in info.traceback]
        files = [str(entry.path) for entry in info.traceback]
        assert frames[-2:] == ["<lambda>", "add"], frames
        assert not any("shim" in f or ".pxi" in f for f in files), files


def test_instance_usable_after_a_host_exception():
    calls = []

    def add(a, b):
        calls.append(a)
        if a < 0:
            raise HostError()
        return a + b

    instance = host_instance(add=add)
    with pytest.raises(HostError):
        instance.exports.deep_add(-1, 0)
    assert instance.exports.deep_add(2, 3) == 6


def test_trap_raised_by_a_host_function_reaches_the_caller():
    def add(a, b):
        raise Trap("unreachable")

    with pytest.raises(Trap) as info:
        host_instance(add=add).exports.call_add(1, 2)
    assert info.value.kind == "unreachable"


# ---- re-entrancy ----

def reenter_instance(back):
    """An instance of REENTER whose `back` is back(instance, n)."""
    holder = []
    instance = wasm2pyext.Instance(REENTER, {"env": {"back": lambda n: back(holder[0], n)}})
    holder.append(instance)
    return instance


def test_host_function_calls_back_into_the_same_instance_several_levels_deep():
    depths = []

    def back(instance, n):
        depths.append(n)
        return instance.exports.down(n - 1) + 10

    instance = reenter_instance(back)
    assert instance.exports.down(5) == 55
    assert depths == [5, 4, 3, 2, 1]


def test_nested_call_sees_and_changes_the_same_memory():
    def back(instance, n):
        instance.exports.store(0, instance.exports.load(0) + n)
        return instance.exports.down(n - 1)

    instance = reenter_instance(back)
    instance.exports.down(4)
    assert instance.exports.load(0) == 4 + 3 + 2 + 1


def test_host_exception_inside_a_nested_call_propagates_to_the_outer_caller():
    error = HostError("at level 3")

    def back(instance, n):
        if n == 3:
            raise error
        return instance.exports.down(n - 1)

    instance = reenter_instance(back)
    with pytest.raises(HostError) as info:
        instance.exports.down(6)
    assert info.value is error
    assert instance.exports.down(2) == 2


def test_host_function_can_catch_a_trap_of_a_nested_call_and_continue():
    def back(instance, n):
        try:
            instance.exports.div(1, 0)
        except Trap as trap:
            assert trap.kind == "integer divide by zero"
        return 100

    assert reenter_instance(back).exports.down(1) == 101


def test_host_function_can_catch_an_exception_of_a_nested_host_call():
    def back(instance, n):
        if n == 1:
            raise HostError()
        try:
            instance.exports.down(1)
        except HostError:
            return 50
        raise AssertionError("no exception")

    assert reenter_instance(back).exports.down(2) == 51


def test_unbounded_wasm_python_recursion_is_a_recursion_error_or_a_trap():
    def back(instance, n):
        return instance.exports.down(n + 1)

    instance = reenter_instance(back)
    with pytest.raises((RecursionError, Trap)) as info:
        instance.exports.down(1)
    if isinstance(info.value, Trap):
        assert info.value.kind == "call stack exhausted"
    assert instance.exports.down(0) == 0


def test_unbounded_wasm_python_recursion_with_a_high_recursion_limit_does_not_crash():
    def back(instance, n):
        return instance.exports.down(n + 1)

    instance = reenter_instance(back)
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(1_000_000)
    try:
        with pytest.raises((RecursionError, Trap)) as info:
            instance.exports.down(1)
    finally:
        sys.setrecursionlimit(limit)
    if isinstance(info.value, Trap):
        assert info.value.kind == "call stack exhausted"


@pytest.mark.parametrize("stack_size", [256 * 1024, 512 * 1024])
def test_unbounded_wasm_python_recursion_on_a_small_thread_stack_does_not_crash(stack_size):

    def back(instance, n):
        return instance.exports.down(n + 1)

    instance = reenter_instance(back)
    _, error = run_in_thread(lambda: instance.exports.down(1), stack_size)
    assert isinstance(error, (RecursionError, Trap))


def test_host_call_works_on_a_thread_with_a_256k_stack():
    instance = host_instance(add=lambda a, b: a + b)
    assert run_in_thread(lambda: instance.exports.call_add(1, 2), 256 * 1024) == (3, None)


def test_instance_used_by_another_thread_during_a_host_call_keeps_working():
    """Thread A waits inside a host function while the main thread calls the same instance;
    back in Wasm, A's calls still check A's own stack."""
    entered, done = threading.Event(), threading.Event()
    outcome = {}

    def back(instance, n):
        if n == 1000:
            entered.set()
            done.wait(10)
            return instance.exports.down(50)
        return 0

    instance = reenter_instance(back)

    def body():
        try:
            outcome["result"] = instance.exports.down(1000)
        except BaseException as e:  # noqa: BLE001 - checked below
            outcome["error"] = e

    thread = threading.Thread(target=body)
    thread.start()
    try:
        assert entered.wait(10)
        assert instance.exports.div(6, 3) == 2
    finally:
        done.set()
        thread.join()
    assert outcome == {"result": 2}  # down(1000) = down(50) + 1 = (back(50) + 1) + 1


# ---- more shapes ----

WIDE_HOST = wat(r"""
(module
  (import "env" "many" (func $many (param i32 i64 f32 f64 i32 i64 f32 f64 i32 i64 f32 f64 i32 i64 f32 f64 i32 i64)
                                   (result i64 i32 f64 f32 i64 i32 f64 f32 i64 i32 f64 f32 i64 i32 f64 f32 i64 i32)))
  (func (export "call_many")
    (result i64 i32 f64 f32 i64 i32 f64 f32 i64 i32 f64 f32 i64 i32 f64 f32 i64 i32)
    i32.const 0 i64.const 1 f32.const 2 f64.const 3 i32.const 4 i64.const 5 f32.const 6 f64.const 7
    i32.const 8 i64.const 9 f32.const 10 f64.const 11 i32.const 12 i64.const 13 f32.const 14 f64.const 15
    i32.const 16 i64.const -17
    call $many))
""")

REFS_HOST = wat(r"""
(module
  (import "env" "make" (func $make (result externref)))
  (import "env" "pick" (func $pick (param funcref) (result funcref)))
  (table $kept 1 externref)
  (func $seven (export "seven") (result i32) i32.const 7)
  (elem declare func $seven)
  (func (export "keep") i32.const 0 call $make table.set $kept)
  (func (export "kept") (result externref) i32.const 0 table.get $kept)
  (func (export "pick_seven") (result funcref) ref.func $seven call $pick))
""")

START_HOST = wat(r"""
(module
  (import "env" "init" (func $init))
  (func $start call $init)
  (start $start))
""")


def test_host_function_with_eighteen_params_and_results():
    seen = []

    def many(*args):
        seen.append(args)
        return tuple(reversed(args))

    instance = wasm2pyext.Instance(WIDE_HOST, {"env": {"many": many}})
    result = instance.exports.call_many()
    assert seen == [tuple(range(17)) + (-17,)]
    assert result == (-17,) + tuple(range(16, -1, -1))


def test_host_function_gets_and_returns_a_funcref():
    seen = []

    def pick(f):
        seen.append(f)
        return f

    instance = wasm2pyext.Instance(REFS_HOST, {"env": {"make": object, "pick": pick}})
    picked = instance.exports.pick_seven()
    assert picked == instance.exports.seven and picked() == 7
    assert isinstance(seen[0], wasm2pyext.Function) and seen[0]() == 7


def test_host_function_returning_a_non_function_for_a_funcref_is_a_type_error():
    instance = wasm2pyext.Instance(REFS_HOST, {"env": {"make": object, "pick": lambda f: (lambda: 7)}})
    with pytest.raises(TypeError):
        instance.exports.pick_seven()


def test_externref_made_by_a_host_function_is_kept_alive_while_wasm_holds_it():
    class Thing:
        pass

    refs = []

    def make():
        thing = Thing()
        refs.append(weakref.ref(thing))
        return thing

    instance = wasm2pyext.Instance(REFS_HOST, {"env": {"make": make, "pick": lambda f: f}})
    instance.exports.keep()
    gc.collect()
    assert refs[0]() is not None
    assert instance.exports.kept() is refs[0]()


def test_host_exception_in_the_start_function_propagates_unchanged():
    error = HostError("in start")

    def init():
        raise error

    with pytest.raises(HostError) as info:
        wasm2pyext.Instance(START_HOST, {"env": {"init": init}})
    assert info.value is error


def test_start_function_calls_the_host_function_once_per_instance():
    calls = []
    module = wasm2pyext.Module(START_HOST)
    module.instantiate({"env": {"init": lambda: calls.append(1)}})
    module.instantiate({"env": {"init": lambda: calls.append(2)}})
    assert calls == [1, 2]


def test_uncaught_trap_of_a_nested_call_reaches_the_outer_caller():
    def back(instance, n):
        return instance.exports.div(n, 0)

    instance = reenter_instance(back)
    with pytest.raises(Trap) as info:
        instance.exports.down(3)
    assert info.value.kind == "integer divide by zero"
    assert instance.exports.down(0) == 0


def test_threads_interleaving_host_calls_traps_and_exceptions_on_one_instance():
    def back(instance, n):
        time.sleep(0)  # let the other threads run inside their own calls
        if n % 7 == 0:
            raise HostError(n)
        if n % 5 == 0:
            return instance.exports.div(n, 0)
        return instance.exports.down(n - 1) if n > 1 else 0

    instance = reenter_instance(back)
    failures = []

    def body(seed):
        for n in range(seed, seed + 40):
            try:
                result = instance.exports.down(n)
            except HostError as e:
                outcome = ("host", e.args[0])
            except Trap as e:
                outcome = ("trap", e.kind)
            else:
                outcome = ("ok", result)
            expected = expected_down(n)
            if outcome != expected:
                failures.append((n, outcome, expected))

    threads = [threading.Thread(target=body, args=(seed,)) for seed in (1, 50, 100)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


def expected_down(n):
    """What REENTER's down(n) gives with the `back` of the threads test."""
    levels = 0
    while n > 0:
        if n % 7 == 0:
            return ("host", n)
        if n % 5 == 0:
            return ("trap", "integer divide by zero")
        levels += 1
        if n == 1:
            break
        n -= 1
    return ("ok", levels)
