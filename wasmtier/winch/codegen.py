"""The operator visitor: one pass over a function body, emitting x86-64.

Design
------
`CodeGen.emit_body` walks `FunctionBody.instrs` once.  Each operator has a
short handler that works through the Context (context.py): pop operands into
registers (constants stay immediates where x86 has an immediate form), emit
the instruction through the MacroAssembler, push the result register.
Handlers are found through `_HANDLERS`, a table from operator name to
(function, argument) built once from the family tables below, so the
per-opcode knowledge (which x86 instruction, which condition code, which
conversion bounds) is data, not code.

Value conventions (registers and slots; frame.py): an i32 is the low 32 bits
of a GPR (every i32 instruction is a 32-bit form, which also zero-extends),
an i64 the full GPR; f32/f64 the low lane of an XMM register.  Results handed
to the outside (array-call results, globals) use the runtime's slot
convention: i32 sign-extended to 64 bits, f32 bits zero-extended.

Semantics follow the spec, and where the spec leaves a choice (NaN
payloads), the interpreter (interp/ops.py, interp/prims.py):

- integer division: divide-by-zero faults (`idiv`/`div` raise SIGFPE, a
  recorded trap site); INT_MIN / -1 is checked explicitly (the shim cannot
  tell it from a zero divisor) and traps with INTEGER_OVERFLOW; INT_MIN
  rem -1 is 0 without dividing.
- floating point: floats.py (FLOAT_HANDLERS); calls, tail calls, bulk
  memory and runtime helpers: calls.py (CALL_HANDLERS).
- a compare directly followed by br_if / if leaves its result in the flags
  and the branch jumps on them (`fuse_condition` / `branch_condition`).
- Config.consume_fuel / epoch_interruption: fuel regions and epoch checks
  where tier 0 has them (`start_region`).

Unsupported operators raise NotImplementedError(name): the tier manager keeps
such functions on tier 0.
"""

from __future__ import annotations

import struct

from ..runtime.trap import TrapCode
from ..wasm.fuel import FREE_OPERATORS, REGION_STARTS
from ..runtime.vmoffsets import (MEMDEF_BASE, MEMDEF_LENGTH, VMCTX_EPOCH_DEADLINE,
                                 VMCTX_EPOCH_PTR, VMCTX_FUEL, VMOffsets)
from ..wasm.types import Module, ValType
from ..x64.abi import SCRATCH_GPR, SCRATCH_XMM, VMCTX_REG
from ..x64.encoder import Cond, Mem
from ..x64.registers import RAX, RCX, RDX, XMM0
from .calls import CALL_HANDLERS, NativeAddresses
from .context import Context
from .floats import FLOAT_HANDLERS
from .control import BLOCK, FUNC, IF, LOOP, ControlFrame
from .frame import Frame
from .masm import SIZE, MacroAssembler
from .stack import CONST, LOCAL, REG, is_float

__all__ = ["CodeGen", "OsrMap"]

I32, I64, F32, F64 = ValType.I32, ValType.I64, ValType.F32, ValType.F64
R11, X15 = SCRATCH_GPR, SCRATCH_XMM
_TYPES = {"i32": I32, "i64": I64, "f32": F32, "f64": F64}
_NUMERIC = (I32, I64, F32, F64)
# Values tier 1 holds: numbers, and references as raw 64-bit words (a
# VMFuncRef address or an externref id, 0 for null), as every tier does.
_VALUES = _NUMERIC + (ValType.FUNCREF, ValType.EXTERNREF)


def _f64(x: float) -> int:
    return struct.unpack("<Q", struct.pack("<d", x))[0]


class OsrMap:
    """Frame state at a loop header: (rbp offset, type) of every local and of
    every value-stack entry below the loop's params (inclusive)."""

    __slots__ = ("locals", "stack")

    def __init__(self, locals_, stack):
        self.locals, self.stack = locals_, stack

    def __repr__(self) -> str:
        return f"OsrMap(locals={self.locals}, stack={self.stack})"


def default_natives() -> NativeAddresses:
    """The shim's callback addresses (building/loading the shim if needed)."""
    from ..runtime.native import signals
    return NativeAddresses(signals.libcall_address(), signals.raise_trap_address())


