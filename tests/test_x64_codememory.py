"""Executing generated code: CodeMemory (W^X) and JumpTable slots."""

from __future__ import annotations

import ctypes
import math

import pytest

from wasmtier.x64.codememory import CODE_ALIGN, PAGE_SIZE, CodeMemory, JumpTable
from wasmtier.x64.encoder import Assembler, Cond, Mem
from wasmtier.x64.registers import (R8, RAX, RCX, RDI, RDX, RSI, RSP, XMM0,
                                    XMM1, XMM2)

I64 = ctypes.c_int64
F64 = ctypes.c_double


@pytest.fixture
def mem():
    cm = CodeMemory()
    yield cm
    cm.close()


def _cpu_flags() -> set[str]:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def _perms(addr: int) -> str:
    with open("/proc/self/maps") as f:
        for line in f:
            span, perms = line.split()[:2]
            lo, hi = (int(x, 16) for x in span.split("-"))
            if lo <= addr < hi:
                return perms
    raise AssertionError(f"{addr:#x} is not mapped")


def _fn(mem, asm, restype, *argtypes):
    addr = mem.install(asm.finish().code)
    return ctypes.CFUNCTYPE(restype, *argtypes)(addr), addr


def test_add_integers(mem):
    a = Assembler()
    a.mov_rr(RAX, RDI)
    a.add_rr(RAX, RSI)
    a.ret()
    f, addr = _fn(mem, a, I64, I64, I64)
    assert f(3, 4) == 7
    assert f(-10, 1 << 40) == (1 << 40) - 10
    assert f((1 << 63) - 1, 1) == -(1 << 63)        # wraps like the machine


def test_addsd_doubles(mem):
    a = Assembler()
    a.addsd_xx(XMM0, XMM1)
    a.ret()
    f, _ = _fn(mem, a, F64, F64, F64)
    assert f(1.5, 2.25) == 3.75
    assert math.isinf(f(1e308, 1e308))


def test_code_is_never_writable(mem):
    a = Assembler()
    a.ret()
    addr = mem.install(a.finish().code)
    assert _perms(addr) == "r-xp"
    assert mem.contains(addr) and not mem.contains(addr + PAGE_SIZE)


def test_install_many_packs_and_aligns(mem):
    blobs = []
    for k in range(5):
        a = Assembler()
        a.mov_ri(RAX, k * 11, 32)
        a.ret()
        blobs.append(a.finish().code)
    addrs = mem.install_many(blobs)
    assert all(x % CODE_ALIGN == 0 for x in addrs)
    assert len(mem.regions) == 1
    for k, x in enumerate(addrs):
        assert ctypes.CFUNCTYPE(I64)(x)() == k * 11


def test_loop_with_labels_runs(mem):
    # sum of i*i for i in 0..n-1, with a forward exit and a backward branch
    a = Assembler()
    top, done = a.new_label(), a.new_label()
    a.xor_rr(RAX, RAX, 32)
    a.xor_rr(RCX, RCX, 32)
    a.bind(top)
    a.cmp_rr(RCX, RDI)
    a.jcc(Cond.GE, done)
    a.mov_rr(RDX, RCX)
    a.imul_rr(RDX, RCX)
    a.add_rr(RAX, RDX)
    a.inc_r(RCX)
    a.jmp(top)
    a.bind(done)
    a.ret()
    f, _ = _fn(mem, a, I64, I64)
    assert f(0) == 0
    assert f(10) == sum(i * i for i in range(10))
    assert f(1000) == sum(i * i for i in range(1000))


