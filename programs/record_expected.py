"""Record the expected results of programs/ into programs/expected.json.

The compute programs each export ``run(n: i32) -> i64``.  For every program
this script fixes the inputs used by the tests and benchmarks (the table
``INPUTS`` below is the single source of truth for them) and records, per n,

* ``value``  -- run(n) as a signed i64, computed with wasmtime-py;
* ``fuel``   -- the wasmtime fuel the call consumed, which is the project's
  exact count of executed wasm instructions (see FUEL_RULE).

Because every program is deterministic (integer arithmetic wraps, f64 is IEEE
binary64 without FMA contraction in wasm), any conforming runtime must return
the same values; `--check-pywasm` re-runs the small inputs on pywasm as an
independent second opinion before writing.

It also records the stdout of the WASI program programs/hello/primes.wasm
(run with wasmtime-py, stdout to a file) as primes.stdout.expected.

    python programs/record_expected.py [--check-pywasm]

Rebuild the .wasm first (programs/build.sh) if a .wat changed.
"""

from __future__ import annotations

import io
import json
import sys
import tempfile
from pathlib import Path

import wasmtime

HERE = Path(__file__).resolve().parent

FUEL_RULE = (
    "instructions = wasmtime fuel consumed by run(n) with Config.consume_fuel "
    "and the default OperatorCost: every executed wasm operator costs 1 except "
    "nop, drop, block, loop, else, end, return and unreachable (cost 0); "
    "fuel is charged per operator on the executed path only (wasmtime flushes "
    "its buffered count at every branch, call and return), so for programs "
    "that do not trap it is an exact count of executed non-free operators."
)

# program -> inputs.  test: checked exactly by tests/test_programs.py on every
# runtime; small: the benchmark input for pywasm (~0.1 M instructions, ~0.3 s
# there); large: the benchmark input for wasmtier and wasmtime (~10-30 M
# instructions).
INPUTS = {
    "fib":    {"test": [0, 1, 2, 10, 15], "small": 16, "large": 29},
    "sieve":  {"test": [0, 2, 3, 100, 1000], "small": 2500, "large": 500_000},
    "hash":   {"test": [0, 1, 8, 9, 1000], "small": 2000, "large": 400_000},
    "mandel": {"test": [0, 1, 4, 16], "small": 12, "large": 160},
    "vm":     {"test": [0, 1, 2, 100], "small": 200, "large": 50_000},
}


def measure(wasm: bytes, n: int) -> tuple[int, int]:
    """(run(n), fuel consumed) on a fresh wasmtime instance with fuel on."""
    cfg = wasmtime.Config()
    cfg.consume_fuel = True
    engine = wasmtime.Engine(cfg)
    store = wasmtime.Store(engine)
    budget = 1 << 62
    store.set_fuel(budget)
    inst = wasmtime.Instance(store, wasmtime.Module(engine, wasm), [])
    value = inst.exports(store)["run"](store, n)
    return value, budget - store.get_fuel()


def pywasm_run(wasm: bytes, n: int) -> int:
    import pywasm

    rt = pywasm.core.Runtime()
    inst = rt.instance(pywasm.core.ModuleDesc.from_reader(io.BytesIO(wasm)))
    return rt.invocate(inst, "run", [n])[0]


def hello_stdout(path: Path) -> bytes:
    engine = wasmtime.Engine()
    store = wasmtime.Store(engine)
    linker = wasmtime.Linker(engine)
    linker.define_wasi()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "stdout"
        wasi = wasmtime.WasiConfig()
        wasi.stdout_file = str(out)
        store.set_wasi(wasi)
        inst = linker.instantiate(store, wasmtime.Module.from_file(engine, str(path)))
        try:
            inst.exports(store)["_start"](store)
        except wasmtime.ExitTrap as e:
            if e.code != 0:
                raise
        return out.read_bytes()


def main() -> None:
    check = "--check-pywasm" in sys.argv
    table: dict = {"fuel_rule": FUEL_RULE, "programs": {}}
    for name, inputs in INPUTS.items():
        wasm = (HERE / f"{name}.wasm").read_bytes()
        ns = sorted(set(inputs["test"]) | {inputs["small"], inputs["large"]})
        results = {}
        for n in ns:
            value, fuel = measure(wasm, n)
            if check and n <= inputs["small"]:
                other = pywasm_run(wasm, n)
                assert other == value, (name, n, value, other)
            results[str(n)] = {"value": value, "fuel": fuel}
            print(f"{name:7} n={n:<8} value={value:<21} fuel={fuel}")
        table["programs"][name] = {
            "wasm": f"{name}.wasm", "export": "run", "result": "i64",
            "n": inputs, "results": results,
        }
    (HERE / "expected.json").write_text(json.dumps(table, indent=1) + "\n")
    for wasm in sorted((HERE / "hello").glob("*.wasm")):
        expected = wasm.with_suffix(".stdout.expected")
        expected.write_bytes(hello_stdout(wasm))
        print(f"wrote {expected.relative_to(HERE)}")


if __name__ == "__main__":
    main()