class CodeGen:
    def __init__(self, module: Module, offsets: VMOffsets, func_index: int,
                 natives: NativeAddresses | None = None, epoch_checks: bool = False,
                 guard_pages: bool = False, fuel: bool = False):
        nimp = module.num_imported_funcs
        if func_index < nimp:
            raise ValueError(f"function {func_index} is imported")
        self.module = module
        self.offsets = offsets
        self.func_index = func_index
        self.body = module.codes[func_index - nimp]
        self.ftype = module.func_type(func_index)
        for t in self.ftype.params + self.ftype.results + tuple(self.body.locals):
            if t not in _VALUES:
                raise NotImplementedError(f"value type {t}")
        self.natives = natives if natives is not None else default_natives()
        self.epoch_checks = epoch_checks
        self.guard_pages = guard_pages
        self.fuel = fuel
        self.fuel_patches: list[int] = []   # imm32 positions of the open fuel region
        self.fuel_count = 0                 # operators charged to the open region
        self.raise_label: int | None = None
        self.tail_label: int | None = None   # the tail-call stub (compile.py)
        self.next_op: str | None = None      # the operator after the current one
        self.pending_cc: Cond | None = None  # a compare fused into the next br_if / if
        self.late_stubs: list = []      # (label, emit): out-of-line code after the body
        self.masm = MacroAssembler()
        self.asm = self.masm.asm
        self.frame = Frame(self.ftype.params, self.body.locals, self.ftype.results)
        self.ctx = Context(self.masm, self.frame)
        self.controls: list[ControlFrame] = []
        self.reachable = True
        self.skip = 0
        self.osr_maps: dict[int, OsrMap] = {}
        self.osr_labels: dict[int, int] = {}    # loop wasm offset -> header label
        self.body_label = self.masm.new_label()
        self.epilogue = self.masm.new_label()
        self.global_types = module.global_types()
        self.num_imported_globals = module.num_imported_globals
        self.num_imported_mems = module.num_imported_mems

    # -- driver
    def emit_body(self) -> None:
        masm = self.masm
        masm.bind(self.body_label)
        self.controls.append(ControlFrame(FUNC, (), self.ftype.results, 0, self.epilogue,
                                          True, self.body.offset))
        masm.mark(self.body.offset)
        self.start_region(entry=True)
        handlers = _HANDLERS
        instrs = self.body.instrs
        last = len(instrs) - 1
        for i, ins in enumerate(instrs):
            name = ins.op.name
            self.next_op = instrs[i + 1].op.name if i < last else None
            if not self.reachable:
                if name in ("block", "loop", "if"):
                    self.skip += 1
                    continue
                if name == "end":
                    if self.skip:
                        self.skip -= 1
                        continue
                elif name == "else":
                    if self.skip:
                        continue
                else:
                    continue
            masm.mark(ins.offset)
            entry = handlers.get(name)
            if entry is None or (name == "select" and ins.imm is not None
                                 and not all(t in _VALUES for t in ins.imm)):
                raise NotImplementedError(name)
            fn, arg = entry
            fn(self, ins, arg)
            if name not in FREE_OPERATORS:
                self.fuel_count += 1
            if name in REGION_STARTS and self.controls:
                self.start_region(loop=ins.offset if name == "loop" else None)
        self.close_region()
        assert not self.controls, "unbalanced control stack"

    # -- control helpers
    def fuse_condition(self, cc: Cond, reg) -> bool:
        """A compare followed by br_if / if leaves its condition in the flags
        (`pending_cc`) instead of materializing 0/1: the branch consumes it.
        Only moves are emitted in between (spill_all), which keep the flags."""
        if self.next_op in ("br_if", "if"):
            self.ctx.free(reg)
            self.pending_cc = cc
            return True
        return False

    def branch_condition(self) -> Cond:
        """For br_if / if: pop the condition and spill everything (the merge
        state); the condition code that means "taken": a fused compare's,
        else `top != 0` (test emitted after the spill; moves keep flags)."""
        cc = self.pending_cc
        if cc is not None:
            self.pending_cc = None
            self.ctx.spill_all()
            return cc
        c = self.ctx.pop_to_reg()
        self.ctx.spill_all()
        self.asm.test_rr(c, c, 32)
        self.ctx.free(c)
        return Cond.NE

    def start_region(self, entry: bool = False, loop: int | None = None) -> None:
        """Where tier 0 starts a fuel region (function entry, after loop, if,
        else, end, br_if: interp/translate.py), charge the region's operators
        before running them (Config.consume_fuel), exactly as tier 0 does, so
        fuel agrees with the interpreter and with wasmtime; at function entry
        and loop headers check the epoch.  `loop`: the loop's wasm offset; an
        OSR entry lands after these checks, since tier 0 made them already."""
        if self.fuel:
            self.close_region()
            self.fuel_count = 1 if entry else 0   # one unit per call, as wasmtime
            asm = self.asm
            asm.mov_rm(R11, Mem(VMCTX_REG, disp=VMCTX_FUEL), 64)
            asm.cmp_mi(Mem(R11), 0x7FFFFFFF, 64)          # imm32 patched by close_region
            self.fuel_patches = [asm.offset - 4]
            self.masm.trap_if(Cond.L, TrapCode.OUT_OF_FUEL)
            asm.sub_mi(Mem(R11), 0x7FFFFFFF, 64)
            self.fuel_patches.append(asm.offset - 4)
        if self.epoch_checks and (entry or loop is not None):
            self.epoch_check()
        if loop is not None and (self.fuel or self.epoch_checks):
            label = self.masm.new_label()
            self.masm.bind(label)
            self.osr_labels[loop] = label

    def close_region(self) -> None:
        for pos in self.fuel_patches:
            self.asm.patch_i32(pos, self.fuel_count)
        self.fuel_patches = []

    def epoch_check(self) -> None:
        """Trap INTERRUPT once the engine's epoch reached the store's deadline
        (Config.epoch_interruption; at function entry and loop headers, as
        tier 0 checks)."""
        asm = self.asm
        asm.mov_rm(R11, Mem(VMCTX_REG, disp=VMCTX_EPOCH_PTR), 64)
        asm.mov_rm(R11, Mem(R11), 64)
        asm.cmp_rm(R11, Mem(VMCTX_REG, disp=VMCTX_EPOCH_DEADLINE), 64)
        self.masm.trap_if(Cond.AE, TrapCode.INTERRUPT)

    def go_unreachable(self) -> None:
        self.ctx.truncate(self.controls[-1].height)
        self.reachable = False

    def emit_branch(self, f: ControlFrame) -> None:
        """Everything spilled: jump to `f` carrying the top values; the
        compile-time stack is unchanged."""
        ctx = self.ctx
        if f.kind == FUNC:
            self.load_results(len(ctx.stack) - len(f.results))
            self.asm.jmp(self.epilogue)
            return
        ctx.move_top_to(len(f.branch_types), f.height)
        f.targeted = True
        self.asm.jmp(f.label)

    def load_results(self, base: int) -> None:
        """Everything spilled, the function's results in slots base..: one
        result into rax/xmm0, several into the caller's return area."""
        results, frame, asm = self.ftype.results, self.frame, self.asm
        if len(results) == 1:
            ty = results[0]
            self.masm.load(ty, XMM0 if is_float(ty) else RAX, frame.slot(base))
        elif results:
            asm.mov_rm(R11, frame.retptr, 64)
            for i in range(len(results)):
                asm.mov_rm(RAX, frame.slot(base + i), 64)
                asm.mov_mr(Mem(R11, disp=8 * i), RAX, 64)

    def needs_stub(self, f: ControlFrame) -> bool:
        return f.kind == FUNC or len(self.ctx.stack) - len(f.branch_types) != f.height

    def block_height(self, bt) -> int:
        return len(self.ctx.stack) - len(bt.params)

    # -- memory helpers
    def memdef(self, index: int):
        """(base Mem, length Mem, temp register or None) of memory `index`."""
        if index < self.num_imported_mems:
            p = self.ctx.ra.alloc_gpr()
            self.asm.mov_rm(p, Mem(VMCTX_REG, disp=self.offsets.memory(index)), 64)
            return Mem(p, disp=MEMDEF_BASE), Mem(p, disp=MEMDEF_LENGTH), p
        d = self.offsets.memory_def(index - self.num_imported_mems)
        return Mem(VMCTX_REG, disp=d + MEMDEF_BASE), Mem(VMCTX_REG, disp=d + MEMDEF_LENGTH), None

    def heap_addr(self, addr, memarg, width: int) -> Mem:
        """Bounds-check [addr + offset, +width) against the memory length
        (trap MEMORY_OUT_OF_BOUNDS) and return the access operand; uses r11
        for the base, so the caller must not need r11 until the access.
        With guard pages (memory.py: 4 GiB + 4 GiB PROT_NONE reservations)
        the check is the hardware's: the access, the next instruction the
        caller emits, is recorded as a faulting trap site."""
        asm = self.asm
        asm.mov_rr(addr, addr, 32)                      # zero-extend the i32 address
        offset = memarg.offset
        if self.guard_pages and offset + width <= 0x7FFFFFFF:
            # addr < 4 GiB and offset < 2 GiB: the access lies inside the
            # 4 GiB + 4 GiB guard reservation, so the hardware checks it.
            base, _length, tmp = self.memdef(memarg.memory)
            asm.mov_rm(R11, base, 64)
            if tmp is not None:
                self.ctx.free(tmp)
            self.masm.faulting(TrapCode.MEMORY_OUT_OF_BOUNDS)
            return Mem(R11, addr, 1, offset)
        if offset + width > 0x7FFFFFFF:
            asm.movabs_ri(R11, offset)
            asm.add_rr(addr, R11, 64)
            offset = 0
        base, length, tmp = self.memdef(memarg.memory)
        asm.lea_rm(R11, Mem(addr, disp=offset + width), 64)
        asm.cmp_rm(R11, length, 64)
        self.masm.trap_if(Cond.A, TrapCode.MEMORY_OUT_OF_BOUNDS)
        asm.mov_rm(R11, base, 64)
        if tmp is not None:
            self.ctx.free(tmp)
        return Mem(R11, addr, 1, offset)

    def global_mem(self, index: int) -> tuple[Mem, object]:
        off = self.offsets.global_(index)
        if index < self.num_imported_globals:
            p = self.ctx.ra.alloc_gpr()
            self.asm.mov_rm(p, Mem(VMCTX_REG, disp=off), 64)
            return Mem(p), p
        return Mem(VMCTX_REG, disp=off), None


