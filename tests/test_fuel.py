"""Fuel (issue 17): modules built with fuel meter the Wasm code they run. Every instruction
costs one unit but for block, loop, else and end; a run of instructions pays as it starts
and, when the fuel left cannot pay for it in full, traps "out of fuel" before its first
instruction with the fuel left untouched. The costs below are counted by hand from that
rule, instruction by instruction, and must match exactly."""
from __future__ import annotations

import subprocess
import sys

import pytest

import wasm2pyext
from wasm2pyext.build import BuildOptions, cached_extension, compile_to_c
from wasm2pyext.cli import main
from wasm2pyext.codegen.traps import functions_that_cannot_trap
from wasm2pyext.decode import decode

from fresh import TESTS, run_fresh
from wat import wat

MODULE = '''(module
  (import "env" "host" (func $host (param i32) (result i32)))
  (global $g (mut i32) (i32.const 0))
  ;; 3 units: local.get, local.get, i32.add
  (func $add (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  ;; 0 units: structure alone
  (func (export "empty") (block (block)))
  ;; 9n + 3 units for n >= 1: 2 before the loop, 9 an iteration, 1 after
  (func (export "sum_to") (param $n i32) (result i32) (local $s i32)
    i32.const 0
    local.set $s
    loop
      local.get $s
      local.get $n
      i32.add
      local.set $s
      local.get $n
      i32.const 1
      i32.sub
      local.tee $n
      br_if 0
    end
    local.get $s)
  ;; 12 units an iteration (the global counts them), then 1
  (func (export "count") (param i32) (result i32) (local i32)
    (loop
      (global.set $g (i32.add (global.get $g) (i32.const 1)))
      (local.set 1 (i32.add (local.get 1) (i32.const 1)))
      (br_if 0 (i32.ne (local.get 1) (local.get 0))))
    (global.get $g))
  ;; 4 units, then 1 (n < 2) or 9 and the two calls' own
  (func $fib (export "fib") (param i64) (result i64)
    (if (result i64) (i64.lt_u (local.get 0) (i64.const 2)) (then (local.get 0))
      (else (i64.add (call $fib (i64.sub (local.get 0) (i64.const 1)))
                     (call $fib (i64.sub (local.get 0) (i64.const 2)))))))
  ;; 2 units up to the call, 1 after it, 10 an iteration, then 1
  (func (export "via_host") (param i32) (result i32) (local i32)
    (local.set 1 (call $host (local.get 0)))
    (loop
      (local.set 1 (i32.sub (local.get 1) (i32.const 1)))
      (global.set $g (i32.add (global.get $g) (i32.const 1)))
      (br_if 0 (local.get 1)))
    (i32.const 0))
  (func (export "g") (result i32) (global.get $g))
  ;; ifs nested deeper than the generator braces (MAX_BRACES): 2 units an if, 2 inside, 1
  (func (export "deep") (param i32) (result i32)
    local.get 0 if local.get 0 if local.get 0 if local.get 0 if local.get 0 if local.get 0 if local.get 0 if local.get 0 if local.get 0 if local.get 0 if local.get 0 if local.get 0 if local.get 0 if local.get 0 if local.get 0 if local.get 0 if local.get 0 if local.get 0 if local.get 0 if local.get 0 if local.get 0 if local.get 0 if local.get 0 if local.get 0 if local.get 0 if local.get 0 if local.get 0 if local.get 0 if local.get 0 if local.get 0 if local.get 0 if local.get 0 if local.get 0 if local.get 0 if local.get 0 if local.get 0 if local.get 0 if local.get 0 if local.get 0 if local.get 0 if i32.const 7 local.set 0 end end end end end end end end end end end end end end end end end end end end end end end end end end end end end end end end end end end end end end end end local.get 0))'''

FUELLED = BuildOptions(fuel=True)


def sum_to_cost(n: int) -> int:
    return 2 + 9 * n + 1


def fib_cost(n: int) -> int:
    return 4 + (1 if n < 2 else 9 + fib_cost(n - 1) + fib_cost(n - 2))


@pytest.fixture(scope="module")
def module():
    return wasm2pyext.Module(wat(MODULE), options=FUELLED)


def make(module, host=lambda n: n):
    return module.instantiate({"env": {"host": host}})


def spent(inst, call, *args, fuel=10**9):
    """(result, fuel the call took)."""
    inst.fuel = fuel
    result = getattr(inst.exports, call)(*args)
    return result, fuel - inst.fuel


