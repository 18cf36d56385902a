"""Tier-1 handlers for the floating-point operators: arithmetic, min/max,
rounding, comparisons, conversions to and from integers, reinterpretations.

Same conventions as codegen.py (handlers `fn(cg, ins, arg)`, found through
`FLOAT_HANDLERS`); the semantics where the spec leaves a choice follow the
interpreter:

- float->int truncation: the operand is widened to f64 and compared with
  exclusive f64 bounds (NaN -> BAD_CONVERSION_TO_INTEGER, out of range ->
  INTEGER_OVERFLOW); saturating forms select 0 / min / max instead.
- f32/f64 min/max: NaN if either is NaN (the quieted first NaN, as `a + b`
  gives), -0 < +0 by or/and of the bits when equal, else minss/maxss.
- nearest/ceil/floor/trunc: SSE4.1 `rounds*` with the mode in the immediate.
- u64 -> float: the halve-with-sticky-bit sequence (correctly rounded).
"""

from __future__ import annotations

import struct

from ..runtime.trap import TrapCode
from ..wasm.types import ValType
from ..x64.abi import SCRATCH_GPR, SCRATCH_XMM
from ..x64.encoder import Cond

__all__ = ["FLOAT_HANDLERS"]

I32, I64, F32, F64 = ValType.I32, ValType.I64, ValType.F32, ValType.F64
R11, X15 = SCRATCH_GPR, SCRATCH_XMM
_TYPES = {"i32": I32, "i64": I64, "f32": F32, "f64": F64}


def _f64(x: float) -> int:
    return struct.unpack("<Q", struct.pack("<d", x))[0]


# -- numeric: floats

def _sfx(ty) -> str:
    return "ss" if ty is F32 else "sd"


_SIGN = {F32: 0x80000000, F64: 1 << 63}
_ABS = {F32: 0x7FFFFFFF, F64: (1 << 63) - 1}


def _fbinop(cg, ins, arg):
    ty, op = arg
    ctx, asm, masm = cg.ctx, cg.asm, cg.masm
    s = _sfx(ty)
    b = ctx.pop_to_reg()
    a = ctx.pop_to_reg()
    if op in ("add", "sub", "mul", "div"):
        getattr(asm, f"{op}{s}_xx")(a, b)
    elif op in ("min", "max"):
        nan, ne, done = masm.new_label(), masm.new_label(), masm.new_label()
        getattr(asm, f"ucomi{s}_xx")(a, b)
        asm.jcc(Cond.P, nan, short=True)
        asm.jcc(Cond.NE, ne, short=True)
        (asm.orps_xx if op == "min" else asm.andps_xx)(a, b)    # -0 / +0 wins
        asm.jmp(done, short=True)
        masm.bind(ne)
        getattr(asm, f"{op}{s}_xx")(a, b)
        asm.jmp(done, short=True)
        masm.bind(nan)
        getattr(asm, f"add{s}_xx")(a, b)                        # a quiet NaN
        masm.bind(done)
    else:                                                       # copysign
        asm.andps_xm(a, masm.const_mem(_ABS[ty], 16))
        asm.andps_xm(b, masm.const_mem(_SIGN[ty], 16))
        asm.orps_xx(a, b)
    ctx.free(b)
    ctx.push_reg(ty, a)


_ROUND = {"nearest": 0, "floor": 1, "ceil": 2, "trunc": 3}


def _funop(cg, ins, arg):
    ty, op = arg
    asm, masm = cg.asm, cg.masm
    a = cg.ctx.pop_to_reg()
    s = _sfx(ty)
    if op == "abs":
        asm.andps_xm(a, masm.const_mem(_ABS[ty], 16))
    elif op == "neg":
        asm.xorps_xm(a, masm.const_mem(_SIGN[ty], 16))
    elif op == "sqrt":
        getattr(asm, f"sqrt{s}_xx")(a, a)
    else:
        getattr(asm, f"round{s}_xxi")(a, a, _ROUND[op] | 8)
    cg.ctx.push_reg(ty, a)


