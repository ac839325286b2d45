"""The binary decoder: module bytes -> IR, and the DecodeError for each kind of malformation."""
from __future__ import annotations

import time

import pytest

from wasm2pyext import ir
from wasm2pyext.decode import MAX_ARITY, MAX_LOCALS, decode
from wasm2pyext.errors import DecodeError
from wasm2pyext.ir import ExternKind, SegmentMode, ValType

from wasm_bytes import (END, EXTERNREF, F32, F64, FUNCREF, HEADER, I32, I64, V128, EMPTY_BLOCK,
                        code, export, functype, global_, import_, ins, limits, module, name,
                        one_func, s32, section, u32, vec)


def malformed(data: bytes, reason: str) -> DecodeError:
    with pytest.raises(DecodeError) as info:
        decode(data)
    assert info.value.reason.startswith(reason), info.value.reason
    return info.value


def body_of(data: bytes) -> list[ir.Instr]:
    return decode(data).funcs[0].body


def names(instrs: list[ir.Instr]) -> list[str]:
    return [i.op.name for i in instrs]


# ---- header and sections ----

def test_empty_module_decodes_to_empty_ir():
    m = decode(HEADER)
    assert m == ir.Module()


@pytest.mark.parametrize("data", [b"", b"\x00as", HEADER[:6]])
def test_truncated_header_is_unexpected_end(data):
    malformed(data, "unexpected end")


def test_wrong_magic_is_rejected_at_offset_0():
    assert malformed(b"\x00asn\x01\x00\x00\x00", "magic header not detected").offset == 0


def test_wrong_version_is_rejected_at_offset_4():
    assert malformed(b"\x00asm\x02\x00\x00\x00", "unknown binary version").offset == 4


def test_unknown_section_id_is_malformed():
    assert malformed(HEADER + b"\x0d\x00", "malformed section id").offset == 8


def test_sections_out_of_order_are_content_after_last_section():
    data = HEADER + section(3, vec([])) + section(1, vec([]))
    malformed(data, "unexpected content after last section")


def test_repeated_section_is_content_after_last_section():
    malformed(HEADER + section(1, vec([])) * 2, "unexpected content after last section")


def test_data_count_section_goes_between_element_and_code_sections():
    ok = HEADER + section(9, vec([])) + section(12, u32(0)) + section(10, vec([]))
    assert decode(ok).data_count == 0
    malformed(HEADER + section(10, vec([])) + section(12, u32(0)),
              "unexpected content after last section")


def test_section_longer_than_its_contents_is_size_mismatch():
    malformed(HEADER + b"\x01\x02\x00\x00", "section size mismatch")


def test_section_shorter_than_its_contents():
    # A type section of size 1 that holds a whole function type: the reads run on past it.
    malformed(HEADER + b"\x01\x01" + vec([functype()]), "section size mismatch")


def test_section_size_beyond_the_input_is_length_out_of_bounds():
    malformed(HEADER + b"\x01\x10\x00", "length out of bounds")


def test_truncated_section_contents_are_unexpected_end():
    e = malformed(HEADER + b"\x01\x03\x01\x60\x01", "unexpected end")
    assert e.offset == len(HEADER) + 5


# ---- custom sections and names ----

def test_custom_sections_anywhere_are_kept_in_order():
    data = (HEADER + section(0, name("a") + b"xyz") + section(1, vec([functype()]))
            + section(0, name("b")))
    m = decode(data)
    assert m.customs == [("a", b"xyz"), ("b", b"")]
    assert len(m.types) == 1


def test_custom_section_with_malformed_name_is_an_error():
    malformed(HEADER + section(0, b"\x02\xc0\x80"), "malformed UTF-8 encoding")


def test_custom_section_name_longer_than_section_is_an_error():
    data = HEADER + b"\x00\x02\x05abcde"
    malformed(data, "unexpected end")


def _name_section(*subsections: tuple[int, bytes]) -> bytes:
    return b"".join(bytes([i]) + u32(len(c)) + c for i, c in subsections)


def test_name_section_gives_module_function_and_local_names():
    payload = _name_section(
        (0, name("mod")),
        (1, vec([u32(0) + name("f"), u32(1) + name("g")])),
        (2, vec([u32(1) + vec([u32(0) + name("x"), u32(2) + name("y")])])),
    )
    m = decode(module(customs=[("name", payload)]))
    assert m.names == ir.Names("mod", {0: "f", 1: "g"}, {1: {0: "x", 2: "y"}})
    assert m.customs == []


