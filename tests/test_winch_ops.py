"""Tier 1 (wasmtier.winch) against tier 0, operator by operator.

Every test compiles wasm functions with `compile_function`, installs them
in the store's code memory (tiers.native.NativeCode: a registered JIT range,
callout trampolines for every function), calls them through the shim's
array-call trampoline on the *same* instance's VMContext the interpreter uses, and compares with the interpreter (strategy "interp")
bit-exactly: results as raw 64-bit slots in the runtime convention (i32
sign-extended, f32 bits zero-extended), traps by TrapCode.

`Diff` is shared by the other tests/test_winch_*.py files.
"""

from __future__ import annotations

import math
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import wasmtier
from wasmtier.runtime.instance import canonical_slot
from wasmtier.runtime.memory import read_u64, write_u64
from wasmtier.runtime.trap import Trap, TrapCode
from wasmtier.runtime.vmoffsets import VMCTX_STACK_LIMIT
from wasmtier.wasm.opcodes import OPS
from wasmtier.wasm.types import ValType
from wasmtier.winch import compile_function

MASK64 = (1 << 64) - 1


class Diff:
    """One module, instantiated for the interpreter; every defined function
    compiled by tier 1 (those that compile) and installed."""

    def __init__(self, wat_or_bytes, imports=(), make_imports=None):
        config = wasmtier.Config()
        config.strategy = "interp"
        self.engine = wasmtier.Engine(config)
        self.store = wasmtier.Store(self.engine)
        self.module = wasmtier.Module(self.engine, wat_or_bytes)
        if make_imports is not None:
            imports = make_imports(self.store)
        self.instance = wasmtier.Instance(self.store, self.module, list(imports))
        self.inst = self.instance._inst
        self.exports = self.instance.exports(self.store)
        # Native entries for every function (callout trampolines into the
        # interpreter), so compiled code can call them; runs calls and traps.
        self.native_code = self.store._tiers._native()
        self.compiled = {}        # func index -> (CompiledFunction, base)
        self.unsupported = {}     # func index -> NotImplementedError message
        rm = self.inst.module
        for i in range(rm.num_imported_funcs, len(rm.func_type_indices())):
            try:
                cf = compile_function(rm, self.inst.offsets, i, self.native_code.natives)
            except NotImplementedError as exc:
                self.unsupported[i] = str(exc)
                continue
            self.compiled[i] = (cf, self.native_code.install(cf, rm).base)
        self.func_index = {e.name: e.index for e in rm.exports if e.kind == "func"}

    def close(self):
        """Nothing to release by hand: the code goes with the store."""

    def functype(self, name):
        return self.inst.module.func_type(self.func_index[name])

    def interp(self, name, args):
        ft = self.functype(name)
        try:
            out = self.exports[name].call_raw(self.store, *args)
        except Trap as trap:
            return trap.trap_code
        return [canonical_slot(t, v) for t, v in zip(ft.results, out)]

    def native(self, name, args):
        ft = self.functype(name)
        cf, base = self.compiled[self.func_index[name]]
        raw = [canonical_slot(t, a) for t, a in zip(ft.params, args)]
        try:
            return self.native_code.invoke(base + cf.array_entry, self.inst.vmctx, raw,
                                           len(ft.results))
        except Trap as trap:
            return trap.trap_code

    def check(self, name, args):
        want = self.interp(name, args)
        got = self.native(name, args)
        if got != want and not _nan_equivalent(self.functype(name), name, args, want, got):
            raise AssertionError(f"{name}{tuple(map(_hex, args))}: tier1 {_show(got)} "
                                 f"!= interp {_show(want)}")
        return got


def _hex(v):
    return hex(v) if isinstance(v, int) else repr(v)


def _show(r):
    return r if isinstance(r, TrapCode) else [hex(v) for v in r]


def _is_nan(ty, bits):
    if ty is ValType.F32:
        return (bits & 0x7F800000) == 0x7F800000 and bits & 0x7FFFFF
    if ty is ValType.F64:
        return (bits & 0x7FF0000000000000) == 0x7FF0000000000000 and bits & 0xFFFFFFFFFFFFF
    return False


