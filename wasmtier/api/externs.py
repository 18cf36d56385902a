"""`Func`, `Memory`, `Global`, `Table` (wasmtime-py names and semantics).

Each wraps a runtime extern (`runtime.instance.FuncExtern` and friends) and
the `Store` it belongs to.  Two wasmtier extensions serve harnesses that
need exact bits: `Func.call_raw` and `Global.get_raw` keep f32/f64 values
as IEEE bit patterns.
"""

from __future__ import annotations

from ..runtime.instance import (FuncExtern, GlobalExtern, MemoryExtern,
                                TableExtern, canonical_slot, host_global,
                                host_memory, host_table)
from ..runtime.memory import read_u64, write_u64
from ..runtime.store import KIND_HOST
from ..wasm.errors import WasmtimeError
from ..wasm.types import ValType as CoreValType
from .store import Store
from .types import FuncType, GlobalType, MemoryType, TableType, ValType
from .values import Val, _signed, bits_f32, bits_f64, f32_bits, f64_bits

MASK64 = (1 << 64) - 1


def store_of(obj) -> Store:
    """The Store behind a Store or a Caller argument."""
    if isinstance(obj, Store):
        return obj
    if isinstance(obj, Caller):
        return obj._store
    raise TypeError(f"expected a Store or Caller, found {type(obj).__name__}")


class Caller:
    """What a host function defined with `access_caller=True` receives first."""

    def __init__(self, store: Store, instance):
        self._store = store
        self._instance = instance  # runtime Instance of the calling function, or None

    def get(self, name: str):
        if self._instance is None:
            return None
        ext = self._instance.export(name)
        if ext is None:
            return None
        return wrap_extern(self._store, ext)

    def __getitem__(self, name: str):
        ext = self.get(name)
        if ext is None:
            raise KeyError(name)
        return ext


def to_raw(store, ty: CoreValType, value, raw_floats: bool = False) -> int:
    """A Python value (or `Val`) as a raw slot for a parameter of type `ty`."""
    if isinstance(value, Val):
        if value.type.core != ty:
            raise TypeError(f"expected a {ValType(ty)} value, found {value.type}")
        value = value.value
        raw_floats = False
    if ty is CoreValType.I32:
        if not isinstance(value, int):
            raise TypeError(f"expected an int for i32, found {type(value).__name__}")
        return _signed(value, 32) & MASK64
    if ty is CoreValType.I64:
        if not isinstance(value, int):
            raise TypeError(f"expected an int for i64, found {type(value).__name__}")
        return value & MASK64
    if ty is CoreValType.F32:
        if raw_floats:
            return int(value) & 0xFFFFFFFF
        return f32_bits(float(value))
    if ty is CoreValType.F64:
        if raw_floats:
            return int(value) & MASK64
        return f64_bits(float(value))
    if ty is CoreValType.FUNCREF:
        if value is None:
            return 0
        funcref = getattr(value, "_funcref", None)
        if funcref is None:
            raise TypeError("expected a Func or None for funcref")
        return funcref(store)
    if ty is CoreValType.EXTERNREF:
        return store._core.externrefs.to_id(value)
    raise WasmtimeError(f"unsupported value type {ValType(ty)}")


def from_raw(store, ty: CoreValType, raw: int, raw_floats: bool = False):
    """A raw slot of type `ty` as a Python value."""
    if ty is CoreValType.I32:
        return _signed(raw, 32)
    if ty is CoreValType.I64:
        return _signed(raw, 64)
    if ty is CoreValType.F32:
        return raw & 0xFFFFFFFF if raw_floats else bits_f32(raw)
    if ty is CoreValType.F64:
        return raw & MASK64 if raw_floats else bits_f64(raw)
    if ty is CoreValType.FUNCREF:
        if raw == 0:
            return None
        return Func._from_funcref(store, raw & MASK64)
    if ty is CoreValType.EXTERNREF:
        return store._core.externrefs.from_id(raw & MASK64) if raw else None
    raise WasmtimeError(f"unsupported value type {ValType(ty)}")


