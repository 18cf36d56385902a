"""The tier manager: strategies, counters and thresholds, publishing, the
background compiler, OSR, calls across tiers, and the tier log.

Every test checks *where* code ran (`TierManager.tier_of`, the log) as well
as *what* it computed (against the interpreter).
"""

from __future__ import annotations

import json
import threading
import time

import pytest

import wasmtier
from wasmtier.tiers import manager as tier_manager

LONG_LOOP = """(module
  (func (export "sum") (param $n i32) (result i64) (local $acc i64)
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $acc (i64.add (local.get $acc)
                                 (i64.mul (i64.extend_i32_u (local.get $n)) (i64.const 3))))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $l)))
    (local.get $acc)))"""

CALLS = """(module
  (import "host" "twice" (func $twice (param i64) (result i64)))
  (import "host" "boom" (func $boom))
  (type $ii (func (param i32) (result i32)))
  (table 4 funcref)
  (elem (i32.const 0) $inc $dbl)
  (func $inc (type $ii) (i32.add (local.get 0) (i32.const 1)))
  (func $dbl (type $ii) (i32.mul (local.get 0) (i32.const 2)))
  (func (export "indirect") (param i32 i32) (result i32)
    (call_indirect (type $ii) (local.get 1) (local.get 0)))
  (func (export "host") (param i64) (result i64) (call $twice (local.get 0)))
  (func (export "boom") (call $boom))
  (func $many (export "many") (param i32 i64 f32 f64 i32 i64 f32 f64 i32 i64 f64) (result f64)
    (f64.add
      (f64.add (f64.convert_i32_s (local.get 0)) (f64.convert_i64_s (local.get 1)))
      (f64.add
        (f64.add (f64.promote_f32 (local.get 2)) (local.get 3))
        (f64.add (f64.add (f64.convert_i32_s (local.get 8)) (f64.convert_i64_s (local.get 9)))
                 (local.get 10)))))
  (func (export "call_many") (result f64)
    (call $many (i32.const 1) (i64.const 2) (f32.const 3) (f64.const 4) (i32.const 5)
                (i64.const 6) (f32.const 7) (f64.const 8) (i32.const 9) (i64.const 10)
                (f64.const 11)))
  (func $fac (export "fac") (param i64) (result i64)
    (if (result i64) (i64.eqz (local.get 0)) (then (i64.const 1))
      (else (i64.mul (local.get 0) (call $fac (i64.sub (local.get 0) (i64.const 1)))))))
  (func $deep (export "deep") (param i32) (result i32)
    (i32.add (i32.const 1) (call $deep (local.get 0))))
  (memory (export "mem") 1 3)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "load_last") (result i32) (i32.load (i32.const 131068))))"""


class Boom(Exception):
    pass


def make(wat, strategy="auto", **settings):
    config = wasmtier.Config()
    config.strategy = strategy
    for key, value in settings.items():
        setattr(config, key, value)
    engine = wasmtier.Engine(config)
    store = wasmtier.Store(engine)
    module = wasmtier.Module(engine, wat)
    imports = []
    for imp in module.imports:
        if imp.name == "twice":
            imports.append(wasmtier.Func(store, imp.type, lambda x: 2 * x))
        elif imp.name == "boom":
            def boom():
                raise Boom("from the host")
            imports.append(wasmtier.Func(store, imp.type, boom))
    instance = wasmtier.Instance(store, module, imports)
    return store, instance.exports(store)


def sid_of(func) -> int:
    return func._extern.entry.sid


def kinds(store, kind):
    return [e for e in store._tiers.log.events if e["kind"] == kind]


# -- OSR ------------------------------------------------------------------------------

def test_a_single_long_call_finishes_in_baseline_code_through_osr(tmp_path):
    """The must-show: one call, one long loop; the log has an `osr` event for
    that loop and the result equals the interpreter's."""
    n = 3_000_000
    store_i, ex_i = make(LONG_LOOP, "interp")
    want = ex_i["sum"](store_i, n)
    assert want == 3 * n * (n + 1) // 2

    log = tmp_path / "tiers.jsonl"
    store, ex = make(LONG_LOOP, "auto", tier_log=str(log))
    assert ex["sum"](store, n) == want
    events = [json.loads(line) for line in log.read_text().splitlines()]
    osr = [e for e in events if e["kind"] == "osr"]
    assert len(osr) == 1
    loop_offset = osr[0]["loop"]
    module = store._tiers.native.installed  # the compiled function has that loop
    (inst,) = module.values()
    assert loop_offset in inst.cf.osr_entries
    assert [e["kind"] for e in events] == ["threshold", "compile_start", "compile_end",
                                           "publish", "osr"]
    assert store._tiers.tier_of(sid_of(ex["sum"])) == "baseline"
    # the loop crossed the default threshold (150 iterations) long before the end
    assert osr[0]["t"] < 5.0