def _nan_equivalent(ft, name, args, want, got):
    """Both NaN, for an arithmetic op with two NaN operands: the spec allows
    either payload and LLVM may commute the interpreter's operands."""
    if isinstance(want, TrapCode) or isinstance(got, TrapCode) or len(want) != 1:
        return False
    ty = ft.results[0]
    nan_args = sum(1 for t, a in zip(ft.params, args) if _is_nan(t, a & MASK64))
    return nan_args >= 2 and _is_nan(ty, want[0]) and _is_nan(ty, got[0])


# ---------------------------------------------------------------------------
# Edge values (raw bits)

def f32b(x):
    return struct.unpack("<I", struct.pack("<f", x))[0]


def f64b(x):
    return struct.unpack("<Q", struct.pack("<d", x))[0]


I32_EDGES = [0, 1, 0xFFFFFFFF, 2, 0x7FFFFFFF, 0x80000000, 0x80000001, 31, 32, 33,
             0x12345678, 0xFFFFFFFE, 0xFFFF, 0x10000]
I64_EDGES = [0, 1, MASK64, 2, (1 << 63) - 1, 1 << 63, (1 << 63) + 1, 63, 64, 65,
             0x123456789ABCDEF0, 0xFFFFFFFF, 0x100000000, 0x80000000, 0xFFFFFFFF80000000]
F32_EDGES = [f32b(x) for x in (0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 1.5, 2.5, -2.5, 3.7,
                               math.inf, -math.inf, 2.0**31, -2.0**31, 2.0**32, 2.0**63,
                               -2.0**63, 2.0**64, 4294967040.0, -0.99, 1e30, -1e-30)]
F32_EDGES += [0x7FC00000, 0xFFC00000, 0x7FA00001, 0x7FC00123, 0x7F7FFFFF, 1, 0x80000001]
F64_EDGES = [f64b(x) for x in (0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 1.5, 2.5, -2.5, 3.7,
                               math.inf, -math.inf, 2.0**31, -2.0**31 - 1, 2147483647.9,
                               -2147483648.9, 2.0**32, 4294967295.9, 2.0**63, -2.0**63,
                               2.0**64, 18446744073709549568.0, -0.99, 1e300, -1e-300)]
F64_EDGES += [0x7FF8000000000000, 0xFFF8000000000000, 0x7FF4000000000001,
              0x7FF8000000000123, 0x7FEFFFFFFFFFFFFF, 1, 0x8000000000000001]
EDGES = {ValType.I32: I32_EDGES, ValType.I64: I64_EDGES, ValType.F32: F32_EDGES,
         ValType.F64: F64_EDGES}

# Every numeric operator with static types and no memory access.
NUMERIC_OPS = [op for op in OPS if op.feature is None and op.params is not None
               and not op.mem_bytes and op.params and op.results
               and all(t in EDGES for t in op.params + op.results)]
BINARY_OPS = [op for op in NUMERIC_OPS if len(op.params) == 2]
UNARY_OPS = [op for op in NUMERIC_OPS if len(op.params) == 1]
# constants used as immediate second operands (exercise imm32 / const paths)
CONST_OPERANDS = {ValType.I32: [0, 1, 0xFFFFFFFF, 0x80000000, 5, 33],
                  ValType.I64: [0, 1, MASK64, 1 << 63, 5, 65, 0x7FFFFFFF, 0x80000000,
                                0x123456789A],
                  ValType.F32: [f32b(-0.0), f32b(2.5), 0x7FC00000],
                  ValType.F64: [f64b(-0.0), f64b(2.5), 0x7FF8000000000000]}


