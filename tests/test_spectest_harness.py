"""Unit tests of the spec-test harness (wasmtier.spectest, wasmtier.cli spectest).

Value parsing, NaN matching and result comparison are tested as pure
functions; command semantics, skip accounting and robustness by running small
hand-written scripts through the wasmtime-py adapter (wasmtier's API is
exercised by tests/test_spec.py).
"""

from __future__ import annotations

import json
import time
import types
from pathlib import Path

import pytest
import wasmtime

from wasmtier import cli, cliargs, spectest
from wasmtier.spectest import HostRef, float_matches, parse_arg, results_match, value_matches

# --------------------------------------------------------------------------
# Values


def test_parse_arg_integers_are_unsigned_bit_patterns():
    assert parse_arg({"type": "i32", "value": "4294967295"}) == ("i32", 0xFFFF_FFFF)
    assert parse_arg({"type": "i64", "value": "9223372036854775808"}) == ("i64", 1 << 63)
    assert parse_arg({"type": "i32", "value": "-1"}) == ("i32", 0xFFFF_FFFF)


def test_parse_arg_floats_keep_nan_payloads():
    assert parse_arg({"type": "f32", "value": "2141192192"}) == ("f32", 0x7FA0_0000)
    assert parse_arg({"type": "f64", "value": "9221120237041090561"}) == ("f64", 0x7FF8_0000_0000_0001)


def test_parse_arg_v128_puts_lane_zero_in_low_bits():
    i16 = {"type": "v128", "lane_type": "i16", "value": ["1", "65535"] + ["0"] * 6}
    assert parse_arg(i16) == ("v128", 0xFFFF_0001)
    f32 = {"type": "v128", "lane_type": "f32", "value": ["1065353216", "0", "0", "2143289344"]}
    assert parse_arg(f32) == ("v128", (0x7FC0_0000 << 96) | 0x3F80_0000)


def test_parse_arg_references():
    assert parse_arg({"type": "externref", "value": "null"}) == ("externref", None)
    assert parse_arg({"type": "externref", "value": "7"}) == ("externref", HostRef(7))
    assert parse_arg({"type": "funcref", "value": "null"}) == ("funcref", None)
    assert parse_arg({"type": "nullref"}) == ("nullref", None)


@pytest.mark.parametrize("raw, canonical, arithmetic", [
    (0x7FC0_0000, True, True),    # canonical NaN
    (0xFFC0_0000, True, True),    # canonical NaN, negative
    (0x7FC0_0001, False, True),   # quiet NaN with payload
    (0xFFE0_0000, False, True),   # negative quiet NaN with payload
    (0x7FA0_0000, False, False),  # signalling NaN
    (0x7F80_0000, False, False),  # +inf
    (0x3F80_0000, False, False),  # 1.0
])
def test_f32_nan_patterns(raw, canonical, arithmetic):
    assert float_matches("nan:canonical", raw, 32) is canonical
    assert float_matches("nan:arithmetic", raw, 32) is arithmetic


@pytest.mark.parametrize("raw, canonical, arithmetic", [
    (0x7FF8_0000_0000_0000, True, True),
    (0xFFF8_0000_0000_0000, True, True),
    (0x7FF8_0000_0000_0001, False, True),
    (0x7FF4_0000_0000_0000, False, False),  # signalling
    (0xFFF0_0000_0000_0000, False, False),  # -inf
])
def test_f64_nan_patterns(raw, canonical, arithmetic):
    assert float_matches("nan:canonical", raw, 64) is canonical
    assert float_matches("nan:arithmetic", raw, 64) is arithmetic


def test_float_exact_bits_distinguish_signed_zero_and_payloads():
    assert float_matches("2147483648", 0x8000_0000, 32)  # -0.0
    assert not float_matches("2147483648", 0, 32)
    assert float_matches("2141192192", 0x7FA0_0000, 32)
    assert not float_matches("2141192192", 0x7FE0_0000, 32)  # quieted sNaN is a different value


def test_numeric_types_must_agree():
    assert value_matches({"type": "i32", "value": "1"}, "i32", 1)
    assert not value_matches({"type": "i32", "value": "1"}, "i64", 1)
    assert not value_matches({"type": "f32", "value": "0"}, "i32", 0)


