"""Differential fuzzing against wasmtime (tests/fuzz/diff.py): fixed `wasm-tools smith`
modules, every exported function called on both engines; results, traps, memories, globals
and tables compared after each call. Each chunk runs as `python -m tests.fuzz.diff` in a
subprocess (wasmtime's signal handlers stay out of this process, where other tests load
our modules), chunks spread over the cores by pytest-xdist. The big runs:
`python -m tests.fuzz.diff --count 10000`."""
from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import sys

import pytest

from tests.fuzz import diff, inputs
from wasm2pyext.build import BuildOptions
from wasm2pyext.toolchain import DEFAULT_BOUNDS_CHECKS

pytest.importorskip("wasmtime", reason="the reference engine: pip install -e '.[test]'")
try:
    inputs.wasm_tools()
except RuntimeError as exc:
    pytest.skip(f"{exc} (or pip install -e '.[test]')", allow_module_level=True)

CHUNK = 40
DEFAULT_CHUNKS = 12       # modules 1 .. 480, the default build (guard pages)
BOUNDS_CHECKS_CHUNKS = 3  # modules 100001 .. 100120, built with explicit bounds checks
# SIMD modules (their own series): 200001 .. 200120 in the default build (which assumes
# this machine's CPU: SSE4.1 paths), 300001 .. 300040 with explicit bounds checks, and
# 400001 .. 400040 built for the x86-64 baseline (SSE2 paths); and each SIMD instruction
# alone (--simd-ops; loads and stores for every fourth number) on the arguments of
# numbers 1 .. 40, in the default build and the baseline's.
SIMD_CHUNKS = 3
BASELINE = "x86-64"


def run_chunk(first: int, bounds_checks: bool, tmp_path, *options: str) -> None:
    command = [sys.executable, "-m", "tests.fuzz.diff", "--seed", str(first), "--count", str(CHUNK),
               "--jobs", "1", "--out", str(tmp_path), *options] + (["--bounds-checks"] if bounds_checks else [])
    proc = subprocess.run(command, cwd=diff.REPO_ROOT, capture_output=True, text=True, timeout=1200)
    if proc.returncode != 0:
        pytest.fail(f"wasm2pyext and wasmtime disagree (modules and descriptions in {tmp_path}):\n"
                    f"{proc.stdout}{proc.stderr[-3000:]}", pytrace=False)
    # it compared something: most modules get through their calls (to a result or a trap)
    first_line = proc.stdout.splitlines()[0]
    assert f"{CHUNK} modules in" in first_line, proc.stdout
    agree = int(first_line.split(": ")[1].split(" agree")[0])
    assert agree >= CHUNK // 2, proc.stdout


@pytest.mark.parametrize("chunk", range(DEFAULT_CHUNKS))
def test_diff_fuzz(chunk, tmp_path):
    run_chunk(1 + chunk * CHUNK, False, tmp_path)


@pytest.mark.parametrize("chunk", range(BOUNDS_CHECKS_CHUNKS))
def test_diff_fuzz_bounds_checks(chunk, tmp_path):
    run_chunk(100001 + chunk * CHUNK, True, tmp_path)


@pytest.mark.parametrize("chunk", range(SIMD_CHUNKS))
def test_diff_fuzz_simd(chunk, tmp_path):
    run_chunk(200001 + chunk * CHUNK, False, tmp_path, "--simd")


def test_diff_fuzz_simd_bounds_checks(tmp_path):
    run_chunk(300001, True, tmp_path, "--simd")


def test_diff_fuzz_simd_ops(tmp_path):
    run_chunk(1, False, tmp_path, "--simd-ops")


@pytest.mark.parametrize("first, mode", [(400001, "--simd"), (1, "--simd-ops")])
def test_diff_fuzz_simd_baseline_cpu(first, mode, tmp_path):
    if "march" not in {f.name for f in dataclasses.fields(BuildOptions)}:
        pytest.skip("BuildOptions has no march: every build is the compiler's default CPU")
    run_chunk(first, False, tmp_path, mode, "--march", BASELINE)


def test_simd_ops_module_has_every_simd_instruction_without_memory():
    from wasm2pyext.opcodes import OPS
    wanted = {op.name for op in OPS if op.code == 0xFD and op.imm in ("-", "lane", "shuffle")}
    wat = inputs.simd_ops_module()
    exported = set(re.findall(r'\(export "([^"/]+)', wat))
    assert exported == wanted and len(wanted) > 200
    assert wat.count('(export "i8x16.extract_lane_u/') == 16 and wat.count('(export "i64x2.replace_lane/') == 2
    # NaN lanes made canonical after f32x4.add, not after f32x4.abs (exact) or pmin
    add = next(line for line in wat.splitlines() if '"f32x4.add"' in line)
    assert "v128.bitselect" in add and "0x7fc00000" in add
    assert not any("v128.bitselect" in line for line in wat.splitlines()
                   if '"f32x4.abs"' in line or '"f32x4.pmin"' in line)
    # (the types by our decoder: wasmtime, and its signal handlers, stay out of this process)
    plan = inputs.call_plan(5, diff.ExportTypes.of(inputs.simd_ops_wasm()).functions(), inputs.SIMD_OPS_ROUNDS)
    assert len(plan) == inputs.SIMD_OPS_ROUNDS and plan[0] != plan[1]


