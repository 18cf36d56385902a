"""x64 registers, RegSet, System V facts, disassembler."""

from __future__ import annotations

import pytest

from wasmtier.x64 import abi
from wasmtier.x64.disasm import disassemble, disassemble_text
from wasmtier.x64.encoder import Assembler, Cond, Mem
from wasmtier.x64.registers import (GPRS, R8, R9, R10, R11, R12, R13, R14, R15,
                                    RAX, RBP, RBX, RCX, RDI, RDX, RIP, RSI, RSP,
                                    XMM0, XMM1, XMM9, XMM15, XMMS, RegClass,
                                    RegSet, by_name, gpr_name, mask_of,
                                    regs_of_mask)


def test_register_numbering_and_names():
    assert [int(r) for r in GPRS] == list(range(16))
    assert [int(x) for x in XMMS] == list(range(16, 32))
    assert (R13.hw, R13.cls, XMM9.hw, XMM9.cls) == (13, RegClass.GPR, 9, RegClass.XMM)
    assert repr(R9) == "r9" and repr(XMM15) == "xmm15" and repr(RIP) == "rip"
    assert [gpr_name(r, 8) for r in (RSP, RBP, RSI, RDI, R8)] == ["spl", "bpl", "sil", "dil", "r8b"]
    assert gpr_name(R10, 32) == "r10d" and gpr_name(RAX, 16) == "ax"
    assert by_name("r15w") == (R15, 16) and by_name("XMM1") == (XMM1, 128)
    assert RSI.sized(8) == "sil" and XMM0.sized(64) == "xmm0"
    assert isinstance(RAX, int) and RAX == 0


def test_regset_allocates_lowest_and_frees():
    rs = RegSet.of([RAX, RCX, R12, XMM0, XMM9])
    assert len(rs) == 5 and RCX in rs and RDX not in rs and XMM9 in rs
    assert rs.allocate() == RAX and rs.allocate() == RCX and rs.allocate() == R12
    assert rs.allocate() is None
    assert rs.allocate(RegClass.XMM) == XMM0
    rs.free(RCX)
    assert rs.allocate() == RCX
    with pytest.raises(ValueError):
        rs.free(RDX)                     # never allocatable
    with pytest.raises(ValueError):
        rs.take(RCX)                     # already taken
    rs.free(RCX)
    rs.take(RCX)
    c = rs.copy()
    c.free(RCX)
    assert RCX in c and RCX not in rs
    assert list(rs) == [XMM9] and rs.count(RegClass.XMM) == 1


def test_masks():
    m = mask_of([RAX, R15, RSI])
    assert m == 1 | 1 << 15 | 1 << 6
    assert regs_of_mask(m) == [RAX, RSI, R15]
    assert regs_of_mask(mask_of([XMM1, XMM15]), RegClass.XMM) == [XMM1, XMM15]


def test_sysv_facts():
    assert abi.INT_ARG_REGS == (RDI, RSI, RDX, RCX, R8, R9)
    assert abi.FLOAT_ARG_REGS == tuple(XMMS[:8])
    assert set(abi.CALLEE_SAVED_GPRS) == {RBX, RBP, R12, R13, R14, R15}
    assert set(abi.CALLEE_SAVED_GPRS) | set(abi.CALLER_SAVED_GPRS) | {RSP} == set(GPRS)
    assert not set(abi.CALLEE_SAVED_GPRS) & set(abi.CALLER_SAVED_GPRS)
    assert abi.STACK_ALIGN == 16 and abi.INT_RET_REGS[0] == RAX and abi.FLOAT_RET_REGS[0] == XMM0
    assert abi.VMCTX_REG == R14 and abi.SCRATCH_GPR == R11
    rs = abi.allocatable_regset()
    assert RSP not in rs and R11 not in rs and R14 not in rs and RAX in rs and XMM15 not in rs


def test_assign_args_counts_classes_separately():
    locs, area = abi.assign_args("ifi" + "i" * 5 + "f" * 8)
    assert locs[0].reg == RDI and locs[1].reg == XMM0 and locs[2].reg == RSI
    assert [l.reg for l in locs[3:7]] == [RDX, RCX, R8, R9]
    assert locs[7] == abi.ArgLoc(None, 0)                 # 7th integer: stack
    assert [l.reg for l in locs[8:15]] == list(XMMS[1:8])
    assert locs[15] == abi.ArgLoc(None, 8)                # 9th float: stack
    assert area == 16
    with pytest.raises(ValueError):
        abi.assign_args("x")


def test_disassemble_lines():
    a = Assembler()
    top = a.new_label()
    a.bind(top)
    a.mov_rr(RAX, RDI)
    a.add_mi(Mem(R12, RCX, 8, 16), 5, 32)
    a.jcc(Cond.NE, top)
    a.movsd_xm(XMM1, Mem(RSP, disp=-8))
    a.ret()
    lines = disassemble(a.finish().code, address=0x1000)
    assert lines == [
        "    1000: 48 89 f8                      mov rax, rdi",
        "    1003: 41 83 44 cc 10 05             add dword ptr [r12+rcx*8+0x10], 5",
        "    1009: 75 f5                         jne short 0x1000",
        "    100b: f2 0f 10 4c 24 f8             movsd xmm1, [rsp-8]",
        "    1011: c3                            ret",
    ]
    assert disassemble_text(b"\xc3") == "       0: c3                            ret\n"
    assert "(bad)" in disassemble(b"\x06")[0]