@pytest.mark.parametrize("threshold", [0, 1, 500])
def test_osr_at_any_threshold_gives_the_interpreters_result(threshold):
    store_i, ex_i = make(LONG_LOOP, "interp")
    store, ex = make(LONG_LOOP, "auto", tier_up_baseline=threshold, background_compile=False)
    for n in (10_000, 0, 1, 2, threshold, threshold + 1, 10_000):
        assert ex["sum"](store, n) == ex_i["sum"](store_i, n)
    osr = kinds(store, "osr")
    assert len(osr) == 1                 # the first call moves over; later ones start compiled
    assert store._tiers.tier_of(sid_of(ex["sum"])) == "baseline"


def test_osr_can_be_switched_off():
    store, ex = make(LONG_LOOP, "auto", osr=False, tier_up_baseline=10,
                     background_compile=False)
    assert ex["sum"](store, 100_000) == 3 * 100_000 * 100_001 // 2
    assert kinds(store, "osr") == []
    # published (the counter crossed at the loop), so the next call is compiled
    assert store._tiers.tier_of(sid_of(ex["sum"])) == "baseline"


# -- thresholds and the background compiler -------------------------------------------------

def test_calls_count_15_towards_the_threshold():
    store, ex = make(CALLS, "auto", tier_up_baseline=150, background_compile=False)
    sid = sid_of(ex["fac"])
    assert ex["fac"](store, 0) == 1        # fac(0): one entry, no recursion
    for _ in range(8):
        ex["fac"](store, 0)
    assert store._tiers.tier_of(sid) == "interp"      # 9 calls: -150 + 135 < 0
    ex["fac"](store, 0)                                # the 10th reaches 0
    assert store._tiers.tier_of(sid) == "baseline"
    assert [e["kind"] for e in store._tiers.log.events] == [
        "threshold", "compile_start", "compile_end", "publish"]
    assert ex["fac"](store, 20) == 2432902008176640000


def test_background_compile_publishes_while_the_guest_runs():
    store, ex = make(LONG_LOOP, "auto", tier_up_baseline=0)
    total = 0
    for _ in range(200):                 # short calls: tier 0 until published
        total += ex["sum"](store, 50)
        if store._tiers.tier_of(sid_of(ex["sum"])) == "baseline":
            break
        time.sleep(0.001)
    assert tier_manager._compiler().wait_idle(30)
    assert store._tiers.tier_of(sid_of(ex["sum"])) == "baseline"
    assert kinds(store, "publish") and ex["sum"](store, 50) == 3 * 50 * 51 // 2


def test_interp_strategy_never_compiles():
    store, ex = make(CALLS, "interp")
    for _ in range(300):
        ex["fac"](store, 5)
    assert store._tiers.native is None and store._tiers.log.events == []
    assert store._tiers.tier_of(sid_of(ex["fac"])) == "interp"


def test_fuel_is_metered_in_compiled_code_and_across_osr():
    """Fuel is one store-wide counter: tier 0 and tier 1 charge the same
    regions, also when a frame moves between them by OSR."""
    used = {}
    for strategy, extra in (("interp", {}), ("baseline", {}),
                            ("auto", {"tier_up_baseline": 0, "background_compile": False})):
        store, ex = make(LONG_LOOP, strategy, consume_fuel=True, **extra)
        store.set_fuel(10**9)
        assert ex["sum"](store, 5000) == 3 * 5000 * 5001 // 2
        used[strategy] = 10**9 - store.get_fuel()
        if strategy != "interp":
            assert store._tiers.tier_of(sid_of(ex["sum"])) == "baseline"
    assert used["baseline"] == used["interp"] == used["auto"]
    store, ex = make(LONG_LOOP, "baseline", consume_fuel=True)
    store.set_fuel(1000)
    with pytest.raises(wasmtier.Trap) as info:
        ex["sum"](store, 5000)
    assert info.value.trap_code == wasmtier.TrapCode.OUT_OF_FUEL
    assert 0 <= store.get_fuel() < 1000
    store.set_fuel(10**6)
    assert ex["sum"](store, 10) == 165


