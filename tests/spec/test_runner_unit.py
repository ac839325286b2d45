"""Unit tests of the spec driver's own logic; none of them needs the compiler."""
from __future__ import annotations

import json
import struct
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from . import runner
from .interpreter import ScriptInterpreter
from .results import (FileResult, Failure, Row, failure_block, one_line, parse_results, ratchet,
                      render_results, updated_results)
from .runner import result_from_stream, run_file_isolated
from .script import (FILES_ENV, SPECTEST_ENV, all_files, count_commands, is_counted, is_simd,
                     load_commands, non_simd_files, selected_files, spectest_dir)
from .values import (V128, HostRefs, NanPattern, NonNullRef, Number, Ref, format_actual,
                     format_expected, format_number, matches, nan_matches, parse_value, to_signed,
                     trap_kind_matches)

needs_suite = pytest.mark.skipif(not (spectest_dir() / "json").is_dir(),
                                 reason="the spec suite is not available")


def value(type_: str, bits: int | None = None, ref: Any = None) -> SimpleNamespace:
    """A stand-in for a wasm2pyext.Value result."""
    return SimpleNamespace(type=type_, bits=bits, value=ref)


# ---- counting ---------------------------------------------------------------------------

@needs_suite
def test_counted_commands_in_non_simd_files_match_the_readme() -> None:
    names = non_simd_files()
    counts = [count_commands(load_commands(name)) for name in names]
    assert len(names) == 90
    assert sum(c.counted for c in counts) == 27405
    assert sum(c.text_format for c in counts) == 580
    assert sum(c.register for c in counts) == 19


@needs_suite
def test_counted_commands_in_simd_files_match_the_readme() -> None:
    names = [name for name in all_files() if is_simd(name)]
    counts = [count_commands(load_commands(name)) for name in names]
    assert len(names) == 57
    assert sum(c.counted for c in counts) == 52873 - 27405
    assert selected_files() == sorted(names + non_simd_files())  # a run covers both


def test_register_and_text_format_cases_are_not_counted() -> None:
    assert is_counted({"type": "assert_return"})
    assert is_counted({"type": "assert_malformed", "module_type": "binary"})
    assert not is_counted({"type": "assert_malformed", "module_type": "text"})
    assert not is_counted({"type": "register", "as": "M"})


@needs_suite
def test_spec_files_env_limits_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(FILES_ENV, "i32, call,i32")
    assert selected_files() == ["call", "i32"]
    monkeypatch.setenv(FILES_ENV, "i32,no_such_file")
    with pytest.raises(ValueError, match="no_such_file"):
        selected_files()


def test_spectest_env_overrides_the_suite_location(monkeypatch: pytest.MonkeyPatch,
                                                    tmp_path: Path) -> None:
    monkeypatch.setenv(SPECTEST_ENV, str(tmp_path))
    assert spectest_dir() == tmp_path


# ---- values -----------------------------------------------------------------------------

def test_parse_value_decodes_each_form() -> None:
    assert parse_value({"type": "i32", "value": "4294967295"}) == Number("i32", 0xFFFFFFFF)
    assert parse_value({"type": "f32", "value": "nan:canonical"}) == NanPattern("f32", "canonical")
    assert parse_value({"type": "externref", "value": "null"}) == Ref("externref", None)
    assert parse_value({"type": "externref", "value": "3"}) == Ref("externref", 3)
    assert parse_value({"type": "externref"}) == NonNullRef("externref")
    assert parse_value({"type": "funcref", "value": "null"}) == Ref("funcref", None)
    assert parse_value({"type": "funcref", "value": "0"}) == NonNullRef("funcref")
    v = parse_value({"type": "v128", "lane_type": "i16", "value": ["-1", "1", "0", "0", "0", "0", "0", "2"]})
    assert v == V128("i16", (0xFFFF, 1, 0, 0, 0, 0, 0, 2)) and v.bits == 0xFFFF | 1 << 16 | 2 << 112
    with pytest.raises(ValueError):
        parse_value({"type": "v128", "lane_type": "i32", "value": ["0", "0"]})