# ---------------------------------------------------------------------------
# Handlers: fn(cg, ins, arg).  Grouped as the spec groups operators.

def _nop(cg, ins, arg):
    pass


def _unreachable(cg, ins, arg):
    cg.masm.trap(TrapCode.UNREACHABLE)
    cg.go_unreachable()


def _block(cg, ins, arg):
    bt = ins.imm
    cg.ctx.spill_all()
    cg.controls.append(ControlFrame(BLOCK, bt.params, bt.results, cg.block_height(bt),
                                    cg.masm.new_label(), True, ins.offset))


def _loop(cg, ins, arg):
    bt = ins.imm
    ctx, frame = cg.ctx, cg.frame
    ctx.spill_all()
    header = cg.masm.new_label()
    cg.masm.bind(header)
    cg.controls.append(ControlFrame(LOOP, bt.params, bt.results, cg.block_height(bt),
                                    header, True, ins.offset))
    cg.osr_labels[ins.offset] = header     # moved past fuel/epoch checks by start_region
    cg.osr_maps[ins.offset] = OsrMap(
        [(frame.local_offset(i), t) for i, t in enumerate(frame.local_types)],
        [(frame.slot_offset(d), v.ty) for d, v in enumerate(ctx.stack)])
    for d in range(len(ctx.stack)):
        frame.slot(d)


