"""Tier 0 and tier 1 against wasmtime on random modules (`wasm-tools smith`).

500 modules per run of the suite (seeds 0..499; `make fuzz N=...` runs any
number from tools/differential.py).  Every exported function is called with
seeded random arguments, in lock-step on wasmtime, the interpreter
("interp") and tier 1 for every function ("baseline"); results, traps,
exported memories and globals must agree exactly.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))

import differential  # noqa: E402

BATCHES = [(start, 50) for start in range(0, 500, 50)]


@pytest.mark.parametrize("start, count", BATCHES, ids=[f"seeds-{s}-{s + c - 1}" for s, c in BATCHES])
def test_tiers_agree_with_wasmtime(start, count):
    problems = []
    for seed in range(start, start + count):
        problems += differential.compare_module(seed, ["interp", "baseline"])
    assert problems == []


def test_the_harness_sees_a_difference(monkeypatch):
    """A deliberately wrong wasmtier result must be reported."""
    real_call = differential.Side.call

    def wrong(self, name, args):
        kind, value = real_call(self, name, args)
        if self.mod is differential.wasmtier and kind == "ok":
            return kind, value + ["extra"]
        return kind, value
    monkeypatch.setattr(differential.Side, "call", wrong)
    found = []
    for seed in range(200):
        found += differential.compare_module(seed, ["baseline"])
        if found:
            break
    assert found and "wasmtime ('ok'" in found[0]