def test_v128_lanes_with_nan_patterns():
    expected = {"type": "v128", "lane_type": "f32",
                "value": ["nan:canonical", "nan:arithmetic", "0", "1065353216"]}
    good = (0x3F80_0000 << 96) | (0x7FC0_0001 << 32) | 0xFFC0_0000
    assert value_matches(expected, "v128", good)
    assert value_matches(expected, "v128", good | (1 << (32 + 21)))  # lane 1 0x7fe00001: quiet
    assert not value_matches(expected, "v128", good & ~(1 << (32 + 22)))  # lane 1 signalling
    assert not value_matches(expected, "v128", good | 1)  # lane 0 has a payload
    assert not value_matches(expected, "v128", good | (1 << 64))  # lane 2 is not +0.0


@pytest.mark.parametrize("expected, raw, matches", [
    ({"type": "funcref", "value": "null"}, None, True),
    ({"type": "funcref", "value": "null"}, object(), False),
    ({"type": "funcref", "value": "0"}, object(), True),   # wabt's (ref.func): any non-null
    ({"type": "funcref", "value": "0"}, None, False),
    ({"type": "funcref"}, object(), True),                 # wasm-tools' (ref.func)
    ({"type": "externref", "value": "3"}, HostRef(3), True),
    ({"type": "externref", "value": "3"}, HostRef(4), False),
    ({"type": "externref", "value": "3"}, None, False),
    ({"type": "externref"}, HostRef(9), True),
    ({"type": "externref"}, None, False),
    ({"type": "anyref", "value": "1"}, HostRef(1), True),
    ({"type": "i31ref"}, object(), True),
    ({"type": "refnull"}, None, True),
    ({"type": "nullfuncref"}, object(), False),
])
def test_reference_results(expected, raw, matches):
    ref_type = "externref" if expected["type"] in ("externref", "anyref") else "funcref"
    assert value_matches(expected, ref_type, raw) is matches


def test_results_match_reports_expected_and_actual():
    assert results_match([{"type": "i32", "value": "5"}], [("i32", 5)]) is None
    assert results_match([{"type": "i32", "value": "5"}], [("i32", 6)]) == \
        "expected [i32:5], got [i32:6 (0x6)]"
    assert results_match([], [("f32", 0x7FC0_0000)]) == \
        "expected [], got [f32:0x7fc00000 (nan)]"
    assert results_match([{"type": "f64", "value": "nan:canonical"}], []) == \
        "expected [f64:nan:canonical], got []"


def test_either_matches_any_alternative():
    alternatives = [{"type": "i32", "value": "1"}, {"type": "i32", "value": "2"}]
    assert spectest.either_matches(alternatives, [("i32", 2)]) is None
    assert spectest.either_matches(alternatives, [("i32", 3)]) == \
        "expected one of [i32:1, i32:2], got [i32:3 (0x3)]"


# --------------------------------------------------------------------------
# Scripts run through the wasmtime adapter

MATH_WAT = """
(module
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func (export "neg") (param f32) (result f32) (f32.neg (local.get 0)))
  (func (export "nan") (result f64) (f64.div (f64.const 0) (f64.const 0)))
  (func $loop (export "loop") (call $loop))
  (func (export "id") (param externref) (result externref) (local.get 0))
  (func (export "fref") (result funcref) (ref.func $loop))
  (global (export "g") f32 (f32.const -0.5))
  (memory (export "mem") 1))
"""
IMPORTER_WAT = """
(module
  (import "spectest" "print_i32" (func (param i32)))
  (import "spectest" "global_i32" (global i32))
  (import "M" "add" (func $add (param i32 i32) (result i32)))
  (func (export "add666") (param i32) (result i32) (call $add (local.get 0) (global.get 0))))
"""
START_TRAP_WAT = '(module (func $s unreachable) (start $s))'
UNKNOWN_IMPORT_WAT = '(module (import "nowhere" "f" (func)))'
INVALID_WAT = '(module (func (result i32) (i64.const 0)))'


