"""Tier 1 (the baseline compiler) against wasmtime: run time and compile speed.

Two measurements, both on the Sightglass benchmarks that
`benches/sightglass.py` deems eligible (core modules without SIMD, minus the
MANIFEST's unrunnable ones):

(a) Run time -- the shootout set
--------------------------------
Every eligible ``shootout-*`` module, run on wasmtier with
``Config.strategy = "baseline"`` (every function compiled by tier 1 at
instantiation, before ``_start`` runs) and on wasmtime-py's default config
(Cranelift), in the same process, alternating runs, median of ``--runs``.
The number is the benchmark's own bench region (``bench.start`` ..
``bench.end``); compilation and instantiation are outside it.  This is
`bench_sightglass.measure` / `bench_sightglass.markdown` with
``strategy="baseline"`` and the shootout selection -- one implementation,
one set of rules (output checked against the ``*.expected`` files, a run
that fails gives no number).  Summary: the geometric mean of the ratios
wasmtier/wasmtime (target: at most 2.5x).

(b) Compile throughput -- every eligible module
-----------------------------------------------
For each module: parse and validate once (`wasm.reader.parse_module`,
`wasm.validator.validate_module`, as `api.Module` does), then time
`winch.compile_function(module, VMOffsets.for_module(module), i)` for every
defined function ``i``, each call timed on its own.  Functions tier 1
refuses (``NotImplementedError``) are counted and listed, and left out of
both the bytes and the time; so is any other exception (reported as an
error -- a compiler bug).  Throughput = compiled functions' wasm body bytes
(`CompiledFunction.body_bytes`: each body with its size field, i.e. its
share of the code section) / compile seconds, in KiB/s; the total is
sum(bytes) / sum(per-module median seconds) (target: at least 250 KiB/s).
For context, wasmtime-py's ``Module(engine, bytes)`` on the same module
(whole-module parse + validate + Cranelift compile, in parallel on its own
threads) in KiB/s of the *whole* code section.  Repetitions alternate
wasmtier, wasmtime; each module's number is the median of ``--compile-reps``.

Running
-------
    python benches/bench_baseline.py --table                    # (a) + (b)
    python benches/bench_baseline.py --table --runs 5 --no-compile
    python benches/bench_baseline.py --table --no-run --modules shootout-fib2,bz2
    pytest benches/bench_baseline.py --benchmark-only           # quick smoke

Output: markdown tables on stdout (progress on stderr) and JSON (default
``.benchmarks/baseline.json``).
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import sightglass as sg  # noqa: E402
from report import print_past_capture  # noqa: E402

DEFAULT_JSON = sg.ROOT / ".benchmarks" / "baseline.json"
STRATEGY = "baseline"
RUN_TARGET = 2.5          # geomean wasmtier/wasmtime, at most
COMPILE_TARGET = 250.0    # KiB/s of wasm body bytes, at least

# pytest mode: a quick shootout benchmark and a small module to compile.
QUICK_RUN = "shootout-gimli"
QUICK_COMPILE = "shootout-fib2"


def _bs():
    """bench_sightglass, imported on first use (its import-time benchmark
    selection compiles every module once: not needed by the quick pytest
    entry points)."""
    import bench_sightglass
    return bench_sightglass


def shootout(only: str | None = None) -> list[sg.Benchmark]:
    """The eligible shootout-* benchmarks (or the named subset)."""
    bs = _bs()
    if only:
        return bs.select(only)
    return [b for b in bs.select(None) if b.name.startswith("shootout-")]


# ------------------------------------------------------------- (a) run time

def run_table(results: dict, runs: int) -> str:
    bs = _bs()
    ratios = [c["wasmtier"]["median_ms"] / c["wasmtime"]["median_ms"]
              for c in results.values()
              if c["wasmtier"].get("median_ms") and c["wasmtime"].get("median_ms")]
    text = bs.markdown(results, False, runs, STRATEGY)
    if ratios:
        geo = bs.geomean(ratios)
        text += (f"\n\nGeomean wasmtier(baseline)/wasmtime over {len(ratios)} shootout "
                 f"benchmarks: {geo:.2f}x (target <= {RUN_TARGET}x: "
                 f"{'met' if geo <= RUN_TARGET else 'NOT met'}).")
    return text


# ------------------------------------------------------- (b) compile speed

def _parse(wasm: bytes):
    from wasmtier.wasm.reader import parse_module
    from wasmtier.wasm.validator import validate_module
    module = parse_module(wasm)
    validate_module(module)
    return module


def compile_module_once(module, offsets, natives) -> dict:
    """Compile every defined function of `module` with tier 1, once."""
    from wasmtier.winch import compile_function
    nimp = module.num_imported_funcs
    seconds, body_bytes, code_bytes, compiled = 0.0, 0, 0, 0
    unsupported: Counter = Counter()
    errors: Counter = Counter()
    clock = time.perf_counter
    for i in range(len(module.codes)):
        t0 = clock()
        try:
            cf = compile_function(module, offsets, nimp + i, natives)
        except NotImplementedError as e:
            unsupported[str(e).split("\n")[0][:80]] += 1
            continue
        except Exception as e:  # noqa: BLE001 -- a compiler bug: report, go on
            errors[f"{type(e).__name__}: {str(e).splitlines()[0][:80] if str(e) else ''}"] += 1
            continue
        seconds += clock() - t0
        body_bytes += cf.body_bytes
        code_bytes += len(cf.code)
        compiled += 1
    return {"seconds": seconds, "body_bytes": body_bytes, "code_bytes": code_bytes,
            "compiled": compiled, "unsupported": dict(unsupported), "errors": dict(errors)}


def measure_compile(benches: list[sg.Benchmark], reps: int, log=sys.stderr) -> dict:
    """{name: {...}}: tier-1 compile of every function and wasmtime's
    Module(), `reps` alternating repetitions each, medians."""
    import wasmtime

    from wasmtier.runtime.vmoffsets import VMOffsets
    from wasmtier.winch.codegen import default_natives
    natives = default_natives()
    wt_engine = wasmtime.Engine()
    out: dict = {}
    for b in benches:
        wasm = b.wasm.read_bytes()
        cell = out[b.name] = {"wasm_bytes": len(wasm)}
        t0 = time.perf_counter()
        try:
            module = _parse(wasm)
        except Exception as e:  # noqa: BLE001
            cell["error"] = f"parse/validate: {type(e).__name__}: {e}"
            print(f"{b.name:28} FAILED: {cell['error']}", file=log, flush=True)
            continue
        cell["parse_validate_s"] = time.perf_counter() - t0
        offsets = VMOffsets.for_module(module)
        cell["functions"] = len(module.codes)
        cell["code_section_bytes"] = sum(c.end_offset - c.offset for c in module.codes)
        tier1, wt = [], []
        for r in range(reps):
            gc.collect()
            res = compile_module_once(module, offsets, natives)
            tier1.append(res["seconds"])
            gc.collect()
            t0 = time.perf_counter()
            try:
                wasmtime.Module(wt_engine, wasm)
                wt.append(time.perf_counter() - t0)
            except Exception as e:  # noqa: BLE001
                cell["wasmtime_error"] = f"{type(e).__name__}: {e}"
            print(f"{b.name:28} rep {r + 1}/{reps}: tier 1 {res['seconds'] * 1e3:9.1f} ms "
                  f"({_kibs(res['body_bytes'], res['seconds']) or 0:6.0f} KiB/s)"
                  + (f"   wasmtime {wt[-1] * 1e3:8.1f} ms" if len(wt) == r + 1 else ""),
                  file=log, flush=True)
        cell.update({k: res[k] for k in ("body_bytes", "code_bytes", "compiled",
                                         "unsupported", "errors")})
        cell["tier1_s"] = tier1
        cell["tier1_median_s"] = statistics.median(tier1)
        cell["wasmtime_s"] = wt
        cell["wasmtime_median_s"] = statistics.median(wt) if wt else None
        del module, offsets
    return out


def _kibs(nbytes: int, seconds: float | None) -> float | None:
    return nbytes / 1024 / seconds if seconds else None


def compile_summary(results: dict) -> dict:
    ok = [c for c in results.values() if "error" not in c]
    t1_bytes = sum(c["body_bytes"] for c in ok)
    t1_s = sum(c["tier1_median_s"] for c in ok)
    wt = [c for c in ok if c.get("wasmtime_median_s")]
    wt_bytes = sum(c["code_section_bytes"] for c in wt)
    wt_s = sum(c["wasmtime_median_s"] for c in wt)
    return {"modules": len(ok), "functions": sum(c["functions"] for c in ok),
            "compiled": sum(c["compiled"] for c in ok),
            "unsupported": sum(sum(c["unsupported"].values()) for c in ok),
            "errors": sum(sum(c["errors"].values()) for c in ok),
            "tier1_body_bytes": t1_bytes, "tier1_s": t1_s, "tier1_kibs": _kibs(t1_bytes, t1_s),
            "tier1_code_bytes": sum(c["code_bytes"] for c in ok),
            "wasmtime_code_section_bytes": wt_bytes, "wasmtime_s": wt_s,
            "wasmtime_kibs": _kibs(wt_bytes, wt_s)}


def compile_table(results: dict, reps: int) -> str:
    def f(x, fmt):
        return "n/a" if x is None else format(x, fmt)

    lines = [f"Tier-1 compile throughput (every defined function, `compile_function`), "
             f"median of {reps}; wasmtime-py `Module(engine, bytes)` for context. "
             f"KiB = wasm function-body bytes (tier 1: compiled functions only; "
             f"wasmtime: the whole code section).",
             "",
             "| module | functions | not compiled | tier-1 KiB | tier-1 ms | tier-1 KiB/s "
             "| wasmtime ms | wasmtime KiB/s |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    notes = []
    for name, c in results.items():
        if "error" in c:
            lines.append(f"| {name} | fail | | | | | | |")
            notes.append(f"- {name}: {c['error']}")
            continue
        skipped = sum(c["unsupported"].values()) + sum(c["errors"].values())
        lines.append(
            f"| {name} | {c['functions']} | {skipped} | {c['body_bytes'] / 1024:.1f} "
            f"| {c['tier1_median_s'] * 1e3:.1f} "
            f"| {f(_kibs(c['body_bytes'], c['tier1_median_s']), '.0f')} "
            f"| {f(c['wasmtime_median_s'] and c['wasmtime_median_s'] * 1e3, '.1f')} "
            f"| {f(_kibs(c['code_section_bytes'], c['wasmtime_median_s']), '.0f')} |")
        for why, n in c["unsupported"].items():
            notes.append(f"- {name}: {n} function(s) not compiled (NotImplementedError: {why})")
        for why, n in c["errors"].items():
            notes.append(f"- {name}: {n} function(s) FAILED to compile ({why})")
        if c.get("wasmtime_error"):
            notes.append(f"- {name}: wasmtime: {c['wasmtime_error']}")
    s = compile_summary(results)
    lines.append(
        f"| **total** ({s['modules']} modules) | {s['functions']} | "
        f"{s['unsupported'] + s['errors']} | {s['tier1_body_bytes'] / 1024:.1f} | "
        f"{s['tier1_s'] * 1e3:.1f} | **{f(s['tier1_kibs'], '.0f')}** | "
        f"{s['wasmtime_s'] * 1e3:.1f} | {f(s['wasmtime_kibs'], '.0f')} |")
    if s["tier1_kibs"] is not None:
        lines += ["", f"Tier-1 throughput {s['tier1_kibs']:.0f} KiB/s over {s['compiled']} "
                      f"functions (target >= {COMPILE_TARGET:.0f} KiB/s: "
                      f"{'met' if s['tier1_kibs'] >= COMPILE_TARGET else 'NOT met'}); "
                      f"machine code emitted {s['tier1_code_bytes'] / 1024:.0f} KiB "
                      f"({s['tier1_code_bytes'] / max(s['tier1_body_bytes'], 1):.1f}x the wasm)."]
    if notes:
        lines += ["", "Not compiled / failures:", *notes]
    return "\n".join(lines)


# ---------------------------------------------------------------- pytest mode

try:
    import pytest
except ImportError:  # script mode without pytest installed
    pytest = None

if pytest is not None and sg.benchmarks_root().is_dir():

    def _find(name: str) -> sg.Benchmark:
        for b in sg.discover():
            if b.name == name:
                return b
        pytest.skip(f"{name} not in {sg.benchmarks_root()}")

    _RUN: dict = {}
    _COMPILE: dict = {}

    @pytest.fixture(scope="module", autouse=True)
    def _summary(request):
        yield
        text = ""
        if _RUN:
            text += "\n\n" + "\n".join(f"{QUICK_RUN} bench region on {rt}: {ms:.2f} ms"
                                       for rt, ms in _RUN.items())
        if _COMPILE:
            text += "\n" + "\n".join(f"{QUICK_COMPILE} compile on {k}: {v:.0f} KiB/s"
                                     for k, v in _COMPILE.items())
        if text:
            print_past_capture(request, text)

    @pytest.mark.parametrize("rt_name", ["wasmtier", "wasmtime"])
    def test_shootout_run(benchmark, rt_name):
        """One run of a small shootout benchmark (wasmtier on tier 1); the
        pytest-benchmark statistic is the whole run (instantiate + _start),
        the bench region is in extra_info."""
        b = _find(QUICK_RUN)
        rt = sg.runtime(rt_name)
        engine = sg.make_engine(rt, STRATEGY if rt_name == "wasmtier" else None)
        module = rt.Module(engine, b.wasm.read_bytes())
        res = benchmark.pedantic(sg.run, args=(b, rt), rounds=1, iterations=1,
                                 kwargs={"engine": engine, "module": module})
        assert sg.compare(b, res) == []
        _RUN[rt_name] = res.bench_seconds * 1e3
        benchmark.extra_info["bench_ms"] = res.bench_seconds * 1e3

    @pytest.mark.parametrize("side", ["tier1", "wasmtime"])
    def test_compile_module(benchmark, side):
        """Compile one small module: every function with tier 1 (after one
        parse + validate), or wasmtime-py's Module()."""
        b = _find(QUICK_COMPILE)
        wasm = b.wasm.read_bytes()
        module = _parse(wasm)
        nbytes = sum(c.end_offset - c.offset for c in module.codes)
        if side == "tier1":
            from wasmtier.runtime.vmoffsets import VMOffsets
            from wasmtier.winch.codegen import default_natives
            offsets, natives = VMOffsets.for_module(module), default_natives()
            res = benchmark.pedantic(compile_module_once, args=(module, offsets, natives),
                                     rounds=3, iterations=1)
            assert res["errors"] == {}
            assert res["compiled"] > 0
            kibs = _kibs(res["body_bytes"], res["seconds"])
        else:
            import wasmtime
            engine = wasmtime.Engine()
            t = []

            def compile_wasmtime():
                t0 = time.perf_counter()
                wasmtime.Module(engine, wasm)
                t.append(time.perf_counter() - t0)

            benchmark.pedantic(compile_wasmtime, rounds=3, iterations=1)
            kibs = _kibs(nbytes, statistics.median(t))
        _COMPILE[side] = kibs
        benchmark.extra_info["kib_per_s"] = kibs


