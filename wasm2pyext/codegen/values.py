"""The instructions on values -> C: the opcode table's C expressions (arithmetic,
conversions, loads and stores), and the parametric, variable, table, memory, constant and
reference instructions, each a line or two of C. Mixed into codegen.function.FunctionWriter."""
from __future__ import annotations

from .. import ir
from ..ir import ValType
from ..dispatch import Dispatch
from ..opcodes import OPS
from . import names
from .literals import constant

VALUE_EMITTERS = Dispatch()


class ValueOps:
    """The emitters of VALUE_EMITTERS."""

    def simple(self, instr: ir.Instr, h: int) -> None:
        """An instruction with a C expression in the opcode table."""
        op = instr.op
        n = len(op.params)
        args = [self.operand(t, h - n + k) for k, t in enumerate(op.params)]
        if op.is_memory_access:
            ea = args[0] if instr.imm.offset == 0 else f"(uint64_t){args[0]} + {instr.imm.offset}u"
            expr = op.c.format(*args, mem=names.memory(0), ea=ea, imm=instr.imm)
        else:
            expr = op.c.format(*args, imm=instr.imm)
        if self.load_uses:
            self.load_uses.simple(h, op, len(self.lines) if op.is_memory_access else None)
        if op.results and op.is_memory_access:  # where it is, for _LoadUses
            self.emit(f"{self.slot(op.results[0], h - n)} = {expr};")
        elif op.results:
            self.defer(h - n, op.results[0], expr, result=True)
        else:
            self.emit(f"{expr};")

    @VALUE_EMITTERS.handles("drop")
    def op_drop(self, instr, h):
        self.deferred.pop(h - 1, None)

    @VALUE_EMITTERS.handles("select")
    def op_select(self, instr, h):
        self.select(instr.vtype, h)

    @VALUE_EMITTERS.handles("select_t")
    def op_select_t(self, instr, h):
        self.select(instr.imm[0], h)

    def select(self, t: ValType, h: int) -> None:
        cond = self.slot(ValType.I32, h - 1)
        a, b = self.slot(t, h - 3), self.slot(t, h - 2)
        self.emit(f"{a} = {cond} ? {a} : {b};")

    @VALUE_EMITTERS.handles("local.get")
    def op_local_get(self, instr, h):
        self.defer(h, self.local_types[instr.imm], self.local_names[instr.imm], instr.imm)

    @VALUE_EMITTERS.handles("local.set")
    def op_local_set(self, instr, h):
        value = self.take(self.local_types[instr.imm], h - 1)
        self.emit(f"{self.local_names[instr.imm]} = {value};")

    @VALUE_EMITTERS.handles("local.tee")
    def op_local_tee(self, instr, h):
        self.op_local_set(instr, h)
        self.defer(h - 1, self.local_types[instr.imm], self.local_names[instr.imm], instr.imm)

    @VALUE_EMITTERS.handles("global.get")
    def op_global_get(self, instr, h):
        t = self.ctx.global_types[instr.imm].valtype
        self.emit(f"{self.slot(t, h)} = {self.ctx.global_ref(instr.imm)};")

    @VALUE_EMITTERS.handles("global.set")
    def op_global_set(self, instr, h):
        t = self.ctx.global_types[instr.imm].valtype
        self.emit(f"{self.ctx.global_ref(instr.imm)} = {self.slot(t, h - 1)};")

    @VALUE_EMITTERS.handles("table.get")
    def op_table_get(self, instr, h):
        i = self.slot(ValType.I32, h - 1)
        self.emit(f"{self.slot(ValType.FUNCREF, h - 1)} = TABLE_GET(inst->{names.table(instr.imm)}, {i});")

    @VALUE_EMITTERS.handles("table.set")
    def op_table_set(self, instr, h):
        i, ref = self.slot(ValType.I32, h - 2), self.slot(ValType.FUNCREF, h - 1)
        self.emit(f"TABLE_SET(inst->{names.table(instr.imm)}, {i}, {ref});")

    @VALUE_EMITTERS.handles("table.size")
    def op_table_size(self, instr, h):
        self.emit(f"{self.slot(ValType.I32, h)} = inst->{names.table(instr.imm)}->size;")

    @VALUE_EMITTERS.handles("table.grow")
    def op_table_grow(self, instr, h):
        ref, n = self.slot(ValType.FUNCREF, h - 2), self.slot(ValType.I32, h - 1)
        tab = f"inst->{names.table(instr.imm)}"
        self.runtime_call(f"{self.slot(ValType.I32, h - 2)} = w2p_table_grow({tab}, {n}, {ref});")

    @VALUE_EMITTERS.handles("table.fill")
    def op_table_fill(self, instr, h):
        i, ref, n = self.slot(ValType.I32, h - 3), self.slot(ValType.FUNCREF, h - 2), self.slot(ValType.I32, h - 1)
        self.runtime_call(f"if (w2p_table_fill(inst->{names.table(instr.imm)}, {i}, {ref}, {n})) TRAP(OOB_TABLE);")

    @VALUE_EMITTERS.handles("table.copy")
    def op_table_copy(self, instr, h):
        dst_table, src_table = instr.imm
        d, s, n = (self.slot(ValType.I32, h - 3 + k) for k in range(3))
        dst, src = f"inst->{names.table(dst_table)}", f"inst->{names.table(src_table)}"
        self.runtime_call(f"if (w2p_table_copy({dst}, {d}, {src}, {s}, {n})) TRAP(OOB_TABLE);")

    @VALUE_EMITTERS.handles("table.init")
    def op_table_init(self, instr, h):
        elem, table = instr.imm
        d, s, n = (self.slot(ValType.I32, h - 3 + k) for k in range(3))
        tab = f"inst->{names.table(table)}"
        self.runtime_call(f"if (w2p_table_init_from({tab}, {d}, &inst->elems[{elem}], {s}, {n})) TRAP(OOB_TABLE);")

    @VALUE_EMITTERS.handles("elem.drop")
    def op_elem_drop(self, instr, h):
        self.emit(f"inst->elems[{instr.imm}].len = 0;")

    @VALUE_EMITTERS.handles("memory.size")
    def op_memory_size(self, instr, h):
        self.emit(f"{self.slot(ValType.I32, h)} = inst->{names.memory(0)}->pages;")

    @VALUE_EMITTERS.handles("memory.grow")
    def op_memory_grow(self, instr, h):
        n = self.slot(ValType.I32, h - 1)
        self.runtime_call(f"{n} = w2p_memory_grow(inst->{names.memory(0)}, {n});")
        self.memory_may_have_grown()

    @VALUE_EMITTERS.handles("memory.fill")
    def op_memory_fill(self, instr, h):
        d, v, n = (self.slot(ValType.I32, h - 3 + k) for k in range(3))
        self.runtime_call(f"if (w2p_memory_fill(inst->{names.memory(0)}, {d}, {v}, {n})) TRAP(OOB_MEMORY);")

    @VALUE_EMITTERS.handles("memory.copy")
    def op_memory_copy(self, instr, h):
        d, s, n = (self.slot(ValType.I32, h - 3 + k) for k in range(3))
        mem = f"inst->{names.memory(0)}"
        self.runtime_call(f"if (w2p_memory_copy({mem}, {d}, {mem}, {s}, {n})) TRAP(OOB_MEMORY);")

    @VALUE_EMITTERS.handles("memory.init")
    def op_memory_init(self, instr, h):
        seg = instr.imm[0]
        d, s, n = (self.slot(ValType.I32, h - 3 + k) for k in range(3))
        data = f"{names.data_segment(seg)}, inst->data_len[{seg}]"
        self.runtime_call(f"if (w2p_memory_init_from(inst->{names.memory(0)}, {d}, {data}, {s}, {n})) TRAP(OOB_MEMORY);")

    @VALUE_EMITTERS.handles("data.drop")
    def op_data_drop(self, instr, h):
        self.emit(f"inst->data_len[{instr.imm}] = 0;")

    @VALUE_EMITTERS.handles("i32.const", "i64.const", "f32.const", "f64.const", "v128.const")
    def op_const(self, instr, h):
        t = instr.op.results[0]
        literal = constant(t, instr.imm)
        if t == ValType.V128:  # a compound literal: its commas would split a macro's arguments
            self.emit(f"{self.slot(t, h)} = {literal};")
        else:
            self.defer(h, t, f"({literal})" if literal.startswith("-") else literal)

    @VALUE_EMITTERS.handles("ref.null")
    def op_ref_null(self, instr, h):
        self.emit(f"{self.slot(ValType.FUNCREF, h)} = NULL;")

    @VALUE_EMITTERS.handles("ref.is_null")
    def op_ref_is_null(self, instr, h):
        ref = self.slot(ValType.FUNCREF, h - 1)
        self.emit(f"{self.slot(ValType.I32, h - 1)} = {ref} == NULL;")

    @VALUE_EMITTERS.handles("ref.func")
    def op_ref_func(self, instr, h):
        self.emit(f"{self.slot(ValType.FUNCREF, h)} = inst->funcs[{instr.imm}];")


VALUE_EMITTERS.add((op.name for op in OPS if op.c is not None), ValueOps.simple)