def _numeric_wat():
    funcs = []
    for op in NUMERIC_OPS:
        p = " ".join(map(str, op.params))
        gets = " ".join(f"(local.get {i})" for i in range(len(op.params)))
        funcs.append(f'(func (export "{op.name}") (param {p}) (result {op.results[0]}) '
                     f'({op.name} {gets}))')
    for op in BINARY_OPS:
        t = op.params[1]
        for k, c in enumerate(CONST_OPERANDS[t]):
            if t in (ValType.F32, ValType.F64) and _is_nan(t, c):
                cexpr = f"({t}.const nan)"
            elif t in (ValType.F32, ValType.F64):
                cexpr = f"(f{str(t)[1:]}.reinterpret_i{str(t)[1:]} (i{str(t)[1:]}.const {c}))"
            else:
                cexpr = f"({t}.const {c})"
            funcs.append(f'(func (export "{op.name}/c{k}") (param {op.params[0]}) '
                         f'(result {op.results[0]}) ({op.name} (local.get 0) {cexpr}))')
            # the constant first (materialised into a register)
            funcs.append(f'(func (export "{op.name}/k{k}") (param {op.params[0]}) '
                         f'(result {op.results[0]}) ({op.name} {cexpr} (local.get 0)))')
    return "(module\n" + "\n".join(funcs) + ")"


@pytest.fixture(scope="module")
def numeric():
    d = Diff(_numeric_wat())
    assert not d.unsupported, d.unsupported
    yield d
    d.close()


def test_every_numeric_operator_compiles(numeric):
    assert len(numeric.compiled) == len(numeric.func_index)
    assert len(NUMERIC_OPS) >= 120


@pytest.mark.parametrize("name", [op.name for op in UNARY_OPS])
def test_unary_edges(numeric, name):
    op = next(o for o in UNARY_OPS if o.name == name)
    for a in EDGES[op.params[0]]:
        numeric.check(name, [a])


@pytest.mark.parametrize("name", [op.name for op in BINARY_OPS])
def test_binary_edges(numeric, name):
    op = next(o for o in BINARY_OPS if o.name == name)
    ta, tb = op.params
    for a in EDGES[ta]:
        for b in EDGES[tb]:
            numeric.check(name, [a, b])
        for k in range(len(CONST_OPERANDS[tb])):
            numeric.check(f"{name}/c{k}", [a])
            numeric.check(f"{name}/k{k}", [a])


def test_trap_codes(numeric):
    c = numeric.check
    assert c("i32.div_s", [1, 0]) is TrapCode.INTEGER_DIVISION_BY_ZERO
    assert c("i32.div_u", [1, 0]) is TrapCode.INTEGER_DIVISION_BY_ZERO
    assert c("i64.rem_s", [1, 0]) is TrapCode.INTEGER_DIVISION_BY_ZERO
    assert c("i32.div_s", [0x80000000, 0xFFFFFFFF]) is TrapCode.INTEGER_OVERFLOW
    assert c("i64.div_s", [1 << 63, MASK64]) is TrapCode.INTEGER_OVERFLOW
    assert c("i32.rem_s", [0x80000000, 0xFFFFFFFF]) == [0]
    assert c("i64.rem_s", [1 << 63, MASK64]) == [0]
    assert c("i32.trunc_f32_s", [0x7FC00000]) is TrapCode.BAD_CONVERSION_TO_INTEGER
    assert c("i32.trunc_f64_u", [f64b(-1.0)]) is TrapCode.INTEGER_OVERFLOW
    assert c("i32.trunc_f64_u", [f64b(-0.99)]) == [0]
    assert c("i64.trunc_f64_u", [f64b(2.0**64)]) is TrapCode.INTEGER_OVERFLOW
    assert c("i64.trunc_f64_u", [f64b(2.0**63)]) == [1 << 63]
    assert c("i64.trunc_sat_f32_s", [0x7FC00000]) == [0]
    assert c("i32.trunc_sat_f64_s", [f64b(-1e300)]) == [0x80000000 | 0xFFFFFFFF00000000]


def test_float_semantics_spot_checks(numeric):
    c = numeric.check
    assert c("f32.min", [f32b(0.0), f32b(-0.0)]) == [f32b(-0.0)]
    assert c("f32.max", [f32b(-0.0), f32b(0.0)]) == [f32b(0.0)]
    assert c("f64.min", [f64b(1.0), 0x7FF8000000000000]) == [0x7FF8000000000000]
    assert c("f64.nearest", [f64b(2.5)]) == [f64b(2.0)]
    assert c("f32.nearest", [f32b(-0.5)]) == [f32b(-0.0)]
    assert c("f64.copysign", [f64b(1.0), 0xFFF8000000000000]) == [f64b(-1.0)]
    assert c("f32.neg", [0x7FC00000]) == [0xFFC00000]
    assert c("f64.convert_i64_u", [MASK64]) == [f64b(2.0**64)]
    assert c("f32.convert_i64_u", [(1 << 63) + 1]) == [f32b(2.0**63)]


