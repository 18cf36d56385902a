"""`Func`, `Memory`, `Global`, `Table` (wasmtime-py names and semantics).

Each wraps a runtime extern (`runtime.instance.FuncExtern` and friends) and
the `Store` it belongs to.  Two wasmtier extensions serve harnesses that
need exact bits: `Func.call_raw` and `Global.get_raw` keep f32/f64 values
as IEEE bit patterns.

Conversions and errors follow wasmtime-py 50 (`_value.Val._convert_to_raw`
and the callback trampoline in `_func.py`):

* a parameter converts from a `Val` of exactly its type, from an int (i32,
  i64; wrapped to the width), a float (f32 rounded to nearest, f64), a
  `Func` or None (funcref), or anything at all (externref: the very object
  comes back out).  Anything else is `TypeError("don't know how to
  convert ...")`; a wrong argument count is `WasmtimeError`.
* a host function's result goes through the same conversion; a value from
  a function without results, or a sequence of the wrong length, is
  `WasmtimeError`.  An exception a host function raises (including `Trap`)
  reaches the wasm caller's caller unchanged, and the store stays usable.
* a `Caller` is valid only while its host call runs: afterwards `get`
  returns None and using it as a store raises `ValueError`.
* `Table.get` and `Global.value` return a null `Val` (not None) for a null
  reference, and `Table.get` does so for any falsy element, as wasmtime-py
  does; `Memory.type`/`Table.type` report the declared limits, not the
  current size.

Deliberate differences: an object used with another store raises
`WasmtimeError` (wasmtime-py aborts the process); `Func` compares equal to
another wrapper of the same function (wasmtime-py: identity).
"""

from __future__ import annotations

import struct

from ..runtime.instance import (FuncExtern, GlobalExtern, MemoryExtern,
                                TableExtern, canonical_slot, host_global,
                                host_memory, host_table)
from ..runtime.memory import MAX_PAGES_32, PAGE_SIZE, read_u64, write_u64
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
        if obj._store is None:
            raise ValueError("caller is no longer valid")
        return obj._store
    raise TypeError(f"expected a Store or Caller, found {type(obj).__name__}")


class Caller:
    """What a host function defined with `access_caller=True` receives first.

    It names the instance whose code called the host function; it is
    invalidated when the host function returns."""

    def __init__(self, store: Store, instance):
        self._store = store
        self._instance = instance  # runtime Instance of the calling function, or None

    def get(self, name: str):
        if self._store is None or self._instance is None:
            return None
        ext = self._instance.export(name)
        if ext is None:
            return None
        return wrap_extern(self._store, ext)

    def __getitem__(self, name: str):
        ext = self.get(name)
        if ext is None:
            raise KeyError(f"failed to find export {name}")
        return ext

    def _invalidate(self) -> None:
        self._store = None
        self._instance = None


_I32, _I64 = CoreValType.I32, CoreValType.I64
_F32, _F64 = CoreValType.F32, CoreValType.F64
_FUNCREF, _EXTERNREF = CoreValType.FUNCREF, CoreValType.EXTERNREF


def _cannot_convert(value, ty: CoreValType) -> TypeError:
    return TypeError("don't know how to convert %r to %s" % (value, ValType(ty)))


def to_raw(store, ty: CoreValType, value, raw_floats: bool = False) -> int:
    """A Python value (or `Val`) as a raw slot for a parameter of type `ty`.

    With `raw_floats`, f32/f64 values are given as ints holding their bits."""
    if isinstance(value, Val):
        if value.type.core != ty:
            raise TypeError("wrong type of `Val` provided")
        value = value.value
        raw_floats = False
    if ty is _EXTERNREF:
        return store._core.externrefs.to_id(value)
    if isinstance(value, int):
        if ty is _I32:
            return _signed(value, 32) & MASK64
        if ty is _I64:
            return value & MASK64
        if raw_floats:
            if ty is _F32:
                return value & 0xFFFFFFFF
            if ty is _F64:
                return value & MASK64
    elif isinstance(value, float):
        if ty is _F32:
            return f32_bits(value)
        if ty is _F64:
            return f64_bits(value)
    elif isinstance(value, Func):
        if ty is _FUNCREF:
            return value._funcref(store)
    elif value is None:
        if ty is _FUNCREF:
            return 0
    raise _cannot_convert(value, ty)


