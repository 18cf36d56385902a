"""MacroAssembler: what the baseline compiler wants, over how x86-64 encodes it.

Design (Winch's `masm.rs`)
--------------------------
The code generator speaks in wasm terms — "load a value of type t from a
frame slot", "move constant bits into a register", "trap with code c if the
condition holds", "a 16-byte constant I can address" — and this class picks
the x86 forms: 32- vs 64-bit GPR moves, movss/movsd, movd/movq for XMM
constants, imm32 vs movabs, out-of-line trap stubs, a constant pool.  All
machine bytes, labels and branch fixups stay inside `x64.Assembler`
(`self.asm`); this class never patches bytes.

Trap stubs (out of line, after the body and before the constant pool):

        jcc  Ltrap_k            ; in line, on the fast path's fall-through
        ...
    Ltrap_k:
        ud2                     ; 0F 0B
        db   code               ; one TrapCode byte, read by the signal handler

Every stub is recorded as a trap site (pc of the ud2 -> wasm offset, code);
so are instructions that fault by design (idiv: SIGFPE).  `srcmap` maps the
pc of the first instruction of each wasm operator to the operator's offset.

Scratch registers: r11 and xmm15 (x64/abi.py) are free for any single
MacroAssembler method; they never hold a value across methods.

Constant pool: `const_mem(bits, width)` returns a RIP-relative `Mem` of a
pool entry (deduplicated; 16-byte entries are 16-byte aligned so packed SSE
logic ops can use them); the pool is emitted by `finish`.
"""

from __future__ import annotations


from ..runtime.trap import TrapCode
from ..wasm.types import ValType
from ..x64.abi import SCRATCH_GPR
from ..x64.encoder import Assembler, Cond, Mem

__all__ = ["MacroAssembler", "TrapSite"]

I32, I64, F32, F64 = ValType.I32, ValType.I64, ValType.F32, ValType.F64
SIZE = {I32: 32, I64: 64, F32: 32, F64: 64,
        ValType.FUNCREF: 64, ValType.EXTERNREF: 64}   # refs: raw 64-bit words


class TrapSite(tuple):
    """(pc offset of the trapping instruction, wasm offset, TrapCode)."""
    __slots__ = ()

    def __new__(cls, pc, wasm_offset, code):
        return tuple.__new__(cls, (pc, wasm_offset, code))

    pc = property(lambda s: s[0])
    wasm_offset = property(lambda s: s[1])
    code = property(lambda s: s[2])