_INT_STRAT = {ValType.I32: st.integers(0, 0xFFFFFFFF), ValType.I64: st.integers(0, MASK64)}


def _float_strategy(ty):
    width = 32 if ty is ValType.F32 else 64
    raw = st.integers(0, (1 << width) - 1)
    conv = f32b if ty is ValType.F32 else f64b
    nice = st.floats(allow_nan=False, width=width).map(conv)
    return st.one_of(raw, nice, st.sampled_from(EDGES[ty]))


_STRATS = {**_INT_STRAT, **{t: _float_strategy(t) for t in (ValType.F32, ValType.F64)}}
_STRATS[ValType.I32] = st.one_of(_STRATS[ValType.I32], st.sampled_from(I32_EDGES))
_STRATS[ValType.I64] = st.one_of(_STRATS[ValType.I64], st.sampled_from(I64_EDGES))


@st.composite
def _op_and_args(draw, ops):
    op = draw(st.sampled_from(ops))
    return op.name, [draw(_STRATS[t]) for t in op.params]


@settings(max_examples=600, deadline=None)
@given(case=_op_and_args(BINARY_OPS))
def test_binary_random(numeric, case):
    numeric.check(*case)


@settings(max_examples=400, deadline=None)
@given(case=_op_and_args(UNARY_OPS))
def test_unary_random(numeric, case):
    numeric.check(*case)


# ---------------------------------------------------------------------------
# Memory, globals, select, locals, unreachable, stack limit

LOADS = [op for op in OPS if op.feature is None and op.mem_bytes and op.results]
STORES = [op for op in OPS if op.feature is None and op.mem_bytes and not op.results
          and op.params]


def _memory_wat():
    funcs = []
    for op in LOADS:
        rt = op.results[0]
        for off in (0, 1, 65535, 0xFFFFFFFF):
            funcs.append(f'(func (export "{op.name}@{off}") (param i32) (result {rt}) '
                         f'({op.name} offset={off} (local.get 0)))')
    for op in STORES:
        vt = op.params[1]
        wide = "i64" if vt in (ValType.I64, ValType.F64) else "i32"
        for off in (0, 3, 0xFFFFFFFF):
            funcs.append(f'(func (export "{op.name}@{off}") (param i32 {vt}) (result {wide}) '
                         f'({op.name} offset={off} (local.get 0) (local.get 1)) '
                         f'({wide}.load (local.get 0)))')
    funcs.append('(func (export "size") (result i32) (memory.size))')
    return ('(module (memory 1 2) (data (i32.const 0) "\\01\\82\\03\\84\\05\\86\\07\\88\\ff\\fe")'
            ' (data (i32.const 65528) "\\11\\22\\33\\44\\55\\66\\77\\88")\n'
            + "\n".join(funcs) + ")")


@pytest.fixture(scope="module")
def memory():
    d = Diff(_memory_wat())
    assert not d.unsupported, d.unsupported
    yield d
    d.close()


ADDRS = [0, 1, 2, 7, 100, 65528, 65532, 65533, 65534, 65535, 65536, 0x7FFFFFFF, 0xFFFFFFFF,
         0xFFFFFFFC]


def test_loads(memory):
    traps = 0
    for op in LOADS:
        for off in (0, 1, 65535, 0xFFFFFFFF):
            for a in ADDRS:
                r = memory.check(f"{op.name}@{off}", [a])
                traps += r is TrapCode.MEMORY_OUT_OF_BOUNDS
    assert traps > 100


