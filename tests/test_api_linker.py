"""`Linker`, differentially on wasmtier and wasmtime-py 50 (see
test_api_types.py for the scheme): define / define_func / define_instance /
define_module (command and reactor) / define_wasi / define_unknown_imports_*,
instantiate, get, get_default, allow_shadowing, and their errors."""

from __future__ import annotations


import pytest

A = """(module (func (export "one") (result i32) i32.const 1)
   (memory (export "mem") 1) (global (export "g") (mut i32) (i32.const 3)))"""
B = """(module (import "a" "one" (func $one (result i32)))
   (import "host" "add" (func $add (param i32 i32) (result i32)))
   (func (export "run") (result i32) (call $add (call $one) (i32.const 10))))"""


@pytest.fixture
def env(wasmtime):
    engine = wasmtime.Engine()
    store = wasmtime.Store(engine)
    i32 = wasmtime.ValType.i32()
    linker = wasmtime.Linker(engine)
    linker.define_func("host", "add", wasmtime.FuncType([i32, i32], [i32]), lambda a, b: a + b)
    a = wasmtime.Instance(store, wasmtime.Module(engine, A), [])
    linker.define_instance(store, "a", a)
    return wasmtime, engine, store, linker, a


def test_instantiate_and_get(env):
    wasmtime, engine, store, linker, a = env
    instance = linker.instantiate(store, wasmtime.Module(engine, B))
    assert isinstance(instance, wasmtime.Instance)
    assert instance.exports(store)["run"](store) == 11
    assert linker.get(store, "a", "one")(store) == 1
    assert isinstance(linker.get(store, "a", "mem"), wasmtime.Memory)
    assert linker.get(store, "a", "g").value(store) == 3
    assert linker.get(store, "host", "add")(store, 2, 3) == 5
    with pytest.raises(wasmtime.WasmtimeError, match="item not defined in linker"):
        linker.get(store, "a", "nope")


def test_define_func_serves_many_stores(env):
    wasmtime, engine, store, linker, a = env
    i32 = wasmtime.ValType.i32()
    linker.define_func("host", "mul", wasmtime.FuncType([i32, i32], [i32]), lambda a, b: a * b)
    module = wasmtime.Module(engine, """(module (import "host" "mul" (func $m (param i32 i32) (result i32)))
        (func (export "sq") (param i32) (result i32) (call $m (local.get 0) (local.get 0))))""")
    for _ in range(2):
        other = wasmtime.Store(engine)
        assert linker.instantiate(other, module).exports(other)["sq"](other, 7) == 49


def test_define_func_with_caller(wasmtime):
    engine = wasmtime.Engine()
    store = wasmtime.Store(engine)
    linker = wasmtime.Linker(engine)
    i32 = wasmtime.ValType.i32()
    linker.define_func("host", "peek", wasmtime.FuncType([i32], [i32]),
                       lambda caller, p: caller["memory"].read(caller, p, p + 1)[0],
                       access_caller=True)
    module = wasmtime.Module(engine, """(module (import "host" "peek" (func $p (param i32) (result i32)))
        (memory (export "memory") 1) (data (i32.const 3) "\\2a")
        (func (export "run") (result i32) (call $p (i32.const 3))))""")
    assert linker.instantiate(store, module).exports(store)["run"](store) == 42


def test_define_externs(wasmtime):
    engine = wasmtime.Engine()
    store = wasmtime.Store(engine)
    linker = wasmtime.Linker(engine)
    i32 = wasmtime.ValType.i32()
    linker.define(store, "env", "memory", wasmtime.Memory(store, wasmtime.MemoryType(wasmtime.Limits(2, None))))
    linker.define(store, "env", "g", wasmtime.Global(store, wasmtime.GlobalType(i32, False), 7))
    linker.define(store, "env", "t", wasmtime.Table(store, wasmtime.TableType(wasmtime.ValType.funcref(), wasmtime.Limits(3, None)), None))
    linker.define(store, "env", "f", wasmtime.Func(store, wasmtime.FuncType([], [i32]), lambda: 5))
    module = wasmtime.Module(engine, """(module (import "env" "memory" (memory 1))
        (import "env" "g" (global i32)) (import "env" "t" (table 1 funcref))
        (import "env" "f" (func $f (result i32)))
        (func (export "sum") (result i32)
          (i32.add (i32.add (global.get 0) (memory.size)) (i32.add (table.size 0) (call $f)))))""")
    assert linker.instantiate(store, module).exports(store)["sum"](store) == 7 + 2 + 3 + 5


