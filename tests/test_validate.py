"""The validator: the rules of WebAssembly 2.0 (SIMD included), its error texts and offsets,
and the stack heights and operand types it leaves on the instructions for the code generator."""
from __future__ import annotations

import pytest

from wasm2pyext import ir
from wasm2pyext.decode import decode
from wasm2pyext.errors import ValidationError
from wasm2pyext.ir import ValType
from wasm2pyext.validator import validate_module

from wasm_bytes import (END, EMPTY_BLOCK, EXTERNREF, F32, F64, FUNCREF, I32, I64, V128, code, export,
                        functype, global_, import_, ins, limits, module, one_func, s32, section, u32, vec)


def valid(data: bytes) -> ir.Module:
    m = decode(data)
    validate_module(m)
    return m


def invalid(data: bytes, reason: str) -> ValidationError:
    m = decode(data)
    with pytest.raises(ValidationError) as info:
        validate_module(m)
    assert info.value.reason.startswith(reason), info.value.reason
    return info.value


def i32(n: int) -> bytes:
    return ins("i32.const", s32(n))


def annotated(body: bytes, **kw) -> list[tuple[str, int]]:
    """(name, height) of every instruction of a valid one-function module."""
    return [(i.op.name, i.height) for i in valid(one_func(body, **kw)).funcs[0].body]


MEM = {"mems": [limits(1)]}


# ---- straight-line code and stack typing ----

def test_empty_function_is_valid():
    valid(one_func(b""))


def test_numeric_instructions_are_typed_by_the_opcode_table():
    valid(one_func(i32(1) + i32(2) + ins("i32.add") + ins("i64.extend_i32_u")
                   + ins("f64.convert_i64_s") + ins("f64.sqrt"), results=F64))


def test_operand_of_wrong_type_is_type_mismatch():
    invalid(one_func(i32(1) + ins("i64.const", s32(2)) + ins("i32.add") + ins("drop")),
            "type mismatch")


def test_missing_operand_is_type_mismatch_at_the_instruction():
    data = one_func(i32(1) + ins("i32.add") + ins("drop"))
    e = invalid(data, "type mismatch")
    assert e.offset == decode(data).funcs[0].body[1].offset


def test_function_results_are_checked_at_its_end():
    e = invalid(one_func(i32(1), results=I64), "type mismatch")
    assert e.offset == decode(one_func(i32(1), results=I64)).funcs[0].end_offset
    invalid(one_func(i32(1)), "type mismatch")  # a value left over
    invalid(one_func(b"", results=I32), "type mismatch")


def test_params_and_locals():
    valid(one_func(ins("local.get", u32(0)) + ins("local.get", u32(1)) + ins("f32.add")
                   + ins("local.tee", u32(2)) + ins("local.set", u32(1)),
                   params=F32 + F32, locals_=[(1, F32)]))
    invalid(one_func(ins("local.get", u32(1)) + ins("drop"), params=F32), "unknown local")
    invalid(one_func(i32(0) + ins("local.set", u32(0)), params=F32), "type mismatch")


def test_heights_count_from_the_function_start():
    body = i32(1) + i32(2) + ins("i32.add") + ins("drop")
    assert annotated(body) == [("i32.const", 0), ("i32.const", 1), ("i32.add", 2), ("drop", 1)]


# ---- control ----

def test_block_params_are_part_of_the_stack_height():
    # type 1: [i32 i32] -> [i32]
    body = (i32(7) + i32(1) + i32(2) + ins("block", u32(1)) + ins("i32.add") + END
            + ins("i32.add") + ins("drop"))
    assert annotated(body, types=[functype(I32 + I32, I32)]) == [
        ("i32.const", 0), ("i32.const", 1), ("i32.const", 2), ("block", 3), ("i32.add", 3),
        ("end", 2), ("i32.add", 2), ("drop", 1)]


def test_if_counts_its_condition_and_else_restarts_from_the_params():
    body = (i32(5) + i32(1) + ins("if", u32(1)) + ins("i32.const", s32(2)) + ins("i32.add")
            + ins("else") + ins("i32.const", s32(3)) + ins("i32.sub") + END + ins("drop"))
    assert annotated(body, types=[functype(I32, I32)]) == [
        ("i32.const", 0), ("i32.const", 1), ("if", 2), ("i32.const", 1), ("i32.add", 2),
        ("else", 1), ("i32.const", 1), ("i32.sub", 2), ("end", 1), ("drop", 1)]


