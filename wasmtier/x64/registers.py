"""x86-64 registers: names, hardware encodings, classes and bitmask sets.

Design
------
A register is a `Reg`, a subclass of `int` whose value is a *unified index*::

    0 .. 15   general-purpose registers rax .. r15   (class GPR, hw = index)
    16 .. 31  SSE registers xmm0 .. xmm15            (class XMM, hw = index - 16)
    32        rip (only as the base of a memory operand)

Being an `int` keeps the encoder fast (it computes REX and ModRM bits with
`r & 7` and `r >> 3 & 1`, which are right for both classes because the class
bit lies above bit 3) while `repr` still prints a name.  A `Reg` carries no
operand size: the size belongs to the instruction (as in Winch's `OperandSize`),
and `gpr_name(reg, size)` gives the sized name (`eax`, `r8w`, `sil`, ...).

Byte registers are the REX byte registers (al cl dl bl spl bpl sil dil r8b..r15b):
the legacy high-byte registers ah/ch/dh/bh are never produced, so the encoder
emits a REX prefix whenever spl/bpl/sil/dil is used as a byte operand.

`RegSet` is Winch's `regset.rs`: one bitmask per class over hardware numbers
(bit n = register with hw number n is free), allocation takes the lowest free
bit.  Bitmask helpers (`mask_of`, `regs_of_mask`) serve code that wants the raw
ints (clobber sets, callee-saved sets in `abi`).

Invariants: `Reg(i)` for 0 <= i < 33 only; the module-level constants are the
only instances compilers should use (they compare equal to the ints anyway).
"""

from __future__ import annotations

from enum import IntEnum

__all__ = [
    "RegClass", "Reg", "RegSet", "GPRS", "XMMS", "RIP", "gpr_name", "mask_of",
    "regs_of_mask", "GPR_NAMES_64", "GPR_NAMES_32", "GPR_NAMES_16", "GPR_NAMES_8",
    "by_name", "XMM_NAMES",
    "RAX", "RCX", "RDX", "RBX", "RSP", "RBP", "RSI", "RDI",
    "R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15",
    "XMM0", "XMM1", "XMM2", "XMM3", "XMM4", "XMM5", "XMM6", "XMM7",
    "XMM8", "XMM9", "XMM10", "XMM11", "XMM12", "XMM13", "XMM14", "XMM15",
]


class RegClass(IntEnum):
    GPR = 0
    XMM = 1


GPR_NAMES_64 = ("rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15")
GPR_NAMES_32 = ("eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",
                "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d")
GPR_NAMES_16 = ("ax", "cx", "dx", "bx", "sp", "bp", "si", "di",
                "r8w", "r9w", "r10w", "r11w", "r12w", "r13w", "r14w", "r15w")
GPR_NAMES_8 = ("al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil",
               "r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b")
XMM_NAMES = tuple(f"xmm{i}" for i in range(16))
_NAMES = GPR_NAMES_64 + XMM_NAMES + ("rip",)
_SIZED = {8: GPR_NAMES_8, 16: GPR_NAMES_16, 32: GPR_NAMES_32, 64: GPR_NAMES_64}


class Reg(int):
    """A machine register (see the module docstring for the index space)."""

    __slots__ = ()

    @property
    def hw(self) -> int:
        """Hardware number 0..15 (the 4 bits split over ModRM/SIB and REX)."""
        return self & 15

    @property
    def cls(self) -> RegClass:
        return RegClass(self >> 4)

    @property
    def is_gpr(self) -> bool:
        return self < 16

    @property
    def is_xmm(self) -> bool:
        return 16 <= self < 32

    @property
    def name(self) -> str:
        return _NAMES[self]

    def sized(self, size: int) -> str:
        """Name at an operand size in bits (GPRs); XMM names ignore size."""
        return gpr_name(self, size) if self < 16 else _NAMES[self]

    def __repr__(self) -> str:
        return _NAMES[self]

    __str__ = __repr__


RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10, R11, R12, R13, R14, R15 = GPRS = \
    tuple(Reg(i) for i in range(16))
(XMM0, XMM1, XMM2, XMM3, XMM4, XMM5, XMM6, XMM7,
 XMM8, XMM9, XMM10, XMM11, XMM12, XMM13, XMM14, XMM15) = XMMS = \
    tuple(Reg(16 + i) for i in range(16))
RIP = Reg(32)