@pytest.mark.parametrize("payload", [
    b"\x00\x05\x03ab",  # truncated module name
    _name_section((1, vec([u32(0) + b"\x01\xff"]))),  # bad UTF-8
    _name_section((1, b"\x05")),  # count beyond the subsection
    _name_section((1, vec([])), (0, name("late"))),  # out of order
    b"\x00",  # no size
])
def test_malformed_name_section_is_ignored(payload):
    m = decode(module(customs=[("name", payload)]))
    assert m.names == ir.Names()


# ---- LEB128 ----

def _i32_const_module(leb: bytes) -> bytes:
    return one_func(b"\x41" + leb + ins("drop"))


@pytest.mark.parametrize("leb, value", [
    (b"\x00", 0), (b"\x7f", -1), (b"\x80\x7f", -128), (b"\xff\x00", 127),
    (b"\x80\x80\x80\x80\x78", -2**31), (b"\xff\xff\xff\xff\x07", 2**31 - 1),
    (b"\xff\xff\xff\xff\x7f", -1),  # padded, all sign bits
])
def test_s32_values(leb, value):
    assert body_of(_i32_const_module(leb))[0].imm == value


@pytest.mark.parametrize("leb", [b"\xff\xff\xff\xff\x0f", b"\x80\x80\x80\x80\x70",
                                 b"\xff\xff\xff\xff\x4f"])
def test_s32_unused_bits_must_copy_the_sign(leb):
    data = _i32_const_module(leb)
    e = malformed(data, "integer too large")
    assert e.offset == data.index(leb) + 4  # the fifth byte


def test_s32_longer_than_5_bytes_is_too_long():
    malformed(_i32_const_module(b"\x80\x80\x80\x80\x80\x00"), "integer representation too long")


