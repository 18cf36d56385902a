"""Calls from tier-1 code: wasm calls through VMFuncRefs, and runtime helpers.

Design (Winch's `codegen/call.rs`)
----------------------------------
Before a call the whole value stack is spilled (`Context.spill_all`), so no
allocatable register is live across it and the callee may clobber every
caller-saved register; r14 (vmctx) is callee-saved.  The arguments are the
top entries, now in their own frame slots; they are loaded straight into the
native-ABI locations of the callee's type (frame.param_locs), stack
arguments into an outgoing area below rsp.

    direct      rax = [r14 + func_ref(i)]                    (a VMFuncRef*)
    indirect    bounds check (UNDEFINED_ELEMENT), null check
                (INDIRECT_CALL_TO_NULL), rax = element, compare the
                canonical type id with [r14 + type_id(y)] (BAD_SIGNATURE)
    then        rdi = [rax + FUNCREF_VMCTX]; rsi = r14;
                call [rax + FUNCREF_NATIVE_ENTRY]

Every VMFuncRef's native entry is callable: compiled code, or the callout
trampoline of its type (trampolines.py) that runs an interpreted or host
function through Python.  The result comes back in rax / xmm0 and is pushed
as a register.

`memory.copy` and `memory.fill` are in line: bounds checks on the
zero-extended operands (64-bit sums, so no wrap-around), then a direct call
of libc's memmove / memset (no Python: they are hot in C programs).  The
other runtime helpers (runtime/libcalls.py: memory.grow, memory.init, table
ops) are called in line through Python: immediates and operands are written to 16-byte cells
below rsp, then `wasmtier_libcall(vmctx, id, cells)`; a nonzero return means
the helper raised (a trap or a host exception): the code unwinds through
`wasmtier_raise_trap` (trampolines.emit_raise).

A callee with several results gets a return area below rsp (above the
stack arguments) through its hidden last argument (frame.py); the results
are copied from there into their value-stack slots.

Tail calls (`return_call`, `return_call_indirect`) load the arguments the
same way, stack arguments into this function's own incoming area (so a
callee needing more stack-argument bytes than this function received is
NotImplementedError), pass this function's own return-area pointer on, and
jump to the shared tail stub (compile.py), which restores the callee-saved
registers, pops the frame and jumps to the callee's native entry: the
callee returns straight to this function's caller.
"""

from __future__ import annotations

from ..runtime.libcalls import LIBCALL_INDEX, LIBCALLS
from ..runtime.trap import TrapCode
from ..runtime.vmoffsets import (FUNCREF_NATIVE_ENTRY, FUNCREF_TYPE_ID, FUNCREF_VMCTX,
                                 MEMDEF_BASE, MEMDEF_LENGTH, TABLEDEF_BASE, TABLEDEF_LENGTH)
from ..wasm.types import ValType
from ..x64.abi import SCRATCH_GPR, VMCTX_REG
from ..x64.encoder import Cond, Mem
from ..x64.registers import RAX, RCX, RDI, RDX, RSI, RSP, XMM0
from .frame import param_locs
from .stack import SLOT, is_float
from .trampolines import emit_raise, load_cell

__all__ = ["CALL_HANDLERS", "NativeAddresses"]

R11 = SCRATCH_GPR
I32, I64 = ValType.I32, ValType.I64


def _libc_address(name: str) -> int:
    import ctypes
    return ctypes.cast(getattr(ctypes.CDLL(None), name), ctypes.c_void_p).value


class NativeAddresses:
    """Addresses compiled code embeds: the shim's libcall callback and its
    raise-trap routine (runtime.native.signals), libc's memmove and memset."""

    __slots__ = ("libcall", "raise_trap", "memmove", "memset")

    def __init__(self, libcall: int, raise_trap: int):
        self.libcall, self.raise_trap = libcall, raise_trap
        self.memmove = _libc_address("memmove")
        self.memset = _libc_address("memset")


