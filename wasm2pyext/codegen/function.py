"""One Wasm function body -> one C function.

Wasm locals become C locals; operand-stack slots become C variables named by height and
type (i3 is the i32 at height 3), which the C compiler's register allocator turns back
into registers, but a local's value, a constant or an operator's result goes straight into
the C expression that uses it where nothing comes between (FunctionWriter.defer); blocks
become labels and gotos. The validator has already annotated every instruction with its
stack height (Instr.height, -1 where unreachable), so this walk only reads types from the
opcode table and the module; it has no error paths.

FunctionWriter here owns the output, the stack slots, fuel and the function around the
body; each instruction's C comes from its emitter, found by name (an opcodes.Dispatch):
control flow in control.py, the instructions on values in values.py, SIMD's own in simd.py.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from .. import ir
from ..ir import FuncType, ValType
from . import names
from .control import CONTROL_EMITTERS, MAX_INDENT, ControlOps, Frame
from .simd import SIMD_EMITTERS, SimdOps
from .values import VALUE_EMITTERS, ValueOps

# Where a runtime call needs stack room (see the template's STACK_ROOM); the function's
# frame estimate is filled in once all of its code is written.
_STACK_ROOM = "STACK_ROOM(FRAME);"
# Where a run of instructions pays its fuel; the cost is filled in when the run ends.
_FUEL_RUN = "FUEL(RUN);"
# The instructions that cost no fuel: they only mark structure (see the template's FUEL).
FREE_OF_FUEL = frozenset({"block", "loop", "else", "end"})


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


@dataclass
class _Deferred:
    """A value on the stack not yet assigned to its stack variable (FunctionWriter.defer)."""

    expr: str
    valtype: ValType
    local: Optional[int]  # the index of the local it is the value of
    result: bool  # an operator's result (else a local's value or a constant)


# Besides the opcode table's operators, the instructions before which deferred locals and
# constants may wait: none reads the stack variables by name, or changes a local but the
# one it names.
_KEEPS_DEFERRED = frozenset({"local.get", "local.set", "local.tee", "drop", "i32.const", "i64.const",
                             "f32.const", "f64.const"})

# The instructions that take the top value (by FunctionWriter.take) as an operator takes
# its operands, but whatever it is: the value set, or the condition tested.
_TAKES_TOP = frozenset({"local.set", "local.tee", "if", "br_if", "br_table"})

# After these a run of instructions ends (see FunctionWriter.charge).
_ENDS_RUN = frozenset({"br", "br_if", "br_table", "return", "unreachable", "call", "call_indirect"})

# The code for each instruction (see FunctionWriter.instruction).
_EMITTERS = CONTROL_EMITTERS.join(VALUE_EMITTERS, SIMD_EMITTERS)
assert not _EMITTERS.missing(), f"instructions the code generator does not handle: {_EMITTERS.missing()}"
# The instructions that open and close blocks: followed in dead code too, where nothing
# is emitted, to keep the frames in step.
_STRUCTURE = frozenset({"block", "loop", "if", "else", "end"})


class FunctionWriter(ControlOps, ValueOps, SimdOps):
    """Writes one function: its signature, declarations and body, instruction by instruction."""

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
        self.deferred: dict[int, _Deferred] = {}  # by stack height
        self.frames: list[Frame] = []
        self.labels = 0
        self.indent = 1
        self.braces = 0  # `if` blocks open as braces (see MAX_BRACES)
        # For each call, the loops around it: with one that loops (and so polls at its head)
        # the call needs no poll on entry to this function before it (see write).
        self.loops_around_calls: list[list[Frame]] = []
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
        """The C variable of the stack value at `height`, holding it (a deferred value is
        assigned to it first)."""
        # References of both kinds share one `void *` variable per height.
        self.slots.add((ValType.FUNCREF if valtype.is_ref else valtype, height))
        name = names.slot(valtype, height)
        deferred = self.deferred.pop(height, None)
        if deferred is not None:
            self.emit(f"{name} = {deferred.expr};")
        return name

    # ---- deferred values: a local's value, a constant or an operator's result is not
    # assigned to its stack variable where it is pushed, but written into the C that uses
    # it (`v1 = v0 + 1.0;`, not `d0 = v0; d1 = 1.0; d0 = d0 + d1; v1 = d0;`): less C, a
    # quarter of the statements, compiled faster. A local or a constant waits until its
    # straight run of code ends or its local is set; an operator's result only until the
    # next instruction, so that it is computed where it always was, but may be assigned
    # straight to a local. ----

    def operand(self, valtype: ValType, height: int) -> str:
        """The C of the stack value at `height` as an operand of an operator: a local or a
        constant as it is, anything else in its stack variable."""
        deferred = self.deferred.get(height)
        if deferred is not None and not deferred.result:
            del self.deferred[height]
            return deferred.expr
        return self.slot(valtype, height)

    def defer(self, height: int, valtype: ValType, expr: str, local: Optional[int] = None,
              result: bool = False) -> None:
        """Pushes expr without assigning it to its stack variable: the value of `local`,
        a constant, or (result) an operator's result."""
        self.deferred[height] = _Deferred(expr, valtype, local, result)

    def take(self, valtype: ValType, height: int) -> str:
        """The C of the stack value at `height`, whatever it is, for an instruction that
        uses it once, as the next thing it does (see _TAKES_TOP)."""
        deferred = self.deferred.pop(height, None)
        return deferred.expr if deferred is not None else self.slot(valtype, height)

    def taken_by(self, instr: ir.Instr) -> range:
        """The heights of the values an instruction takes by FunctionWriter.take: the top
        one (_TAKES_TOP), or the function's results (a return, the function's end)."""
        name, h = instr.op.name, instr.height
        if name in _TAKES_TOP:
            return range(h - 1, h)
        if name == "return" or (name == "end" and len(self.frames) == 1):
            return range(h - len(self.type.results), h)
        return range(0)

    def settle(self, instr: ir.Instr) -> None:
        """Before an instruction: assigns the deferred values it may not leave waiting."""
        if not self.deferred:
            return
        name = instr.op.name
        taken = self.taken_by(instr)
        if name in _KEEPS_DEFERRED or instr.op.c is not None:
            # Results wait for nothing but the instruction that takes them; a local's
            # value no longer than the local keeps it.
            sets = name in ("local.set", "local.tee")
            waiting = [h for h, d in self.deferred.items()
                       if h not in taken and (d.result or (sets and d.local == instr.imm))]
        else:
            waiting = [h for h in self.deferred if h not in taken]
        for h in sorted(waiting):
            self.slot(self.deferred[h].valtype, h)

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

    def instruction(self, instr: ir.Instr) -> None:
        """Writes one instruction by its emitter, if it is reachable (but for _STRUCTURE)."""
        name = instr.op.name
        emitter = _EMITTERS[name]
        self.settle(instr)
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


# Where write_function's lines have the function's signature (after a comment naming it).
FUNCTION_SIGNATURE_LINE = 1


def write_function(ctx: ModuleContext, index: int, func: ir.Func) -> list[str]:
    """The C of a defined function, static (see FUNCTION_SIGNATURE_LINE for the rest)."""
    writer = FunctionWriter(ctx, index, func)
    lines = writer.write()
    if writer.uses_fp:
        lines.insert(3, "    const w2p_func *fp;")
    return [line for line in lines if line is not None]


def prototype(ctx: ModuleContext, index: int, func: ir.Func, storage: str = "static") -> str:
    return FunctionWriter(ctx, index, func, storage).signature() + ";"