def test_integer_mix_runs(mem):
    # max(a, b) via cmov, then (max // 3) and a setcc of (a < b), packed
    a = Assembler()
    a.mov_rr(RAX, RDI)
    a.cmp_rr(RDI, RSI)
    a.cmovcc_rr(Cond.L, RAX, RSI)          # rax = max(rdi, rsi)
    a.setcc_r(Cond.L, R8)                  # r8b = rdi < rsi
    a.movzx8_rr(R8, R8, 32)
    a.cqo()
    a.mov_ri(RCX, 3)
    a.idiv_r(RCX)                          # rax = max // 3 (truncating)
    a.shl_ri(RAX, 1)
    a.or_rr(RAX, R8)
    a.ret()
    f, _ = _fn(mem, a, I64, I64, I64)
    assert f(10, 20) == (20 // 3) << 1 | 1
    assert f(30, -5) == (30 // 3) << 1 | 0
    assert f(-9, -30) == (-3 << 1)


def test_stack_and_memory_operands_run(mem):
    # store args to the stack, reload through [rsp+disp] and [base+index*8]
    a = Assembler()
    a.sub_ri(RSP, 24)
    a.mov_mr(Mem(RSP, disp=0), RDI)
    a.mov_mr(Mem(RSP, disp=8), RSI)
    a.mov_ri(RCX, 1)
    a.mov_rm(RAX, Mem(RSP, RCX, 8, 0))     # = rsi
    a.sub_rm(RAX, Mem(RSP))                # - rdi
    a.add_mi(Mem(RSP, disp=8), 100)
    a.add_rm(RAX, Mem(RSP, disp=8))        # + rsi + 100
    a.add_ri(RSP, 24)
    a.ret()
    f, _ = _fn(mem, a, I64, I64, I64)
    assert f(5, 7) == 7 - 5 + 107


def test_float_mix_runs(mem):
    # sqrt(x) + (double)n, truncated back to int64
    a = Assembler()
    a.sqrtsd_xx(XMM0, XMM0)
    a.cvtsi2sd_xr(XMM1, RDI)
    a.addsd_xx(XMM0, XMM1)
    a.cvttsd2si_rx(RAX, XMM0)
    a.ret()
    f, _ = _fn(mem, a, I64, F64, I64)
    assert f(16.0, 3) == 7
    assert f(2.0, -10) == int(math.sqrt(2.0) - 10)


@pytest.mark.skipif("sse4_1" not in _cpu_flags(), reason="needs SSE4.1")
def test_roundsd_runs(mem):
    results = []
    for mode in (0, 1, 2, 3):               # nearest, floor, ceil, trunc
        a = Assembler()
        a.roundsd_xxi(XMM0, XMM0, mode | 8)  # 8: suppress precision exception
        a.ret()
        f, _ = _fn(mem, a, F64, F64)
        results.append([f(x) for x in (2.5, -2.5, 1.7)])
    assert results == [[2.0, -2.0, 2.0], [2.0, -3.0, 1.0], [3.0, -2.0, 2.0], [2.0, -2.0, 1.0]]


def test_f32_via_movd_runs(mem):
    # float bits in edi -> xmm, multiply by itself, bits back in eax
    import struct
    a = Assembler()
    a.movd_xr(XMM2, RDI)
    a.mulss_xx(XMM2, XMM2)
    a.movd_rx(RAX, XMM2)
    a.ret()
    f, _ = _fn(mem, a, ctypes.c_uint32, ctypes.c_uint32)
    bits = struct.unpack("<I", struct.pack("<f", 1.5))[0]
    assert struct.unpack("<f", struct.pack("<I", f(bits)))[0] == 2.25


def test_jump_table_repoint_changes_target(mem):
    blobs = []
    for value in (111, 222):
        a = Assembler()
        a.mov_ri(RAX, value, 32)
        a.ret()
        blobs.append(a.finish().code)
    f1, f2 = mem.install_many(blobs)
    with JumpTable(4, initial=f1) as table:
        assert table.base % PAGE_SIZE == 0 and _perms(table.base) == "rw-p"
        slot = table.slot_address(2)
        assert slot % 8 == 0
        # caller: keep rsp 16-aligned at the call, call through the slot
        a = Assembler()
        a.sub_ri(RSP, 8)
        a.movabs_ri(RAX, slot)
        a.call_m(Mem(RAX))
        a.add_ri(RSP, 8)
        a.ret()
        caller, _ = _fn(mem, a, I64)
        assert caller() == 111
        table[2] = f2
        assert table[2] == f2 and caller() == 222
        table.set(2, f1)
        assert caller() == 111
        with pytest.raises(IndexError):
            table.set(4, f1)


def test_close_unmaps(mem):
    cm = CodeMemory()
    a = Assembler()
    a.ret()
    addr = cm.install(a.finish().code)
    cm.close()
    assert not cm.contains(addr) and cm.regions == [] and cm.size == 0
