"""One Wasm function body -> one C function.

Wasm locals become C locals; operand-stack slots become C variables named by height and
type (i3 is the i32 at height 3), which the C compiler's register allocator turns back
into registers; blocks become labels and gotos. The validator has already annotated
every instruction with its stack height (Instr.height, -1 where unreachable), so this
walk only reads types from the opcode table and the module; it has no error paths.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from .. import ir
from ..ir import FuncType, ValType
from ..opcodes import OPS, Dispatch
from . import names
from .literals import constant
from .simd import SIMD_EMITTERS, SimdOps

_TRAP = "TRAP({})"
# The generated C stays linear in the size of the Wasm however deeply blocks nest: lines
# are indented for at most MAX_INDENT levels, and an `if` nested deeper than MAX_BRACES
# braces becomes a conditional goto instead of a braced block (the C compiler's parser
# recurses on braces).
MAX_INDENT = 8
MAX_BRACES = 32
# Where a runtime call needs stack room (see the template's STACK_ROOM); the function's
# frame estimate is filled in once all of its code is written.
_STACK_ROOM = "STACK_ROOM(FRAME);"
# Where a run of instructions pays its fuel; the cost is filled in when the run ends.
_FUEL_RUN = "FUEL(RUN);"
# The instructions that cost no fuel: they only mark structure (see the template's FUEL).
FREE_OF_FUEL = frozenset({"block", "loop", "else", "end"})


@dataclass
class _Frame:
    kind: str  # "block", "loop", "if", "func"
    base: int  # stack height below the block's params
    params: tuple[ValType, ...]
    results: tuple[ValType, ...]
    label: int
    dead: bool  # opened in unreachable code: nothing inside is emitted
    flat: bool = False  # an `if` written with gotos rather than braces (see MAX_BRACES)
    else_placed: bool = False  # a flat `if`'s else label is written
    label_used: bool = False
    label_line: Optional[int] = None  # where a loop's label goes, if used
    indent: int = 0  # a loop's, for the poll at its head

    @property
    def branch_types(self) -> tuple[ValType, ...]:
        """What a branch to this frame carries: a loop's params, a block's results."""
        return self.params if self.kind == "loop" else self.results


@dataclass
class ModuleContext:
    """What every function body needs to know about the module (built once)."""

    module: ir.Module
    func_types: list[FuncType]
    global_types: list[ir.GlobalType]
    global_cells: set[int]  # globals shared by reference (imported or exported)
    table_types: list[ir.TableType]
    func_names: list[str]  # C name of each function (imports: '')
    # Explicit checks of memory bounds and stack depth in the code (the portable mode),
    # instead of guard pages and the runtime's fault handler.
    bounds_checks: bool = False
    # Fuel metering (--fuel): each run of instructions pays for itself as it starts.
    fuel: bool = False
    cannot_trap: set[int] = field(default_factory=set)  # see traps.py
    used_results_structs: set[tuple[ValType, ...]] = field(default_factory=set)
    used_fn_types: dict[str, FuncType] = field(default_factory=dict)

    def global_ref(self, index: int) -> str:
        """The C lvalue of a global's value."""
        name = names.global_(index)
        if index in self.global_cells:
            return names.val_member(f"inst->{name}->value", self.global_types[index].valtype)
        return f"inst->{name}"

    def fn_type(self, ft: FuncType) -> str:
        ident = names.fn_type(ft)
        self.used_fn_types[ident] = ft
        return ident

    def results_struct(self, results: tuple[ValType, ...]) -> str:
        self.used_results_structs.add(results)
        return names.results_struct(results)


def c_return_type(ctx: ModuleContext, results: tuple[ValType, ...]) -> str:
    if not results:
        return "void"
    if len(results) == 1:
        return names.C_TYPES[results[0]]
    return ctx.results_struct(results)