# cond after `ucomis(x, y)`, swap = compare (b, a) instead of (a, b)
_FCMP = {"lt": (Cond.A, True), "gt": (Cond.A, False), "le": (Cond.AE, True),
         "ge": (Cond.AE, False)}


def _fcmp(cg, ins, arg):
    ty, op = arg
    ctx, asm = cg.ctx, cg.asm
    ucomi = getattr(asm, f"ucomi{_sfx(ty)}_xx")
    b = ctx.pop_to_reg()
    a = ctx.pop_to_reg()
    r = ctx.ra.alloc_gpr()
    if op in ("eq", "ne"):
        ucomi(a, b)
        if op == "eq":
            asm.setcc_r(Cond.E, r)
            asm.setcc_r(Cond.NP, R11)
            asm.and_rr(r, R11, 8)
        else:
            asm.setcc_r(Cond.NE, r)
            asm.setcc_r(Cond.P, R11)
            asm.or_rr(r, R11, 8)
        asm.movzx8_rr(r, r, 32)
    else:
        cc, swap = _FCMP[op]
        ucomi(b, a) if swap else ucomi(a, b)
        cg.masm.setcc_zx(cc, r)
    ctx.free(a)
    ctx.free(b)
    ctx.push_reg(I32, r)


def _fconvert(cg, ins, ty):
    """f32.demote_f64 / f64.promote_f32."""
    a = cg.ctx.pop_to_reg()
    (cg.asm.cvtsd2ss_xx if ty is F32 else cg.asm.cvtss2sd_xx)(a, a)
    cg.ctx.push_reg(ty, a)


def _reinterpret(cg, ins, ty):
    ctx, asm = cg.ctx, cg.asm
    a = ctx.pop_to_reg()
    r = ctx.alloc_for(ty)
    if ty is I32:
        asm.movd_rx(r, a)
    elif ty is I64:
        asm.movq_rx(r, a)
    elif ty is F32:
        asm.movd_xr(r, a)
    else:
        asm.movq_xr(r, a)
    ctx.free(a)
    ctx.push_reg(ty, r)


def _int_to_float(cg, ins, arg):
    src, signed, ty = arg
    ctx, asm, masm = cg.ctx, cg.asm, cg.masm
    cvt = asm.cvtsi2ss_xr if ty is F32 else asm.cvtsi2sd_xr
    r = ctx.pop_to_reg()
    x = ctx.ra.alloc_xmm()
    asm.xorps_xx(x, x)                          # break the dependency on x's old value
    if src is I32:
        if signed:
            cvt(x, r, 32)
        else:
            asm.mov_rr(r, r, 32)
            cvt(x, r, 64)
    elif signed:
        cvt(x, r, 64)
    else:
        big, done = masm.new_label(), masm.new_label()
        asm.test_rr(r, r, 64)
        asm.jcc(Cond.S, big, short=True)
        cvt(x, r, 64)
        asm.jmp(done, short=True)
        masm.bind(big)                          # halve, keep the lost bit sticky
        asm.mov_rr(R11, r, 64)
        asm.shr_ri(R11, 1, 64)
        asm.and_ri(r, 1, 64)
        asm.or_rr(R11, r, 64)
        cvt(x, R11, 64)
        getattr(asm, f"add{_sfx(ty)}_xx")(x, x)
        masm.bind(done)
    ctx.free(r)
    ctx.push_reg(ty, x)


# (exclusive lower bound, exclusive upper bound) as f64, and saturation values
_TRUNC_BOUNDS = {
    (I32, True): (-2147483649.0, 2147483648.0, 0x80000000, 0x7FFFFFFF),
    (I32, False): (-1.0, 4294967296.0, 0, 0xFFFFFFFF),
    (I64, True): (-9223372036854777856.0, 9223372036854775808.0, 1 << 63, (1 << 63) - 1),
    (I64, False): (-1.0, 18446744073709551616.0, 0, (1 << 64) - 1),
}


