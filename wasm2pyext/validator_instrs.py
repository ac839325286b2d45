"""Validation of function bodies, instruction by instruction (see validator.py for the rest).

Bodies are checked by the spec's single-pass algorithm (appendix "Validation Algorithm"): a
stack of operand types, a stack of control frames, and stack polymorphism after
unconditional branches (an operand popped below the frame's base in unreachable code has an
unknown type, None here). Each instruction is checked by its row in the opcode table where
that types it (_PLAIN), else by its handler (_HANDLERS, an opcodes.Dispatch).

While checking a body the validator annotates every instruction for the code generator:

`Instr.height` is the operand stack height before the instruction, counted from the start of
the function (values below the current block and the block's own parameters included):
  - -1 for dead code: instructions after an unconditional branch (br, br_table, return,
    unreachable) up to the `else`/`end` of that block, and everything in a block that begins
    in dead code (its `else` and `end` included);
  - for the `else` and `end` of a block that begins in live code, always
    base + len(block results), where base is the height below the block's parameters: the
    height the stack has there when control falls through, and the height a branch to the
    `end` leaves. This holds even when nothing falls through (the block ends in a branch),
    so a live block's `else`/`end` is never -1; the code after `end` is live again.

`Instr.vtype` is, for `drop` and `select` (and `select_t`), the type of the operand dropped or
selected; None in dead code.
"""
from __future__ import annotations

from itertools import compress
from typing import Optional, Sequence

from . import ir
from .errors import ValidationError
from .ir import ValType
from .dispatch import Dispatch
from .opcodes import BY_NAME, OPS

I32, I64, F32, F64 = ValType.I32, ValType.I64, ValType.F32, ValType.F64
FUNCREF, EXTERNREF = ValType.FUNCREF, ValType.EXTERNREF

_BLOCK, _LOOP, _IF, _ELSE, _FUNC = "block", "loop", "if", "else", "func"


def types_str(types: Sequence[Optional[ValType]]) -> str:
    return "[" + " ".join("_" if t is None else str(t) for t in types) + "]"


class _Frame:
    """A control frame: a block, loop, if/else, or the function body itself."""

    __slots__ = ("kind", "params", "results", "height", "unreachable", "dead")

    def __init__(self, kind: str, params: list[ValType], results: list[ValType], height: int,
                 dead: bool):
        self.kind = kind
        self.params = params
        self.results = results
        self.height = height  # operand stack height below the params
        self.unreachable = False  # after an unconditional branch: the stack is polymorphic
        self.dead = dead  # the block begins in dead code

    @property
    def label_types(self) -> list[ValType]:
        return self.params if self.kind == _LOOP else self.results


# A function or block type as the validator uses it: (params, results) as lists, compared
# directly with slices of the operand stack. Never mutated: frames share them.
Sig = tuple[list[ValType], list[ValType]]
_EMPTY_SIG: Sig = ([], [])
_RESULT_SIGS: dict[ValType, Sig] = {t: ([], [t]) for t in ValType}


class Context:
    """What instructions may refer to: the module's index spaces."""

    def __init__(self, module: ir.Module):
        self.module = module
        self.types: list[Sig] = [(list(t.params), list(t.results)) for t in module.types]
        self.funcs: list[Sig] = []
        self.tables = module.table_types
        self.mems = module.mem_types
        self.globals = module.global_types
        self.num_imported_globals = module.num_imported_globals
        self.elem_types = [e.elem_type for e in module.elems]
        self.num_datas = len(module.datas)
        self.declared_funcs: set[int] = set()

    def type(self, index: int, offset: int) -> Sig:
        if index >= len(self.types):
            raise ValidationError(f"unknown type {index}", offset)
        return self.types[index]

    def func(self, index: int, offset: int) -> Sig:
        if index >= len(self.funcs):
            raise ValidationError(f"unknown function {index}", offset)
        return self.funcs[index]

    def table(self, index: int, offset: int) -> ir.TableType:
        if index >= len(self.tables):
            raise ValidationError(f"unknown table {index}", offset)
        return self.tables[index]

    def memory(self, index: int, offset: int) -> ir.MemType:
        if index >= len(self.mems):
            raise ValidationError(f"unknown memory {index}", offset)
        return self.mems[index]

    def global_(self, index: int, offset: int) -> ir.GlobalType:
        if index >= len(self.globals):
            raise ValidationError(f"unknown global {index}", offset)
        return self.globals[index]

    def elem(self, index: int, offset: int) -> ValType:
        if index >= len(self.elem_types):
            raise ValidationError(f"unknown elem segment {index}", offset)
        return self.elem_types[index]

    def data(self, index: int, offset: int) -> None:
        if index >= self.num_datas:
            raise ValidationError(f"unknown data segment {index}", offset)


