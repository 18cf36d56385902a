"""The ``wasmtier`` command line.

Each subcommand is a pair of functions: ``add_<name>_parser(subparsers)``
declares its arguments and ``cmd_<name>(args) -> exit code`` runs it; `main`
only dispatches.  New subcommands (``run``, ``bench``, ...) add one pair and
one line in `SUBCOMMANDS`.

Exit codes: 0 success, 1 the command ran and found failures, 2 usage errors
(bad arguments, missing inputs).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Callable, Sequence

from .bench import add_bench_parser
from .cliargs import (UsageError, add_config_arguments, invoke_args, make_config,
                      parse_config_settings)



# --------------------------------------------------------------------------
# spectest


def add_spectest_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "spectest", help="run WebAssembly spec-test JSON scripts",
        description="Run spec-test scripts (wast2json format). PATH: script files or "
                    "directories; default: every core script under $WASMTIER_SPECTEST/core "
                    "($WASMTIER_SPECTEST defaults to ../shared/spectest from the repository root).")
    parser.add_argument("paths", nargs="*", metavar="PATH", type=Path)
    add_config_arguments(parser)
    parser.add_argument("--json", dest="json_out", metavar="OUT", type=Path,
                        help="write the per-script results as JSON to OUT")
    parser.add_argument("--engine", choices=("wasmtier", "wasmtime"), default="wasmtier",
                        help="developer option: run against wasmtime-py instead of wasmtier")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="list each failure (line: reason) and skip reason under its script")
    parser.add_argument("--guard-seconds", type=float, default=None,
                        help="wall-clock guard in seconds per instantiation and invocation "
                             "(default: 120; 0 disables)")
    parser.set_defaults(run=cmd_spectest)


def cmd_spectest(args: argparse.Namespace) -> int:
    from wasmtier import spectest

    if args.paths:
        roots = args.paths
    else:
        root = spectest.spectest_root()
        if not (root / "core").is_dir():
            raise UsageError(f"spec tests not found at {root / 'core'}: set WASMTIER_SPECTEST "
                             "to the spectest directory (the one holding core/)")
        roots = [root / "core"]
    try:
        scripts = spectest.discover_scripts(roots)
    except FileNotFoundError as exc:
        raise UsageError(str(exc)) from None
    if not scripts:
        raise UsageError(f"no spec scripts under {', '.join(map(str, roots))}")

    settings = parse_config_settings(args.config)
    try:
        adapter = spectest.ADAPTERS[args.engine](strategy=args.tier, config=settings)
    except (ImportError, AttributeError, TypeError, ValueError) as exc:
        raise UsageError(f"cannot create the {args.engine} engine (--tier {args.tier}, "
                         f"-C {settings}): {type(exc).__name__}: {exc}") from None
    guard = spectest.DEFAULT_GUARD_SECONDS if args.guard_seconds is None else args.guard_seconds

    def print_result(result: spectest.ScriptResult) -> None:
        print(f"{result.script}: {result.passed} passed, {result.failed} failed, "
              f"{result.skipped} skipped", flush=True)
        if args.verbose:
            for failure in result.failures:
                print(f"    line {failure.line}: {failure.reason}")
            for reason, count in sorted(result.skip_reasons.items()):
                print(f"    skipped {count}: {reason}")

    report = spectest.run_scripts(adapter, scripts, on_result=print_result, guard_seconds=guard)
    print(report.summary_line())
    if args.json_out is not None:
        args.json_out.write_text(json.dumps(report.to_json(), indent=1) + "\n")
    return 1 if report.failed else 0


# --------------------------------------------------------------------------
# run


def add_run_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "run", help="run a WebAssembly program (.wasm or .wat)",
        description="Run a WASI command (its _start export) or, with --invoke, one export. "
                    "The exit code is the guest's proc_exit code.")
    parser.add_argument("file", metavar="FILE", type=Path)
    parser.add_argument("args", nargs=argparse.REMAINDER, metavar="ARGS",
                        help="arguments passed to the guest (argv[1:]) or to --invoke")
    add_config_arguments(parser)
    parser.add_argument("--invoke", metavar="NAME", help="call this export instead of _start")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VAL",
                        help="set a guest environment variable (repeatable)")
    parser.add_argument("--dir", action="append", default=[], metavar="HOST[::GUEST]",
                        help="preopen a host directory for the guest (repeatable)")
    parser.add_argument("--fuel", type=int, metavar="N",
                        help="run with N units of fuel (one per executed operator); "
                             "running out traps")
    parser.add_argument("--unknown-imports", choices=("trap", "default"), default=None,
                        help="satisfy function imports the runtime does not provide: "
                             "'trap' traps when called, 'default' returns zeros")
    parser.add_argument("--stats", action="store_true",
                        help="after the run, print how each function executed "
                             "(tier, bytecode size, machine-code size)")
    parser.add_argument("--tier-log", metavar="FILE.jsonl", default=None,
                        help="write every tier event (threshold, compile, publish, osr) "
                             "to FILE, one JSON object per line (Config.tier_log)")
    parser.set_defaults(run=cmd_run)


def cmd_run(args: argparse.Namespace) -> int:
    import time

    import wasmtier

    config = make_config(args.tier, parse_config_settings(args.config))
    if args.tier_log:
        config.tier_log = args.tier_log
    if args.fuel is not None:
        if args.fuel < 0:
            raise UsageError("--fuel must be non-negative")
        config.consume_fuel = True
    engine = wasmtier.Engine(config)
    try:
        store = wasmtier.Store(engine)
    except ValueError as exc:           # e.g. a negative tier_up_baseline
        raise UsageError(str(exc)) from None
    if args.fuel is not None:
        store.set_fuel(args.fuel)
    try:
        module = wasmtier.Module.from_file(engine, str(args.file))
    except FileNotFoundError:
        raise UsageError(f"no such file: {args.file}") from None
    except wasmtier.WasmtimeError as exc:
        print(f"wasmtier run: error: {args.file}: {exc}", file=sys.stderr)
        return 1
    wasi = wasmtier.WasiConfig()
    wasi.argv = [args.file.name, *([] if args.invoke else args.args)]
    env = []
    for item in args.env:
        name, sep, value = item.partition("=")
        if not sep:
            raise UsageError(f"--env expects NAME=VAL, got {item!r}")
        env.append((name, value))
    wasi.env = env
    for spec in args.dir:
        host, _, guest = spec.partition("::")
        wasi.preopen_dir(host, guest or host)
    wasi.inherit_stdin()
    wasi.inherit_stdout()
    wasi.inherit_stderr()
    store.set_wasi(wasi)
    linker = wasmtier.Linker(engine)
    linker.define_wasi()
    if args.unknown_imports:
        define_unknown_imports(linker, store, module, args.unknown_imports)
    start = time.perf_counter()
    code = 0
    try:
        instance = linker.instantiate(store, module)
        exports = instance.exports(store)
        name = args.invoke or "_start"
        if name not in exports:
            raise UsageError(f"{args.file} has no export named {name!r}")
        func = exports[name]
        if not isinstance(func, wasmtier.Func):
            raise UsageError(f"export {name!r} is not a function")
        params = invoke_args(func.type(store), args.args) if args.invoke else []
        result = func(store, *params)
        if args.invoke and result is not None:
            print(result)
    except wasmtier.ExitTrap as exc:
        code = exc.code
    except wasmtier.Trap as exc:
        print(f"wasmtier run: error: {args.file}: wasm trap: {exc}", file=sys.stderr)
        code = 134
    except wasmtier.WasmtimeError as exc:
        print(f"wasmtier run: error: {args.file}: {exc}", file=sys.stderr)
        code = 1
    elapsed = time.perf_counter() - start
    if args.stats:
        print_stats(store, elapsed, sys.stderr)
    store._tiers.close()
    return code


def define_unknown_imports(linker, store, module, mode: str) -> None:
    """Give every function import the linker cannot satisfy a stand-in that
    traps (`trap`) or returns zero values (`default`)."""
    import wasmtier

    if mode == "trap":
        linker.define_unknown_imports_as_traps(module)
        return
    for imp in module.imports:
        if not isinstance(imp.type, wasmtier.FuncType):
            continue
        try:
            linker.get(store, imp.module, imp.name)
            continue
        except wasmtier.WasmtimeError:
            pass
        results = imp.type.results
        zeros = [None if str(r) in ("funcref", "externref") else
                 (0.0 if str(r) in ("f32", "f64") else 0) for r in results]

        def default(*args, _zeros=zeros):
            return None if not _zeros else _zeros[0] if len(_zeros) == 1 else list(_zeros)
        linker.define_func(imp.module, imp.name, imp.type, default)


def print_stats(store, elapsed: float, out) -> None:
    """How the program executed: per function that ran, its tier, its tier-0
    bytecode size (if it was translated) and its machine-code size (if it
    was compiled)."""
    from wasmtier.runtime.store import KIND_WASM

    core = store._core
    tiers = store._tiers
    code = tiers.interp.code
    starts = sorted((int(pc), sid) for sid, (pc, *_rest) in tiers.interp.entry_facts.items())
    sizes = {}
    for k, (pc, sid) in enumerate(starts):
        end = starts[k + 1][0] if k + 1 < len(starts) else code.length
        sizes[sid] = end - pc
    wasm_funcs = [e for e in core.funcs.entries if e.kind == KIND_WASM]
    ran = [e for e in wasm_funcs if e.sid in sizes or e.sid in tiers.published]
    print(f"--- wasmtier: {elapsed * 1000:.1f} ms, strategy {tiers.strategy}; "
          f"{len(ran)} of {len(wasm_funcs)} functions translated or compiled", file=out)
    print(f"{'function':<32} {'tier':<8} {'bytecode words':>14} {'code bytes':>10}", file=out)
    for e in ran:
        name = e.name or f"func[{e.index}]"
        words = sizes.get(e.sid, "-")
        inst = tiers.published.get(e.sid)
        nbytes = len(inst.cf.code) if inst is not None else "-"
        print(f"{name[:32]:<32} {tiers.tier_of(e.sid):<8} {words:>14} {nbytes:>10}", file=out)


# --------------------------------------------------------------------------


SUBCOMMANDS: list[Callable] = [add_run_parser, add_spectest_parser, add_bench_parser]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wasmtier",
                                     description="wasmtier: a tiered WebAssembly runtime")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for add_parser in SUBCOMMANDS:
        add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except UsageError as exc:
        print(f"wasmtier {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
