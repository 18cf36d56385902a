"""Run Sightglass benchmarks the way Sightglass does, on wasmtier or wasmtime-py.

One runner serves the conformance test (tests/test_sightglass.py) and the
side-by-side timing (benches/bench_sightglass.py): both runtimes go through the
same code, parametrized by the runtime *module* (`wasmtier` or `wasmtime`),
since wasmtier copies wasmtime-py's embedding API.

Run conventions (upstream benchmarks/README.md, restated in the snapshot's
MANIFEST.md)
--------------------------------------------------------------------------
* every benchmark is a WASI command: it exports ``_start`` and imports
  ``bench.start`` / ``bench.end`` (``[] -> []``) around the measured region;
* its own directory is pre-opened as ``"."`` and inputs are read by relative
  path; there is no stdin;
* stdout and stderr are compared with ``<stem>.stdout.expected`` /
  ``<stem>.stderr.expected``, falling back to ``default.*.expected``; a
  benchmark with no expected file for a stream is not checked on that stream
  (upstream ships none for hashset, richards, sqlite3, ...);
* ``WASM_BENCH_USE_SMALL_WORKLOAD=1`` in the guest environment selects the
  small input where one exists (a ``small.input`` next to the module).

Layout of a run::

    host (this module)                     guest
    ------------------                     -----
    Linker.define_wasi()                   wasi_snapshot_preview1.*
    bench.start  -> perf_counter() ----+   call bench.start
                                       |   ... measured work ...
    bench.end    -> perf_counter() ----+   call bench.end
    _start() returns, or ExitTrap(0)       proc_exit(0)
    stdout/stderr files  --> compared line by line with *.expected

A benchmark may call start/end more than once; `RunResult.bench_seconds` is
the sum of its regions.  Benchmarks that import only ``bench.start`` (two
libsodium utilities) are timed from start to the end of ``_start``.

Discovery classifies every ``.wasm`` file: core module or component (the
binary header's layer field), and -- for core modules -- whether wasmtier's
validator accepts it (it rejects SIMD with ``UnsupportedFeature("simd")``).
What the snapshot's MANIFEST says cannot run (missing inputs, components,
GC, wasi-nn) is in `MANIFEST_SKIPS`.
"""

from __future__ import annotations

import difflib
import gc
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run from a checkout without installing wasmtier
    sys.path.insert(0, str(ROOT))

SMALL_ENV = "WASM_BENCH_USE_SMALL_WORKLOAD"
BENCHMARKS_ENV = "WASMTIER_BENCHMARKS"

# Benchmarks the snapshot's MANIFEST.md says cannot run as upstream intends.
# (meshoptimizer also misses indices.input but still runs and matches.)
MANIFEST_SKIPS = {
    "hex-simd": "MANIFEST: default.input and benchmark.stdout.expected not in the snapshot "
                "(>= 4 MiB); it reads stdin and traps",
    "rust-protobuf": "MANIFEST: default.input not in the snapshot (>= 4 MiB); traps opening it",
    "cm-online-stats": "MANIFEST: a component (WASI 0.2.6 + `bench` instance), not a core module",
    "kotlin-richards": "MANIFEST: a component needing GC + exceptions, not a core module",
    "splay": "MANIFEST: core module using GC + function-references",
    "image-classification-benchmark": "MANIFEST: needs wasi_ephemeral_nn (wasi-nn + OpenVINO) "
                                      "and model files that are not in the snapshot",
}


def benchmarks_root() -> Path:
    """$WASMTIER_BENCHMARKS (default <repo>/../shared/benchmarks) / sightglass."""
    base = Path(os.environ.get(BENCHMARKS_ENV, ROOT.parent / "shared" / "benchmarks"))
    return base / "sightglass" if (base / "sightglass").is_dir() else base


@dataclass
class Benchmark:
    name: str          # short unique name: directory, or the stem when it is not "benchmark"
    wasm: Path
    kind: str          # "core" | "component" | "unknown"

    @property
    def dir(self) -> Path:
        return self.wasm.parent

    @property
    def stem(self) -> str:
        return self.wasm.stem

    @property
    def has_small(self) -> bool:
        return (self.dir / "small.input").exists()

    def expected(self, stream: str) -> Path | None:
        for stem in (self.stem, "default"):
            p = self.dir / f"{stem}.{stream}.expected"
            if p.exists():
                return p
        return None

    @property
    def manifest_skip(self) -> str | None:
        return MANIFEST_SKIPS.get(self.name)


def _kind(head: bytes) -> str:
    if head[:4] != b"\0asm":
        return "unknown"
    return {b"\x01\x00\x00\x00": "core"}.get(head[4:8], "component" if head[6:8] == b"\x01\x00" else "unknown")


