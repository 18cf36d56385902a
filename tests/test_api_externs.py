"""Memory, Global and Table through the embedding API, differentially on
wasmtier and wasmtime-py 50 (see test_api_types.py for the scheme).

Includes wasmtime-py's quirks a drop-in must keep: `Table.get` and
`Global.value` return a null `Val` (not None) for null references,
`Memory.type()` reports the declared minimum rather than the current size,
`Memory.write` raises IndexError and `Memory.read` clamps like a slice.
"""

from __future__ import annotations

import ctypes

import pytest

WAT = """
(module
  (memory (export "mem") 1 3)
  (table (export "tab") 2 10 funcref)
  (table (export "etab") 2 externref)
  (global (export "gm") (mut i32) (i32.const 5))
  (global (export "gi") i64 (i64.const 9))
  (global (export "gf") (mut f32) (f32.const 1.5))
  (global (export "gref") (mut funcref) (ref.null func))
  (global (export "gext") (mut externref) (ref.null extern))
  (data (i32.const 0) "hello")
  (func $add (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "size") (result i32) (memory.size))
  (func (export "call_tab") (param i32 i32 i32) (result i32)
    (call_indirect (param i32 i32) (result i32) (local.get 1) (local.get 2) (local.get 0)))
  (func (export "get_gref") (result funcref) (global.get 3))
  (func (export "get_ext") (param i32) (result externref) (table.get 1 (local.get 0)))
  (func (export "get_gm") (result i32) (global.get 0))
)
"""


@pytest.fixture
def env(wasmtime):
    store = wasmtime.Store()
    module = wasmtime.Module(store.engine, WAT)
    instance = wasmtime.Instance(store, module, [])
    return wasmtime, store, instance.exports(store)


# -- Memory -----------------------------------------------------------------------


def test_memory_read_write(env):
    wasmtime, store, ex = env
    mem = ex["mem"]
    assert mem.size(store) == 1
    assert mem.data_len(store) == 65536
    assert mem.read(store, 0, 5) == bytearray(b"hello")
    assert isinstance(mem.read(store, 0, 5), bytearray)
    assert mem.read(store, -3) == bytearray(3)
    assert mem.read(store, 65530, 70000) == bytearray(6)  # clamped like a slice
    assert mem.read(store, 70000, 70010) == bytearray()
    assert mem.read(store, 5, 2) == bytearray()
    assert len(mem.read(store, None, None)) == 65536
    assert mem.write(store, b"abc", 10) == 3
    assert mem.write(store, bytearray(b"xy"), 65534) == 2
    assert mem.write(store, b"zz", -4) == 2
    assert mem.write(store, [1, 2], 20) == 2
    assert mem.write(store, b"", 3) == 0
    assert mem.write(store, b"Q") == 1
    assert mem.read(store, 0, 1) == bytearray(b"Q")
    assert mem.read(store, 10, 13) == bytearray(b"abc")
    assert mem.read(store, 65532) == bytearray(b"zzxy")
    assert mem.read(store, 20, 22) == bytearray(b"\x01\x02")
    assert ex["load8"](store, 11) == ord("b")


def test_memory_write_out_of_range(env):
    wasmtime, store, ex = env
    mem = ex["mem"]
    with pytest.raises(IndexError, match="index out of range"):
        mem.write(store, b"abc", 65534)
    with pytest.raises(IndexError, match="index out of range"):
        mem.write(store, b"", 65536)
    with pytest.raises(IndexError):
        mem.write(store, b"a", 1 << 40)
    assert mem.read(store, 65534) == bytearray(2)  # nothing was written


def test_memory_pointers(env):
    wasmtime, store, ex = env
    mem = ex["mem"]
    ptr = mem.data_ptr(store)
    assert isinstance(ptr, ctypes.POINTER(ctypes.c_ubyte))
    assert bytes(ptr[0:5]) == b"hello"
    buf = mem.get_buffer_ptr(store)
    assert len(buf) == 65536
    assert bytes(mem.get_buffer_ptr(store, 3, 1)) == b"ell"
    mem.get_buffer_ptr(store, 2, 0)[0] = ord("J")
    assert mem.read(store, 0, 5) == bytearray(b"Jello")
    assert mem.page_size(store) == 65536
    assert mem.page_size_log2(store) == 16


def test_memory_grow(env):
    wasmtime, store, ex = env
    mem = ex["mem"]
    assert mem.grow(store, 1) == 1
    assert (mem.size(store), mem.data_len(store)) == (2, 131072)
    assert ex["size"](store) == 2
    assert mem.grow(store, 0) == 2
    with pytest.raises(wasmtime.WasmtimeError, match="failed to grow memory by `5`"):
        mem.grow(store, 5)
    with pytest.raises(wasmtime.WasmtimeError, match="cannot grow by negative amount"):
        mem.grow(store, -1)
    assert mem.size(store) == 2
    ty = mem.type(store)
    # The declared type: the minimum stays 1 after growing.
    assert (ty.limits.min, ty.limits.max, ty.is_64) == (1, 3, False)


