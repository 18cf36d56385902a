"""Sightglass benchmarks, wasmtier vs wasmtime-py, side by side.

What is measured
----------------
The benchmark's own measured region: the wall time between its calls of the
``bench.start`` and ``bench.end`` host functions (summed when it has several
regions), as Sightglass measures it.  Module compilation, instantiation and
WASI set-up are outside the region (they are reported in the JSON as
``compile_s`` / ``total_s`` for reference).  Each benchmark runs through
`benches/sightglass.py`, the same runner for both runtimes, in one process:

* ``wasmtier`` -- ``Config.strategy`` from ``--strategy`` (default
  ``interp``: tier 0, the only tier today);
* ``wasmtime`` -- wasmtime-py with its default config (Cranelift).

Runs alternate between the runtimes (wasmtier, wasmtime, wasmtier, ...) so
that machine drift hits both; each cell is the median of ``--runs`` runs, and
every run's stdout/stderr is checked against the expected output
(`sightglass.compare`).  A run that traps or prints the wrong thing yields no
number: the cell says ``fail`` and the JSON holds the reason.

Selection: `sightglass.eligible` -- every core module without SIMD, minus
the MANIFEST's unrunnable ones.  ``--small`` sets
``WASM_BENCH_USE_SMALL_WORKLOAD=1`` (only blake3-scalar has a small input
today; the others run their default workload either way).

Running
-------
    python benches/bench_sightglass.py --table                 # all, 3 runs
    python benches/bench_sightglass.py --table --small --runs 5 --only noop,bz2
    python benches/bench_sightglass.py --table --json out.json --strategy auto
    pytest benches/bench_sightglass.py --benchmark-only        # 1 run each, small

Output: a markdown table (benchmark, wasmtier ms, wasmtime ms,
wasmtier/wasmtime, geometric mean of the ratios over benchmarks where both
ran) on stdout, and JSON (default ``.benchmarks/sightglass.json``).
"""

from __future__ import annotations

import argparse
import functools
import io
import json
import math
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import sightglass as sg  # noqa: E402
from report import print_past_capture  # noqa: E402

RUNTIMES = ("wasmtier", "wasmtime")
DEFAULT_JSON = sg.ROOT / ".benchmarks" / "sightglass.json"


def geomean(xs: list[float]) -> float:
    return math.exp(sum(math.log(x) for x in xs) / len(xs))


def measure(benches: list[sg.Benchmark], runs: int, small: bool, strategy: str | None,
            log=sys.stderr) -> dict:
    """{name: {runtime: {"bench_ms": [...], "median_ms", "total_s", "compile_s",
    "error"}}}, runs alternating between the runtimes."""
    rts = {name: sg.runtime(name) for name in RUNTIMES}
    engines = {"wasmtier": sg.make_engine(rts["wasmtier"], strategy),
               "wasmtime": sg.make_engine(rts["wasmtime"])}
    results: dict = {}
    for b in benches:
        cells = results[b.name] = {}
        modules, expected = {}, None
        try:
            expected = sg.expected_outputs(b, small=small)
        except Exception as e:  # noqa: BLE001
            for rt in RUNTIMES:
                cells[rt] = {"error": f"no reference output: {e}"}
            continue
        for rt in RUNTIMES:
            cells[rt] = {"bench_ms": [], "total_s": [], "compile_s": None, "error": None}
            t0 = time.perf_counter()
            try:
                modules[rt] = rts[rt].Module(engines[rt], b.wasm.read_bytes())
            except Exception as e:  # noqa: BLE001
                cells[rt]["error"] = f"compile: {type(e).__name__}: {e}"
            cells[rt]["compile_s"] = time.perf_counter() - t0
        for i in range(runs):
            for rt in RUNTIMES:
                cell = cells[rt]
                if cell["error"] is not None:
                    continue
                res = sg.run(b, rts[rt], engine=engines[rt], module=modules[rt], small=small)
                problems = sg.compare(b, res, expected)
                if problems:
                    cell["error"] = problems[0].splitlines()[0] + (
                        " " + problems[0].splitlines()[1] if "\n" in problems[0] else "")
                    continue
                cell["bench_ms"].append(res.bench_seconds * 1e3)
                cell["total_s"].append(res.total_seconds)
                print(f"{b.name:28} {rt:8} run {i + 1}/{runs}: bench {res.bench_seconds * 1e3:10.2f} ms"
                      f"  (_start {res.total_seconds:.2f}s)", file=log, flush=True)
        for rt in RUNTIMES:
            cell = cells[rt]
            if cell.get("error") is None and cell["bench_ms"]:
                cell["median_ms"] = statistics.median(cell["bench_ms"])
            elif cell.get("error"):
                print(f"{b.name:28} {rt:8} FAILED: {cell['error']}", file=log, flush=True)
    return results