def discover(root: Path | None = None) -> list[Benchmark]:
    """Every .wasm under root/<dir>/, sorted by name."""
    root = benchmarks_root() if root is None else root
    out = []
    for wasm in sorted(root.glob("*/*.wasm")):
        with open(wasm, "rb") as f:
            kind = _kind(f.read(8))
        name = wasm.parent.name if wasm.stem == "benchmark" else wasm.stem
        out.append(Benchmark(name, wasm, kind))
    return out


def unsupported_reason(bench: Benchmark, rt: ModuleType, engine=None) -> str | None:
    """Why `rt` cannot compile the module (e.g. wasmtier's UnsupportedFeature
    "simd"), or None if `rt.Module` accepts it."""
    if bench.kind != "core":
        return f"{bench.kind}, not a core module"
    try:
        rt.Module(engine if engine is not None else rt.Engine(), bench.wasm.read_bytes())
    except Exception as e:  # noqa: BLE001 -- the reason is the report
        return f"{type(e).__name__}: {e}"
    return None


def make_engine(rt: ModuleType, strategy: str | None = None):
    cfg = rt.Config()
    if strategy is not None:
        cfg.strategy = strategy
    return rt.Engine(cfg)


@dataclass
class RunResult:
    stdout: bytes = b""
    stderr: bytes = b""
    exit_code: int | None = None        # None: _start returned normally
    error: BaseException | None = None  # trap or host error other than exit(0)
    regions: list[tuple[float, float]] = field(default_factory=list)
    total_seconds: float = 0.0          # _start, wall time
    compile_seconds: float = 0.0

    @property
    def bench_seconds(self) -> float:
        return sum(e - s for s, e in self.regions)

    @property
    def ok_exit(self) -> bool:
        return self.error is None and self.exit_code in (None, 0)


def run(bench: Benchmark, rt: ModuleType, *, engine=None, strategy: str | None = None,
        small: bool = False, module=None, workdir: Path | None = None) -> RunResult:
    """Instantiate and run `bench` once on runtime module `rt`.

    `module` may be a precompiled `rt.Module` (for repeated timing runs).
    Traps are recorded in `RunResult.error`, never raised; ExitTrap with code
    0 is a normal end.
    """
    engine = engine if engine is not None else make_engine(rt, strategy)
    res = RunResult()
    t0 = time.perf_counter()
    if module is None:
        module = rt.Module(engine, bench.wasm.read_bytes())
    res.compile_seconds = time.perf_counter() - t0

    own_tmp = None
    if workdir is None:
        own_tmp = tempfile.TemporaryDirectory(prefix="sightglass-")
        workdir = Path(own_tmp.name)
    out_path, err_path = workdir / f"{bench.name}.stdout", workdir / f"{bench.name}.stderr"
    try:
        wasi = rt.WasiConfig()
        wasi.argv = [bench.wasm.name]
        wasi.env = [(SMALL_ENV, "1")] if small else []
        wasi.preopen_dir(str(bench.dir), ".")
        wasi.stdout_file = str(out_path)
        wasi.stderr_file = str(err_path)

        store = rt.Store(engine)
        store.set_wasi(wasi)
        linker = rt.Linker(engine)
        linker.define_wasi()
        open_start: list[float] = []
        empty = rt.FuncType([], [])

        def bench_start():
            open_start.append(time.perf_counter())

        def bench_end():
            t = time.perf_counter()
            res.regions.append((open_start.pop() if open_start else t, t))

        linker.define_func("bench", "start", empty, bench_start)
        linker.define_func("bench", "end", empty, bench_end)
        t0 = time.perf_counter()
        try:
            instance = linker.instantiate(store, module)
            start = instance.exports(store)["_start"]
            start(store)
        except rt.ExitTrap as e:
            res.exit_code = e.code
            if e.code != 0:
                res.error = e
        except Exception as e:  # noqa: BLE001 -- Trap, WasmtimeError, host errors
            code = getattr(e, "code", None)
            if type(e).__name__ == "ExitTrap" and code == 0:
                res.exit_code = 0
            else:
                res.error = e
        t1 = time.perf_counter()
        res.total_seconds = t1 - t0
        for s in open_start:  # start without end: region runs to the end of _start
            res.regions.append((s, t1))
        # Drop every reference to the store so both runtimes close (flush)
        # the stdout/stderr files before they are read.
        instance = start = store = linker = wasi = None  # noqa: F841
        gc.collect()
        res.stdout = out_path.read_bytes() if out_path.exists() else b""
        res.stderr = err_path.read_bytes() if err_path.exists() else b""
    finally:
        if own_tmp is not None:
            own_tmp.cleanup()
    return res