def _if(cg, ins, arg):
    bt = ins.imm
    cc = cg.branch_condition()
    f = ControlFrame(IF, bt.params, bt.results, cg.block_height(bt), cg.masm.new_label(),
                     True, ins.offset)
    f.else_label = cg.masm.new_label()
    cg.asm.jcc(cc.invert(), f.else_label)
    cg.controls.append(f)


def _else(cg, ins, arg):
    f = cg.controls[-1]
    ctx = cg.ctx
    if cg.reachable:
        ctx.spill_all()
        cg.emit_branch(f)
    cg.masm.bind(f.else_label)
    f.has_else = True
    ctx.truncate(f.height)
    for t in f.params:
        ctx.stack.push_slot(t)
    cg.reachable = f.reachable_at_entry


def _end(cg, ins, arg):
    f = cg.controls.pop()
    ctx = cg.ctx
    if f.kind == FUNC:
        if cg.reachable and len(f.results) == 1:
            ty = f.results[0]
            ctx.pop_to_fixed(XMM0 if is_float(ty) else RAX)
            ctx.free(XMM0 if is_float(ty) else RAX)
        elif cg.reachable and f.results:
            ctx.spill_all()
            cg.load_results(len(ctx.stack) - len(f.results))
            ctx.truncate(len(ctx.stack) - len(f.results))
        cg.masm.bind(f.label)
        cg.reachable = False
        return
    if f.kind == LOOP:
        if not cg.reachable:
            ctx.truncate(f.height)
        return
    reachable = cg.reachable or f.targeted
    if cg.reachable:
        ctx.spill_all()
        ctx.move_top_to(len(f.results), f.height)
    if f.kind == IF and not f.has_else:
        cg.masm.bind(f.else_label)
        reachable = reachable or f.reachable_at_entry
    cg.masm.bind(f.label)
    ctx.truncate(f.height)
    for t in f.results:
        ctx.stack.push_slot(t)
    cg.reachable = reachable


