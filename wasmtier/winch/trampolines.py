"""Per-signature trampolines from the native ABI into Python, and the code
sequences compiled functions use to call runtime helpers.

Design
------
Every `VMFuncRef` has a native entry, so compiled code calls every function
the same way (`call [funcref + FUNCREF_NATIVE_ENTRY]`, calls.py).  A function
without machine code of its own (interpreted, or a host function) has as
native entry the *callout trampoline* of its type, one per `FuncType` and
store:

    ; in: rax = callee VMFuncRef*, rdi = callee vmctx, rsi = caller vmctx,
    ;     params where the native ABI puts them (frame.param_locs)
    push rbp; mov rbp, rsp; sub rsp, 16*cells
    params -> cells [rsp + 16*i]     (runtime slot convention: i32
                                      sign-extended, f32 bits zero-extended)
    wasmtier_callout(funcref, caller_vmctx, rsp, cells)    ; Python
    test eax, eax; jnz raise
    cell 0 -> rax / xmm0 (several results: cells -> the return area
    whose address came as the hidden last argument); leave; ret
  raise:
    wasmtier_raise_trap(RAISED_IN_PYTHON)                   ; noreturn

The callee's VMFuncRef in rax is a wasmtier convention on top of System V
(rax is otherwise dead at a call): compiled callees ignore it.  Runtime
helpers (libcalls) are called from compiled code in line (`emit_libcall`),
with the same failure path.

Invariant: Python never unwinds through JIT frames.  A callback that raised
returns 1; the JIT code then calls `wasmtier_raise_trap`, which unwinds C and
JIT frames only, to the innermost entry; the tier layer re-raises the held
exception there.
"""

from __future__ import annotations

from ..runtime.trap import RAISED_IN_PYTHON
from ..wasm.types import FuncType, ValType
from ..x64.encoder import Assembler, Cond, Mem
from ..x64.registers import R11, RAX, RBP, RCX, RDI, RDX, RSP, XMM0
from .frame import param_locs

__all__ = ["callout_trampoline", "emit_raise"]

I32, I64, F32, F64 = ValType.I32, ValType.I64, ValType.F32, ValType.F64


def emit_raise(asm: Assembler, raise_trap_address: int) -> None:
    """wasmtier_raise_trap(RAISED_IN_PYTHON): unwind to the innermost entry."""
    asm.mov_ri(RDI, RAISED_IN_PYTHON, 32)
    asm.movabs_ri(RAX, raise_trap_address)
    asm.call_r(RAX)
    asm.ud2()


def store_cell(asm: Assembler, ty: ValType, cell: Mem, src) -> None:
    """Store a register holding a value of type `ty` into a 16-byte cell in
    the runtime slot convention (the full first 8 bytes)."""
    if ty is I32:
        asm.movsxd_rr(R11, src)
        asm.mov_mr(cell, R11, 64)
    elif ty is F32:
        asm.movd_rx(R11, src)
        asm.mov_mr(cell, R11, 64)
    elif ty is F64:
        asm.movsd_mx(cell, src)
    else:
        asm.mov_mr(cell, src, 64)


def load_cell(asm: Assembler, ty: ValType, dst, cell: Mem) -> None:
    if ty is F32:
        asm.movss_xm(dst, cell)
    elif ty is F64:
        asm.movsd_xm(dst, cell)
    else:
        asm.mov_rm(dst, cell, 64)


def callout_trampoline(ftype: FuncType, callout_address: int,
                       raise_trap_address: int) -> bytes:
    """Machine code of the callout trampoline for `ftype` (position
    independent: absolute addresses are immediates)."""
    asm = Assembler()
    cells = max(len(ftype.params), len(ftype.results), 1)
    asm.push_r(RBP)
    asm.mov_rr(RBP, RSP, 64)
    asm.sub_ri(RSP, 16 * cells + 16, 64)         # cells, then the return-area pointer
    locs, _ = param_locs(ftype.params, ftype.results)
    multi = len(ftype.results) > 1
    if multi:
        loc = locs[-1]
        if loc.reg is not None:
            asm.mov_mr(Mem(RSP, disp=16 * cells), loc.reg, 64)
        else:
            asm.mov_rm(R11, Mem(RBP, disp=16 + loc.stack), 64)
            asm.mov_mr(Mem(RSP, disp=16 * cells), R11, 64)
    for i, (ty, loc) in enumerate(zip(ftype.params, locs)):
        cell = Mem(RSP, disp=16 * i)
        if loc.reg is not None:
            store_cell(asm, ty, cell, loc.reg)
        else:
            stack = Mem(RBP, disp=16 + loc.stack)
            if ty is I32:
                asm.movsxd_rm(R11, stack)
            else:
                asm.mov_rm(R11, stack, 64 if ty in (I64, F64) else 32)
            asm.mov_mr(cell, R11, 64)
    asm.mov_rr(RDI, RAX, 64)            # funcref (rsi: caller vmctx, unchanged)
    asm.mov_rr(RDX, RSP, 64)
    asm.mov_ri(RCX, cells, 32)
    asm.movabs_ri(RAX, callout_address)
    asm.call_r(RAX)
    asm.test_rr(RAX, RAX, 32)
    fail = asm.new_label()
    asm.jcc(Cond.NE, fail)
    if multi:
        asm.mov_rm(R11, Mem(RSP, disp=16 * cells), 64)
        for i in range(len(ftype.results)):
            asm.mov_rm(RAX, Mem(RSP, disp=16 * i), 64)
            asm.mov_mr(Mem(R11, disp=8 * i), RAX, 64)
    elif ftype.results:
        ty = ftype.results[0]
        load_cell(asm, ty, XMM0 if ty in (F32, F64) else RAX, Mem(RSP))
    asm.mov_rr(RSP, RBP, 64)
    asm.pop_r(RBP)
    asm.ret()
    asm.bind(fail)
    emit_raise(asm, raise_trap_address)
    return asm.finish().code
