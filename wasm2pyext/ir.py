"""The module IR: what the decoder produces, the validator checks and codegen reads.

Plain frozen dataclasses (and small enums); no behaviour beyond trivial helpers.
Every node that came from the binary carries `offset`, the byte offset it started at,
so errors found later (validation, linking) can still point into the file.
ValType is defined in valtypes.py (the opcode table needs it too) and used from here.
"""
from __future__ import annotations

import enum
import keyword
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Optional, Union

from .valtypes import ValType

if TYPE_CHECKING:
    from .opcodes import Op


class ExternKind(enum.IntEnum):
    """Import/export kinds, numbered by their binary encoding."""

    FUNC = 0
    TABLE = 1
    MEMORY = 2
    GLOBAL = 3

    def __str__(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class FuncType:
    params: tuple[ValType, ...]
    results: tuple[ValType, ...]

    def __str__(self) -> str:
        p = " ".join(map(str, self.params))
        r = " ".join(map(str, self.results))
        return f"[{p}] -> [{r}]"


@dataclass(frozen=True)
class Limits:
    min: int
    max: Optional[int] = None


@dataclass(frozen=True)
class TableType:
    elem: ValType  # FUNCREF or EXTERNREF
    limits: Limits


@dataclass(frozen=True)
class MemType:
    limits: Limits  # in 64 KiB pages


@dataclass(frozen=True)
class GlobalType:
    valtype: ValType
    mutable: bool


# Block types: None (no params, no results), a single result ValType, or a type index.
BlockType = Union[None, ValType, int]


@dataclass(frozen=True)
class MemArg:
    align: int  # log2 of the alignment
    offset: int


@dataclass(frozen=True)
class MemArgLane(MemArg):
    """The immediate of a SIMD lane load or store: a memarg and the lane it touches."""

    lane: int = 0


@dataclass(slots=True)
class Instr:
    """One decoded instruction.

    `op` is the row of the opcode table (wasm2pyext.opcodes.Op); `imm` its immediate,
    shaped by op.imm (see opcodes.IMMEDIATE_SHAPES); `offset` the byte offset of its opcode.

    The validator fills in what it learned, for the code generator:
    `height` is the operand stack height before the instruction, counted from the function's
    start (block parameters included), or -1 where the instruction is unreachable (after a
    br, br_table, return or unreachable up to its block's else/end, and everything inside
    a block opened there). The else/end of a block opened in reachable code always has the
    fall-through height: the height below the block's params plus its results.
    `vtype` is the operand type of `drop`, `select` and `select_t` (None where unreachable).
    """

    op: "Op"
    imm: object
    offset: int
    height: int = -1
    vtype: Optional[ValType] = None

    def __repr__(self) -> str:
        imm = "" if self.imm is None else f" {self.imm!r}"
        return f"<{self.op.name}{imm} @{self.offset:#x}>"


@dataclass(frozen=True)
class ConstExpr:
    """A constant expression (global init, segment offsets, element items), without its `end`."""

    instrs: tuple[Instr, ...]
    offset: int


@dataclass(frozen=True)
class Import:
    module: str
    name: str
    kind: ExternKind
    desc: Union[int, TableType, MemType, GlobalType]  # FUNC: a type index
    offset: int


@dataclass(frozen=True)
class Export:
    name: str
    kind: ExternKind
    index: int
    offset: int


@dataclass(frozen=True)
class Global:
    type: GlobalType
    init: ConstExpr


@dataclass
class Func:
    """A function defined in the module (imports are in Module.imports)."""

    type_index: int
    locals: tuple[ValType, ...]  # declared locals only, params excluded
    body: list[Instr]  # without the final `end`
    offset: int  # of the code entry (its size field)
    body_offset: int  # of the first instruction
    end_offset: int  # of the final `end`


class SegmentMode(enum.Enum):
    ACTIVE = "active"
    PASSIVE = "passive"
    DECLARATIVE = "declarative"


@dataclass(frozen=True)
class ElemSegment:
    mode: SegmentMode
    table: int  # ACTIVE only (0 otherwise)
    offset_expr: Optional[ConstExpr]  # ACTIVE only
    elem_type: ValType
    items: tuple[ConstExpr, ...]  # each evaluates to a reference (func indices become ref.func)
    offset: int


@dataclass(frozen=True)
class DataSegment:
    mode: SegmentMode  # ACTIVE or PASSIVE
    memory: int
    offset_expr: Optional[ConstExpr]
    data: bytes
    offset: int


@dataclass
class Names:
    """The contents of the `name` custom section (all optional)."""

    module: Optional[str] = None
    funcs: dict[int, str] = field(default_factory=dict)  # by function index (imports included)
    locals: dict[int, dict[int, str]] = field(default_factory=dict)  # func index -> local index -> name

    def param_names(self, func_index: int, count: int, fallback: str) -> Optional[list[str]]:
        """Python names for a function's `count` parameters, from its local names, or None
        when it names none. A name that is not a plain identifier (ASCII, no keyword, at
        most MAX_PARAM_NAME characters), is `self`, or is taken, becomes fallback + its
        index (made unique with underscores): safe in generated C and Python as it is."""
        given = self.locals.get(func_index, {})
        wanted = [given.get(i) for i in range(count)]
        if not any(map(is_param_name, wanted)):
            return None
        names: list[str] = []
        for i, name in enumerate(wanted):
            if not is_param_name(name) or name in names:
                name = f"{fallback}{i}"
                while name in names or name in wanted[i + 1:]:
                    name += "_"
            names.append(name)
        return names


MAX_PARAM_NAME = 64


def is_param_name(name: Optional[str]) -> bool:
    return (bool(name) and name.isascii() and name.isidentifier() and not keyword.iskeyword(name)
            and name != "self" and len(name) <= MAX_PARAM_NAME)


@dataclass
class Module:
    types: list[FuncType] = field(default_factory=list)
    imports: list[Import] = field(default_factory=list)
    funcs: list[Func] = field(default_factory=list)
    tables: list[TableType] = field(default_factory=list)
    mems: list[MemType] = field(default_factory=list)
    globals: list[Global] = field(default_factory=list)
    exports: list[Export] = field(default_factory=list)
    start: Optional[int] = None
    elems: list[ElemSegment] = field(default_factory=list)
    datas: list[DataSegment] = field(default_factory=list)
    data_count: Optional[int] = None
    names: Names = field(default_factory=Names)
    customs: list[tuple[str, bytes]] = field(default_factory=list)
    # Byte offsets of the definitions whose IR is a bare type or index: each of the
    # module's own tables and memories, and the start section's function index.
    table_offsets: list[int] = field(default_factory=list)
    mem_offsets: list[int] = field(default_factory=list)
    start_offset: int = 0

    # Index spaces: imports come first, then the module's own definitions.
    def imported(self, kind: ExternKind) -> list[Import]:
        return [i for i in self.imports if i.kind == kind]

    @property
    def func_types(self) -> list[FuncType]:
        """The type of every function in the function index space (made anew each time:
        for one defined function, types[func.type_index])."""
        imported = [self.types[i.desc] for i in self.imports if i.kind == ExternKind.FUNC]
        return imported + [self.types[f.type_index] for f in self.funcs]

    @property
    def table_types(self) -> list[TableType]:
        return [i.desc for i in self.imported(ExternKind.TABLE)] + list(self.tables)

    @property
    def mem_types(self) -> list[MemType]:
        return [i.desc for i in self.imported(ExternKind.MEMORY)] + list(self.mems)

    @property
    def global_types(self) -> list[GlobalType]:
        return [i.desc for i in self.imported(ExternKind.GLOBAL)] + [g.type for g in self.globals]

    @property
    def num_imported_funcs(self) -> int:
        return sum(1 for i in self.imports if i.kind == ExternKind.FUNC)

    @property
    def num_imported_globals(self) -> int:
        return sum(1 for i in self.imports if i.kind == ExternKind.GLOBAL)

    def block_signature(self, bt: BlockType) -> FuncType:
        """The [params] -> [results] of a block type (which must be valid)."""
        if bt is None:
            return FuncType((), ())
        if isinstance(bt, ValType):
            return FuncType((), (bt,))
        return self.types[bt]
