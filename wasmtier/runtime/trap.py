"""Traps: the codes every tier reports, and the `Trap` exception Python sees.

A tier stops at a trap by storing a `TrapCode` (tier 0: in its state
vector; compiled tiers: in the VMContext trap field) and returning to the
entry; the entry raises `Trap`.  `Trap.message` is exactly the spec's text
for the code (what spec scripts' `assert_trap` compares); `str(trap)` adds
the wasm backtrace, innermost frame first, one line per frame:

    integer divide by zero
    wasm backtrace:
        0: 0x2a - <module>!div
        1: 0x40 - <module>!main
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class TrapCode(IntEnum):
    """Numbered as wasmtime-py's `TrapCode` (0..13), plus wasmtier's own."""

    STACK_OVERFLOW = 0
    MEMORY_OUT_OF_BOUNDS = 1
    HEAP_MISALIGNED = 2
    TABLE_OUT_OF_BOUNDS = 3
    INDIRECT_CALL_TO_NULL = 4
    BAD_SIGNATURE = 5
    INTEGER_OVERFLOW = 6
    INTEGER_DIVISION_BY_ZERO = 7
    BAD_CONVERSION_TO_INTEGER = 8
    UNREACHABLE = 9
    INTERRUPT = 10
    OUT_OF_FUEL = 11
    ATOMIC_WAIT_NON_SHARED_MEMORY = 12
    NULL_REFERENCE = 13
    # wasmtier's own: the spec's "undefined element" (call_indirect past the
    # table's end), which Wasmtime folds into TABLE_OUT_OF_BOUNDS.
    UNDEFINED_ELEMENT = 100


# Not a TrapCode: the value JIT code hands to `wasmtier_raise_trap` when a
# Python callback (host function, interpreted callee, runtime helper) raised;
# the exception itself is held by the tier layer and re-raised unchanged.
RAISED_IN_PYTHON = 255

TRAP_MESSAGES = {
    TrapCode.STACK_OVERFLOW: "call stack exhausted",
    TrapCode.MEMORY_OUT_OF_BOUNDS: "out of bounds memory access",
    TrapCode.HEAP_MISALIGNED: "misaligned memory access",
    TrapCode.TABLE_OUT_OF_BOUNDS: "out of bounds table access",
    TrapCode.INDIRECT_CALL_TO_NULL: "uninitialized element",
    TrapCode.BAD_SIGNATURE: "indirect call type mismatch",
    TrapCode.INTEGER_OVERFLOW: "integer overflow",
    TrapCode.INTEGER_DIVISION_BY_ZERO: "integer divide by zero",
    TrapCode.BAD_CONVERSION_TO_INTEGER: "invalid conversion to integer",
    TrapCode.UNREACHABLE: "unreachable",
    TrapCode.INTERRUPT: "interrupt",
    TrapCode.OUT_OF_FUEL: "all fuel consumed by WebAssembly",
    TrapCode.UNDEFINED_ELEMENT: "undefined element",
    TrapCode.ATOMIC_WAIT_NON_SHARED_MEMORY: "atomic wait on non-shared memory",
    TrapCode.NULL_REFERENCE: "null reference",
}


@dataclass(frozen=True)
class Frame:
    """One wasm frame of a trap's backtrace (wasmtime-py's `Frame`)."""

    func_index: int
    func_name: str | None
    module_name: str | None
    func_offset: int  # offset of the trapping/calling operator from the body start
    module_offset: int  # offset of that operator in the module binary

    def __str__(self) -> str:
        name = self.func_name if self.func_name is not None else f"<wasm function {self.func_index}>"
        module = self.module_name or "<module>"
        return f"0x{self.module_offset:x} - {module}!{name}"


class Trap(Exception):
    """A WebAssembly trap.  `message` is the spec's text, `trap_code` a
    `TrapCode`, `frames` the wasm backtrace (innermost first)."""

    def __init__(self, message: str, trap_code: TrapCode | None = None,
                 frames: list[Frame] | None = None):
        self.message = message
        self.trap_code = trap_code
        self.frames = list(frames or [])
        super().__init__(message)

    @classmethod
    def from_code(cls, code: TrapCode, frames: list[Frame] | None = None) -> "Trap":
        return cls(TRAP_MESSAGES[code], code, frames)

    def __str__(self) -> str:
        if not self.frames:
            return self.message
        lines = [self.message, "wasm backtrace:"]
        lines += [f"    {i}: {frame}" for i, frame in enumerate(self.frames)]
        return "\n".join(lines)
