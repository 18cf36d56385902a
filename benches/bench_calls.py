"""Call overhead across the Python/wasm boundary: wasmtier vs wasmtime-py.

What is measured
----------------
Two per-call times, on both runtimes in the same run:

* ``py2wasm``   -- a Python -> wasm call of an export ``add(i32, i32) -> i32``
  (one ``i32.add``), i.e. ``add(store, 1, 2)``: argument conversion, entry,
  the wasm body, result conversion.
* ``roundtrip`` -- a Python -> wasm call of ``callhost(i32) -> i32``, whose
  body calls the imported host function ``host.inc(i32) -> i32`` (a Python
  ``lambda x: x + 1``) exactly once: one Python->wasm entry plus one
  wasm->Python host call and return.  ``roundtrip - py2wasm`` is the cost the
  host call adds.

wasmtier runs with ``Config.strategy = "interp"`` (tier 0, which is what
runs these cold, tiny functions today); wasmtime-py with its default config.
Both go through the same wasmtime-py API (``Func.__call__``), so the numbers
are what an embedder pays.  The target is wasmtier <= 0.5 x wasmtime-py.

Every measured call's result is checked once per round; a wrong result
fails the run, it is never reported as a speed.

Running
-------
    pytest benches/bench_calls.py                    # pytest-benchmark
    python benches/bench_calls.py --table            # ns/call and ratios
    python benches/bench_calls.py --table --calls 20000 --rounds 7
    python benches/bench_calls.py --profile          # cProfile of wasmtier's path
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run from a checkout without installing wasmtier
    sys.path.insert(0, str(ROOT))

RUNTIMES = ("wasmtier", "wasmtime")
CASES = ("py2wasm", "roundtrip")

WAT = """
(module
  (import "host" "inc" (func $inc (param i32) (result i32)))
  (func (export "add") (param i32 i32) (result i32)
    local.get 0 local.get 1 i32.add)
  (func (export "callhost") (param i32) (result i32)
    local.get 0 call $inc))
"""


def _rt(name: str):
    if name == "wasmtier":
        import wasmtier
        return wasmtier
    import wasmtime
    return wasmtime


def prepare(runtime: str, case: str) -> tuple[Callable[[], int], int]:
    """A zero-argument callable making one call of `case` on `runtime`, and
    the result it must return."""
    import wasmtime  # wat2wasm from the reference, so both run the same bytes

    rt = _rt(runtime)
    cfg = rt.Config()
    if runtime == "wasmtier":
        cfg.strategy = "interp"
    engine = rt.Engine(cfg)
    store = rt.Store(engine)
    module = rt.Module(engine, wasmtime.wat2wasm(WAT))
    i32 = rt.ValType.i32()
    inc = rt.Func(store, rt.FuncType([i32], [i32]), lambda x: x + 1)
    exports = rt.Instance(store, module, [inc]).exports(store)
    if case == "py2wasm":
        add = exports["add"]
        fn, expected = (lambda: add(store, 20, 22)), 42
    else:
        callhost = exports["callhost"]
        fn, expected = (lambda: callhost(store, 41)), 42
    got = fn()  # warm-up: lazy translation, first-call paths
    if got != expected:
        raise AssertionError(f"{case} on {runtime} returned {got}, expected {expected}")
    return fn, expected


def per_call_ns(fn: Callable[[], int], expected: int, calls: int, rounds: int) -> float:
    """Median over rounds of (wall time of `calls` calls) / calls, in ns."""
    rng = range(calls)
    samples = []
    for _ in range(rounds):
        t0 = time.perf_counter_ns()
        for _ in rng:
            fn()
        samples.append((time.perf_counter_ns() - t0) / calls)
        if fn() != expected:
            raise AssertionError("wrong result")
    return statistics.median(samples)


def markdown(ns: dict[tuple[str, str], float]) -> str:
    lines = ["| case | wasmtier ns/call | wasmtime-py ns/call | wasmtier/wasmtime | target |",
             "|---|---|---|---|---|"]
    for case in CASES:
        a, b = ns.get((case, "wasmtier")), ns.get((case, "wasmtime"))
        r = a / b if a and b else None
        lines.append(f"| {case} | {a:,.0f} | {b:,.0f} | {r:.2f} | "
                     f"{'met' if r is not None and r <= 0.5 else 'not met'} (<= 0.50) |")
    if all((c, r) in ns for c in CASES for r in RUNTIMES):
        hc = {r: ns["roundtrip", r] - ns["py2wasm", r] for r in RUNTIMES}
        lines.append(f"| host call alone (roundtrip - py2wasm) | {hc['wasmtier']:,.0f} | "
                     f"{hc['wasmtime']:,.0f} | {hc['wasmtier'] / hc['wasmtime']:.2f} | |")
    return "\n".join(lines)


# ---------------------------------------------------------------- pytest mode

try:
    import pytest
except ImportError:  # script mode without pytest installed
    pytest = None

if pytest is not None:

    @pytest.mark.parametrize("runtime", RUNTIMES)
    @pytest.mark.parametrize("case", CASES)
    def test_calls(benchmark, case, runtime):
        fn, expected = prepare(runtime, case)
        benchmark.group = f"calls-{case}"
        benchmark.extra_info.update(runtime=runtime, case=case)
        got = benchmark.pedantic(fn, rounds=2000, iterations=10, warmup_rounds=100)
        assert got == expected


# ---------------------------------------------------------------- script mode

def profile(case: str, calls: int, top: int) -> str:
    import cProfile
    import io
    import pstats

    fn, _ = prepare("wasmtier", case)
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(calls):
        fn()
    prof.disable()
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(top)
    return out.getvalue()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--table", action="store_true", help="print ns/call and ratios")
    ap.add_argument("--profile", action="store_true", help="cProfile wasmtier's two paths")
    ap.add_argument("--calls", type=int, default=20000, help="calls per round")
    ap.add_argument("--rounds", type=int, default=7, help="rounds (median)")
    args = ap.parse_args(argv)
    if not (args.table or args.profile):
        ap.error("use --table and/or --profile (or run under pytest)")
    if args.table:
        ns = {}
        for case in CASES:
            for runtime in RUNTIMES:
                fn, expected = prepare(runtime, case)
                ns[case, runtime] = per_call_ns(fn, expected, args.calls, args.rounds)
                print(f"{case:9} {runtime:8} {ns[case, runtime]:10,.0f} ns/call", file=sys.stderr)
        print(markdown(ns))
    if args.profile:
        for case in CASES:
            print(f"\n## cProfile, wasmtier {case}, {args.calls} calls\n")
            print(profile(case, args.calls, 25))


if __name__ == "__main__":
    main()
