"""x86-64 assembler: generated from the encoding table, with labels and fixups.

Design
------
`encoding.ENCODINGS` is the only place that knows instruction bytes.  At
import, `_compile` turns each group of rows sharing a name into one method of
`Assembler`, built from small steps (rx86's combinators, applied at generation
time instead of per call): legacy prefixes -> REX (W, R from ModRM.reg, X/B from
the memory operand or B from ModRM.rm / opcode+r, plus the bare 0x40 that
spl/bpl/sil/dil need) -> opcode (+r, +cc) -> ModRM -> SIB/displacement ->
immediate.  Each step contributes a Python expression; constants fold at
generation time, so `a.add_rr(RAX, RCX, 64)` runs one `bytes((0x48 | ..., 0x01,
0xC0 | ...))` and one append.  `Assembler.source(name)` shows the generated
code.  Measured: ~0.9-1.4 M instructions/s on a compiler-like mix (one
`Mem` built per memory access vs. reused), against ~0.3 M/s for iced-x86's
BlockEncoder; tests/test_x64_misc.py keeps a floor.

Operands are `Reg`s (ints, see registers.py), `Mem`s, Python ints and, for
condition forms, `Cond`.  Operand classes are not checked on the hot path (an
XMM passed where a GPR is expected encodes its hardware number): the tests
check every row, compilers pick the right method.

Memory operands
---------------
`Mem(base, index, scale, disp)` precomputes its encoding once (so compilers can
keep one `Mem` per frame slot): `xb` (REX.X/REX.B bits), `modrm` (mod and rm
bits; the instruction ORs in reg), `rest` (SIB + displacement).  Special cases:
rsp/r12 as base need a SIB byte; rbp/r13 as base with mod=00 would mean
RIP/no-base, so they get a disp8 of 0; no base = SIB with base=101 and disp32;
rsp cannot be an index.  `Mem(RIP, disp=d)` is RIP-relative; `Mem.at_label(L)`
is RIP-relative to a label of this assembler (constant pools), fixed up like
branches.

Labels and branch sizes
-----------------------
Labels are small ints from `new_label()`; `bind(L)` fixes L at the current
offset (once).  Invariant: a branch to a *bound* label (backward) uses rel8
when the displacement fits, else rel32; a branch to an unbound label (forward)
uses rel32, unless the caller passes `short=True`, which promises the target is
within 127 bytes: rel8 is emitted and `finish()` raises `EncodingError` if the
promise was broken.  No relaxation happens after emission, so offsets handed
out (`offset`, label offsets, trap sites) never move.  Fixups are resolved in
`finish()`, which returns the code and every label's offset.
"""

from __future__ import annotations

import struct
from enum import IntEnum
from typing import NamedTuple

from .encoding import (CALL_NEAR, ENCODINGS, JCC_NEAR, JCC_SHORT, JMP_NEAR,
                       JMP_SHORT, NOPS, Encoding)
from .registers import RIP, Reg

__all__ = ["Assembler", "Mem", "Cond", "EncodingError", "Assembled"]


class EncodingError(ValueError):
    pass


class Cond(IntEnum):
    """Condition codes: the low nibble of Jcc/SETcc/CMOVcc opcodes."""
    O = 0
    NO = 1
    B = 2       # unsigned <
    AE = 3      # unsigned >=
    E = 4
    NE = 5
    BE = 6      # unsigned <=
    A = 7       # unsigned >
    S = 8
    NS = 9
    P = 10      # unordered (after ucomis*)
    NP = 11
    L = 12      # signed <
    GE = 13
    LE = 14
    G = 15

    def invert(self) -> "Cond":
        return Cond(self ^ 1)


_p8 = struct.Struct("<b").pack
_p16 = struct.Struct("<h").pack
_p32 = struct.Struct("<i").pack
_p64 = struct.Struct("<q").pack
_pu8 = struct.Struct("<B").pack
_SCALE = {1: 0, 2: 1, 4: 2, 8: 3}