def invoke(field, *args, module=None):
    action = {"type": "invoke", "field": field, "args": list(args)}
    if module:
        action["module"] = module
    return action


def i32(v):
    return {"type": "i32", "value": str(v)}


class ScriptBuilder:
    """Writes a script and its modules in the corpus layout (<stem>/<stem>.json)."""

    def __init__(self, directory: Path, stem: str = "t"):
        self.dir = directory / stem
        self.dir.mkdir(parents=True)
        self.path = self.dir / f"{stem}.json"
        self.commands: list[dict] = []
        self.modules = 0

    def file(self, wat: str | None = None, data: bytes | None = None, text: str | None = None) -> dict:
        self.modules += 1
        if text is not None:
            name = f"m{self.modules}.wat"
            (self.dir / name).write_text(text)
            return {"filename": name, "module_type": "text"}
        name = f"m{self.modules}.wasm"
        (self.dir / name).write_bytes(data if data is not None else wasmtime.wat2wasm(wat))
        return {"filename": name, "module_type": "binary"}

    def add(self, type_: str, **fields) -> "ScriptBuilder":
        self.commands.append({"type": type_, "line": len(self.commands) + 1, **fields})
        return self

    def write(self) -> Path:
        self.path.write_text(json.dumps({"source_filename": "t.wast", "commands": self.commands}))
        return self.path


@pytest.fixture(scope="module")
def adapter():
    return spectest.WasmtimeAdapter()


def run(adapter, builder: ScriptBuilder) -> spectest.ScriptResult:
    result = spectest.run_script(adapter, builder.write(), name="t")
    assert result.passed + result.failed + result.skipped == len(builder.commands)
    return result


def test_every_command_kind_passes(adapter, tmp_path):
    b = ScriptBuilder(tmp_path)
    b.add("module", name="$M", **b.file(MATH_WAT))
    b.add("assert_return", action=invoke("add", i32(1), i32(4294967295)), expected=[i32(0)])
    b.add("assert_return", action=invoke("neg", {"type": "f32", "value": "2141192192"}),
          expected=[{"type": "f32", "value": str(0xFFA0_0000)}])  # sNaN payload survives
    b.add("assert_return", action=invoke("nan"), expected=[{"type": "f64", "value": "nan:arithmetic"}])
    b.add("assert_return", action=invoke("id", {"type": "externref", "value": "5"}),
          expected=[{"type": "externref", "value": "5"}])
    b.add("assert_return", action=invoke("fref"), expected=[{"type": "funcref", "value": "0"}])
    b.add("assert_return", action={"type": "get", "field": "g"},
          expected=[{"type": "f32", "value": str(0xBF00_0000)}])
    b.add("action", action=invoke("add", i32(1), i32(2)), expected=[{"type": "i32"}])
    b.add("assert_trap", action=invoke("div", i32(1), i32(0)), text="integer divide by zero")
    b.add("assert_trap", action=invoke("div", i32(1), i32(0)), text="integer divide")  # prefix
    b.add("assert_exhaustion", action=invoke("loop"), text="call stack exhausted")
    b.add("register", name="$M", **{"as": "M"})
    b.add("module", **b.file(IMPORTER_WAT))
    b.add("assert_return", action=invoke("add666", i32(1)), expected=[i32(667)])
    b.add("assert_return", action=invoke("add", i32(2), i32(2), module="$M"), expected=[i32(4)])
    b.add("assert_invalid", text="type mismatch", **b.file(INVALID_WAT))
    b.add("assert_malformed", text="magic header not detected", **b.file(data=b"\0asx\1\0\0\0"))
    b.add("assert_malformed", text="unexpected token", **b.file(text="(module (func (i32.fred)))"))
    b.add("assert_unlinkable", text="unknown import", **b.file(UNKNOWN_IMPORT_WAT))
    b.add("assert_uninstantiable", text="unreachable", **b.file(START_TRAP_WAT))
    b.add("assert_trap", text="unreachable", **b.file(START_TRAP_WAT))  # module form
    result = run(adapter, b)
    assert result.failures == []
    assert (result.passed, result.failed, result.skipped) == (len(b.commands) - 1, 0, 1)
    assert result.skip_reasons == {"text format": 1}


