"""``wasmtier bench``: a warm-up report -- how a program's speed changes as
its functions move up the tiers.

One Engine and one Store serve the whole session, so the tier manager's
counters, compiled code and event log (`store._tiers.log`, a `TierLog`)
carry over from one iteration to the next.  Compiled code belongs to the
module inside a store: a fresh instance of a module whose functions were
already compiled starts on that code, so iterations that each create a new
instance still show the warm-up.

Iterations
----------
* a WASI command (no ``--invoke``): each iteration instantiates the module
  afresh through one Linker (WASI + the two Sightglass host functions) and
  calls ``_start``; ``proc_exit(0)`` (`ExitTrap` code 0) is success.  Guest
  stdout/stderr go to /dev/null so the table stays readable;
* ``--invoke NAME ARGS``: one instance; each iteration calls the export once.

What is timed
-------------
A Sightglass benchmark (it imports ``bench.start``/``bench.end``; the
conventions of benches/sightglass.py, restated here because the CLI must
work from an installed package, where benches/ does not exist) is timed
over its measured regions only: ``bench.start``/``bench.end`` record
``perf_counter()``, an iteration's time is the sum of its regions, and a
start without an end runs to the end of ``_start``.  Its own directory is
preopened as ``"."`` and ``--small`` sets ``WASM_BENCH_USE_SMALL_WORKLOAD=1``.
Anything else is timed over the whole iteration (instantiation + ``_start``,
or the one call).  The loop stops after ``--iterations`` or, if given, once
``--seconds`` of wall time have passed -- whichever comes first; at least
one iteration always runs.

Outputs
-------
stdout: one row per iteration (start time in seconds since the store was
created -- the log's clock --, its time in ms, the tier events logged from
its start to the next iteration's start, counted by kind) and a summary
line (first iteration, median of the last third, their ratio).
``PREFIX.json``: file, tier, the ``-C`` settings, the iterations, every log
event and the summary.  ``PREFIX.png``: iteration time against wall time,
with the tier events under it (matplotlib, Agg canvas, imported only when
plotting: CLI start-up stays light).

Errors are one line naming the file: usage problems (missing file, bad
``-C``) exit with 2, a trap or a non-zero guest exit with 1.
"""

from __future__ import annotations

import argparse
import bisect
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from . import cliargs

SMALL_ENV = "WASM_BENCH_USE_SMALL_WORKLOAD"
# Plot style per event kind: (marker, colour, label).
EVENT_STYLE = {
    "threshold": ("|", "tab:orange", "threshold (counter crossed)"),
    "compile_end": ("s", "tab:green", "compile_end"),
    "compile_failed": ("x", "tab:red", "compile_failed"),
    "publish": ("^", "tab:blue", "publish"),
    "osr": ("D", "tab:purple", "osr"),
}
TABLE_KINDS = ("threshold", "compile_start", "compile_end", "compile_failed", "publish", "osr")


def add_bench_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "bench", help="warm-up report: iteration times as functions tier up",
        description="Run a program repeatedly in one store and report how each iteration's "
                    "time changes as its functions move up the tiers: a table on stdout, "
                    "PREFIX.json (iterations + tier events) and PREFIX.png (plot).")
    parser.add_argument("file", metavar="FILE", type=Path)
    parser.add_argument("args", nargs=argparse.REMAINDER, metavar="ARGS",
                        help="arguments passed to the guest (argv[1:]) or to --invoke")
    cliargs.add_config_arguments(parser)
    parser.add_argument("--iterations", type=int, default=20, metavar="N",
                        help="number of iterations (default: 20)")
    parser.add_argument("--seconds", type=float, default=None, metavar="S",
                        help="stop once S seconds of wall time have passed")
    parser.add_argument("--out", default="warmup", metavar="PREFIX",
                        help="write PREFIX.json and PREFIX.png (default: warmup)")
    parser.add_argument("--invoke", metavar="NAME",
                        help="call this export on one instance each iteration "
                             "instead of running _start on a fresh instance")
    parser.add_argument("--dir", action="append", default=[], metavar="HOST[::GUEST]",
                        help="preopen a host directory for the guest (repeatable)")
    parser.add_argument("--small", action="store_true",
                        help=f"Sightglass: set {SMALL_ENV}=1 (the small workload)")
    parser.set_defaults(run=cmd_bench)


