"""The x86-64 encoding table: the single source of truth for instruction bytes.

Each `Encoding` row describes one machine form the way the Intel manual does
(`REX.W 01 /r`, `83 /0 ib`, `F2 REX.W 0F 2A /r`, `B8+rd id`), for a set of
operand sizes.  Rows with the same `name` form one assembler method that
dispatches on `size`; `encoder.py` turns every method into a specialised
Python function (see "Generation" there), and the tests decode every row with
iced-x86 from the same table, so a row is either right everywhere or caught.

Row fields
----------
name     method name: `<mnemonic>_<operand letters>` (rx86's naming: r = GPR,
         m = memory, i = immediate, x = XMM, c = cl) e.g. `add_ri`, `movsd_xm`.
ops      operand kinds, Intel order (destination first):
           r            GPR at the row's operand size
           r8 r16 r32 r64   GPR at a fixed size
           x            XMM register
           m            memory at the operand size
           m8 .. m128   memory at a fixed size;  ma = address only (lea)
           i            immediate;  cl = the implicit count register
sizes    operand sizes in bits the row covers, or None (no `size` argument)
opcode   opcode bytes; with `opreg` the low 3 bits of the last byte take a
         register (`+r`), with `cc` the last byte adds the condition code
pfx      mandatory prefix (0x66/0xF2/0xF3), emitted after the 0x66 operand-size
         prefix and before REX
w        REX.W: None = set iff size == 64; 0/1 = fixed
reg      operand index in ModRM.reg, or `digit` = the /n opcode extension
rm       operand index in ModRM.rm (register or memory)
imm      operand index of the immediate, `immw` its width:
           z   8/16/32 bits for operand size 8/16/32, 32 sign-extended for 64
           q   64 bits (movabs);  b = unsigned 8 bits (shift counts, modes)
         `short`: alternative opcode used when the value fits in a signed
         byte (the `83 /n ib` forms), decided per call
mnem     iced-x86 mnemonic the tests expect (condition forms spell `cc`)

Immediates for operand sizes below 64 may be given signed or unsigned (an i32
constant 0xFFFFFFFF and -1 are the same bits); 64-bit forms with a 32-bit
immediate take signed values only, since the CPU sign-extends them.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Encoding", "ENCODINGS", "ALU_OPS", "SHIFT_OPS", "UNARY_OPS",
           "SSE_ARITH", "SSE_LOGIC", "JCC_SHORT", "JCC_NEAR", "JMP_SHORT",
           "JMP_NEAR", "CALL_NEAR", "NOPS"]


@dataclass(frozen=True)
class Encoding:
    name: str
    ops: tuple
    sizes: tuple | None
    opcode: tuple
    pfx: int | None = None
    w: int | None = None
    reg: int | None = None
    digit: int | None = None
    rm: int | None = None
    opreg: int | None = None
    imm: int | None = None
    immw: str | None = None
    short: tuple | None = None
    cc: bool = False
    mnem: str = ""

    @property
    def mnemonic(self) -> str:
        return self.mnem or self.name.split("_")[0].upper()


ENCODINGS: list[Encoding] = []


def E(name, ops, sizes, opcode, **kw):
    ops = tuple(o for o in ops.split(",") if o)
    if isinstance(opcode, int):
        opcode = (opcode,)
    for k in ("short",):
        if isinstance(kw.get(k), int):
            kw[k] = (kw[k],)
    ENCODINGS.append(Encoding(name, ops, sizes, tuple(opcode), **kw))


WIDE = (16, 32, 64)
ALL = (8, 16, 32, 64)

# --- integer ALU: the classic 8 operations, `op*8 + {0,1,2,3}` and 80/81/83 /op
ALU_OPS = ("add", "or", "adc", "sbb", "and", "sub", "xor", "cmp")
for n, op in enumerate(ALU_OPS):
    E(f"{op}_rr", "r,r", (8,), 8 * n + 0, reg=1, rm=0)
    E(f"{op}_rr", "r,r", WIDE, 8 * n + 1, reg=1, rm=0)
    E(f"{op}_mr", "m,r", (8,), 8 * n + 0, reg=1, rm=0)
    E(f"{op}_mr", "m,r", WIDE, 8 * n + 1, reg=1, rm=0)
    E(f"{op}_rm", "r,m", (8,), 8 * n + 2, reg=0, rm=1)
    E(f"{op}_rm", "r,m", WIDE, 8 * n + 3, reg=0, rm=1)
    E(f"{op}_ri", "r,i", (8,), 0x80, digit=n, rm=0, imm=1, immw="z")
    E(f"{op}_ri", "r,i", WIDE, 0x81, digit=n, rm=0, imm=1, immw="z", short=0x83)
    E(f"{op}_mi", "m,i", (8,), 0x80, digit=n, rm=0, imm=1, immw="z")
    E(f"{op}_mi", "m,i", WIDE, 0x81, digit=n, rm=0, imm=1, immw="z", short=0x83)

E("test_rr", "r,r", (8,), 0x84, reg=1, rm=0)
E("test_rr", "r,r", WIDE, 0x85, reg=1, rm=0)
E("test_mr", "m,r", (8,), 0x84, reg=1, rm=0)
E("test_mr", "m,r", WIDE, 0x85, reg=1, rm=0)
E("test_ri", "r,i", (8,), 0xF6, digit=0, rm=0, imm=1, immw="z")
E("test_ri", "r,i", WIDE, 0xF7, digit=0, rm=0, imm=1, immw="z")
E("test_mi", "m,i", (8,), 0xF6, digit=0, rm=0, imm=1, immw="z")
E("test_mi", "m,i", WIDE, 0xF7, digit=0, rm=0, imm=1, immw="z")

# --- moves
E("mov_rr", "r,r", (8,), 0x88, reg=1, rm=0)
E("mov_rr", "r,r", WIDE, 0x89, reg=1, rm=0)
E("mov_mr", "m,r", (8,), 0x88, reg=1, rm=0)
E("mov_mr", "m,r", WIDE, 0x89, reg=1, rm=0)
E("mov_rm", "r,m", (8,), 0x8A, reg=0, rm=1)
E("mov_rm", "r,m", WIDE, 0x8B, reg=0, rm=1)
E("mov_ri", "r,i", (8,), 0xB0, opreg=0, imm=1, immw="z")
E("mov_ri", "r,i", (16, 32), 0xB8, opreg=0, imm=1, immw="z")
E("mov_ri", "r,i", (64,), 0xC7, digit=0, rm=0, imm=1, immw="z")   # sign-extended imm32
E("mov_mi", "m,i", (8,), 0xC6, digit=0, rm=0, imm=1, immw="z")
E("mov_mi", "m,i", WIDE, 0xC7, digit=0, rm=0, imm=1, immw="z")
E("movabs_ri", "r64,i", None, 0xB8, w=1, opreg=0, imm=1, immw="q", mnem="MOV")
E("movzx8_rr", "r,r8", (32, 64), (0x0F, 0xB6), reg=0, rm=1, mnem="MOVZX")
E("movzx8_rm", "r,m8", (32, 64), (0x0F, 0xB6), reg=0, rm=1, mnem="MOVZX")
E("movzx16_rr", "r,r16", (32, 64), (0x0F, 0xB7), reg=0, rm=1, mnem="MOVZX")
E("movzx16_rm", "r,m16", (32, 64), (0x0F, 0xB7), reg=0, rm=1, mnem="MOVZX")
E("movsx8_rr", "r,r8", (32, 64), (0x0F, 0xBE), reg=0, rm=1, mnem="MOVSX")
E("movsx8_rm", "r,m8", (32, 64), (0x0F, 0xBE), reg=0, rm=1, mnem="MOVSX")
E("movsx16_rr", "r,r16", (32, 64), (0x0F, 0xBF), reg=0, rm=1, mnem="MOVSX")
E("movsx16_rm", "r,m16", (32, 64), (0x0F, 0xBF), reg=0, rm=1, mnem="MOVSX")
E("movsxd_rr", "r64,r32", None, 0x63, w=1, reg=0, rm=1)
E("movsxd_rm", "r64,m32", None, 0x63, w=1, reg=0, rm=1)
E("lea_rm", "r,ma", (32, 64), 0x8D, reg=0, rm=1)
E("cmovcc_rr", "r,r", WIDE, (0x0F, 0x40), cc=True, reg=0, rm=1, mnem="CMOVcc")
E("cmovcc_rm", "r,m", WIDE, (0x0F, 0x40), cc=True, reg=0, rm=1, mnem="CMOVcc")
E("setcc_r", "r8", None, (0x0F, 0x90), cc=True, digit=0, rm=0, mnem="SETcc")
E("setcc_m", "m8", None, (0x0F, 0x90), cc=True, digit=0, rm=0, mnem="SETcc")

# --- multiply, divide, unary (F6/F7 group 3, FE/FF group 4/5)
E("imul_rr", "r,r", WIDE, (0x0F, 0xAF), reg=0, rm=1)
E("imul_rm", "r,m", WIDE, (0x0F, 0xAF), reg=0, rm=1)
E("imul_rri", "r,r,i", WIDE, 0x69, reg=0, rm=1, imm=2, immw="z", short=0x6B)
E("imul_rmi", "r,m,i", WIDE, 0x69, reg=0, rm=1, imm=2, immw="z", short=0x6B)
UNARY_OPS = {"not": (0xF6, 2), "neg": (0xF6, 3), "mul": (0xF6, 4), "imul1": (0xF6, 5),
             "div": (0xF6, 6), "idiv": (0xF6, 7), "inc": (0xFE, 0), "dec": (0xFE, 1)}
for op, (opc, n) in UNARY_OPS.items():
    mn = "IMUL" if op == "imul1" else ""
    E(f"{op}_r", "r", (8,), opc, digit=n, rm=0, mnem=mn)
    E(f"{op}_r", "r", WIDE, opc + 1, digit=n, rm=0, mnem=mn)
    E(f"{op}_m", "m", (8,), opc, digit=n, rm=0, mnem=mn)
    E(f"{op}_m", "m", WIDE, opc + 1, digit=n, rm=0, mnem=mn)
E("cwd", "", None, 0x99, pfx=0x66)
E("cdq", "", None, 0x99)
E("cqo", "", None, 0x99, w=1)
E("cdqe", "", None, 0x98, w=1)

# --- shifts and rotates (group 2)
SHIFT_OPS = {"rol": 0, "ror": 1, "shl": 4, "shr": 5, "sar": 7}
for op, n in SHIFT_OPS.items():
    E(f"{op}_rc", "r,cl", (8,), 0xD2, digit=n, rm=0)
    E(f"{op}_rc", "r,cl", WIDE, 0xD3, digit=n, rm=0)
    E(f"{op}_mc", "m,cl", (8,), 0xD2, digit=n, rm=0)
    E(f"{op}_mc", "m,cl", WIDE, 0xD3, digit=n, rm=0)
    E(f"{op}_ri", "r,i", (8,), 0xC0, digit=n, rm=0, imm=1, immw="b")
    E(f"{op}_ri", "r,i", WIDE, 0xC1, digit=n, rm=0, imm=1, immw="b")
    E(f"{op}_mi", "m,i", (8,), 0xC0, digit=n, rm=0, imm=1, immw="b")
    E(f"{op}_mi", "m,i", WIDE, 0xC1, digit=n, rm=0, imm=1, immw="b")

# --- bit counting
for op, opc in (("lzcnt", 0xBD), ("tzcnt", 0xBC), ("popcnt", 0xB8)):
    E(f"{op}_rr", "r,r", WIDE, (0x0F, opc), pfx=0xF3, reg=0, rm=1)
    E(f"{op}_rm", "r,m", WIDE, (0x0F, opc), pfx=0xF3, reg=0, rm=1)
E("bswap_r", "r", (32, 64), (0x0F, 0xC8), opreg=0)

# --- control flow, stack, misc (label branches live in the Assembler, with
#     the opcodes below)
E("jmp_r", "r64", None, 0xFF, w=0, digit=4, rm=0)
E("jmp_m", "m64", None, 0xFF, w=0, digit=4, rm=0)
E("call_r", "r64", None, 0xFF, w=0, digit=2, rm=0)
E("call_m", "m64", None, 0xFF, w=0, digit=2, rm=0)
E("push_r", "r64", None, 0x50, w=0, opreg=0)
E("pop_r", "r64", None, 0x58, w=0, opreg=0)
E("push_m", "m64", None, 0xFF, w=0, digit=6, rm=0)
E("ret", "", None, 0xC3)
E("ud2", "", None, (0x0F, 0x0B))
E("int3", "", None, 0xCC)
E("nop", "", None, 0x90)
E("mfence", "", None, (0x0F, 0xAE, 0xF0))
JMP_SHORT, JMP_NEAR, CALL_NEAR = 0xEB, 0xE9, 0xE8
JCC_SHORT, JCC_NEAR = 0x70, (0x0F, 0x80)
# Recommended multi-byte NOPs (Intel SDM vol. 2B, NOP), index = length.
NOPS = (b"", b"\x90", b"\x66\x90", b"\x0f\x1f\x00", b"\x0f\x1f\x40\x00",
        b"\x0f\x1f\x44\x00\x00", b"\x66\x0f\x1f\x44\x00\x00",
        b"\x0f\x1f\x80\x00\x00\x00\x00", b"\x0f\x1f\x84\x00\x00\x00\x00\x00",
        b"\x66\x0f\x1f\x84\x00\x00\x00\x00\x00")

# --- SSE scalar and packed-logic forms (no operand size: mandatory prefixes)
F3, F2, P66 = 0xF3, 0xF2, 0x66
for sfx, pfx, m in (("ss", F3, "m32"), ("sd", F2, "m64")):
    E(f"mov{sfx}_xx", "x,x", None, (0x0F, 0x10), pfx=pfx, reg=0, rm=1)
    E(f"mov{sfx}_xm", f"x,{m}", None, (0x0F, 0x10), pfx=pfx, reg=0, rm=1)
    E(f"mov{sfx}_mx", f"{m},x", None, (0x0F, 0x11), pfx=pfx, reg=1, rm=0)
SSE_ARITH = {"add": 0x58, "mul": 0x59, "sub": 0x5C, "min": 0x5D, "div": 0x5E,
             "max": 0x5F, "sqrt": 0x51}
for op, opc in SSE_ARITH.items():
    for sfx, pfx, m in (("ss", F3, "m32"), ("sd", F2, "m64")):
        E(f"{op}{sfx}_xx", "x,x", None, (0x0F, opc), pfx=pfx, reg=0, rm=1)
        E(f"{op}{sfx}_xm", f"x,{m}", None, (0x0F, opc), pfx=pfx, reg=0, rm=1)
E("ucomiss_xx", "x,x", None, (0x0F, 0x2E), reg=0, rm=1)
E("ucomiss_xm", "x,m32", None, (0x0F, 0x2E), reg=0, rm=1)
E("ucomisd_xx", "x,x", None, (0x0F, 0x2E), pfx=P66, reg=0, rm=1)
E("ucomisd_xm", "x,m64", None, (0x0F, 0x2E), pfx=P66, reg=0, rm=1)
for sfx, pfx, m in (("ss", F3, "m32"), ("sd", F2, "m64")):
    E(f"cvtsi2{sfx}_xr", "x,r", (32, 64), (0x0F, 0x2A), pfx=pfx, reg=0, rm=1)
    E(f"cvtsi2{sfx}_xm", "x,m", (32, 64), (0x0F, 0x2A), pfx=pfx, reg=0, rm=1)
    E(f"cvtt{sfx}2si_rx", "r,x", (32, 64), (0x0F, 0x2C), pfx=pfx, reg=0, rm=1)
    E(f"cvtt{sfx}2si_rm", f"r,{m}", (32, 64), (0x0F, 0x2C), pfx=pfx, reg=0, rm=1)
E("cvtss2sd_xx", "x,x", None, (0x0F, 0x5A), pfx=F3, reg=0, rm=1)
E("cvtss2sd_xm", "x,m32", None, (0x0F, 0x5A), pfx=F3, reg=0, rm=1)
E("cvtsd2ss_xx", "x,x", None, (0x0F, 0x5A), pfx=F2, reg=0, rm=1)
E("cvtsd2ss_xm", "x,m64", None, (0x0F, 0x5A), pfx=F2, reg=0, rm=1)
E("roundss_xxi", "x,x,i", None, (0x0F, 0x3A, 0x0A), pfx=P66, reg=0, rm=1, imm=2, immw="b")
E("roundss_xmi", "x,m32,i", None, (0x0F, 0x3A, 0x0A), pfx=P66, reg=0, rm=1, imm=2, immw="b")
E("roundsd_xxi", "x,x,i", None, (0x0F, 0x3A, 0x0B), pfx=P66, reg=0, rm=1, imm=2, immw="b")
E("roundsd_xmi", "x,m64,i", None, (0x0F, 0x3A, 0x0B), pfx=P66, reg=0, rm=1, imm=2, immw="b")
E("movd_xr", "x,r32", None, (0x0F, 0x6E), pfx=P66, w=0, reg=0, rm=1)
E("movq_xr", "x,r64", None, (0x0F, 0x6E), pfx=P66, w=1, reg=0, rm=1)
E("movd_rx", "r32,x", None, (0x0F, 0x7E), pfx=P66, w=0, reg=1, rm=0)
E("movq_rx", "r64,x", None, (0x0F, 0x7E), pfx=P66, w=1, reg=1, rm=0)
E("movaps_xx", "x,x", None, (0x0F, 0x28), reg=0, rm=1)
E("movups_xm", "x,m128", None, (0x0F, 0x10), reg=0, rm=1)
E("movups_mx", "m128,x", None, (0x0F, 0x11), reg=1, rm=0)
SSE_LOGIC = {"andps": (None, 0x54), "andpd": (P66, 0x54), "andnps": (None, 0x55),
             "andnpd": (P66, 0x55), "orps": (None, 0x56), "orpd": (P66, 0x56),
             "xorps": (None, 0x57), "xorpd": (P66, 0x57), "pxor": (P66, 0xEF)}
for op, (pfx, opc) in SSE_LOGIC.items():
    E(f"{op}_xx", "x,x", None, (0x0F, opc), pfx=pfx, reg=0, rm=1)
    E(f"{op}_xm", "x,m128", None, (0x0F, opc), pfx=pfx, reg=0, rm=1)

del E