_BY_NAME = {}
for _size, _names in _SIZED.items():
    for _i, _n in enumerate(_names):
        _BY_NAME[_n] = (GPRS[_i], _size)
for _i, _n in enumerate(XMM_NAMES):
    _BY_NAME[_n] = (XMMS[_i], 128)
_BY_NAME["rip"] = (RIP, 64)


def by_name(name: str) -> tuple[Reg, int]:
    """`'r9d'` -> `(R9, 32)`; `'xmm3'` -> `(XMM3, 128)`."""
    return _BY_NAME[name.lower()]


def gpr_name(reg: int, size: int) -> str:
    """Sized GPR name: gpr_name(RSI, 8) == 'sil'."""
    return _SIZED[size][reg]


def mask_of(regs) -> int:
    """Bitmask over hardware numbers of an iterable of registers of one class."""
    m = 0
    for r in regs:
        m |= 1 << (r & 15)
    return m


def regs_of_mask(mask: int, cls: RegClass = RegClass.GPR) -> list[Reg]:
    """Registers of class `cls` whose bits are set, lowest first."""
    base = GPRS if cls == RegClass.GPR else XMMS
    out = []
    while mask:
        low = mask & -mask
        out.append(base[low.bit_length() - 1])
        mask ^= low
    return out


class RegSet:
    """Free registers, one bitmask per class (Winch's `RegBitSet`).

    `gpr` / `xmm`: bit n set = hardware register n is free.  `allocatable`
    masks fix which registers the set may ever hand out, so `free()` of a
    non-allocatable register (rsp, the pinned vmctx, scratch) is an error.
    """

    __slots__ = ("gpr", "xmm", "gpr_allocatable", "xmm_allocatable")

    def __init__(self, gpr_mask: int = 0xFFFF, xmm_mask: int = 0xFFFF):
        self.gpr = self.gpr_allocatable = gpr_mask
        self.xmm = self.xmm_allocatable = xmm_mask

    @classmethod
    def of(cls, regs) -> "RegSet":
        regs = list(regs)
        return cls(mask_of(r for r in regs if r < 16), mask_of(r for r in regs if r >= 16))

    def copy(self) -> "RegSet":
        c = RegSet.__new__(RegSet)
        c.gpr, c.xmm = self.gpr, self.xmm
        c.gpr_allocatable, c.xmm_allocatable = self.gpr_allocatable, self.xmm_allocatable
        return c

    def is_free(self, reg: int) -> bool:
        return bool((self.xmm if reg >= 16 else self.gpr) >> (reg & 15) & 1)

    __contains__ = is_free

    def allocate(self, cls: RegClass = RegClass.GPR) -> Reg | None:
        """Take the lowest free register of `cls`; None when none is free."""
        if cls == RegClass.GPR:
            m = self.gpr
            if not m:
                return None
            low = m & -m
            self.gpr = m ^ low
            return GPRS[low.bit_length() - 1]
        m = self.xmm
        if not m:
            return None
        low = m & -m
        self.xmm = m ^ low
        return XMMS[low.bit_length() - 1]

    def take(self, reg: int) -> None:
        """Take a specific register; it must be free."""
        bit = 1 << (reg & 15)
        if reg >= 16:
            if not self.xmm & bit:
                raise ValueError(f"{Reg(reg)!r} is not free")
            self.xmm ^= bit
        else:
            if not self.gpr & bit:
                raise ValueError(f"{Reg(reg)!r} is not free")
            self.gpr ^= bit

    def free(self, reg: int) -> None:
        """Return a register; it must be allocatable and currently taken."""
        bit = 1 << (reg & 15)
        if reg >= 16:
            if not self.xmm_allocatable & bit or self.xmm & bit:
                raise ValueError(f"{Reg(reg)!r} is not allocated")
            self.xmm |= bit
        else:
            if not self.gpr_allocatable & bit or self.gpr & bit:
                raise ValueError(f"{Reg(reg)!r} is not allocated")
            self.gpr |= bit

    def count(self, cls: RegClass = RegClass.GPR) -> int:
        return (self.gpr if cls == RegClass.GPR else self.xmm).bit_count()

    def __iter__(self):
        yield from regs_of_mask(self.gpr, RegClass.GPR)
        yield from regs_of_mask(self.xmm, RegClass.XMM)

    def __len__(self) -> int:
        return self.gpr.bit_count() + self.xmm.bit_count()

    def __repr__(self) -> str:
        return f"RegSet({list(self)!r})"