def test_mismatches_fail_with_line_and_reason(adapter, tmp_path):
    b = ScriptBuilder(tmp_path)
    b.add("module", **b.file(MATH_WAT))
    b.add("assert_return", action=invoke("add", i32(1), i32(1)), expected=[i32(3)])
    b.add("assert_trap", action=invoke("div", i32(1), i32(0)), text="integer overflow")
    b.add("assert_trap", action=invoke("add", i32(1), i32(1)), text="unreachable")
    b.add("assert_return", action=invoke("nope"), expected=[])
    b.add("assert_invalid", text="type mismatch", **b.file("(module)"))
    b.add("assert_unlinkable", text="unknown import", **b.file("(module)"))
    b.add("assert_exhaustion", action=invoke("div", i32(1), i32(0)), text="call stack exhausted")
    result = run(adapter, b)
    assert [f.line for f in result.failures] == [2, 3, 4, 5, 6, 7, 8]
    reasons = [f.reason for f in result.failures]
    assert reasons == [
        "expected [i32:3], got [i32:2 (0x2)]",
        "expected trap 'integer overflow', got "
        "'integer divide by zero (wasmtime INTEGER_DIVISION_BY_ZERO)'",
        "expected trap 'unreachable', got [i32:2 (0x2)]",
        "no export 'nope'",
        "module compiled, expected invalid: 'type mismatch'",
        "module linked, expected unlinkable: 'unknown import'",
        "expected exhaustion 'call stack exhausted', got "
        "trap: integer divide by zero (wasmtime INTEGER_DIVISION_BY_ZERO)",
    ]
    assert (result.passed, result.failed, result.skipped) == (1, 7, 0)


class FeatureGatedAdapter(spectest.WasmtimeAdapter):
    """Rejects modules that contain a marker export name, as wasmtier rejects
    modules using a feature it does not implement."""

    MARKER = b"needs_simd"

    def compile(self, wasm):
        if self.MARKER in wasm:
            raise spectest.AdapterUnsupported("simd")
        return super().compile(wasm)


def test_unsupported_module_skips_its_dependents(tmp_path):
    adapter = FeatureGatedAdapter()
    b = ScriptBuilder(tmp_path)
    gated = '(module (func (export "needs_simd") (result i32) (i32.const 1)))'
    b.add("module", name="$S", **b.file(gated))
    b.add("assert_return", action=invoke("needs_simd"), expected=[i32(1)])
    b.add("register", **{"as": "S"})
    b.add("module", **b.file('(module (import "S" "needs_simd" (func (result i32))))'))
    b.add("assert_invalid", text="type mismatch", **b.file(gated))
    b.add("module", **b.file(MATH_WAT))  # later modules are unaffected
    b.add("assert_return", action=invoke("add", i32(1), i32(1)), expected=[i32(2)])
    b.add("assert_return", action=invoke("needs_simd", module="$S"), expected=[i32(1)])
    result = run(adapter, b)
    assert result.failures == []
    assert (result.passed, result.failed, result.skipped) == (2, 0, 6)
    assert result.skip_reasons == {"unsupported feature: simd": 6}


def test_failed_module_fails_its_dependents(adapter, tmp_path):
    b = ScriptBuilder(tmp_path)
    b.add("module", **b.file(UNKNOWN_IMPORT_WAT))
    b.add("assert_return", action=invoke("f"), expected=[])
    result = run(adapter, b)
    assert [(f.line, f.reason) for f in result.failures] == [
        (1, "module failed: unlinkable: unknown import nowhere::f"),
        (2, "depends on the module at line 1, which failed"),
    ]


class CrashingAdapter(spectest.WasmtimeAdapter):
    """Functions named in `behaviour` raise the given exception when invoked."""

    def __init__(self, behaviour):
        super().__init__()
        self.behaviour = behaviour

    def exports(self, store, instance):
        return _NamedExports(super().exports(store, instance), self.behaviour)

    def is_func(self, extern):
        return isinstance(extern, tuple) or super().is_func(extern)

    def invoke(self, store, func, args):
        if isinstance(func, tuple):
            raise self.behaviour[func[0]]()
        return super().invoke(store, func, args)