def test_duplicate_definitions(env):
    wasmtime, engine, store, linker, a = env
    i32 = wasmtime.ValType.i32()
    ty = wasmtime.FuncType([i32, i32], [i32])
    with pytest.raises(wasmtime.WasmtimeError, match="import of `a::one` defined twice"):
        linker.define(store, "a", "one", a.exports(store)["one"])
    with pytest.raises(wasmtime.WasmtimeError, match="import of `host::add` defined twice"):
        linker.define_func("host", "add", ty, lambda x, y: x - y)
    with pytest.raises(wasmtime.WasmtimeError, match="import of `a::one` defined twice"):
        linker.define_instance(store, "a", a)
    linker.allow_shadowing = True
    linker.define_func("host", "add", ty, lambda x, y: x - y)
    assert linker.instantiate(store, wasmtime.Module(engine, B)).exports(store)["run"](store) == -9
    linker.allow_shadowing = False
    with pytest.raises(wasmtime.WasmtimeError, match="defined twice"):
        linker.define_func("host", "add", ty, lambda x, y: x * y)


def test_define_argument_errors(env):
    wasmtime, engine, store, linker, a = env
    with pytest.raises(TypeError):
        linker.define(store, "x", "y", 5)
    with pytest.raises(TypeError, match="expected an `Instance`"):
        linker.define_instance(store, "x", 5)
    with pytest.raises(TypeError, match="expected a `Module`"):
        linker.define_module(store, "x", 5)
    with pytest.raises(TypeError, match="expected a FuncType"):
        linker.define_func("x", "y", 5, lambda: None)
    with pytest.raises(TypeError, match="expected a `Module`"):
        linker.define_unknown_imports_as_traps(5)


def test_link_errors(env):
    wasmtime, engine, store, linker, a = env
    module = wasmtime.Module(engine, B)
    with pytest.raises(wasmtime.WasmtimeError, match="unknown import: `a::one` has not been defined"):
        wasmtime.Linker(engine).instantiate(store, module)
    other = wasmtime.Linker(engine)
    other.define_func("a", "one", wasmtime.FuncType([], [wasmtime.ValType.i64()]), lambda: 1)
    other.define_func("host", "add", wasmtime.FuncType([wasmtime.ValType.i32()] * 2,
                                                       [wasmtime.ValType.i32()]), lambda x, y: 0)
    with pytest.raises(wasmtime.WasmtimeError, match="incompatible import type for `a::one`"):
        other.instantiate(store, module)


def test_unknown_imports_as_traps(wasmtime):
    engine = wasmtime.Engine()
    store = wasmtime.Store(engine)
    linker = wasmtime.Linker(engine)
    module = wasmtime.Module(engine, B)
    linker.define_unknown_imports_as_traps(module)
    run = linker.instantiate(store, module).exports(store)["run"]
    with pytest.raises(wasmtime.WasmtimeError, match="unknown import: `a::one` has not been defined"):
        run(store)
    # Only that module's function imports were defined.
    memory_user = wasmtime.Module(engine, '(module (import "env" "memory" (memory 1)))')
    with pytest.raises(wasmtime.WasmtimeError, match="unknown import: `env::memory`"):
        linker.instantiate(store, memory_user)


def test_unknown_imports_as_default_values(wasmtime):
    engine = wasmtime.Engine()
    store = wasmtime.Store(engine)
    linker = wasmtime.Linker(engine)
    module = wasmtime.Module(engine, B)
    linker.define_unknown_imports_as_default_values(store, module)
    assert linker.instantiate(store, module).exports(store)["run"](store) == 0


REACTOR = """(module (global $c (mut i32) (i32.const 0))
  (func (export "_initialize") (global.set $c (i32.const 5)))
  (func (export "inc") (result i32) (global.set $c (i32.add (global.get $c) (i32.const 1))) (global.get $c))
  (memory (export "memory") 1) (global (export "gg") (mut i32) (i32.const 3)))"""
