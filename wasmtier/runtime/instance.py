"""Instances: linking imports, laying out the VMContext, and initialization.

`instantiate` follows the spec's instantiation steps:

1. match every import against the supplied extern (`LinkError` naming the
   import: "unknown import" / "incompatible import type");
2. allocate the VMContext (`VMOffsets`), fill imported memories, tables,
   globals and functions, create the defined ones, evaluate global
   initializers in index order;
3. evaluate element segment items; then, in order, apply active element
   segments (table.init + elem.drop) and active data segments
   (memory.init + data.drop), and drop declarative element segments.  A
   segment out of bounds raises `Trap`; the writes of earlier segments stay
   (tables and memories may be shared through imports, as the spec says).

The start function is *not* run here: running code is the tiers' business
(the runtime knows no tier); the embedding API runs `Instance.start`.

Values of globals and segment items are 64-bit slots in the convention of
`interp.prims`: i32 sign-extended, f32 bits zero-extended, references as
VMFuncRef addresses or externref ids.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..wasm.errors import LinkError, WasmtimeError
from ..wasm.types import GlobalType, MemoryType, Module, TableType, ValType
from .memory import LinearMemory, NativeBlock, read_u64, write_u64
from .store import FuncEntry, StoreCore
from .table import Table
from .trap import Trap, TrapCode
from .vmoffsets import MAGIC, VMCTX_MAGIC, VMCTX_STORE_ID, VMOffsets

MASK64 = (1 << 64) - 1


# -- externs: what can be imported and exported ------------------------------------


@dataclass(eq=False)
class FuncExtern:
    entry: FuncEntry

    @property
    def funcref(self) -> int:
        return self.entry.funcref


@dataclass(eq=False)
class MemoryExtern:
    memory: LinearMemory
    type: MemoryType


@dataclass(eq=False)
class TableExtern:
    table: Table


@dataclass(eq=False)
class GlobalExtern:
    cell: int  # address of the 16-byte cell holding the value
    type: GlobalType
    owner: object = None  # keeps the cell's memory alive


def sign_extend(value: int, bits: int) -> int:
    value &= (1 << bits) - 1
    return value - (1 << bits) if value >> (bits - 1) else value


def canonical_slot(valtype: ValType, value: int) -> int:
    """A raw value in slot convention, as an unsigned 64-bit pattern."""
    if valtype is ValType.I32:
        return sign_extend(value, 32) & MASK64
    if valtype is ValType.F32:
        return value & 0xFFFFFFFF
    return value & MASK64


class Instance:
    """A runtime instance: its module, VMContext and owned objects."""

    def __init__(self, store: StoreCore, module: Module, guard: bool = True):
        self.store = store
        self.module = module
        self.offsets = VMOffsets.for_module(module)
        self.vmctx_block = NativeBlock(self.offsets.size)
        self.vmctx = self.vmctx_block.addr
        self.memories: list[MemoryExtern] = []
        self.tables: list[TableExtern] = []
        self.globals: list[GlobalExtern] = []
        self.funcs: list[FuncEntry] = []
        self.segment_blocks: list[NativeBlock] = []
        self.guard = guard
        write_u64(self.vmctx + VMCTX_MAGIC, MAGIC)
        write_u64(self.vmctx + VMCTX_STORE_ID, store.id)

    @property
    def start(self) -> int | None:
        return self.module.start

    def export(self, name: str):
        for exp in self.module.exports:
            if exp.name == name:
                return self.extern(exp.kind, exp.index)
        return None

    def extern(self, kind: str, index: int):
        if kind == "func":
            return FuncExtern(self.funcs[index])
        if kind == "memory":
            return self.memories[index]
        if kind == "table":
            return self.tables[index]
        return self.globals[index]

    # -- constant expressions ----------------------------------------------------

    def eval_const(self, expr) -> int:
        stack: list[int] = []
        for ins in expr:
            name = ins.op.name
            if name in ("i32.const", "i64.const", "f32.const", "f64.const"):
                stack.append(ins.imm & MASK64)
            elif name == "ref.null":
                stack.append(0)
            elif name == "ref.func":
                stack.append(self.funcs[ins.imm].funcref)
            elif name == "global.get":
                stack.append(read_u64(self.globals[ins.imm].cell))
            elif name in ("i32.add", "i32.sub", "i32.mul", "i64.add", "i64.sub", "i64.mul"):
                b = stack.pop()
                a = stack.pop()
                op = name[4:]
                r = a + b if op == "add" else a - b if op == "sub" else a * b
                stack.append(sign_extend(r, 32) & MASK64 if name[1] == "3" else r & MASK64)
            else:
                raise LinkError(f"unsupported constant expression operator {name}")
        return stack[-1]


# -- linking ----------------------------------------------------------------------------


def _limits_match(actual, expected) -> bool:
    if actual.min < expected.min:
        return False
    if expected.max is None:
        return True
    return actual.max is not None and actual.max <= expected.max


def _check_import(imp, ext, store: StoreCore, module: Module) -> None:
    where = f"{imp.module}::{imp.name}"
    if imp.kind == "func":
        if not isinstance(ext, FuncExtern):
            raise LinkError(f"incompatible import type for `{where}`: expected func")
        want = module.types[imp.desc]
        if ext.entry.functype != want:
            raise LinkError(f"incompatible import type for `{where}`: expected {want}, "
                            f"found {ext.entry.functype}")
    elif imp.kind == "memory":
        if not isinstance(ext, MemoryExtern):
            raise LinkError(f"incompatible import type for `{where}`: expected memory")
        actual = MemoryType(type(imp.desc.limits)(ext.memory.pages, ext.type.limits.max),
                            ext.type.is64, ext.type.shared)
        if not _limits_match(actual.limits, imp.desc.limits):
            raise LinkError(f"incompatible import type for `{where}`: memory limits")
    elif imp.kind == "table":
        if not isinstance(ext, TableExtern):
            raise LinkError(f"incompatible import type for `{where}`: expected table")
        ttype = ext.table.type
        actual = type(imp.desc.limits)(ext.table.length, ttype.limits.max)
        if ttype.elem != imp.desc.elem or not _limits_match(actual, imp.desc.limits):
            raise LinkError(f"incompatible import type for `{where}`: table type")
    else:
        if not isinstance(ext, GlobalExtern):
            raise LinkError(f"incompatible import type for `{where}`: expected global")
        if ext.type != imp.desc:
            raise LinkError(f"incompatible import type for `{where}`: global type")


def _check_limits(store: StoreCore, module: Module) -> None:
    """Store.set_limits, checked before anything is allocated (Wasmtime's texts)."""
    lim = store.limits
    if 0 <= lim.instances < len(store.instances) + 1:
        raise WasmtimeError(f"resource limit exceeded: instance count too high at "
                            f"{len(store.instances) + 1}")
    if 0 <= lim.memories < len(module.mems):
        raise WasmtimeError(f"resource limit exceeded: memory count too high at {len(module.mems)}")
    if 0 <= lim.tables < len(module.tables):
        raise WasmtimeError(f"resource limit exceeded: table count too high at {len(module.tables)}")
    for mtype in module.mems:
        if not lim.memory_allows(mtype.limits.min * 65536):
            raise WasmtimeError(f"memory minimum size of {mtype.limits.min} pages exceeds "
                                "memory limits")
    for ttype in module.tables:
        if not lim.table_allows(ttype.limits.min):
            raise WasmtimeError(f"table minimum size of {ttype.limits.min} elements exceeds "
                                "table limits")


def instantiate(store: StoreCore, module: Module, imports: list, guard: bool = True) -> Instance:
    if len(imports) != len(module.imports):
        raise LinkError(f"expected {len(module.imports)} imports, found {len(imports)}")
    for imp, ext in zip(module.imports, imports):
        if ext is None:
            raise LinkError(f"unknown import: `{imp.module}::{imp.name}` has not been defined")
        _check_import(imp, ext, store, module)

    _check_limits(store, module)
    inst = Instance(store, module, guard)
    off = inst.offsets
    vm = inst.vmctx
    types = module.types
    type_indices = module.func_type_indices()
    for i, ft in enumerate(types):
        write_u64(vm + off.type_id(i), store.type_id(ft))

    # Imports, in order of their kinds' index spaces.
    for imp, ext in zip(module.imports, imports):
        if imp.kind == "func":
            write_u64(vm + off.func_ref(len(inst.funcs)), ext.funcref)
            inst.funcs.append(ext.entry)
        elif imp.kind == "memory":
            write_u64(vm + off.memory(len(inst.memories)), ext.memory.definition)
            inst.memories.append(ext)
        elif imp.kind == "table":
            write_u64(vm + off.table(len(inst.tables)), ext.table.definition)
            inst.tables.append(ext)
        else:
            write_u64(vm + off.global_(len(inst.globals)), ext.cell)
            inst.globals.append(ext)

    # Defined functions.
    nimp = module.num_imported_funcs
    for d in range(len(module.funcs)):
        index = nimp + d
        funcref = vm + off.func_ref_def(d)
        entry = store.add_wasm_func(inst, index, types[type_indices[index]], funcref, vm,
                                    module.func_names.get(index))
        write_u64(vm + off.func_ref(index), funcref)
        inst.funcs.append(entry)

    # Defined memories and tables.
    for d, mtype in enumerate(module.mems):
        definition = vm + off.memory_def(d)
        mem = LinearMemory(mtype.limits.min, mtype.limits.max, definition, guard, store.limits)
        write_u64(vm + off.memory(len(inst.memories)), definition)
        inst.memories.append(MemoryExtern(mem, mtype))
    for d, ttype in enumerate(module.tables):
        definition = vm + off.table_def(d)
        table = Table(ttype, definition, limits=store.limits)
        write_u64(vm + off.table(len(inst.tables)), definition)
        inst.tables.append(TableExtern(table))

    # Defined globals, in order (an initializer may read earlier globals).
    nglob_imp = module.num_imported_globals
    for d, glob in enumerate(module.globals):
        cell = vm + off.global_(nglob_imp + d)
        write_u64(cell, canonical_slot(glob.type.valtype, inst.eval_const(glob.init)))
        inst.globals.append(GlobalExtern(cell, glob.type, inst))

    # Segments: passive ones stay available to memory.init / table.init.
    elem_items: list[list[int]] = []
    for i, seg in enumerate(module.elems):
        items = [inst.eval_const(expr) for expr in seg.items]
        elem_items.append(items)
        block = NativeBlock(8 * max(1, len(items)))
        words = block.view()
        for k, v in enumerate(items):
            words[k] = v - (1 << 64) if v >= 1 << 63 else v
        inst.segment_blocks.append(block)
        write_u64(vm + off.elem_segment(i), block.addr)
        write_u64(vm + off.elem_segment(i) + 8, len(items))
    for i, seg in enumerate(module.datas):
        block = NativeBlock(max(1, len(seg.data)))
        block.bytes_view()[: len(seg.data)] = memoryview(seg.data)
        inst.segment_blocks.append(block)
        write_u64(vm + off.data_segment(i), block.addr)
        write_u64(vm + off.data_segment(i) + 8, len(seg.data))

    store.instances.append(inst)

    for i, seg in enumerate(module.elems):
        if seg.mode == "active":
            table = inst.tables[seg.table].table
            start = inst.eval_const(seg.offset) & 0xFFFFFFFF
            items = elem_items[i]
            if start + len(items) > table.length:
                raise Trap.from_code(TrapCode.TABLE_OUT_OF_BOUNDS)
            for k, v in enumerate(items):
                table.set(start + k, v)
        if seg.mode in ("active", "declarative"):
            write_u64(vm + off.elem_segment(i) + 8, 0)
    for i, seg in enumerate(module.datas):
        if seg.mode == "active":
            mem = inst.memories[seg.memory].memory
            start = inst.eval_const(seg.offset) & 0xFFFFFFFF
            if start + len(seg.data) > mem.length:
                raise Trap.from_code(TrapCode.MEMORY_OUT_OF_BOUNDS)
            mem.write(seg.data, start)
            write_u64(vm + off.data_segment(i) + 8, 0)
    return inst


def host_global(store: StoreCore, gtype: GlobalType, value: int) -> GlobalExtern:
    block = store.alloc(16)
    write_u64(block.addr, canonical_slot(gtype.valtype, value))
    return GlobalExtern(block.addr, gtype, block)


def host_memory(store: StoreCore, mtype: MemoryType, guard: bool = True) -> MemoryExtern:
    block = store.alloc(16)
    mem = LinearMemory(mtype.limits.min, mtype.limits.max, block.addr, guard, store.limits)
    mem._owner = block
    return MemoryExtern(mem, mtype)


def host_table(store: StoreCore, ttype: TableType, init: int = 0) -> TableExtern:
    block = store.alloc(16)
    table = Table(ttype, block.addr, init, store.limits)
    table._owner = block
    return TableExtern(table)