class _NamedExports:
    """Export lookup that hands out (name, None) for the crashing functions."""

    def __init__(self, exports, crashing):
        self.exports, self.crashing = exports, crashing

    def __getitem__(self, name):
        return (name, None) if name in self.crashing else self.exports[name]


def test_crashes_and_recursion_errors_fail_only_their_command(tmp_path):
    b = ScriptBuilder(tmp_path)
    b.add("module", **b.file(MATH_WAT))
    b.add("assert_return", action=invoke("add", i32(1), i32(1)), expected=[i32(2)])
    b.add("assert_return", action=invoke("div", i32(4), i32(2)), expected=[i32(2)])
    b.add("assert_exhaustion", action=invoke("loop"), text="call stack exhausted")
    b.add("assert_return", action=invoke("neg", {"type": "f32", "value": "0"}),
          expected=[{"type": "f32", "value": str(0x8000_0000)}])
    adapter = CrashingAdapter({"add": lambda: ValueError("boom"), "div": RecursionError,
                               "loop": RecursionError})
    result = run(adapter, b)
    assert [(f.line, f.reason) for f in result.failures] == [
        (2, "crash in invoke: ValueError: boom"),
        (3, "expected a result, got Python RecursionError: "),
    ]
    assert (result.passed, result.failed, result.skipped) == (3, 2, 0)


class CompileCrashAdapter(FeatureGatedAdapter):
    def compile(self, wasm):
        if self.MARKER in wasm:
            raise ValueError("decoder bug")
        return super().compile(wasm)


def test_module_crash_never_leaves_the_previous_module_current(tmp_path):
    b = ScriptBuilder(tmp_path)
    b.add("module", **b.file(MATH_WAT))
    b.add("module", **b.file('(module (func (export "needs_simd")))'))
    b.add("assert_return", action=invoke("add", i32(1), i32(1)), expected=[i32(2)])
    result = run(CompileCrashAdapter(), b)
    assert [(f.line, f.reason) for f in result.failures] == [
        (2, "crash in compile: ValueError: decoder bug"),
        (3, "depends on the module at line 2, which failed"),
    ]


def test_definitions_instances_and_unnamed_register(adapter, tmp_path):
    counter = """(module (global $n (mut i32) (i32.const 0))
      (func (export "next") (result i32)
        (global.set $n (i32.add (global.get $n) (i32.const 1))) (global.get $n)))"""
    b = ScriptBuilder(tmp_path)
    b.add("module", definition="true", name="$C", **b.file(counter))   # wabt
    b.add("instance", instance="$I1", definition="$C")
    b.add("instance", instance="$I2", definition="$C")
    b.add("assert_return", action=invoke("next", module="$I1"), expected=[i32(1)])
    b.add("assert_return", action=invoke("next", module="$I1"), expected=[i32(2)])
    b.add("assert_return", action=invoke("next", module="$I2"), expected=[i32(1)])
    b.add("assert_return", action=invoke("next"), expected=[i32(2)])  # current = $I2
    b.add("module_definition", **b.file(counter))                      # wasm-tools
    b.add("module", name="M", **b.file(MATH_WAT))
    b.add("register", **{"as": "M"})                                   # wasm-tools: current
    b.add("module", **b.file(IMPORTER_WAT))
    b.add("assert_return", action=invoke("add666", i32(0)), expected=[i32(666)])
    result = run(adapter, b)
    assert result.failures == []
    assert (result.passed, result.failed, result.skipped) == (12, 0, 0)


def test_wall_clock_guard_interrupts_python_code():
    with pytest.raises(spectest.GuardTimeout, match="busy loop exceeded the 0.05s guard"):
        with spectest.wall_clock_guard(0.05, "busy loop"):
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                pass


