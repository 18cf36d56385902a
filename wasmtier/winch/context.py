"""The code-generation context: register set + value stack + frame + masm.

Design (Winch's `codegen/context.rs`)
-------------------------------------
One object coordinates the pieces so that operator handlers stay short:
`pop_to_reg` turns whatever the top entry is (constant, local, register,
slot) into a register the handler owns; `push_reg` hands a register back to
the stack; `spill_regs` (the register allocator's one rule) and `spill_all`
(before every merge) write entries into their own frame slots.

Invariants
----------
- Every register is owned by at most one value-stack entry or handler.
- Entry d of the value stack that is a SLOT lives in `frame.slot(d)`.
- After `spill_all`, every entry is a SLOT: this is the canonical state at
  every control-flow merge (block/loop/if entry, every branch, block end).
"""

from __future__ import annotations

from ..x64.registers import Reg
from .frame import Frame
from .masm import MacroAssembler
from .regalloc import RegAlloc
from .stack import CONST, LOCAL, REG, SLOT, Val, ValueStack, is_float

__all__ = ["Context"]


class Context:
    def __init__(self, masm: MacroAssembler, frame: Frame):
        self.masm = masm
        self.frame = frame
        self.stack = ValueStack()
        self.ra = RegAlloc(self.spill_regs)

    # -- registers
    def alloc_for(self, ty) -> Reg:
        return self.ra.alloc_xmm() if is_float(ty) else self.ra.alloc_gpr()

    def free(self, reg: Reg) -> None:
        self.ra.free(reg)

    # -- value stack
    def push_reg(self, ty, reg: Reg) -> None:
        self.stack.append(Val(REG, ty, reg))

    def pop_val(self) -> tuple[Val, int]:
        """Pop the raw entry and its depth; a SLOT's frame slot stays valid
        until something is pushed at that depth again."""
        v = self.stack.pop()
        return v, len(self.stack)

    def pop_to_reg(self, dst: Reg | None = None) -> Reg:
        """Pop the top entry into a register the caller owns (`dst`: a
        register the caller already took)."""
        stack = self.stack
        v = stack[-1]
        if v.kind == REG:
            stack.pop()
            if dst is None or dst == v.x:
                return v.x
            self.masm.mov(v.ty, dst, v.x)
            self.ra.free(v.x)
            return dst
        stack.pop()
        depth = len(stack)
        r = dst if dst is not None else self.alloc_for(v.ty)
        self.materialize(v, depth, r)
        return r

    def pop_to_fixed(self, reg: Reg) -> Reg:
        """Pop the top entry into a specific register (spilling if it is busy)."""
        v = self.stack[-1]
        if v.kind == REG and v.x == reg:
            self.stack.pop()
            return reg
        self.ra.take(reg)
        return self.pop_to_reg(reg)

    def materialize(self, v: Val, depth: int, r: Reg) -> None:
        masm = self.masm
        if v.kind == CONST:
            masm.mov_imm(v.ty, r, v.x)
        elif v.kind == LOCAL:
            masm.load(v.ty, r, self.frame.local(v.x))
        elif v.kind == SLOT:
            masm.load(v.ty, r, self.frame.slot(depth))
        else:
            masm.mov(v.ty, r, v.x)

    def drop(self, n: int = 1) -> None:
        for _ in range(n):
            v = self.stack.pop()
            if v.kind == REG:
                self.ra.free(v.x)

    def truncate(self, height: int) -> None:
        self.drop(len(self.stack) - height)

    # -- spilling
    def spill_regs(self) -> None:
        """The allocator's rule: every register-held entry goes to its slot."""
        masm, frame = self.masm, self.frame
        for d, v in enumerate(self.stack):
            if v.kind == REG:
                masm.store(v.ty, frame.slot(d), v.x)
                self.ra.free(v.x)
                v.kind, v.x = SLOT, None

    def spill_all(self) -> None:
        """Canonical merge state: every entry in its own frame slot."""
        masm, frame = self.masm, self.frame
        for d, v in enumerate(self.stack):
            k = v.kind
            if k == SLOT:
                continue
            if k == REG:
                masm.store(v.ty, frame.slot(d), v.x)
                self.ra.free(v.x)
            elif k == CONST:
                masm.store_imm(v.ty, frame.slot(d), v.x)
            else:
                masm.copy_slot(v.ty, frame.slot(d), frame.local(v.x))
            v.kind, v.x = SLOT, None

    def invalidate_local(self, index: int) -> None:
        """Before writing local `index`: entries still reading it get its
        current value in their own slots."""
        masm, frame = self.masm, self.frame
        for d, v in enumerate(self.stack):
            if v.kind == LOCAL and v.x == index:
                masm.copy_slot(v.ty, frame.slot(d), frame.local(index))
                v.kind, v.x = SLOT, None

    def move_top_to(self, n: int, height: int) -> None:
        """With everything spilled: copy the top n slots to slots
        [height, height + n) (a branch's values to the target's slots).
        Copies go bottom-up, safe because the destination is never above the
        source."""
        src = len(self.stack) - n
        if src == height:
            return
        frame, masm = self.frame, self.masm
        for i in range(n):
            masm.copy_slot(self.stack[src + i].ty, frame.slot(height + i), frame.slot(src + i))