def _br(cg, ins, arg):
    cg.ctx.spill_all()
    cg.emit_branch(cg.controls[-1 - ins.imm])
    cg.go_unreachable()


def _return(cg, ins, arg):
    cg.ctx.spill_all()
    cg.emit_branch(cg.controls[0])
    cg.go_unreachable()


def _br_if(cg, ins, arg):
    asm = cg.asm
    f = cg.controls[-1 - ins.imm]
    cc = cg.branch_condition()
    if cg.needs_stub(f):
        skip = cg.masm.new_label()
        asm.jcc(cc.invert(), skip)
        cg.emit_branch(f)
        cg.masm.bind(skip)
    else:
        f.targeted = True
        asm.jcc(cc, f.label)


def _br_table(cg, ins, arg):
    ctx, asm, masm = cg.ctx, cg.asm, cg.masm
    labels, default = ins.imm
    targets = list(labels) + [default]
    n = len(labels)
    idx = ctx.pop_to_reg()
    ctx.spill_all()
    if n:
        asm.mov_ri(R11, n, 32)
        asm.cmp_ri(idx, n, 32)
        asm.cmovcc_rr(Cond.AE, idx, R11, 32)
        table = masm.new_label()
        asm.mov_rr(idx, idx, 32)
        asm.lea_rm(R11, Mem.at_label(table), 64)
        asm.lea_rm(R11, Mem(R11, idx, 8), 64)
        asm.jmp_r(R11)
        masm.bind(table)
    ctx.free(idx)
    stubs = {}
    for depth in targets:
        f = cg.controls[-1 - depth]
        start = asm.offset
        if cg.needs_stub(f):
            if depth not in stubs:
                stubs[depth] = masm.new_label()
            asm.jmp(stubs[depth])
        else:
            f.targeted = True
            asm.jmp(f.label)
        if n:
            asm.nop_n(8 - (asm.offset - start))
    for depth, label in stubs.items():
        masm.bind(label)
        cg.emit_branch(cg.controls[-1 - depth])
    cg.go_unreachable()


def _drop(cg, ins, arg):
    cg.ctx.drop()


def _select(cg, ins, arg):
    ctx, asm = cg.ctx, cg.asm
    c = ctx.pop_to_reg()
    ty = ctx.stack[-1].ty
    b = ctx.pop_to_reg()
    a = ctx.pop_to_reg()
    asm.test_rr(c, c, 32)
    if is_float(ty):
        keep = cg.masm.new_label()
        asm.jcc(Cond.NE, keep, short=True)
        asm.movaps_xx(a, b)
        cg.masm.bind(keep)
    else:
        asm.cmovcc_rr(Cond.E, a, b, SIZE[ty])
    ctx.free(c)
    ctx.free(b)
    ctx.push_reg(ty, a)


# -- variables

def _local_get(cg, ins, arg):
    cg.ctx.stack.push_local(cg.frame.local_types[ins.imm], ins.imm)


def _local_set(cg, ins, arg):
    ctx, masm, frame = cg.ctx, cg.masm, cg.frame
    i = ins.imm
    ctx.invalidate_local(i)
    v, depth = ctx.pop_val()
    dst = frame.local(i)
    if v.kind == CONST:
        masm.store_imm(v.ty, dst, v.x)
    elif v.kind == REG:
        masm.store(v.ty, dst, v.x)
        ctx.free(v.x)
    elif v.kind == LOCAL:
        masm.copy_slot(v.ty, dst, frame.local(v.x))
    else:
        masm.copy_slot(v.ty, dst, frame.slot(depth))


def _local_tee(cg, ins, arg):
    ctx, masm = cg.ctx, cg.masm
    i = ins.imm
    ctx.invalidate_local(i)
    top = ctx.stack[-1]
    if top.kind == CONST:
        masm.store_imm(top.ty, cg.frame.local(i), top.x)
        return
    ty = top.ty
    r = ctx.pop_to_reg()
    masm.store(ty, cg.frame.local(i), r)
    ctx.push_reg(ty, r)


def _global_get(cg, ins, arg):
    ty = cg.global_types[ins.imm].valtype
    mem, p = cg.global_mem(ins.imm)
    r = cg.ctx.alloc_for(ty)
    cg.masm.load(ty, r, mem)
    if p is not None:
        cg.ctx.free(p)
    cg.ctx.push_reg(ty, r)