def _raise_label(cg) -> int:
    """One out-of-line `wasmtier_raise_trap(RAISED_IN_PYTHON)` per function."""
    if cg.raise_label is None:
        cg.raise_label = cg.masm.new_label()
        cg.late_stubs.append((cg.raise_label,
                              lambda: emit_raise(cg.asm, cg.natives.raise_trap)))
    return cg.raise_label


def _check_callable(ftype) -> None:
    for t in ftype.params + ftype.results:
        if t is ValType.V128:
            raise NotImplementedError(f"call with a {t} value")


def _emit_tail_call(cg, ftype) -> None:
    """rax = callee VMFuncRef; everything spilled; the args are the top
    len(params) entries; this function's results are the callee's."""
    ctx, asm, masm, frame = cg.ctx, cg.asm, cg.masm, cg.frame
    params, results = ftype.params, ftype.results
    base = len(ctx.stack) - len(params)
    locs, stack_size = param_locs(params, results)
    if stack_size > frame.stack_arg_size:
        raise NotImplementedError("return_call needing more stack arguments than the caller got")
    if len(results) > 1:
        loc = locs[-1]
        if loc.reg is not None:
            asm.mov_rm(loc.reg, frame.retptr, 64)
        else:
            masm.copy_slot(I64, frame.stack_param(loc), frame.retptr)
    for i, (ty, loc) in enumerate(zip(params, locs)):
        src = frame.slot(base + i)
        if loc.reg is not None:
            masm.load(ty, loc.reg, src)
        else:
            masm.copy_slot(ty, frame.stack_param(loc), src)
    asm.mov_rm(RDI, Mem(RAX, disp=FUNCREF_VMCTX), 64)
    asm.mov_rr(RSI, VMCTX_REG, 64)
    if cg.tail_label is None:
        cg.tail_label = masm.new_label()
    asm.jmp(cg.tail_label)
    cg.go_unreachable()


