"""The project's own programs (programs/) run with exact results.

Design
------
Every runtime is driven through the wasmtime-py embedding API only, so the
same test runs on wasmtier (which copies that API) and on wasmtime-py (the
reference, which also checks that the recorded expectations are right):

    runtime id        module     Config
    wasmtier          wasmtier   default (tiered)
    wasmtier-interp   wasmtier   cfg.strategy = "interp" (tier 0 only)
    wasmtime          wasmtime   default

``pytest.importorskip`` guards only the import of the runtime module: if
wasmtier imports but its API is missing or broken, these tests fail loudly.

What is checked
---------------
* compute programs (fib, sieve, hash, mandel, vm): ``run(n)`` equals the
  value recorded in programs/expected.json, for each of the program's test
  inputs, all on one instance (so a call must not depend on earlier calls);
* the recorded fuel (the instruction counts benches/bench_interp.py divides
  by) is what wasmtime measures today, and each .wasm is what its .wat
  assembles to -- so a stale build or table cannot slip through;
* the WASI command programs/hello/primes.wasm, run as a wasmtime-py user runs
  one (Linker + define_wasi, WasiConfig.stdout_file to a temporary file,
  Store.set_wasi, call ``_start``; ``proc_exit(0)`` surfaces as ExitTrap with
  code 0), writes exactly primes.stdout.expected.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run from a checkout without installing wasmtier
    sys.path.insert(0, str(ROOT))
PROGRAMS = ROOT / "programs"
TABLE = json.loads((PROGRAMS / "expected.json").read_text())["programs"]
HELLO = sorted((PROGRAMS / "hello").glob("*.wasm"))

RUNTIMES = {
    "wasmtier": ("wasmtier", None),
    "wasmtier-interp": ("wasmtier", "interp"),
    "wasmtime": ("wasmtime", None),
}

CASES = [(p, n) for p, entry in TABLE.items() for n in entry["n"]["test"]]


class Runtime:
    """A runtime module plus one Engine configured for the test."""

    def __init__(self, rid: str):
        modname, strategy = RUNTIMES[rid]
        self.mod = pytest.importorskip(modname)
        cfg = self.mod.Config()
        if strategy is not None:
            cfg.strategy = strategy
        self.engine = self.mod.Engine(cfg)
        self._instances: dict[str, tuple] = {}

    def run_export(self, program: str):
        """(store, run) of one instance of `program`, shared by its tests."""
        if program not in self._instances:
            wasm = (PROGRAMS / TABLE[program]["wasm"]).read_bytes()
            store = self.mod.Store(self.engine)
            module = self.mod.Module(self.engine, wasm)
            instance = self.mod.Instance(store, module, [])
            self._instances[program] = (store, instance.exports(store)["run"])
        return self._instances[program]


@pytest.fixture(scope="module", params=list(RUNTIMES))
def runtime(request) -> Runtime:
    return Runtime(request.param)


@pytest.mark.parametrize("program,n", CASES, ids=[f"{p}-{n}" for p, n in CASES])
def test_compute_program(runtime, program, n):
    store, run = runtime.run_export(program)
    assert run(store, n) == TABLE[program]["results"][str(n)]["value"]


@pytest.mark.parametrize("wasm", HELLO, ids=[w.stem for w in HELLO])
def test_hello_stdout(runtime, wasm, tmp_path):
    rt = runtime.mod
    store = rt.Store(runtime.engine)
    linker = rt.Linker(runtime.engine)
    linker.define_wasi()
    wasi = rt.WasiConfig()
    out = tmp_path / "stdout"
    wasi.stdout_file = str(out)
    store.set_wasi(wasi)
    instance = linker.instantiate(store, rt.Module(runtime.engine, wasm.read_bytes()))
    try:
        instance.exports(store)["_start"](store)
    except rt.ExitTrap as e:  # WASI proc_exit; any nonzero code is a failure
        assert e.code == 0
    assert out.read_bytes() == wasm.with_suffix(".stdout.expected").read_bytes()


# ---------------------------------------------------- the recorded data itself

@pytest.mark.parametrize("program,n", CASES, ids=[f"{p}-{n}" for p, n in CASES])
def test_recorded_fuel_is_current(program, n):
    """The instruction count in expected.json is wasmtime's fuel today."""
    wasmtime = pytest.importorskip("wasmtime")
    cfg = wasmtime.Config()
    cfg.consume_fuel = True
    engine = wasmtime.Engine(cfg)
    store = wasmtime.Store(engine)
    budget = 1 << 62
    store.set_fuel(budget)
    wasm = (PROGRAMS / TABLE[program]["wasm"]).read_bytes()
    instance = wasmtime.Instance(store, wasmtime.Module(engine, wasm), [])
    instance.exports(store)["run"](store, n)
    assert budget - store.get_fuel() == TABLE[program]["results"][str(n)]["fuel"]


def _wasm_tools() -> str | None:
    local = ROOT / ".venv" / "bin" / "wasm-tools"
    return str(local) if local.exists() else shutil.which("wasm-tools")


@pytest.mark.parametrize("wat", sorted(PROGRAMS.glob("*.wat")) + sorted((PROGRAMS / "hello").glob("*.wat")),
                         ids=lambda p: p.stem)
def test_wasm_is_built_from_wat(wat):
    tool = _wasm_tools()
    if tool is None:
        pytest.skip("wasm-tools not found (.venv/bin or PATH)")
    built = subprocess.run([tool, "parse", str(wat)], capture_output=True, check=True).stdout
    assert built == wat.with_suffix(".wasm").read_bytes(), "stale .wasm: run programs/build.sh"