# The instructions the opcode table types, by name (hashing an Op, a frozen dataclass, is
# slow); _PLAIN those of them that need no look at their immediate either.
_FIXED: dict[str, Sig] = {op.name: (list(op.params), list(op.results))
                           for op in OPS if op.params is not None}
_PLAIN = {name: sig for name, sig in _FIXED.items()
          if BY_NAME[name].imm in ("-", "i32", "i64", "f32", "f64", "v128")}

# The checks of the other instructions, by name.
_HANDLERS = Dispatch()


class FuncValidator:
    def __init__(self, c: Context, func: ir.Func, sig: Sig):
        self.c = c
        self.func = func
        params, results = sig
        self.locals = params + list(func.locals)
        self.vals: list[Optional[ValType]] = []
        self.ctrls: list[_Frame] = [_Frame(_FUNC, [], results, 0, False)]

    def run(self) -> None:
        vals, ctrls = self.vals, self.ctrls
        plain, handlers = _PLAIN, _HANDLERS
        for instr in self.func.body:
            frame = ctrls[-1]
            instr.height = -1 if frame.unreachable or frame.dead else len(vals)
            name = instr.op.name
            sig = plain.get(name)
            if sig is None:
                handlers[name](self, instr)
                continue
            params, results = sig
            n = len(params)
            # The common case first: the operands are there, with the right types.
            if n and not (len(vals) - frame.height >= n and vals[-n:] == params):
                self.pop_vals(params, instr.offset)
            elif n:
                del vals[-n:]
            vals += results
        if len(ctrls) != 1:
            raise ValidationError("unclosed block", self.func.end_offset)
        self.pop_ctrl(self.func.end_offset)

    # ---- the operand and control stacks (the appendix's auxiliary functions) ----

    def mismatch(self, want: Sequence[Optional[ValType]], offset: int) -> ValidationError:
        frame = self.ctrls[-1]
        have = self.vals[max(frame.height, len(self.vals) - len(want)):]
        prefix = "... " if frame.unreachable else ""
        return ValidationError(f"type mismatch: instruction requires {types_str(want)} but "
                               f"stack has {prefix}{types_str(have)}", offset)

    def pop(self, want: Optional[ValType], offset: int) -> Optional[ValType]:
        """Pops one operand of type `want` (None: any type); returns its type."""
        vals, frame = self.vals, self.ctrls[-1]
        if len(vals) == frame.height:
            if frame.unreachable:
                return None
            raise self.mismatch([want], offset)
        actual = vals[-1]
        if actual != want and actual is not None and want is not None:
            raise self.mismatch([want], offset)
        vals.pop()
        return actual

    def pop_vals(self, want: list[ValType], offset: int) -> list[Optional[ValType]]:
        """Pops operands of the types `want`; returns their types (None where unknown)."""
        vals, frame = self.vals, self.ctrls[-1]
        n = len(want)
        avail = len(vals) - frame.height
        k = min(n, avail)  # the operands actually on the stack; the rest are unknown
        popped = vals[len(vals) - k:]
        if k == n and popped == want:  # the common case
            del vals[len(vals) - n:]
            return popped
        if k < n and not frame.unreachable:
            raise self.mismatch(want, offset)
        expected = want[n - k:]
        # Each operand must match or be unknown (None, falsy): compare the known ones with
        # their expected types, at C speed since an arity can be 1000.
        if popped != expected and list(filter(None, popped)) != list(compress(expected, popped)):
            raise self.mismatch(want, offset)
        del vals[len(vals) - k:]
        return [None] * (n - k) + popped

    def push_ctrl(self, kind: str, params: list[ValType], results: list[ValType]) -> None:
        outer = self.ctrls[-1]
        dead = outer.dead or outer.unreachable
        self.ctrls.append(_Frame(kind, params, results, len(self.vals), dead))
        self.vals += params

    def pop_ctrl(self, offset: int) -> _Frame:
        frame = self.ctrls[-1]
        vals = self.vals
        results = frame.results
        n = len(results)
        if not (len(vals) - frame.height == n and vals[len(vals) - n:] == results):
            self.pop_vals(results, offset)
            if len(vals) != frame.height:
                raise ValidationError(
                    f"type mismatch: block requires {types_str(results)} but stack has "
                    f"{types_str(vals[frame.height:] + results)}", offset)
        del vals[frame.height:]
        self.ctrls.pop()
        return frame

    def unreachable(self) -> None:
        frame = self.ctrls[-1]
        del self.vals[frame.height:]
        frame.unreachable = True

    def label(self, depth: int, instr: ir.Instr) -> list[ValType]:
        if depth >= len(self.ctrls):
            raise ValidationError(f"unknown label {depth}", instr.offset)
        return self.ctrls[-1 - depth].label_types

    def block_type(self, bt: ir.BlockType, instr: ir.Instr) -> Sig:
        if bt is None:
            return _EMPTY_SIG
        if isinstance(bt, ValType):
            return _RESULT_SIGS[bt]
        return self.c.type(bt, instr.offset)

    # ---- control instructions ----

    @_HANDLERS.handles("unreachable")
    def op_unreachable(self, instr: ir.Instr) -> None:
        self.unreachable()

    @_HANDLERS.handles("nop")
    def op_nop(self, instr: ir.Instr) -> None:
        pass

    @_HANDLERS.handles("block", "loop")
    def op_block(self, instr: ir.Instr) -> None:
        params, results = self.block_type(instr.imm, instr)
        self.pop_vals(params, instr.offset)
        self.push_ctrl(instr.op.name, params, results)

    @_HANDLERS.handles("if")
    def op_if(self, instr: ir.Instr) -> None:
        params, results = self.block_type(instr.imm, instr)
        self.pop(I32, instr.offset)
        self.pop_vals(params, instr.offset)
        self.push_ctrl(_IF, params, results)

    @_HANDLERS.handles("else")
    def op_else(self, instr: ir.Instr) -> None:
        frame = self.ctrls[-1]
        if frame.kind != _IF:
            raise ValidationError("else without if", instr.offset)
        instr.height = -1 if frame.dead else frame.height + len(frame.results)
        self.pop_ctrl(instr.offset)
        self.ctrls.append(_Frame(_ELSE, frame.params, frame.results, frame.height, frame.dead))
        self.vals += frame.params

    @_HANDLERS.handles("end")
    def op_end(self, instr: ir.Instr) -> None:
        frame = self.ctrls[-1]
        if frame.kind == _FUNC:
            raise ValidationError("end without block", instr.offset)
        instr.height = -1 if frame.dead else frame.height + len(frame.results)
        self.pop_ctrl(instr.offset)
        # An `if` without `else` has an empty else branch: it must pass its params through.
        if frame.kind == _IF and frame.params != frame.results:
            raise ValidationError(f"type mismatch: block requires {types_str(frame.results)} "
                                  f"but stack has {types_str(frame.params)}", instr.offset)
        self.vals += frame.results

    @_HANDLERS.handles("br")
    def op_br(self, instr: ir.Instr) -> None:
        self.pop_vals(self.label(instr.imm, instr), instr.offset)
        self.unreachable()

    @_HANDLERS.handles("br_if")
    def op_br_if(self, instr: ir.Instr) -> None:
        types = self.label(instr.imm, instr)
        self.pop(I32, instr.offset)
        self.pop_vals(types, instr.offset)
        self.vals += types

    @_HANDLERS.handles("br_table")
    def op_br_table(self, instr: ir.Instr) -> None:
        labels, default = instr.imm
        self.pop(I32, instr.offset)
        arity = len(self.label(default, instr))
        checked = set()  # checking a depth twice changes nothing: skip repeats
        for depth in labels:
            if depth in checked:
                continue
            checked.add(depth)
            types = self.label(depth, instr)
            if len(types) != arity:
                raise ValidationError(f"type mismatch: br_table targets of different arity "
                                      f"({len(types)} and {arity})", instr.offset)
            self.vals += self.pop_vals(types, instr.offset)
        self.pop_vals(self.label(default, instr), instr.offset)
        self.unreachable()

    @_HANDLERS.handles("return")
    def op_return(self, instr: ir.Instr) -> None:
        self.pop_vals(self.ctrls[0].results, instr.offset)
        self.unreachable()

    @_HANDLERS.handles("call")
    def op_call(self, instr: ir.Instr) -> None:
        params, results = self.c.func(instr.imm, instr.offset)
        self.pop_vals(params, instr.offset)
        self.vals += results

    @_HANDLERS.handles("call_indirect")
    def op_call_indirect(self, instr: ir.Instr) -> None:
        type_index, table_index = instr.imm
        table = self.c.table(table_index, instr.offset)
        params, results = self.c.type(type_index, instr.offset)
        if table.elem != FUNCREF:
            raise ValidationError(f"type mismatch: instruction requires table of functions "
                                  f"but table has {table.elem}", instr.offset)
        self.pop(I32, instr.offset)
        self.pop_vals(params, instr.offset)
        self.vals += results

    # ---- parametric instructions ----

    @_HANDLERS.handles("drop")
    def op_drop(self, instr: ir.Instr) -> None:
        t = self.pop(None, instr.offset)
        instr.vtype = t if instr.height >= 0 else None

    @_HANDLERS.handles("select")
    def op_select(self, instr: ir.Instr) -> None:
        self.pop(I32, instr.offset)
        t1 = self.pop(None, instr.offset)
        t2 = self.pop(None, instr.offset)
        for t in (t1, t2):
            if t is not None and t.is_ref:
                raise ValidationError(f"type mismatch: instruction requires numeric type but "
                                      f"stack has {t}", instr.offset)
        if t1 != t2 and t1 is not None and t2 is not None:
            raise self.mismatch([t1, t1, I32], instr.offset)
        t = t2 if t1 is None else t1
        instr.vtype = t if instr.height >= 0 else None
        self.vals.append(t)

    @_HANDLERS.handles("select_t")
    def op_select_t(self, instr: ir.Instr) -> None:
        if len(instr.imm) != 1:
            raise ValidationError("invalid result arity other than 1 is not allowed", instr.offset)
        t = instr.imm[0]
        self.pop_vals([t, t, I32], instr.offset)
        instr.vtype = t if instr.height >= 0 else None
        self.vals.append(t)

    # ---- variables ----

    def local(self, instr: ir.Instr) -> ValType:
        if instr.imm >= len(self.locals):
            raise ValidationError(f"unknown local {instr.imm}", instr.offset)
        return self.locals[instr.imm]

    @_HANDLERS.handles("local.get")
    def op_local_get(self, instr: ir.Instr) -> None:
        self.vals.append(self.local(instr))

    @_HANDLERS.handles("local.set")
    def op_local_set(self, instr: ir.Instr) -> None:
        self.pop(self.local(instr), instr.offset)

    @_HANDLERS.handles("local.tee")
    def op_local_tee(self, instr: ir.Instr) -> None:
        t = self.local(instr)
        self.pop(t, instr.offset)
        self.vals.append(t)

    @_HANDLERS.handles("global.get")
    def op_global_get(self, instr: ir.Instr) -> None:
        self.vals.append(self.c.global_(instr.imm, instr.offset).valtype)

    @_HANDLERS.handles("global.set")
    def op_global_set(self, instr: ir.Instr) -> None:
        g = self.c.global_(instr.imm, instr.offset)
        if not g.mutable:
            raise ValidationError("global is immutable", instr.offset)
        self.pop(g.valtype, instr.offset)

    # ---- tables ----

    @_HANDLERS.handles("table.get")
    def op_table_get(self, instr: ir.Instr) -> None:
        t = self.c.table(instr.imm, instr.offset).elem
        self.pop(I32, instr.offset)
        self.vals.append(t)

    @_HANDLERS.handles("table.set")
    def op_table_set(self, instr: ir.Instr) -> None:
        t = self.c.table(instr.imm, instr.offset).elem
        self.pop_vals([I32, t], instr.offset)

    @_HANDLERS.handles("table.grow")
    def op_table_grow(self, instr: ir.Instr) -> None:
        t = self.c.table(instr.imm, instr.offset).elem
        self.pop_vals([t, I32], instr.offset)
        self.vals.append(I32)

    @_HANDLERS.handles("table.fill")
    def op_table_fill(self, instr: ir.Instr) -> None:
        t = self.c.table(instr.imm, instr.offset).elem
        self.pop_vals([I32, t, I32], instr.offset)

    @_HANDLERS.handles("table.size")
    def op_table_size(self, instr: ir.Instr) -> None:
        self.c.table(instr.imm, instr.offset)
        self.fixed(instr)

    @_HANDLERS.handles("table.copy")
    def op_table_copy(self, instr: ir.Instr) -> None:
        dst, src = instr.imm
        t1 = self.c.table(dst, instr.offset).elem
        t2 = self.c.table(src, instr.offset).elem
        if t1 != t2:
            raise ValidationError(f"type mismatch: source element type {t2} does not match "
                                  f"destination element type {t1}", instr.offset)
        self.fixed(instr)

    @_HANDLERS.handles("table.init")
    def op_table_init(self, instr: ir.Instr) -> None:
        elem, table = instr.imm
        t1 = self.c.table(table, instr.offset).elem
        t2 = self.c.elem(elem, instr.offset)
        if t1 != t2:
            raise ValidationError(f"type mismatch: element segment's type {t2} does not match "
                                  f"table's element type {t1}", instr.offset)
        self.fixed(instr)

    @_HANDLERS.handles("elem.drop")
    def op_elem_drop(self, instr: ir.Instr) -> None:
        self.c.elem(instr.imm, instr.offset)

    # ---- memory ----

    def fixed(self, instr: ir.Instr) -> None:
        """Types an instruction by its row in the opcode table."""
        params, results = _FIXED[instr.op.name]
        self.pop_vals(params, instr.offset)
        self.vals += results

    def op_memory_access(self, instr: ir.Instr) -> None:
        self.c.memory(0, instr.offset)
        if 1 << instr.imm.align > _ACCESS_SIZE[instr.op.name]:
            raise ValidationError("alignment must not be larger than natural", instr.offset)
        self.fixed(instr)

    @_HANDLERS.handles("memory.size", "memory.grow", "memory.fill")
    def op_memory(self, instr: ir.Instr) -> None:
        self.c.memory(instr.imm, instr.offset)
        self.fixed(instr)

    @_HANDLERS.handles("memory.copy")
    def op_memory_copy(self, instr: ir.Instr) -> None:
        dst, src = instr.imm
        self.c.memory(dst, instr.offset)
        self.c.memory(src, instr.offset)
        self.fixed(instr)

    @_HANDLERS.handles("memory.init")
    def op_memory_init(self, instr: ir.Instr) -> None:
        data, memory = instr.imm
        self.c.memory(memory, instr.offset)
        self.c.data(data, instr.offset)
        self.fixed(instr)

    # ---- SIMD lanes: an index beyond the shape's lanes is invalid (not malformed) ----

    def check_lane(self, instr: ir.Instr, lane: int) -> None:
        if lane >= _LANES[instr.op.name]:
            raise ValidationError("invalid lane index", instr.offset)

    def op_lane(self, instr: ir.Instr) -> None:
        self.check_lane(instr, instr.imm)
        self.fixed(instr)

    def op_memory_lane(self, instr: ir.Instr) -> None:
        self.check_lane(instr, instr.imm.lane)
        self.op_memory_access(instr)

    @_HANDLERS.handles("i8x16.shuffle")
    def op_shuffle(self, instr: ir.Instr) -> None:
        if any(lane >= 32 for lane in instr.imm):
            raise ValidationError("invalid lane index", instr.offset)
        self.fixed(instr)

    @_HANDLERS.handles("data.drop")
    def op_data_drop(self, instr: ir.Instr) -> None:
        self.c.data(instr.imm, instr.offset)

    # ---- references ----

    @_HANDLERS.handles("ref.null")
    def op_ref_null(self, instr: ir.Instr) -> None:
        self.vals.append(instr.imm)

    @_HANDLERS.handles("ref.is_null")
    def op_ref_is_null(self, instr: ir.Instr) -> None:
        t = self.pop(None, instr.offset)
        if t is not None and not t.is_ref:
            raise ValidationError(f"type mismatch: instruction requires reference type but "
                                  f"stack has {t}", instr.offset)
        self.vals.append(I32)

    @_HANDLERS.handles("ref.func")
    def op_ref_func(self, instr: ir.Instr) -> None:
        self.c.func(instr.imm, instr.offset)
        if instr.imm not in self.c.declared_funcs:
            raise ValidationError(f"undeclared function reference {instr.imm}", instr.offset)
        self.vals.append(FUNCREF)


_ACCESS_SIZE = {op.name: op.access_size for op in OPS if op.is_memory_access}
# Lanes of the SIMD instructions with a lane index: by their shape (i8x16.extract_lane_s:
# 16), or for lane loads and stores by their width (v128.load16_lane: 8).
_LANES = {op.name: int(op.name[op.name.index("x") + 1:op.name.index(".")]) if op.imm == "lane"
          else 16 // op.access_size for op in OPS if op.imm in ("lane", "memarg_lane")}
for _imm, _handler in (("memarg", FuncValidator.op_memory_access), ("lane", FuncValidator.op_lane),
                       ("memarg_lane", FuncValidator.op_memory_lane)):
    _HANDLERS.add((op.name for op in OPS if op.imm == _imm), _handler)
assert not _HANDLERS.missing(_PLAIN), f"instructions the validator does not handle: {_HANDLERS.missing(_PLAIN)}"