def test_stores(memory):
    for op in STORES:
        vt = op.params[1]
        for off in (0, 3, 0xFFFFFFFF):
            for a in (0, 1, 16, 65528, 65532, 65533, 65535, 0xFFFFFFFF):
                for v in EDGES[vt][:6]:
                    memory.check(f"{op.name}@{off}", [a, v])


def test_memory_size(memory):
    assert memory.check("size", []) == [1]


GLOBALS_WAT = """
(module
  (import "env" "gi" (global $gi (mut i32)))
  (import "env" "gl" (global $gl (mut i64)))
  (import "env" "gf" (global $gf (mut f32)))
  (import "env" "gd" (global $gd (mut f64)))
  (global $di (mut i32) (i32.const -7))
  (global $dl (mut i64) (i64.const 0x123456789))
  (global $df (mut f32) (f32.const -1.5))
  (global $dd (mut f64) (f64.const 2.25))
  (func (export "rw_i") (param i32) (result i32)
    (global.set $di (i32.add (global.get $di) (local.get 0)))
    (global.set $gi (i32.sub (global.get $gi) (local.get 0)))
    (i32.xor (global.get $di) (global.get $gi)))
  (func (export "rw_l") (param i64) (result i64)
    (global.set $dl (i64.add (global.get $dl) (local.get 0)))
    (global.set $gl (i64.mul (global.get $gl) (local.get 0)))
    (i64.sub (global.get $dl) (global.get $gl)))
  (func (export "rw_f") (param f32) (result f32)
    (global.set $df (f32.add (global.get $df) (local.get 0)))
    (global.set $gf (f32.mul (global.get $gf) (local.get 0)))
    (f32.sub (global.get $df) (global.get $gf)))
  (func (export "rw_d") (param f64) (result f64)
    (global.set $dd (f64.add (global.get $dd) (local.get 0)))
    (global.set $gd (f64.div (global.get $gd) (local.get 0)))
    (f64.sub (global.get $dd) (global.get $gd)))
  (func (export "gi") (result i32) (global.get $gi))
  (func (export "di") (result i32) (global.get $di))
  (func (export "gf") (result f32) (global.get $gf))
)
"""


def _global_imports(store):
    G, GT, VT = wasmtier.Global, wasmtier.GlobalType, wasmtier.ValType
    return [G(store, GT(VT.i32(), True), 5), G(store, GT(VT.i64(), True), 3),
            G(store, GT(VT.f32(), True), 0.5), G(store, GT(VT.f64(), True), 8.0)]


def test_globals_step_by_step_equal():
    """Two fresh instances: one driven by tier 0, one by tier 1; same results."""
    a = Diff(GLOBALS_WAT, make_imports=_global_imports)
    b = Diff(GLOBALS_WAT, make_imports=_global_imports)
    try:
        for name, args in [("rw_i", [3]), ("rw_i", [0xFFFFFFFF]), ("rw_i", [0x80000000]),
                           ("rw_l", [7]), ("rw_l", [MASK64]), ("rw_f", [f32b(2.0)]),
                           ("rw_f", [0x7FC00000]), ("rw_d", [f64b(-4.0)]), ("rw_d", [0])]:
            assert b.native(name, args) == a.interp(name, args), name
    finally:
        a.close()
        b.close()


MISC_WAT = """
(module
  (memory 1)
  (func (export "sel_i") (param i32 i32 i32) (result i32) (select (local.get 0) (local.get 1) (local.get 2)))
  (func (export "sel_l") (param i64 i64 i32) (result i64) (select (local.get 0) (local.get 1) (local.get 2)))
  (func (export "sel_f") (param f32 f32 i32) (result f32) (select (local.get 0) (local.get 1) (local.get 2)))
  (func (export "sel_d") (param f64 f64 i32) (result f64) (select (result f64) (local.get 0) (local.get 1) (local.get 2)))
  (func (export "unreach") (param i32) (result i32) (if (local.get 0) (then unreachable)) (i32.const 5))
  (func (export "locals") (param i32) (result i32) (local i32 i64 f32 f64)
    (local.set 1 (local.get 0))
    (local.get 1)                      ;; lazily read local 1 ...
    (local.set 1 (i32.const 100))      ;; ... then overwrite it
    (local.get 1)
    (i32.sub)
    (local.tee 1)
    (i32.add (local.get 1))
    (i64.extend_i32_s)
    (local.set 2)
    (i32.wrap_i64 (local.get 2)))
  (func (export "zero_locals") (result i64) (local i64 i64 i64)
    (i64.or (local.get 0) (i64.or (local.get 1) (local.get 2))))
  (func (export "many_params") (param i32 i64 f32 f64 i32 i64 f32 f64 i32 i64 f32 f64 f64 f64 f64 f64 f64)
                               (result f64)
    (f64.add (f64.convert_i32_s (local.get 8))
      (f64.add (f64.convert_i64_s (local.get 9))
        (f64.add (f64.promote_f32 (local.get 10))
          (f64.add (local.get 11) (f64.mul (local.get 16) (f64.convert_i64_s (local.get 5))))))))
)
"""