def test_host_memory(wasmtime):
    store = wasmtime.Store()
    mem = wasmtime.Memory(store, wasmtime.MemoryType(wasmtime.Limits(1, 2)))
    assert (mem.size(store), mem.data_len(store)) == (1, 65536)
    assert mem.type(store).limits == wasmtime.Limits(1, 2)
    assert mem.grow(store, 1) == 1
    with pytest.raises(wasmtime.WasmtimeError, match="failed to grow memory by `1`"):
        mem.grow(store, 1)
    with pytest.raises(wasmtime.WasmtimeError,
                       match="minimum size is too large for this memory type's index type"):
        wasmtime.Memory(store, wasmtime.MemoryType(wasmtime.Limits(70000, None)))
    module = wasmtime.Module(store.engine, """(module (import "" "m" (memory 1))
        (func (export "size") (result i32) memory.size))""")
    assert wasmtime.Instance(store, module, [mem]).exports(store)["size"](store) == 2


# -- Global -----------------------------------------------------------------------


def test_global_get_set(env):
    wasmtime, store, ex = env
    gm = ex["gm"]
    assert gm.value(store) == 5
    gm.set_value(store, 10)
    assert gm.value(store) == 10
    assert ex["get_gm"](store) == 10
    gm.set_value(store, wasmtime.Val.i32(11))
    assert gm.value(store) == 11
    gm.set_value(store, 2**32 + 1)  # wraps
    assert gm.value(store) == 1
    gm.set_value(store, 0xFFFFFFFF)
    assert gm.value(store) == -1
    with pytest.raises(TypeError, match="don't know how to convert"):
        gm.set_value(store, 1.5)
    ty = gm.type(store)
    assert (ty.content, ty.mutable) == (wasmtime.ValType.i32(), True)
    assert ex["gi"].value(store) == 9
    with pytest.raises(wasmtime.WasmtimeError, match="immutable global cannot be set"):
        ex["gi"].set_value(store, 1)
    assert ex["gi"].value(store) == 9
    gf = ex["gf"]
    assert gf.value(store) == 1.5
    gf.set_value(store, 0.1)
    assert gf.value(store) == 0.10000000149011612
    with pytest.raises(TypeError):
        gf.set_value(store, 2)


def test_global_references(env):
    wasmtime, store, ex = env
    null = ex["gref"].value(store)
    # (wasmtime-py 50 cannot tell this Val's `.type`: it raises AttributeError.)
    assert isinstance(null, wasmtime.Val) and null.value is None
    ex["gref"].set_value(store, ex["add"])
    f = ex["gref"].value(store)
    assert isinstance(f, wasmtime.Func) and f(store, 2, 3) == 5
    assert ex["get_gref"](store)(store, 4, 4) == 8
    null = ex["gext"].value(store)
    assert isinstance(null, wasmtime.Val) and null.value is None
    obj = object()
    ex["gext"].set_value(store, obj)
    assert ex["gext"].value(store) is obj
    ex["gext"].set_value(store, 0)
    assert ex["gext"].value(store) == 0


def test_host_globals(wasmtime):
    store = wasmtime.Store()
    V = wasmtime.ValType
    g = wasmtime.Global(store, wasmtime.GlobalType(V.i64(), True), 2**64 - 1)
    assert g.value(store) == -1
    obj = {"a": 1}
    g = wasmtime.Global(store, wasmtime.GlobalType(V.externref(), True), obj)
    assert g.value(store) is obj
    with pytest.raises(TypeError):
        wasmtime.Global(store, wasmtime.GlobalType(V.f32(), True), 1)
    with pytest.raises(TypeError):
        wasmtime.Global(store, 5, 1)
    g = wasmtime.Global(store, wasmtime.GlobalType(V.i32(), False), 7)
    module = wasmtime.Module(store.engine, """(module (import "" "g" (global i32))
        (func (export "get") (result i32) global.get 0))""")
    assert wasmtime.Instance(store, module, [g]).exports(store)["get"](store) == 7


# -- Table ------------------------------------------------------------------------