def test_wall_clock_guard_restores_an_enclosing_timer():
    import signal

    fired = []
    previous = signal.signal(signal.SIGALRM, lambda *_: fired.append(True))
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.2)
        with spectest.wall_clock_guard(10, "quick"):
            pass
        remaining, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 0 < remaining <= 0.2
        time.sleep(0.3)
        assert fired == [True]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_unreadable_script_is_one_failure(adapter, tmp_path):
    path = tmp_path / "bad" / "bad.json"
    path.parent.mkdir()
    path.write_text("{not json")
    result = spectest.run_script(adapter, path, name="bad")
    assert (result.passed, result.failed, result.skipped) == (0, 1, 0)
    assert result.failures[0].line == 0
    assert result.failures[0].reason.startswith("cannot start script: JSONDecodeError")


def test_wasmtier_adapter_classifies_wasmtier_errors():
    from wasmtier.wasm import errors

    class FakeTrap(Exception):
        def __init__(self, message):
            super().__init__(message)
            self.message = message

    adapter = spectest.WasmtierAdapter.__new__(spectest.WasmtierAdapter)
    adapter.errors = errors
    adapter.api = types.SimpleNamespace(Trap=FakeTrap)
    kind = lambda exc: adapter.classify(exc, "compile").kind  # noqa: E731
    assert kind(errors.DecodeError("unexpected end", 3)) is spectest.ErrorKind.MALFORMED
    assert kind(errors.ValidationError("type mismatch")) is spectest.ErrorKind.INVALID
    assert kind(errors.LinkError("incompatible import type")) is spectest.ErrorKind.UNLINKABLE
    assert kind(FakeTrap("integer overflow")) is spectest.ErrorKind.TRAP
    assert kind(FakeTrap("call stack exhausted")) is spectest.ErrorKind.EXHAUSTION
    assert kind(RecursionError()) is spectest.ErrorKind.RECURSION
    unsupported = adapter.classify(errors.UnsupportedFeature("simd", 0x20), "compile")
    assert (unsupported.kind, unsupported.feature) == (spectest.ErrorKind.UNSUPPORTED, "simd")
    assert adapter.classify(ValueError("x"), "invoke") is None


def wasmtime_with_raw_extensions(monkeypatch):
    """wasmtime-py plus wasmtier's raw-bits extensions (Func.call_raw,
    Global.get_raw), to drive WasmtierAdapter's value plumbing."""
    helper = spectest.WasmtimeAdapter()
    names = [(wasmtime.ValType.i32(), "i32"), (wasmtime.ValType.i64(), "i64"),
             (wasmtime.ValType.f32(), "f32"), (wasmtime.ValType.f64(), "f64"),
             (wasmtime.ValType.funcref(), "funcref"), (wasmtime.ValType.externref(), "externref")]
    name_of = lambda ty: next(n for t, n in names if t == ty)  # noqa: E731
    signed = {"i32": lambda r: spectest._signed(r, 32), "i64": lambda r: spectest._signed(r, 64)}

    def call_raw(func, store, *args):
        typed = [(name_of(t), a) for t, a in zip(func.type(store).params, args)]
        return [signed.get(t, lambda r: r)(r) for t, r in helper.invoke(store, func, typed)]

    def get_raw(glob, store):
        ty, raw = helper.get_global(store, glob)
        return signed.get(ty, lambda r: r)(raw)

    monkeypatch.setattr(wasmtime.Func, "call_raw", call_raw, raising=False)
    monkeypatch.setattr(wasmtime.Global, "get_raw", get_raw, raising=False)
    return wasmtime


def test_wasmtier_adapter_value_plumbing(tmp_path, monkeypatch):
    adapter = spectest.WasmtierAdapter(api=wasmtime_with_raw_extensions(monkeypatch))
    b = ScriptBuilder(tmp_path)
    b.add("module", **b.file(MATH_WAT))
    b.add("assert_return", action=invoke("add", i32(4294967295), i32(4294967295)),
          expected=[i32(4294967294)])  # call_raw's signed -2 read back as bits
    b.add("assert_return", action=invoke("neg", {"type": "f32", "value": str(0x7FA0_0001)}),
          expected=[{"type": "f32", "value": str(0xFFA0_0001)}])
    b.add("assert_return", action=invoke("nan"), expected=[{"type": "f64", "value": "nan:arithmetic"}])
    b.add("assert_return", action=invoke("id", {"type": "externref", "value": "5"}),
          expected=[{"type": "externref", "value": "5"}])
    b.add("assert_return", action=invoke("id", {"type": "externref", "value": "null"}),
          expected=[{"type": "externref", "value": "null"}])
    b.add("assert_return", action=invoke("fref"), expected=[{"type": "funcref"}])
    b.add("assert_return", action={"type": "get", "field": "g"},
          expected=[{"type": "f32", "value": str(0xBF00_0000)}])
    b.add("register", **{"as": "M"})
    b.add("module", **b.file(IMPORTER_WAT))  # spectest host module built with the adapter's api
    b.add("assert_return", action=invoke("add666", i32(1)), expected=[i32(667)])
    result = run(adapter, b)
    assert result.failures == []
    assert (result.passed, result.failed, result.skipped) == (len(b.commands), 0, 0)