def expected_outputs(bench: Benchmark, small: bool = False) -> dict[str, tuple[str, bytes]]:
    """{stream: (source, bytes)} to compare a run with.

    Normally the benchmark's ``*.expected`` files.  Upstream's expected files
    describe the *default* workload only (blake3-scalar's stderr names
    ``./default.input`` and its size), so for a small-workload run of a
    benchmark that has a small input the reference is wasmtime-py's output
    for the same small run (differential oracle); wasmtime itself matches the
    expected files on the default workload.
    """
    if small and bench.has_small:
        import wasmtime
        ref = run(bench, wasmtime, small=True)
        if not ref.ok_exit:
            raise RuntimeError(f"wasmtime failed the small workload of {bench.name}: {ref.error}")
        return {"stdout": ("wasmtime stdout (small workload)", ref.stdout),
                "stderr": ("wasmtime stderr (small workload)", ref.stderr)}
    out = {}
    for stream in ("stdout", "stderr"):
        p = bench.expected(stream)
        if p is not None:
            out[stream] = (p.name, p.read_bytes())
    return out


def compare(bench: Benchmark, res: RunResult,
            expected: dict[str, tuple[str, bytes]] | None = None) -> list[str]:
    """Problems with a run, empty if it matches: trap/exit status, then
    stdout/stderr against `expected` (default: the ``*.expected`` files),
    line by line (exact lines)."""
    expected = expected_outputs(bench) if expected is None else expected
    problems = []
    if res.error is not None:
        problems.append(f"trapped: {type(res.error).__name__}: {_first_lines(str(res.error), 12)}")
    elif res.exit_code not in (None, 0):
        problems.append(f"exit code {res.exit_code}")
    for stream, got in (("stdout", res.stdout), ("stderr", res.stderr)):
        if stream not in expected:
            continue
        source, exp = expected[stream]
        if got == exp:
            continue
        exp_lines = exp.decode("utf-8", "replace").splitlines(keepends=True)
        got_lines = got.decode("utf-8", "replace").splitlines(keepends=True)
        for i, (a, b) in enumerate(zip(exp_lines, got_lines)):
            if a != b:
                where = f"first difference at line {i + 1}: expected {a!r}, got {b!r}"
                break
        else:
            i = min(len(exp_lines), len(got_lines))
            where = (f"{len(got_lines)} lines, expected {len(exp_lines)}; line {i + 1}: "
                     f"expected {exp_lines[i] if i < len(exp_lines) else '<end>'!r}, "
                     f"got {got_lines[i] if i < len(got_lines) else '<end>'!r}")
        diff = "".join(list(difflib.unified_diff(exp_lines, got_lines, source,
                                                 f"actual {stream}", n=1))[:24])
        problems.append(f"{stream} differs from {source}: {where}\n{diff}")
    return problems


def _first_lines(text: str, n: int) -> str:
    lines = text.splitlines()
    return "\n".join(lines[:n] + (["..."] if len(lines) > n else []))


def runtime(name: str) -> ModuleType:
    """The runtime module by name: "wasmtier" or "wasmtime"."""
    if name == "wasmtier":
        import wasmtier
        return wasmtier
    if name == "wasmtime":
        import wasmtime
        return wasmtime
    raise ValueError(f"unknown runtime {name!r}")


def eligible(benches: list[Benchmark], rt: ModuleType | None = None) -> list[tuple[Benchmark, str | None]]:
    """(benchmark, skip reason or None) for the conformance set: every core
    module that uses no SIMD (wasmtier -- or `rt` -- rejects SIMD with
    UnsupportedFeature "simd"), plus the MANIFEST's unrunnable benchmarks
    (components, GC, missing inputs) with their reason, unless they use SIMD.
    Any other rejection is not a skip: running it will fail and say why."""
    rt = runtime("wasmtier") if rt is None else rt
    engine = rt.Engine()
    out = []
    for b in benches:
        why = unsupported_reason(b, rt, engine) if b.kind == "core" else None
        if why is not None and "simd" in why.lower():
            continue
        if b.kind != "core" and b.manifest_skip is None:
            continue
        out.append((b, b.manifest_skip))
    return out


if __name__ == "__main__":  # quick classification table
    import wasmtier
    eng = wasmtier.Engine()
    print("| benchmark | kind | wasmtier Module() | small workload | MANIFEST |")
    print("|---|---|---|---|---|")
    for b in discover():
        r = unsupported_reason(b, wasmtier, eng) if b.kind == "core" else b.kind
        print(f"| {b.name} | {b.kind} | {r or 'ok'} | {'yes' if b.has_small else 'no'} "
              f"| {b.manifest_skip or ''} |")
