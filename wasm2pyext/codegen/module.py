"""A validated module -> the C source of its extension module, through
templates/module.c.j2."""
from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import Optional

import jinja2

from .. import ir
from ..ir import ExternKind, FuncType, SegmentMode, ValType
from ..resources import templates_dir
from . import names

# The value types a generated vectorcall converts itself (references take the general path).
_NUMBERS = (ValType.I32, ValType.I64, ValType.F32, ValType.F64)
from .function import FUNCTION_SIGNATURE_LINE, ModuleContext, c_return_type, prototype, write_function
from .literals import constant
from .traps import functions_that_cannot_trap


@lru_cache(maxsize=1)
def _template() -> jinja2.Template:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    return env.get_template("module.c.j2")


class _ResultsStruct(list):
    """A multi-result struct for the template: its field C types, and its name."""

    def __init__(self, results: tuple[ValType, ...]):
        super().__init__(names.C_TYPES[t] for t in results)
        self.name = names.results_struct(results)


def _sized_string(text: str) -> str:
    """A C string literal and its length in bytes (names may hold NUL bytes)."""
    return f"{names.c_string(text)}, {len(text.encode('utf-8'))}u"


def _desc_string(text: str | None) -> str:
    return "NULL" if text is None else names.c_string(text)


# What the runtime calls a parameter the name section leaves unnamed (shim/functions.pxi).
PARAM_FALLBACK = "a"


def _param_names_string(params: list[str] | None) -> str:
    """w2p_func_desc.param_names: each name followed by NUL (C adds the last)."""
    return "NULL" if params is None else names.c_string("\0".join(params))


