"""Validation: checks a decoded module against the WebAssembly 2.0 rules.

This module checks what is outside function bodies: imports, limits, segments, constant
expressions, the start function, exports; validator_instrs.py checks the bodies (and
annotates their instructions for the code generator). Errors are
ValidationError(reason, offset), worded like the spec's reference interpreter, at the
offending instruction or entity (at 0 for a table, memory or start function defined in the
module: the IR does not record where those were).

Everything is iterative and linear in the size of the module.
"""
from __future__ import annotations

from . import ir
from .errors import ValidationError
from .ir import ExternKind, SegmentMode, ValType
from .opcodes import BY_NAME
from .validator_instrs import Context, FuncValidator, types_str

__all__ = ["validate_module", "MAX_PAGES"]

MAX_PAGES = 65536  # 4 GiB of 64 KiB pages


def validate_module(module: ir.Module) -> None:
    """Raises ValidationError unless `module` is valid; annotates its function bodies."""
    c = Context(module)
    for imp in module.imports:
        if imp.kind == ExternKind.FUNC:
            c.type(imp.desc, imp.offset)
        elif imp.kind == ExternKind.TABLE:
            _check_limits(imp.desc.limits, imp.offset)
        elif imp.kind == ExternKind.MEMORY:
            _check_memory(imp.desc, imp.offset)
    c.funcs = [c.type(i.desc, i.offset) for i in module.imports if i.kind == ExternKind.FUNC]
    c.funcs += [c.type(f.type_index, f.offset) for f in module.funcs]
    c.declared_funcs = _declared_funcs(module)

    # Constant expressions see only the imported globals.
    for g in module.globals:
        _check_const(c, g.init, g.type.valtype)
    for table, offset in zip(module.tables, module.table_offsets):
        _check_limits(table.limits, offset)
    for mem, offset in zip(module.mems, module.mem_offsets):
        _check_memory(mem, offset)
    for seg in module.elems:
        for item in seg.items:
            _check_const(c, item, seg.elem_type)
        if seg.mode == SegmentMode.ACTIVE:
            table = c.table(seg.table, seg.offset)
            if table.elem != seg.elem_type:
                raise ValidationError(f"type mismatch: element segment's type {seg.elem_type} does "
                                      f"not match table's element type {table.elem}", seg.offset)
            _check_const(c, seg.offset_expr, ValType.I32)
    for data in module.datas:
        if data.mode == SegmentMode.ACTIVE:
            c.memory(data.memory, data.offset)
            _check_const(c, data.offset_expr, ValType.I32)

    num_imported = module.num_imported_funcs
    for i, func in enumerate(module.funcs):
        FuncValidator(c, func, c.funcs[num_imported + i]).run()

    if module.start is not None:
        if c.func(module.start, module.start_offset) != ([], []):
            raise ValidationError("start function must not have parameters or results", module.start_offset)
    names: set[str] = set()
    lookups = {ExternKind.FUNC: c.func, ExternKind.TABLE: c.table,
               ExternKind.MEMORY: c.memory, ExternKind.GLOBAL: c.global_}
    for export in module.exports:
        lookups[export.kind](export.index, export.offset)
        if export.name in names:
            raise ValidationError(f"duplicate export name {export.name!r}", export.offset)
        names.add(export.name)
    if len(c.mems) > 1:
        # Where the second memory is declared: an import, or the module's own.
        declared = [i.offset for i in module.imported(ExternKind.MEMORY)] + module.mem_offsets
        raise ValidationError("multiple memories are not allowed", declared[1])


def _check_limits(limits: ir.Limits, offset: int) -> None:
    if limits.max is not None and limits.min > limits.max:
        raise ValidationError("size minimum must not be greater than maximum", offset)


def _check_memory(mem: ir.MemType, offset: int) -> None:
    lim = mem.limits
    if lim.min > MAX_PAGES or (lim.max is not None and lim.max > MAX_PAGES):
        raise ValidationError("memory size must be at most 65536 pages (4GiB)", offset)
    _check_limits(lim, offset)


def _declared_funcs(module: ir.Module) -> set[int]:
    """The functions that `ref.func` may name in a function body: those referred to outside
    function bodies (element segments, exports, constant expressions)."""
    declared = {e.index for e in module.exports if e.kind == ExternKind.FUNC}
    exprs: list[ir.ConstExpr] = [g.init for g in module.globals]
    for seg in module.elems:
        exprs += seg.items
        if seg.offset_expr is not None:
            exprs.append(seg.offset_expr)
    exprs += [d.offset_expr for d in module.datas if d.offset_expr is not None]
    for expr in exprs:
        declared.update(i.imm for i in expr.instrs if i.op is _REF_FUNC)
    return declared


_REF_FUNC = BY_NAME["ref.func"]
_REF_NULL = BY_NAME["ref.null"]
_GLOBAL_GET = BY_NAME["global.get"]
_CONSTS = {name: BY_NAME[name].results[0]
           for name in ("i32.const", "i64.const", "f32.const", "f64.const", "v128.const")}


def _check_const(c: Context, expr: ir.ConstExpr, want: ValType) -> None:
    """A constant expression must be made of constant instructions and produce one `want`."""
    types = []
    for instr in expr.instrs:
        op = instr.op
        if op.name in _CONSTS:
            types.append(_CONSTS[op.name])
        elif op is _REF_NULL:
            types.append(instr.imm)
        elif op is _REF_FUNC:
            c.func(instr.imm, instr.offset)
            types.append(ValType.FUNCREF)
        elif op is _GLOBAL_GET:
            if instr.imm >= c.num_imported_globals:  # only imported globals are visible here
                raise ValidationError(f"unknown global {instr.imm}", instr.offset)
            g = c.globals[instr.imm]
            if g.mutable:
                raise ValidationError("constant expression required", instr.offset)
            types.append(g.valtype)
        else:
            raise ValidationError("constant expression required", instr.offset)
    if types != [want]:
        raise ValidationError(f"type mismatch: constant expression requires [{want}] "
                              f"but has {types_str(types)}", expr.offset)
