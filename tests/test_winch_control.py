"""Tier 1 control flow against tier 0: nested blocks, loops, br_if, br_table,
if/else with params and results, unreachable code, and value stacks deep
enough to force whole-stack spills (more live values than registers)."""

from __future__ import annotations

import pytest

from test_winch_ops import MASK64, Diff, f64b
from wasmtier.runtime.trap import TrapCode


def _deep(n, ty, op):
    gets = " ".join(f"({ty}.add (local.get 0) ({ty}.const {i}))" for i in range(n))
    return gets + f" {op}" * (n - 1)


CONTROL_WAT = f"""
(module
  (memory 1)
  (func (export "fac") (param i64) (result i64) (local i64)
    (local.set 1 (i64.const 1))
    (block $done
      (loop $top
        (br_if $done (i64.le_u (local.get 0) (i64.const 1)))
        (local.set 1 (i64.mul (local.get 1) (local.get 0)))
        (local.set 0 (i64.sub (local.get 0) (i64.const 1)))
        (br $top)))
    (local.get 1))
  (func (export "fib") (param i32) (result i32) (local i32 i32 i32)
    (local.set 2 (i32.const 1))
    (block
      (loop
        (br_if 1 (i32.eqz (local.get 0)))
        (local.set 3 (i32.add (local.get 1) (local.get 2)))
        (local.set 1 (local.get 2))
        (local.set 2 (local.get 3))
        (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
        (br 0)))
    (local.get 1))
  (func (export "nested") (param i32) (result i32)
    (block $a (result i32)
      (block $b (result i32)
        (block $c (result i32)
          (i32.const 10)
          (br_if $a (i32.eq (local.get 0) (i32.const 0)))
          (drop)
          (i32.const 20)
          (br_if $b (i32.eq (local.get 0) (i32.const 1)))
          (drop)
          (i32.const 30)
          (br_if $c (i32.eq (local.get 0) (i32.const 2)))
          (drop)
          (i32.const 40))
        (i32.const 100) (i32.add))
      (i32.const 1000) (i32.add)))
  (func (export "br_values_below") (param i32) (result i32)
    ;; extra values under the branch operands must be discarded
    (i32.const 7)
    (block (result i32)
      (i32.const 1) (i32.const 2) (i32.const 3)
      (local.get 0)
      (br_if 0 (local.get 0))
      (i32.add) (i32.add) (i32.add))
    (i32.mul))
  (func (export "switch") (param i32) (result i32)
    (block $d (result i32)
      (block $c (result i32)
        (block $b (result i32)
          (block $a (result i32)
            (i32.const 5) (i32.const 6)
            (br_table $a $b $c $b $a $d (local.get 0))
            (unreachable))
          (i32.const 1) (i32.add) (return))
        (i32.const 2) (i32.add) (return))
      (i32.const 3) (i32.add) (return))
    (i32.const 4) (i32.add))
  (func (export "switch_loop") (param i32) (result i32) (local i32)
    (loop $l
      (local.set 1 (i32.add (local.get 1) (i32.const 1)))
      (block $out
        (br_table $l $out $l (i32.ge_u (local.get 1) (local.get 0)))))
    (local.get 1))
  (func (export "switch_big") (param i32) (result i32)
    (block $x (block $y
      (br_table $x $y $x $y $x $y $x $y $x $y $x $y $x $y $x $y $x $y $x $y
                $x $y $x $y $x $y $x $y $x $y $x $y $x $y $x $y $x $y $x $y $y (local.get 0)))
      (return (i32.const 1)))
    (i32.const 2))
  (func (export "if_params") (param i32 i32) (result i32)
    (local.get 1) (i32.const 3)
    (if (param i32 i32) (result i32 i32) (local.get 0)
      (then (i32.add) (i32.const 1))
      (else (i32.sub) (i32.const 2)))
    (i32.mul))
  (func (export "if_no_else") (param i32 i32) (result i32)
    (local.get 1)
    (if (param i32) (result i32) (local.get 0) (then (i32.const 100) (i32.add))))
  (func (export "if_early") (param i32) (result i32)
    (if (result i32) (local.get 0)
      (then (return (i32.const 9)))
      (else (i32.const 8))))
  (func (export "loop_params") (param i32) (result i32)
    (i32.const 0) (local.get 0)
    (loop $l (param i32 i32) (result i32)
      ;; (acc, n) -> acc + n, n - 1 while n != 0
      (local.set 0)
      (local.get 0) (i32.add)
      (local.get 0) (i32.const 1) (i32.sub)
      (local.tee 0)
      (br_if $l (i32.ne (local.get 0) (i32.const -1)))
      (drop)))
  (func (export "dead_code") (param i32) (result i32)
    (block (result i32)
      (br 0 (local.get 0))
      (i32.const 1) (i32.add)
      (block (loop (if (i32.const 1) (then (br 2))) (unreachable)))
      (drop) (i32.const 5)))
  (func (export "return_in_loop") (param i32) (result f64)
    (loop (result f64)
      (if (i32.gt_s (local.get 0) (i32.const 10)) (then (return (f64.const 1.5))))
      (local.set 0 (i32.add (local.get 0) (i32.const 3)))
      (br 0)))
  (func (export "deep_i32") (param i32) (result i32) {_deep(40, "i32", "i32.add")})
  (func (export "deep_i64") (param i64) (result i64) {_deep(30, "i64", "i64.mul")})
  (func (export "deep_f64") (param f64) (result f64) {_deep(40, "f64", "f64.sub")})
  (func (export "deep_mixed") (param i32) (result i32)
    {_deep(20, "i32", "")}
    (i32.div_s (i32.const 1000) (local.get 0))
    (i32.shl (i32.const 1) (local.get 0))
    (i32.add) {" i32.xor" * 20})
  (func (export "deep_across_block") (param i32) (result i32)
    {_deep(16, "i32", "")}
    (block (param i32) (result i32) (i32.const 1) (i32.add))
    (if (param i32) (result i32) (local.get 0) (then (i32.const 2) (i32.mul)))
    {" i32.sub" * 15})
  (func (export "mem_loop") (param i32) (result i32) (local i32)
    (block (loop
      (br_if 1 (i32.ge_u (local.get 1) (local.get 0)))
      (i32.store (i32.mul (local.get 1) (i32.const 4)) (local.get 1))
      (local.set 1 (i32.add (local.get 1) (i32.const 1)))
      (br 0)))
    (local.set 1 (i32.const 0))
    (block (loop
      (br_if 1 (i32.eqz (local.get 0)))
      (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
      (local.set 1 (i32.add (local.get 1) (i32.load (i32.mul (local.get 0) (i32.const 4)))))
      (br 0)))
    (local.get 1))
)
"""