def _global_set(cg, ins, arg):
    ty = cg.global_types[ins.imm].valtype
    ctx, asm = cg.ctx, cg.asm
    r = ctx.pop_to_reg()
    mem, p = cg.global_mem(ins.imm)
    if ty is I32:                       # slot convention: sign-extended
        asm.movsxd_rr(r, r)
        asm.mov_mr(mem, r, 64)
    elif ty is F32:                     # slot convention: bits zero-extended
        asm.movd_rx(R11, r)
        asm.mov_mr(mem, R11, 64)
    elif ty is F64:
        asm.movsd_mx(mem, r)
    else:                               # i64 and references
        asm.mov_mr(mem, r, 64)
    if p is not None:
        ctx.free(p)
    ctx.free(r)


# -- memory

def _load(cg, ins, form):
    ctx, asm = cg.ctx, cg.asm
    ty, emit = form
    addr = ctx.pop_to_reg()
    m = cg.heap_addr(addr, ins.imm, ins.op.mem_bytes)
    if is_float(ty):
        x = ctx.ra.alloc_xmm()
        emit(asm, x, m)
        ctx.free(addr)
        ctx.push_reg(ty, x)
    else:
        emit(asm, addr, m)
        ctx.push_reg(ty, addr)


def _store(cg, ins, emit):
    ctx = cg.ctx
    v = ctx.pop_to_reg()
    addr = ctx.pop_to_reg()
    m = cg.heap_addr(addr, ins.imm, ins.op.mem_bytes)
    emit(cg.asm, m, v)
    ctx.free(v)
    ctx.free(addr)


_LOADS = {
    "i32.load": (I32, lambda a, r, m: a.mov_rm(r, m, 32)),
    "i64.load": (I64, lambda a, r, m: a.mov_rm(r, m, 64)),
    "f32.load": (F32, lambda a, r, m: a.movss_xm(r, m)),
    "f64.load": (F64, lambda a, r, m: a.movsd_xm(r, m)),
    "i32.load8_s": (I32, lambda a, r, m: a.movsx8_rm(r, m, 32)),
    "i32.load8_u": (I32, lambda a, r, m: a.movzx8_rm(r, m, 32)),
    "i32.load16_s": (I32, lambda a, r, m: a.movsx16_rm(r, m, 32)),
    "i32.load16_u": (I32, lambda a, r, m: a.movzx16_rm(r, m, 32)),
    "i64.load8_s": (I64, lambda a, r, m: a.movsx8_rm(r, m, 64)),
    "i64.load8_u": (I64, lambda a, r, m: a.movzx8_rm(r, m, 32)),
    "i64.load16_s": (I64, lambda a, r, m: a.movsx16_rm(r, m, 64)),
    "i64.load16_u": (I64, lambda a, r, m: a.movzx16_rm(r, m, 32)),
    "i64.load32_s": (I64, lambda a, r, m: a.movsxd_rm(r, m)),
    "i64.load32_u": (I64, lambda a, r, m: a.mov_rm(r, m, 32)),
}
_STORES = {
    "i32.store": lambda a, m, r: a.mov_mr(m, r, 32),
    "i64.store": lambda a, m, r: a.mov_mr(m, r, 64),
    "f32.store": lambda a, m, r: a.movss_mx(m, r),
    "f64.store": lambda a, m, r: a.movsd_mx(m, r),
    "i32.store8": lambda a, m, r: a.mov_mr(m, r, 8),
    "i32.store16": lambda a, m, r: a.mov_mr(m, r, 16),
    "i64.store8": lambda a, m, r: a.mov_mr(m, r, 8),
    "i64.store16": lambda a, m, r: a.mov_mr(m, r, 16),
    "i64.store32": lambda a, m, r: a.mov_mr(m, r, 32),
}


def _memory_size(cg, ins, arg):
    base, length, tmp = cg.memdef(ins.imm)
    r = cg.ctx.ra.alloc_gpr()
    cg.asm.mov_rm(r, length, 64)
    cg.asm.shr_ri(r, 16, 64)
    if tmp is not None:
        cg.ctx.free(tmp)
    cg.ctx.push_reg(I32, r)


# -- numeric: constants

def _const(cg, ins, ty):
    bits = ins.imm & (0xFFFFFFFF if SIZE[ty] == 32 else 0xFFFFFFFFFFFFFFFF)
    cg.ctx.stack.push_const(ty, bits)


# -- numeric: integers