def _check_store(store, ext_store) -> None:
    if store is not ext_store:
        raise WasmtimeError("object used with the wrong store")


class Func:
    def __init__(self, store, ty: FuncType, func, access_caller: bool = False):
        store = store_of(store)
        core_ty = ty.core
        params, results = core_ty.params, core_ty.results

        def host(raw_args: list[int]) -> list[int]:
            args = [from_raw(store, t, v) for t, v in zip(params, raw_args)]
            if access_caller:
                out = func(Caller(store, store._tiers.caller_instance()), *args)
            else:
                out = func(*args)
            if len(results) == 0:
                if out is not None:
                    raise WasmtimeError("host function returned a value but its type has no results")
                return []
            if len(results) == 1:
                out = [out]
            elif not isinstance(out, (list, tuple)) or len(out) != len(results):
                raise WasmtimeError(f"host function must return {len(results)} values")
            return [to_raw(store, t, v) for t, v in zip(results, out)]

        entry = store._core.add_host_func(core_ty, host)
        self._store = store
        self._extern = FuncExtern(entry)

    @classmethod
    def _from_extern(cls, store, ext: FuncExtern) -> "Func":
        obj = cls.__new__(cls)
        obj._store = store
        obj._extern = ext
        return obj

    @classmethod
    def _from_funcref(cls, store, funcref: int) -> "Func":
        return cls._from_extern(store, FuncExtern(store._core.entry_of_funcref(funcref)))

    def _funcref(self, store) -> int:
        _check_store(store, self._store)
        return self._extern.funcref

    def type(self, store) -> FuncType:
        return FuncType._from_core(self._extern.entry.functype)

    def _call(self, store, args, raw_floats: bool):
        store = store_of(store)
        _check_store(store, self._store)
        ft = self._extern.entry.functype
        if len(args) != len(ft.params):
            raise WasmtimeError(f"expected {len(ft.params)} arguments, got {len(args)}")
        raw = [to_raw(store, t, v, raw_floats) for t, v in zip(ft.params, args)]
        out = store._tiers.call(self._extern.entry.sid, raw)
        return [from_raw(store, t, v, raw_floats) for t, v in zip(ft.results, out)]

    def __call__(self, store, *args):
        results = self._call(store, args, False)
        if not results:
            return None
        return results[0] if len(results) == 1 else results

    def call_raw(self, store, *args) -> list:
        """wasmtier extension: call with f32/f64 as raw bit patterns; all results as a list."""
        return self._call(store, args, True)

    def __eq__(self, other) -> bool:
        return isinstance(other, Func) and other._extern.funcref == self._extern.funcref

    def __hash__(self) -> int:
        return hash(self._extern.funcref)

    @property
    def _is_host(self) -> bool:
        return self._extern.entry.kind == KIND_HOST


class Memory:
    def __init__(self, store, ty: MemoryType):
        store = store_of(store)
        self._store = store
        guard = store.engine.config.memory_guard_size > 0
        self._extern = host_memory(store._core, ty.core, guard)

    @classmethod
    def _from_extern(cls, store, ext: MemoryExtern) -> "Memory":
        obj = cls.__new__(cls)
        obj._store = store
        obj._extern = ext
        return obj

    @property
    def _mem(self):
        return self._extern.memory

    def type(self, store) -> MemoryType:
        t = self._extern.type
        from ..wasm import types as core
        return MemoryType._from_core(core.MemoryType(core.Limits(self._mem.pages, t.limits.max),
                                                     t.is64, t.shared))

    def size(self, store) -> int:
        return self._mem.pages

    def data_len(self, store) -> int:
        return self._mem.length

    def data_ptr(self, store):
        import ctypes
        return ctypes.cast(self._mem.base, ctypes.POINTER(ctypes.c_ubyte))

    def get_buffer_ptr(self, store, size: int | None = None, offset: int = 0):
        import ctypes
        length = self._mem.length - offset if size is None else size
        if offset < 0 or length < 0 or offset + length > self._mem.length:
            raise WasmtimeError("buffer out of bounds")
        return (ctypes.c_ubyte * length).from_address(self._mem.base + offset)

    def grow(self, store, delta: int) -> int:
        old = self._mem.grow(delta)
        if old < 0:
            raise WasmtimeError("failed to grow memory")
        return old

    def read(self, store, start: int | None = 0, stop: int | None = None) -> bytearray:
        n = self._mem.length
        start, stop, _ = slice(start, stop).indices(n)
        if stop <= start:
            return bytearray()
        return bytearray(self._mem.read(start, stop))

    def write(self, store, value, start: int | None = None) -> int:
        n = self._mem.length
        start = 0 if start is None else start
        if start < 0:
            start += n
        if start < 0 or start + len(value) > n:
            raise IndexError("write out of bounds")
        self._mem.write(bytes(value), start)
        return len(value)