def test_each_instruction_costs_one_unit_exactly(module):
    inst = make(module)
    assert spent(inst, "add", 2, 3) == (5, 3)
    assert spent(inst, "empty") == (None, 0)
    for n in (1, 2, 10, 1000):
        assert spent(inst, "sum_to", n) == (n * (n + 1) // 2, sum_to_cost(n))
    assert spent(inst, "count", 50)[1] == 12 * 50 + 1
    assert spent(inst, "fib", 15) == (610, fib_cost(15))
    assert spent(inst, "deep", 1) == (7, 40 * 2 + 2 + 1)
    assert spent(inst, "deep", 0) == (0, 2 + 1)


def test_the_portable_build_meters_alike():
    inst = make(wasm2pyext.Module(wat(MODULE), options=BuildOptions(fuel=True, bounds_checks=True)))
    assert spent(inst, "sum_to", 1000) == (500500, sum_to_cost(1000))
    assert spent(inst, "fib", 15) == (610, fib_cost(15))
    inst.fuel = 1_000_003
    with pytest.raises(wasm2pyext.Trap, match="out of fuel"):
        inst.exports.count(10**9)
    assert inst.fuel == 1_000_003 % 12


def test_a_run_it_cannot_pay_for_traps_before_it_starts_and_takes_nothing(module):
    inst = make(module)
    n = 100
    inst.fuel = sum_to_cost(n)  # exactly enough
    assert inst.exports.sum_to(n) == 5050
    assert inst.fuel == 0
    inst.fuel = sum_to_cost(n) - 1  # all but the last run (local.get: 1)
    with pytest.raises(wasm2pyext.Trap) as e:
        inst.exports.sum_to(n)
    assert e.value.kind == "out of fuel"
    assert inst.fuel == 0
    inst.fuel = sum_to_cost(n) - 2  # the last iteration's run (9) finds 8
    with pytest.raises(wasm2pyext.Trap, match="out of fuel"):
        inst.exports.sum_to(n)
    assert inst.fuel == 8
    inst.fuel = 2  # the run before the loop, but no iteration
    with pytest.raises(wasm2pyext.Trap, match="out of fuel"):
        inst.exports.sum_to(n)
    assert inst.fuel == 0


def test_out_of_fuel_stops_at_the_same_instruction_every_run(module):
    """The global counts the loop's iterations: the trap comes after the same number of
    them, with the same fuel left, in every fresh instance and another process."""
    fuel = 1_000_003
    seen = set()
    for _ in range(5):
        inst = make(module)
        inst.fuel = fuel
        with pytest.raises(wasm2pyext.Trap, match="out of fuel"):
            inst.exports.count(10**9)
        left = inst.fuel
        seen.add((inst.exports.g(), left))
    assert seen == {(fuel // 12, fuel % 12)}
    out = run_fresh(f"""
        import wasm2pyext
        from wasm2pyext.build import BuildOptions
        inst = wasm2pyext.Module({wat(MODULE)!r}, options=BuildOptions(fuel=True)).instantiate(
            {{"env": {{"host": lambda n: n}}}})
        inst.fuel = {fuel}
        try:
            inst.exports.count(10**9)
        except wasm2pyext.Trap as e:
            left = inst.fuel
            print(e.kind, inst.exports.g(), left)
    """)
    assert out.split() == ["out", "of", "fuel", str(fuel // 12), str(fuel % 12)]


def test_recursion_runs_out_of_fuel_and_the_instance_works_on(module):
    inst = make(module)
    inst.fuel = 10**6
    with pytest.raises(wasm2pyext.Trap, match="out of fuel"):
        inst.exports.fib(40)
    assert 0 <= inst.fuel < 4  # no run of fib costs more than 4
    assert spent(inst, "fib", 20) == (6765, fib_cost(20))


def test_a_call_that_does_not_run_out_keeps_the_fuel_left_exact_across_host_calls(module):
    inst = make(module, host=lambda n: n)
    assert spent(inst, "via_host", 5) == (0, 3 + 10 * 5 + 1)


def test_a_call_back_into_the_instance_spends_the_same_fuel(module):
    holder = []
    inst = make(module, host=lambda n: holder[0].exports.add(n, 0))
    holder.append(inst)
    assert spent(inst, "via_host", 5) == (0, 3 + 10 * 5 + 1 + 3)


def test_a_host_function_may_refuel_its_instance(module):
    holder = []

    def host(n):
        holder[0].fuel = 1 + 10 * n + 1  # exactly what the call leaves to run
        return n

    inst = make(module, host)
    holder.append(inst)
    inst.fuel = 2  # enough for the run up to the call alone
    assert inst.exports.via_host(1000) == 0
    assert inst.fuel == 0


def test_each_instance_spends_its_own_fuel_across_links():
    """A call into another instance spends that instance's fuel, not the caller's."""
    callee = wasm2pyext.Module(wat(MODULE), options=FUELLED).instantiate({"env": {"host": lambda n: n}})
    caller = wasm2pyext.Module(wat('''(module
      (import "m" "sum_to" (func $sum_to (param i32) (result i32)))
      ;; 4 units: local.get and call, then drop and i32.const
      (func (export "run") (param i32) (result i32) (drop (call $sum_to (local.get 0))) (i32.const 1)))'''),
        options=FUELLED).instantiate({"m": {"sum_to": callee.exports.sum_to}})
    callee.fuel, caller.fuel = 10**6, 10**6
    assert caller.exports.run(100) == 1
    assert (10**6 - caller.fuel, 10**6 - callee.fuel) == (4, sum_to_cost(100))
    # The callee runs out: its trap, with the caller's runs paid up to the call alone.
    callee.fuel, caller.fuel = 50, 10**6
    with pytest.raises(wasm2pyext.Trap, match="out of fuel"):
        caller.exports.run(100)
    assert 10**6 - caller.fuel == 2
    assert callee.fuel == (50 - 2) % 9


def test_instance_fuel_starts_unlimited_and_takes_ints_in_range(module):
    inst = make(module)
    assert inst.fuel == 2**63 - 1
    inst.fuel = 0
    assert inst.exports.empty() is None  # costs nothing
    with pytest.raises(wasm2pyext.Trap, match="out of fuel"):
        inst.exports.add(1, 2)  # on the fast path of a Python call too
    assert inst.fuel == 0
    inst.fuel = 2**63 - 1
    assert inst.exports.add(1, 2) == 3
    for bad in (-1, 2**63):
        with pytest.raises(ValueError):
            inst.fuel = bad
    for bad in (1.0, "1", None, True):
        with pytest.raises(TypeError):
            inst.fuel = bad
    assert inst.fuel == 2**63 - 1 - 3


def test_without_fuel_there_is_no_fuel():
    inst = wasm2pyext.Instance(wat(MODULE), {"env": {"host": lambda n: n}})
    assert inst.fuel is None
    with pytest.raises(wasm2pyext.Error, match="--fuel"):
        inst.fuel = 100
    c = compile_to_c(wat(MODULE), "m")
    assert "#define W2P_FUEL 0" in c and "FUEL(" not in c and "fuel" not in c


def test_fuel_makes_every_function_that_costs_anything_one_that_may_trap():
    """A function described as unable to trap is called with no boundary: with fuel only
    a body of block, loop, else and end alone qualifies (an instruction without cost)."""
    m = decode(wat(MODULE))
    add, empty = 1, 2
    assert add in functions_that_cannot_trap(m)
    assert functions_that_cannot_trap(m, fuel=True) == {empty}
    c = compile_to_c(wat(MODULE), "m", fuel=True)
    assert c.count(", CANNOT_TRAP, ") == 1


def test_the_build_flag_reaches_the_module_and_the_cache_key(tmp_path):
    wasm = wat(MODULE)
    assert cached_extension(wasm, BuildOptions(fuel=True))[0] != cached_extension(wasm)[0]
    (tmp_path / "m.wasm").write_bytes(wasm)
    assert main(["c", str(tmp_path / "m.wasm"), "-o", str(tmp_path / "m.c"), "--fuel"]) == 0
    assert ".flags = W2P_MODULE_GUARD_PAGES | W2P_MODULE_FUEL" in (tmp_path / "m.c").read_text() \
        or ".flags = W2P_MODULE_FUEL" in (tmp_path / "m.c").read_text()
    done = subprocess.run([sys.executable, "-m", "wasm2pyext", "build", str(tmp_path / "m.wasm"), "--fuel",
                           "-o", str(tmp_path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    out = run_fresh(f"""
        sys.path.insert(0, {str(tmp_path)!r})
        import m
        inst = m.Instance({{"env": {{"host": lambda n: n}}}})
        inst.fuel = 5
        print(inst.exports.add(1, 2), inst.fuel)
    """)
    assert out.split() == ["3", "2"]


def test_the_readme_fuel_snippet_runs_as_written():
    """README "Stopping Wasm code, and threads", the fuel block: `expr  # result: words`
    asserts repr(expr) == result."""
    section = (TESTS.parent / "README.md").read_text().split("## Stopping Wasm code, and threads", 1)[1]
    section = section.split("\n## ", 1)[0]
    lines = []
    for line in section.split("**Fuel**", 1)[1].splitlines():
        if line.startswith("    ") or (lines and not line):
            lines.append(line[4:])
        elif lines:
            break
    program, checked = [f"import os\nos.chdir({str(TESTS.parent)!r})"], 0
    for line in lines:
        code, _, comment = line.partition("  # ")
        body = code.strip()
        if comment:
            indent = code[:len(code) - len(code.lstrip())]
            program.append(f"{indent}assert repr({body}) == {comment.split(':')[0].strip()!r}, repr({body})")
            checked += 1
        else:
            program.append(code.rstrip())
    assert checked >= 3
    assert "ran" in run_fresh("\n".join(program) + "\nprint('ran')")