def from_raw(store, ty: CoreValType, raw: int, raw_floats: bool = False):
    """A raw slot of type `ty` as a Python value."""
    if ty is _I32:
        return _signed(raw, 32)
    if ty is _I64:
        return _signed(raw, 64)
    if ty is _F32:
        return raw & 0xFFFFFFFF if raw_floats else bits_f32(raw)
    if ty is _F64:
        return raw & MASK64 if raw_floats else bits_f64(raw)
    if ty is _FUNCREF:
        if raw == 0:
            return None
        return Func._from_funcref(store, raw & MASK64)
    if ty is _EXTERNREF:
        return store._core.externrefs.from_id(raw & MASK64) if raw else None
    raise WasmtimeError(f"unsupported value type {ValType(ty)}")


def _check_store(store, ext_store) -> None:
    if store is not ext_store:
        raise WasmtimeError("object used with the wrong store")


def _own_store(obj, store) -> Store:
    """`store` (a Store or a live Caller) after checking it owns `obj`."""
    if store is not obj._store:
        store = store_of(store)
        _check_store(store, obj._store)
    return store


class Func:
    def __init__(self, store, ty: FuncType, func, access_caller: bool = False):
        store = store_of(store)
        if not isinstance(ty, FuncType):
            raise TypeError("expected a FuncType")
        core_ty = ty.core
        params, results = core_ty.params, core_ty.results
        nresults = len(results)

        def host(raw_args: list[int]) -> list[int]:
            args = [from_raw(store, t, v) for t, v in zip(params, raw_args)]
            if access_caller:
                caller = Caller(store, store._tiers.caller_instance())
                try:
                    out = func(caller, *args)
                finally:
                    caller._invalidate()
            else:
                out = func(*args)
            if nresults == 0:
                if out is not None:
                    raise WasmtimeError("callback produced results when it shouldn't")
                return []
            if nresults == 1:
                return [to_raw(store, results[0], out)]
            if len(out) != nresults:
                raise WasmtimeError("callback produced wrong number of results")
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
        if store is not self._store:
            store = _own_store(self, store)
        entry = self._extern.entry
        ft = entry.functype
        params = ft.params
        if len(args) != len(params):
            raise _count_error(len(args), len(params))
        raw = [to_raw(store, t, v, raw_floats) for t, v in zip(params, args)]
        out = store._tiers.call(entry.sid, raw)
        return [from_raw(store, t, v, raw_floats) for t, v in zip(ft.results, out)]

    def _plan(self):
        """Per-function converters for `__call__` (the hot path): i32/i64/f64
        arguments and results convert inline, everything else through
        `to_raw`/`from_raw`."""
        ft = self._extern.entry.functype
        plan = (self._extern.entry.sid, len(ft.params),
                tuple(_ARG_CONVERTERS.get(t) or _generic_arg(t) for t in ft.params),
                tuple(_RESULT_CONVERTERS.get(t) or _generic_result(t) for t in ft.results))
        self._call_plan = plan
        return plan

    def __call__(self, store, *args):
        if store is not self._store:
            store = _own_store(self, store)
        try:
            sid, nparams, arg_convs, result_convs = self._call_plan
        except AttributeError:
            sid, nparams, arg_convs, result_convs = self._plan()
        if len(args) != nparams:
            raise _count_error(len(args), nparams)
        out = store._tiers.call(sid, [conv(store, v) for conv, v in zip(arg_convs, args)])
        if len(result_convs) == 1:
            return result_convs[0](store, out[0])
        if not result_convs:
            return None
        return [conv(store, v) for conv, v in zip(result_convs, out)]

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


