"""The store's runtime state: canonical function types, the function table,
host functions and externref values.

Design
------
Every function a store knows (wasm functions of its instances and host
functions) has a *store function id* (`sid`), an index into `FuncTable`.
Each id has a native record that tiers read without Python (`records`, an
int64 matrix, one row per id) and a Python-side `FuncEntry` for everything
else (the callable of a host function, names for backtraces).

    FuncTable.records[sid] (int64 x RECORD_WORDS)
        FUNC_INTERP_PC   tier-0 bytecode entry pc, -1 until translated
        FUNC_FRAME_SLOTS frame size in 8-byte slots (tier 0)
        FUNC_NPARAMS     number of parameters
        FUNC_NRESULTS    number of results
        FUNC_KIND        KIND_WASM, KIND_HOST, or KIND_NATIVE (a wasm function
                         whose calls go to its compiled code; set by the tier
                         layer when it publishes, FUNC_INTERP_PC then -1)
        FUNC_VMCTX       owning instance's VMContext address (0 for host)
        FUNC_NLOCALS     params + declared locals (tier 0 zeroes the rest)
        FUNC_INDEX       function index in its module

The records matrix grows by reallocation; tiers re-read its address at every
entry, never across a return to Python.  Runtime code knows no tier: tiers
fill in the fields they own (FUNC_INTERP_PC, FUNC_FRAME_SLOTS).

Externref values are Python objects; in slots and tables they are ids (0 is
null) into `ExternRefs`, which keeps them alive for the store's lifetime.
Function references are `VMFuncRef` addresses (0 is null).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from ..wasm.types import FuncType
from .memory import NativeBlock, read_u64, write_u64
from .vmoffsets import (FUNCREF_SIZE, FUNCREF_STORE_FUNC, FUNCREF_TYPE_ID,
                        FUNCREF_VMCTX)

RECORD_WORDS = 8
FUNC_INTERP_PC = 0
FUNC_FRAME_SLOTS = 1
FUNC_NPARAMS = 2
FUNC_NRESULTS = 3
FUNC_KIND = 4
FUNC_VMCTX = 5
FUNC_NLOCALS = 6
FUNC_INDEX = 7

KIND_WASM = 0
KIND_HOST = 1
KIND_NATIVE = 2  # only in records: FuncEntry.kind stays KIND_WASM


@dataclass
class FuncEntry:
    """Python-side facts about one store function."""

    sid: int
    kind: int
    functype: FuncType
    funcref: int  # address of its VMFuncRef
    instance: Any = None  # runtime Instance for wasm functions
    index: int = -1  # function index in the instance's module
    host: Callable | None = None  # host functions: fn(caller, *args) -> results
    host_wants_caller: bool = False
    name: str | None = None


class FuncTable:
    def __init__(self):
        self.records = np.zeros((64, RECORD_WORDS), dtype=np.int64)
        self.entries: list[FuncEntry] = []

    def add(self, entry: FuncEntry, nparams: int, nresults: int, vmctx: int) -> None:
        sid = entry.sid
        if sid >= len(self.records):
            grown = np.zeros((len(self.records) * 2, RECORD_WORDS), dtype=np.int64)
            grown[: len(self.records)] = self.records
            self.records = grown
        rec = self.records[sid]
        rec[:] = 0
        rec[FUNC_INTERP_PC] = -1
        rec[FUNC_NPARAMS] = nparams
        rec[FUNC_NRESULTS] = nresults
        rec[FUNC_KIND] = entry.kind
        rec[FUNC_VMCTX] = vmctx
        rec[FUNC_INDEX] = entry.index
        self.entries.append(entry)

    def __len__(self) -> int:
        return len(self.entries)


class ExternRefs:
    """Host objects held by externref values; id 0 is null."""

    def __init__(self):
        self._objects: list[Any] = [None]
        self._ids: dict[int, int] = {}

    def to_id(self, obj: Any) -> int:
        if obj is None:
            return 0
        key = id(obj)
        ref = self._ids.get(key)
        if ref is None or self._objects[ref] is not obj:
            ref = len(self._objects)
            self._objects.append(obj)
            self._ids[key] = ref
        return ref

    def from_id(self, ref: int) -> Any:
        return self._objects[ref]


@dataclass
class StoreLimits:
    """Resource limits of a store (Store.set_limits); -1 means unlimited.
    Memories and tables consult it on every growth."""

    memory_size: int = -1  # bytes, per linear memory
    table_elements: int = -1  # per table
    instances: int = -1
    tables: int = -1
    memories: int = -1

    def memory_allows(self, nbytes: int) -> bool:
        return self.memory_size < 0 or nbytes <= self.memory_size

    def table_allows(self, elements: int) -> bool:
        return self.table_elements < 0 or elements <= self.table_elements


class StoreCore:
    """What a store holds at runtime, independent of any tier.

    `tier_state` is where the tier manager keeps its per-store state (the
    interpreter's code and stacks, compiled code): the runtime never looks
    inside."""

    _next_id = 1

    def __init__(self):
        self.id = StoreCore._next_id
        StoreCore._next_id += 1
        self.type_ids: dict[FuncType, int] = {}
        self.funcs = FuncTable()
        self.externrefs = ExternRefs()
        self.blocks: list[NativeBlock] = []  # keeps host-owned native memory alive
        self.instances: list[Any] = []
        self.tier_state: Any = None
        self.limits = StoreLimits()
        # Called with every new FuncEntry (the tier layer gives it a native entry).
        self.func_listeners: list[Callable[[FuncEntry], None]] = []

    def type_id(self, functype: FuncType) -> int:
        tid = self.type_ids.get(functype)
        if tid is None:
            tid = len(self.type_ids) + 1
            self.type_ids[functype] = tid
        return tid

    def alloc(self, size: int) -> NativeBlock:
        block = NativeBlock(size)
        self.blocks.append(block)
        return block

    def new_sid(self) -> int:
        return len(self.funcs)

    def add_wasm_func(self, instance, index: int, functype: FuncType,
                      funcref: int, vmctx: int, name: str | None) -> FuncEntry:
        entry = FuncEntry(self.new_sid(), KIND_WASM, functype, funcref,
                          instance=instance, index=index, name=name)
        self._fill_funcref(funcref, functype, vmctx, entry.sid)
        self.funcs.add(entry, len(functype.params), len(functype.results), vmctx)
        for listener in self.func_listeners:
            listener(entry)
        return entry

    def add_host_func(self, functype: FuncType, fn: Callable,
                      wants_caller: bool = False) -> FuncEntry:
        funcref = self.alloc(FUNCREF_SIZE).addr
        entry = FuncEntry(self.new_sid(), KIND_HOST, functype, funcref, host=fn,
                          host_wants_caller=wants_caller)
        self._fill_funcref(funcref, functype, 0, entry.sid)
        self.funcs.add(entry, len(functype.params), len(functype.results), 0)
        for listener in self.func_listeners:
            listener(entry)
        return entry

    def _fill_funcref(self, funcref: int, functype: FuncType, vmctx: int, sid: int) -> None:
        write_u64(funcref + FUNCREF_TYPE_ID, self.type_id(functype))
        write_u64(funcref + FUNCREF_VMCTX, vmctx)
        write_u64(funcref + FUNCREF_STORE_FUNC, sid)

    def entry_of_funcref(self, funcref: int) -> FuncEntry:
        return self.funcs.entries[read_u64(funcref + FUNCREF_STORE_FUNC)]
