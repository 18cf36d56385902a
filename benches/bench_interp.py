"""Tier-0 interpreter speed: wasmtier (strategy "interp") vs wasmtime vs pywasm.

What is measured
----------------
The five compute programs of programs/ (fib: calls, sieve: memory loops,
hash: i64 arithmetic, mandel: f64 arithmetic, vm: br_table dispatch), each
through its export ``run(n)``, on three runtimes in the same run:

* ``wasmtier``  -- ``cfg = wasmtier.Config(); cfg.strategy = "interp"``, i.e.
  tier 0 only (the numba register-bytecode interpreter), no tier-up;
* ``wasmtime``  -- wasmtime-py with its default config (Cranelift code, no fuel
  instrumentation): the native peer;
* ``pywasm``    -- pywasm 2.2.x, a pure-Python interpreter: the floor.

The figure of merit is **ns per executed wasm instruction**: the median wall
time of one ``run(n)`` call divided by the exact number of instructions that
call executes.  Module compilation, instantiation and one warm-up call (which
triggers wasmtier's lazy translation) are outside the timed region.

Counting instructions
---------------------
``programs/expected.json`` records, per program and n, the wasmtime **fuel**
the call consumes (``programs/record_expected.py`` measures it once, with
``Config.consume_fuel``).  Wasmtime's default OperatorCost charges 1 per
executed operator except nop, drop, block, loop, else, end, return and
unreachable (0), and charges only the operators on the executed path, so for
programs that do not trap the fuel is an exact count of executed non-free
operators.  That one count normalizes every runtime: a runtime that executes
the same program does the same wasm work, whatever it does internally.

Inputs
------
pywasm is ~10^4 x slower than wasmtime, so it runs the ``small`` input
(~0.1 M instructions) and wasmtier/wasmtime the ``large`` one (~17-25 M
instructions); per-instruction normalization makes the columns comparable
(the programs' instruction mixes do not depend on n beyond start-up, which is
<0.1% of the small inputs).  Every timed call's result is checked against the
table: a wrong answer fails, it is never reported as a speed.

Ratios: wasmtier/wasmtime (how far tier 0 is from native code) and
pywasm/wasmtier (how far ahead of a Python interpreter), plus pywasm/wasmtime
for reference, each with a geometric mean over the programs.

While wasmtier's API does not exist yet (not importable, names missing, or
NotImplementedError from the API), its column is skipped with the reason; no
number is ever filled in for it.

Running
-------
    pytest benches/bench_interp.py                 # pytest-benchmark, table at the end
    python benches/bench_interp.py --table         # markdown table for the README
    python benches/bench_interp.py --table --rounds 7 --runtimes wasmtime,pywasm
"""

from __future__ import annotations

import argparse
import io
import json
import math
import statistics
import sys
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run from a checkout without installing wasmtier
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from report import print_past_capture  # noqa: E402

PROGRAMS = ROOT / "programs"
TABLE = json.loads((PROGRAMS / "expected.json").read_text())["programs"]
PROGRAM_NAMES = list(TABLE)
RUNTIMES = ("wasmtier", "wasmtime", "pywasm")
# which recorded input each runtime runs (see "Inputs" above)
SIZE = {"wasmtier": "large", "wasmtime": "large", "pywasm": "small"}
# timed rounds per runtime (pytest mode; --rounds overrides in script mode)
ROUNDS = {"wasmtier": 5, "wasmtime": 7, "pywasm": 3}

# The wasmtime-py names wasmtier must provide for this benchmark.
WASMTIER_API = ("Config", "Engine", "Store", "Module", "Instance")


class Unavailable(Exception):
    """The runtime cannot run here yet; the message says why."""


def workload(program: str, runtime: str) -> tuple[int, int, int]:
    """(n, expected value, executed instructions) of `program` for `runtime`."""
    entry = TABLE[program]
    n = entry["n"][SIZE[runtime]]
    rec = entry["results"][str(n)]
    return n, rec["value"], rec["fuel"]


def _wasmtime_like(mod, config) -> Callable[[bytes], Callable[[int], int]]:
    def load(wasm: bytes) -> Callable[[int], int]:
        engine = mod.Engine(config)
        store = mod.Store(engine)
        instance = mod.Instance(store, mod.Module(engine, wasm), [])
        run = instance.exports(store)["run"]
        return lambda n: run(store, n)

    return load


def loader(runtime: str) -> Callable[[bytes], Callable[[int], int]]:
    """A function wasm-bytes -> run(n) for `runtime`; raises Unavailable."""
    if runtime == "wasmtime":
        import wasmtime

        return _wasmtime_like(wasmtime, wasmtime.Config())
    if runtime == "pywasm":
        try:
            import pywasm
        except ImportError as e:
            raise Unavailable(f"pywasm not installed: {e}") from e

        def load(wasm: bytes) -> Callable[[int], int]:
            rt = pywasm.core.Runtime()
            inst = rt.instance(pywasm.core.ModuleDesc.from_reader(io.BytesIO(wasm)))
            return lambda n: rt.invocate(inst, "run", [n])[0]

        return load
    if runtime == "wasmtier":
        try:
            import wasmtier
        except ImportError as e:
            raise Unavailable(f"wasmtier not importable: {e}") from e
        missing = [name for name in WASMTIER_API if not hasattr(wasmtier, name)]
        if missing:
            raise Unavailable(f"wasmtier API not there yet (missing {', '.join(missing)})")
        try:
            cfg = wasmtier.Config()
            cfg.strategy = "interp"
        except NotImplementedError as e:
            raise Unavailable(f"wasmtier strategy 'interp' not implemented: {e}") from e
        inner = _wasmtime_like(wasmtier, cfg)

        def load(wasm: bytes) -> Callable[[int], int]:
            try:
                return inner(wasm)
            except NotImplementedError as e:
                raise Unavailable(f"wasmtier: not implemented: {e}") from e

        return load
    raise ValueError(runtime)


