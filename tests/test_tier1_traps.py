"""The host survives the guest through compiled code (tier 1).

With ``Config.strategy = "baseline"`` every wasm function is compiled by
tier 1 at instantiation; each test first checks that the exports it calls
really run compiled (`TierManager.tier_of(sid) == "baseline"`).  Then:

* 10,000 traps of each kind in one process -- out-of-bounds load (SIGSEGV on
  the guard region), integer divide by zero, stack overflow (unbounded
  recursion to the ~1 MiB wasm stack limit), `unreachable` -- each a
  `wasmtier.Trap` with the right `trap_code`, the spec's message and a
  backtrace naming the trapping function; the trap shim counts exactly one
  landing per trap; every 1,000 traps a normal call still returns the right
  value; resident memory stays flat (VmRSS after the first 1,000 vs after
  all 10,000: a leak check with a generous bound, not a timing);
* a host function's own exception crosses compiled frames unchanged (the
  same object), and so does a trap raised by a nested wasm call inside a
  host function; the store keeps working afterwards;
* call_indirect: null element -> "uninitialized element N", wrong type ->
  "indirect call type mismatch", past the table -> "undefined element".

No timed asserts: the time per trap of each kind is printed (``-s``) only.
"""

from __future__ import annotations

import time

import pytest

import wasmtier
from wasmtier.runtime.native import signals
from wasmtier.runtime.trap import TRAP_MESSAGES, TrapCode

# Function names (name section, what backtraces print) differ from the
# export names on purpose, so a backtrace check cannot pass on the export.
WAT = """
(module
  (import "host" "cb" (func $host_cb (param i32) (result i32)))
  (memory (export "memory") 1)
  (type $i_i (func (param i32) (result i32)))
  (type $v_v (func))
  (table 4 funcref)
  (elem (i32.const 0) $double_it $nothing)
  (func $double_it (export "double") (param i32) (result i32)
    (i32.mul (local.get 0) (i32.const 2)))
  (func $nothing)
  (func $load_oob (export "oob") (param i32) (result i32)
    (i32.load (local.get 0)))
  (func $divide (export "div") (param i32 i32) (result i32)
    (i32.div_s (local.get 0) (local.get 1)))
  (func $runaway (export "recurse") (param i32) (result i32)
    (i32.add (i32.const 1) (call $runaway (i32.add (local.get 0) (i32.const 1)))))
  (func $stop (export "unreachable")
    unreachable)
  (func $to_host (export "via_host") (param i32) (result i32)
    (i32.add (i32.const 1000) (call $host_cb (local.get 0))))
  (func $to_host_deep (export "via_host_deep") (param i32) (result i32)
    (i32.add (i32.const 1) (call $to_host (local.get 0))))
  (func $dispatch (export "call_indirect") (param i32 i32) (result i32)
    (call_indirect (type $i_i) (local.get 0) (local.get 1)))
)
"""

FUNC_INDEX = {"double_it": 1, "nothing": 2, "load_oob": 3, "divide": 4, "runaway": 5,
              "stop": 6, "to_host": 7, "to_host_deep": 8, "dispatch": 9}

TRAPS = 10_000
CHECK_EVERY = 1_000
RSS_BOUND = 16 << 20


class MyError(Exception):
    pass


class Env:
    """A baseline-strategy store with the module instantiated; the host
    function `cb` does what `self.host_action` says."""

    def __init__(self):
        cfg = wasmtier.Config()
        cfg.strategy = "baseline"
        self.engine = wasmtier.Engine(cfg)
        self.store = wasmtier.Store(self.engine)
        self.module = wasmtier.Module(self.engine, WAT)
        self.host_action = lambda caller, x: x + 1
        self.host_calls = 0

        def cb(caller, x):
            self.host_calls += 1
            return self.host_action(caller, x)

        ty = wasmtier.FuncType([wasmtier.ValType.i32()], [wasmtier.ValType.i32()])
        host = wasmtier.Func(self.store, ty, cb, access_caller=True)
        self.instance = wasmtier.Instance(self.store, self.module, [host])
        self.exports = self.instance.exports(self.store)

    def tier(self, export: str) -> str:
        func = self.exports[export]
        return self.store._tiers.tier_of(func._extern.entry.sid)

    def __getitem__(self, export: str):
        return self.exports[export]