COMMAND = """(module (global $c (mut i32) (i32.const 0))
  (func (export "_start") (global.set $c (i32.const 5)))
  (func (export "inc") (result i32) (global.set $c (i32.add (global.get $c) (i32.const 1))) (global.get $c))
  (memory (export "memory") 1))"""


def test_define_module_reactor(wasmtime):
    engine = wasmtime.Engine()
    store = wasmtime.Store(engine)
    linker = wasmtime.Linker(engine)
    linker.define_module(store, "r", wasmtime.Module(engine, REACTOR))
    inc = linker.get(store, "r", "inc")
    assert (inc(store), inc(store)) == (6, 7)  # _initialize ran once, state is kept
    assert isinstance(linker.get(store, "r", "memory"), wasmtime.Memory)
    assert linker.get(store, "r", "gg").value(store) == 3
    assert linker.get_default(store, "r")(store) is None  # no default: a no-op


def test_define_module_command(wasmtime):
    engine = wasmtime.Engine()
    store = wasmtime.Store(engine)
    linker = wasmtime.Linker(engine)
    linker.define_module(store, "c", wasmtime.Module(engine, COMMAND))
    inc = linker.get(store, "c", "inc")
    assert (inc(store), inc(store)) == (1, 1)  # a fresh instance per call
    assert linker.get_default(store, "c")(store) is None
    assert linker.get_default(store, "c").type(store).params == []
    bad = wasmtime.Module(engine, COMMAND.replace('(memory (export "memory") 1)',
                                                  '(global (export "gg") i32 (i32.const 1))'))
    with pytest.raises(wasmtime.WasmtimeError, match="command export 'gg' is not a function"):
        linker.define_module(store, "c2", bad)


def test_define_module_resolves_imports_at_definition(wasmtime):
    engine = wasmtime.Engine()
    store = wasmtime.Store(engine)
    linker = wasmtime.Linker(engine)
    for wat in ['(module (import "x" "y" (func)))',
                '(module (import "x" "y" (func)) (func (export "_start")))']:
        with pytest.raises(wasmtime.WasmtimeError, match="unknown import: `x::y`"):
            linker.define_module(store, "m", wasmtime.Module(engine, wat))


def test_get_default(wasmtime):
    engine = wasmtime.Engine()
    store = wasmtime.Store(engine)
    linker = wasmtime.Linker(engine)
    linker.define_module(store, "e", wasmtime.Module(engine, """(module
        (global $c (mut i32) (i32.const 0))
        (func (export "") (global.set $c (i32.const 9)))
        (func (export "c") (result i32) (global.get $c)))"""))
    default = linker.get_default(store, "e")
    assert isinstance(default, wasmtime.Func)
    assert default(store) is None
    assert linker.get(store, "e", "c")(store) == 9
    missing = linker.get_default(store, "nothing-here")
    assert missing(store) is None and missing.type(store).results == []


def test_define_wasi(wasmtime):
    engine = wasmtime.Engine()
    linker = wasmtime.Linker(engine)
    linker.define_wasi()
    store = wasmtime.Store(engine)
    assert isinstance(linker.get(store, "wasi_snapshot_preview1", "fd_write"), wasmtime.Func)
    with pytest.raises(wasmtime.WasmtimeError,
                       match="import of `wasi_snapshot_preview1::args_get` defined twice"):
        linker.define_wasi()
    linker.allow_shadowing = True
    linker.define_wasi()


def test_unknown_import_called_is_also_a_trap_on_wasmtier():
    # wasmtime-py raises a plain WasmtimeError; wasmtier's is also a Trap, so
    # handlers written as `except Trap` (wasmtier's CLI) still see it.
    import wasmtier
    engine = wasmtier.Engine()
    store = wasmtier.Store(engine)
    linker = wasmtier.Linker(engine)
    module = wasmtier.Module(engine, B)
    linker.define_unknown_imports_as_traps(module)
    with pytest.raises(wasmtier.Trap):
        linker.instantiate(store, module).exports(store)["run"](store)
