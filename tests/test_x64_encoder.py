"""The x64 encoder checked against iced-x86's decoder, form by form.

Every row of `encoding.ENCODINGS` at every operand size is encoded over all
registers of each register operand (all 16 GPRs incl. r8-r15 and the REX byte
registers spl/bpl/sil/dil, all 16 XMMs), a set of tricky memory operands
(rsp/r12 bases need SIB, rbp/r13 need a displacement, no base, RIP, index
r12/r13/rbp, disp 0 / 8-bit / 32-bit / negative) and edge immediates; each
encoding must decode as exactly one instruction of the whole length, with the
expected mnemonic and every operand equal (register, memory base / index /
scale / displacement / size, immediate).
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from iced_x86 import Code, Decoder, MemorySizeExt, Mnemonic, OpKind, Register

from wasmtier.x64.encoder import Assembler, Cond, EncodingError, Mem
from wasmtier.x64.encoding import ENCODINGS
from wasmtier.x64.registers import (GPRS, R8, R12, R13, RAX, RBP, RCX, RDI, RDX,
                                    RIP, RSI, RSP, XMMS, gpr_name)

MASK64 = (1 << 64) - 1
_REG_SIZES = {"r8": 8, "r16": 16, "r32": 32, "r64": 64}
_MEM_SIZES = {"m8": 1, "m16": 2, "m32": 4, "m64": 8, "m128": 16}


def iced_reg(reg, size):
    if reg == RIP:
        return Register.RIP
    if reg >= 16:
        return getattr(Register, f"XMM{reg - 16}")
    name = gpr_name(reg, size).upper()
    if size == 8 and name.endswith("B") and name.startswith("R"):
        name = name[:-1] + "L"                   # iced spells r8b as R8L
    return getattr(Register, name)


def decode_one(code: bytes):
    ins = Decoder(64, code).decode()
    assert ins.code != Code.INVALID, code.hex()
    assert ins.len == len(code), f"{code.hex()} decodes as {ins} ({ins.len} bytes)"
    return ins


def expected_mnemonic(row, cc):
    m = row.mnemonic
    if m.endswith("cc"):
        m = m[:-2] + Cond(cc).name
    return getattr(Mnemonic, m)


def check(row, size, cc, args, code):
    """Decode `code` and compare with what `row` promises for `args`."""
    ins = decode_one(code)
    assert ins.mnemonic == expected_mnemonic(row, cc), f"{row.name}: {ins}"
    assert ins.op_count == len(row.ops), f"{row.name}: {ins}"
    it = iter(args)
    for i, kind in enumerate(row.ops):
        where = f"{row.name}/{size} operand {i} of {ins} ({code.hex()})"
        if kind == "cl":
            assert ins.op_kind(i) == OpKind.REGISTER and ins.op_register(i) == Register.CL, where
            continue
        v = next(it)
        if kind in ("r", "r8", "r16", "r32", "r64"):
            assert ins.op_kind(i) == OpKind.REGISTER, where
            assert ins.op_register(i) == iced_reg(v, _REG_SIZES.get(kind, size)), where
        elif kind == "x":
            assert ins.op_kind(i) == OpKind.REGISTER, where
            assert ins.op_register(i) == iced_reg(v, 128), where
        elif kind.startswith("m"):
            assert ins.op_kind(i) == OpKind.MEMORY, where
            base = Register.NONE if v.base is None else iced_reg(v.base, 64)
            assert ins.memory_base == base, where
            idx = Register.NONE if v.index is None else iced_reg(v.index, 64)
            assert ins.memory_index == idx, where
            if v.index is not None:
                assert ins.memory_index_scale == v.scale, where
            if v.base == RIP:
                assert ins.memory_displacement == (ins.next_ip + v.disp) & MASK64, where
            else:
                assert ins.memory_displacement & MASK64 == v.disp & MASK64, where
            nbytes = _MEM_SIZES.get(kind, (size or 0) // 8)
            if kind != "ma":
                assert MemorySizeExt.size(ins.memory_size) == nbytes, where
        elif kind == "i":
            bits = {"b": 8, "q": 64}.get(row.immw, size or 8)
            assert ins.op_kind(i) in (OpKind.IMMEDIATE8, OpKind.IMMEDIATE16,
                                      OpKind.IMMEDIATE32, OpKind.IMMEDIATE64,
                                      OpKind.IMMEDIATE8TO16, OpKind.IMMEDIATE8TO32,
                                      OpKind.IMMEDIATE8TO64, OpKind.IMMEDIATE32TO64), where
            m = (1 << bits) - 1
            assert ins.immediate(i) & m == v & m, where
        else:
            raise AssertionError(f"unknown operand kind {kind}")


# --- operand value sets -------------------------------------------------------

def _tricky_mems():
    mems = []
    for b in GPRS:
        mems += [Mem(b), Mem(b, disp=-8), Mem(b, disp=0x1000)]
    mems += [Mem(RSP, RAX, 1, 0), Mem(R12, R13, 2, 0), Mem(RBP, R12, 4, 0),
             Mem(R13, RBP, 8, 0x7FFFFFFF), Mem(RAX, GPRS[15], 8, -0x80000000),
             Mem(None, RCX, 4, 16), Mem(None, R12, 8, -4), Mem(None, None, 1, 0x1234),
             Mem(R8, GPRS[9], 1, 127), Mem(RDI, RSI, 2, -128), Mem(RSP, disp=128),
             Mem(R13, disp=-129), Mem(RIP, disp=0x100), Mem(RIP, disp=-5)]
    return mems


MEMS = _tricky_mems()


def _imms(row, size):
    if row.immw == "b":
        return [0, 1, 31, 63, 255]
    if row.immw == "q":
        return [0, 1, -1, (1 << 63) - 1, -(1 << 63), MASK64, 0x123456789ABCDEF0]
    bits = min(size, 32)
    vals = [0, 1, -1, 127, -128, 128, -129, (1 << (bits - 1)) - 1, -(1 << (bits - 1))]
    if size < 64:
        vals.append((1 << size) - 1)
    return sorted({v for v in vals if -(1 << (bits - 1)) <= v < (1 << bits)} if size < 64
                  else set(vals))


def operand_values(row, size):
    lists = []
    for kind in row.ops:
        if kind == "cl":
            continue
        if kind in ("r", "r8", "r16", "r32", "r64"):
            lists.append(GPRS)
        elif kind == "x":
            lists.append(XMMS)
        elif kind.startswith("m"):
            lists.append(MEMS)
        elif kind == "i":
            lists.append(_imms(row, size))
    return list(itertools.product(*lists))


def _cases():
    for row in ENCODINGS:
        for size in (row.sizes or (None,)):
            yield pytest.param(row, size, id=f"{row.name}-{size}" if size else row.name)


def _emit(row, size, cc, args) -> bytes:
    a = Assembler()
    fn = getattr(a, row.name)
    params = ([cc] if row.cc else []) + list(args)
    if size is None:
        fn(*params)
    else:
        fn(*params, size)
    return a.finish().code


@pytest.mark.parametrize("row,size", list(_cases()))
def test_form_decodes_exactly(row, size):
    conds = range(16) if row.cc else (None,)
    values = operand_values(row, size)
    for cc in conds:
        # cc forms: every condition over all registers, the rest cycles
        for args in (values if cc in (None, 0) else values[:16]):
            check(row, size, cc, args, _emit(row, size, cc, args))


def test_table_covers_requested_forms():
    names = {r.name for r in ENCODINGS}
    want = """mov_rr mov_ri movabs_ri mov_rm mov_mr mov_mi movzx8_rr movzx16_rm movsx8_rm
    movsx16_rr movsxd_rr movsxd_rm lea_rm add_rr add_ri add_rm add_mr add_mi sub_rr and_rr
    or_ri xor_rm cmp_mi test_rr test_ri test_mr test_mi imul_rr imul_rri imul_rm neg_r not_r
    inc_r dec_r shl_rc shr_ri sar_mc rol_ri ror_rc div_r div_m idiv_r idiv_m mul_r mul_m cdq cqo
    setcc_r cmovcc_rr cmovcc_rm jmp_r jmp_m call_r call_m ret push_r pop_r lzcnt_rr tzcnt_rm
    popcnt_rr bswap_r ud2 int3 nop movss_xx movss_xm movss_mx movsd_xx movsd_xm movsd_mx
    movd_xr movq_xr movd_rx movq_rx addss_xx subss_xm mulss_xx divss_xx sqrtss_xx minss_xx
    maxss_xx addsd_xx subsd_xx mulsd_xm divsd_xx sqrtsd_xm minsd_xx maxsd_xx ucomiss_xx
    ucomisd_xm cvtsi2ss_xr cvtsi2sd_xr cvtsi2sd_xm cvttss2si_rx cvttsd2si_rx cvttsd2si_rm
    cvtss2sd_xx cvtsd2ss_xx roundss_xxi roundsd_xmi andps_xx andpd_xx xorps_xx xorpd_xm
    orps_xx pxor_xx""".split()
    assert not set(want) - names


# --- exhaustive memory operands --------------------------------------------------

def test_memory_operands_exhaustive():
    disps = [0, 1, -1, 127, -128, 128, -129, 0x7FFFFFFF, -0x80000000]
    indexes = [None] + [r for r in GPRS if r != RSP]
    row = next(r for r in ENCODINGS if r.name == "mov_rm" and 64 in r.sizes)
    n = 0
    for base in [None, *GPRS]:
        for index in indexes:
            for scale in ((1, 2, 4, 8) if index is not None else (1,)):
                for disp in disps:
                    m = Mem(base, index, scale, disp)
                    reg = GPRS[n % 16]
                    a = Assembler()
                    a.mov_rm(reg, m)
                    check(row, 64, None, (reg, m), a.finish().code)
                    n += 1
    assert n == 17 * (1 + 15 * 4) * 9


@pytest.mark.parametrize("base,disp,expect_len", [
    (RAX, 0, 3), (RSP, 0, 4), (R12, 0, 4), (RBP, 0, 4), (R13, 0, 4),
    (RAX, 127, 4), (RAX, -128, 4), (RAX, 128, 7), (RSP, 0x12345, 8), (None, 0, 8),
])
def test_memory_operand_lengths(base, disp, expect_len):
    # mov rax, [..]: REX.W 8B ModRM [SIB] [disp]: shortest form for each case
    a = Assembler()
    a.mov_rm(RAX, Mem(base, disp=disp))
    assert len(a.finish().code) == expect_len


def test_immediate_picks_short_form():
    a = Assembler()
    a.add_ri(RAX, 127)
    a.add_ri(RAX, 128)
    a.add_ri(RAX, 0xFFFFFFFF, 32)       # == -1: imm8 form
    a.imul_rri(RCX, RDX, -128)
    code = a.finish().code
    assert code.hex() == "4883c07f" + "4881c080000000" + "83c0ff" + "486bca80"


@pytest.mark.parametrize("call", [
    lambda a: a.add_ri(RAX, 1 << 31),             # 64-bit imm32 is sign-extended
    lambda a: a.add_ri(RAX, 1 << 32, 32),
    lambda a: a.add_ri(RAX, -129, 8),
    lambda a: a.mov_ri(RAX, 0x10000, 16),
    lambda a: a.shl_ri(RAX, 256),
    lambda a: a.movabs_ri(RAX, 1 << 64),
    lambda a: a.add_rr(RAX, RCX, 12),
    lambda a: a.imul_rr(RAX, RCX, 8),
    lambda a: Mem(RAX, RSP),
    lambda a: Mem(RAX, RCX, 3),
    lambda a: Mem(RAX, disp=1 << 31),
    lambda a: Mem(RIP, RCX),
])
def test_encoding_errors(call):
    with pytest.raises(EncodingError):
        call(Assembler())


def test_byte_registers_get_rex():
    a = Assembler()
    a.mov_rr(RSI, RDI, 8)        # mov sil, dil: needs a bare REX (40 88 fe)
    a.mov_rr(RAX, RCX, 8)        # mov al, cl: no REX
    a.setcc_r(Cond.E, RSP)       # sete spl
    a.movzx8_rr(RAX, RBP, 32)    # movzx eax, bpl
    assert a.finish().code.hex() == "4088fe" + "88c8" + "400f94c4" + "400fb6c5"


# --- labels and fixups -------------------------------------------------------------

def _decode_all(code):
    return list(Decoder(64, code))


def test_forward_and_backward_jumps():
    a = Assembler()
    top, fwd, far = a.new_label(), a.new_label(), a.new_label()
    a.bind(top)
    a.nop()
    a.jmp(fwd)                          # forward: rel32
    a.jcc(Cond.NE, top)                 # backward, close: rel8
    a.bind(fwd)
    a.nop_n(200)
    a.jcc(Cond.L, top)                  # backward, far: rel32
    a.jmp(top)                          # backward, far: rel32
    a.call_label(far)                   # forward call
    a.call_label(top)                   # backward call
    a.bind(far)
    a.ret()
    out = a.finish()
    labels = out.label_offsets
    ins = [i for i in _decode_all(out.code) if i.mnemonic != Mnemonic.NOP]
    j_fwd, jne, jl, jmp_back, call_f, call_b, ret = ins
    assert j_fwd.code == Code.JMP_REL32_64 and j_fwd.near_branch_target == labels[fwd]
    assert jne.code == Code.JNE_REL8_64 and jne.near_branch_target == labels[top] == 0
    assert jl.code == Code.JL_REL32_64 and jl.near_branch_target == 0
    assert jmp_back.code == Code.JMP_REL32_64 and jmp_back.near_branch_target == 0
    assert call_f.code == Code.CALL_REL32_64 and call_f.near_branch_target == labels[far]
    assert call_b.near_branch_target == 0
    assert ret.ip == labels[far]


def test_rel8_boundary():
    for pad, want in ((126, Code.JMP_REL8_64), (127, Code.JMP_REL32_64)):
        a = Assembler()
        top = a.new_label()
        a.bind(top)
        a.nop_n(pad)
        a.jmp(top)                      # rel8 reaches back 128 bytes from its end
        ins = _decode_all(a.finish().code)[-1]
        assert ins.code == want and ins.near_branch_target == 0


@pytest.mark.parametrize("cc", list(Cond))
def test_jcc_every_condition(cc):
    a = Assembler()
    back, fwd, fwd_short = a.new_label(), a.new_label(), a.new_label()
    a.bind(back)
    a.jcc(cc, fwd)
    a.jcc(cc, fwd_short, short=True)
    a.jcc(cc, back)
    a.bind(fwd_short)
    a.nop()
    a.bind(fwd)
    out = a.finish()
    i1, i2, i3, _ = _decode_all(out.code)
    name = "J" + cc.name
    for i in (i1, i2, i3):
        assert i.mnemonic == getattr(Mnemonic, name)
    assert i1.is_jcc_near and i1.near_branch_target == out.label_offsets[fwd]
    assert i2.is_jcc_short and i2.near_branch_target == out.label_offsets[fwd_short]
    assert i3.is_jcc_short and i3.near_branch_target == 0


def test_short_forward_out_of_range_is_an_error():
    a = Assembler()
    lab = a.new_label()
    a.jmp(lab, short=True)
    a.nop_n(128)
    a.bind(lab)
    with pytest.raises(EncodingError, match="out of range"):
        a.finish()
    a = Assembler()
    lab = a.new_label()
    a.jmp(lab, short=True)
    a.nop_n(127)
    a.bind(lab)
    assert _decode_all(a.finish().code)[0].near_branch_target == 129


def test_label_errors():
    a = Assembler()
    lab = a.new_label()
    a.jmp(lab)
    with pytest.raises(EncodingError, match="never bound"):
        a.finish()
    a.bind(lab)
    with pytest.raises(EncodingError, match="twice"):
        a.bind(lab)


def test_rip_relative_labels():
    a = Assembler()
    const = a.new_label()
    a.mov_rm(RAX, Mem.at_label(const))             # disp32 is the last field
    a.cmp_mi(Mem.at_label(const, 4), 1000, 32)     # imm32 after the disp32
    a.roundsd_xmi(XMMS[3], Mem.at_label(const), 9) # imm8 after the disp32
    a.movsd_xm(XMMS[9], Mem.at_label(const))
    a.ret()
    a.align(8)
    a.bind(const)
    a.emit(b"\x01\x02\x03\x04\x05\x06\x07\x08")
    out = a.finish()
    target = out.label_offsets[const]
    assert target % 8 == 0
    ins = _decode_all(out.code)
    assert ins[0].is_ip_rel_memory_operand and ins[0].ip_rel_memory_address == target
    assert ins[1].ip_rel_memory_address == target + 4 and ins[1].immediate(1) == 1000
    assert ins[2].ip_rel_memory_address == target and ins[2].immediate(2) == 9
    assert ins[3].ip_rel_memory_address == target


def test_align_and_nops_decode_as_nops():
    for n in range(1, 40):
        a = Assembler()
        a.nop_n(n)
        code = a.finish().code
        assert len(code) == n
        assert all(i.mnemonic == Mnemonic.NOP for i in _decode_all(code))
    a = Assembler()
    a.ret()
    a.align(16)
    assert a.offset == 16


# --- random operands ----------------------------------------------------------------

_ROW_SIZES = [(r, s) for r in ENCODINGS for s in (r.sizes or (None,))]
_mem = st.builds(
    Mem,
    base=st.sampled_from([None, *GPRS]),
    index=st.sampled_from([None, *[r for r in GPRS if r != RSP]]),
    scale=st.sampled_from([1, 2, 4, 8]),
    disp=st.one_of(st.integers(-200, 200), st.integers(-(1 << 31), (1 << 31) - 1)),
)


@st.composite
def _instruction(draw):
    row, size = draw(st.sampled_from(_ROW_SIZES))
    cc = draw(st.integers(0, 15)) if row.cc else None
    args = []
    for kind in row.ops:
        if kind == "cl":
            continue
        if kind.startswith("r"):
            args.append(draw(st.sampled_from(GPRS)))
        elif kind == "x":
            args.append(draw(st.sampled_from(XMMS)))
        elif kind.startswith("m"):
            args.append(draw(_mem))
        else:
            if row.immw == "b":
                lo, hi = 0, 255
            elif row.immw == "q":
                lo, hi = -(1 << 63), (1 << 64) - 1
            elif size == 64:
                lo, hi = -(1 << 31), (1 << 31) - 1
            else:
                lo, hi = -(1 << (size - 1)), (1 << size) - 1
            args.append(draw(st.integers(lo, hi)))
    return row, size, cc, tuple(args)


@settings(max_examples=400, deadline=None)
@given(_instruction())
def test_random_operands(case):
    row, size, cc, args = case
    check(row, size, cc, args, _emit(row, size, cc, args))
