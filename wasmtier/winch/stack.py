"""The value stack: a lazy register file (Winch's `stack.rs`).

Design
------
Each wasm operand-stack entry is a `Val` of one of four kinds:

    CONST   a constant (i32/i64 as an unsigned bit pattern of the type's
            width, f32/f64 as raw IEEE bits): materialised only when an
            operator consumes it, so `i32.add (x) (i32.const 4)` becomes
            `add r, 4`.
    LOCAL   the current value of local `index`, still in the local's frame
            slot (`local.get` emits nothing).  Before `local.set`/`tee` of
            that local, every LOCAL entry naming it is materialised
            (Context.invalidate_local), so a LOCAL entry always reads the
            value the local had when it was pushed.
    REG     held in register `reg` (owned by this entry, see regalloc.py).
    SLOT    in the frame slot of its own stack index (frame.py: stack
            slot d belongs to stack entry d, always).

Invariant: a SLOT entry at stack index d is in frame slot d.  Entries never
move between indices (only the top is pushed/popped), so "spill" is simply
"store entry d into slot d"; merges are then trivial, since values below a
block's height are spilled when the block is entered and never change
inside it (see control.py).

      index:  0      1      2        3       4   <- top
            +------+------+--------+-------+-----+
            | SLOT | SLOT | LOCAL 2| REG rax| CONST 7
            +------+------+--------+-------+-----+
               |      |
            [rbp-o0] [rbp-o1]   (frame.stack_slot(d))
"""

from __future__ import annotations

from ..wasm.types import ValType

__all__ = ["Val", "CONST", "LOCAL", "REG", "SLOT", "ValueStack", "is_float"]

CONST, LOCAL, REG, SLOT = 0, 1, 2, 3
_KIND_NAMES = ("const", "local", "reg", "slot")


def is_float(ty: ValType) -> bool:
    return ty is ValType.F32 or ty is ValType.F64


class Val:
    """One value-stack entry; `x` is the constant bits, local index or register."""

    __slots__ = ("kind", "ty", "x")

    def __init__(self, kind: int, ty: ValType, x=None):
        self.kind, self.ty, self.x = kind, ty, x

    def __repr__(self) -> str:
        x = "" if self.x is None else f" {self.x!r}"
        return f"{_KIND_NAMES[self.kind]}:{self.ty}{x}"


class ValueStack(list):
    """A list of `Val`s; index = stack depth of the entry (0 = bottom)."""

    def push_const(self, ty: ValType, bits: int) -> None:
        self.append(Val(CONST, ty, bits))

    def push_local(self, ty: ValType, index: int) -> None:
        self.append(Val(LOCAL, ty, index))

    def push_reg(self, ty: ValType, reg) -> None:
        self.append(Val(REG, ty, reg))

    def push_slot(self, ty: ValType) -> None:
        self.append(Val(SLOT, ty))

    def peek(self, n: int = 0) -> Val:
        return self[-1 - n]

    def types(self) -> list[ValType]:
        return [v.ty for v in self]
