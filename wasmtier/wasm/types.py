"""The WebAssembly module structure, as the binary reader produces it.

Design
------
Everything here is plain, immutable-by-convention data: the reader
(`wasm.reader`) builds a `Module`, the validator (`wasm.validator`) checks it,
and the runtime and every tier read it.  Nothing in this module knows how a
module is executed.

Index spaces follow the spec: function, table, memory and global indices
count the imports of that kind first, then the module's own definitions.
`Module.func_type(i)` and friends resolve an index in the whole space.

Instructions are decoded once into `Instr` records (operator, immediate,
byte offset of the operator in the binary).  The meaning of `imm` depends on
the operator's immediate kind in the opcode table (`wasm.opcodes`):

  =================  =====================================================
  immediate kind     `Instr.imm`
  =================  =====================================================
  none               None
  blocktype          BlockType
  label / index      int
  br_table           (tuple of label ints, default label int)
  memarg             MemArg(align, offset, memory)
  call_indirect      (type index, table index)
  select_t           tuple of ValType
  i32/i64 const      int, signed (the value as the spec's signed reading)
  f32/f64 const      int, the raw IEEE bit pattern (never a Python float,
                     so NaN payloads survive)
  two indices        (first, second), e.g. memory.copy (dst, src),
                     table.init (elem, table), memory.init (data, memory)
  reftype            ValType or RefType (ref.null: the nullable type)
  =================  =====================================================

Typed function references (out of scope, but validated so that an invalid
module is still a ValidationError): a value type may be a `RefType`, for
`(ref ht)` and `(ref null $t)`; `(ref null func)` / `(ref null extern)` are
plain FUNCREF / EXTERNREF.  A module using them carries
`Module.unsupported` and never passes `validate_module`.

Invariants: a `Module` that passed `validate_module` has consistent indices
everywhere; `FunctionBody.instrs` ends with the function's final `end`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import NamedTuple


class ValType(IntEnum):
    """Value types, numbered by their binary encoding."""

    I32 = 0x7F
    I64 = 0x7E
    F32 = 0x7D
    F64 = 0x7C
    V128 = 0x7B
    FUNCREF = 0x70
    EXTERNREF = 0x6F

    @property
    def is_ref(self) -> bool:
        return self in (ValType.FUNCREF, ValType.EXTERNREF)

    @property
    def is_num(self) -> bool:
        return self in (ValType.I32, ValType.I64, ValType.F32, ValType.F64)

    def __str__(self) -> str:
        return _VALTYPE_NAMES[self]


_VALTYPE_NAMES = {
    ValType.I32: "i32", ValType.I64: "i64", ValType.F32: "f32",
    ValType.F64: "f64", ValType.V128: "v128", ValType.FUNCREF: "funcref",
    ValType.EXTERNREF: "externref",
}


class RefType(NamedTuple):
    """A typed reference other than funcref/externref: `(ref null? heap)`,
    heap a type index or "func" / "extern" (function-references)."""

    nullable: bool
    heap: int | str

    def __str__(self) -> str:
        return f"(ref {'null ' if self.nullable else ''}{self.heap})"


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
    max: int | None = None


@dataclass(frozen=True)
class MemoryType:
    limits: Limits
    is64: bool = False
    shared: bool = False


@dataclass(frozen=True)
class TableType:
    elem: ValType
    limits: Limits
    is64: bool = False


@dataclass(frozen=True)
class GlobalType:
    valtype: ValType
    mutable: bool


@dataclass(frozen=True)
class BlockType:
    """Type of a block/loop/if: `params -> results`.

    The reader resolves the three binary forms (empty, single value type,
    type index) to this one shape; `type_index` keeps the index form's index
    (None otherwise) for printers."""

    params: tuple[ValType, ...]
    results: tuple[ValType, ...]
    type_index: int | None = None


@dataclass(frozen=True)
class MemArg:
    align: int  # log2 of the alignment
    offset: int
    memory: int = 0


class Instr(NamedTuple):
    """One decoded operator (a NamedTuple: bodies hold millions of these)."""

    op: "OpInfo"  # noqa: F821 - wasm.opcodes.OpInfo
    imm: object
    offset: int

    def __repr__(self) -> str:
        if self.imm is None:
            return f"<{self.op.name} @{self.offset}>"
        return f"<{self.op.name} {self.imm!r} @{self.offset}>"


# A constant expression is its instruction list, without the final `end`.
ConstExpr = tuple  # tuple[Instr, ...]


@dataclass(frozen=True)
class Import:
    module: str
    name: str
    kind: str  # "func" | "table" | "memory" | "global" | "tag"
    desc: object  # type index (func, tag) | TableType | MemoryType | GlobalType


@dataclass(frozen=True)
class Export:
    name: str
    kind: str  # "func" | "table" | "memory" | "global" | "tag"
    index: int


@dataclass(frozen=True)
class Global:
    type: GlobalType
    init: ConstExpr


@dataclass(frozen=True)
class ElemSegment:
    mode: str  # "active" | "passive" | "declarative"
    elem_type: ValType
    items: tuple  # tuple[ConstExpr, ...]: one constant expression per element
    table: int = 0
    offset: ConstExpr | None = None  # active only


@dataclass(frozen=True)
class DataSegment:
    mode: str  # "active" | "passive"
    data: bytes
    memory: int = 0
    offset: ConstExpr | None = None  # active only


@dataclass
class FunctionBody:
    locals: tuple[ValType, ...]  # declared locals, expanded (params excluded)
    instrs: list[Instr]
    offset: int  # byte offset of the body (its size field) in the binary
    end_offset: int  # byte offset just past the body
    locals_offset: int = -1  # byte offset just after the size field (where locals start):
    # backtraces count a frame's function offset from here, as Wasmtime does


@dataclass
class Module:
    types: list[FuncType] = field(default_factory=list)
    imports: list[Import] = field(default_factory=list)
    funcs: list[int] = field(default_factory=list)  # type index per defined function
    tables: list[TableType] = field(default_factory=list)
    mems: list[MemoryType] = field(default_factory=list)
    globals: list[Global] = field(default_factory=list)
    exports: list[Export] = field(default_factory=list)
    start: int | None = None
    elems: list[ElemSegment] = field(default_factory=list)
    datas: list[DataSegment] = field(default_factory=list)
    data_count: int | None = None
    codes: list[FunctionBody] = field(default_factory=list)
    name: str | None = None  # module name from the name section
    func_names: dict[int, str] = field(default_factory=dict)  # from the name section
    customs: list[tuple[str, bytes]] = field(default_factory=list)
    # Byte offset of each non-custom section (its id byte), by section id;
    # the validator uses it to place errors that have no instruction.
    section_offsets: dict[int, int] = field(default_factory=dict)
    # Exception tags (type index per defined tag): out of scope, kept only
    # to validate.
    tags: list[int] = field(default_factory=list)
    # First out-of-scope construct the validator can still check, as
    # (feature, offset): `validate_module` validates the whole module, then
    # raises UnsupportedFeature for it.
    unsupported: tuple[str, int] | None = None

    # -- index spaces: imports first, then definitions --------------------

    def imports_of(self, kind: str) -> list[Import]:
        return [imp for imp in self.imports if imp.kind == kind]

    @property
    def num_imported_funcs(self) -> int:
        return sum(1 for imp in self.imports if imp.kind == "func")

    @property
    def num_imported_tables(self) -> int:
        return sum(1 for imp in self.imports if imp.kind == "table")

    @property
    def num_imported_mems(self) -> int:
        return sum(1 for imp in self.imports if imp.kind == "memory")

    @property
    def num_imported_globals(self) -> int:
        return sum(1 for imp in self.imports if imp.kind == "global")

    def func_type_indices(self) -> list[int]:
        """Type index of every function in the function index space."""
        return [imp.desc for imp in self.imports if imp.kind == "func"] + list(self.funcs)

    def func_type(self, index: int) -> FuncType:
        return self.types[self.func_type_indices()[index]]

    def table_types(self) -> list[TableType]:
        return [imp.desc for imp in self.imports if imp.kind == "table"] + list(self.tables)

    def mem_types(self) -> list[MemoryType]:
        return [imp.desc for imp in self.imports if imp.kind == "memory"] + list(self.mems)

    def global_types(self) -> list[GlobalType]:
        return ([imp.desc for imp in self.imports if imp.kind == "global"]
                + [g.type for g in self.globals])