def markdown(results: dict, small: bool, runs: int, strategy: str | None) -> str:
    lines = [f"Sightglass bench region (bench.start..bench.end), median of {runs} run(s), "
             f"{'small' if small else 'default'} workload; wasmtier strategy "
             f"{strategy or 'auto'}, wasmtime-py default config.",
             "",
             "| benchmark | wasmtier ms | wasmtime ms | wasmtier/wasmtime |",
             "|---|---:|---:|---:|"]
    ratios = []
    notes = []
    for name, cells in results.items():
        row = [name]
        for rt in RUNTIMES:
            c = cells[rt]
            if c.get("median_ms") is not None:
                row.append(f"{c['median_ms']:.2f}")
            else:
                row.append("fail")
                notes.append(f"- {name} on {rt}: {c.get('error')}")
        a, b = (cells[rt].get("median_ms") for rt in RUNTIMES)
        if a is not None and b is not None and a > 0 and b > 0:
            ratios.append(a / b)
            row.append(f"{a / b:.1f}")
        else:
            row.append("n/a")
        lines.append("| " + " | ".join(row) + " |")
    geo = f"{geomean(ratios):.1f}" if ratios else "n/a"
    lines.append(f"| **geomean** ({len(ratios)} benchmarks) | | | **{geo}** |")
    if notes:
        lines += ["", "Failures (no number reported):", *notes]
    return "\n".join(lines)


@functools.lru_cache(maxsize=None)
def _eligible() -> tuple[sg.Benchmark, ...]:
    return tuple(b for b, why in sg.eligible(sg.discover()) if why is None)


def select(only: str | None) -> list[sg.Benchmark]:
    benches = list(_eligible())
    if only:
        want = [n.strip() for n in only.split(",") if n.strip()]
        known = {b.name: b for b in benches}
        missing = [n for n in want if n not in known]
        if missing:
            raise SystemExit(f"not eligible / unknown: {', '.join(missing)}; "
                             f"eligible: {', '.join(known)}")
        benches = [known[n] for n in want]
    return benches


# ---------------------------------------------------------------- pytest mode

try:
    import pytest
except ImportError:  # script mode without pytest installed
    pytest = None

if pytest is not None and sg.benchmarks_root().is_dir():

    _RESULTS: dict = {}

    @pytest.fixture(scope="module", autouse=True)
    def _summary(request):
        yield
        if _RESULTS:
            text = "\n\n" + markdown(_RESULTS, True, 1, "interp")
            print_past_capture(request, text)

    @pytest.mark.parametrize("name", [b.name for b in select(None)])
    def test_sightglass(benchmark, name):
        """One run per runtime (small workload where it exists); the
        pytest-benchmark statistic is the whole run, the bench region is in
        extra_info and in the table printed at the end."""
        b = {x.name: x for x in select(None)}[name]

        def both():
            return measure([b], 1, True, "interp", log=io.StringIO())

        res = benchmark.pedantic(both, rounds=1, iterations=1)
        _RESULTS.update(res)
        benchmark.extra_info.update({rt: res[name][rt].get("median_ms") for rt in RUNTIMES})
        errors = {rt: res[name][rt].get("error") for rt in RUNTIMES if res[name][rt].get("error")}
        assert not errors, errors


# ---------------------------------------------------------------- script mode

def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--table", action="store_true", help="run and print the markdown table")
    ap.add_argument("--small", action="store_true", help="WASM_BENCH_USE_SMALL_WORKLOAD=1")
    ap.add_argument("--runs", type=int, default=3, help="runs per runtime (median)")
    ap.add_argument("--only", help="comma-separated benchmark names")
    ap.add_argument("--strategy", default="interp", help="wasmtier Config.strategy")
    ap.add_argument("--json", type=Path, default=DEFAULT_JSON, help="where to write JSON")
    args = ap.parse_args(argv)
    if not args.table:
        ap.error("use --table (or run under pytest)")
    root = sg.benchmarks_root()
    if not root.is_dir():
        raise SystemExit(f"Sightglass benchmarks not found at {root} (set ${sg.BENCHMARKS_ENV})")
    benches = select(args.only)
    results = measure(benches, args.runs, args.small, args.strategy)
    text = markdown(results, args.small, args.runs, args.strategy)
    print(text)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({
        "small": args.small, "runs": args.runs, "strategy": args.strategy,
        "root": str(root), "results": results}, indent=1))
    print(f"\nJSON: {args.json}", file=sys.stderr)


if __name__ == "__main__":
    main()
