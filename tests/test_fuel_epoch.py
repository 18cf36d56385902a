"""Fuel and epoch interruption on every tier.

Fuel is pinned against wasmtime: for every program of programs/ and every
recorded input, the fuel wasmtier consumes equals the fuel wasmtime consumed
(recorded in programs/expected.json by programs/record_expected.py) -- on
tier 0, on tier 1 ("baseline"), and tiered with a low threshold ("auto":
the run crosses from tier 0 to tier 1 by OSR in the middle of a loop, and
the count must still be exact).
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

import wasmtier as wasmtime

PROGRAMS = Path(__file__).resolve().parent.parent / "programs"
EXPECTED = json.loads((PROGRAMS / "expected.json").read_text())["programs"]
CASES = [(name, int(n), r["value"], r["fuel"]) for name, p in EXPECTED.items()
         for n, r in p["results"].items() if r["fuel"] <= 500_000]

LOOP = """
(module
  (func (export "count") (param i32) (result i32) (local i32)
    (loop $l
      (local.set 1 (i32.add (local.get 1) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get 1) (local.get 0))))
    (local.get 1)))
"""


def fuel_store(**config):
    cfg = wasmtime.Config()
    for key, value in config.items():
        setattr(cfg, key, value)
    return wasmtime.Store(wasmtime.Engine(cfg))


TIERS = {"interp": {"strategy": "interp"}, "baseline": {"strategy": "baseline"},
         "auto": {"strategy": "auto", "tier_up_baseline": 40, "background_compile": False}}


@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize("name, n, value, fuel", CASES,
                         ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_fuel_matches_wasmtime(name, n, value, fuel, tier):
    store = fuel_store(consume_fuel=True, **TIERS[tier])
    store.set_fuel(10**12)
    module = wasmtime.Module.from_file(store.engine, str(PROGRAMS / EXPECTED[name]["wasm"]))
    run = wasmtime.Instance(store, module, []).exports(store)["run"]
    assert run(store, n) == value
    assert 10**12 - store.get_fuel() == fuel
    if tier != "interp" and fuel > 10_000:
        assert store._tiers.published        # the hot code did run compiled


@pytest.mark.parametrize("tier", TIERS)
def test_out_of_fuel_traps_and_store_recovers(tier):
    store = fuel_store(consume_fuel=True, **TIERS[tier])
    count = wasmtime.Instance(store, wasmtime.Module(store.engine, LOOP), []).exports(store)["count"]
    store.set_fuel(100)
    with pytest.raises(wasmtime.Trap) as info:
        count(store, 1000)
    assert info.value.message == "all fuel consumed by WebAssembly"
    assert info.value.trap_code == wasmtime.TrapCode.OUT_OF_FUEL
    assert store.get_fuel() < 100
    store.set_fuel(10**6)
    assert count(store, 1000) == 1000


def test_fuel_needs_the_config():
    store = wasmtime.Store(wasmtime.Engine())
    with pytest.raises(wasmtime.WasmtimeError):
        store.set_fuel(10)
    with pytest.raises(wasmtime.WasmtimeError):
        store.get_fuel()


def test_epoch_deadline_interrupts_a_running_loop():
    store = fuel_store(epoch_interruption=True)
    count = wasmtime.Instance(store, wasmtime.Module(store.engine, LOOP), []).exports(store)["count"]
    store.set_epoch_deadline(1)
    assert count(store, 1000) == 1000  # the deadline has not passed
    ticker = threading.Timer(0.1, store.engine.increment_epoch)
    ticker.start()
    with pytest.raises(wasmtime.Trap) as info:
        count(store, 2**31 - 1)  # would run for seconds
    ticker.join()
    assert info.value.trap_code == wasmtime.TrapCode.INTERRUPT
    store.set_epoch_deadline(1)
    assert count(store, 10) == 10
