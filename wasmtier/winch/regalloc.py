"""Register allocation for the baseline tier: one bitmask per class, one rule.

Design (Winch's `regalloc.rs` + `regset.rs`)
--------------------------------------------
The free registers are a `RegSet` (x64/registers.py): one bitmask per class,
bit n set = the register with hardware number n is free; allocation takes the
lowest set bit.  The allocatable registers are `x64.abi.ALLOCATABLE_GPRS`
(12 GPRs: never rsp/rbp, never r14 = vmctx, never r11 = masm scratch) and
`ALLOCATABLE_XMMS` (xmm0..xmm14; xmm15 is scratch).

The one rule: when a class has no free register, call `spill` (supplied by the
code generator), which stores *every* register-held value of the value stack
to its frame slot and frees those registers, then retry.  After a whole-stack
spill the only registers still taken are those the current operator holds
itself (its popped operands), so a retry fails only if one operator needs more
than 12 GPRs or 15 XMMs at once, which none does.

`take(reg)` asks for one specific register (rax/rdx for division, rcx for
shift counts, the ABI result registers): if it is busy, the stack is spilled,
which frees it unless the current operator itself holds it (a compiler bug,
reported as an AssertionError).

Invariants
----------
- A register is either free in the set, or held by exactly one owner: one
  value-stack entry or one operator handler's local variable.
- Registers never leak: every handler frees what it popped and did not push.
- `used_callee_saved` grows monotonically; the prologue/epilogue (emitted
  after the body, see frame.py) save and restore exactly those.
"""

from __future__ import annotations

from ..x64.abi import CALLEE_SAVED_GPR_MASK, allocatable_regset
from ..x64.registers import Reg, RegClass, regs_of_mask

__all__ = ["RegAlloc"]


class RegAlloc:
    def __init__(self, spill):
        self.regs = allocatable_regset()
        self._spill = spill                 # callable: spill the whole value stack
        self.used_gpr_mask = 0              # every GPR ever handed out

    def alloc(self, cls: RegClass) -> Reg:
        r = self.regs.allocate(cls)
        if r is None:
            self._spill()
            r = self.regs.allocate(cls)
            assert r is not None, f"no free {cls.name} register after a whole-stack spill"
        if r < 16:
            self.used_gpr_mask |= 1 << r
        return r

    def alloc_gpr(self) -> Reg:
        return self.alloc(RegClass.GPR)

    def alloc_xmm(self) -> Reg:
        return self.alloc(RegClass.XMM)

    def take(self, reg: Reg) -> Reg:
        if not self.regs.is_free(reg):
            self._spill()
            assert self.regs.is_free(reg), f"{reg!r} is held by the current operator"
        self.regs.take(reg)
        if reg < 16:
            self.used_gpr_mask |= 1 << reg
        return reg

    def free(self, reg: Reg) -> None:
        self.regs.free(reg)

    def is_free(self, reg: Reg) -> bool:
        return self.regs.is_free(reg)

    @property
    def used_callee_saved(self) -> list[Reg]:
        return list(regs_of_mask(self.used_gpr_mask & CALLEE_SAVED_GPR_MASK, RegClass.GPR))
