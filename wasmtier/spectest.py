"""Spec-test harness: runs the WebAssembly spec suite's JSON command scripts.

Input is wabt's ``wast2json`` format as stored under ``$WASMTIER_SPECTEST``
(see its README.md), including the variants that ``wasm-tools json-from-wast``
writes (``module_type``/``binary_filename`` on modules, ``module_definition``,
``register`` without ``name``, ``assert_trap`` without ``expected``, GC
reference results such as ``anyref``/``i31ref``/``nullref``/``refnull``).

Design
------
::

    run_scripts(paths, adapter) ──► ScriptRunner(adapter, script) per script
                                        │ one store per script; the `spectest`
                                        │ host module and `register`ed
                                        │ instances form the import registry
                                        ▼
                          command ──► Outcome (passed | failed | skipped)
                                        │
                 EngineAdapter ◄────────┘  compile / instantiate / invoke /
                 (WasmtierAdapter,         get_global / classify(exception)
                  WasmtimeAdapter)

* The runner knows the script format and the spec's rules; an `EngineAdapter`
  knows one engine's API.  Adapters traffic in *raw values*: a value is a
  ``(type, raw)`` pair where i32/i64/f32/f64/v128 are unsigned bit patterns
  (so NaN payloads and signalling NaNs compare exactly) and references are
  host objects (``None`` = null; ``HostRef(n)`` for the script's
  ``ref.extern n``).  Engine exceptions are turned into an `EngineError` of one
  `ErrorKind` by ``adapter.classify``; anything it does not recognise is a
  crash, reported as a failure of that command with the exception text.
* The ``spectest`` host module is the reference interpreter's: print*
  functions that do nothing, immutable globals ``global_i32``/``global_i64`` =
  666 and ``global_f32``/``global_f64`` = 666.6, ``table`` (funcref, 10..20),
  ``memory`` (1..2 pages).  Its i64-indexed ``table64`` cannot be built through
  the wasmtime-py-shaped API: importing it skips (``unsupported feature:
  memory64 (spectest.table64)``).
* Linking is done here, by name: each import of a module is looked up in the
  registry (``spectest`` or a ``register``ed instance) and the externs are
  passed to the engine in ``module.imports`` order.  A missing module or name is
  ``unknown import``; a type mismatch is for the engine to report.

Invariants
----------
* Every command yields exactly one outcome, so per script
  ``passed + failed + skipped == len(commands)`` (a script that cannot even be
  read or set up counts as one failure at line 0).
* Nothing raised while running a command escapes it (except KeyboardInterrupt
  and SystemExit): a crash of the harness or the engine fails that command,
  and the run goes on.  Instantiation and every invocation run under a
  generous wall-clock guard (SIGALRM, main thread only; it fires only when
  control returns to Python).  A Python ``RecursionError`` is a failure unless
  the command is ``assert_exhaustion``.
* A module the engine rejects with UnsupportedFeature is *skipped* with reason
  ``unsupported feature: <name>``, and so is every command that depends on it
  (actions on it, ``register`` of it, modules importing from it).  A module
  that fails for any other reason fails, and its dependents fail too.
* Text-format ``assert_malformed`` modules are skipped (reason
  ``text format``); other text-format modules are converted with
  ``wasm-tools parse`` (skipped with ``text format`` if that is unavailable).
* Trap messages match when the actual message starts with the expected text
  (the reference interpreter's rule; note bulk.wast expects
  ``uninitialized element 2``, the reference interpreter's message for a null
  entry at table index 2).  ``assert_malformed`` requires a decode
  error and ``assert_invalid`` a validation error, except where the engine
  cannot tell them apart (``ErrorKind.REJECTED``, wasmtime only).
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

REPO_ROOT = Path(__file__).resolve().parent.parent
IN_SCOPE_FEATURES = frozenset({"wasm2", "multi-memory", "tail-call", "extended-const"})
DEFAULT_GUARD_SECONDS = 120.0

# --------------------------------------------------------------------------
# Locating scripts


def spectest_root() -> Path:
    """The spec corpus directory: $WASMTIER_SPECTEST or ../shared/spectest
    relative to the repository root (it may not exist)."""
    env = os.environ.get("WASMTIER_SPECTEST")
    return Path(env) if env else (REPO_ROOT.parent / "shared" / "spectest").resolve()


def is_command_script(path: Path) -> bool:
    """The corpus stores each script as <stem>/<stem>.json; other JSON files
    (FEATURES.json) are not scripts."""
    return path.suffix == ".json" and path.parent.name == path.stem


def discover_scripts(paths: Iterable[Path]) -> list[Path]:
    """Expand directories (recursively) into their command scripts; files are
    taken as given.  Missing paths raise FileNotFoundError."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*.json") if is_command_script(p)))
        elif path.is_file():
            found.append(path)
        else:
            raise FileNotFoundError(f"no such spec script or directory: {path}")
    return found


def script_name(path: Path, root: Path | None = None) -> str:
    """Name of a script in reports: relative to the corpus root when inside it
    (``core/i32/i32.json``, the key FEATURES.tsv uses), else the path as given."""
    root = root or spectest_root()
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def load_features(root: Path | None = None) -> dict[str, frozenset[str]]:
    """FEATURES.tsv as {script name: features} (``wasm2`` = no proposal)."""
    root = root or spectest_root()
    features: dict[str, frozenset[str]] = {}
    for line in (root / "FEATURES.tsv").read_text().splitlines()[1:]:
        name, _, feats = line.partition("\t")
        features[name] = frozenset(f for f in feats.split(",") if f)
    return features


# --------------------------------------------------------------------------
# Values