@pytest.mark.parametrize("leb, value", [
    (b"\x80\x80\x80\x80\x80\x80\x80\x80\x80\x7f", -2**63),
    (b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\x00", 2**63 - 1),
])
def test_s64_values(leb, value):
    assert body_of(one_func(b"\x42" + leb + ins("drop")))[0].imm == value


@pytest.mark.parametrize("leb", [b"\x80\x80\x80\x80\x80\x80\x80\x80\x80\x7e",
                                 b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"])
def test_s64_last_byte_must_be_all_sign(leb):
    malformed(one_func(b"\x42" + leb + ins("drop")), "integer too large")


def test_u32_five_bytes_with_zero_padding_is_fine():
    data = one_func(ins("local.get", b"\x80\x80\x80\x80\x00") + ins("drop"), locals_=[(1, I32)])
    assert body_of(data)[0].imm == 0


@pytest.mark.parametrize("leb, reason", [
    (b"\x80\x80\x80\x80\x10", "integer too large"),
    (b"\x80\x80\x80\x80\x80\x00", "integer representation too long"),
])
def test_u32_limits(leb, reason):
    malformed(one_func(ins("local.get", leb) + ins("drop"), locals_=[(1, I32)]), reason)


def test_limits_flag_is_a_one_bit_leb():
    malformed(module(mems=[b"\x02\x00"]), "integer too large")
    malformed(module(mems=[b"\x81\x00\x00"]), "integer representation too long")


# ---- UTF-8 names ----

@pytest.mark.parametrize("raw", [
    b"\x80", b"\xc0\x80", b"\xc2", b"\xe0\x80\x80", b"\xed\xa0\x80", b"\xf4\x90\x80\x80",
    b"\xf8\x88\x80\x80\x80", b"\xff",
])
def test_malformed_utf8_in_names(raw):
    data = module(exports=[u32(len(raw)) + raw + b"\x00\x00"], types=[functype()], funcs=[0],
                  codes=[code(b"")])
    malformed(data, "malformed UTF-8 encoding")


def test_multibyte_utf8_names_decode():
    m = decode(module(types=[functype()], funcs=[0], codes=[code(b"")],
                      exports=[export("\u00e9\u4e2d\U0001f600", 0, 0)]))
    assert m.exports[0].name == "\u00e9\u4e2d\U0001f600"


# ---- types, imports, tables, memories, globals, exports, start ----

def test_types_decode():
    m = decode(module(types=[functype(I32 + I64, F32 + F64), functype(FUNCREF, EXTERNREF)]))
    assert m.types == [ir.FuncType((ValType.I32, ValType.I64), (ValType.F32, ValType.F64)),
                       ir.FuncType((ValType.FUNCREF,), (ValType.EXTERNREF,))]


def test_type_form_other_than_0x60_is_malformed():
    malformed(module(types=[b"\x61\x00\x00"]), "malformed function type")


def test_unknown_value_type_is_malformed():
    malformed(module(types=[functype(b"\x7a")]), "malformed value type")


def test_v128_is_a_value_type():
    assert decode(module(types=[functype(V128, V128)])).types[0].params == (ValType.V128,)


def test_imports_of_every_kind():
    first = import_("m", "f", 0, u32(0))
    data = module(types=[functype()], imports=[
        first,
        import_("m", "t", 1, EXTERNREF + limits(1, 2)),
        import_("m", "mem", 2, limits(3)),
        import_("m", "g", 3, I64 + b"\x01"),
    ])
    m = decode(data)
    kinds = [(i.module, i.name, i.kind, i.desc) for i in m.imports]
    assert kinds == [
        ("m", "f", ExternKind.FUNC, 0),
        ("m", "t", ExternKind.TABLE, ir.TableType(ValType.EXTERNREF, ir.Limits(1, 2))),
        ("m", "mem", ExternKind.MEMORY, ir.MemType(ir.Limits(3, None))),
        ("m", "g", ExternKind.GLOBAL, ir.GlobalType(ValType.I64, True)),
    ]
    assert m.imports[0].offset == data.index(first)


def test_malformed_import_kind():
    malformed(module(imports=[import_("m", "x", 4, b"")]), "malformed import kind")


def test_table_with_non_reference_type_is_malformed():
    malformed(module(tables=[I32 + limits(0)]), "malformed reference type")


def test_malformed_mutability():
    malformed(module(globals_=[I32 + b"\x02" + ins("i32.const", s32(0)) + END]),
              "malformed mutability")


def test_globals_decode_with_their_init():
    m = decode(module(globals_=[global_(F32, True, ins("f32.const", b"\x00\x00\x80\x3f"))]))
    g = m.globals[0]
    assert g.type == ir.GlobalType(ValType.F32, True)
    assert names(g.init.instrs) == ["f32.const"] and g.init.instrs[0].imm == 0x3F800000


def test_exports_and_start():
    m = decode(module(types=[functype()], funcs=[0], codes=[code(b"")], start=0,
                      exports=[export("f", 0, 0), export("g", 3, 7)]))
    assert [(e.name, e.kind, e.index) for e in m.exports] == [
        ("f", ExternKind.FUNC, 0), ("g", ExternKind.GLOBAL, 7)]
    assert m.start == 0


def test_malformed_export_kind():
    malformed(module(exports=[name("x") + b"\x04\x00"]), "malformed export kind")


# ---- element and data segments ----

OFFSET0 = ins("i32.const", s32(0)) + END


@pytest.mark.parametrize("flags, body, mode, table, elem_type", [
    (0, OFFSET0 + vec([u32(1)]), SegmentMode.ACTIVE, 0, ValType.FUNCREF),
    (1, b"\x00" + vec([u32(1)]), SegmentMode.PASSIVE, 0, ValType.FUNCREF),
    (2, u32(2) + OFFSET0 + b"\x00" + vec([u32(1)]), SegmentMode.ACTIVE, 2, ValType.FUNCREF),
    (3, b"\x00" + vec([u32(1)]), SegmentMode.DECLARATIVE, 0, ValType.FUNCREF),
    (4, OFFSET0 + vec([ins("ref.func", u32(1)) + END]), SegmentMode.ACTIVE, 0, ValType.FUNCREF),
    (5, EXTERNREF + vec([ins("ref.null", EXTERNREF) + END]), SegmentMode.PASSIVE, 0,
     ValType.EXTERNREF),
    (6, u32(3) + OFFSET0 + FUNCREF + vec([ins("ref.func", u32(1)) + END]), SegmentMode.ACTIVE,
     3, ValType.FUNCREF),
    (7, FUNCREF + vec([ins("ref.func", u32(1)) + END]), SegmentMode.DECLARATIVE, 0,
     ValType.FUNCREF),
])
def test_element_segment_encodings(flags, body, mode, table, elem_type):
    seg = decode(module(elems=[u32(flags) + body])).elems[0]
    assert (seg.mode, seg.table, seg.elem_type) == (mode, table, elem_type)
    assert (seg.offset_expr is not None) == (mode == SegmentMode.ACTIVE)
    if seg.offset_expr is not None:
        assert names(seg.offset_expr.instrs) == ["i32.const"]
    (item,) = seg.items
    if elem_type == ValType.FUNCREF:
        assert names(item.instrs) == ["ref.func"] and item.instrs[0].imm == 1
    else:
        assert names(item.instrs) == ["ref.null"] and item.instrs[0].imm == ValType.EXTERNREF


def test_element_segment_flags_above_7_are_malformed():
    malformed(module(elems=[u32(8)]), "malformed elements segment kind")


def test_element_kind_other_than_funcref_is_malformed():
    malformed(module(elems=[u32(1) + b"\x01" + vec([])]), "malformed element kind")


@pytest.mark.parametrize("flags, body, mode, memory", [
    (0, OFFSET0 + vec([b"a", b"b"]), SegmentMode.ACTIVE, 0),
    (1, vec([b"a", b"b"]), SegmentMode.PASSIVE, 0),
    (2, u32(1) + OFFSET0 + vec([b"a", b"b"]), SegmentMode.ACTIVE, 1),
])
def test_data_segment_encodings(flags, body, mode, memory):
    seg = decode(module(datas=[u32(flags) + body])).datas[0]
    assert (seg.mode, seg.memory, seg.data) == (mode, memory, b"ab")
    assert (seg.offset_expr is not None) == (mode == SegmentMode.ACTIVE)


def test_data_segment_flags_above_2_are_malformed():
    malformed(module(datas=[u32(3)]), "malformed data segment kind")


def test_data_count_must_match_the_data_section():
    assert decode(module(data_count=1, datas=[u32(1) + vec([])])).data_count == 1
    malformed(module(data_count=2, datas=[u32(1) + vec([])]),
              "data count and data section have inconsistent lengths")
    malformed(module(data_count=1), "data count and data section have inconsistent lengths")


@pytest.mark.parametrize("instr", [
    ins("i32.const", s32(0)) * 3 + ins("memory.init", u32(0), b"\x00"),
    ins("data.drop", u32(0)),
])
def test_data_count_section_required_for_data_instructions(instr):
    data = one_func(instr, mems=[limits(1)], datas=[u32(1) + vec([])])
    malformed(data, "data count section required")
    decode(one_func(instr, mems=[limits(1)], data_count=1, datas=[u32(1) + vec([])]))


# ---- code ----

def test_function_and_code_counts_must_agree():
    malformed(module(types=[functype()], funcs=[0, 0], codes=[code(b"")]),
              "function and code section have inconsistent lengths")
    malformed(module(types=[functype()], funcs=[0]),
              "function and code section have inconsistent lengths")
    malformed(module(types=[functype()], codes=[code(b"")]),
              "function and code section have inconsistent lengths")


def test_function_fields_and_offsets():
    body = ins("i32.const", s32(1)) + ins("drop")
    data = one_func(body, locals_=[(2, I32), (1, F64)])
    func = decode(data).funcs[0]
    entry = data.index(code(body, [(2, I32), (1, F64)]))
    assert func.type_index == 0
    assert func.locals == (ValType.I32, ValType.I32, ValType.F64)
    assert func.offset == entry
    assert func.body_offset == entry + 1 + 5
    assert [i.offset for i in func.body] == [func.body_offset, func.body_offset + 2]
    assert func.end_offset == func.body_offset + 3 == len(data) - 1


def test_nested_blocks_keep_else_and_end_but_not_the_final_end():
    body = (ins("block", EMPTY_BLOCK) + ins("i32.const", s32(1)) + ins("if", I32)
            + ins("i32.const", s32(2)) + ins("else") + ins("i32.const", s32(3)) + END
            + ins("drop") + END)
    assert names(body_of(one_func(body))) == [
        "block", "i32.const", "if", "i32.const", "else", "i32.const", "end", "drop", "end"]


def test_body_end_must_close_the_code_entry():
    body = ins("nop") + END + ins("nop")  # ends early: one byte left in the entry
    content = vec([]) + body + END
    data = module(types=[functype()], funcs=[0], codes=[u32(len(content)) + content])
    malformed(data, "section size mismatch")


def test_body_without_end_runs_into_the_next_entry():
    # Entry 1 lacks its end, so its body reads on into entry 2, whose size (5) is an `else`.
    entry1 = u32(3) + vec([]) + ins("i32.const", s32(1))
    entry2 = u32(5) + vec([]) + ins("i32.const", s32(1)) + ins("drop") + ins("nop") + END
    data = HEADER + section(1, vec([functype()])) + section(3, vec([u32(0), u32(0)]))
    data += section(10, vec([entry1, entry2]))
    malformed(data, "END opcode expected")


def test_truncated_body_is_unexpected_end():
    content = vec([]) + ins("i32.const", s32(1))
    data = module(types=[functype()], funcs=[0]) + section(10, vec([u32(len(content)) + content]))
    malformed(data, "unexpected end")


@pytest.mark.parametrize("body", [ins("else"), ins("block", EMPTY_BLOCK) + ins("else") + END,
                                  ins("i32.const", s32(0)) + ins("if", EMPTY_BLOCK) + ins("else")
                                  + ins("else") + END])
def test_misplaced_else_is_end_opcode_expected(body):
    malformed(one_func(body), "END opcode expected")


def test_locals_are_limited():
    data = one_func(b"", locals_=[(MAX_LOCALS, I32)])
    assert len(decode(data).funcs[0].locals) == MAX_LOCALS
    malformed(one_func(b"", locals_=[(MAX_LOCALS, I32), (1, I64)]), "too many locals")
    malformed(one_func(b"", locals_=[(2**32 - 1, I32), (2**32 - 1, I64)]), "too many locals")


def test_function_types_have_at_most_max_arity_params_and_results():
    decode(module(types=[functype(I32 * MAX_ARITY, F64 * MAX_ARITY)]))
    malformed(module(types=[functype(I32 * (MAX_ARITY + 1))]), "too many parameters")
    malformed(module(types=[functype(b"", I32 * (MAX_ARITY + 1))]), "too many results")


def test_huge_declared_counts_fail_without_allocating():
    for data in (HEADER + section(1, u32(2**32 - 1)),
                 one_func(ins("br_table", u32(2**32 - 1))),
                 one_func(ins("select_t", u32(2**32 - 1)))):
        malformed(data, "length out of bounds")


# ---- instructions and immediates ----

def test_immediates_are_shaped_as_the_opcode_table_says():
    body = (ins("block", u32(1)) + END
            + ins("i32.const", s32(0)) + ins("br_table", vec([u32(0), u32(1)]), u32(2))
            + ins("call_indirect", u32(3), u32(4))
            + ins("i64.load32_u", u32(2), u32(100))
            + ins("memory.size", b"\x00")
            + ins("f32.const", b"\x00\x00\xc0\x7f")
            + ins("f64.const", b"\x01\x00\x00\x00\x00\x00\xf0\x7f")
            + ins("select_t", vec([F64]))
            + ins("ref.null", FUNCREF)
            + ins("memory.init", u32(5), b"\x00")
            + ins("memory.copy", b"\x00\x00")
            + ins("memory.fill", b"\x00")
            + ins("table.init", u32(6), u32(7))
            + ins("table.copy", u32(8), u32(9))
            + ins("i32.trunc_sat_f64_u"))
    imms = [(i.op.name, i.imm) for i in body_of(one_func(body, data_count=0))]
    assert imms == [
        ("block", 1), ("end", None), ("i32.const", 0), ("br_table", ((0, 1), 2)),
        ("call_indirect", (3, 4)), ("i64.load32_u", ir.MemArg(2, 100)), ("memory.size", 0),
        ("f32.const", 0x7FC00000), ("f64.const", 0x7FF0000000000001),
        ("select_t", (ValType.F64,)), ("ref.null", ValType.FUNCREF), ("memory.init", (5, 0)),
        ("memory.copy", (0, 0)), ("memory.fill", 0), ("table.init", (6, 7)),
        ("table.copy", (8, 9)), ("i32.trunc_sat_f64_u", None)]


def test_block_types():
    body = (ins("block", EMPTY_BLOCK) + END + ins("block", F32) + ins("unreachable") + END
            + ins("block", b"\x80\x01") + END)
    assert [i.imm for i in body_of(one_func(body)) if i.op.name == "block"] == [
        None, ValType.F32, 128]


def test_negative_block_type_is_malformed():
    malformed(one_func(ins("block", b"\x7a") + END), "malformed value type")


@pytest.mark.parametrize("byte", [0x06, 0x27, 0xC5, 0xFF])
def test_illegal_opcode(byte):
    data = one_func(bytes([byte]))
    assert malformed(data, "illegal opcode").offset == len(data) - 2


def test_unknown_prefixed_opcode_is_illegal():
    malformed(one_func(b"\xfc" + u32(18)), "illegal opcode")


def test_simd_immediates():
    const = bytes(range(16))
    body = body_of(one_func(ins("v128.const", const) + ins("i8x16.shuffle", bytes(range(31, 15, -1)))
                            + ins("i8x16.extract_lane_s", b"\x0f") + ins("drop")
                            + ins("i32.const", b"\x00") + ins("v128.const", const)
                            + ins("v128.load16_lane", b"\x01\x08\x07") + ins("drop")))
    assert body[0].imm == int.from_bytes(const, "little")
    assert body[1].imm == tuple(range(31, 15, -1))
    assert body[2].imm == 15
    assert body[6].imm == ir.MemArgLane(1, 8, 7)


def test_simd_sub_opcode_is_a_u32():
    # 0xFD then sub-opcode 12 (v128.const) in a two-byte LEB128.
    assert body_of(one_func(b"\xfd\x8c\x00" + bytes(16) + ins("drop")))[0].op.name == "v128.const"


@pytest.mark.parametrize("sub", [0x9A, 0xA2, 0x100])
def test_unassigned_simd_opcode_is_illegal(sub):
    malformed(one_func(b"\xfd" + u32(sub)), "illegal opcode")


@pytest.mark.parametrize("instr", [
    ins("memory.size", b"\x01"), ins("memory.grow", b"\x80\x00"),
    ins("memory.copy", b"\x00\x01"), ins("memory.fill", b"\x01"),
    ins("memory.init", u32(0), b"\x01"),
])
def test_memory_index_must_be_a_zero_byte(instr):
    malformed(one_func(instr, data_count=0), "zero byte expected")


def test_memarg_alignment_of_32_or_more_is_malformed():
    malformed(one_func(ins("i32.const", s32(0)) + ins("i32.load", u32(32), u32(0))),
              "malformed memop flags")


def test_constant_expression_may_hold_any_instruction():
    # Whether it is constant is for the validator to say.
    g = decode(module(globals_=[global_(I32, False, ins("i32.const", s32(1))
                                        + ins("i32.const", s32(2)) + ins("i32.add"))])).globals[0]
    assert names(g.init.instrs) == ["i32.const", "i32.const", "i32.add"]


# ---- robustness ----

def test_deep_nesting_needs_no_recursion():
    depth = 200_000
    body = ins("block", EMPTY_BLOCK) * depth + END * depth
    start = time.perf_counter()
    assert len(body_of(one_func(body))) == 2 * depth
    assert time.perf_counter() - start < 10


def test_every_truncation_of_a_module_is_a_decode_error():
    data = module(types=[functype(I32, I32)], funcs=[0], mems=[limits(1)],
                  globals_=[global_(I32, True, ins("i32.const", s32(7)))],
                  exports=[export("f", 0, 0)], elems=[u32(0) + OFFSET0 + vec([u32(0)])],
                  tables=[FUNCREF + limits(1)], data_count=1,
                  codes=[code(ins("local.get", u32(0)) + ins("i32.load", u32(2), u32(4)))],
                  datas=[u32(0) + OFFSET0 + vec([b"x"])], customs=[("c", b"123")])
    decode(data)
    for n in range(len(data)):
        if n >= 8 and _is_section_boundary(data, n):
            continue  # a shorter module, which may well be valid
        with pytest.raises(DecodeError):
            decode(data[:n])


def _is_section_boundary(data: bytes, n: int) -> bool:
    pos = 8
    while pos < n:
        size_pos = pos + 1
        size, length = 0, 0
        while True:
            b = data[size_pos + length]
            size |= (b & 0x7F) << (7 * length)
            length += 1
            if b < 0x80:
                break
        pos = size_pos + length + size
    return pos == n