class MacroAssembler:
    def __init__(self):
        self.asm = Assembler()
        self.trap_sites: list[TrapSite] = []
        self.srcmap: list[tuple[int, int]] = []     # (pc, wasm offset)
        self.wasm_offset = 0
        self._stubs: list[tuple[int, int, TrapCode]] = []   # (label, wasm offset, code)
        self._pool: dict[tuple[int, int], int] = {}          # (bits, bytes) -> label

    # -- bookkeeping
    def mark(self, wasm_offset: int) -> None:
        self.wasm_offset = wasm_offset
        self.srcmap.append((self.asm.offset, wasm_offset))

    def new_label(self) -> int:
        return self.asm.new_label()

    def bind(self, label: int) -> None:
        self.asm.bind(label)

    # -- moves between registers, slots and constants
    def mov(self, ty: ValType, dst, src) -> None:
        if dst == src:
            return
        if ty is F32 or ty is F64:
            self.asm.movaps_xx(dst, src)
        else:
            self.asm.mov_rr(dst, src, SIZE[ty])

    def load(self, ty: ValType, dst, mem: Mem) -> None:
        a = self.asm
        if ty is F32:
            a.movss_xm(dst, mem)
        elif ty is F64:
            a.movsd_xm(dst, mem)
        else:
            a.mov_rm(dst, mem, SIZE[ty])

    def store(self, ty: ValType, mem: Mem, src) -> None:
        """Store a register into an 8-byte slot (the full register for GPRs)."""
        a = self.asm
        if ty is F32:
            a.movss_mx(mem, src)
        elif ty is F64:
            a.movsd_mx(mem, src)
        else:
            a.mov_mr(mem, src, SIZE[ty])

    def mov_imm(self, ty: ValType, dst, bits: int) -> None:
        """Materialise constant bits into a register of the type's class."""
        a = self.asm
        if ty is I32:
            if bits == 0:
                a.xor_rr(dst, dst, 32)
            else:
                a.mov_ri(dst, bits & 0xFFFFFFFF, 32)
        elif ty is I64 or ty.is_ref:
            self._mov_imm64(dst, bits)
        else:
            if bits == 0:
                a.xorps_xx(dst, dst)
            elif ty is F32:
                a.mov_ri(SCRATCH_GPR, bits, 32)
                a.movd_xr(dst, SCRATCH_GPR)
            else:
                a.movsd_xm(dst, self.const_mem(bits, 8))

    def _mov_imm64(self, dst, bits: int) -> None:
        a = self.asm
        bits &= (1 << 64) - 1
        if bits == 0:
            a.xor_rr(dst, dst, 32)
        elif bits < 1 << 32:
            a.mov_ri(dst, bits, 32)                 # zero-extends
        elif bits >= (1 << 64) - (1 << 31):
            a.mov_ri(dst, bits - (1 << 64), 64)     # sign-extended imm32
        else:
            a.movabs_ri(dst, bits)

    def store_imm(self, ty: ValType, mem: Mem, bits: int) -> None:
        """Store constant bits into a slot (i64/f64: all 8 bytes)."""
        a = self.asm
        if SIZE[ty] == 32:
            a.mov_mi(mem, bits & 0xFFFFFFFF, 32)
            return
        bits &= (1 << 64) - 1
        s = bits - (1 << 64) if bits >> 63 else bits
        if -(1 << 31) <= s < 1 << 31:
            a.mov_mi(mem, s, 64)
        else:
            a.movabs_ri(SCRATCH_GPR, bits)
            a.mov_mr(mem, SCRATCH_GPR, 64)

    def copy_slot(self, ty: ValType, dst: Mem, src: Mem) -> None:
        """Memory-to-memory move through a scratch register (8 bytes)."""
        self.asm.mov_rm(SCRATCH_GPR, src, 64)
        self.asm.mov_mr(dst, SCRATCH_GPR, 64)

    @staticmethod
    def fits_imm32(ty: ValType, bits: int) -> bool:
        if ty is I32:
            return True
        bits &= (1 << 64) - 1
        return bits < 1 << 31 or bits >= (1 << 64) - (1 << 31)

    @staticmethod
    def imm32(ty: ValType, bits: int) -> int:
        """The signed imm32 encoding of constant bits of an integer type."""
        if ty is I32:
            bits &= 0xFFFFFFFF
            return bits - (1 << 32) if bits >> 31 else bits
        bits &= (1 << 64) - 1
        return bits - (1 << 64) if bits >> 63 else bits

    # -- condition results
    def setcc_zx(self, cc: Cond, dst) -> None:
        """dst (32 bits) = 1 if cc else 0, flags read before dst is written."""
        self.asm.setcc_r(cc, dst)
        self.asm.movzx8_rr(dst, dst, 32)

    # -- traps
    def trap_if(self, cc: Cond, code: TrapCode) -> None:
        label = self.asm.new_label()
        self._stubs.append((label, self.wasm_offset, code))
        self.asm.jcc(cc, label)

    def trap_label(self, code: TrapCode) -> int:
        """A label of an out-of-line stub trapping with `code` (for jmp/jcc)."""
        label = self.asm.new_label()
        self._stubs.append((label, self.wasm_offset, code))
        return label

    def trap(self, code: TrapCode) -> None:
        self.trap_sites.append(TrapSite(self.asm.offset, self.wasm_offset, code))
        self.asm.ud2()
        self.asm.emit(bytes((int(code),)))

    def faulting(self, code: TrapCode) -> None:
        """The next instruction traps by hardware fault with `code`."""
        self.trap_sites.append(TrapSite(self.asm.offset, self.wasm_offset, code))

    # -- constant pool
    def const_mem(self, bits: int, width: int) -> Mem:
        key = (bits, width)
        label = self._pool.get(key)
        if label is None:
            label = self._pool[key] = self.asm.new_label()
        return Mem.at_label(label)

    # -- end
    def emit_stubs(self) -> None:
        for label, wasm_offset, code in self._stubs:
            self.asm.bind(label)
            self.trap_sites.append(TrapSite(self.asm.offset, wasm_offset, code))
            self.asm.ud2()
            self.asm.emit(bytes((int(code),)))
        self._stubs.clear()

    def emit_pool(self) -> None:
        a = self.asm
        entries = sorted(self._pool.items(), key=lambda kv: -kv[0][1])
        if entries:
            a.align(16, fill_nops=False)
        for (bits, width), label in entries:
            a.bind(label)
            a.emit(bits.to_bytes(width, "little"))