class ModuleWriter:
    def __init__(self, module: ir.Module, name: str, wasm: bytes, bounds_checks: bool = False, fuel: bool = False):
        self.module = module
        self.name = name
        self.sha256 = hashlib.sha256(wasm).hexdigest()
        exported_globals = {e.index for e in module.exports if e.kind == ExternKind.GLOBAL}
        n_imp_globals = module.num_imported_globals
        n_imp_funcs = module.num_imported_funcs
        func_names = [""] * n_imp_funcs + [
            names.func(i, module.names.funcs.get(i)) for i in range(n_imp_funcs, n_imp_funcs + len(module.funcs))
        ]
        self.ctx = ModuleContext(
            module=module,
            func_types=module.func_types,
            global_types=module.global_types,
            global_cells=set(range(n_imp_globals)) | exported_globals,
            table_types=module.table_types,
            func_names=func_names,
            bounds_checks=bounds_checks,
            fuel=fuel,
            cannot_trap=functions_that_cannot_trap(module, fuel),
        )

    # ---- pieces ----

    def functions(self) -> list[list[str]]:
        """Each defined function's lines of C, written once: static, as in a module of one
        file (a module in parts gives them external linkage through `prototypes`)."""
        n_imp = self.module.num_imported_funcs
        return [write_function(self.ctx, n_imp + k, func) for k, func in enumerate(self.module.funcs)]

    def prototypes(self, storage: str) -> list[str]:
        n_imp = self.module.num_imported_funcs
        return [prototype(self.ctx, n_imp + k, func, storage) for k, func in enumerate(self.module.funcs)]

    def instance_fields(self) -> list[str]:
        m = self.module
        fields = [f"w2p_memory *{names.memory(i)};" for i in range(len(m.mem_types))]
        fields += [f"w2p_table *{names.table(i)};" for i in range(len(m.table_types))]
        for i, gt in enumerate(m.global_types):
            if i in self.ctx.global_cells:
                fields.append(f"w2p_global *{names.global_(i)};")
            else:
                ctype = names.C_TYPES[gt.valtype]
                sep = "" if ctype.endswith("*") else " "
                fields.append(f"{ctype}{sep}{names.global_(i)};")
        if m.types:
            fields.append(f"const w2p_functype *types[{len(m.types)}];")
        if m.func_types:
            fields.append(f"w2p_func *funcs[{len(m.func_types)}];")
        if m.datas:
            fields.append(f"uint32_t data_len[{len(m.datas)}];")
        if m.elems:
            fields.append(f"w2p_elem_segment elems[{len(m.elems)}];")
            for i, seg in enumerate(m.elems):
                if seg.items:
                    fields.append(f"void *elem{i}_items[{len(seg.items)}];")
        return fields

    def const_expr(self, expr: ir.ConstExpr) -> str:
        """The C value of a (valid) constant expression: one instruction in WebAssembly 2.0."""
        (instr,) = expr.instrs
        op = instr.op.name
        if op.endswith(".const"):
            return constant(ValType.parse(op.split(".")[0]), instr.imm)
        if op == "ref.null":
            return "NULL"
        if op == "ref.func":
            return f"inst->funcs[{instr.imm}]"
        if op == "global.get":
            return self.ctx.global_ref(instr.imm)
        raise AssertionError(f"not a constant instruction: {op}")

    def instantiate_body(self) -> list[str]:
        m = self.module
        lines = []
        n_imp_globals = m.num_imported_globals
        for k, g in enumerate(m.globals):
            lines.append(f"{self.ctx.global_ref(n_imp_globals + k)} = {self.const_expr(g.init)};")
        for i, seg in enumerate(m.elems):
            lines += self.elem_segment(i, seg)
        for i, seg in enumerate(m.datas):
            size = len(seg.data)
            lines.append(f"inst->data_len[{i}] = {size}u;")
            if seg.mode == SegmentMode.ACTIVE:
                init = f"w2p_memory_init_from(inst->{names.memory(seg.memory)}, {self.const_expr(seg.offset_expr)}, " \
                       f"{names.data_segment(i)}, {size}u, 0, {size}u)"
                lines.append(f"if ({init})")
                lines.append("    TRAP(OOB_MEMORY);")
                lines.append(f"inst->data_len[{i}] = 0;")
        if m.start is not None:
            if m.start < m.num_imported_funcs:
                lines.append(f"const w2p_func *fp = inst->funcs[{m.start}];")
                lines.append(f"(({self.ctx.fn_type(FuncType((), ()))})fp->fn)(enter(fp, inst));")
            else:
                lines.append(f"{self.ctx.func_names[m.start]}(inst);")
        return lines

    def elem_segment(self, i: int, seg: ir.ElemSegment) -> list[str]:
        items = f"inst->elem{i}_items"
        lines = [f"inst->elems[{i}].items = {items};" if seg.items else f"inst->elems[{i}].items = NULL;"]
        for k, item in enumerate(seg.items):
            lines.append(f"{items}[{k}] = {self.const_expr(item)};")
        lines.append(f"inst->elems[{i}].len = {len(seg.items)}u;")
        if seg.mode == SegmentMode.ACTIVE:
            init = f"w2p_table_init_from(inst->{names.table(seg.table)}, {self.const_expr(seg.offset_expr)}, " \
                   f"&inst->elems[{i}], 0, {len(seg.items)}u)"
            lines.append(f"if ({init})")
            lines.append("    TRAP(OOB_TABLE);")
        if seg.mode != SegmentMode.PASSIVE:
            lines.append(f"inst->elems[{i}].len = 0;")
        return lines

    def data_segments(self) -> list[dict]:
        segs = []
        for i, seg in enumerate(self.module.datas):
            chunks = [names.c_string(seg.data[k:k + 32]) for k in range(0, len(seg.data), 32)] or ['""']
            segs.append({"name": names.data_segment(i), "size": len(seg.data), "chunks": chunks})
        return segs

    def signatures(self) -> list[FuncType]:
        """Every distinct function type of the module, in order of first appearance."""
        return list(dict.fromkeys(self.module.types))

    def entry(self, ft: FuncType) -> dict:
        args = [names.val_member(f"args[{k}]", t) for k, t in enumerate(ft.params)]
        call = f"(({self.ctx.fn_type(ft)})f->fn)({', '.join(['f->ctx'] + args)})"
        body = []
        if not ft.params:
            body.append("(void)args;")
        if not ft.results:
            body += ["(void)results;", f"{call};"]
        elif len(ft.results) == 1:
            body.append(f"{names.val_member('results[0]', ft.results[0])} = {call};")
        else:
            body.append(f"{c_return_type(self.ctx, ft.results)} r = {call};")
            body += [f"{names.val_member(f'results[{k}]', t)} = r.r{k};" for k, t in enumerate(ft.results)]
        return {"name": names.entry(ft), "body": body}

    def trampoline(self, ft: FuncType) -> dict:
        params = ["w2p_ctx *ctx"] + [f"{names.C_TYPES[t]} a{k}" for k, t in enumerate(ft.params)]
        n = max(len(ft.params), len(ft.results), 1)
        body = ["w2p_host_func *h = (w2p_host_func *)ctx;", f"w2p_val v[{n}];",
                "stack_room(ctx, (uintptr_t)__builtin_frame_address(0) - sizeof v - 128, NULL);"]
        body += [f"{names.val_member(f'v[{k}]', t)} = a{k};" for k, t in enumerate(ft.params)]
        body.append("if (h->call(h, v) != 0)")
        body.append("    trap(ctx, W2P_TRAP_HOST_EXCEPTION, NULL);")
        fields = [names.val_member(f"v[{k}]", t) for k, t in enumerate(ft.results)]
        if len(ft.results) == 1:
            body.append(f"return {fields[0]};")
        elif ft.results:
            body.append(f"return ({c_return_type(self.ctx, ft.results)}){{{', '.join(fields)}}};")
        return {"name": names.host_trampoline(ft), "ret": c_return_type(self.ctx, ft.results),
                "params": ", ".join(params), "body": body}

    def pycall(self, ft: FuncType) -> dict:
        """The vectorcall of Python calls of functions of type ft (numbers only, at most
        one result): arguments converted and the function called right here, except
        what the runtime's general path must do (anything but exact ints and floats in
        range, keywords, a wrong count)."""
        n = len(ft.params)
        fields = [names.VAL_FIELDS[t] for t in ft.params]
        takes = [f"!w2p_fast_arg(args[{k}], '{names.SIG_CHARS[t]}', &v[{k}])" for k, t in enumerate(ft.params)]
        call = (f"(({self.ctx.fn_type(ft)})f->fn)"
                f"({', '.join(['f->ctx'] + [f'v[{k}].{fields[k]}' for k in range(n)])})")
        # The conditions wrapped: the call's shape, then two arguments a line.
        rows = [f"kwnames || PyVectorcall_NARGS(nargsf) != {n}"] + [" || ".join(takes[k:k + 2])
                                                                   for k in range(0, n, 2)]
        lines = [("if (" if k == 0 else "    ") + row + (" ||" if k < len(rows) - 1 else ")")
                 for k, row in enumerate(rows)]
        body = [f"w2p_val v[{max(n, len(ft.results), 1)}];", *lines,
                "    return w2p_pycall_general(self, args, nargsf, kwnames);",
                "const w2p_func *f = w2p_function_func(self);"]
        # A function that cannot trap is called straight, its result boxed as it returns.
        if ft.results:
            box = f"w2p_box_{names.VAL_FIELDS[ft.results[0]]}"
            body += ["if (f->flags & W2P_FUNC_CANNOT_TRAP)",
                     f"    return {box}({call});",
                     "if (w2p_pycall_invoke(self, f, v) < 0)",
                     "    return NULL;",
                     f"return {box}(v[0].{names.VAL_FIELDS[ft.results[0]]});"]
        else:
            body += ["if (f->flags & W2P_FUNC_CANNOT_TRAP)",
                     f"    {call};",
                     "else if (w2p_pycall_invoke(self, f, v) < 0)",
                     "    return NULL;",
                     "Py_RETURN_NONE;"]
        return {"name": names.pycall(ft), "body": body}

    def descriptor(self, has_trampoline: set[FuncType], has_pycall: set[FuncType]) -> tuple[list[dict], list[tuple[str, str]]]:
        m = self.module
        tables: list[dict] = []

        def table(name: str, ctype: str, rows: list[str]) -> str:
            if not rows:
                return "NULL"
            tables.append({"name": name, "ctype": ctype, "rows": rows})
            return name

        def limits(lim: ir.Limits) -> str:
            return f"{{{lim.min}u, {lim.max or 0}u, {int(lim.max is not None)}}}"

        def slot(field: str) -> str:
            return f"offsetof(Instance, {field})"

        types = table("types_desc", "w2p_type_desc", [
            f"{{{names.c_string(names.sig_string(ft))}, {names.entry(ft)}, "
            f"{'(w2p_fnptr)' + names.host_trampoline(ft) if ft in has_trampoline else 'NULL'}, "
            f"{'PYCALL(' + names.pycall(ft) + ')' if ft in has_pycall else 'NULL'}}}"
            for ft in m.types])
        type_index = {ft: m.types.index(ft) for ft in m.types}
        cannot_trap = self.ctx.cannot_trap
        funcs = table("funcs_desc", "w2p_func_desc", [
            f"{{{_desc_string(m.names.funcs.get(i))}, {_desc_string(self.ctx.func_names[i] or None)}, "
            f"{type_index[ft]}u, {'(w2p_fnptr)' + self.ctx.func_names[i] if self.ctx.func_names[i] else 'NULL'}, "
            f"{'CANNOT_TRAP' if i in cannot_trap else '0'}, {len((m.names.funcs.get(i) or '').encode('utf-8'))}u, "
            f"{_param_names_string(m.names.param_names(i, len(ft.params), PARAM_FALLBACK))}}}"
            for i, ft in enumerate(m.func_types)])
        mems = table("memories_desc", "w2p_memory_desc", [
            f"{{{limits(mt.limits)}, {slot(names.memory(i))}}}" for i, mt in enumerate(m.mem_types)])
        tabs = table("tables_desc", "w2p_table_desc", [
            f"{{{limits(tt.limits)}, 0x{int(tt.elem):02X}, {slot(names.table(i))}}}"
            for i, tt in enumerate(m.table_types)])
        globs = table("globals_desc", "w2p_global_desc", [
            f"{{0x{int(gt.valtype):02X}, {int(gt.mutable)}, "
            f"{slot(names.global_(i)) if i in self.ctx.global_cells else 'SIZE_MAX'}}}"
            for i, gt in enumerate(m.global_types)])
        imports, index_in_kind = [], {k: 0 for k in ExternKind}
        for imp in m.imports:
            imports.append(f"{{{_sized_string(imp.module)}, {_sized_string(imp.name)}, {int(imp.kind)}, "
                           f"{index_in_kind[imp.kind]}u}}")
            index_in_kind[imp.kind] += 1
        imps = table("imports_desc", "w2p_extern_desc", imports)
        exps = table("exports_desc", "w2p_extern_desc", [
            f"{{NULL, 0, {_sized_string(e.name)}, {int(e.kind)}, {e.index}u}}" for e in m.exports])
        fields = [
            ("abi_version", "W2P_ABI_VERSION"),
            ("flags", " | ".join(flag for flag, on in (("W2P_MODULE_GUARD_PAGES", not self.ctx.bounds_checks),
                                                         ("W2P_MODULE_FUEL", self.ctx.fuel)) if on) or "0"),
            ("name", names.c_string(self.name)),
            ("wasm_sha256", names.c_string(self.sha256)),
            ("instance_size", "sizeof(Instance)"),
            ("types_slot", slot("types") if m.types else "0"),
            ("funcs_slot", slot("funcs") if m.func_types else "0"),
            ("num_types", f"{len(m.types)}u"), ("types", types),
            ("num_funcs", f"{len(m.func_types)}u"), ("num_imported_funcs", f"{m.num_imported_funcs}u"),
            ("funcs", funcs),
            ("num_memories", f"{len(m.mem_types)}u"),
            ("num_imported_memories", f"{len(m.imported(ExternKind.MEMORY))}u"), ("memories", mems),
            ("num_tables", f"{len(m.table_types)}u"),
            ("num_imported_tables", f"{len(m.imported(ExternKind.TABLE))}u"), ("tables", tabs),
            ("num_globals", f"{len(m.global_types)}u"),
            ("num_imported_globals", f"{m.num_imported_globals}u"), ("globals", globs),
            ("num_imports", f"{len(m.imports)}u"), ("imports", imps),
            ("num_exports", f"{len(m.exports)}u"), ("exports", exps),
            ("instantiate", "instantiate"),
            ("code_start", "__start_w2p_code"),
            ("code_end", "__stop_w2p_code"),
        ]
        return tables, fields

    # ---- the whole ----

    def render(self, part_size: Optional[int] = None, unoptimised: frozenset[int] = frozenset()) -> dict[str, str]:
        """The C files of the module: one, NAME.c; or, when its functions come to more than
        part_size characters of C, a header NAME.h, NAME.c and NAME_1.c ... NAME_K.c of
        about part_size each, to compile in parallel. The functions in `unoptimised` (by
        index) go into parts of their own, named NAME_O0_K.c (see UNOPTIMISED_PART)."""
        m = self.module
        lines = self.functions()
        split = bool(unoptimised) or (part_size is not None and sum(len(line) + 1 for func_lines in lines for line in func_lines) > part_size)
        protos = self.prototypes("" if split else "static")
        if split:
            for func_lines, proto in zip(lines, protos):
                func_lines[FUNCTION_SIGNATURE_LINE] = proto[:-1]
        bodies = ["\n".join(func_lines) for func_lines in lines]
        instantiate = self.instantiate_body()
        sigs = self.signatures()
        entries = [self.entry(ft) for ft in sigs]
        imported_sigs = list(dict.fromkeys(m.types[i.desc] for i in m.imported(ExternKind.FUNC)))
        trampolines = [self.trampoline(ft) for ft in imported_sigs]
        pycall_sigs = [ft for ft in sigs if len(ft.results) <= 1 and all(t in _NUMBERS for t in ft.params + ft.results)]
        pycalls = [self.pycall(ft) for ft in pycall_sigs]
        desc_tables, desc_fields = self.descriptor(set(imported_sigs), set(pycall_sigs))
        for ft in sigs:
            self.ctx.fn_type(ft)
        fn_types = []
        for ident, ft in sorted(self.ctx.used_fn_types.items()):
            params = ", ".join(["w2p_ctx *"] + [names.C_TYPES[t] for t in ft.params])
            fn_types.append({"name": ident, "ret": c_return_type(self.ctx, ft.results), "params": params})
        context = dict(
            name=self.name,
            sha256=self.sha256,
            bounds_checks=self.ctx.bounds_checks,
            fuel=self.ctx.fuel,
            results_structs=[_ResultsStruct(r) for r in sorted(self.ctx.used_results_structs, key=names.results_struct)],
            fn_types=fn_types,
            instance_fields=self.instance_fields(),
            data_segments=self.data_segments(),
            prototypes=protos,
            instantiate_body=instantiate,
            entries=entries,
            trampolines=trampolines,
            pycalls=pycalls,
            desc_tables=desc_tables,
            desc_fields=desc_fields,
        )
        if not split:
            return {f"{self.name}.c": _template().render(part="whole", functions=bodies, **context)}
        files = {f"{self.name}.h": _template().render(part="header", functions=[], **context),
                 f"{self.name}.c": _template().render(part="main", functions=[], **context)}
        n_imp = m.num_imported_funcs
        optimised = [(n_imp + k, body) for k, body in enumerate(bodies) if n_imp + k not in unoptimised]
        plain = [(n_imp + k, body) for k, body in enumerate(bodies) if n_imp + k in unoptimised]
        for prefix, group in ((f"{self.name}_", optimised), (f"{self.name}{UNOPTIMISED_PART}", plain)):
            for number, chunk in enumerate(_chunks(group, part_size), 1):
                files[f"{prefix}{number}.c"] = _template().render(
                    part="functions", functions=[body for _, body in chunk], first_function=chunk[0][0],
                    last_function=chunk[-1][0], **context)
        return files