def test_v128_matches_lane_by_lane_with_nan_patterns() -> None:
    expected = parse_value({"type": "v128", "lane_type": "f32",
                            "value": ["nan:canonical", "nan:arithmetic", "1065353216", "0"]})
    assert isinstance(expected, V128) and expected.lanes[0] == NanPattern("f32", "canonical")
    refs = HostRefs()
    bits = 0xFFC00000 | 0x7FC00001 << 32 | 0x3F800000 << 64
    assert matches(expected, value("v128", bits), refs)
    assert not matches(expected, value("v128", bits | 1), refs)  # lane 0 not canonical
    assert not matches(expected, value("v128", bits ^ 0x7FC00001 << 32 | 0x7F800001 << 32), refs)  # signalling
    assert not matches(expected, value("v128", bits | 1 << 96), refs)
    assert not matches(expected, value("i64", bits), refs)
    assert format_expected(expected) == "v128:f32[nan:canonical nan:arithmetic 1.0 0.0]"
    assert format_actual(value("v128", 1)) == "v128:0x" + "0" * 31 + "1"


def test_to_signed() -> None:
    assert to_signed(0xFFFFFFFF, 32) == -1
    assert to_signed(0x7FFFFFFF, 32) == 0x7FFFFFFF
    assert to_signed(1 << 63, 64) == -(1 << 63)


@pytest.mark.parametrize("type_, bits, canonical, arithmetic", [
    ("f32", 0x7FC00000, True, True),
    ("f32", 0xFFC00000, True, True),  # either sign
    ("f32", 0x7FC00001, False, True),  # a payload
    ("f32", 0x7FA00000, False, False),  # signalling
    ("f32", 0x7F800000, False, False),  # infinity
    ("f64", 0xFFF8000000000000, True, True),
    ("f64", 0x7FF8000000000001, False, True),
    ("f64", 0x7FF4000000000000, False, False),
])
def test_nan_patterns(type_: str, bits: int, canonical: bool, arithmetic: bool) -> None:
    assert nan_matches(type_, "canonical", bits) is canonical
    assert nan_matches(type_, "arithmetic", bits) is arithmetic


def test_numbers_match_bit_for_bit() -> None:
    refs = HostRefs()
    assert matches(Number("f32", 0), value("f32", 0), refs)
    assert not matches(Number("f32", 0), value("f32", 0x80000000), refs)  # -0.0
    assert not matches(Number("i32", 0), value("i64", 0), refs)


def test_refs_match_by_identity() -> None:
    refs = HostRefs()
    assert refs.get(1) is refs.get(1) and refs.get(1) is not refs.get(2)
    assert matches(Ref("externref", 1), value("externref", ref=refs.get(1)), refs)
    assert not matches(Ref("externref", 1), value("externref", ref=refs.get(2)), refs)
    assert not matches(Ref("externref", None), value("externref", ref=refs.get(0)), refs)
    assert matches(NonNullRef("funcref"), value("funcref", ref=object()), refs)
    assert not matches(NonNullRef("funcref"), value("funcref", ref=None), refs)


def test_trap_text_may_add_words_after_the_kind() -> None:
    assert trap_kind_matches("integer overflow", "integer overflow")
    assert trap_kind_matches("uninitialized element 2", "uninitialized element")
    assert not trap_kind_matches("out of bounds memory access", "out of bounds table access")
    assert not trap_kind_matches("unreachable", "out of bounds memory access")


def test_formatting_is_short_and_deterministic() -> None:
    assert format_number("i32", 0xFFFFFFFE) == "i32:-2"
    assert format_number("f32", struct.unpack("<I", struct.pack("<f", 1.5))[0]) == "f32:1.5"
    assert format_number("f64", 0x7FF8000000000001) == "f64:nan(0x7ff8000000000001)"
    assert format_actual(value("funcref", ref=object())) == "funcref:object"
    assert one_line("Boom <x at 0x7f12ab>\n  more") == "Boom <x> more"