class _LoadUses:
    """Which loads a function must force (guard pages). A load out of bounds must fault
    even when its value goes unused, but the C compiler deletes a load whose value is
    dead; forcing (an empty asm taking the value) keeps it, at the price of blocking
    optimisations such as vectorisation. So a load is left unforced only where its
    value surely stays live: it flows into a store through floating-point arithmetic
    (FLOAT_FLOW) alone. Anything else might let the compiler drop the value: integer
    algebra (x - x, x & 0), a select, a store of a value just loaded (a no-op store it
    removes), or a local. (Stores overwritten before any read are kept by compiling
    without dead-store elimination, Toolchain.module_flags.) Values are tracked by
    stack height, each with the loads it depends on and whether float arithmetic has
    transformed it; whatever is dropped, stored in a local or global, or still pending
    at a call, branch or block boundary is forced (and so everything that might be dead)."""

    # Neither read nor disturb the values below them.
    _PUSH_ONLY = frozenset({"local.get", "global.get", "ref.null", "ref.func", "memory.size", "table.size"})
    # Consume the top value, which may be dead afterwards.
    _CONSUME_TOP = frozenset({"drop", "local.set", "local.tee", "global.set"})
    # Floating-point operators whose result the C compiler cannot make independent of an
    # operand, nor fold into a copy of one, under -fsignaling-nans without fast-math (x - x
    # and x * 0 are NaN for a NaN, x * 1 quiets a signalling NaN). Not neg, abs, copysign,
    # min or max: -(-x) and min(x, x) fold back to x.
    FLOAT_FLOW = frozenset(f"{t}.{name}" for t in ("f32", "f64") for name in (
        "add", "sub", "mul", "div", "sqrt", "convert_i32_s", "convert_i32_u", "convert_i64_s",
        "convert_i64_u")) | {"f32.demote_f64", "f64.promote_f32"}

    def __init__(self) -> None:
        # stack height -> (lines of the loads it needs, whether float arithmetic made it)
        self.pending: dict[int, tuple[list[int], bool]] = {}
        self.forced: set[int] = set()

    def simple(self, h: int, op, load_line: Optional[int]) -> None:
        """An operator from the opcode table, with its operands below h; load_line: where
        it is emitted, if it is a memory access."""
        n = len(op.params)
        operands = [self.pending.pop(k, ([], False)) for k in range(h - n, h)]
        if not op.results:  # a store: its value survives only if float arithmetic made it
            address, value = operands
            self.forced.update(address[0])
            if not value[1]:
                self.forced.update(value[0])
            return
        if load_line is not None:  # a load: its address (and a lane load's v128) are used
            needs = [line for lines, _ in operands for line in lines] + [load_line]
            self.pending[h - n] = (needs, False)
            return
        needs = [line for lines, _ in operands for line in lines]
        if not needs:
            return
        if op.name in self.FLOAT_FLOW:
            self.pending[h - n] = (needs, True)
        else:
            self.forced.update(needs)

    def before(self, name: str, h: int) -> None:
        if name in self._PUSH_ONLY:
            return
        if name in self._CONSUME_TOP:
            self.forced.update(self.pending.pop(h - 1, ([], False))[0])
            return
        self._force_pending()

    def lines_to_force(self) -> set[int]:
        self._force_pending()
        return self.forced

    def _force_pending(self) -> None:
        for needs, _ in self.pending.values():
            self.forced.update(needs)
        self.pending.clear()


# After these a run of instructions ends (see FunctionWriter.charge).
_ENDS_RUN = frozenset({"br", "br_if", "br_table", "return", "unreachable", "call", "call_indirect"})


# The code for each instruction, but for SIMD's (simd.py) and the opcode table's C
# expressions (FunctionWriter.simple): see FunctionWriter.instruction.
_EMITTERS = Dispatch()
# The instructions that open and close blocks: followed in dead code too, where nothing
# is emitted, to keep the frames in step.
_STRUCTURE = frozenset({"block", "loop", "if", "else", "end"})