class Mem:
    """Memory operand [base + index*scale + disp] (see module docstring)."""

    __slots__ = ("base", "index", "scale", "disp", "label", "xb", "modrm", "rest")

    def __init__(self, base: Reg | None = None, index: Reg | None = None,
                 scale: int = 1, disp: int = 0, label: int | None = None):
        self.base, self.index, self.scale, self.disp, self.label = base, index, scale, disp, label
        if not -0x80000000 <= disp <= 0x7FFFFFFF:
            raise EncodingError(f"displacement {disp:#x} does not fit in 32 bits")
        ss = _SCALE.get(scale)
        if ss is None:
            raise EncodingError(f"scale {scale} is not 1, 2, 4 or 8")
        if index is not None:
            if index == 4 or index >= 16:
                raise EncodingError(f"{Reg(index)!r} cannot be an index register")
            x = index >> 2 & 2
            idx = index & 7
        else:
            x, idx = 0, 4
        if base is None:                       # [index*scale + disp32]
            self.xb, self.modrm = x, 0x04
            self.rest = bytes((ss << 6 | idx << 3 | 5,)) + _p32(disp)
            return
        if base == RIP:
            if index is not None:
                raise EncodingError("RIP-relative operands take no index")
            self.xb, self.modrm, self.rest = 0, 0x05, _p32(disp)
            return
        if base >= 16:
            raise EncodingError(f"{Reg(base)!r} cannot be a base register")
        b = base & 7
        if disp == 0 and b != 5:               # rbp/r13 need an explicit disp
            mod, d = 0x00, b""
        elif -128 <= disp <= 127:
            mod, d = 0x40, _p8(disp)
        else:
            mod, d = 0x80, _p32(disp)
        self.xb = x | base >> 3 & 1
        if index is None and b != 4:           # rsp/r12 need a SIB byte
            self.modrm, self.rest = mod | b, d
        else:
            self.modrm = mod | 4
            self.rest = bytes((ss << 6 | idx << 3 | b,)) + d

    @classmethod
    def at_label(cls, label: int, disp: int = 0) -> "Mem":
        """RIP-relative address of `label` (+ disp), fixed up in finish()."""
        return cls(RIP, disp=disp, label=label)

    def __repr__(self) -> str:
        parts = []
        if self.label is not None:
            parts.append(f"rip+L{self.label}")
        elif self.base is not None:
            parts.append(repr(self.base))
        if self.index is not None:
            parts.append(f"{self.index!r}*{self.scale}")
        if self.disp or not parts:
            parts.append(f"{self.disp:#x}" if self.disp >= 0 else f"-{-self.disp:#x}")
        return "[" + "+".join(parts).replace("+-", "-") + "]"


class Assembled(NamedTuple):
    code: bytes
    label_offsets: list          # label -> offset (None if never bound)


# ---------------------------------------------------------------------------
# Generation of the per-form methods from the table.

def _imm_packer(row: Encoding, size):
    if row.immw == "b":
        return "_pu8", 1
    if row.immw == "q":
        return "_p64", 8
    return {8: ("_p8", 1), 16: ("_p16", 2)}.get(size, ("_p32", 4))


def _body(row: Encoding, size, opcode, packer, ind: str) -> list[str]:
    """Lines that emit `row` at `size` with `opcode` (steps: see docstring)."""
    kinds = row.ops
    pre = ([0x66] if size == 16 else []) + ([row.pfx] if row.pfx else [])
    w = row.w if row.w is not None else int(size == 64)
    dyn = []                                  # REX bit expressions
    opc = [f"{b:#04x}" for b in opcode]
    mem = None
    regf = None                               # ModRM.reg expression (shifted)
    if row.reg is not None:
        dyn.append(f"(a{row.reg} >> 1 & 4)")
        regf = f"(a{row.reg} & 7) << 3"
    elif row.digit is not None:
        regf = str(row.digit << 3) if row.digit else ""
    modrm = None
    if row.rm is not None:
        if kinds[row.rm].startswith("m"):
            mem = f"a{row.rm}"
            dyn.append(f"{mem}.xb")
            modrm = f"{mem}.modrm" + (f" | {regf}" if regf else "")
        else:
            dyn.append(f"(a{row.rm} >> 3 & 1)")
            modrm = (f"{0xC0 | (row.digit or 0) << 3:#04x}" if row.reg is None
                     else f"0xC0 | {regf}") + f" | (a{row.rm} & 7)"
    if row.opreg is not None:
        dyn.append(f"(a{row.opreg} >> 3 & 1)")
        opc[-1] = f"{opc[-1]} | (a{row.opreg} & 7)"
    if row.cc:
        opc[-1] = f"{opc[-1]} + cc"
    for i, k in enumerate(kinds):             # spl/bpl/sil/dil need a REX
        if k == "r8" or (k == "r" and size == 8):
            dyn.append(f"(0x40 if 3 < a{i} < 8 else 0)")
    head = [f"{b:#04x}" for b in pre]
    tail = opc + ([modrm] if modrm else [])
    lines = []

    def emit(rex):
        items = head + ([rex] if rex else []) + tail
        return f"buf += bytes(({', '.join(items)},))"

    if w:
        lines.append(emit("0x48" + "".join(f" | {d}" for d in dyn)))
    elif dyn:
        lines.append(f"rex = {' | '.join(dyn)}")
        lines.append("if rex:")
        lines.append("    " + emit("0x40 | rex"))
        lines.append("else:")
        lines.append("    " + emit(None))
    else:
        lines.append(emit(None))
    if mem:
        lines.append(f"buf += {mem}.rest")
    immlen = 0
    if row.imm is not None:
        p, immlen = packer
        lines.append(f"buf += {p}(a{row.imm})")
    if mem:
        lines.append(f"if {mem}.label is not None: self._rip_fixup({mem}.label, {immlen}, {mem}.disp)")
    return [ind + ln for ln in lines]