# ---------------------------------------------------------------- script mode

def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--table", action="store_true", help="run and print the markdown tables")
    ap.add_argument("--runs", type=int, default=3, help="(a) runs per runtime (median)")
    ap.add_argument("--only", help="(a) comma-separated benchmarks (default: the shootout set)")
    ap.add_argument("--compile-reps", type=int, default=3, help="(b) repetitions (median)")
    ap.add_argument("--modules", help="(b) comma-separated module names instead of all eligible")
    ap.add_argument("--no-run", action="store_true", help="skip (a)")
    ap.add_argument("--no-compile", action="store_true", help="skip (b)")
    ap.add_argument("--json", type=Path, default=DEFAULT_JSON, help="where to write JSON")
    args = ap.parse_args(argv)
    if not args.table:
        ap.error("use --table (or run under pytest)")
    root = sg.benchmarks_root()
    if not root.is_dir():
        raise SystemExit(f"Sightglass benchmarks not found at {root} (set ${sg.BENCHMARKS_ENV})")
    bs = _bs()
    doc: dict = {"strategy": STRATEGY, "root": str(root)}
    texts = []
    if not args.no_run:
        benches = shootout(args.only)
        results = bs.measure(benches, args.runs, False, STRATEGY)
        doc["run"] = {"runs": args.runs, "results": results}
        ratios = [c["wasmtier"]["median_ms"] / c["wasmtime"]["median_ms"]
                  for c in results.values()
                  if c["wasmtier"].get("median_ms") and c["wasmtime"].get("median_ms")]
        doc["run"]["geomean_ratio"] = bs.geomean(ratios) if ratios else None
        texts.append(run_table(results, args.runs))
        print(texts[-1] + "\n", flush=True)
    if not args.no_compile:
        benches = bs.select(args.modules)
        results = measure_compile(benches, args.compile_reps)
        doc["compile"] = {"reps": args.compile_reps, "results": results,
                          "summary": compile_summary(results)}
        texts.append(compile_table(results, args.compile_reps))
        print(texts[-1], flush=True)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(doc, indent=1))
    print(f"\nJSON: {args.json}", file=sys.stderr)


if __name__ == "__main__":
    main()
