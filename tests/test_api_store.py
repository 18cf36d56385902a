"""`Store`: data, fuel, epochs, limits, WASI hookup, gc, and `ExitTrap`,
differentially on wasmtier and wasmtime-py 50 (see test_api_types.py)."""

from __future__ import annotations

import threading
import time

import pytest

LOOP = """(module
  (func (export "spin") (param i32) (result i32) (local i32)
    (block (loop (br_if 1 (i32.ge_u (local.get 1) (local.get 0)))
                 (local.set 1 (i32.add (local.get 1) (i32.const 1))) (br 0)))
    (local.get 1))
  (func (export "forever") (loop (br 0))))"""


def loop_exports(wasmtime, **settings):
    config = wasmtime.Config()
    for name, value in settings.items():
        setattr(config, name, value)
    engine = wasmtime.Engine(config)
    store = wasmtime.Store(engine)
    return engine, store, wasmtime.Instance(store, wasmtime.Module(engine, LOOP), []).exports(store)


def test_store_construction(wasmtime):
    engine = wasmtime.Engine()
    store = wasmtime.Store(engine)
    assert store.engine is engine
    assert isinstance(wasmtime.Store().engine, wasmtime.Engine)
    with pytest.raises(TypeError):
        wasmtime.Store(1)
    store.gc()


def test_store_data(wasmtime):
    # wasmtime-py: `data()` is a method, returning what Store(engine, data) got.
    payload = {"k": 1}
    assert wasmtime.Store(wasmtime.Engine(), data=payload).data() is payload
    assert wasmtime.Store(wasmtime.Engine()).data() is None


def test_fuel_requires_config(wasmtime):
    store = wasmtime.Store()
    with pytest.raises(wasmtime.WasmtimeError, match="fuel is not configured in this store"):
        store.set_fuel(5)
    with pytest.raises(wasmtime.WasmtimeError, match="fuel is not configured in this store"):
        store.get_fuel()


def test_fuel(wasmtime):
    _, store, ex = loop_exports(wasmtime, consume_fuel=True)
    assert store.get_fuel() == 0
    with pytest.raises(wasmtime.Trap) as info:
        ex["spin"](store, 10)
    assert info.value.trap_code == wasmtime.TrapCode.OUT_OF_FUEL
    assert "all fuel consumed by WebAssembly" in str(info.value)
    store.set_fuel(10_000)
    assert store.get_fuel() == 10_000
    assert ex["spin"](store, 10) == 10
    assert store.get_fuel() == 9904  # Wasmtime's default operator costs
    with pytest.raises(wasmtime.Trap) as info:
        ex["forever"](store)
    assert info.value.trap_code == wasmtime.TrapCode.OUT_OF_FUEL
    assert store.get_fuel() == 0
    store.set_fuel(1000)
    assert ex["spin"](store, 3) == 3


def test_epoch_deadline(wasmtime):
    engine, store, ex = loop_exports(wasmtime, epoch_interruption=True)
    with pytest.raises(wasmtime.Trap) as info:  # the default deadline is the current epoch
        ex["spin"](store, 10)
    assert info.value.trap_code == wasmtime.TrapCode.INTERRUPT
    store.set_epoch_deadline(1)
    assert ex["spin"](store, 10) == 10
    engine.increment_epoch()
    with pytest.raises(wasmtime.Trap) as info:
        ex["spin"](store, 10)
    assert info.value.trap_code == wasmtime.TrapCode.INTERRUPT
    store.set_epoch_deadline(1)
    assert ex["spin"](store, 10) == 10


def test_epoch_interrupts_a_running_loop_from_another_thread(wasmtime):
    engine, store, ex = loop_exports(wasmtime, epoch_interruption=True)
    store.set_epoch_deadline(1)
    ticker = threading.Timer(0.2, engine.increment_epoch)
    ticker.start()
    start = time.monotonic()
    with pytest.raises(wasmtime.Trap) as info:
        ex["forever"](store)
    ticker.join()
    assert info.value.trap_code == wasmtime.TrapCode.INTERRUPT
    assert time.monotonic() - start < 10


def test_limits_memory_size(wasmtime):
    store = wasmtime.Store()
    store.set_limits(memory_size=2 * 65536)
    mem = wasmtime.Instance(store, wasmtime.Module(store.engine, '(module (memory (export "m") 1))'),
                            []).exports(store)["m"]
    assert mem.grow(store, 1) == 1
    with pytest.raises(wasmtime.WasmtimeError, match="failed to grow memory by `1`"):
        mem.grow(store, 1)
    with pytest.raises(wasmtime.WasmtimeError, match="exceeds memory limits"):
        wasmtime.Instance(store, wasmtime.Module(store.engine, "(module (memory 3))"), [])


def test_limits_instances(wasmtime):
    store = wasmtime.Store()
    store.set_limits(instances=1)
    module = wasmtime.Module(store.engine, "(module)")
    wasmtime.Instance(store, module, [])
    with pytest.raises(wasmtime.WasmtimeError, match="resource limit exceeded: instance count too high"):
        wasmtime.Instance(store, module, [])


EXIT = """(module (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start") (call $exit (i32.const 3))))"""


def test_exit_trap(wasmtime):
    engine = wasmtime.Engine()
    store = wasmtime.Store(engine)
    store.set_wasi(wasmtime.WasiConfig())
    linker = wasmtime.Linker(engine)
    linker.define_wasi()
    start = linker.instantiate(store, wasmtime.Module(engine, EXIT)).exports(store)["_start"]
    with pytest.raises(wasmtime.ExitTrap) as info:
        start(store)
    assert info.value.code == 3
    assert isinstance(info.value, wasmtime.WasmtimeError)