# ---- results and the ratchet ------------------------------------------------------------

def make_result(name: str, passed: int, total: int, failures: int = 0) -> FileResult:
    return FileResult(name, total, passed,
                      failures=[Failure(10 + i, "assert_return", f"why {i}") for i in range(failures)])


def test_file_result_round_trips_through_json() -> None:
    result = make_result("i32", 1, 3, failures=2)
    assert FileResult.from_json(json.loads(json.dumps(result.to_json()))) == result


def test_failure_block_is_capped() -> None:
    lines = failure_block(make_result("f32", 0, 40, failures=40), shown=5)
    assert lines[0] == "- `f32.wast:10` assert_return: why 0"
    assert lines[-1] == "- ... and 35 more" and len(lines) == 6


def test_results_markdown_round_trips() -> None:
    rows = {"i32": Row(3, 3), "f32": Row(1, 4)}
    text = render_results(rows, {"f32": ["- `f32.wast:7` assert_return: why"]})
    assert "python -m tests.spec.runner --update" in text
    assert "| f32 | 1 | 4 | 3 |" in text and "| **total** | **4** | **7** | **3** |" in text
    assert text.index("| f32 |") < text.index("| i32 |")
    assert parse_results(text) == (rows, {"f32": ["- `f32.wast:7` assert_return: why"]})


def test_update_of_some_files_keeps_the_others() -> None:
    old = render_results({"i32": Row(3, 3), "f32": Row(1, 4)}, {"f32": ["- old"]})
    new_rows, new_blocks = parse_results(updated_results(old, [make_result("i32", 2, 3, failures=1)]))
    assert new_rows == {"i32": Row(2, 3), "f32": Row(1, 4)}
    assert new_blocks["f32"] == ["- old"] and new_blocks["i32"][0].startswith("- `i32.wast:10`")


def test_ratchet() -> None:
    assert not ratchet(make_result("a", 4, 10), Row(5, 10)).ok
    assert ratchet(make_result("a", 5, 10), Row(5, 10)) .ok
    better = ratchet(make_result("a", 6, 10), Row(5, 10))
    assert better.ok and better.improved and "--update" in better.message
    assert not ratchet(make_result("a", 9, 10), None).ok  # unlisted files must pass everything
    assert ratchet(make_result("a", 10, 10), None).ok


# ---- a child's output -------------------------------------------------------------------

COMMANDS = [
    {"type": "module", "line": 1, "filename": "x.0.wasm"},
    {"type": "assert_return", "line": 2, "action": {}, "expected": []},
    {"type": "assert_malformed", "line": 3, "filename": "x.1.wat", "module_type": "text"},
    {"type": "assert_trap", "line": 4, "action": {}, "text": "unreachable"},
    {"type": "assert_return", "line": 5, "action": {}, "expected": []},
]


def test_a_complete_stream_gives_its_result() -> None:
    final = FileResult("x", 4, 4, text_format=1)
    stream = '{"i": 0}\nnoise\n' + json.dumps({"result": final.to_json()}) + "\n"
    assert result_from_stream("x", COMMANDS, stream, 0, None, "") == final


def test_a_crash_keeps_the_commands_reported_before_it() -> None:
    stream = '{"i": 0}\n{"i": 1, "reason": "expected (); got trap"}\n'
    result = result_from_stream("x", COMMANDS, stream, -11, None, "Segmentation fault")
    assert (result.passed, result.total) == (1, 4)
    assert result.failures == [Failure(2, "assert_return", "expected (); got trap")]
    assert result.error == ("crashed with SIGSEGV at line 4 (assert_trap); 2 commands not run;"
                            " stderr: Segmentation fault")


def test_a_timeout_is_reported_as_such() -> None:
    result = result_from_stream("x", COMMANDS, "", -9, "timed out after 5 s", "")
    assert result.passed == 0 and result.error == "timed out after 5 s at line 1 (module); 4 commands not run"