def test_dead_code_has_height_minus_one_and_its_block_end_does_not():
    body = (ins("block", I32) + i32(1) + ins("br", u32(0)) + ins("i32.const", s32(2))
            + ins("i32.add") + END + ins("drop"))
    assert annotated(body) == [
        ("block", 0), ("i32.const", 0), ("br", 1), ("i32.const", -1), ("i32.add", -1),
        ("end", 1), ("drop", 1)]


def test_else_after_a_branch_keeps_its_height():
    body = (i32(1) + ins("if", I32) + i32(2) + ins("return") + ins("else") + i32(3) + END
            + ins("drop"))
    assert annotated(body) == [
        ("i32.const", 0), ("if", 1), ("i32.const", 0), ("return", 1), ("else", 1),
        ("i32.const", 0), ("end", 1), ("drop", 1)]


def test_blocks_opened_in_dead_code_are_dead_throughout():
    body = (ins("unreachable") + ins("block", I32) + i32(1) + i32(1) + ins("if", EMPTY_BLOCK)
            + ins("else") + END + END + ins("drop") + i32(0) + ins("drop"))
    assert annotated(body) == [
        ("unreachable", 0), ("block", -1), ("i32.const", -1), ("i32.const", -1), ("if", -1),
        ("else", -1), ("end", -1), ("end", -1), ("drop", -1), ("i32.const", -1), ("drop", -1)]


def test_code_after_an_end_is_live_again():
    body = (ins("block", EMPTY_BLOCK) + ins("unreachable") + END + i32(1) + ins("drop"))
    assert annotated(body) == [("block", 0), ("unreachable", 0), ("end", 0),
                               ("i32.const", 0), ("drop", 1)]


def test_unreachable_makes_the_stack_polymorphic():
    valid(one_func(ins("unreachable") + ins("i32.add"), results=I32))
    valid(one_func(ins("unreachable") + ins("select") + ins("drop")))
    valid(one_func(ins("unreachable") + ins("br_table", vec([u32(0)]), u32(0)), results=F32))
    invalid(one_func(ins("unreachable") + ins("i64.const", s32(0)) + ins("i32.add")
                     + ins("drop")), "type mismatch")
    invalid(one_func(ins("unreachable") + i32(0)), "type mismatch")  # result type is []


def test_values_below_a_block_are_out_of_its_reach():
    invalid(one_func(i32(1) + ins("block", EMPTY_BLOCK) + ins("drop") + END + ins("drop")),
            "type mismatch")


def test_block_result_must_match():
    invalid(one_func(ins("block", I32) + ins("i64.const", s32(0)) + END + ins("drop")),
            "type mismatch")
    invalid(one_func(ins("block", I32) + END + ins("drop")), "type mismatch")


def test_if_without_else_must_pass_its_params_through():
    types = [functype(I32, I32), functype(I32, I64)]
    valid(one_func(i32(1) + i32(0) + ins("if", u32(1)) + END + ins("drop"), types=types))
    invalid(one_func(i32(0) + ins("if", I32) + i32(1) + END + ins("drop")), "type mismatch")
    invalid(one_func(i32(1) + i32(0) + ins("if", u32(2)) + ins("drop") + ins("i64.const", s32(1))
                     + END + ins("drop"), types=types), "type mismatch")


def test_if_needs_an_i32_condition():
    invalid(one_func(ins("f32.const", bytes(4)) + ins("if", EMPTY_BLOCK) + END), "type mismatch")


def test_branch_to_a_loop_carries_its_params():
    # type 1: [i32] -> [f32]; a branch to the loop needs an i32, not an f32
    types = [functype(I32, F32)]
    valid(one_func(i32(0) + ins("loop", u32(1)) + ins("br", u32(0)) + END + ins("drop"),
                   types=types))
    invalid(one_func(i32(0) + ins("loop", u32(1)) + ins("drop") + ins("f32.const", bytes(4))
                     + ins("br", u32(0)) + END + ins("drop"), types=types), "type mismatch")


def test_br_if_passes_its_operands_through():
    valid(one_func(ins("block", I64) + ins("i64.const", s32(1)) + i32(0) + ins("br_if", u32(0))
                   + END + ins("drop")))


def test_unknown_label():
    e = invalid(one_func(ins("block", EMPTY_BLOCK) + ins("br", u32(2)) + END), "unknown label")
    assert e.reason == "unknown label 2"


