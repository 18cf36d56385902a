"""System V AMD64 calling-convention facts, and the registers wasmtier reserves.

Facts (System V AMD64 ABI, section 3.2)
---------------------------------------
- Integer/pointer arguments: rdi, rsi, rdx, rcx, r8, r9; then the stack.
- Floating-point arguments: xmm0..xmm7; then the stack.  Integer and float
  registers are counted independently (`f(int, double, int)` -> rdi, xmm0, rsi).
- Results: rax (then rdx), xmm0 (then xmm1).
- Callee-saved: rbx, rbp, r12, r13, r14, r15 (and rsp).  Every XMM register
  and every other GPR is caller-saved (clobbered by a call).
- At a `call`, rsp is 16-byte aligned, so on entry rsp % 16 == 8 (the return
  address was pushed).  Stack arguments are 8-byte slots in order, the first
  at [rsp + 8] on entry, i.e. at offset 0 from rsp at the call.
- A leaf function may use the 128-byte red zone below rsp; JIT code does not
  rely on it (signal handlers for traps run on an alternate stack anyway).

wasmtier's native ABI (see ARCHITECTURE.md) is System V with two leading
pointer arguments: `f(callee_vmctx, caller_vmctx, params...)`, so wasm params
start at rdx / xmm0.

Reserved registers (a decision for tiers 1 and 2, as in Winch's x64 ABI)
------------------------------------------------------------------------
- r14 holds the callee's vmctx for the whole body (pinned, callee-saved, so
  calls into C/numba preserve it).
- r11 and xmm15 are scratch registers for the MacroAssembler (never allocated,
  never live across an instruction sequence emitted by one masm call).
- rsp and rbp (frame pointer) are never allocated.
"""

from __future__ import annotations

from typing import NamedTuple

from .registers import (R8, R9, R10, R11, R12, R13, R14, R15, RAX, RBP, RBX,
                        RCX, RDI, RDX, RSI, RSP, XMMS, Reg, RegSet, mask_of)

__all__ = [
    "INT_ARG_REGS", "FLOAT_ARG_REGS", "INT_RET_REGS", "FLOAT_RET_REGS",
    "CALLEE_SAVED_GPRS", "CALLER_SAVED_GPRS", "CALLEE_SAVED_XMMS",
    "CALLER_SAVED_XMMS", "STACK_ALIGN", "RED_ZONE", "STACK_SLOT",
    "VMCTX_REG", "SCRATCH_GPR", "SCRATCH_XMM", "ALLOCATABLE_GPRS",
    "ALLOCATABLE_XMMS", "ArgLoc", "assign_args", "allocatable_regset",
    "CALLEE_SAVED_GPR_MASK", "CALLER_SAVED_GPR_MASK",
]

INT_ARG_REGS = (RDI, RSI, RDX, RCX, R8, R9)
FLOAT_ARG_REGS = XMMS[:8]
INT_RET_REGS = (RAX, RDX)
FLOAT_RET_REGS = XMMS[:2]
CALLEE_SAVED_GPRS = (RBX, RBP, R12, R13, R14, R15)
CALLER_SAVED_GPRS = (RAX, RCX, RDX, RSI, RDI, R8, R9, R10, R11)
CALLEE_SAVED_XMMS: tuple = ()
CALLER_SAVED_XMMS = XMMS
CALLEE_SAVED_GPR_MASK = mask_of(CALLEE_SAVED_GPRS)
CALLER_SAVED_GPR_MASK = mask_of(CALLER_SAVED_GPRS)

STACK_ALIGN = 16      # rsp % 16 == 0 at every call instruction
RED_ZONE = 128
STACK_SLOT = 8

VMCTX_REG = R14
SCRATCH_GPR = R11
SCRATCH_XMM = XMMS[15]
ALLOCATABLE_GPRS = tuple(r for r in (RAX, RCX, RDX, RBX, RSI, RDI, R8, R9, R10,
                                     R12, R13, R15))
ALLOCATABLE_XMMS = XMMS[:15]


def allocatable_regset() -> RegSet:
    """A fresh RegSet of the registers a compiler may allocate."""
    return RegSet(mask_of(ALLOCATABLE_GPRS), mask_of(ALLOCATABLE_XMMS))


class ArgLoc(NamedTuple):
    """Where one argument lives: a register, or a stack offset.

    `stack` is the byte offset from rsp at the call instruction (add 8 for
    rsp on entry, 16 for rbp after `push rbp; mov rbp, rsp`).
    """
    reg: Reg | None
    stack: int | None


def assign_args(classes) -> tuple[list[ArgLoc], int]:
    """Assign arguments of classes 'i' (integer/pointer) or 'f' (float).

    Returns the locations and the size of the stack argument area, rounded up
    to STACK_ALIGN.
    """
    locs, ni, nf, stack = [], 0, 0, 0
    for c in classes:
        if c == "i" and ni < len(INT_ARG_REGS):
            locs.append(ArgLoc(INT_ARG_REGS[ni], None))
            ni += 1
        elif c == "f" and nf < len(FLOAT_ARG_REGS):
            locs.append(ArgLoc(FLOAT_ARG_REGS[nf], None))
            nf += 1
        elif c in ("i", "f"):
            locs.append(ArgLoc(None, stack))
            stack += STACK_SLOT
        else:
            raise ValueError(f"argument class {c!r} is not 'i' or 'f'")
    return locs, -(-stack // STACK_ALIGN) * STACK_ALIGN


# Guard the reserved-register decisions against edits.
assert VMCTX_REG in CALLEE_SAVED_GPRS
assert SCRATCH_GPR not in ALLOCATABLE_GPRS and VMCTX_REG not in ALLOCATABLE_GPRS
assert RSP not in ALLOCATABLE_GPRS and RBP not in ALLOCATABLE_GPRS