@dataclasses.dataclass(frozen=True)
class HostRef:
    """The host reference a script writes as ``ref.extern n`` (or ``ref.host n``)."""

    n: int


NUMERIC_BITS = {"i32": 32, "i64": 64, "f32": 32, "f64": 64, "v128": 128}
FLOAT_LAYOUT = {  # bits -> (quiet bit, exponent mask, canonical NaN)
    32: (1 << 22, 0x7F80_0000, 0x7FC0_0000),
    64: (1 << 51, 0x7FF0_0000_0000_0000, 0x7FF8_0000_0000_0000),
}
LANE_BITS = {"i8": 8, "i16": 16, "i32": 32, "i64": 64, "f32": 32, "f64": 64}
NULL_REF_TYPES = frozenset({"nullref", "nullfuncref", "nullexternref", "nullexnref", "refnull"})
REF_TYPES = frozenset({"funcref", "externref", "anyref", "eqref", "i31ref", "structref",
                       "arrayref", "exnref"}) | NULL_REF_TYPES


def parse_v128(value: dict) -> int:
    """A v128 script value (``lane_type`` + list of lane bit strings) as one
    128-bit integer, lane 0 in the low bits."""
    lane_bits = LANE_BITS[value["lane_type"]]
    raw = 0
    for i, lane in enumerate(value["value"]):
        raw |= (int(lane) & ((1 << lane_bits) - 1)) << (i * lane_bits)
    return raw


def parse_ref(value: dict) -> Any:
    """A reference argument: ``null`` -> None, ``n`` -> HostRef(n)."""
    text = value.get("value")
    if value["type"] in NULL_REF_TYPES or text in (None, "null"):
        return None
    if value["type"] == "funcref":
        raise ValueError("non-null funcref argument cannot be written in a script")
    return HostRef(int(text))


def parse_arg(value: dict) -> tuple[str, Any]:
    """A script argument as a raw ``(type, raw)`` pair."""
    ty = value["type"]
    if ty == "v128":
        return ty, parse_v128(value)
    if ty in NUMERIC_BITS:
        return ty, int(value["value"]) & ((1 << NUMERIC_BITS[ty]) - 1)
    if ty in REF_TYPES:
        return ty, parse_ref(value)
    raise ValueError(f"unknown argument type {ty!r}")


def float_matches(pattern: str, raw: int, bits: int) -> bool:
    """Match a float's bit pattern against a script value: ``nan:canonical``
    (quiet NaN with empty payload, either sign), ``nan:arithmetic`` (any quiet
    NaN, either sign) or exact bits."""
    quiet, exponent, canonical = FLOAT_LAYOUT[bits]
    magnitude = raw & ((1 << (bits - 1)) - 1)
    if pattern == "nan:canonical":
        return magnitude == canonical
    if pattern == "nan:arithmetic":
        return magnitude & (exponent | quiet) == exponent | quiet
    return raw == int(pattern) & ((1 << bits) - 1)


def v128_matches(expected: dict, raw: int) -> bool:
    lane_type = expected["lane_type"]
    lane_bits = LANE_BITS[lane_type]
    for i, lane in enumerate(expected["value"]):
        actual_lane = (raw >> (i * lane_bits)) & ((1 << lane_bits) - 1)
        if lane_type in ("f32", "f64"):
            if not float_matches(lane, actual_lane, lane_bits):
                return False
        elif actual_lane != int(lane) & ((1 << lane_bits) - 1):
            return False
    return True


def format_value(ty: str, raw: Any) -> str:
    """A raw value for failure messages, e.g. ``f32:0x7fc00000 (nan)``."""
    if ty in ("f32", "f64"):
        fmt, size = ("<f", "<I") if ty == "f32" else ("<d", "<Q")
        number = struct.unpack(fmt, struct.pack(size, raw))[0]
        return f"{ty}:0x{raw:0{NUMERIC_BITS[ty] // 4}x} ({number!r})"
    if ty in ("i32", "i64"):
        return f"{ty}:{raw} (0x{raw:x})"
    if ty == "v128":
        return f"v128:0x{raw:032x}"
    return f"{ty}:{'null' if raw is None else raw!r}"


def format_expected(value: dict) -> str:
    if "value" not in value:
        return f"{value['type']}:<any non-null>" if value["type"] not in NULL_REF_TYPES else value["type"]
    if value["type"] == "v128":
        return f"v128:{value['lane_type']}x[{' '.join(value['value'])}]"
    return f"{value['type']}:{value['value']}"


def value_matches(expected: dict, actual_type: str, raw: Any) -> bool:
    """Does the actual ``(type, raw)`` satisfy the script's expected value?

    Numeric types must agree exactly.  For references only nullness and host
    identity are checked (the engine's reference type names differ, and a
    script's GC result kinds such as ``i31ref`` are checked as "non-null")."""
    ty = expected["type"]
    if ty in NUMERIC_BITS:
        if actual_type != ty:
            return False
        if ty == "v128":
            return v128_matches(expected, raw)
        if ty in ("f32", "f64"):
            return float_matches(expected["value"], raw, NUMERIC_BITS[ty])
        return raw == int(expected["value"]) & ((1 << NUMERIC_BITS[ty]) - 1)
    if ty not in REF_TYPES or actual_type in NUMERIC_BITS:
        return False
    text = expected.get("value")
    if ty in NULL_REF_TYPES or text == "null":
        return raw is None
    if text is None or ty == "funcref":  # wabt writes (ref.func) as funcref "0"
        return raw is not None
    return raw == HostRef(int(text))


