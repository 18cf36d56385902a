"""`compile_function`: one wasm function body -> machine code and metadata.

Layout of the produced code (one blob; offsets relative to its start):

    0               body            (CodeGen.emit_body; jumps to `epilogue`)
                    epilogue        restore callee-saved, mov rsp,rbp; pop rbp; ret
                    tail stub       the same, then jmp [rax] (tail calls only)
    native_entry    prologue        push rbp; mov rbp,rsp; sub rsp,N; stack check;
                                    save callee-saved; r14 = vmctx; params -> local
                                    slots; zero declared locals; jmp body
    array_entry     array stub      void f(callee_vmctx, caller_vmctx, u64x2 *values, n):
                                    load params from values[i], call native_entry,
                                    store the result to values[0]
                    trap stubs      ud2; db code   (one per check site)
                    constant pool   (16-byte aligned)

The prologue is emitted after the body because only then are the frame size
(deepest spill) and the set of callee-saved registers the body used known
(frame.py); the price is one `jmp` per call.

Native ABI: `f(callee_vmctx, caller_vmctx, params...)` (System V, frame.py).
The array stub keeps the runtime's slot convention for results: i32
sign-extended to 64 bits, f32 bits zero-extended, in the first 8 bytes of
each 16-byte cell.

Stack check: after `sub rsp, N` the prologue compares rsp with
VMCTX_STACK_LIMIT (unsigned) and traps STACK_OVERFLOW below it; a limit of
0 disables the check.  The saved registers are written only after the check.

Every operator of the foundation's feature scope compiles (calls, tail calls,
tables, references, bulk memory through calls.py; multi-value results
through a return area, frame.py).  NotImplementedError (the tier manager
keeps the function on tier 0) remains for SIMD and for a tail call needing
more stack-argument bytes than its caller received.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from ..runtime.trap import TrapCode
from ..runtime.vmoffsets import FUNCREF_NATIVE_ENTRY, VMCTX_STACK_LIMIT, VMOffsets
from ..wasm.types import Module, ValType
from ..x64.abi import VMCTX_REG
from ..x64.encoder import Cond, Mem
from ..x64.registers import R11, RAX, RBP, RBX, RDI, RDX, RSP, XMM0
from .calls import NativeAddresses
from .codegen import CodeGen, OsrMap
from .masm import TrapSite

__all__ = ["CompiledFunction", "compile_function"]

I32, I64, F32, F64 = ValType.I32, ValType.I64, ValType.F32, ValType.F64


@dataclass
class CompiledFunction:
    func_index: int
    code: bytes
    native_entry: int                 # offset of f(callee_vmctx, caller_vmctx, params...)
    array_entry: int                  # offset of f(callee_vmctx, caller_vmctx, values, n)
    trap_sites: list[TrapSite]        # (pc offset, wasm offset, TrapCode), by pc
    srcmap: list[tuple[int, int]]     # (pc offset, wasm offset) per operator, by pc
    osr_maps: dict[int, OsrMap]       # loop wasm offset -> frame-slot layout
    osr_entries: dict[int, int]       # loop wasm offset -> offset of its OSR entry
    frame_size: int
    body_bytes: int                   # size of the wasm body compiled
    compile_seconds: float = 0.0
    stats: dict = field(default_factory=dict)

    def wasm_offset_of(self, pc: int) -> int | None:
        """The wasm offset of the operator whose code contains `pc`."""
        best = None
        for p, w in self.srcmap:
            if p > pc:
                break
            best = w
        return best

    def trap_at(self, pc: int) -> TrapSite | None:
        for site in self.trap_sites:
            if site.pc == pc:
                return site
        return None


def compile_function(module: Module, offsets: VMOffsets, func_index: int,
                     natives: NativeAddresses | None = None,
                     epoch_checks: bool = False, guard_pages: bool = False,
                     fuel: bool = False) -> CompiledFunction:
    """`guard_pages`: every memory of the instances this code runs with is a
    32-bit guarded reservation (Config.memory_guard_size > 0), so loads and
    stores rely on the hardware instead of explicit bounds checks.
    `epoch_checks` / `fuel`: Config.epoch_interruption / consume_fuel, checked
    and charged where tier 0 does (codegen.CodeGen.start_region)."""
    t0 = time.perf_counter()
    cg = CodeGen(module, offsets, func_index, natives, epoch_checks, guard_pages, fuel)
    cg.emit_body()
    masm, asm, frame = cg.masm, cg.asm, cg.frame
    saved = [VMCTX_REG] + [r for r in cg.ctx.ra.used_callee_saved if r != VMCTX_REG]
    size, saves = frame.layout(saved)

    # epilogue (the label was bound by the function's final `end`)
    masm.mark(cg.body.end_offset)
    for r, off in saves:
        asm.mov_rm(r, Mem(RBP, disp=off), 64)
    asm.mov_rr(RSP, RBP, 64)
    asm.pop_r(RBP)
    asm.ret()

    # tail-call stub: as the epilogue, then jump to the callee (rax = its
    # VMFuncRef; arguments already in place, calls.py)
    if cg.tail_label is not None:
        masm.bind(cg.tail_label)
        for r, off in saves:
            asm.mov_rm(r, Mem(RBP, disp=off), 64)
        asm.mov_rr(RSP, RBP, 64)
        asm.pop_r(RBP)
        asm.jmp_m(Mem(RAX, disp=FUNCREF_NATIVE_ENTRY))

    # native entry: prologue
    asm.align(16)
    native_entry = asm.offset
    native_label = masm.new_label()
    masm.bind(native_label)
    masm.mark(cg.body.offset)
    _emit_frame_setup(cg, size, saves)
    for i, loc in enumerate(frame.param_locs):
        ty = frame.local_types[i]
        if loc.reg is not None:
            masm.store(ty, frame.local(i), loc.reg)
        else:
            masm.copy_slot(ty, frame.local(i), frame.stack_param(loc))
    nparams = len(frame.params)
    if frame.num_locals > nparams:
        asm.xor_rr(RAX, RAX, 32)
        for i in range(nparams, frame.num_locals):
            asm.mov_mr(frame.local(i), RAX, 64)
    asm.jmp(cg.body_label)

    # array-call entry
    asm.align(16)
    array_entry = asm.offset
    _emit_array_entry(cg, native_label, load_params=True)

    # OSR entries, one per loop: an array-call wrapper around a prologue that
    # loads locals and the value stack from the cells and jumps to the header.
    osr_entries = {}
    for loop_offset, osr in cg.osr_maps.items():
        asm.align(16)
        osr_entries[loop_offset] = asm.offset
        osr_native = masm.new_label()
        _emit_array_entry(cg, osr_native, load_params=False)
        masm.bind(osr_native)
        masm.mark(loop_offset)
        _emit_frame_setup(cg, size, saves)
        for i, (off, _ty) in enumerate(osr.locals + osr.stack):
            asm.mov_rm(R11, Mem(RBX, disp=16 * i), 64)     # the wrapper's cells
            asm.mov_mr(Mem(RBP, disp=off), R11, 64)
        asm.jmp(cg.osr_labels[loop_offset])

    for label, emit in cg.late_stubs:
        masm.bind(label)
        emit()
    masm.emit_stubs()
    masm.emit_pool()
    code = asm.finish().code
    masm.trap_sites.sort()
    return CompiledFunction(
        func_index=func_index, code=code, native_entry=native_entry,
        array_entry=array_entry, trap_sites=masm.trap_sites,
        srcmap=sorted(masm.srcmap), osr_maps=cg.osr_maps, osr_entries=osr_entries,
        frame_size=size,
        body_bytes=cg.body.end_offset - cg.body.offset,
        compile_seconds=time.perf_counter() - t0,
        stats={"max_depth": frame.max_depth, "saved": [repr(r) for r in saved]})


def _emit_frame_setup(cg: CodeGen, size: int, saves) -> None:
    """push rbp; mov rbp, rsp; sub rsp, size; stack check against the callee
    vmctx (rdi); save callee-saved registers; r14 = vmctx; keep the
    return-area pointer (several results) in its slot."""
    asm, frame = cg.asm, cg.frame
    asm.push_r(RBP)
    asm.mov_rr(RBP, RSP, 64)
    if size:
        asm.sub_ri(RSP, size, 64)
    asm.cmp_rm(RSP, Mem(RDI, disp=VMCTX_STACK_LIMIT), 64)
    cg.masm.trap_if(Cond.B, TrapCode.STACK_OVERFLOW)
    for r, off in saves:
        asm.mov_mr(Mem(RBP, disp=off), r, 64)
    asm.mov_rr(VMCTX_REG, RDI, 64)
    loc = frame.retptr_loc
    if loc is not None:
        if loc.reg is not None:
            asm.mov_mr(frame.retptr, loc.reg, 64)
        else:
            cg.masm.copy_slot(I64, frame.retptr, frame.stack_param(loc))


def _emit_array_entry(cg: CodeGen, native_label: int, load_params: bool) -> None:
    """f(callee_vmctx, caller_vmctx, values, n): call `native_label` with the
    params loaded from the cells (or, for an OSR entry, with rbx = values for
    the OSR prologue to read) and store the results into cells 0.. (several
    results come back through a return area in this frame)."""
    asm, masm, frame = cg.asm, cg.masm, cg.frame
    results = cg.ftype.results
    area = 0 if len(results) < 2 else -(-8 * len(results) // 16) * 16
    sas = frame.stack_arg_size
    asm.push_r(RBP)
    asm.mov_rr(RBP, RSP, 64)
    asm.push_r(RBX)
    asm.sub_ri(RSP, 8 + sas + area, 64)
    asm.mov_rr(RBX, RDX, 64)
    loc = frame.retptr_loc
    if loc is not None:
        if loc.reg is not None:
            asm.lea_rm(loc.reg, Mem(RSP, disp=sas), 64)
        else:
            asm.lea_rm(R11, Mem(RSP, disp=sas), 64)
            asm.mov_mr(Mem(RSP, disp=loc.stack), R11, 64)
    for i, loc in enumerate(frame.param_locs if load_params else ()):
        ty = frame.params[i]
        cell = Mem(RBX, disp=16 * i)
        if loc.reg is not None:
            masm.load(ty, loc.reg, cell)
        else:
            asm.mov_rm(R11, cell, 64)
            asm.mov_mr(Mem(RSP, disp=loc.stack), R11, 64)
    asm.call_label(native_label)
    if len(results) > 1:
        for i, ty in enumerate(results):
            asm.mov_rm(RAX, Mem(RSP, disp=sas + 8 * i), 64)
            if ty is I32:
                asm.movsxd_rr(RAX, RAX)
            elif ty is F32:
                asm.mov_rr(RAX, RAX, 32)
            asm.mov_mr(Mem(RBX, disp=16 * i), RAX, 64)
    elif results:
        ty = results[0]
        if ty is I32:
            asm.movsxd_rr(RAX, RAX)
        elif ty is F32:
            asm.movd_rx(RAX, XMM0)
        elif ty is F64:
            asm.movq_rx(RAX, XMM0)
        asm.mov_mr(Mem(RBX), RAX, 64)
    asm.mov_rm(RBX, Mem(RBP, disp=-8), 64)
    asm.mov_rr(RSP, RBP, 64)
    asm.pop_r(RBP)
    asm.ret()