class FunctionWriter(SimdOps):
    def __init__(self, ctx: ModuleContext, index: int, func: ir.Func, storage: str = "static"):
        self.ctx = ctx
        self.storage = storage  # "static", or "" when the module is compiled in parts
        self.module = ctx.module
        self.index = index
        self.func = func
        self.type = ctx.func_types[index]
        self.local_types = list(self.type.params) + list(func.locals)
        local_names = self.module.names.locals.get(index, {})
        self.local_names = [names.local(i, local_names.get(i)) for i in range(len(self.local_types))]
        # Memory base (and, checking bounds, its size) in locals (see the template's
        # "Linear memory").
        self.caches_memory = any(instr.op.is_memory_access for instr in func.body)
        self.caches_size = self.caches_memory and ctx.bounds_checks
        self.lines: list[str] = []
        # Guard pages only: which loads must be kept even if their value goes unused
        # (see _LoadUses).
        self.load_uses = _LoadUses() if not ctx.bounds_checks else None
        self.slots: set[tuple[ValType, int]] = set()
        self.frames: list[_Frame] = []
        self.labels = 0
        self.indent = 1
        self.braces = 0  # `if` blocks open as braces (see MAX_BRACES)
        # For each call, the loops around it: with one that loops (and so polls at its head)
        # the call needs no poll on entry to this function before it (see write).
        self.loops_around_calls: list[list[_Frame]] = []
        # With fuel: the line of the open run's FUEL, and the instructions in the run.
        self.fuel_line: Optional[int] = None
        self.fuel_cost = 0

    # ---- output helpers ----

    def emit(self, line: str) -> None:
        self.lines.append("    " * min(self.indent, MAX_INDENT) + line)

    def runtime_call(self, line: str) -> None:
        """A line calling into the runtime or the C library: stack room is made sure of first."""
        self.emit(_STACK_ROOM)
        self.emit(line)

    def memory_may_have_grown(self) -> None:
        """After a call or memory.grow: the cached memory size is reloaded."""
        if self.caches_size:
            mem = names.memory(0)
            self.emit(f"{mem}_size = inst->{mem}->size;")

    # ---- fuel: a run of instructions is paid for on entry. A run ends after every
    # branch, call, `if` and `unreachable`, and before every place a branch may land (a
    # loop's head, an else, the end of an if or of a block branched to), so that all of a
    # run's instructions run once its first does, but for a trap. ----

    def charge(self) -> None:
        """One instruction more in the current run, opening a run here if none is open."""
        if not self.ctx.fuel:
            return
        if self.fuel_line is None:
            self.fuel_line = len(self.lines)
            self.emit(_FUEL_RUN)
        self.fuel_cost += 1

    def end_run(self) -> None:
        if self.fuel_line is not None:
            self.lines[self.fuel_line] = self.lines[self.fuel_line].replace(_FUEL_RUN, f"FUEL({self.fuel_cost});")
            self.fuel_line = None
            self.fuel_cost = 0

    def slot(self, valtype: ValType, height: int) -> str:
        # References of both kinds share one `void *` variable per height.
        self.slots.add((ValType.FUNCREF if valtype.is_ref else valtype, height))
        return names.slot(valtype, height)

    def new_frame(self, kind: str, base: int, sig: FuncType, dead: bool) -> _Frame:
        self.labels += 1
        frame = _Frame(kind, base, sig.params, sig.results, self.labels, dead)
        self.frames.append(frame)
        return frame

    # ---- the function ----

    def signature(self) -> str:
        ret = c_return_type(self.ctx, self.type.results)
        params = ["Instance *inst"] + [
            f"{names.C_TYPES[t]} {self.local_names[i]}" for i, t in enumerate(self.type.params)
        ]
        storage = f"{self.storage} " if self.storage else ""
        return f"{storage}W2P_CODE {ret} {self.ctx.func_names[self.index]}({', '.join(params)})"

    def write(self) -> list[str]:
        self.new_frame("func", 0, FuncType((), self.type.results), False)
        for instr in self.func.body:
            self.instruction(instr)
        self.end_run()
        self.end_frame(self.frames.pop())
        if self.load_uses:
            for line in self.load_uses.lines_to_force():
                self.lines[line] = self.lines[line].replace("LOAD(", "LOAD_FORCED(", 1)
        frame = self.frame_estimate()
        body = [line.replace(_STACK_ROOM, f"STACK_ROOM({frame});") if line and line.endswith(_STACK_ROOM) else line
                for line in self.lines]
        decls = self.declarations()
        name = self.module.names.funcs.get(self.index)
        comment = f"/* func {self.index}" + (f" {names.c_comment(repr(name))}" if name else "") + " */"
        check = [f"    STACK_CHECK({frame});"] if self.ctx.bounds_checks else []
        # A function that calls polls on entry, so that recursion without loops stops too,
        # unless each call is inside a loop (whose head polls first, on every path to it);
        # one that cannot trap makes only a short chain of calls, and does not.
        if self.index not in self.ctx.cannot_trap and any(
                not any(loop.label_used for loop in loops) for loops in self.loops_around_calls):
            check.append("    POLL();")
        return [comment, self.signature(), "{"] + decls + check + body + ["}"]

    def frame_estimate(self) -> int:
        """Bytes of C stack the function may use: every local and stack slot spilled, plus
        saved registers and the return address."""
        values = self.local_types + [t for t, _ in self.slots]
        return sum(16 if t == ValType.V128 else 8 for t in values) + 128

    def declarations(self) -> list[str]:
        decls = []
        if self.caches_memory:
            mem = names.memory(0)
            decls.append(f"    uint8_t *const {mem}_base = inst->{mem}->data;")
        if self.caches_size:
            decls.append(f"    uint64_t {mem}_size = inst->{mem}->size;")
        n_params = len(self.type.params)
        for i, t in enumerate(self.local_types[n_params:], n_params):
            zero = "NULL" if t.is_ref else "{0}" if t == ValType.V128 else "0"
            decls.append(f"    {names.C_TYPES[t]} {self.local_names[i]} = {zero};")
        by_type: dict[str, list[str]] = {}
        for t, h in sorted(self.slots, key=lambda s: (names.C_TYPES[s[0]], s[1])):
            by_type.setdefault(names.C_TYPES[t], []).append(names.slot(t, h))
        for ctype, slots in by_type.items():
            star = ctype.endswith("*")
            base = ctype[:-1].rstrip() if star else ctype
            zero = " = {0}" if ctype == names.C_TYPES[ValType.V128] else ""  # never read unset
            decl = ", ".join(("*" if star else "") + s + zero for s in slots)
            decls.append(f"    {base} {decl};")
        return decls

    # ---- control ----

    @property
    def dead(self) -> bool:
        return self.frames[-1].dead

    def block_sig(self, bt: ir.BlockType) -> FuncType:
        return self.module.block_signature(bt)

    def copy_values(self, types: tuple[ValType, ...], src_top: int, dst_base: int) -> None:
        """Moves the top len(types) values (ending below src_top) down to dst_base."""
        src_base = src_top - len(types)
        if src_base == dst_base:
            return
        for k, t in enumerate(types):
            self.emit(f"{self.slot(t, dst_base + k)} = {self.slot(t, src_base + k)};")

    def branch(self, depth: int, height: int) -> None:
        """Emits a branch to the frame `depth` levels up, the stack being `height` high."""
        frame = self.frames[-1 - depth]
        if frame.kind == "func":
            self.return_(height)
            return
        frame.label_used = True
        self.copy_values(frame.branch_types, height, frame.base)
        self.emit(f"goto {names.label(frame.label)};")

    def return_(self, height: int) -> None:
        results = self.type.results
        vals = [self.slot(t, height - len(results) + k) for k, t in enumerate(results)]
        if not results:
            self.emit("return;")
        elif len(results) == 1:
            self.emit(f"return {vals[0]};")
        else:
            self.emit(f"return ({self.ctx.results_struct(results)}){{{', '.join(vals)}}};")

    def end_frame(self, frame: _Frame) -> None:
        if frame.kind == "func":
            if not frame.dead and self.reachable_end:
                self.return_(len(self.type.results))
            return
        if frame.kind == "loop" and frame.label_used:
            # The head of a loop that loops polls (POLL), so that no loop runs unstoppable.
            poll = "    " * min(frame.indent, MAX_INDENT) + "POLL();"
            self.lines[frame.label_line] = f"{names.label(frame.label)}:;\n{poll}"
        if frame.kind == "loop" and not frame.label_used and frame.label_line is not None:
            self.lines[frame.label_line] = None  # type: ignore[call-overload]
        if frame.kind in ("block", "if") and frame.label_used:
            self.lines.append(f"{names.label(frame.label)}:;")

    # The validator marks code after an unconditional branch with height -1; the end of
    # the function body is reachable if the last instruction was.
    reachable_end = True

    def instruction(self, instr: ir.Instr) -> None:
        name = instr.op.name
        emitter = _EMITTERS[name]
        if name in _STRUCTURE:
            emitter(self, instr, instr.height)
            return
        if self.dead or instr.height < 0:
            return
        self.reachable_end = name not in ("br", "br_table", "return", "unreachable")
        h = instr.height
        self.charge()
        if self.load_uses and instr.op.c is None:
            self.load_uses.before(name, h)
        emitter(self, instr, h)
        if name in _ENDS_RUN:
            self.end_run()

    @_EMITTERS.handles("block", "loop", "if")
    def open_block(self, instr: ir.Instr, h: int) -> None:
        sig = self.block_sig(instr.imm)
        dead = self.dead or h < 0
        if instr.op.name == "if":
            base = h - 1 - len(sig.params)
            frame = self.new_frame("if", base, sig, dead)
            if dead:
                return
            self.charge()
            cond = self.slot(ValType.I32, h - 1)
            if self.braces >= MAX_BRACES:
                frame.flat = True
                self.emit(f"if (!{cond}) goto {names.label(frame.label)}_else;")
            else:
                self.braces += 1
                self.emit(f"if ({cond}) {{")
                self.indent += 1
            self.end_run()
            return
        # A block or loop needs no braces: its labels (where used) mark it.
        base = h - len(sig.params)
        frame = self.new_frame(instr.op.name, base, sig, dead)
        if not dead and frame.kind == "loop":
            self.end_run()
            frame.label_line = len(self.lines)
            frame.indent = self.indent
            self.lines.append("/*loop*/")

    @_EMITTERS.handles("else")
    def op_else(self, instr, h):
        self.end_run()
        frame = self.frames[-1]
        if frame.dead:
            pass
        elif frame.flat:
            frame.label_used = True
            self.emit(f"goto {names.label(frame.label)};")
            self.lines.append(f"{names.label(frame.label)}_else:;")
            frame.else_placed = True
        else:
            self.indent -= 1
            self.emit("} else {")
            self.indent += 1
        self.reachable_end = True

    @_EMITTERS.handles("end")
    def op_end(self, instr, h):
        frame = self.frames.pop()
        if frame.kind == "if" or (frame.kind == "block" and frame.label_used):  # a branch may land here
            self.end_run()
        if not frame.dead and frame.kind == "if":
            if frame.flat and not frame.else_placed:  # no else: the false branch lands here
                self.lines.append(f"{names.label(frame.label)}_else:;")
            elif not frame.flat:
                self.braces -= 1
                self.indent -= 1
                self.emit("}")
        self.end_frame(frame)
        self.reachable_end = True

    # ---- instructions with a C expression in the opcode table ----

    def simple(self, instr: ir.Instr, h: int) -> None:
        op = instr.op
        n = len(op.params)
        args = [self.slot(t, h - n + k) for k, t in enumerate(op.params)]
        if op.is_memory_access:
            ea = args[0] if instr.imm.offset == 0 else f"(uint64_t){args[0]} + {instr.imm.offset}u"
            expr = op.c.format(*args, mem=names.memory(0), ea=ea, imm=instr.imm)
        else:
            expr = op.c.format(*args, imm=instr.imm)
        if self.load_uses:
            self.load_uses.simple(h, op, len(self.lines) if op.is_memory_access else None)
        if op.results:
            self.emit(f"{self.slot(op.results[0], h - n)} = {expr};")
        else:
            self.emit(f"{expr};")

    # ---- the rest ----

    @_EMITTERS.handles("unreachable")
    def op_unreachable(self, instr, h):
        self.emit(_TRAP.format("UNREACHABLE") + ";")

    @_EMITTERS.handles("nop")
    def op_nop(self, instr, h):
        pass

    @_EMITTERS.handles("br")
    def op_br(self, instr, h):
        self.branch(instr.imm, h)

    @_EMITTERS.handles("br_if")
    def op_br_if(self, instr, h):
        self.emit(f"if ({self.slot(ValType.I32, h - 1)}) {{")
        self.indent += 1
        self.branch(instr.imm, h - 1)
        self.indent -= 1
        self.emit("}")

    @_EMITTERS.handles("br_table")
    def op_br_table(self, instr, h):
        labels, default = instr.imm
        cond = self.slot(ValType.I32, h - 1)
        targets: dict[int, list[int]] = {}
        for i, depth in enumerate(labels):
            if depth != default:
                targets.setdefault(depth, []).append(i)
        if not targets:
            self.branch(default, h - 1)
            return
        self.emit(f"switch ({cond}) {{")
        for depth, cases in targets.items():
            self.emit(" ".join(f"case {c}:" for c in cases))
            self.indent += 1
            self.branch(depth, h - 1)
            self.indent -= 1
        self.emit("default:")
        self.indent += 1
        self.branch(default, h - 1)
        self.indent -= 1
        self.emit("}")

    @_EMITTERS.handles("return")
    def op_return(self, instr, h):
        self.return_(h)

    def note_call(self) -> None:
        self.loops_around_calls.append([f for f in self.frames if f.kind == "loop"])

    @_EMITTERS.handles("call")
    def op_call(self, instr, h):
        self.note_call()
        index = instr.imm
        ft = self.ctx.func_types[index]
        n = len(ft.params)
        args = [self.slot(t, h - n + k) for k, t in enumerate(ft.params)]
        if index < self.module.num_imported_funcs:
            self.runtime_call(f"fp = inst->funcs[{index}];")  # an import may be WASI's or Python's
            self.call_ref(ft, "fp", args, h - n)
        else:
            call = f"{self.ctx.func_names[index]}({', '.join(['inst'] + args)})"
            self.store_results(ft.results, call, h - n)
        self.memory_may_have_grown()

    @_EMITTERS.handles("call_indirect")
    def op_call_indirect(self, instr, h):
        self.note_call()
        type_index, table = instr.imm
        ft = self.module.types[type_index]
        n = len(ft.params)
        args = [self.slot(t, h - 1 - n + k) for k, t in enumerate(ft.params)]
        elem = self.slot(ValType.I32, h - 1)
        self.emit(f"fp = TABLE_FUNC(inst->{names.table(table)}, {elem}, inst->types[{type_index}]);")
        self.call_ref(ft, "fp", args, h - 1 - n)
        self.memory_may_have_grown()

    def call_ref(self, ft: FuncType, fp: str, args: list[str], result_base: int) -> None:
        """A call through a w2p_func (an import, or a table element): another context."""
        self.uses_fp = True
        call = f"(({self.ctx.fn_type(ft)}){fp}->fn)({', '.join([f'enter({fp}, inst)'] + args)})"
        self.store_results(ft.results, call, result_base)

    uses_fp = False

    def store_results(self, results: tuple[ValType, ...], call: str, base: int) -> None:
        if not results:
            self.emit(f"{call};")
        elif len(results) == 1:
            self.emit(f"{self.slot(results[0], base)} = {call};")
        else:
            struct = self.ctx.results_struct(results)
            self.emit("{")
            self.emit(f"    {struct} r = {call};")
            for k, t in enumerate(results):
                self.emit(f"    {self.slot(t, base + k)} = r.r{k};")
            self.emit("}")

    @_EMITTERS.handles("drop")
    def op_drop(self, instr, h):
        pass

    @_EMITTERS.handles("select")
    def op_select(self, instr, h):
        self.select(instr.vtype, h)

    @_EMITTERS.handles("select_t")
    def op_select_t(self, instr, h):
        self.select(instr.imm[0], h)

    def select(self, t: ValType, h: int) -> None:
        cond = self.slot(ValType.I32, h - 1)
        a, b = self.slot(t, h - 3), self.slot(t, h - 2)
        self.emit(f"{a} = {cond} ? {a} : {b};")

    @_EMITTERS.handles("local.get")
    def op_local_get(self, instr, h):
        t = self.local_types[instr.imm]
        self.emit(f"{self.slot(t, h)} = {self.local_names[instr.imm]};")

    @_EMITTERS.handles("local.set")
    def op_local_set(self, instr, h):
        t = self.local_types[instr.imm]
        self.emit(f"{self.local_names[instr.imm]} = {self.slot(t, h - 1)};")

    @_EMITTERS.handles("local.tee")
    def op_local_tee(self, instr, h):
        self.op_local_set(instr, h)

    @_EMITTERS.handles("global.get")
    def op_global_get(self, instr, h):
        t = self.ctx.global_types[instr.imm].valtype
        self.emit(f"{self.slot(t, h)} = {self.ctx.global_ref(instr.imm)};")

    @_EMITTERS.handles("global.set")
    def op_global_set(self, instr, h):
        t = self.ctx.global_types[instr.imm].valtype
        self.emit(f"{self.ctx.global_ref(instr.imm)} = {self.slot(t, h - 1)};")

    @_EMITTERS.handles("table.get")
    def op_table_get(self, instr, h):
        i = self.slot(ValType.I32, h - 1)
        self.emit(f"{self.slot(ValType.FUNCREF, h - 1)} = TABLE_GET(inst->{names.table(instr.imm)}, {i});")

    @_EMITTERS.handles("table.set")
    def op_table_set(self, instr, h):
        i, ref = self.slot(ValType.I32, h - 2), self.slot(ValType.FUNCREF, h - 1)
        self.emit(f"TABLE_SET(inst->{names.table(instr.imm)}, {i}, {ref});")

    @_EMITTERS.handles("table.size")
    def op_table_size(self, instr, h):
        self.emit(f"{self.slot(ValType.I32, h)} = inst->{names.table(instr.imm)}->size;")

    @_EMITTERS.handles("table.grow")
    def op_table_grow(self, instr, h):
        ref, n = self.slot(ValType.FUNCREF, h - 2), self.slot(ValType.I32, h - 1)
        tab = f"inst->{names.table(instr.imm)}"
        self.runtime_call(f"{self.slot(ValType.I32, h - 2)} = w2p_table_grow({tab}, {n}, {ref});")

    @_EMITTERS.handles("table.fill")
    def op_table_fill(self, instr, h):
        i, ref, n = self.slot(ValType.I32, h - 3), self.slot(ValType.FUNCREF, h - 2), self.slot(ValType.I32, h - 1)
        self.runtime_call(f"if (w2p_table_fill(inst->{names.table(instr.imm)}, {i}, {ref}, {n})) TRAP(OOB_TABLE);")

    @_EMITTERS.handles("table.copy")
    def op_table_copy(self, instr, h):
        dst_table, src_table = instr.imm
        d, s, n = (self.slot(ValType.I32, h - 3 + k) for k in range(3))
        dst, src = f"inst->{names.table(dst_table)}", f"inst->{names.table(src_table)}"
        self.runtime_call(f"if (w2p_table_copy({dst}, {d}, {src}, {s}, {n})) TRAP(OOB_TABLE);")

    @_EMITTERS.handles("table.init")
    def op_table_init(self, instr, h):
        elem, table = instr.imm
        d, s, n = (self.slot(ValType.I32, h - 3 + k) for k in range(3))
        tab = f"inst->{names.table(table)}"
        self.runtime_call(f"if (w2p_table_init_from({tab}, {d}, &inst->elems[{elem}], {s}, {n})) TRAP(OOB_TABLE);")

    @_EMITTERS.handles("elem.drop")
    def op_elem_drop(self, instr, h):
        self.emit(f"inst->elems[{instr.imm}].len = 0;")

    @_EMITTERS.handles("memory.size")
    def op_memory_size(self, instr, h):
        self.emit(f"{self.slot(ValType.I32, h)} = inst->{names.memory(0)}->pages;")

    @_EMITTERS.handles("memory.grow")
    def op_memory_grow(self, instr, h):
        n = self.slot(ValType.I32, h - 1)
        self.runtime_call(f"{n} = w2p_memory_grow(inst->{names.memory(0)}, {n});")
        self.memory_may_have_grown()

    @_EMITTERS.handles("memory.fill")
    def op_memory_fill(self, instr, h):
        d, v, n = (self.slot(ValType.I32, h - 3 + k) for k in range(3))
        self.runtime_call(f"if (w2p_memory_fill(inst->{names.memory(0)}, {d}, {v}, {n})) TRAP(OOB_MEMORY);")

    @_EMITTERS.handles("memory.copy")
    def op_memory_copy(self, instr, h):
        d, s, n = (self.slot(ValType.I32, h - 3 + k) for k in range(3))
        mem = f"inst->{names.memory(0)}"
        self.runtime_call(f"if (w2p_memory_copy({mem}, {d}, {mem}, {s}, {n})) TRAP(OOB_MEMORY);")

    @_EMITTERS.handles("memory.init")
    def op_memory_init(self, instr, h):
        seg = instr.imm[0]
        d, s, n = (self.slot(ValType.I32, h - 3 + k) for k in range(3))
        data = f"{names.data_segment(seg)}, inst->data_len[{seg}]"
        self.runtime_call(f"if (w2p_memory_init_from(inst->{names.memory(0)}, {d}, {data}, {s}, {n})) TRAP(OOB_MEMORY);")

    @_EMITTERS.handles("data.drop")
    def op_data_drop(self, instr, h):
        self.emit(f"inst->data_len[{instr.imm}] = 0;")

    @_EMITTERS.handles("i32.const", "i64.const", "f32.const", "f64.const", "v128.const")
    def op_const(self, instr, h):
        t = instr.op.results[0]
        self.emit(f"{self.slot(t, h)} = {constant(t, instr.imm)};")

    @_EMITTERS.handles("ref.null")
    def op_ref_null(self, instr, h):
        self.emit(f"{self.slot(ValType.FUNCREF, h)} = NULL;")

    @_EMITTERS.handles("ref.is_null")
    def op_ref_is_null(self, instr, h):
        ref = self.slot(ValType.FUNCREF, h - 1)
        self.emit(f"{self.slot(ValType.I32, h - 1)} = {ref} == NULL;")

    @_EMITTERS.handles("ref.func")
    def op_ref_func(self, instr, h):
        self.emit(f"{self.slot(ValType.FUNCREF, h)} = inst->funcs[{instr.imm}];")


_EMITTERS.add((op.name for op in OPS if op.c is not None), FunctionWriter.simple)
_EMITTERS = _EMITTERS.join(SIMD_EMITTERS)
assert not _EMITTERS.missing(), f"instructions the code generator does not handle: {_EMITTERS.missing()}"


def write_function(ctx: ModuleContext, index: int, func: ir.Func, storage: str = "static") -> list[str]:
    writer = FunctionWriter(ctx, index, func, storage)
    lines = writer.write()
    if writer.uses_fp:
        lines.insert(3, "    const w2p_func *fp;")
    return [line for line in lines if line is not None]


def prototype(ctx: ModuleContext, index: int, func: ir.Func, storage: str = "static") -> str:
    return FunctionWriter(ctx, index, func, storage).signature() + ";"