def test_br_table_targets_must_agree():
    ok = (ins("block", F32) + ins("block", F32) + ins("f32.const", bytes(4)) + i32(0)
          + ins("br_table", vec([u32(0)]), u32(1)) + END + END + ins("drop"))
    valid(one_func(ok))
    arity = (ins("block", EMPTY_BLOCK) + ins("block", F32) + ins("f32.const", bytes(4)) + i32(0)
             + ins("br_table", vec([u32(0)]), u32(1)) + END + ins("drop") + END)
    invalid(one_func(arity), "type mismatch")
    types = (ins("block", I32) + ins("block", F32) + ins("f32.const", bytes(4)) + i32(0)
             + ins("br_table", vec([u32(0)]), u32(1)) + END + ins("drop") + i32(0) + END
             + ins("drop"))
    invalid(one_func(types), "type mismatch")
    invalid(one_func(i32(0) + ins("br_table", vec([u32(3)]), u32(0))), "unknown label")


def test_br_table_in_dead_code_allows_targets_of_different_types():
    body = (ins("block", F32) + ins("block", I64) + ins("unreachable")
            + ins("br_table", vec([u32(0)]), u32(1)) + END + ins("drop")
            + ins("f32.const", bytes(4)) + END + ins("drop"))
    valid(one_func(body))


def test_return_checks_the_function_results():
    valid(one_func(ins("f64.const", bytes(8)) + ins("return"), results=F64))
    invalid(one_func(ins("f32.const", bytes(4)) + ins("return"), results=F64), "type mismatch")


def test_block_type_index_must_exist():
    invalid(one_func(ins("block", u32(5)) + END), "unknown type")


# ---- calls ----

def test_call_is_typed_by_the_callee():
    data = module(types=[functype(I32 + I64, F32), functype()], funcs=[0, 1],
                  codes=[code(ins("f32.const", bytes(4))),
                         code(i32(1) + ins("i64.const", s32(2)) + ins("call", u32(0))
                              + ins("drop"))])
    valid(data)
    invalid(one_func(ins("call", u32(1))), "unknown function 1")


def test_call_counts_imported_functions_first():
    data = module(types=[functype(b"", I32), functype()],
                  imports=[import_("m", "f", 0, u32(0))], funcs=[1],
                  codes=[code(ins("call", u32(0)) + ins("drop"))])
    valid(data)


def test_call_indirect():
    table = [FUNCREF + limits(1)]
    valid(one_func(i32(0) + ins("call_indirect", u32(0), u32(0)), tables=table))
    invalid(one_func(i32(0) + ins("call_indirect", u32(0), u32(0))), "unknown table")
    invalid(one_func(i32(0) + ins("call_indirect", u32(3), u32(0)), tables=table), "unknown type")
    invalid(one_func(i32(0) + ins("call_indirect", u32(0), u32(0)),
                     tables=[EXTERNREF + limits(1)]), "type mismatch")


# ---- parametric ----

def test_drop_and_select_record_their_operand_type():
    body = (ins("f64.const", bytes(8)) + ins("f64.const", bytes(8)) + i32(1) + ins("select")
            + ins("drop") + ins("i64.const", s32(1)) + ins("drop"))
    m = valid(one_func(body))
    assert [(i.op.name, i.vtype) for i in m.funcs[0].body if i.op.name in ("select", "drop")] == [
        ("select", ValType.F64), ("drop", ValType.F64), ("drop", ValType.I64)]


def test_dead_drop_has_no_type():
    m = valid(one_func(ins("unreachable") + ins("drop") + i32(0) + ins("drop")))
    assert [i.vtype for i in m.funcs[0].body if i.op.name == "drop"] == [None, None]


def test_untyped_select_needs_equal_numeric_operands():
    invalid(one_func(i32(0) + ins("i64.const", s32(0)) + i32(1) + ins("select") + ins("drop")),
            "type mismatch")
    invalid(one_func(ins("ref.null", FUNCREF) * 2 + i32(1) + ins("select") + ins("drop")),
            "type mismatch")


def test_typed_select_takes_references_and_one_type_only():
    m = valid(one_func(ins("ref.null", EXTERNREF) * 2 + i32(1) + ins("select_t", vec([EXTERNREF]))
                       + ins("drop")))
    assert m.funcs[0].body[3].vtype == ValType.EXTERNREF
    invalid(one_func(i32(0) * 2 + i32(1) + ins("select_t", vec([I32, I32])) + ins("drop")),
            "invalid result arity")
    invalid(one_func(i32(1) + ins("select_t", vec([]))), "invalid result arity")