def _float_to_int(cg, ins, arg):
    ty, src, signed, saturating = arg
    ctx, asm, masm = cg.ctx, cg.asm, cg.masm
    lo, hi, below, above = _TRUNC_BOUNDS[ty, signed]
    x = ctx.pop_to_reg()
    r = ctx.ra.alloc_gpr()
    if src is F32:
        asm.cvtss2sd_xx(X15, x)
        t = X15
    else:
        t = x
    done = masm.new_label()
    asm.ucomisd_xx(t, t)
    if saturating:
        nan, low, high = masm.new_label(), masm.new_label(), masm.new_label()
        asm.jcc(Cond.P, nan)
        asm.ucomisd_xm(t, masm.const_mem(_f64(lo), 8))
        asm.jcc(Cond.BE, low)
        asm.ucomisd_xm(t, masm.const_mem(_f64(hi), 8))
        asm.jcc(Cond.AE, high)
    else:
        masm.trap_if(Cond.P, TrapCode.BAD_CONVERSION_TO_INTEGER)
        asm.ucomisd_xm(t, masm.const_mem(_f64(lo), 8))
        masm.trap_if(Cond.BE, TrapCode.INTEGER_OVERFLOW)
        asm.ucomisd_xm(t, masm.const_mem(_f64(hi), 8))
        masm.trap_if(Cond.AE, TrapCode.INTEGER_OVERFLOW)
    if ty is I64 and not signed:                # [2^63, 2^64): subtract, flip bit 63
        big = masm.new_label()
        two63 = masm.const_mem(_f64(9223372036854775808.0), 8)
        asm.ucomisd_xm(t, two63)
        asm.jcc(Cond.AE, big, short=True)
        asm.cvttsd2si_rx(r, t, 64)
        asm.jmp(done)
        masm.bind(big)
        if t != X15:
            asm.movaps_xx(X15, t)
        asm.subsd_xm(X15, two63)
        asm.cvttsd2si_rx(r, X15, 64)
        asm.movabs_ri(R11, 1 << 63)
        asm.xor_rr(r, R11, 64)
    else:
        asm.cvttsd2si_rx(r, t, 64)
    if saturating:
        asm.jmp(done)
        masm.bind(nan)
        asm.xor_rr(r, r, 32)
        asm.jmp(done)
        masm.bind(low)
        masm.mov_imm(ty, r, below)
        asm.jmp(done)
        masm.bind(high)
        masm.mov_imm(ty, r, above)
    masm.bind(done)
    ctx.free(x)
    ctx.push_reg(ty, r)


def _build() -> dict:
    h = {
        "f32.demote_f64": (_fconvert, F32), "f64.promote_f32": (_fconvert, F64),
        "i32.reinterpret_f32": (_reinterpret, I32), "i64.reinterpret_f64": (_reinterpret, I64),
        "f32.reinterpret_i32": (_reinterpret, F32), "f64.reinterpret_i64": (_reinterpret, F64),
    }
    for t in ("f32", "f64"):
        ty = _TYPES[t]
        for op in ("add", "sub", "mul", "div", "min", "max", "copysign"):
            h[f"{t}.{op}"] = (_fbinop, (ty, op))
        for op in ("abs", "neg", "sqrt", "ceil", "floor", "trunc", "nearest"):
            h[f"{t}.{op}"] = (_funop, (ty, op))
        for op in ("eq", "ne", "lt", "gt", "le", "ge"):
            h[f"{t}.{op}"] = (_fcmp, (ty, op))
        for it in ("i32", "i64"):
            for sg in ("s", "u"):
                h[f"{t}.convert_{it}_{sg}"] = (_int_to_float, (_TYPES[it], sg == "s", ty))
                h[f"{it}.trunc_{t}_{sg}"] = (_float_to_int, (_TYPES[it], ty, sg == "s", False))
                h[f"{it}.trunc_sat_{t}_{sg}"] = (_float_to_int, (_TYPES[it], ty, sg == "s", True))
    return h


FLOAT_HANDLERS = _build()