class Global:
    def __init__(self, store, ty: GlobalType, val):
        store = store_of(store)
        self._store = store
        self._extern = host_global(store._core, ty.core, to_raw(store, ty.core.valtype, val))

    @classmethod
    def _from_extern(cls, store, ext: GlobalExtern) -> "Global":
        obj = cls.__new__(cls)
        obj._store = store
        obj._extern = ext
        return obj

    def type(self, store) -> GlobalType:
        return GlobalType._from_core(self._extern.type)

    def get_raw(self, store):
        """wasmtier extension: the value with f32/f64 as raw bit patterns."""
        return from_raw(self._store, self._extern.type.valtype, read_u64(self._extern.cell), True)

    def value(self, store):
        return from_raw(self._store, self._extern.type.valtype, read_u64(self._extern.cell))

    def set_value(self, store, val) -> None:
        if not self._extern.type.mutable:
            raise WasmtimeError("cannot set the value of an immutable global")
        vt = self._extern.type.valtype
        write_u64(self._extern.cell, canonical_slot(vt, to_raw(self._store, vt, val)))


class Table:
    def __init__(self, store, ty: TableType, init):
        store = store_of(store)
        self._store = store
        self._extern = host_table(store._core, ty.core, to_raw(store, ty.core.elem, init))

    @classmethod
    def _from_extern(cls, store, ext: TableExtern) -> "Table":
        obj = cls.__new__(cls)
        obj._store = store
        obj._extern = ext
        return obj

    @property
    def _table(self):
        return self._extern.table

    def type(self, store) -> TableType:
        return TableType._from_core(self._table.type)

    def size(self, store) -> int:
        return self._table.length

    def grow(self, store, amt: int, init) -> int:
        old = self._table.grow(amt, to_raw(self._store, self._table.type.elem, init))
        if old < 0:
            raise WasmtimeError("failed to grow table")
        return old

    def get(self, store, idx: int):
        if not 0 <= idx < self._table.length:
            return None
        return from_raw(self._store, self._table.type.elem, self._table.get(idx))

    def set(self, store, idx: int, val) -> None:
        if not 0 <= idx < self._table.length:
            raise WasmtimeError("table index out of bounds")
        self._table.set(idx, to_raw(self._store, self._table.type.elem, val))


def wrap_extern(store, ext):
    if isinstance(ext, FuncExtern):
        return Func._from_extern(store, ext)
    if isinstance(ext, MemoryExtern):
        return Memory._from_extern(store, ext)
    if isinstance(ext, TableExtern):
        return Table._from_extern(store, ext)
    return Global._from_extern(store, ext)


def unwrap_extern(store, obj):
    if isinstance(obj, (Func, Memory, Global, Table)):
        _check_store(store, obj._store)
        return obj._extern
    raise TypeError(f"expected an extern (Func, Memory, Global, Table), found {type(obj).__name__}")


__all__ = ["Func", "Memory", "Global", "Table", "Val", "wrap_extern", "unwrap_extern", "MASK64"]