# What names the parts of functions to compile without optimisation (NAME_O0_K.c).
UNOPTIMISED_PART = "_O0_"


def is_function_part(file_name: str, name: str) -> bool:
    """Whether render's file holds functions only (NAME_K.c, NAME_O0_K.c): C without Python.h."""
    return file_name.startswith(f"{name}_")


def _chunks(bodies: list[tuple[int, str]], part_size: Optional[int]) -> list[list[tuple[int, str]]]:
    """Consecutive runs of (index, C) of about part_size characters each (all in one without)."""
    chunks: list[list[tuple[int, str]]] = []
    size = 0
    for item in bodies:
        if not chunks or (part_size is not None and size >= part_size):
            chunks.append([])
            size = 0
        chunks[-1].append(item)
        size += len(item[1])
    return chunks


def generate_c(module: ir.Module, name: str, wasm: bytes, bounds_checks: bool = False, fuel: bool = False) -> str:
    """The C source of the extension module `name` for a validated module, as one file;
    with bounds_checks, the portable kind (see ModuleContext.bounds_checks); with fuel,
    metered (ModuleContext.fuel)."""
    (source,) = ModuleWriter(module, name, wasm, bounds_checks, fuel).render().values()
    return source


def generate_c_parts(module: ir.Module, name: str, wasm: bytes, part_size: Optional[int],
                     bounds_checks: bool = False, unoptimised: frozenset[int] = frozenset(),
                     fuel: bool = False) -> dict[str, str]:
    """The C sources, split into parts of about part_size characters when bigger (see
    ModuleWriter.render): file name -> text."""
    return ModuleWriter(module, name, wasm, bounds_checks, fuel).render(part_size, unoptimised)