# ---- globals ----

def test_globals_get_and_set():
    globals_ = [global_(I64, True, ins("i64.const", s32(0))), global_(F32, False,
                                                                      ins("f32.const", bytes(4)))]
    valid(one_func(ins("global.get", u32(0)) + ins("global.set", u32(0))
                   + ins("global.get", u32(1)) + ins("drop"), globals_=globals_))
    invalid(one_func(ins("f32.const", bytes(4)) + ins("global.set", u32(1)), globals_=globals_),
            "global is immutable")
    invalid(one_func(ins("global.get", u32(2)) + ins("drop"), globals_=globals_),
            "unknown global")
    invalid(one_func(i32(0) + ins("global.set", u32(0)), globals_=globals_), "type mismatch")


# ---- constant expressions ----

IMPORTED_GLOBALS = [import_("m", "c", 3, I32 + b"\x00"), import_("m", "v", 3, I32 + b"\x01")]


@pytest.mark.parametrize("init, reason", [
    (i32(1) + i32(2) + ins("i32.add"), "constant expression required"),
    (ins("nop") + i32(1), "constant expression required"),
    (ins("global.get", u32(1)), "constant expression required"),  # mutable
    (ins("global.get", u32(2)), "unknown global"),  # the module's own global is not visible
    (ins("i64.const", s32(1)), "type mismatch"),
    (b"", "type mismatch"),
    (i32(1) + i32(2), "type mismatch"),
])
def test_bad_constant_expressions(init, reason):
    data = module(imports=IMPORTED_GLOBALS, globals_=[global_(I32, False, init)] * 2)
    invalid(data, reason)


def test_good_constant_expressions():
    valid(module(imports=IMPORTED_GLOBALS, types=[functype()], funcs=[0], codes=[code(b"")],
                 globals_=[global_(I32, False, ins("global.get", u32(0))),
                           global_(FUNCREF, False, ins("ref.func", u32(0))),
                           global_(EXTERNREF, True, ins("ref.null", EXTERNREF))]))
    invalid(module(globals_=[global_(FUNCREF, False, ins("ref.func", u32(0)))]),
            "unknown function")


# ---- references ----

def test_ref_func_needs_a_declared_function():
    body = ins("ref.func", u32(0)) + ins("drop")
    invalid(one_func(body), "undeclared function reference")
    valid(one_func(body, exports=[export("f", 0, 0)]))
    valid(one_func(body, elems=[u32(3) + b"\x00" + vec([u32(0)])]))  # declarative
    valid(one_func(body, globals_=[global_(FUNCREF, False, ins("ref.func", u32(0)))]))
    invalid(one_func(ins("ref.func", u32(1)) + ins("drop")), "unknown function")


def test_ref_is_null_takes_references_only():
    valid(one_func(ins("ref.null", FUNCREF) + ins("ref.is_null") + ins("drop")))
    invalid(one_func(i32(0) + ins("ref.is_null") + ins("drop")), "type mismatch")


# ---- tables and element segments ----

TABLES = {"tables": [FUNCREF + limits(1), EXTERNREF + limits(1)]}


def test_table_instructions_use_the_table_element_type():
    body = (i32(0) + ins("table.get", u32(1)) + ins("drop")
            + i32(0) + ins("ref.null", EXTERNREF) + ins("table.set", u32(1))
            + ins("ref.null", FUNCREF) + i32(1) + ins("table.grow", u32(0)) + ins("drop")
            + i32(0) + ins("ref.null", EXTERNREF) + i32(1) + ins("table.fill", u32(1))
            + ins("table.size", u32(1)) + ins("drop"))
    valid(one_func(body, **TABLES))
    invalid(one_func(i32(0) + ins("ref.null", FUNCREF) + ins("table.set", u32(1)), **TABLES),
            "type mismatch")
    invalid(one_func(ins("table.size", u32(2)) + ins("drop"), **TABLES), "unknown table")