@pytest.fixture(scope="module")
def env():
    e = Env()
    for name in ("double", "oob", "div", "recurse", "unreachable", "via_host",
                 "via_host_deep", "call_indirect"):
        assert e.tier(name) == "baseline", f"{name} does not run compiled"
    return e


def vm_rss() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def assert_trap(trap: BaseException, code: TrapCode, func: str, message: str | None = None):
    assert type(trap) is wasmtier.Trap, repr(trap)
    assert trap.trap_code == code
    assert trap.message == (message if message is not None else TRAP_MESSAGES[code])
    assert trap.frames, "no wasm backtrace"
    top = trap.frames[0]
    assert top.func_index == FUNC_INDEX[func] and top.func_name == func
    assert top.module_offset > 0
    lines = str(trap).splitlines()
    assert lines[:2] == [trap.message, "wasm backtrace:"]
    assert f"!{func}" in lines[2], str(trap)


# ---------------------------------------------------- 10,000 traps per kind

KINDS = [
    # id, export, args, code, trapping function
    ("out_of_bounds", "oob", (65536 - 2,), TrapCode.MEMORY_OUT_OF_BOUNDS, "load_oob"),
    ("divide_by_zero", "div", (7, 0), TrapCode.INTEGER_DIVISION_BY_ZERO, "divide"),
    ("stack_overflow", "recurse", (0,), TrapCode.STACK_OVERFLOW, "runaway"),
    ("unreachable", "unreachable", (), TrapCode.UNREACHABLE, "stop"),
]


@pytest.mark.parametrize("export, args, code, func",
                         [k[1:] for k in KINDS], ids=[k[0] for k in KINDS])
def test_ten_thousand_traps_with_flat_memory(env, export, args, code, func):
    store, fn, double = env.store, env[export], env["double"]
    assert env.tier(export) == "baseline"
    landings0 = signals.trap_count()
    rss_first = None
    t0 = time.perf_counter()
    for i in range(1, TRAPS + 1):
        try:
            fn(store, *args)
        except wasmtier.Trap as trap:
            if i == 1 or i == TRAPS:
                assert_trap(trap, code, func)
            elif trap.trap_code != code:        # cheap check for the rest
                assert_trap(trap, code, func)
        else:
            pytest.fail(f"call {i} of {export}{args} returned instead of trapping")
        if i % CHECK_EVERY == 0:
            assert double(store, i) == 2 * i, f"store broken after {i} traps"
            if i == CHECK_EVERY:
                rss_first = vm_rss()
    elapsed = time.perf_counter() - t0
    rss_last = vm_rss()
    landings = signals.trap_count() - landings0
    print(f"\n{export}: {TRAPS} traps in {elapsed:.2f}s ({elapsed / TRAPS * 1e6:.1f} us/trap); "
          f"VmRSS after {CHECK_EVERY}: {rss_first / 2**20:.1f} MiB, after {TRAPS}: "
          f"{rss_last / 2**20:.1f} MiB (growth {(rss_last - rss_first) / 1024:+.0f} KiB)")
    # Every trap went through the native landing pad, once.
    assert landings == TRAPS
    assert rss_last - rss_first < RSS_BOUND
    # Still compiled, still working.
    assert env.tier(export) == "baseline"
    assert double(store, 21) == 42
    assert env["div"](store, -42, 6) == -7
    assert env["oob"](store, 65536 - 4) == 0


def test_normal_calls_between_traps_of_every_kind(env):
    store = env.store
    for i in range(200):
        for _, export, args, code, func in KINDS:
            with pytest.raises(wasmtier.Trap) as info:
                env[export](store, *args)
            assert info.value.trap_code == code
            assert env["double"](store, i) == 2 * i


