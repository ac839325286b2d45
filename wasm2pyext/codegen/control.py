"""Control flow -> C: blocks become labels and gotos (an `if` a braced block, or past
MAX_BRACES a conditional goto), branches copy the values they carry down to their
target's base, calls call C functions or through a w2p_func. Mixed into
codegen.function.FunctionWriter, which owns the output, the stack slots and the fuel."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from .. import ir
from ..ir import FuncType, ValType
from ..dispatch import Dispatch
from . import names

# The generated C stays linear in the size of the Wasm however deeply blocks nest: lines
# are indented for at most MAX_INDENT levels, and an `if` nested deeper than MAX_BRACES
# braces becomes a conditional goto instead of a braced block (the C compiler's parser
# recurses on braces).
MAX_INDENT = 8
MAX_BRACES = 32

CONTROL_EMITTERS = Dispatch()


@dataclass
class Frame:
    """A block being written (or the function body itself)."""

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


class ControlOps:
    """The emitters of CONTROL_EMITTERS, and the frames of the blocks being written."""

    def new_frame(self, kind: str, base: int, sig: FuncType, dead: bool) -> Frame:
        self.labels += 1
        frame = Frame(kind, base, sig.params, sig.results, self.labels, dead)
        self.frames.append(frame)
        return frame

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
        vals = [self.take(t, height - len(results) + k) for k, t in enumerate(results)]
        if not results:
            self.emit("return;")
        elif len(results) == 1:
            self.emit(f"return {vals[0]};")
        else:
            self.emit(f"return ({self.ctx.results_struct(results)}){{{', '.join(vals)}}};")

    def end_frame(self, frame: Frame) -> None:
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

    @CONTROL_EMITTERS.handles("block", "loop", "if")
    def open_block(self, instr: ir.Instr, h: int) -> None:
        sig = self.block_sig(instr.imm)
        dead = self.dead or h < 0
        if instr.op.name == "if":
            base = h - 1 - len(sig.params)
            frame = self.new_frame("if", base, sig, dead)
            if dead:
                return
            self.charge()
            cond = self.take(ValType.I32, h - 1)
            if self.braces >= MAX_BRACES:
                frame.flat = True
                self.emit(f"if (!({cond})) goto {names.label(frame.label)}_else;")
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

    @CONTROL_EMITTERS.handles("else")
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

    @CONTROL_EMITTERS.handles("end")
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

    @CONTROL_EMITTERS.handles("unreachable")
    def op_unreachable(self, instr, h):
        self.emit("TRAP(UNREACHABLE);")

    @CONTROL_EMITTERS.handles("nop")
    def op_nop(self, instr, h):
        pass

    @CONTROL_EMITTERS.handles("br")
    def op_br(self, instr, h):
        self.branch(instr.imm, h)

    @CONTROL_EMITTERS.handles("br_if")
    def op_br_if(self, instr, h):
        self.emit(f"if ({self.take(ValType.I32, h - 1)}) {{")
        self.indent += 1
        self.branch(instr.imm, h - 1)
        self.indent -= 1
        self.emit("}")

    @CONTROL_EMITTERS.handles("br_table")
    def op_br_table(self, instr, h):
        labels, default = instr.imm
        targets: dict[int, list[int]] = {}
        for i, depth in enumerate(labels):
            if depth != default:
                targets.setdefault(depth, []).append(i)
        if not targets:  # the index is not read, but computing it may trap
            self.slot(ValType.I32, h - 1)
            self.branch(default, h - 1)
            return
        cond = self.take(ValType.I32, h - 1)
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

    @CONTROL_EMITTERS.handles("return")
    def op_return(self, instr, h):
        self.return_(h)

    def note_call(self) -> None:
        self.loops_around_calls.append([f for f in self.frames if f.kind == "loop"])

    @CONTROL_EMITTERS.handles("call")
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

    @CONTROL_EMITTERS.handles("call_indirect")
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