def cmd_bench(args: argparse.Namespace) -> int:
    # Our own usage errors are reported here, so the command behaves the same
    # whether cli.py runs as __main__ or not.
    try:
        return _bench(args)
    except cliargs.UsageError as exc:
        print(f"wasmtier bench: error: {exc}", file=sys.stderr)
        return 2


class _GuestError(Exception):
    """The guest failed (trap, non-zero exit): reported as one line, exit 1."""


def _bench(args: argparse.Namespace) -> int:
    import wasmtier

    if args.iterations < 1:
        raise cliargs.UsageError("--iterations must be at least 1")
    if args.seconds is not None and args.seconds <= 0:
        raise cliargs.UsageError("--seconds must be positive")
    settings = cliargs.parse_config_settings(args.config)
    try:
        config = cliargs.make_config(args.tier, settings)
        engine = wasmtier.Engine(config)
    except (TypeError, ValueError, wasmtier.WasmtimeError) as exc:
        raise cliargs.UsageError(f"bad configuration: {exc}") from None
    if not args.file.is_file():
        raise cliargs.UsageError(f"no such file: {args.file}")
    try:
        module = wasmtier.Module.from_file(engine, str(args.file))
    except FileNotFoundError:
        raise cliargs.UsageError(f"no such file: {args.file}") from None
    except wasmtier.WasmtimeError as exc:
        print(f"wasmtier bench: error: {args.file}: {_one_line(exc)}", file=sys.stderr)
        return 1
    try:
        store = wasmtier.Store(engine)   # the log's clock starts here
    except (TypeError, ValueError) as exc:
        raise cliargs.UsageError(f"bad configuration: {exc}") from None
    tiers = store._tiers
    try:
        try:
            iterations, stopped_by, sightglass = _iterate(args, wasmtier, store, module)
        except _GuestError as exc:
            print(f"wasmtier bench: error: {args.file}: {exc}", file=sys.stderr)
            return 1
        except wasmtier.Trap as exc:
            print(f"wasmtier bench: error: {args.file}: wasm trap: {_one_line(exc)}",
                  file=sys.stderr)
            return 1
        except wasmtier.WasmtimeError as exc:
            print(f"wasmtier bench: error: {args.file}: {_one_line(exc)}", file=sys.stderr)
            return 1
        events = [dict(ev) for ev in list(tiers.log.events)]
    finally:
        tiers.close()

    summary = summarize(iterations, events, stopped_by)
    summary["timed"] = ("bench regions" if sightglass else
                        "call" if args.invoke else "instantiate + _start")
    print_table(iterations, events, summary, sys.stdout)
    report = {
        "file": str(args.file),
        "tier": config.strategy,
        "config": settings,
        "invoke": args.invoke,
        "args": list(args.args),
        "iterations": iterations,
        "events": events,
        "summary": summary,
    }
    prefix = str(args.out)
    json_path, png_path = Path(prefix + ".json"), Path(prefix + ".png")
    if json_path.parent != Path(""):
        json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(report, indent=1) + "\n")
    write_plot(png_path, report)
    print(f"wrote {json_path} and {png_path}", file=sys.stderr)
    return 0


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _iterate(args, wasmtier, store, module):
    """Run the iterations; ([{"i", "start", "seconds", "wall"}...], why it
    stopped, whether the program is a Sightglass benchmark)."""
    sightglass = any(imp.module == "bench" and imp.name in ("start", "end")
                     for imp in module.imports)
    wasi = wasmtier.WasiConfig()
    wasi.argv = [args.file.name, *([] if args.invoke else args.args)]
    wasi.env = [(SMALL_ENV, "1")] if args.small else []
    if sightglass:
        wasi.preopen_dir(str(args.file.resolve().parent), ".")
    for spec in args.dir:
        host, _, guest = spec.partition("::")
        if not os.path.isdir(host):
            raise cliargs.UsageError(f"--dir: no such directory: {host}")
        wasi.preopen_dir(host, guest or host)
    wasi.stdout_file = os.devnull
    wasi.stderr_file = os.devnull
    store.set_wasi(wasi)

    linker = wasmtier.Linker(store.engine)
    linker.define_wasi()
    regions: list[tuple[float, float]] = []
    open_starts: list[float] = []

    def bench_start():
        open_starts.append(time.perf_counter())

    def bench_end():
        t = time.perf_counter()
        regions.append((open_starts.pop() if open_starts else t, t))

    empty = wasmtier.FuncType([], [])
    linker.define_func("bench", "start", empty, bench_start)
    linker.define_func("bench", "end", empty, bench_end)

    def export(instance, name):
        exports = instance.exports(store)
        if name not in exports:
            raise cliargs.UsageError(f"{args.file} has no export named {name!r}")
        func = exports[name]
        if not isinstance(func, wasmtier.Func):
            raise cliargs.UsageError(f"export {name!r} is not a function")
        return func

    invoke_func = params = None
    if args.invoke:
        invoke_func = export(linker.instantiate(store, module), args.invoke)
        params = cliargs.invoke_args(invoke_func.type(store), args.args)

    t0 = store._tiers.log.t0
    began = time.perf_counter()
    iterations = []
    stopped_by = "iterations"
    for i in range(1, args.iterations + 1):
        regions.clear()
        open_starts.clear()
        start = time.perf_counter()
        try:
            if invoke_func is not None:
                invoke_func(store, *params)
            else:
                export(linker.instantiate(store, module), "_start")(store)
        except wasmtier.ExitTrap as exc:
            if exc.code != 0:
                raise _GuestError(f"iteration {i}: exited with code {exc.code}") from None
        end = time.perf_counter()
        for s in open_starts:      # a start without an end: to the end of the run
            regions.append((s, end))
        seconds = sum(e - s for s, e in regions) if regions else end - start
        iterations.append({"i": i, "start": round(start - t0, 6),
                           "seconds": round(max(seconds, 1e-9), 9),
                           "wall": round(end - start, 9)})
        if args.seconds is not None and end - began >= args.seconds:
            if i < args.iterations:
                stopped_by = "seconds"
            break
    return iterations, stopped_by, sightglass


