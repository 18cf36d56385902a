"""Traps, host calls and re-entrancy on tier 0, through the public API.

Pins down what a user relies on: a trap raises `Trap` with the spec's
message, a `TrapCode` and a wasm backtrace naming each frame; a Python
exception raised by a host function reaches the caller unchanged; a host
function may call back into wasm; and after any of these the store keeps
working.
"""

from __future__ import annotations

import pytest

import wasmtier as wasmtime

WAT = """
(module
  (import "host" "cb" (func $cb (param i32) (result i32)))
  (memory (export "memory") 1)
  (table 2 funcref)
  (func $inner (param i32) (result i32)
    (i32.div_u (i32.const 100) (local.get 0)))
  (func $outer (export "outer") (param i32) (result i32)
    (i32.add (i32.const 1) (call $inner (local.get 0))))
  (func (export "via_host") (param i32) (result i32)
    (call $cb (local.get 0)))
  (func (export "double") (param i32) (result i32)
    (i32.mul (local.get 0) (i32.const 2)))
  (func (export "oob") (result i32) (i32.load (i32.const 65535)))
  (func (export "null_call") (result i32) (call_indirect (result i32) (i32.const 1)))
  (func $rec (export "recurse") (param i32) (result i32)
    (call $rec (i32.add (local.get 0) (i32.const 1))))
)
"""


class HostFailure(Exception):
    pass


@pytest.fixture
def env():
    store = wasmtime.Store(wasmtime.Engine())
    module = wasmtime.Module(store.engine, WAT)
    calls = []

    def cb(caller, x):
        calls.append(x)
        if x < 0:
            raise HostFailure(f"bad value {x}")
        # Re-enter wasm from the host function.
        return caller["memory"].size(caller) + exports["double"](caller, x)

    ty = wasmtime.FuncType([wasmtime.ValType.i32()], [wasmtime.ValType.i32()])
    host = wasmtime.Func(store, ty, cb, access_caller=True)
    instance = wasmtime.Instance(store, module, [host])
    exports = instance.exports(store)
    return store, exports, calls


def test_trap_has_message_code_and_backtrace(env):
    store, exports, _ = env
    with pytest.raises(wasmtime.Trap) as info:
        exports["outer"](store, 0)
    trap = info.value
    assert trap.message == "integer divide by zero"
    assert trap.trap_code == wasmtime.TrapCode.INTEGER_DIVISION_BY_ZERO
    assert [f.func_index for f in trap.frames] == [1, 2]  # inner, then outer
    assert [f.func_name for f in trap.frames] == ["inner", "outer"]
    assert all(f.module_offset > f.func_offset > 0 for f in trap.frames)
    assert str(trap).splitlines()[:2] == ["integer divide by zero", "wasm backtrace:"]
    assert exports["outer"](store, 4) == 26  # the store keeps working


@pytest.mark.parametrize("name, message, code", [
    ("oob", "out of bounds memory access", wasmtime.TrapCode.MEMORY_OUT_OF_BOUNDS),
    ("null_call", "uninitialized element 1", wasmtime.TrapCode.INDIRECT_CALL_TO_NULL),
])
def test_trap_kinds(env, name, message, code):
    store, exports, _ = env
    with pytest.raises(wasmtime.Trap) as info:
        exports[name](store)
    assert (info.value.message, info.value.trap_code) == (message, code)


def test_stack_exhaustion_traps_and_recovers(env):
    store, exports, _ = env
    with pytest.raises(wasmtime.Trap) as info:
        exports["recurse"](store, 0)
    assert info.value.message == "call stack exhausted"
    assert exports["double"](store, 21) == 42


def test_host_exception_propagates_unchanged(env):
    store, exports, calls = env
    with pytest.raises(HostFailure) as info:
        exports["via_host"](store, -3)
    assert str(info.value) == "bad value -3"
    assert calls == [-3]
    # Re-entrant call through the host: memory size (1 page) + double(5).
    assert exports["via_host"](store, 5) == 11
    assert calls == [-3, 5]


def test_many_traps_leave_the_store_usable(env):
    store, exports, _ = env
    for i in range(2000):
        with pytest.raises(wasmtime.Trap):
            exports["outer"](store, 0)
    assert exports["outer"](store, 10) == 11