def test_table_copy_and_init_need_matching_element_types():
    elems = [u32(5) + EXTERNREF + vec([])]  # passive externref segment 0
    three = i32(0) * 3
    valid(one_func(three + ins("table.copy", u32(1), u32(1)) + three
                   + ins("table.init", u32(0), u32(1)) + ins("elem.drop", u32(0)),
                   elems=elems, **TABLES))
    invalid(one_func(three + ins("table.copy", u32(0), u32(1)), **TABLES), "type mismatch")
    invalid(one_func(three + ins("table.init", u32(0), u32(0)), elems=elems, **TABLES),
            "type mismatch")
    invalid(one_func(ins("elem.drop", u32(1)), elems=elems), "unknown elem segment")


def test_active_element_segment_must_fit_its_table():
    valid(module(elems=[u32(6) + u32(1) + i32(0) + END + EXTERNREF + vec([])], **TABLES))
    invalid(module(elems=[u32(6) + u32(0) + i32(0) + END + EXTERNREF + vec([])], **TABLES),
            "type mismatch")
    invalid(module(elems=[u32(0) + i32(0) + END + vec([])]), "unknown table")
    invalid(module(elems=[u32(0) + ins("i64.const", s32(0)) + END + vec([])], **TABLES),
            "type mismatch")


def test_element_items_must_have_the_segment_type():
    invalid(module(elems=[u32(5) + FUNCREF + vec([ins("ref.null", EXTERNREF) + END])]),
            "type mismatch")


# ---- memories and data ----

def test_memory_instructions_need_a_memory():
    for body in (i32(0) + ins("i32.load", u32(2), u32(0)) + ins("drop"),
                 ins("memory.size", b"\x00") + ins("drop"),
                 i32(0) * 3 + ins("memory.fill", b"\x00")):
        valid(one_func(body, **MEM))
        e = invalid(one_func(body), "unknown memory")
        assert e.reason == "unknown memory 0"


@pytest.mark.parametrize("op_name, natural", [
    ("i32.load8_s", 0), ("i32.load16_u", 1), ("i32.load", 2), ("i64.load", 3),
    ("i64.load32_s", 2), ("f32.load", 2), ("f64.load", 3),
])
def test_alignment_must_not_be_larger_than_natural(op_name, natural):
    ok = i32(0) + ins(op_name, u32(natural), u32(0)) + ins("drop")
    valid(one_func(ok, **MEM))
    bad = i32(0) + ins(op_name, u32(natural + 1), u32(0)) + ins("drop")
    invalid(one_func(bad, **MEM), "alignment must not be larger than natural")


def test_store_alignment():
    invalid(one_func(i32(0) + ins("i64.const", s32(0)) + ins("i64.store16", u32(2), u32(0)),
                     **MEM), "alignment must not be larger than natural")


def test_memory_init_and_data_drop_need_the_segment():
    datas = [u32(1) + vec([b"x"])]
    body = i32(0) * 3 + ins("memory.init", u32(0), b"\x00") + ins("data.drop", u32(0))
    valid(one_func(body, data_count=1, datas=datas, **MEM))
    invalid(one_func(ins("data.drop", u32(1)), data_count=1, datas=datas, **MEM),
            "unknown data segment")
    invalid(one_func(i32(0) * 3 + ins("memory.init", u32(0), b"\x00"), data_count=1,
                     datas=datas), "unknown memory")


def test_active_data_segment_needs_its_memory_and_an_i32_offset():
    invalid(module(datas=[u32(0) + i32(0) + END + vec([])]), "unknown memory")
    invalid(module(datas=[u32(0) + ins("i64.const", s32(0)) + END + vec([])], **MEM),
            "type mismatch")
    valid(module(datas=[u32(0) + i32(0) + END + vec([])], **MEM))


@pytest.mark.parametrize("lim, reason", [
    (limits(2, 1), "size minimum must not be greater than maximum"),
    (limits(65537), "memory size must be at most 65536 pages (4GiB)"),
    (limits(0, 65537), "memory size must be at most 65536 pages (4GiB)"),
])
def test_memory_limits(lim, reason):
    data = module(mems=[lim])
    assert invalid(data, reason).offset == data.rindex(lim)
    invalid(module(imports=[import_("m", "mem", 2, lim)]), reason)


def test_largest_memory_is_valid():
    valid(module(mems=[limits(65536, 65536)]))


def test_table_limits():
    data = module(tables=[FUNCREF + limits(1), FUNCREF + limits(3, 2)])
    e = invalid(data, "size minimum must not be greater than maximum")
    assert e.offset == data.index(FUNCREF + limits(3, 2))  # the second table's entry