@pytest.fixture(scope="module")
def control():
    d = Diff(CONTROL_WAT)
    assert not d.unsupported, d.unsupported
    yield d
    d.close()


CASES = {
    "fac": [[0], [1], [5], [20], [25]],
    "fib": [[0], [1], [2], [10], [46], [100]],
    "nested": [[0], [1], [2], [3], [0xFFFFFFFF]],
    "br_values_below": [[0], [1], [5]],
    "switch": [[i] for i in range(8)] + [[0xFFFFFFFF], [0x80000000]],
    "switch_loop": [[0], [1], [7], [12], [60]],
    "switch_big": [[i] for i in range(45)] + [[0xFFFFFFFF]],
    "if_params": [[0, 10], [1, 10], [5, 0xFFFFFFFF]],
    "if_no_else": [[0, 4], [1, 4]],
    "if_early": [[0], [1]],
    "loop_params": [[0], [1], [10], [1000]],
    "dead_code": [[0], [42]],
    "return_in_loop": [[0], [100], [0xFFFFFFF0]],
    "deep_i32": [[0], [1], [0x7FFFFFFF], [0xFFFFFFFF]],
    "deep_i64": [[0], [1], [3], [MASK64]],
    "deep_f64": [[f64b(0.0)], [f64b(1.5)], [f64b(-1e300)], [0x7FF8000000000001]],
    "deep_mixed": [[1], [3], [31], [0xFFFFFFFF], [0]],
    "deep_across_block": [[0], [1], [77]],
    "mem_loop": [[0], [1], [100], [16384], [16385]],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_control(control, name):
    for args in CASES[name]:
        control.check(name, args)


def test_expected_values(control):
    assert control.native("fac", [20]) == [2432902008176640000]
    assert control.native("fib", [10]) == [55]
    assert control.native("switch", [5]) == [10]
    assert control.native("switch", [1]) == [6 + 2]
    assert control.native("mem_loop", [16385]) is TrapCode.MEMORY_OUT_OF_BOUNDS
    assert control.native("deep_mixed", [0]) is TrapCode.INTEGER_DIVISION_BY_ZERO


def test_deep_stacks_spill(control):
    for name in ("deep_i32", "deep_f64", "deep_mixed"):
        cf, _ = control.compiled[control.func_index[name]]
        assert cf.stats["max_depth"] > 12, name


def test_osr_maps_at_loop_headers(control):
    idx = control.func_index["loop_params"]
    cf, _ = control.compiled[idx]
    body = control.inst.module.codes[idx]
    loops = [i.offset for i in body.instrs if i.op.name == "loop"]
    assert sorted(cf.osr_maps) == loops
    m = cf.osr_maps[loops[0]]
    assert [t for _, t in m.locals] == list(control.functype("loop_params").params)
    assert len(m.stack) == 2          # the loop's two params, in their slots
    offsets = [o for o, _ in m.locals + m.stack]
    assert len(set(offsets)) == len(offsets) and all(o < 0 for o in offsets)