def test_table_funcref(env):
    wasmtime, store, ex = env
    tab = ex["tab"]
    assert tab.size(store) == 2
    null = tab.get(store, 0)
    assert isinstance(null, wasmtime.Val) and null.value is None
    assert tab.get(store, 100) is None
    assert tab.get(store, -1) is None
    tab.set(store, 0, ex["add"])
    f = tab.get(store, 0)
    assert isinstance(f, wasmtime.Func) and f(store, 3, 4) == 7
    assert ex["call_tab"](store, 0, 5, 6) == 11
    i32 = wasmtime.ValType.i32()
    host = wasmtime.Func(store, wasmtime.FuncType([i32, i32], [i32]), lambda a, b: a * b)
    tab.set(store, 1, host)
    assert ex["call_tab"](store, 1, 5, 6) == 30
    tab.set(store, 0, None)
    assert tab.get(store, 0).value is None
    with pytest.raises(wasmtime.Trap):
        ex["call_tab"](store, 0, 1, 1)
    with pytest.raises(wasmtime.WasmtimeError, match="out of bounds table access"):
        tab.set(store, 100, ex["add"])
    with pytest.raises(wasmtime.WasmtimeError, match="out of bounds table access"):
        tab.set(store, -1, None)
    with pytest.raises(TypeError, match="don't know how to convert"):
        tab.set(store, 0, 5)


def test_table_grow_and_type(env):
    wasmtime, store, ex = env
    tab = ex["tab"]
    assert tab.grow(store, 2, ex["add"]) == 2
    assert tab.size(store) == 4
    assert tab.get(store, 3)(store, 1, 1) == 2
    with pytest.raises(wasmtime.WasmtimeError, match="failed to grow table by `100`"):
        tab.grow(store, 100, None)
    with pytest.raises(wasmtime.WasmtimeError, match="failed to grow table"):
        tab.grow(store, -1, None)
    assert tab.size(store) == 4
    ty = tab.type(store)
    assert (ty.element, ty.limits.min, ty.limits.max) == (wasmtime.ValType.funcref(), 2, 10)


def test_table_externref(env):
    wasmtime, store, ex = env
    etab = ex["etab"]
    obj = object()
    etab.set(store, 0, obj)
    assert etab.get(store, 0) is obj
    assert ex["get_ext"](store, 0) is obj
    assert etab.get(store, 1).value is None
    etab.set(store, 1, 0)  # a falsy externref comes back wrapped in a Val
    assert isinstance(etab.get(store, 1), wasmtime.Val)
    assert etab.get(store, 1).value == 0
    assert ex["get_ext"](store, 1) == 0


def test_host_tables(wasmtime):
    store = wasmtime.Store()
    V = wasmtime.ValType
    obj = object()
    t = wasmtime.Table(store, wasmtime.TableType(V.externref(), wasmtime.Limits(2, None)), obj)
    assert t.get(store, 1) is obj and t.size(store) == 2
    t = wasmtime.Table(store, wasmtime.TableType(V.funcref(), wasmtime.Limits(2, 3)), None)
    assert t.get(store, 0).value is None
    with pytest.raises(TypeError):
        wasmtime.Table(store, wasmtime.TableType(V.funcref(), wasmtime.Limits(2, None)), 5)
    module = wasmtime.Module(store.engine, """(module (import "" "t" (table 1 funcref))
        (func (export "size") (result i32) table.size 0))""")
    assert wasmtime.Instance(store, module, [t]).exports(store)["size"](store) == 2


# -- deliberate differences ---------------------------------------------------------


def test_cross_store_use_raises_on_wasmtier(wasmtier):
    # wasmtime-py aborts the whole process ("object used with the wrong
    # store" panic); wasmtier raises WasmtimeError and both stores go on.
    engine = wasmtier.Engine()
    s1, s2 = wasmtier.Store(engine), wasmtier.Store(engine)
    ex = wasmtier.Instance(s1, wasmtier.Module(engine, WAT), []).exports(s1)
    with pytest.raises(wasmtier.WasmtimeError, match="wrong store"):
        ex["add"](s2, 1, 2)
    with pytest.raises(wasmtier.WasmtimeError, match="wrong store"):
        ex["mem"].read(s2, 0, 1)
    with pytest.raises(wasmtier.WasmtimeError, match="wrong store"):
        ex["gm"].value(s2)
    with pytest.raises(wasmtier.WasmtimeError, match="wrong store"):
        ex["tab"].set(s1, 0, wasmtier.Func(s2, wasmtier.FuncType([], []), lambda: None))
    with pytest.raises(wasmtier.WasmtimeError, match="wrong store"):
        wasmtier.Instance(s2, wasmtier.Module(engine, '(module (import "" "f" (func)))'),
                          [wasmtier.Func(s1, wasmtier.FuncType([], []), lambda: None)])
    assert ex["add"](s1, 1, 2) == 3


def test_get_buffer_ptr_checks_bounds_on_wasmtier(wasmtier):
    # wasmtime-py hands out a ctypes array past the end of memory; wasmtier refuses.
    store = wasmtier.Store()
    mem = wasmtier.Memory(store, wasmtier.MemoryType(wasmtier.Limits(1, None)))
    with pytest.raises(wasmtier.WasmtimeError):
        mem.get_buffer_ptr(store, 10, 65530)