@pytest.fixture(scope="module")
def misc():
    d = Diff(MISC_WAT)
    assert not d.unsupported
    yield d
    d.close()


def test_select(misc):
    for c in (0, 1, 0xFFFFFFFF):
        misc.check("sel_i", [7, 0xFFFFFFFF, c])
        misc.check("sel_l", [MASK64, 5, c])
        misc.check("sel_f", [f32b(1.5), 0x7FC00001, c])
        misc.check("sel_d", [f64b(-0.0), f64b(9.0), c])


def test_unreachable(misc):
    assert misc.check("unreach", [1]) is TrapCode.UNREACHABLE
    assert misc.check("unreach", [0]) == [5]


def test_locals(misc):
    for v in I32_EDGES:
        misc.check("locals", [v])
    assert misc.check("zero_locals", []) == [0]


def test_stack_params(misc):
    args = [1, 2, f32b(3.0), f64b(4.0), 5, 6, f32b(7.0), f64b(8.0), 9, 10, f32b(11.0),
            f64b(12.0), f64b(13.0), f64b(14.0), f64b(15.0), f64b(16.0), f64b(17.0)]
    assert misc.check("many_params", args) == [f64b(9 + 10 + 11.0 + 12.0 + 17.0 * 6)]


def test_what_tier1_leaves_to_tier0():
    """Only a tail call needing more stack-argument bytes than its caller
    received stays on tier 0 (SIMD is rejected before compilation)."""
    d = Diff("""(module
      (func $g (param i64 i64 i64 i64 i64 i64) (result i64) (local.get 5))
      (func (export "tail_far") (result i64)
        (return_call $g (i64.const 1) (i64.const 2) (i64.const 3) (i64.const 4)
                        (i64.const 5) (i64.const 6)))
      (func (export "tail_near") (param i64 i64 i64 i64 i64 i64) (result i64)
        (return_call $g (local.get 5) (local.get 4) (local.get 3) (local.get 2)
                        (local.get 1) (local.get 0)))
      (func (export "multi") (result i32 i64) (i32.const -1) (i64.const 2)))""")
    try:
        assert d.unsupported == {
            1: "return_call needing more stack arguments than the caller got"}
        assert d.check("tail_near", [1, 2, 3, 4, 5, 6]) == [1]
        assert d.check("multi", []) == [MASK64, 2]
    finally:
        d.close()


def test_trap_sites_and_srcmap(misc):
    cf, _ = misc.compiled[misc.func_index["unreach"]]
    body = misc.inst.module.codes[misc.func_index["unreach"]]
    unreachable_offset = next(i.offset for i in body.instrs if i.op.name == "unreachable")
    sites = [s for s in cf.trap_sites if s.code is TrapCode.UNREACHABLE]
    assert len(sites) == 1 and sites[0].wasm_offset == unreachable_offset
    assert cf.code[sites[0].pc:sites[0].pc + 3] == b"\x0f\x0b\x09"
    assert cf.wasm_offset_of(sites[0].pc) == unreachable_offset
    # every ud2 in the code is a recorded trap site followed by its code byte
    for s in cf.trap_sites:
        if cf.code[s.pc:s.pc + 2] == b"\x0f\x0b":
            assert cf.code[s.pc + 2] == int(s.code)