# ------------------------------------------------------------ host crossings

def test_host_exception_propagates_unchanged(env):
    store = env.store
    assert env["via_host"](store, 5) == 1006          # compiled -> host -> compiled
    assert env["via_host_deep"](store, 5) == 1007
    errors = []

    def fail(caller, x):
        err = MyError(f"host failed on {x}")
        errors.append(err)
        raise err

    env.host_action = fail
    try:
        for export in ("via_host", "via_host_deep"):
            for i in range(1000):
                with pytest.raises(MyError) as info:
                    env[export](store, i)
                assert info.value is errors[-1]
                assert str(info.value) == f"host failed on {i}"
    finally:
        env.host_action = lambda caller, x: x + 1
    # The store, the host function and compiled callers keep working.
    assert env["via_host"](store, 1) == 1002
    assert env["via_host_deep"](store, 1) == 1003
    assert env["double"](store, 4) == 8
    with pytest.raises(wasmtier.Trap) as info:        # and traps are still traps
        env["div"](store, 1, 0)
    assert_trap(info.value, TrapCode.INTEGER_DIVISION_BY_ZERO, "divide")


def test_trap_in_nested_wasm_call_propagates_through_host(env):
    store = env.store
    inner_traps = []

    def nested(caller, x):
        try:
            return env["div"](caller, 100, x)          # compiled -> host -> compiled
        except wasmtier.Trap as t:
            inner_traps.append(t)
            raise

    env.host_action = nested
    try:
        assert env["via_host"](store, 4) == 1025
        for export in ("via_host", "via_host_deep"):
            for _ in range(1000):
                with pytest.raises(wasmtier.Trap) as info:
                    env[export](store, 0)
                assert info.value is inner_traps[-1]
                assert_trap(info.value, TrapCode.INTEGER_DIVISION_BY_ZERO, "divide")
        assert env["via_host_deep"](store, 5) == 1021
    finally:
        env.host_action = lambda caller, x: x + 1
    assert env["via_host"](store, 1) == 1002
    assert env["double"](store, 50) == 100


def test_host_exception_while_nested_wasm_traps(env):
    """The host catches the nested trap and raises its own exception:
    the outer caller sees the host's exception, not the trap."""
    store = env.store

    def convert(caller, x):
        try:
            env["unreachable"](caller)
        except wasmtier.Trap as t:
            raise MyError("converted") from t

    env.host_action = convert
    try:
        with pytest.raises(MyError) as info:
            env["via_host_deep"](store, 0)
        assert isinstance(info.value.__cause__, wasmtier.Trap)
        assert info.value.__cause__.trap_code == TrapCode.UNREACHABLE
    finally:
        env.host_action = lambda caller, x: x + 1
    assert env["via_host_deep"](store, 0) == 1002


# ------------------------------------------------------------ call_indirect

def test_call_indirect_traps(env):
    store, dispatch = env.store, env["call_indirect"]
    assert dispatch(store, 21, 0) == 42                # $double_it at element 0
    for element in (2, 3):                              # null elements of a 4-entry table
        with pytest.raises(wasmtier.Trap) as info:
            dispatch(store, 1, element)
        assert_trap(info.value, TrapCode.INDIRECT_CALL_TO_NULL, "dispatch",
                    f"uninitialized element {element}")
    with pytest.raises(wasmtier.Trap) as info:          # $nothing: [] -> [], not i32 -> i32
        dispatch(store, 1, 1)
    assert_trap(info.value, TrapCode.BAD_SIGNATURE, "dispatch", "indirect call type mismatch")
    for element in (4, 100, -1):                        # past the table's end
        with pytest.raises(wasmtier.Trap) as info:
            dispatch(store, 1, element)
        assert_trap(info.value, TrapCode.UNDEFINED_ELEMENT, "dispatch", "undefined element")
    assert dispatch(store, 5, 0) == 10