def _count_error(given: int, expected: int) -> WasmtimeError:
    few = "few" if given < expected else "many"
    return WasmtimeError(f"too {few} parameters provided: given {given}, expected {expected}")


def _i32_arg(store, v):
    if type(v) is int:
        return ((v + 0x80000000) & 0xFFFFFFFF) - 0x80000000
    return to_raw(store, _I32, v)


def _i64_arg(store, v):
    if type(v) is int:
        return v & MASK64
    return to_raw(store, _I64, v)


def _f64_arg(store, v):
    if type(v) is float:
        return _F64_BITS(_F64_PACK(v))[0]
    return to_raw(store, _F64, v)


def _i32_result(store, raw):
    return ((raw + 0x80000000) & 0xFFFFFFFF) - 0x80000000


def _i64_result(store, raw):
    return ((raw + 0x8000000000000000) & MASK64) - 0x8000000000000000


def _generic_arg(ty):
    return lambda store, v: to_raw(store, ty, v)


def _generic_result(ty):
    return lambda store, raw: from_raw(store, ty, raw)


_F64_PACK = struct.Struct("<d").pack
_F64_BITS = struct.Struct("<Q").unpack
_ARG_CONVERTERS = {_I32: _i32_arg, _I64: _i64_arg, _F64: _f64_arg}
_RESULT_CONVERTERS = {_I32: _i32_result, _I64: _i64_result}


class Memory:
    def __init__(self, store, ty: MemoryType):
        store = store_of(store)
        if not isinstance(ty, MemoryType):
            raise TypeError("expected a MemoryType")
        if not ty.is_64 and ty.limits.min > MAX_PAGES_32:
            raise WasmtimeError("minimum size is too large for this memory type's index type")
        self._store = store
        guard = store.engine.config.memory_guard_size > 0
        try:
            self._extern = host_memory(store._core, ty.core, guard)
        except MemoryError as e:
            raise WasmtimeError(str(e)) from None

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
        """The declared type (wasmtime-py: the minimum is not the current size)."""
        _own_store(self, store)
        return MemoryType._from_core(self._extern.type)

    def size(self, store) -> int:
        _own_store(self, store)
        return self._mem.pages

    def data_len(self, store) -> int:
        _own_store(self, store)
        return self._mem.length

    def page_size(self, store) -> int:
        return PAGE_SIZE

    def page_size_log2(self, store) -> int:
        return 16

    def data_ptr(self, store):
        import ctypes
        _own_store(self, store)
        return ctypes.cast(self._mem.base, ctypes.POINTER(ctypes.c_ubyte))

    def get_buffer_ptr(self, store, size: int | None = None, offset: int = 0):
        """A ctypes array over the memory (valid until it grows).  Unlike
        wasmtime-py, a range outside the memory raises `WasmtimeError`."""
        import ctypes
        _own_store(self, store)
        length = self._mem.length - offset if size is None else size
        if offset < 0 or length < 0 or offset + length > self._mem.length:
            raise WasmtimeError("buffer out of bounds")
        return (ctypes.c_ubyte * length).from_address(self._mem.base + offset)

    def grow(self, store, delta: int) -> int:
        _own_store(self, store)
        if delta < 0:
            raise WasmtimeError("cannot grow by negative amount")
        old = self._mem.grow(delta)
        if old < 0:
            raise WasmtimeError(f"failed to grow memory by `{delta}`")
        return old

    def read(self, store, start: int | None = 0, stop: int | None = None) -> bytearray:
        """A copy of `memory[start:stop]` (slice semantics: clamped, negative
        indices count from the end)."""
        _own_store(self, store)
        n = self._mem.length
        start, stop, _ = slice(start, stop).indices(n)
        if stop <= start:
            return bytearray()
        return bytearray(self._mem.read(start, stop))

    def write(self, store, value, start: int | None = None) -> int:
        """Write `value` at `start` (negative counts from the end); the number
        of bytes written.  `IndexError` if it does not fit."""
        _own_store(self, store)
        n = self._mem.length
        start = slice(start, None).indices(n)[0]
        if start >= n:
            raise IndexError("index out of range")
        if not isinstance(value, (bytes, bytearray)):
            value = bytearray(value)
        if not value:
            return 0
        if start + len(value) > n:
            raise IndexError("index out of range")
        self._mem.write(bytes(value), start)
        return len(value)