@needs_suite
@pytest.mark.parametrize("script, expected", [
    ("import os, signal; print('{\"i\": 0}', flush=True); os.kill(os.getpid(), signal.SIGSEGV)",
     "crashed with SIGSEGV at line "),
    ("import time; time.sleep(60)", "timed out after 1 s at line "),
])
def test_a_child_that_crashes_or_hangs_fails_its_file_only(monkeypatch: pytest.MonkeyPatch,
                                                           script: str, expected: str) -> None:
    monkeypatch.setattr(runner, "child_command", lambda name: [sys.executable, "-c", script])
    result = run_file_isolated("i32", timeout=1)
    assert result.error is not None and result.error.startswith(expected)


# ---- the interpreter, against a stand-in for wasm2pyext ---------------------------------

class FakeApi:
    """Just enough of wasm2pyext: a module's bytes say how it behaves."""

    class Error(Exception):
        pass

    class CompileError(Error):
        pass

    class DecodeError(CompileError):
        pass

    class ValidationError(CompileError):
        pass

    class LinkError(Error):
        pass

    class Trap(Error):
        def __init__(self, kind: str) -> None:
            super().__init__(kind)
            self.kind = kind

    class Value:
        @staticmethod
        def i32(x: int) -> SimpleNamespace:
            return value("i32", x & 0xFFFFFFFF)

        @staticmethod
        def externref(obj: Any) -> SimpleNamespace:
            return value("externref", ref=obj)

        i64 = f32_bits = f64_bits = funcref = staticmethod(lambda x: None)

    Memory = Global = Table = Function = staticmethod(lambda *args, **kwargs: object())

    @classmethod
    def Module(cls, data: bytes) -> SimpleNamespace:
        if data == b"malformed":
            raise cls.DecodeError("bad magic")
        if data == b"invalid":
            raise cls.ValidationError("type mismatch")
        return SimpleNamespace(instantiate=lambda imports: cls.instantiate(data, imports))

    @classmethod
    def instantiate(cls, data: bytes, imports: dict[str, Any]) -> SimpleNamespace:
        if data == b"unlinkable":
            raise cls.LinkError("unknown import")
        if data == b"start-traps":
            raise cls.Trap("out of bounds memory access")
        if data == b"imports-m" and "m" not in imports:
            raise cls.LinkError("unknown import m.f")
        return SimpleNamespace(exports={"add": SimpleNamespace(call_values=cls.add),
                                        "id": SimpleNamespace(call_values=lambda v: (v,)),
                                        "trap": SimpleNamespace(call_values=cls.unreachable),
                                        "boom": SimpleNamespace(call_values=cls.boom)})

    @staticmethod
    def add(a: SimpleNamespace, b: SimpleNamespace) -> tuple[SimpleNamespace]:
        return (value("i32", (a.bits + b.bits) & 0xFFFFFFFF),)

    @classmethod
    def unreachable(cls) -> tuple[()]:
        raise cls.Trap("unreachable")

    @staticmethod
    def boom() -> tuple[()]:
        raise RuntimeError("bug in the implementation")


def i32(x: int) -> dict[str, str]:
    return {"type": "i32", "value": str(x & 0xFFFFFFFF)}


def invoke(field: str, *args: dict[str, str], module: str | None = None) -> dict[str, Any]:
    action = {"type": "invoke", "field": field, "args": list(args)}
    return {**action, "module": module} if module else action


def run_script(tmp_path: Path, modules: dict[str, bytes], commands: list[dict[str, Any]]) -> list[str | None]:
    for filename, data in modules.items():
        (tmp_path / filename).write_bytes(data)
    numbered = [{"line": line, **command} for line, command in enumerate(commands, start=1)]
    interpreter = ScriptInterpreter(FakeApi, tmp_path)  # type: ignore[arg-type]
    return [reason for _, _, reason in interpreter.run(numbered)]