def test_simd_ops_memory_module_has_every_simd_load_and_store():
    from wasm2pyext.opcodes import OPS
    wanted = {op.name for op in OPS if op.code == 0xFD and op.imm in ("memarg", "memarg_lane")}
    wat = inputs.simd_ops_module(memory=True)
    assert set(re.findall(r'\(export "([^"/]+)/', wat)) == wanted and len(wanted) == 22
    assert wat.count('(export "v128.store8_lane/') == 32 and '(memory (export "mem") 1 1)' in wat
    types = diff.ExportTypes.of(inputs.simd_ops_wasm(True))
    assert types.funcs["v128.store/1"] == (("i32", "v128"), ()) and types.funcs["v128.load/0"] == (("i32",), ("v128",))


# ---- the comparer itself, on made-up traces: each kind of difference is caught -------------

PLAN = [[["f", [["i32", 7]]]]]


def trace(out=("ok", [["f32", 0x7FC00000]]), memory=b"\0" * 32, value=1, nulls="01", inst=("ok", [])):
    state = {"mem": {"m": inputs._memory_state(memory)}, "glob": {"g": ["i32", value]}, "tab": {"t": [2, nulls]}}
    return [{"inst": list(inst), "calls": [{"out": list(out), "state": state}]}]


def verdict(theirs, ours):
    return diff.compare(5, PLAN, theirs, ours)


def test_comparer_agrees_on_the_same_trace():
    v = verdict(trace(), trace())
    assert (v.status, v.calls) == ("agree", 1)


@pytest.mark.parametrize("ours, what", [
    (trace(out=("ok", [["f32", 0x7FC00001]])), "returned f32:0x7fc00001"),
    (trace(out=("trap", "unreachable")), "trapped: unreachable"),
    (trace(memory=b"\0" * 20 + b"\1" + b"\0" * 11), "1 bytes differ, first at 0x14"),
    (trace(memory=b"\0" * 64), "size 64 bytes, expected 32"),
    (trace(value=2), "global 'g'"),
    (trace(nulls="11"), "table 't'"),
    (trace(inst=("trap", "out of bounds memory access")), "instantiation"),
    ({"died": "our worker crashed with SIGSEGV"}, "SIGSEGV"),
])
def test_comparer_finds_each_difference(ours, what):
    v = verdict(trace(), ours)
    assert v.status == "disagree" and what in v.detail, v.detail


def test_comparer_maps_wasmtime_trap_codes():
    theirs = trace(out=("trap", list(diff.WASMTIME_KINDS["TABLE_OUT_OF_BOUNDS"])))
    assert verdict(theirs, trace(out=("trap", "undefined element"))).status == "agree"
    assert verdict(theirs, trace(out=("trap", "out of bounds table access"))).status == "agree"
    assert verdict(theirs, trace(out=("trap", "uninitialized element"))).status == "disagree"


def test_comparer_allows_a_different_stack_limit():
    v = verdict(trace(), trace(out=("trap", diff.STACK)))
    assert v.status == "allowed" and "stack limit" in v.detail
    # both ran out, at different depths: what each stored on the way down differs
    v = verdict(trace(out=("trap", [diff.STACK])), trace(out=("trap", diff.STACK), memory=b"\1" * 32))
    assert v.status == "allowed" and "stack limit" in v.detail


def test_comparer_compares_v128_bit_for_bit():
    theirs = trace(out=("ok", [["v128", 1 << 127 | 0x7FC00000]]))
    assert verdict(theirs, trace(out=("ok", [["v128", 1 << 127 | 0x7FC00000]]))).status == "agree"
    v = verdict(theirs, trace(out=("ok", [["v128", 1 << 127 | 0x7FC00001]])))
    assert v.status == "disagree" and "returned v128:0x800000000000000000000000" in v.detail, v.detail


def test_v128_arguments_are_deterministic_and_fill_all_lanes():
    plan = inputs.call_plan(7, [("v", ("v128",) * 200)])
    assert plan == inputs.call_plan(7, [("v", ("v128",) * 200)])
    values = [bits for round_ in plan for _, args in round_ for ty, bits in args]
    assert all(ty == "v128" for round_ in plan for _, args in round_ for ty, _ in args)
    assert all(0 <= v < 1 << 128 for v in values)
    assert any(v >> 120 for v in values) and any(v >> 64 == 0 and v for v in values)  # top lanes, low lanes
    assert len(set(values)) > 100