def _size_block(row: Encoding, size, ind: str) -> list[str]:
    lines = []
    if row.imm is not None and row.immw == "z" and size is not None and size < 64:
        # accept signed or unsigned spellings; normalise to signed
        a = f"a{row.imm}"
        lines.append(f"{ind}if {1 << (size - 1):#x} <= {a} < {1 << size:#x}: {a} -= {1 << size:#x}")
    elif row.immw == "q":
        a = f"a{row.imm}"
        lines.append(f"{ind}if 0x8000000000000000 <= {a} < 0x10000000000000000: "
                     f"{a} -= 0x10000000000000000")
    if row.short is not None:
        lines.append(f"{ind}if -128 <= a{row.imm} <= 127:")
        lines += _body(row, size, row.short, ("_p8", 1), ind + "    ")
        lines.append(f"{ind}else:")
        lines += _body(row, size, row.opcode, _imm_packer(row, size), ind + "    ")
    else:
        lines += _body(row, size, row.opcode, _imm_packer(row, size), ind)
    return lines


_SIZE_ORDER = (64, 32, 8, 16)


def _compile(name: str, rows: list[Encoding]) -> str:
    kinds = rows[0].ops
    sized = rows[0].sizes is not None
    params = (["cc"] if rows[0].cc else []) + [f"a{i}" for i, k in enumerate(kinds) if k != "cl"]
    if sized:
        allsizes = sorted({s for r in rows for s in r.sizes})
        default = 64 if 64 in allsizes else max(allsizes)
        params.append(f"size={default}")
    src = [f"def {name}(self, {', '.join(params)}):", "    buf = self.buf"]
    has_imm = rows[0].imm is not None
    ind = "        " if has_imm else "    "
    if has_imm:                    # zero-cost in CPython 3.11 when not raised
        src.append("    try:")
    if not sized:
        src += _size_block(rows[0], None, ind)
    else:
        by_size = {s: r for r in rows for s in r.sizes}
        for s in sorted(by_size, key=_SIZE_ORDER.index):
            src.append(f"{ind}if size == {s}:")
            src += _size_block(by_size[s], s, ind + "    ")
            src.append(f"{ind}    return")
    if has_imm:
        src.append("    except _StructError:")
        src.append(f"        raise EncodingError('{name}: immediate out of range') from None")
    if sized:
        src.append(f"    raise EncodingError(f'{name}: unsupported operand size {{size}}')")
    return "\n".join(src) + "\n"


def _generate():
    groups: dict[str, list[Encoding]] = {}
    for row in ENCODINGS:
        groups.setdefault(row.name, []).append(row)
    ns = {"_p8": _p8, "_p16": _p16, "_p32": _p32, "_p64": _p64, "_pu8": _pu8,
          "_StructError": struct.error, "EncodingError": EncodingError}
    methods, sources = {}, {}
    for name, rows in groups.items():
        src = _compile(name, rows)
        exec(compile(src, f"<x64 encoder: {name}>", "exec"), ns)
        methods[name] = ns.pop(name)
        sources[name] = src
    return methods, sources


_METHODS, _SOURCES = _generate()


