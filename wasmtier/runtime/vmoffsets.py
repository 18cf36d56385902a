"""`VMOffsets`: the layout of an instance's VMContext, computed from its module.

The VMContext is one contiguous, 16-byte aligned native block per instance
whose address never changes while the instance lives.  Every tier reads the
same fields at the same offsets; nothing a running function needs is held only
in Python.

    offset                      field (all little-endian, 8-byte words)
    ------------------------    ------------------------------------------------
    0                           MAGIC ("wasmtier")
    8                           pointer to the store's fuel counter (i64, counts
                                down; compiled code with Config.consume_fuel)
    16                          epoch deadline (u64)
    24                          pointer to the engine's epoch counter
    32                          stack limit (lowest usable rsp for native tiers)
    40                          trap code (u64, TrapCode)
    48                          trap pc
    56                          saved entry rsp
    64                          OSR buffer pointer
    72                          store id
    80                          trap argument (r11 at an explicit `ud2` trap:
                                the element index of "uninitialized element")
    88 .. header_size           reserved
    memories                    per memory index: ptr -> VMMemoryDefinition
    memory_defs                 per defined memory: VMMemoryDefinition
                                {base: u64, length_bytes: u64}
    tables                      per table index: ptr -> VMTableDefinition
    table_defs                  per defined table: VMTableDefinition
                                {elements: u64*, length: u64}
    globals                     per global index, 16 bytes: a defined global
                                holds its value in the first 8 bytes; an
                                imported one holds a pointer to the owner's
                                16-byte cell
    func_refs                   per function index: ptr -> VMFuncRef
    func_ref_defs               per defined function: VMFuncRef (below)
    type_ids                    per type index: the store's canonical id of
                                that function type (call_indirect compares)
    data_segments               per data segment: {bytes ptr, length}
                                (length 0 once dropped or applied)
    elem_segments               per element segment: {u64 items ptr, count}
    tier_counters               per defined function: i64 tier-up counter
    loop_counters               per defined function: i64 back-edge counter

VMFuncRef (48 bytes), the identity of a function everywhere (tables hold
pointers to it, `ref.func` yields it, `funcref` slots hold its address):

    0   native entry     System V `f(callee_vmctx, caller_vmctx, params...)`, 0 if none yet
    8   array-call entry `f(callee_vmctx, caller_vmctx, u64x2 *values, n)`, 0 if none
    16  type id          the store's canonical FuncType id
    24  vmctx            the owning instance's VMContext (0 for host functions)
    32  store func id    index into the store's function table (`FuncTable`)
    40  reserved

Invariant: a pointer in `memories`, `tables`, `globals` (imported) or
`func_refs` points into memory owned by a live instance or by the store, and
the store outlives every instance in it, so pointers never dangle.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..wasm.types import Module

MAGIC = int.from_bytes(b"wasmtier", "little")

# Header fields.
VMCTX_MAGIC = 0
VMCTX_FUEL = 8
VMCTX_EPOCH_DEADLINE = 16
VMCTX_EPOCH_PTR = 24
VMCTX_STACK_LIMIT = 32
VMCTX_TRAP_CODE = 40
VMCTX_TRAP_PC = 48
VMCTX_ENTRY_RSP = 56
VMCTX_OSR_BUFFER = 64
VMCTX_STORE_ID = 72
VMCTX_TRAP_ARG = 80
HEADER_SIZE = 128

# VMMemoryDefinition / VMTableDefinition.
MEMDEF_BASE = 0
MEMDEF_LENGTH = 8
TABLEDEF_BASE = 0
TABLEDEF_LENGTH = 8
DEF_SIZE = 16

# VMFuncRef.
FUNCREF_NATIVE_ENTRY = 0
FUNCREF_ARRAY_ENTRY = 8
FUNCREF_TYPE_ID = 16
FUNCREF_VMCTX = 24
FUNCREF_STORE_FUNC = 32
FUNCREF_SIZE = 48

GLOBAL_SIZE = 16
SEGMENT_SIZE = 16


@dataclass(frozen=True)
class VMOffsets:
    num_memories: int
    num_defined_memories: int
    num_tables: int
    num_defined_tables: int
    num_globals: int
    num_funcs: int
    num_defined_funcs: int
    num_types: int
    num_datas: int
    num_elems: int

    @classmethod
    def for_module(cls, module: Module) -> "VMOffsets":
        return cls(
            num_memories=len(module.mem_types()),
            num_defined_memories=len(module.mems),
            num_tables=len(module.table_types()),
            num_defined_tables=len(module.tables),
            num_globals=len(module.global_types()),
            num_funcs=len(module.func_type_indices()),
            num_defined_funcs=len(module.funcs),
            num_types=len(module.types),
            num_datas=len(module.datas),
            num_elems=len(module.elems),
        )

    # Regions, in layout order; each starts where the previous one ends.
    @property
    def memories(self) -> int:
        return HEADER_SIZE

    @property
    def memory_defs(self) -> int:
        return self.memories + 8 * self.num_memories

    @property
    def tables(self) -> int:
        return self.memory_defs + DEF_SIZE * self.num_defined_memories

    @property
    def table_defs(self) -> int:
        return self.tables + 8 * self.num_tables

    @property
    def globals(self) -> int:
        return self.table_defs + DEF_SIZE * self.num_defined_tables

    @property
    def func_refs(self) -> int:
        return self.globals + GLOBAL_SIZE * self.num_globals

    @property
    def func_ref_defs(self) -> int:
        return self.func_refs + 8 * self.num_funcs

    @property
    def type_ids(self) -> int:
        return self.func_ref_defs + FUNCREF_SIZE * self.num_defined_funcs

    @property
    def data_segments(self) -> int:
        return self.type_ids + 8 * self.num_types

    @property
    def elem_segments(self) -> int:
        return self.data_segments + SEGMENT_SIZE * self.num_datas

    @property
    def tier_counters(self) -> int:
        return self.elem_segments + SEGMENT_SIZE * self.num_elems

    @property
    def loop_counters(self) -> int:
        return self.tier_counters + 8 * self.num_defined_funcs

    @property
    def size(self) -> int:
        return self.loop_counters + 8 * self.num_defined_funcs

    # Field addresses relative to the VMContext.
    def memory(self, index: int) -> int:
        return self.memories + 8 * index

    def memory_def(self, defined_index: int) -> int:
        return self.memory_defs + DEF_SIZE * defined_index

    def table(self, index: int) -> int:
        return self.tables + 8 * index

    def table_def(self, defined_index: int) -> int:
        return self.table_defs + DEF_SIZE * defined_index

    def global_(self, index: int) -> int:
        return self.globals + GLOBAL_SIZE * index

    def func_ref(self, index: int) -> int:
        return self.func_refs + 8 * index

    def func_ref_def(self, defined_index: int) -> int:
        return self.func_ref_defs + FUNCREF_SIZE * defined_index

    def type_id(self, index: int) -> int:
        return self.type_ids + 8 * index

    def data_segment(self, index: int) -> int:
        return self.data_segments + SEGMENT_SIZE * index

    def elem_segment(self, index: int) -> int:
        return self.elem_segments + SEGMENT_SIZE * index