def test_a_new_instance_of_a_compiled_module_starts_compiled():
    config = wasmtier.Config()
    config.tier_up_baseline = 0
    config.background_compile = False
    engine = wasmtier.Engine(config)
    store = wasmtier.Store(engine)
    module = wasmtier.Module(engine, LONG_LOOP)
    first = wasmtier.Instance(store, module, []).exports(store)
    first["sum"](store, 10)
    second = wasmtier.Instance(store, module, []).exports(store)
    assert store._tiers.tier_of(sid_of(second["sum"])) == "baseline"
    assert second["sum"](store, 10) == 165
    assert len(kinds(store, "compile_end")) == 1       # compiled once, published twice
    assert len(kinds(store, "publish")) == 2


# -- calls across tiers ----------------------------------------------------------------------

@pytest.mark.parametrize("strategy", ["baseline", "auto"])
def test_calls_agree_with_the_interpreter(strategy):
    store_i, ex_i = make(CALLS, "interp")
    store, ex = make(CALLS, strategy, tier_up_baseline=0, background_compile=False)
    for name, args in [("indirect", [0, 5]), ("indirect", [1, 5]), ("host", [21]),
                       ("call_many", []), ("fac", [15]), ("grow", [1]), ("grow", [5]),
                       ("load_last", [])]:
        for _ in range(3):              # auto: interp first, then compiled
            assert ex[name](store, *args) == ex_i[name](store_i, *args), name
    assert store._tiers.tier_of(sid_of(ex["call_many"])) == "baseline"


def test_traps_and_host_exceptions_cross_compiled_frames():
    store, ex = make(CALLS, "baseline")
    with pytest.raises(wasmtier.Trap) as info:
        ex["indirect"](store, 2, 1)
    assert info.value.message == "uninitialized element 2"
    with pytest.raises(wasmtier.Trap) as info:
        ex["indirect"](store, 9, 1)
    assert info.value.message == "undefined element"
    with pytest.raises(Boom) as info:
        ex["boom"](store)
    assert str(info.value) == "from the host"
    with pytest.raises(wasmtier.Trap) as info:
        ex["deep"](store, 0)
    assert info.value.trap_code == wasmtier.TrapCode.STACK_OVERFLOW
    assert "deep" in str(info.value)
    assert ex["fac"](store, 10) == 3628800          # the store keeps working
    assert ex["grow"](store, 1) == 1 and ex["load_last"](store) == 0


def test_epoch_interruption_stops_compiled_loops():
    config = wasmtier.Config()
    config.strategy = "baseline"
    config.epoch_interruption = True
    engine = wasmtier.Engine(config)
    store = wasmtier.Store(engine)
    module = wasmtier.Module(engine, """(module (func (export "spin") (loop $l (br $l))))""")
    spin = wasmtier.Instance(store, module, []).exports(store)["spin"]
    assert store._tiers.tier_of(sid_of(spin)) == "baseline"
    store.set_epoch_deadline(1)
    timer = threading.Timer(0.2, engine.increment_epoch)
    timer.start()
    with pytest.raises(wasmtier.Trap) as info:
        spin(store)
    timer.join()
    assert info.value.trap_code == wasmtier.TrapCode.INTERRUPT


def test_compiled_backtraces_match_the_interpreters():
    wat = """(module
      (func $a (export "a") (param i32) (result i32) (call $b (local.get 0)))
      (func $b (param i32) (result i32) (i32.add (i32.const 1) (call $c (local.get 0))))
      (func $c (param i32) (result i32) (i32.div_u (i32.const 1) (local.get 0))))"""
    traces = {}
    for strategy in ("interp", "baseline"):
        store, ex = make(wat, strategy)
        with pytest.raises(wasmtier.Trap) as info:
            ex["a"](store, 0)
        traces[strategy] = [(f.func_name, f.func_offset) for f in info.value.frames]
    assert traces["baseline"] == traces["interp"]
    assert [name for name, _ in traces["baseline"]] == ["c", "b", "a"]