def results_match(expected: list[dict], actual: list[tuple[str, Any]]) -> str | None:
    """None if the results satisfy the expectation, else a reason."""
    if len(expected) != len(actual) or not all(
        value_matches(e, t, r) for e, (t, r) in zip(expected, actual)
    ):
        return (f"expected [{', '.join(map(format_expected, expected))}], "
                f"got [{', '.join(format_value(t, r) for t, r in actual)}]")
    return None


def either_matches(alternatives: list[dict], actual: list[tuple[str, Any]]) -> str | None:
    """``(either v1 v2 ...)``: a single result matching any alternative."""
    if len(actual) == 1 and any(value_matches(alt, *actual[0]) for alt in alternatives):
        return None
    return (f"expected one of [{', '.join(map(format_expected, alternatives))}], "
            f"got [{', '.join(format_value(t, r) for t, r in actual)}]")


# --------------------------------------------------------------------------
# Errors and outcomes


class ErrorKind(enum.Enum):
    MALFORMED = "malformed"
    INVALID = "invalid"
    REJECTED = "malformed or invalid"  # engine cannot tell which (wasmtime)
    UNSUPPORTED = "unsupported"
    UNLINKABLE = "unlinkable"
    TRAP = "trap"
    EXHAUSTION = "exhaustion"
    EXCEPTION = "uncaught exception"
    RECURSION = "Python RecursionError"
    TIMEOUT = "guard timeout"


def one_line(message: str) -> str:
    """Engine messages (wasmtime's carry backtraces) folded onto one line."""
    return " ".join(message.split())


@dataclasses.dataclass(frozen=True)
class EngineError:
    kind: ErrorKind
    message: str
    feature: str | None = None
    trap_texts: tuple[str, ...] = ()  # spec texts this trap may stand for (wasmtime)

    def trap_matches(self, expected_text: str) -> bool:
        texts = self.trap_texts or (self.message,)
        return any(t.startswith(expected_text) for t in texts)

    def describe(self) -> str:
        return f"{self.kind.value}: {one_line(self.message)}"


@dataclasses.dataclass(frozen=True)
class Unprovidable:
    """A host-module entry the adapter cannot create; importing it skips the
    command with ``unsupported feature: <feature>``."""

    feature: str


class AdapterUnsupported(Exception):
    """An adapter cannot express something (e.g. a value type) for an engine."""

    def __init__(self, feature: str):
        super().__init__(feature)
        self.feature = feature


class GuardTimeout(Exception):
    """The wall-clock guard around an instantiation or invocation fired."""


class Status(enum.Enum):
    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclasses.dataclass(frozen=True)
class Outcome:
    status: Status
    reason: str = ""


PASSED = Outcome(Status.PASSED)


def failed(reason: str) -> Outcome:
    return Outcome(Status.FAILED, reason)


def skipped(reason: str) -> Outcome:
    return Outcome(Status.SKIPPED, reason)


def unsupported(feature: str) -> Outcome:
    return skipped(f"unsupported feature: {feature}")


class CommandAborted(Exception):
    """Internal: stop a command early with a final outcome."""

    def __init__(self, outcome: Outcome):
        super().__init__(outcome.reason)
        self.outcome = outcome