def _emit_call(cg, ftype) -> None:
    """rax = callee VMFuncRef; everything spilled; the args are the top
    len(params) entries."""
    ctx, asm, masm, frame = cg.ctx, cg.asm, cg.masm, cg.frame
    params, results = ftype.params, ftype.results
    base = len(ctx.stack) - len(params)
    locs, stack_size = param_locs(params, results)
    area = 0 if len(results) < 2 else -(-8 * len(results) // 16) * 16
    if stack_size + area:
        asm.sub_ri(RSP, stack_size + area, 64)
    if area:                           # return area above the stack arguments
        loc = locs[-1]
        if loc.reg is not None:
            asm.lea_rm(loc.reg, Mem(RSP, disp=stack_size), 64)
        else:
            asm.lea_rm(R11, Mem(RSP, disp=stack_size), 64)
            asm.mov_mr(Mem(RSP, disp=loc.stack), R11, 64)
    for i, (ty, loc) in enumerate(zip(params, locs)):
        v = ctx.stack[base + i]
        assert v.kind == SLOT
        src = frame.slot(base + i)
        if loc.reg is not None:
            masm.load(ty, loc.reg, src)
        else:
            asm.mov_rm(R11, src, 64)
            asm.mov_mr(Mem(RSP, disp=loc.stack), R11, 64)
    asm.mov_rm(RDI, Mem(RAX, disp=FUNCREF_VMCTX), 64)
    asm.mov_rr(RSI, VMCTX_REG, 64)
    asm.call_m(Mem(RAX, disp=FUNCREF_NATIVE_ENTRY))
    ctx.drop(len(params))
    if area:                           # results -> their value-stack slots
        for i, ty in enumerate(results):
            asm.mov_rm(R11, Mem(RSP, disp=stack_size + 8 * i), 64)
            asm.mov_mr(frame.slot(base + i), R11, 64)
            ctx.stack.push_slot(ty)
    if stack_size + area:
        asm.add_ri(RSP, stack_size + area, 64)
    if len(results) == 1:
        ty = results[0]
        reg = XMM0 if is_float(ty) else RAX
        ctx.ra.take(reg)
        ctx.push_reg(ty, reg)


def _call(cg, ins, emit):
    ftype = cg.module.func_type(ins.imm)
    _check_callable(ftype)
    cg.ctx.spill_all()
    cg.asm.mov_rm(RAX, Mem(VMCTX_REG, disp=cg.offsets.func_ref(ins.imm)), 64)
    emit(cg, ftype)


def table_def(cg, index: int, reg) -> Mem:
    """Load the address of table `index`'s VMTableDefinition into `reg`."""
    if index < cg.module.num_imported_tables:
        cg.asm.mov_rm(reg, Mem(VMCTX_REG, disp=cg.offsets.table(index)), 64)
    else:
        d = cg.offsets.table_def(index - cg.module.num_imported_tables)
        cg.asm.lea_rm(reg, Mem(VMCTX_REG, disp=d), 64)
    return Mem(reg)


def _call_indirect(cg, ins, emit):
    type_index, table_index = ins.imm
    ftype = cg.module.types[type_index]
    _check_callable(ftype)
    ctx, asm, masm = cg.ctx, cg.asm, cg.masm
    idx = ctx.pop_to_reg()
    if idx == RAX:                      # rax will hold the callee's VMFuncRef
        other = ctx.ra.alloc_gpr()
        asm.mov_rr(other, RAX, 64)
        ctx.free(RAX)
        idx = other
    ctx.spill_all()
    asm.mov_rr(idx, idx, 32)
    table_def(cg, table_index, R11)
    asm.cmp_rm(idx, Mem(R11, disp=TABLEDEF_LENGTH), 64)
    masm.trap_if(Cond.AE, TrapCode.UNDEFINED_ELEMENT)
    asm.mov_rm(R11, Mem(R11, disp=TABLEDEF_BASE), 64)
    asm.mov_rm(RAX, Mem(R11, idx, 8), 64)
    asm.mov_rr(R11, idx, 64)            # the trap argument: "uninitialized element <idx>"
    ctx.free(idx)
    asm.test_rr(RAX, RAX, 64)
    masm.trap_if(Cond.E, TrapCode.INDIRECT_CALL_TO_NULL)
    asm.mov_rm(R11, Mem(VMCTX_REG, disp=cg.offsets.type_id(type_index)), 64)
    asm.cmp_rm(R11, Mem(RAX, disp=FUNCREF_TYPE_ID), 64)
    masm.trap_if(Cond.NE, TrapCode.BAD_SIGNATURE)
    emit(cg, ftype)


# -- runtime helpers ---------------------------------------------------------------

def _immediates(ins) -> tuple[int, ...]:
    """The libcall's leading arguments: the operator's immediates in the
    order runtime/libcalls.py takes them."""
    name, imm = ins.op.name, ins.imm
    if name in ("memory.init", "table.init"):
        segment, target = imm           # binary order: (segment, memory/table)
        return (target, segment)
    if isinstance(imm, tuple):
        return imm
    return () if imm is None else (imm,)


def _libcall(cg, ins, result_type):
    ctx, asm = cg.ctx, cg.asm
    lc_id = LIBCALL_INDEX[ins.op.name]
    lc = LIBCALLS[lc_id]
    imms = _immediates(ins)
    nops = lc.n_args - len(imms)
    ctx.spill_all()
    cells = max(lc.n_args, 1)
    area = -(-16 * cells // 16) * 16
    asm.sub_ri(RSP, area, 64)
    for i, bits in enumerate(imms):
        asm.mov_ri(R11, bits, 32)
        asm.mov_mr(Mem(RSP, disp=16 * i), R11, 64)
    base = len(ctx.stack) - nops
    for j in range(nops):
        asm.mov_rm(R11, cg.frame.slot(base + j), 64)
        asm.mov_mr(Mem(RSP, disp=16 * (len(imms) + j)), R11, 64)
    ctx.drop(nops)
    asm.mov_rr(RDI, VMCTX_REG, 64)
    asm.mov_ri(RSI, lc_id, 32)
    asm.mov_rr(RDX, RSP, 64)
    asm.movabs_ri(RAX, cg.natives.libcall)
    asm.call_r(RAX)
    asm.test_rr(RAX, RAX, 32)
    asm.jcc(Cond.NE, _raise_label(cg))
    if result_type == "table":
        result_type = cg.module.table_types()[ins.imm].elem
    if result_type is not None:
        reg = ctx.alloc_for(result_type)
        load_cell(asm, result_type, reg, Mem(RSP))
        ctx.push_reg(result_type, reg)
    asm.add_ri(RSP, area, 64)


def _memory_fields(cg, index: int, reg) -> tuple[Mem, Mem]:
    """(base, length) operands of memory `index`; `reg` holds the definition
    pointer of an imported memory."""
    nimp = cg.module.num_imported_mems
    if index < nimp:
        cg.asm.mov_rm(reg, Mem(VMCTX_REG, disp=cg.offsets.memory(index)), 64)
        return Mem(reg, disp=MEMDEF_BASE), Mem(reg, disp=MEMDEF_LENGTH)
    d = cg.offsets.memory_def(index - nimp)
    return Mem(VMCTX_REG, disp=d + MEMDEF_BASE), Mem(VMCTX_REG, disp=d + MEMDEF_LENGTH)


def _bulk_operands(cg, regs) -> None:
    """Everything spilled; the top len(regs) i32 operands, zero-extended, into
    `regs` (bottom first); pops them."""
    ctx = cg.ctx
    ctx.spill_all()
    base = len(ctx.stack) - len(regs)
    for i, r in enumerate(regs):
        cg.asm.mov_rm(r, cg.frame.slot(base + i), 32)
    ctx.drop(len(regs))


def _to_host_address(cg, index: int, offset_reg, def_reg) -> None:
    """Trap unless [offset, offset + rdx) lies in memory `index`; then turn
    `offset_reg` into a host address."""
    base, length = _memory_fields(cg, index, def_reg)
    cg.asm.lea_rm(R11, Mem(offset_reg, RDX, 1), 64)
    cg.asm.cmp_rm(R11, length, 64)
    cg.masm.trap_if(Cond.A, TrapCode.MEMORY_OUT_OF_BOUNDS)
    cg.asm.add_rm(offset_reg, base, 64)


def _memory_copy(cg, ins, arg):
    dst_mem, src_mem = ins.imm
    _bulk_operands(cg, (RDI, RSI, RDX))                 # d, s, n
    _to_host_address(cg, src_mem, RSI, RAX)
    _to_host_address(cg, dst_mem, RDI, RCX)
    cg.asm.movabs_ri(RAX, cg.natives.memmove)
    cg.asm.call_r(RAX)


def _memory_fill(cg, ins, arg):
    _bulk_operands(cg, (RDI, RSI, RDX))                 # d, val, n
    _to_host_address(cg, ins.imm, RDI, RCX)
    cg.asm.movabs_ri(RAX, cg.natives.memset)
    cg.asm.call_r(RAX)


_LIBCALL_RESULTS = {"memory.grow": I32, "table.size": I32, "table.grow": I32,
                    "table.get": "table"}


def _build() -> dict:
    handlers = {"call": (_call, _emit_call), "call_indirect": (_call_indirect, _emit_call),
                "return_call": (_call, _emit_tail_call),
                "return_call_indirect": (_call_indirect, _emit_tail_call)}
    for lc in LIBCALLS:
        handlers[lc.name] = (_libcall, _LIBCALL_RESULTS.get(lc.name) if lc.has_result else None)
    handlers["memory.copy"] = (_memory_copy, None)
    handlers["memory.fill"] = (_memory_fill, None)
    return handlers


CALL_HANDLERS = _build()