def _null_or(valtype: CoreValType, value):
    """wasmtime-py returns a null `Val` where a Python None would be ambiguous."""
    return Val(ValType(valtype), value)


class Global:
    def __init__(self, store, ty: GlobalType, val):
        store = store_of(store)
        if not isinstance(ty, GlobalType):
            raise TypeError("expected a GlobalType")
        self._store = store
        self._extern = host_global(store._core, ty.core, to_raw(store, ty.core.valtype, val))

    @classmethod
    def _from_extern(cls, store, ext: GlobalExtern) -> "Global":
        obj = cls.__new__(cls)
        obj._store = store
        obj._extern = ext
        return obj

    def type(self, store) -> GlobalType:
        _own_store(self, store)
        return GlobalType._from_core(self._extern.type)

    def get_raw(self, store):
        """wasmtier extension: the value with f32/f64 as raw bit patterns."""
        return from_raw(self._store, self._extern.type.valtype, read_u64(self._extern.cell), True)

    def value(self, store):
        """The value; a null reference is a null `Val` (as in wasmtime-py)."""
        _own_store(self, store)
        vt = self._extern.type.valtype
        v = from_raw(self._store, vt, read_u64(self._extern.cell))
        return v if v is not None else _null_or(vt, None)

    def set_value(self, store, val) -> None:
        _own_store(self, store)
        vt = self._extern.type.valtype
        raw = to_raw(self._store, vt, val)
        if not self._extern.type.mutable:
            raise WasmtimeError("immutable global cannot be set")
        write_u64(self._extern.cell, canonical_slot(vt, raw))


class Table:
    def __init__(self, store, ty: TableType, init):
        store = store_of(store)
        if not isinstance(ty, TableType):
            raise TypeError("expected a TableType")
        self._store = store
        raw = to_raw(store, ty.core.elem, init)
        try:
            self._extern = host_table(store._core, ty.core, raw)
        except MemoryError as e:
            raise WasmtimeError(str(e)) from None

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
        _own_store(self, store)
        return TableType._from_core(self._table.type)

    def size(self, store) -> int:
        _own_store(self, store)
        return self._table.length

    def grow(self, store, amt: int, init) -> int:
        _own_store(self, store)
        raw = to_raw(self._store, self._table.type.elem, init)
        old = self._table.grow(amt, raw) if amt >= 0 else -1
        if old < 0:
            raise WasmtimeError(f"failed to grow table by `{amt & MASK64}`")
        return old

    def get(self, store, idx: int):
        """The element, or None when `idx` is out of bounds.  As in
        wasmtime-py, a null (or any falsy) element comes back as a `Val`."""
        _own_store(self, store)
        if not 0 <= idx < self._table.length:
            return None
        elem = self._table.type.elem
        v = from_raw(self._store, elem, self._table.get(idx))
        return v if v else _null_or(elem, v)

    def set(self, store, idx: int, val) -> None:
        _own_store(self, store)
        raw = to_raw(self._store, self._table.type.elem, val)
        if not 0 <= idx < self._table.length:
            raise WasmtimeError("wasm trap: undefined element: out of bounds table access")
        self._table.set(idx, raw)


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
    raise TypeError("expected a Func, Global, Memory or Table")


__all__ = ["Func", "Memory", "Global", "Table", "Val", "wrap_extern", "unwrap_extern", "MASK64"]