@contextlib.contextmanager
def wall_clock_guard(seconds: float | None, what: str) -> Iterator[None]:
    """Raise GuardTimeout in the body after `seconds` (main thread only)."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_alarm(signum, frame):
        raise GuardTimeout(f"{what} exceeded the {seconds:g}s guard")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    outer_delay, outer_interval = signal.setitimer(signal.ITIMER_REAL, seconds)
    started = time.monotonic()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer_delay:  # re-arm an enclosing timer (e.g. pytest-timeout's)
            remaining = outer_delay - (time.monotonic() - started)
            signal.setitimer(signal.ITIMER_REAL, max(remaining, 1e-3), outer_interval)


# --------------------------------------------------------------------------
# Engine adapters


class EngineAdapter:
    """What the runner needs from an engine.  `api` is the wasmtime-py-shaped
    module (``wasmtier`` or ``wasmtime``)."""

    name = "engine"
    api: Any

    def new_store(self) -> Any:
        return self.api.Store(self.engine)

    def spectest_exports(self, store: Any) -> dict[str, Any]:
        """The `spectest` host module (the reference interpreter's)."""
        api = self.api
        V = api.ValType

        def printer(*params):
            return api.Func(store, api.FuncType(list(params), []), lambda *args: None)

        def constant(ty, val):
            return api.Global(store, api.GlobalType(ty, False), val)

        return {
            "print": printer(),
            "print_i32": printer(V.i32()),
            "print_i64": printer(V.i64()),
            "print_f32": printer(V.f32()),
            "print_f64": printer(V.f64()),
            "print_i32_f32": printer(V.i32(), V.f32()),
            "print_f64_f64": printer(V.f64(), V.f64()),
            "global_i32": constant(V.i32(), api.Val.i32(666)),
            "global_i64": constant(V.i64(), api.Val.i64(666)),
            "global_f32": constant(V.f32(), api.Val.f32(666.6)),
            "global_f64": constant(V.f64(), api.Val.f64(666.6)),
            "table": api.Table(store, api.TableType(V.funcref(), api.Limits(10, 20)), None),
            "memory": api.Memory(store, api.MemoryType(api.Limits(1, 2))),
            # The reference interpreter's i64-indexed table (min 10, max 20);
            # wasmtime-py's TableType cannot express it (nor, yet, wasmtier's).
            "table64": Unprovidable("memory64 (spectest.table64)"),
        }

    def compile(self, wasm: bytes) -> Any:
        return self.api.Module(self.engine, wasm)

    def import_names(self, module: Any) -> list[tuple[str, str]]:
        return [(imp.module, imp.name) for imp in module.imports]

    def instantiate(self, store: Any, module: Any, externs: list[Any]) -> Any:
        return self.api.Instance(store, module, externs)

    def exports(self, store: Any, instance: Any) -> Any:
        """A mapping name -> extern (KeyError when absent)."""
        return instance.exports(store)

    def is_func(self, extern: Any) -> bool:
        return isinstance(extern, self.api.Func)

    def is_global(self, extern: Any) -> bool:
        return isinstance(extern, self.api.Global)

    def invoke(self, store: Any, func: Any, args: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
        raise NotImplementedError

    def get_global(self, store: Any, glob: Any) -> tuple[str, Any]:
        raise NotImplementedError

    def classify(self, exc: BaseException, phase: str) -> EngineError | None:
        """Map an exception raised in `phase` (compile | instantiate | invoke)
        to an EngineError, or None when it is not an engine error (a crash)."""
        if isinstance(exc, RecursionError):
            return EngineError(ErrorKind.RECURSION, str(exc))
        if isinstance(exc, GuardTimeout):
            return EngineError(ErrorKind.TIMEOUT, str(exc))
        if isinstance(exc, AdapterUnsupported):
            return EngineError(ErrorKind.UNSUPPORTED, str(exc), exc.feature)
        return None


def apply_config(cfg: Any, settings: dict[str, Any]) -> None:
    """setattr each setting, refusing names the Config does not have (a typo
    must not pass silently)."""
    for key, value in settings.items():
        if not (hasattr(type(cfg), key) or hasattr(cfg, key)):
            raise ValueError(f"{type(cfg).__name__} has no setting {key!r}")
        setattr(cfg, key, value)


def _signed(raw: int, bits: int) -> int:
    raw &= (1 << bits) - 1
    return raw - (1 << bits) if raw >> (bits - 1) else raw


class WasmtierAdapter(EngineAdapter):
    """wasmtier through its raw-bits extensions (``Func.call_raw``,
    ``Global.get_raw``), so NaN payloads cross the boundary exactly."""

    name = "wasmtier"

    def __init__(self, strategy: str | None = None, config: dict[str, Any] | None = None,
                 api: Any = None):
        """`api` is the wasmtier package; tests may pass a stand-in."""
        from wasmtier.wasm import errors

        if api is None:
            import wasmtier as api
        self.api = api
        self.errors = errors
        cfg = api.Config()
        if strategy is not None:
            cfg.strategy = strategy
        apply_config(cfg, config or {})
        self.engine = api.Engine(cfg)
        V = api.ValType
        self._type_names = [(V.i32(), "i32"), (V.i64(), "i64"), (V.f32(), "f32"), (V.f64(), "f64"),
                            (V.funcref(), "funcref"), (V.externref(), "externref")]
        if hasattr(V, "v128"):
            self._type_names.append((V.v128(), "v128"))

    def type_name(self, valtype: Any) -> str:
        for known, name in self._type_names:
            if valtype == known:
                return name
        return str(valtype)

    def _typed(self, valtype: Any, raw: Any) -> tuple[str, Any]:
        name = self.type_name(valtype)
        if name in NUMERIC_BITS:
            raw &= (1 << NUMERIC_BITS[name]) - 1
        return name, raw

    def invoke(self, store, func, args):
        results = func.call_raw(store, *(raw for _, raw in args))
        result_types = func.type(store).results
        if len(results) != len(result_types):
            raise AssertionError(f"call_raw returned {len(results)} values for "
                                 f"{len(result_types)} result types")
        return [self._typed(ty, raw) for ty, raw in zip(result_types, results)]

    def get_global(self, store, glob):
        return self._typed(glob.type(store).content, glob.get_raw(store))

    def classify(self, exc, phase):
        errors = self.errors
        if isinstance(exc, errors.UnsupportedFeature):
            return EngineError(ErrorKind.UNSUPPORTED, str(exc), exc.feature)
        if isinstance(exc, errors.DecodeError):
            return EngineError(ErrorKind.MALFORMED, str(exc))
        if isinstance(exc, errors.ValidationError):
            return EngineError(ErrorKind.INVALID, str(exc))
        if isinstance(exc, errors.LinkError):
            return EngineError(ErrorKind.UNLINKABLE, str(exc))
        if isinstance(exc, self.api.Trap):
            kind = (ErrorKind.EXHAUSTION if exc.message.startswith("call stack exhausted")
                    else ErrorKind.TRAP)
            return EngineError(kind, exc.message)
        return super().classify(exc, phase)


# What WasmtimeAdapter returns for a non-null externref that has no host object.
OPAQUE_REF = "<engine-internal reference>"

# Spec trap texts each wasmtime trap code can stand for.
WASMTIME_TRAP_TEXTS = {
    "STACK_OVERFLOW": ("call stack exhausted",),
    "MEMORY_OUT_OF_BOUNDS": ("out of bounds memory access",),
    "HEAP_MISALIGNED": ("misaligned memory access", "unaligned atomic"),
    "TABLE_OUT_OF_BOUNDS": ("out of bounds table access", "undefined element"),
    "INDIRECT_CALL_TO_NULL": ("uninitialized element", "uninitialized element 2"),
    "BAD_SIGNATURE": ("indirect call type mismatch",),
    "INTEGER_OVERFLOW": ("integer overflow",),
    "INTEGER_DIVISION_BY_ZERO": ("integer divide by zero",),
    "BAD_CONVERSION_TO_INTEGER": ("invalid conversion to integer",),
    "UNREACHABLE_CODE_REACHED": ("unreachable",),
    "UNREACHABLE": ("unreachable",),
    "NULL_REFERENCE": ("null reference", "null function reference", "null structure reference",
                       "null array reference", "null i31 reference"),
    "ARRAY_OUT_OF_BOUNDS": ("out of bounds array access",),
    "ALLOCATION_TOO_LARGE": ("allocation too large",),
    "CAST_FAILURE": ("cast failure",),
}
SPEC_TRAP_TEXTS = sorted({t for texts in WASMTIME_TRAP_TEXTS.values() for t in texts},
                         key=len, reverse=True)


class WasmtimeAdapter(EngineAdapter):
    """wasmtime-py, for developing the harness (``--engine wasmtime``).

    Calls go through wasmtime-py's ctypes layer with the value union written
    and read through its integer members, so f32/f64 bits (NaN payloads,
    signalling NaNs) and v128 are exact.  wasmtime cannot distinguish malformed
    from invalid modules (both are ErrorKind.REJECTED), and its trap messages
    differ from the spec's, so traps are matched through their trap codes
    (WASMTIME_TRAP_TEXTS).  GC reference values (anyref, ...) are not
    expressible through wasmtime-py: those commands are skipped."""

    name = "wasmtime"
    FEATURE_FLAGS = ("wasm_multi_memory", "wasm_tail_call", "wasm_simd", "wasm_relaxed_simd",
                     "wasm_memory64", "wasm_function_references", "wasm_gc", "wasm_exceptions",
                     "wasm_wide_arithmetic", "wasm_custom_page_sizes", "wasm_threads",
                     "shared_memory")
    DISABLED_FEATURE_HINTS = ("not enabled", "not supported", "must be enabled",
                              "required for", "unsupported")
    STRATEGIES = {"baseline": "winch", "opt": "cranelift", "auto": "auto"}

    def __init__(self, strategy: str | None = None, config: dict[str, Any] | None = None):
        import wasmtime
        from wasmtime import _ffi as ffi
        from wasmtime._func import enter_wasm

        self.api = wasmtime
        self.ffi = ffi
        self.enter_wasm = enter_wasm
        cfg = wasmtime.Config()
        for flag in self.FEATURE_FLAGS:
            with contextlib.suppress(Exception):
                setattr(cfg, flag, True)
        if strategy in self.STRATEGIES:
            cfg.strategy = self.STRATEGIES[strategy]
        apply_config(cfg, config or {})
        self.engine = wasmtime.Engine(cfg)

    def _to_raw_val(self, store, ty: str, raw: Any):
        ffi, api = self.ffi, self.api
        val = ffi.wasmtime_val_t()
        if ty in ("i32", "f32"):
            val.kind = (ffi.WASMTIME_I32 if ty == "i32" else ffi.WASMTIME_F32).value
            val.of.i32 = _signed(raw, 32)
        elif ty in ("i64", "f64"):
            val.kind = (ffi.WASMTIME_I64 if ty == "i64" else ffi.WASMTIME_F64).value
            val.of.i64 = _signed(raw, 64)
        elif ty == "v128":
            val.kind = ffi.WASMTIME_V128.value
            val.of.v128 = type(val.of.v128)(*raw.to_bytes(16, "little"))
        elif ty == "externref":
            return api.Val.externref(raw)._new_raw(store)
        elif ty == "funcref":
            return api.Val.funcref(raw)._new_raw(store)
        else:
            raise AdapterUnsupported(f"{ty} values through wasmtime-py")
        return val

    def _from_raw_val(self, store, val) -> tuple[str, Any]:
        ffi = self.ffi
        kind = val.kind
        if kind in (ffi.WASMTIME_I32.value, ffi.WASMTIME_F32.value):
            return ("i32" if kind == ffi.WASMTIME_I32.value else "f32"), val.of.i32 & 0xFFFF_FFFF
        if kind in (ffi.WASMTIME_I64.value, ffi.WASMTIME_F64.value):
            return ("i64" if kind == ffi.WASMTIME_I64.value else "f64"), val.of.i64 & (2**64 - 1)
        if kind == ffi.WASMTIME_V128.value:
            return "v128", int.from_bytes(bytes(val.of.v128), "little")
        if kind == ffi.WASMTIME_EXTERNREF.value:
            # wasmtime-py reads an externref without host data (extern.convert_any
            # of an internal reference) as null; keep it non-null here.
            if val.of.externref.store_id == 0:
                return "externref", None
            host = self.api.Val._from_raw(store, val).value
            return "externref", OPAQUE_REF if host is None else host
        if kind == ffi.WASMTIME_FUNCREF.value:
            return "funcref", self.api.Val._from_raw(store, val).value
        raise AdapterUnsupported(f"value kind {kind} through wasmtime-py")

    def invoke(self, store, func, args):
        ffi = self.ffi
        n_results = len(func.type(store).results)
        params = (ffi.wasmtime_val_t * len(args))()
        for i, (ty, raw) in enumerate(args):
            params[i] = self._to_raw_val(store, ty, raw)
        results = (ffi.wasmtime_val_t * n_results)()
        try:
            with self.enter_wasm(store) as trap:
                error = ffi.wasmtime_func_call(store._context(), func._func, params, len(args),
                                               results, n_results, trap)
                if error:
                    raise self.api.WasmtimeError._from_ptr(error)
        finally:
            for i in range(len(args)):
                ffi.wasmtime_val_unroot(params[i])
        return [self._from_raw_val(store, results[i]) for i in range(n_results)]

    def get_global(self, store, glob):
        val = self.ffi.wasmtime_val_t()
        self.ffi.wasmtime_global_get(store._context(), glob._global, val)
        return self._from_raw_val(store, val)

    def classify(self, exc, phase):
        api = self.api
        if isinstance(exc, (api.Trap, api.WasmtimeError)) and "thrown Wasm exception" in str(exc):
            return EngineError(ErrorKind.EXCEPTION, str(exc))
        if isinstance(exc, api.Trap):
            code = exc.trap_code
            texts = WASMTIME_TRAP_TEXTS.get(code.name, ()) if code is not None else ()
            # Report the spec text the code stands for, not wasmtime's backtrace.
            message = f"{texts[0]} (wasmtime {code.name})" if texts else exc.message
            if code is not None and code.name == "STACK_OVERFLOW":
                return EngineError(ErrorKind.EXHAUSTION, message, trap_texts=texts)
            if code is not None and code.name == "UNCAUGHT_EXCEPTION":
                return EngineError(ErrorKind.EXCEPTION, message)
            return EngineError(ErrorKind.TRAP, message, trap_texts=texts)
        if isinstance(exc, api.WasmtimeError):
            message = str(exc)
            if phase == "compile":
                if any(hint in message for hint in self.DISABLED_FEATURE_HINTS):
                    return EngineError(ErrorKind.UNSUPPORTED, message,
                                       "wasmtime: " + one_line(message).split(": ", 1)[-1])
                return EngineError(ErrorKind.REJECTED, message)
            if phase == "instantiate" and "import" in message:
                return EngineError(ErrorKind.UNLINKABLE, message)
            # Traps during instantiation come back as errors carrying the text.
            texts = tuple(t for t in SPEC_TRAP_TEXTS if t in message)
            if texts or "wasm trap" in message:
                return EngineError(ErrorKind.TRAP, message, trap_texts=texts)
        return super().classify(exc, phase)


ADAPTERS: dict[str, Callable[..., EngineAdapter]] = {
    "wasmtier": WasmtierAdapter,
    "wasmtime": WasmtimeAdapter,
}


# --------------------------------------------------------------------------
# Running one script


@dataclasses.dataclass
class Failure:
    line: int
    reason: str


@dataclasses.dataclass
class ScriptResult:
    script: str
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    failures: list[Failure] = dataclasses.field(default_factory=list)
    skip_reasons: Counter = dataclasses.field(default_factory=Counter)

    def record(self, line: int, outcome: Outcome) -> None:
        if outcome.status is Status.PASSED:
            self.passed += 1
        elif outcome.status is Status.FAILED:
            self.failed += 1
            self.failures.append(Failure(line, outcome.reason))
        else:
            self.skipped += 1
            self.skip_reasons[outcome.reason] += 1

    def to_json(self) -> dict:
        return {
            "passed": self.passed,
            "failed": self.failed,
            "skipped": self.skipped,
            "failures": [dataclasses.asdict(f) for f in self.failures],
            "skip_reasons": dict(self.skip_reasons),
        }


@dataclasses.dataclass(frozen=True)
class LoadedInstance:
    instance: Any
    exports: Any


@dataclasses.dataclass(frozen=True)
class MissingInstance:
    """A module that could not be instantiated; commands that need it take
    over its outcome (skipped, or failed with a pointer to its line)."""

    outcome: Outcome
    line: int

    def dependent_outcome(self) -> Outcome:
        if self.outcome.status is Status.SKIPPED:
            return self.outcome
        return failed(f"depends on the module at line {self.line}, which failed")


def is_text_module(command: dict) -> bool:
    return command.get("module_type") == "text" or not command["filename"].endswith(".wasm")


def find_wasm_tools() -> str | None:
    beside_python = Path(sys.executable).parent / "wasm-tools"
    return str(beside_python) if beside_python.exists() else shutil.which("wasm-tools")


class ScriptRunner:
    """Runs the commands of one script against one store."""

    def __init__(self, adapter: EngineAdapter, path: Path, name: str | None = None,
                 guard_seconds: float | None = DEFAULT_GUARD_SECONDS):
        self.adapter = adapter
        self.path = path
        self.result = ScriptResult(name or script_name(path))
        self.guard_seconds = guard_seconds
        self.store: Any = None
        self.current: LoadedInstance | MissingInstance | None = None
        self.named: dict[str, LoadedInstance | MissingInstance] = {}
        self.definitions: dict[str, Any] = {}  # name -> compiled module or MissingInstance
        self.registry: dict[str, Any] = {}  # import module name -> exports | MissingInstance

    def run(self) -> ScriptResult:
        try:
            commands = json.loads(self.path.read_text())["commands"]
            self.store = self.adapter.new_store()
            self.registry["spectest"] = self.adapter.spectest_exports(self.store)
        except Exception as exc:  # the whole script is unusable
            self.result.record(0, failed(f"cannot start script: {type(exc).__name__}: {exc}"))
            return self.result
        for command in commands:
            self.result.record(command.get("line", 0), self.run_command(command))
        return self.result

    def run_command(self, command: dict) -> Outcome:
        handler = getattr(self, "cmd_" + command["type"], None)
        if handler is None:
            return failed(f"unknown command type {command['type']!r}")
        try:
            return handler(command)
        except CommandAborted as abort:
            return abort.outcome
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:
            return failed(f"crash in {command['type']}: {type(exc).__name__}: {exc}")

    # -- helpers -----------------------------------------------------------

    def module_bytes(self, command: dict) -> bytes:
        """The binary of a command's module; text modules use the converter's
        binary_filename or `wasm-tools parse`."""
        directory = self.path.parent
        filename = command["filename"]
        if not is_text_module(command):
            return (directory / filename).read_bytes()
        if command.get("binary_filename"):
            return (directory / command["binary_filename"]).read_bytes()
        wasm_tools = find_wasm_tools()
        if wasm_tools is None:
            raise CommandAborted(skipped("text format"))
        proc = subprocess.run([wasm_tools, "parse", str(directory / filename)],
                              capture_output=True, timeout=60)
        if proc.returncode != 0:
            raise CommandAborted(skipped("text format"))
        return proc.stdout

    def engine_error(self, exc: BaseException, phase: str) -> EngineError:
        error = self.adapter.classify(exc, phase)
        if error is None:
            raise CommandAborted(failed(f"crash in {phase}: {type(exc).__name__}: {exc}"))
        return error

    def compile(self, command: dict) -> Any:
        """Compile a command's module; returns the module or an EngineError."""
        wasm = self.module_bytes(command)
        try:
            return self.adapter.compile(wasm)
        except Exception as exc:
            return self.engine_error(exc, "compile")

    def link(self, module: Any) -> list[Any]:
        """Resolve a module's imports by name; raises CommandAborted carrying
        the dependent outcome of a missing provider, or an 'unknown import'
        EngineError as the caller's unlinkable result."""
        externs = []
        for module_name, field in self.adapter.import_names(module):
            provider = self.registry.get(module_name)
            if isinstance(provider, MissingInstance):
                raise CommandAborted(provider.dependent_outcome())
            try:
                if provider is None:
                    raise KeyError(module_name)
                extern = provider[field]
            except KeyError:
                raise UnknownImport(f"unknown import {module_name}::{field}") from None
            if isinstance(extern, Unprovidable):
                raise CommandAborted(unsupported(extern.feature))
            externs.append(extern)
        return externs

    def instantiate(self, module: Any) -> LoadedInstance | EngineError:
        try:
            externs = self.link(module)
        except UnknownImport as exc:
            return EngineError(ErrorKind.UNLINKABLE, str(exc))
        try:
            with wall_clock_guard(self.guard_seconds, "instantiation"):
                instance = self.adapter.instantiate(self.store, module, externs)
            return LoadedInstance(instance, self.adapter.exports(self.store, instance))
        except Exception as exc:
            return self.engine_error(exc, "instantiate")

    def load(self, command: dict) -> LoadedInstance | EngineError:
        module = self.compile(command)
        if isinstance(module, EngineError):
            return module
        return self.instantiate(module)

    def outcome_of_load_error(self, error: EngineError) -> Outcome:
        if error.kind is ErrorKind.UNSUPPORTED:
            return unsupported(error.feature or error.message)
        return failed(f"module failed: {error.describe()}")

    def bind(self, name: str | None, instance: LoadedInstance | MissingInstance) -> None:
        self.current = instance
        if name:
            self.named[name] = instance

    def target(self, module_name: str | None) -> LoadedInstance:
        instance = self.named.get(module_name) if module_name else self.current
        if instance is None:
            raise CommandAborted(failed(f"no module {module_name or '(current)'}"))
        if isinstance(instance, MissingInstance):
            raise CommandAborted(instance.dependent_outcome())
        return instance

    def perform(self, action: dict) -> list[tuple[str, Any]] | EngineError:
        """Run an invoke/get action; returns typed results or the EngineError."""
        instance = self.target(action.get("module"))
        field = action["field"]
        try:
            extern = instance.exports[field]
        except KeyError:
            raise CommandAborted(failed(f"no export {field!r}")) from None
        try:
            if action["type"] == "get":
                if not self.adapter.is_global(extern):
                    raise CommandAborted(failed(f"export {field!r} is not a global"))
                return [self.adapter.get_global(self.store, extern)]
            if not self.adapter.is_func(extern):
                raise CommandAborted(failed(f"export {field!r} is not a function"))
            args = [parse_arg(a) for a in action.get("args", [])]
            with wall_clock_guard(self.guard_seconds, f"invoke {field!r}"):
                return self.adapter.invoke(self.store, extern, args)
        except CommandAborted:
            raise
        except Exception as exc:
            return self.engine_error(exc, "invoke")

    @staticmethod
    def unexpected(error: EngineError, wanted: str) -> Outcome:
        if error.kind is ErrorKind.UNSUPPORTED:
            return unsupported(error.feature or error.message)
        return failed(f"expected {wanted}, got {error.describe()}")

    # -- module commands ---------------------------------------------------

    def cmd_module(self, command: dict) -> Outcome:
        name = command.get("name")
        if command.get("definition") in ("true", True):
            return self.define(name, command)
        try:
            loaded = self.load(command)
        except CommandAborted as abort:  # a provider is missing, or text format
            self.bind(name, MissingInstance(abort.outcome, command["line"]))
            raise
        except Exception as exc:  # never leave the previous module current
            outcome = failed(f"crash in module: {type(exc).__name__}: {exc}")
            self.bind(name, MissingInstance(outcome, command["line"]))
            return outcome
        if isinstance(loaded, EngineError):
            outcome = self.outcome_of_load_error(loaded)
            self.bind(name, MissingInstance(outcome, command["line"]))
            return outcome
        self.bind(name, loaded)
        return PASSED

    def cmd_module_definition(self, command: dict) -> Outcome:
        return self.define(command.get("name"), command)

    def define(self, name: str | None, command: dict) -> Outcome:
        module = self.compile(command)
        if isinstance(module, EngineError):
            outcome = self.outcome_of_load_error(module)
            module = MissingInstance(outcome, command["line"])
        else:
            outcome = PASSED
        if name:
            self.definitions[name] = module
        return outcome

    def cmd_instance(self, command: dict) -> Outcome:
        name = command.get("instance")
        module = self.definitions.get(command.get("definition"))
        if module is None:
            return failed(f"no module definition {command.get('definition')!r}")
        if isinstance(module, MissingInstance):
            self.bind(name, module)
            return module.dependent_outcome()
        loaded = self.instantiate(module)
        if isinstance(loaded, EngineError):
            outcome = self.outcome_of_load_error(loaded)
            self.bind(name, MissingInstance(outcome, command["line"]))
            return outcome
        self.bind(name, loaded)
        return PASSED

    def cmd_register(self, command: dict) -> Outcome:
        name = command.get("name")
        instance = self.named.get(name) if name else self.current
        if instance is None:
            return failed(f"register: no module {name or '(current)'}")
        if isinstance(instance, MissingInstance):
            self.registry[command["as"]] = instance
            return instance.dependent_outcome()
        self.registry[command["as"]] = instance.exports
        return PASSED

    # -- actions and assertions on them --------------------------------------

    def cmd_action(self, command: dict) -> Outcome:
        results = self.perform(command["action"])
        if isinstance(results, EngineError):
            return self.unexpected(results, "the action to complete")
        return PASSED

    def cmd_assert_return(self, command: dict) -> Outcome:
        results = self.perform(command["action"])
        if isinstance(results, EngineError):
            return self.unexpected(results, "a result")
        if "either" in command:
            mismatch = either_matches(command["either"], results)
        else:
            mismatch = results_match(command.get("expected", []), results)
        return failed(mismatch) if mismatch else PASSED

    def cmd_assert_trap(self, command: dict) -> Outcome:
        if "action" not in command:  # assert_trap on a module: instantiation trap
            return self.cmd_assert_uninstantiable(command)
        results = self.perform(command["action"])
        return self.expect_trap(results, command["text"], ErrorKind.TRAP)

    def cmd_assert_exhaustion(self, command: dict) -> Outcome:
        results = self.perform(command["action"])
        if isinstance(results, EngineError) and results.kind is ErrorKind.RECURSION:
            return PASSED
        return self.expect_trap(results, command["text"], ErrorKind.EXHAUSTION)

    def cmd_assert_exception(self, command: dict) -> Outcome:
        results = self.perform(command["action"])
        if isinstance(results, EngineError) and results.kind is ErrorKind.EXCEPTION:
            return PASSED
        if isinstance(results, EngineError):
            return self.unexpected(results, "an uncaught exception")
        return failed(f"expected an uncaught exception, got "
                      f"[{', '.join(format_value(t, r) for t, r in results)}]")

    def expect_trap(self, results: Any, text: str, kind: ErrorKind) -> Outcome:
        if not isinstance(results, EngineError):
            return failed(f"expected {kind.value} {text!r}, got "
                          f"[{', '.join(format_value(t, r) for t, r in results)}]")
        if results.kind is not kind:
            return self.unexpected(results, f"{kind.value} {text!r}")
        if not results.trap_matches(text):
            return failed(f"expected {kind.value} {text!r}, got {one_line(results.message)!r}")
        return PASSED

    # -- assertions on modules -----------------------------------------------

    def expect_rejected(self, command: dict, kind: ErrorKind) -> Outcome:
        module = self.compile(command)
        if not isinstance(module, EngineError):
            return failed(f"module compiled, expected {kind.value}: {command['text']!r}")
        if module.kind is kind or module.kind is ErrorKind.REJECTED:
            return PASSED
        return self.unexpected(module, f"{kind.value} {command['text']!r}")

    def cmd_assert_malformed(self, command: dict) -> Outcome:
        if is_text_module(command):
            return skipped("text format")
        return self.expect_rejected(command, ErrorKind.MALFORMED)

    def cmd_assert_invalid(self, command: dict) -> Outcome:
        return self.expect_rejected(command, ErrorKind.INVALID)

    def cmd_assert_unlinkable(self, command: dict) -> Outcome:
        loaded = self.load(command)
        if not isinstance(loaded, EngineError):
            return failed(f"module linked, expected unlinkable: {command['text']!r}")
        if loaded.kind is ErrorKind.UNLINKABLE:
            return PASSED
        return self.unexpected(loaded, f"unlinkable {command['text']!r}")

    def cmd_assert_uninstantiable(self, command: dict) -> Outcome:
        loaded = self.load(command)
        if not isinstance(loaded, EngineError):
            return failed(f"module instantiated, expected trap {command['text']!r}")
        return self.expect_trap(loaded, command["text"], ErrorKind.TRAP)


class UnknownImport(Exception):
    pass


# --------------------------------------------------------------------------
# Running many scripts


@dataclasses.dataclass
class RunReport:
    scripts: dict[str, ScriptResult] = dataclasses.field(default_factory=dict)

    @property
    def passed(self) -> int:
        return sum(r.passed for r in self.scripts.values())

    @property
    def failed(self) -> int:
        return sum(r.failed for r in self.scripts.values())

    @property
    def skipped(self) -> int:
        return sum(r.skipped for r in self.scripts.values())

    def summary_line(self) -> str:
        return f"{self.passed} passed, {self.failed} failed, {self.skipped} skipped"

    def to_json(self) -> dict:
        return {
            "passed": self.passed,
            "failed": self.failed,
            "skipped": self.skipped,
            "scripts": {name: r.to_json() for name, r in self.scripts.items()},
        }


def run_script(adapter: EngineAdapter, path: Path, name: str | None = None,
               guard_seconds: float | None = DEFAULT_GUARD_SECONDS) -> ScriptResult:
    return ScriptRunner(adapter, path, name, guard_seconds).run()


def run_scripts(adapter: EngineAdapter, paths: Iterable[Path],
                on_result: Callable[[ScriptResult], None] | None = None,
                guard_seconds: float | None = DEFAULT_GUARD_SECONDS) -> RunReport:
    report = RunReport()
    for path in paths:
        result = run_script(adapter, path, guard_seconds=guard_seconds)
        report.scripts[result.script] = result
        if on_result is not None:
            on_result(result)
    return report