class Assembler:
    """Collects machine code; one generated method per table form.

    Methods are named `<mnemonic>_<operands>` with a trailing `size` in bits
    where the form has operand sizes (default 64), e.g. `add_ri(RAX, 1, 32)`,
    `movsd_xm(XMM0, Mem(RSP, disp=8))`, `cmovcc_rr(Cond.L, RAX, RCX)`.
    """

    def __init__(self):
        self.buf = bytearray()
        self._labels: list = []                # label -> offset or None
        # (pos, width, origin, label): the field at pos gets label - origin;
        # origin = end of the instruction (minus the disp of a RIP operand)
        self._fixups: list = []

    # -- position, raw bytes, alignment
    @property
    def offset(self) -> int:
        return len(self.buf)

    def emit(self, data: bytes) -> None:
        self.buf += data

    def align(self, n: int, fill_nops: bool = True) -> None:
        """Pad to a multiple of n with (multi-byte) NOPs or int3."""
        pad = -len(self.buf) % n
        if not fill_nops:
            self.buf += b"\xcc" * pad
            return
        while pad:
            k = min(pad, len(NOPS) - 1)
            self.buf += NOPS[k]
            pad -= k

    def nop_n(self, n: int) -> None:
        """Exactly n bytes of recommended NOPs."""
        while n:
            k = min(n, len(NOPS) - 1)
            self.buf += NOPS[k]
            n -= k

    # -- labels
    def patch_i32(self, pos: int, value: int) -> None:
        """Overwrite the 4-byte immediate at byte `pos` (an imm32 emitted with
        a placeholder, for a value known only later)."""
        self.buf[pos:pos + 4] = (value & 0xFFFFFFFF).to_bytes(4, "little")

    def new_label(self) -> int:
        self._labels.append(None)
        return len(self._labels) - 1

    def bind(self, label: int) -> None:
        if self._labels[label] is not None:
            raise EncodingError(f"label L{label} bound twice")
        self._labels[label] = len(self.buf)

    def label_offset(self, label: int) -> int | None:
        return self._labels[label]

    def _rip_fixup(self, label: int, immlen: int, disp: int) -> None:
        end = len(self.buf)
        self._fixups.append((end - immlen - 4, 4, end - disp, label))

    # -- branches (opcodes from encoding.py; label-size invariant in docstring)
    def jmp(self, label: int, short: bool = False) -> None:
        buf = self.buf
        target = self._labels[label]
        if target is not None:
            d = target - len(buf) - 2
            if d >= -128:
                buf += bytes((JMP_SHORT, d & 0xFF))
            else:
                buf += bytes((JMP_NEAR,)) + _p32(d - 3)
        elif short:
            buf += bytes((JMP_SHORT, 0))
            self._fixups.append((len(buf) - 1, 1, len(buf), label))
        else:
            buf += b"\xe9\0\0\0\0"
            self._fixups.append((len(buf) - 4, 4, len(buf), label))

    def jcc(self, cc: int, label: int, short: bool = False) -> None:
        buf = self.buf
        target = self._labels[label]
        if target is not None:
            d = target - len(buf) - 2
            if d >= -128:
                buf += bytes((JCC_SHORT + cc, d & 0xFF))
            else:
                buf += bytes((JCC_NEAR[0], JCC_NEAR[1] + cc)) + _p32(d - 4)
        elif short:
            buf += bytes((JCC_SHORT + cc, 0))
            self._fixups.append((len(buf) - 1, 1, len(buf), label))
        else:
            buf += bytes((JCC_NEAR[0], JCC_NEAR[1] + cc, 0, 0, 0, 0))
            self._fixups.append((len(buf) - 4, 4, len(buf), label))

    def call_label(self, label: int) -> None:
        buf = self.buf
        target = self._labels[label]
        if target is not None:
            buf += bytes((CALL_NEAR,)) + _p32(target - len(buf) - 5)
        else:
            buf += b"\xe8\0\0\0\0"
            self._fixups.append((len(buf) - 4, 4, len(buf), label))

    # -- result
    def finish(self) -> Assembled:
        """Resolve fixups; every referenced label must be bound."""
        buf, labels = self.buf, self._labels
        for pos, width, origin, label in self._fixups:
            target = labels[label]
            if target is None:
                raise EncodingError(f"label L{label} referenced but never bound")
            d = target - origin
            if width == 1:
                if not -128 <= d <= 127:
                    raise EncodingError(f"short branch to L{label} out of range ({d})")
                buf[pos] = d & 0xFF
            else:
                buf[pos:pos + 4] = _p32(d)
        self._fixups.clear()
        return Assembled(bytes(buf), list(labels))

    @staticmethod
    def source(name: str) -> str:
        """The generated Python source of one form (for debugging)."""
        return _SOURCES[name]


for _name, _fn in _METHODS.items():
    setattr(Assembler, _name, _fn)
del _name, _fn

FORMS = tuple(_METHODS)   # every generated method name