# --------------------------------------------------------------------------
# The command line


def test_cli_json_report_and_exit_codes(tmp_path, capsys):
    good = ScriptBuilder(tmp_path, "good")
    good.add("module", **good.file(MATH_WAT))
    good.add("assert_return", action=invoke("add", i32(2), i32(3)), expected=[i32(5)])
    good.add("assert_malformed", text="x", **good.file(text="(module"))
    good.write()
    out = tmp_path / "out.json"
    assert cli.main(["spectest", "--engine", "wasmtime", "--json", str(out), str(good.path)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"{good.path}: 2 passed, 0 failed, 1 skipped",
        "2 passed, 0 failed, 1 skipped",
    ]
    assert json.loads(out.read_text()) == {
        "passed": 2, "failed": 0, "skipped": 1,
        "scripts": {str(good.path): {"passed": 2, "failed": 0, "skipped": 1, "failures": [],
                                     "skip_reasons": {"text format": 1}}},
    }

    bad = ScriptBuilder(tmp_path, "bad")
    bad.add("module", **bad.file(MATH_WAT))
    bad.add("assert_return", action=invoke("add", i32(2), i32(3)), expected=[i32(6)])
    bad.write()
    assert cli.main(["spectest", "--engine", "wasmtime", "--tier", "opt", "--json", str(out),
                     str(tmp_path)]) == 1
    report = json.loads(out.read_text())
    assert (report["passed"], report["failed"], report["skipped"]) == (3, 1, 1)
    assert report["scripts"][str(bad.path)]["failures"] == [
        {"line": 2, "reason": "expected [i32:6], got [i32:5 (0x5)]"}]


def test_cli_missing_corpus_is_a_usage_error(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("WASMTIER_SPECTEST", str(tmp_path / "absent"))
    assert cli.main(["spectest", "--engine", "wasmtime"]) == 2
    assert capsys.readouterr().err == (
        f"wasmtier spectest: error: spec tests not found at {tmp_path / 'absent' / 'core'}: "
        "set WASMTIER_SPECTEST to the spectest directory (the one holding core/)\n")


@pytest.mark.parametrize("text, value", [
    ("true", True), ("False", False), ("150", 150), ("0x10", 16), ("2.5", 2.5),
    ("eager-baseline", "eager-baseline"),
])
def test_config_values(text, value):
    parsed = cliargs.parse_config_value(text)
    assert parsed == value and type(parsed) is type(value)


def test_config_settings_reach_the_engine_config(tmp_path, capsys):
    script = ScriptBuilder(tmp_path)
    script.add("module", **script.file(MATH_WAT))
    script.write()
    assert cli.main(["spectest", "--engine", "wasmtime", "-C", "max_wasm_stack=65536",
                     str(script.path)]) == 0
    assert cli.main(["spectest", "--engine", "wasmtime", "-C", "max_wasm_stak=65536",
                     str(script.path)]) == 2
    assert capsys.readouterr().err.endswith(
        "ValueError: Config has no setting 'max_wasm_stak'\n")


def test_config_settings_parse_key_value_pairs():
    assert cliargs.parse_config_settings(["max_wasm_stack=1048576", "wasm_simd=false"]) == \
        {"max_wasm_stack": 1048576, "wasm_simd": False}
    with pytest.raises(cliargs.UsageError, match="-C expects KEY=VALUE, got 'oops'"):
        cliargs.parse_config_settings(["oops"])