def test_at_most_one_memory():
    # Both errors name the second memory, the last entry of each module.
    data = module(mems=[limits(1), limits(1)])
    assert invalid(data, "multiple memories").offset == len(data) - len(limits(1))
    data = module(imports=[import_("m", "mem", 2, limits(1))], mems=[limits(1)])
    assert invalid(data, "multiple memories").offset == len(data) - len(limits(1))


# ---- module level ----

def test_export_names_must_be_unique():
    invalid(one_func(b"", exports=[export("a", 0, 0), export("a", 0, 0)]),
            "duplicate export name")
    valid(one_func(b"", exports=[export("a", 0, 0), export("b", 0, 0)]))


@pytest.mark.parametrize("kind, reason", [(0, "unknown function"), (1, "unknown table"),
                                          (2, "unknown memory"), (3, "unknown global")])
def test_exports_must_name_existing_things(kind, reason):
    invalid(module(exports=[export("x", kind, 0)]), reason)


def test_start_function_takes_and_returns_nothing():
    valid(one_func(b"", start=0))
    data = one_func(ins("local.get", u32(0)) + ins("drop"), params=I32, start=0)
    start_index = data.index(section(8, u32(0))) + 2  # after the section's id and size
    assert invalid(data, "start function").offset == start_index
    data = one_func(b"", start=1)
    assert invalid(data, "unknown function").offset == data.index(section(8, u32(1))) + 2


def test_function_type_index_must_exist():
    invalid(module(types=[functype()], funcs=[1], codes=[code(b"")]), "unknown type")
    invalid(module(imports=[import_("m", "f", 0, u32(0))]), "unknown type")


# ---- SIMD ----

V128_ZERO = ins("v128.const", bytes(16))


@pytest.mark.parametrize("op, lane, ok", [("i8x16.extract_lane_u", 15, True), ("i8x16.extract_lane_u", 16, False),
                                          ("i64x2.extract_lane", 1, True), ("i64x2.extract_lane", 2, False),
                                          ("f32x4.extract_lane", 4, False)])
def test_a_lane_index_beyond_the_shape_is_invalid(op, lane, ok):
    data = one_func(V128_ZERO + ins(op, bytes([lane])) + ins("drop"))
    if ok:
        valid(data)
    else:
        invalid(data, "invalid lane index")


@pytest.mark.parametrize("op, lane, ok", [("v128.load8_lane", 15, True), ("v128.load8_lane", 16, False),
                                          ("v128.store64_lane", 1, True), ("v128.store64_lane", 2, False)])
def test_a_lane_index_of_a_lane_load_or_store(op, lane, ok):
    body = i32(0) + V128_ZERO + ins(op, u32(0), u32(0), bytes([lane]))
    data = one_func(body + (ins("drop") if "load" in op else b""), **MEM)
    if ok:
        valid(data)
    else:
        invalid(data, "invalid lane index")


def test_lane_memory_accesses_check_alignment_against_their_width():
    valid(one_func(i32(0) + V128_ZERO + ins("v128.load16_lane", u32(1), u32(0), b"\x00") + ins("drop"), **MEM))
    invalid(one_func(i32(0) + V128_ZERO + ins("v128.load16_lane", u32(2), u32(0), b"\x00") + ins("drop"), **MEM),
            "alignment must not be larger than natural")
    valid(one_func(i32(0) + ins("v128.load8x8_s", u32(3), u32(0)) + ins("drop"), **MEM))
    invalid(one_func(i32(0) + ins("v128.load", u32(5), u32(0)) + ins("drop"), **MEM),
            "alignment must not be larger than natural")


def test_shuffle_lanes_must_be_below_32():
    valid(one_func(V128_ZERO + V128_ZERO + ins("i8x16.shuffle", bytes([31] * 16)) + ins("drop")))
    invalid(one_func(V128_ZERO + V128_ZERO + ins("i8x16.shuffle", bytes([0] * 15 + [32])) + ins("drop")),
            "invalid lane index")


def test_v128_in_select_constant_expressions_and_signatures():
    valid(one_func(V128_ZERO + V128_ZERO + i32(1) + ins("select"), results=V128))
    valid(one_func(b"", globals_=[global_(V128, True, V128_ZERO)]))
    invalid(one_func(b"", globals_=[global_(V128, True, i32(0))]), "type mismatch")
    invalid(one_func(V128_ZERO + i32(1) + i32(1) + ins("select") + ins("drop")), "type mismatch")
