"""Stress check: tier 1 against tier 0 on the spec suite's own test vectors.

For each script directory below, every module is instantiated twice through
the wasmtier API (strategy "interp"): instance A runs every action on the
interpreter, instance B runs functions tier 1 compiled natively (and the
others on the interpreter), so both instances go through the same state
changes (memories, globals).  Each `assert_return` / `assert_trap` / action
invoking a compiled function compares B's native run with A's interpreted
run bit-exactly (results as raw slots, traps by code).  Functions tier 1 does not compile
(multi-value results, tail calls) are counted, not failed; neither are
reference results (the API returns objects, not raw slots).  The scripts' expected
values are not consulted: the interpreter is the oracle (tests/test_spec.py
checks the interpreter against them).

The data lives in `$WASMTIER_SPECTEST` (default ../shared/spectest); the test
skips when it is absent.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from test_winch_ops import Diff, _nan_equivalent, _show

ROOT = Path(__file__).resolve().parent.parent
SPECTEST = Path(os.environ.get("WASMTIER_SPECTEST", ROOT.parent / "shared" / "spectest"))
DIRS = ["i32", "i64", "f32", "f64", "f32_cmp", "f64_cmp", "f32_bitwise", "f64_bitwise",
        "conversions", "float_exprs", "float_misc", "int_exprs", "int_literals", "block",
        "br", "br_if", "br_table", "if", "loop", "local_get", "local_set", "local_tee",
        "select", "labels", "nop", "return", "unreachable", "address", "float_memory",
        "endianness", "memory_redundancy", "switch", "fac", "forward", "stack", "unwind",
        "traps", "const", "load", "store", "memory", "global", "left-to-right"]
_NUM = {"i32", "i64", "f32", "f64"}


def _arg(a):
    if a["type"] not in _NUM:
        raise ValueError(a["type"])
    return int(a["value"])


def _call_quietly(d: Diff, name, args):
    try:
        d.exports[name].call_raw(d.store, *args)
    except Exception:
        pass


def run_script(directory: Path):
    data = json.loads((directory / f"{directory.name}.json").read_text())
    stats = {"modules": 0, "compiled": 0, "unsupported": 0, "checked": 0, "skipped": 0}
    current = None
    diffs = []
    try:
        for cmd in data["commands"]:
            kind = cmd["type"]
            if kind == "module":
                current = None
                try:
                    binary = (directory / cmd["filename"]).read_bytes()
                    current = (Diff(binary), Diff(binary))
                except Exception:
                    continue
                diffs += current
                stats["modules"] += 1
                stats["compiled"] += len(current[1].compiled)
                stats["unsupported"] += len(current[1].unsupported)
            elif kind in ("assert_return", "assert_trap", "action"):
                act = cmd["action"]
                if current is None or act["type"] != "invoke" or act.get("module"):
                    stats["skipped"] += 1
                    continue
                a, b = current
                name = act["field"]
                idx = b.func_index.get(name)
                try:
                    args = [_arg(x) for x in act["args"]]
                except ValueError:
                    args = None
                if (idx is None or idx not in b.compiled or args is None
                        or any(t.is_ref for t in b.functype(name).results)):
                    stats["skipped"] += 1
                    if idx is not None and args is not None:   # keep A and B in step
                        _call_quietly(a, name, args)
                        _call_quietly(b, name, args)
                    continue
                want = a.interp(name, args)
                got = b.native(name, args)
                if got != want and not _nan_equivalent(b.functype(name), name, args, want, got):
                    raise AssertionError(f"{directory.name}:{cmd['line']}: {name}{tuple(args)}: "
                                         f"tier1 {_show(got)} != interp {_show(want)}")
                stats["checked"] += 1
    finally:
        for d in diffs:
            d.close()
    return stats


@pytest.mark.parametrize("name", DIRS)
def test_spec_script_against_interpreter(name):
    directory = SPECTEST / "core" / name
    if not (directory / f"{name}.json").exists():
        pytest.skip(f"spec script {name} not found under {SPECTEST} (set WASMTIER_SPECTEST)")
    stats = run_script(directory)
    print(name, stats)
    if name in ("i32", "i64", "f32", "f64", "conversions", "float_exprs"):
        assert stats["checked"] > 50, stats