def prepare(program: str, runtime: str) -> tuple[Callable[[int], int], int, int, int]:
    """Load `program` on `runtime` and make one warm-up call, checked.

    Returns (run, n, expected, instructions).  Raises Unavailable."""
    n, expected, instrs = workload(program, runtime)
    run = loader(runtime)((PROGRAMS / TABLE[program]["wasm"]).read_bytes())
    try:
        got = run(n)
    except NotImplementedError as e:
        raise Unavailable(f"{runtime}: not implemented: {e}") from e
    check(program, runtime, n, got, expected)
    return run, n, expected, instrs


def check(program: str, runtime: str, n: int, got: int, expected: int) -> None:
    if got != expected:
        raise AssertionError(f"{program}({n}) on {runtime} returned {got}, expected {expected}")


def geomean(xs: list[float]) -> float:
    return math.exp(sum(math.log(x) for x in xs) / len(xs))


def markdown(ns: dict[tuple[str, str], float], why: dict[str, str],
             programs: list[str] = PROGRAM_NAMES) -> str:
    """The README table from {(program, runtime): ns per instruction}."""
    def cell(x: float | None, fmt: str) -> str:
        return "n/a" if x is None else format(x, fmt)

    def ratio(p: str, a: str, b: str) -> float | None:
        if (p, a) in ns and (p, b) in ns:
            return ns[p, a] / ns[p, b]
        return None

    pairs = [("wasmtier", "wasmtime"), ("pywasm", "wasmtier"), ("pywasm", "wasmtime")]
    head = (["program", "instrs (large)", "instrs (small)"]
            + [f"{r} ns/instr" for r in RUNTIMES] + [f"{a}/{b}" for a, b in pairs])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for p in programs:
        row = [p, f"{workload(p, 'wasmtime')[2]:,}", f"{workload(p, 'pywasm')[2]:,}"]
        row += [cell(ns.get((p, r)), ".2f") for r in RUNTIMES]
        row += [cell(ratio(p, a, b), ".1f") for a, b in pairs]
        lines.append("| " + " | ".join(row) + " |")
    geo = ["**geomean**", "", ""]
    for r in RUNTIMES:
        xs = [ns[p, r] for p in programs if (p, r) in ns]
        geo.append(cell(geomean(xs) if len(xs) == len(programs) else None, ".2f"))
    for a, b in pairs:
        xs = [ratio(p, a, b) for p in programs]
        geo.append(cell(geomean(xs) if None not in xs else None, ".1f"))
    lines.append("| " + " | ".join(geo) + " |")
    for r, reason in sorted(why.items()):
        lines.append(f"\n{r}: n/a -- {reason}")
    return "\n".join(lines)


# ---------------------------------------------------------------- pytest mode

try:
    import pytest
except ImportError:  # script mode without pytest installed
    pytest = None

_NS: dict[tuple[str, str], float] = {}
_WHY: dict[str, str] = {}

if pytest is not None:

    @pytest.fixture(scope="module", autouse=True)
    def _summary(request):
        """After the module: print the README table (outside output capture)."""
        yield
        if not _NS:
            return
        programs = [p for p in PROGRAM_NAMES if any(k[0] == p for k in _NS)]
        text = ("\n\nns per executed wasm instruction (median of rounds)\n"
                + markdown(_NS, _WHY, programs))
        print_past_capture(request, text)

    @pytest.mark.parametrize("runtime", RUNTIMES)
    @pytest.mark.parametrize("program", PROGRAM_NAMES)
    def test_interp(benchmark, program, runtime):
        try:
            run, n, expected, instrs = prepare(program, runtime)
        except Unavailable as e:
            _WHY[runtime] = str(e)
            pytest.skip(str(e))
        benchmark.group = program
        benchmark.extra_info.update(n=n, instrs=instrs, runtime=runtime)
        got = benchmark.pedantic(run, args=(n,), rounds=ROUNDS[runtime], iterations=1)
        check(program, runtime, n, got, expected)
        if benchmark.stats is not None:  # None under --benchmark-disable
            per = benchmark.stats.stats.median / instrs * 1e9
            benchmark.extra_info["ns_per_instr"] = per
            _NS[program, runtime] = per


# ---------------------------------------------------------------- script mode

def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--table", action="store_true", help="print the markdown table")
    ap.add_argument("--rounds", type=int, default=5, help="timed calls per cell (median)")
    ap.add_argument("--runtimes", default=",".join(RUNTIMES))
    ap.add_argument("--programs", default=",".join(PROGRAM_NAMES))
    args = ap.parse_args(argv)
    if not args.table:
        ap.error("use --table (or run under pytest)")
    ns: dict[tuple[str, str], float] = {}
    why: dict[str, str] = {}
    for program in args.programs.split(","):
        for runtime in args.runtimes.split(","):
            if runtime in why:
                continue
            try:
                run, n, expected, instrs = prepare(program, runtime)
            except Unavailable as e:
                why[runtime] = str(e)
                continue
            times = []
            for _ in range(args.rounds):
                t0 = time.perf_counter()
                got = run(n)
                times.append(time.perf_counter() - t0)
                check(program, runtime, n, got, expected)
            ns[program, runtime] = statistics.median(times) / instrs * 1e9
            print(f"{program:7} {runtime:9} n={n:<8} {instrs:>11,} instrs "
                  f"{ns[program, runtime]:9.2f} ns/instr", file=sys.stderr)
    print(markdown(ns, why, args.programs.split(",")))


if __name__ == "__main__":
    main()