def test_arguments_are_deterministic_and_nans_canonical():
    functions = [("a", ("i32", "i64", "f32", "f64", "funcref")), ("b", ())]
    plan = inputs.call_plan(99, functions)
    assert plan == inputs.call_plan(99, functions) != inputs.call_plan(100, functions)
    assert [len(r) for r in plan] == [2, 1, 1, 2]  # all, each alone, all reversed
    for round_ in plan:
        for _, args in round_:
            for ty, bits in args:
                if ty in ("f32", "f64") and inputs.is_nan(ty, bits):
                    assert bits == inputs.CANONICAL_NAN[ty]
                if ty == "funcref":
                    assert bits is None


# ---- the README's other two commands ------------------------------------------------------

def fuzz_command(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tests.fuzz.diff", *args], cwd=diff.REPO_ROOT,
                          capture_output=True, text=True, timeout=600)


def test_one_module_call_by_call():
    proc = fuzz_command("--seed", "4711", "--count", "1", "-v")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "(module" in proc.stdout and "round 0: instantiate: ours" in proc.stdout
    assert "1 modules in" in proc.stdout


def test_v128_crosses_both_engines_bit_for_bit(tmp_path):
    """v128 arguments, results and globals reach both engines whole: an identity function
    answers its argument, a lane operation the argument's lanes each plus one, and the
    exported global keeps what the call stored."""
    wat = tmp_path / "v128.wat"
    wat.write_text('(module (global $g (export "g") (mut v128) (v128.const i64x2 0 0))'
                   ' (func (export "id") (param v128) (result v128) (local.get 0))'
                   ' (func (export "inc") (param v128) (result v128 i32)'
                   '  (global.set $g (local.get 0))'
                   '  (i8x16.add (local.get 0) (v128.const i8x16 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1)) (i32.const 7)))')
    proc = fuzz_command("--wasm", str(wat), "--seed", "3", "-v")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"{wat}: agree" in proc.stdout
    calls = re.findall(r"'(id|inc)'\(v128:(0x[0-9a-f]+)\): ours returned (.*); wasmtime returned (.*)", proc.stdout)
    assert len(calls) == 6, proc.stdout
    for name, arg, ours, theirs in calls:
        x = int(arg, 16)
        expected = x if name == "id" else sum(((x >> i & 255) + 1 & 255) << i for i in range(0, 128, 8))
        want = f"v128:{expected:#x}" + (", i32:0x7" if name == "inc" else "")
        assert ours == theirs == want, (name, arg, ours, theirs)
    assert len({arg for _, arg, _, _ in calls}) > 1
    # the global as each side reads it after each call: the last `inc` argument
    script = ("import json, sys; from tests.fuzz import diff, inputs; wasm = diff.subprocess.run("
              "[inputs.wasm_tools(), 'parse', sys.argv[1]], capture_output=True, check=True).stdout; "
              "plan = inputs.call_plan(3, diff.wasmtime_functions(wasm)); "
              "worker = diff.Worker(None); ours = worker.run(wasm, plan, {}, 600); worker.stop(); "
              "print(json.dumps([plan, diff.wasmtime_trace(wasm, plan), ours]))")
    proc = subprocess.run([sys.executable, "-c", script, str(wat)], cwd=diff.REPO_ROOT, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    plan, *traces = json.loads(proc.stdout)
    for trace_ in traces:
        for calls, round_ in zip(plan, trace_):
            stored = 0
            for (name, args), call in zip(calls, round_["calls"]):
                stored = args[0][1] if name == "inc" else stored
                assert call["state"]["glob"]["g"] == ["v128", stored]


def test_a_module_of_ones_own(tmp_path):
    wat = tmp_path / "repro.wat"
    wat.write_text('(module (memory (export "mem") 1)'
                   ' (func (export "f") (param i32) (result i32)'
                   '  (i32.store (i32.const 8) (local.get 0)) (i32.div_u (local.get 0) (i32.const 0))))')
    proc = fuzz_command("--wasm", str(wat), "-v")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"{wat}: agree" in proc.stdout
    assert proc.stdout.count("ours trapped: integer divide by zero; wasmtime trapped: integer divide by zero") == 3


# ---- the minimised disagreements (tests/fuzz/FINDINGS.md) ----------------------------------

REPROS = sorted((diff.REPO_ROOT / "tests" / "fuzz" / "repros").glob("*.wat"))


@pytest.mark.parametrize("path", REPROS, ids=lambda p: p.stem)
def test_repro(path):
    """A repro whose header says `status: open` still disagrees (an expected failure); once
    it agrees, the test fails until the header says `status: fixed`, from when on it must
    agree in both build kinds."""
    status = path.read_text().splitlines()[0].removeprefix(";; status: ").split()[0]
    assert status in ("open", "fixed"), f"{path.name}: the first line says ';; status: open' or 'fixed'"
    default = fuzz_command("--wasm", str(path))
    if status == "open":
        if DEFAULT_BOUNDS_CHECKS:
            pytest.skip("the open repros disagree in the guard-page build, not this platform's default")
        assert default.returncode == 1, f"{path.name} now agrees: set its status to fixed\n{default.stdout}"
        pytest.xfail(default.stdout.strip())
    checked = fuzz_command("--wasm", str(path), "--bounds-checks")
    assert default.returncode == checked.returncode == 0, default.stdout + checked.stdout