_ALU = {"add", "sub", "and", "or", "xor"}
_SHIFT = {"shl": "shl", "shr_s": "sar", "shr_u": "shr", "rotl": "rol", "rotr": "ror"}
_ICMP = {"eq": Cond.E, "ne": Cond.NE, "lt_s": Cond.L, "lt_u": Cond.B, "gt_s": Cond.G,
         "gt_u": Cond.A, "le_s": Cond.LE, "le_u": Cond.BE, "ge_s": Cond.GE, "ge_u": Cond.AE}


def _imm_operand(cg, ty) -> int | None:
    """Pop the top entry if it is a constant usable as an imm32."""
    top = cg.ctx.stack[-1]
    if top.kind == CONST and cg.masm.fits_imm32(ty, top.x):
        cg.ctx.stack.pop()
        return cg.masm.imm32(ty, top.x)
    return None


def _ibinop(cg, ins, arg):
    ty, op = arg
    ctx, asm = cg.ctx, cg.asm
    size = SIZE[ty]
    if op in _ALU or op == "mul":
        imm = _imm_operand(cg, ty)
        if imm is not None:
            a = ctx.pop_to_reg()
            if op == "mul":
                asm.imul_rri(a, a, imm, size)
            else:
                getattr(asm, op + "_ri")(a, imm, size)
        else:
            b = ctx.pop_to_reg()
            a = ctx.pop_to_reg()
            if op == "mul":
                asm.imul_rr(a, b, size)
            else:
                getattr(asm, op + "_rr")(a, b, size)
            ctx.free(b)
        ctx.push_reg(ty, a)
    elif op in _SHIFT:
        x86 = _SHIFT[op]
        top = ctx.stack[-1]
        if top.kind == CONST:
            ctx.stack.pop()
            a = ctx.pop_to_reg()
            getattr(asm, x86 + "_ri")(a, top.x & (size - 1), size)
        else:
            ctx.pop_to_fixed(RCX)
            a = ctx.pop_to_reg()
            getattr(asm, x86 + "_rc")(a, size)
            ctx.free(RCX)
        ctx.push_reg(ty, a)
    else:
        _idiv(cg, ty, op)


def _idiv(cg, ty, op):
    ctx, asm, masm = cg.ctx, cg.asm, cg.masm
    size = SIZE[ty]
    ctx.ra.take(RAX)
    ctx.ra.take(RDX)
    b = ctx.pop_to_reg()
    ctx.pop_to_reg(RAX)
    done = None
    if op in ("div_s", "rem_s"):
        do = masm.new_label()
        asm.cmp_ri(b, -1, size)
        asm.jcc(Cond.NE, do, short=True)
        if op == "div_s":
            if size == 32:
                asm.cmp_ri(RAX, -0x80000000, 32)
            else:
                asm.movabs_ri(R11, 1 << 63)
                asm.cmp_rr(RAX, R11, 64)
            masm.trap_if(Cond.E, TrapCode.INTEGER_OVERFLOW)
        else:                                   # x rem -1 == 0 (also for INT_MIN)
            done = masm.new_label()
            asm.xor_rr(RDX, RDX, 32)
            asm.jmp(done, short=True)
        masm.bind(do)
        asm.cdq() if size == 32 else asm.cqo()
        masm.faulting(TrapCode.INTEGER_DIVISION_BY_ZERO)
        asm.idiv_r(b, size)
    else:
        asm.xor_rr(RDX, RDX, 32)
        masm.faulting(TrapCode.INTEGER_DIVISION_BY_ZERO)
        asm.div_r(b, size)
    if done is not None:
        masm.bind(done)
    ctx.free(b)
    if op.startswith("div"):
        ctx.free(RDX)
        ctx.push_reg(ty, RAX)
    else:
        ctx.free(RAX)
        ctx.push_reg(ty, RDX)


def _icmp(cg, ins, arg):
    ty, cc = arg
    ctx, asm = cg.ctx, cg.asm
    size = SIZE[ty]
    imm = _imm_operand(cg, ty)
    if imm is not None:
        a = ctx.pop_to_reg()
        asm.cmp_ri(a, imm, size)
    else:
        b = ctx.pop_to_reg()
        a = ctx.pop_to_reg()
        asm.cmp_rr(a, b, size)
        ctx.free(b)
    if cg.fuse_condition(cc, a):
        return
    cg.masm.setcc_zx(cc, a)
    ctx.push_reg(I32, a)


def _eqz(cg, ins, ty):
    a = cg.ctx.pop_to_reg()
    cg.asm.test_rr(a, a, SIZE[ty])
    if cg.fuse_condition(Cond.E, a):
        return
    cg.masm.setcc_zx(Cond.E, a)
    cg.ctx.push_reg(I32, a)