def test_interpreter_checks_results_and_traps(tmp_path: Path) -> None:
    reasons = run_script(tmp_path, {"ok.wasm": b"ok"}, [
        {"type": "module", "filename": "ok.wasm"},
        {"type": "assert_return", "action": invoke("add", i32(-1), i32(3)), "expected": [i32(2)]},
        {"type": "assert_return", "action": invoke("add", i32(1), i32(1)), "expected": [i32(3)]},
        {"type": "assert_trap", "action": invoke("trap"), "text": "unreachable", "expected": []},
        {"type": "assert_trap", "action": invoke("add", i32(0), i32(0)), "text": "unreachable",
         "expected": []},
        {"type": "assert_exhaustion", "action": invoke("trap"), "text": "call stack exhausted",
         "expected": []},
        {"type": "assert_return", "action": invoke("boom"), "expected": []},
        {"type": "assert_return", "action": invoke("id", {"type": "externref", "value": "7"}),
         "expected": [{"type": "externref", "value": "7"}]},
    ])
    assert reasons == [
        None,
        None,
        "expected (i32:3); got (i32:2)",
        None,
        "expected trap 'unreachable'; got results (i32:0)",
        "expected trap 'call stack exhausted'; got trap 'unreachable'",
        "expected (); got RuntimeError: bug in the implementation",
        None,
    ]


def test_interpreter_checks_module_errors(tmp_path: Path) -> None:
    modules = {"bad.wasm": b"malformed", "invalid.wasm": b"invalid", "unlinkable.wasm": b"unlinkable",
               "traps.wasm": b"start-traps", "ok.wasm": b"ok"}
    reasons = run_script(tmp_path, modules, [
        {"type": "assert_malformed", "filename": "bad.wasm", "text": "magic", "module_type": "binary"},
        {"type": "assert_malformed", "filename": "x.wat", "text": "syntax", "module_type": "text"},
        {"type": "assert_malformed", "filename": "invalid.wasm", "text": "x", "module_type": "binary"},
        {"type": "assert_invalid", "filename": "invalid.wasm", "text": "x", "module_type": "binary"},
        {"type": "assert_invalid", "filename": "ok.wasm", "text": "type mismatch", "module_type": "binary"},
        {"type": "assert_unlinkable", "filename": "unlinkable.wasm", "text": "unknown import"},
        {"type": "assert_uninstantiable", "filename": "traps.wasm", "text": "out of bounds memory access"},
        {"type": "assert_uninstantiable", "filename": "ok.wasm", "text": "unreachable"},
    ])
    assert reasons == [
        None,  # the text-format case is not counted, so it has no outcome
        "expected DecodeError (x); got ValidationError: type mismatch",
        None,
        "expected ValidationError (type mismatch); got a module (no error)",
        None,
        None,
        "expected trap 'unreachable' at instantiation; got an instance",
    ]


def test_commands_on_a_module_that_failed_to_load_fail_with_that_reason(tmp_path: Path) -> None:
    reasons = run_script(tmp_path, {"ok.wasm": b"ok", "bad.wasm": b"malformed", "m.wasm": b"imports-m"}, [
        {"type": "module", "name": "$good", "filename": "ok.wasm"},
        {"type": "module", "filename": "bad.wasm"},
        {"type": "assert_return", "action": invoke("add", i32(1), i32(1)), "expected": [i32(2)]},
        {"type": "assert_return", "action": invoke("add", i32(1), i32(1), module="$good"),
         "expected": [i32(2)]},
        {"type": "register", "as": "m"},  # the failed current module: not importable
        {"type": "module", "filename": "m.wasm"},
        {"type": "register", "name": "$good", "as": "m"},
        {"type": "module", "filename": "m.wasm"},
    ])
    assert reasons[1] == "expected the module to load; got DecodeError: bad magic"
    assert reasons[2] == "module failed to load (line 2): DecodeError: bad magic"
    assert reasons[3] is None
    assert reasons[4] == ("expected the module to load; got LinkError: unknown import m.f"
                          " (registered modules that failed to load: m)")
    assert reasons[5] is None
