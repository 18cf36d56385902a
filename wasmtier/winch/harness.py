"""Running tier-1 code outside the tier manager: install, register, call.

`NativeRunner` installs `CompiledFunction`s into W^X code memory
(x64.codememory.CodeMemory), registers each range with the trap shim (so
faults in it become traps), and calls the array-call entry through the
shim's `wasmtier_call` trampoline (`signals.call_array`).  Tests, the
filetests and benchmarks use it; the tier manager will do the same through
the VMContext's VMFuncRefs and jump table.

Values cross as raw 64-bit slots in the runtime convention (i32
sign-extended, f32 bits zero-extended, f64 bits).
"""

from __future__ import annotations

import ctypes

from ..runtime.native import signals
from ..runtime.trap import TrapCode
from ..x64.codememory import CodeMemory
from .compile import CompiledFunction

__all__ = ["NativeRunner"]


class NativeRunner:
    def __init__(self):
        self.memory = CodeMemory()
        self._ranges: list[tuple[int, int]] = []
        self._values = (ctypes.c_uint64 * 64)()

    def install(self, cf: CompiledFunction) -> int:
        """Install `cf`; returns the address of its code."""
        base = self.memory.install(cf.code)
        signals.register_code_range(base, base + len(cf.code))
        self._ranges.append((base, base + len(cf.code)))
        return base

    def call(self, cf: CompiledFunction, base: int, vmctx: int, args, nresults: int):
        """Call through the array entry: a list of raw results, or a TrapCode."""
        n = max(len(args), nresults, 1)
        values = self._values if n <= 32 else (ctypes.c_uint64 * (2 * n))()
        for i, a in enumerate(args):
            values[2 * i] = a & 0xFFFFFFFFFFFFFFFF
            values[2 * i + 1] = 0
        trap = signals.call_array(base + cf.array_entry, vmctx, vmctx,
                                  ctypes.addressof(values), len(args))
        if trap is not None:
            return TrapCode(trap)
        return [values[2 * i] for i in range(nresults)]

    def close(self) -> None:
        for start, end in self._ranges:
            signals.unregister_code_range(start, end)
        self._ranges.clear()
        self.memory.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