def _iunop(cg, ins, arg):
    ty, x86 = arg
    a = cg.ctx.pop_to_reg()
    getattr(cg.asm, x86 + "_rr")(a, a, SIZE[ty])
    cg.ctx.push_reg(ty, a)


def _int_convert(cg, ins, arg):
    """Integer width changes and sign extensions: (result type, emitter)."""
    ty, emit = arg
    a = cg.ctx.pop_to_reg()
    if emit is not None:
        emit(cg.asm, a)
    cg.ctx.push_reg(ty, a)


_INT_CONVERT = {
    "i32.wrap_i64": (I32, None),
    "i64.extend_i32_s": (I64, lambda a, r: a.movsxd_rr(r, r)),
    "i64.extend_i32_u": (I64, lambda a, r: a.mov_rr(r, r, 32)),
    "i32.extend8_s": (I32, lambda a, r: a.movsx8_rr(r, r, 32)),
    "i32.extend16_s": (I32, lambda a, r: a.movsx16_rr(r, r, 32)),
    "i64.extend8_s": (I64, lambda a, r: a.movsx8_rr(r, r, 64)),
    "i64.extend16_s": (I64, lambda a, r: a.movsx16_rr(r, r, 64)),
    "i64.extend32_s": (I64, lambda a, r: a.movsxd_rr(r, r)),
}


# -- references (raw 64-bit words, 0 = null)

def _ref_null(cg, ins, arg):
    if ins.imm not in (ValType.FUNCREF, ValType.EXTERNREF):
        raise NotImplementedError(f"ref.null {ins.imm}")
    cg.ctx.stack.push_const(ins.imm, 0)


def _ref_is_null(cg, ins, arg):
    a = cg.ctx.pop_to_reg()
    cg.asm.test_rr(a, a, 64)
    cg.masm.setcc_zx(Cond.E, a)
    cg.ctx.push_reg(I32, a)


def _ref_func(cg, ins, arg):
    r = cg.ctx.ra.alloc_gpr()
    cg.asm.mov_rm(r, Mem(VMCTX_REG, disp=cg.offsets.func_ref(ins.imm)), 64)
    cg.ctx.push_reg(ValType.FUNCREF, r)


# ---------------------------------------------------------------------------
# The dispatch table: operator name -> (handler, argument).

def _build_handlers() -> dict:
    h = {
        "unreachable": (_unreachable, None), "nop": (_nop, None),
        "block": (_block, None), "loop": (_loop, None), "if": (_if, None),
        "else": (_else, None), "end": (_end, None), "br": (_br, None),
        "br_if": (_br_if, None), "br_table": (_br_table, None),
        "return": (_return, None), "drop": (_drop, None), "select": (_select, None),
        "local.get": (_local_get, None), "local.set": (_local_set, None),
        "local.tee": (_local_tee, None), "global.get": (_global_get, None),
        "global.set": (_global_set, None), "memory.size": (_memory_size, None),
        "ref.null": (_ref_null, None), "ref.is_null": (_ref_is_null, None),
        "ref.func": (_ref_func, None),
    }
    h.update(CALL_HANDLERS)
    h.update(FLOAT_HANDLERS)
    for name, ty in (("i32", I32), ("i64", I64), ("f32", F32), ("f64", F64)):
        h[f"{name}.const"] = (_const, ty)
    for name, form in _LOADS.items():
        h[name] = (_load, form)
    for name, emit in _STORES.items():
        h[name] = (_store, emit)
    for t in ("i32", "i64"):
        ty = _TYPES[t]
        for op in ("add", "sub", "mul", "div_s", "div_u", "rem_s", "rem_u", "and", "or",
                   "xor", "shl", "shr_s", "shr_u", "rotl", "rotr"):
            h[f"{t}.{op}"] = (_ibinop, (ty, op))
        for op, cc in _ICMP.items():
            h[f"{t}.{op}"] = (_icmp, (ty, cc))
        h[f"{t}.eqz"] = (_eqz, ty)
        for op, x86 in (("clz", "lzcnt"), ("ctz", "tzcnt"), ("popcnt", "popcnt")):
            h[f"{t}.{op}"] = (_iunop, (ty, x86))
    for name, arg in _INT_CONVERT.items():
        h[name] = (_int_convert, arg)
    return h


_HANDLERS = _build_handlers()
SUPPORTED_OPERATORS = frozenset(_HANDLERS)