# --------------------------------------------------------------------------
# report


def events_per_iteration(iterations: list[dict], events: list[dict]) -> list[list[dict]]:
    """The events of each iteration: from its start to the next one's start
    (the last iteration keeps everything after it, e.g. background compiles
    that finished late; anything before the first goes to the first)."""
    starts = [it["start"] for it in iterations]
    out: list[list[dict]] = [[] for _ in iterations]
    for ev in events:
        k = max(bisect.bisect_right(starts, ev["t"]) - 1, 0)
        out[k].append(ev)
    return out


def summarize(iterations: list[dict], events: list[dict], stopped_by: str) -> dict[str, Any]:
    import statistics

    ms = [1000 * it["seconds"] for it in iterations]
    tail = ms[-max(1, len(ms) // 3):]
    steady = statistics.median(tail)
    counts: dict[str, int] = {}
    for ev in events:
        counts[ev["kind"]] = counts.get(ev["kind"], 0) + 1

    def first(kind):
        return next((ev["t"] for ev in events if ev["kind"] == kind), None)

    osr = [{"t": ev["t"], "func": ev["func"], "name": ev.get("name"), "loop": ev.get("loop")}
           for ev in events if ev["kind"] == "osr"]
    return {
        "iterations": len(ms),
        "stopped_by": stopped_by,
        "first_ms": round(ms[0], 3),
        "steady_ms": round(steady, 3),
        "steady_of_last": len(tail),
        "ratio": round(ms[0] / steady, 3) if steady > 0 else None,
        "min_ms": round(min(ms), 3),
        "events_by_kind": counts,
        "first_threshold_s": first("threshold"),
        "first_publish_s": first("publish"),
        "last_publish_s": next((ev["t"] for ev in reversed(events) if ev["kind"] == "publish"),
                               None),
        "first_osr_s": first("osr"),
        "osr": osr,
    }


def print_table(iterations: list[dict], events: list[dict], summary: dict, out) -> None:
    per_iter = events_per_iteration(iterations, events)
    print(f"{'iter':>4} {'start_s':>9} {'time_ms':>11}  tier events", file=out)
    for it, evs in zip(iterations, per_iter):
        counts = {k: 0 for k in TABLE_KINDS}
        for ev in evs:
            counts[ev["kind"]] = counts.get(ev["kind"], 0) + 1
        text = " ".join(f"{k}={n}" for k, n in counts.items() if n) or "-"
        print(f"{it['i']:>4} {it['start']:>9.3f} {1000 * it['seconds']:>11.3f}  {text}", file=out)
    ratio = summary["ratio"]
    print(f"first {summary['first_ms']:.3f} ms, steady {summary['steady_ms']:.3f} ms "
          f"(median of last {summary['steady_of_last']}), first/steady "
          f"{'n/a' if ratio is None else f'{ratio:.2f}x'}", file=out)


def write_plot(path: Path, report: dict) -> None:
    """Iteration time against wall time (top) over the tier events (bottom).

    Uses matplotlib's Agg canvas directly (no pyplot): nothing global is
    touched and no window can open."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    its, events = report["iterations"], report["events"]
    starts = [it["start"] for it in its]
    ends = [it["start"] + it["wall"] for it in its]
    ms = [1000 * it["seconds"] for it in its]
    kinds = [k for k in EVENT_STYLE if any(ev["kind"] == k for ev in events)]

    fig = Figure(figsize=(10, 6.4), dpi=110, layout="constrained")
    FigureCanvasAgg(fig)
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[3, 1.1])

    # Each iteration holds its time over its wall-time span (a step line),
    # with a point where it starts.
    top.step(starts + [ends[-1]], ms + [ms[-1]], where="post", color="black", linewidth=1.2)
    top.plot(starts, ms, "o", color="black", markersize=4)
    if max(ms) > 20 * min(ms):
        top.set_yscale("log")
    top.set_ylabel("iteration time (ms)")
    top.grid(True, which="both", alpha=0.3)
    tier = report["tier"]
    settings = " ".join(f"{k}={v}" for k, v in report["config"].items())
    title = f"{Path(report['file']).name} - tier {tier}"
    if report.get("invoke"):
        title += f" - invoke {report['invoke']} {' '.join(report['args'])}".rstrip()
    if settings:
        title += f" ({settings})"
    top.set_title(title)
    # Vertical lines where a function's compiled code was first published
    # (later publishes only hand that code to new instances) and where
    # frames moved up by OSR; the event strip below has one row per kind.
    seen: set = set()
    for ev in events:
        if ev["kind"] == "publish":
            key = ev.get("name") or ev["func"]
            if key in seen:
                continue
            seen.add(key)
            top.axvline(ev["t"], color=EVENT_STYLE["publish"][1], alpha=0.3, linewidth=1,
                        linestyle=":")
        elif ev["kind"] == "osr":
            top.axvline(ev["t"], color=EVENT_STYLE["osr"][1], alpha=0.5, linewidth=1,
                        linestyle="--")
    handles = [Line2D([], [], color="black", marker="o", markersize=4,
                      label="iteration: its time over its span")]
    for kind in ("publish", "osr"):
        if kind in kinds:
            _, colour, _ = EVENT_STYLE[kind]
            handles.append(Line2D([], [], color=colour, linestyle="--" if kind == "osr" else ":",
                                  label="first publish" if kind == "publish" else "osr"))
    s = report["summary"]
    summary = f"first {s['first_ms']:.1f} ms\nsteady {s['steady_ms']:.1f} ms"
    if s["ratio"]:
        summary += f"\nfirst/steady {s['ratio']:.2f}x"
    top.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8,
               title=summary, title_fontsize=9, alignment="left")

    rows = {k: n for n, k in enumerate(kinds)}   # bottom-up in pipeline order
    for kind in kinds:
        marker, colour, label = EVENT_STYLE[kind]
        ts = [ev["t"] for ev in events if ev["kind"] == kind]
        bottom.plot(ts, [rows[kind]] * len(ts), linestyle="none", marker=marker, color=colour,
                    markersize=7 if marker != "|" else 12, alpha=0.7,
                    label=f"{label} ({len(ts)})")
    # Name the functions that moved up by OSR (the first time each does).
    named: set[str] = set()
    for ev in events:
        if ev["kind"] != "osr":
            continue
        name = ev.get("name") or f"func[{ev['func']}]"
        if name in named or len(named) >= 12:
            continue
        named.add(name)
        bottom.annotate(name, (ev["t"], rows["osr"]), xytext=(3, 6), textcoords="offset points",
                        fontsize=7, rotation=20, color=EVENT_STYLE["osr"][1])
    bottom.set_yticks(list(rows.values()), list(rows.keys()))
    bottom.set_ylim(-0.6, max(len(kinds), 1) - 0.4 + (0.8 if "osr" in kinds else 0))
    bottom.set_xlabel("wall time since store creation (s)")
    bottom.grid(True, axis="x", alpha=0.3)
    if kinds:
        bottom.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8)
    else:
        bottom.text(0.5, 0.5, "no tier events", transform=bottom.transAxes,
                    ha="center", va="center", color="gray")
    right = max(ends + [ev["t"] for ev in events]) if ends else 1.0
    top.set_xlim(0, right * 1.02)
    fig.savefig(path)
