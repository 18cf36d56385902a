"""Machine primitives for the tier-0 loop: numba intrinsics that emit one or
two LLVM instructions each.

Why intrinsics: numba's own integer semantics are Python's (floor division,
promotion of int32 arithmetic to int64, negative-index wraparound on arrays),
and numpy scalar views cost ~100 ns.  WebAssembly wants C semantics: truncating
division, logical shifts, wrapping 32-bit arithmetic, exact bit casts between
integers and floats, unaligned raw loads and stores.  Each function below is
exactly that LLVM instruction, so the interpreter loop compiles to what a C
interpreter would.

Conventions shared with the loop (`interp.loop`):

* every value lives in a 64-bit slot (int64);
* an i32 is kept sign-extended to 64 bits (`sx32` after every i32 result);
* an f32 is kept as its IEEE bits in the low 32 bits (upper bits zero);
* an f64 is kept as its IEEE bits; references are addresses or ids.
"""

from __future__ import annotations

from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

_i8 = ir.IntType(8)
_i16 = ir.IntType(16)
_i32 = ir.IntType(32)
_i64 = ir.IntType(64)
_f32 = ir.FloatType()
_f64 = ir.DoubleType()


def _ptr(builder, addr, ty):
    return builder.inttoptr(addr, ty.as_pointer())


# -- raw memory --------------------------------------------------------------


def _make_load(width_ty, signed):
    @intrinsic
    def load(typingctx, addr):
        def codegen(context, builder, sig, args):
            v = builder.load(_ptr(builder, args[0], width_ty), align=1)
            if width_ty is _i64:
                return v
            return builder.sext(v, _i64) if signed else builder.zext(v, _i64)
        return types.int64(types.int64), codegen
    return load


load_i64 = _make_load(_i64, True)
load_s32 = _make_load(_i32, True)
load_u32 = _make_load(_i32, False)
load_s16 = _make_load(_i16, True)
load_u16 = _make_load(_i16, False)
load_s8 = _make_load(_i8, True)
load_u8 = _make_load(_i8, False)


def _make_store(width_ty):
    @intrinsic
    def store(typingctx, addr, value):
        def codegen(context, builder, sig, args):
            v = args[1]
            if width_ty is not _i64:
                v = builder.trunc(v, width_ty)
            builder.store(v, _ptr(builder, args[0], width_ty), align=1)
            return context.get_dummy_value()
        return types.none(types.int64, types.int64), codegen
    return store


store_i64 = _make_store(_i64)
store_i32 = _make_store(_i32)
store_i16 = _make_store(_i16)
store_i8 = _make_store(_i8)


@intrinsic
def memmove(typingctx, dst, src, n):
    """llvm.memmove: overlapping byte copy of n bytes."""
    def codegen(context, builder, sig, args):
        i8p = _i8.as_pointer()
        fn = builder.module.declare_intrinsic("llvm.memmove", [i8p, i8p, _i64])
        builder.call(fn, [_ptr(builder, args[0], _i8), _ptr(builder, args[1], _i8),
                          args[2], ir.Constant(ir.IntType(1), 0)])
        return context.get_dummy_value()
    return types.none(types.int64, types.int64, types.int64), codegen


@intrinsic
def memset(typingctx, dst, byte, n):
    def codegen(context, builder, sig, args):
        i8p = _i8.as_pointer()
        fn = builder.module.declare_intrinsic("llvm.memset", [i8p, _i64])
        builder.call(fn, [_ptr(builder, args[0], _i8), builder.trunc(args[1], _i8),
                          args[2], ir.Constant(ir.IntType(1), 0)])
        return context.get_dummy_value()
    return types.none(types.int64, types.int64, types.int64), codegen


# -- integer width and C arithmetic ---------------------------------------------


@intrinsic
def sx32(typingctx, x):
    """Sign-extend the low 32 bits."""
    def codegen(context, builder, sig, args):
        return builder.sext(builder.trunc(args[0], _i32), _i64)
    return types.int64(types.int64), codegen


@intrinsic
def zx32(typingctx, x):
    """Zero-extend the low 32 bits."""
    def codegen(context, builder, sig, args):
        return builder.zext(builder.trunc(args[0], _i32), _i64)
    return types.int64(types.int64), codegen


def _make_binop(name, width):
    @intrinsic
    def binop(typingctx, a, b):
        def codegen(context, builder, sig, args):
            x, y = args
            if width == 32:
                x = builder.trunc(x, _i32)
                y = builder.trunc(y, _i32)
            r = getattr(builder, name)(x, y)
            if width == 32:
                r = builder.sext(r, _i64)
            return r
        return types.int64(types.int64, types.int64), codegen
    return binop


# Callers guarantee the divisor is non-zero and (signed) not INT_MIN / -1.
sdiv32 = _make_binop("sdiv", 32)
udiv32 = _make_binop("udiv", 32)
srem32 = _make_binop("srem", 32)
urem32 = _make_binop("urem", 32)
sdiv64 = _make_binop("sdiv", 64)
udiv64 = _make_binop("udiv", 64)
srem64 = _make_binop("srem", 64)
urem64 = _make_binop("urem", 64)
# Callers mask the shift count to the width.
shl32 = _make_binop("shl", 32)
shr_s32 = _make_binop("ashr", 32)
shr_u32 = _make_binop("lshr", 32)
shl64 = _make_binop("shl", 64)
shr_s64 = _make_binop("ashr", 64)
shr_u64 = _make_binop("lshr", 64)


def _make_int_intrinsic(llvm_name, width, nargs):
    ty = _i32 if width == 32 else _i64

    def codegen(context, builder, sig, args):
        vals = [builder.trunc(a, ty) if width == 32 else a for a in args]
        extra = []
        if llvm_name in ("llvm.ctlz", "llvm.cttz"):
            extra = [ir.Constant(ir.IntType(1), 0)]  # defined at zero
        fnty = ir.FunctionType(ty, [ty] * len(vals) + [e.type for e in extra])
        fn = cgutils.get_or_insert_function(
            builder.module, fnty, f"{llvm_name}.i{width}")
        r = builder.call(fn, vals + extra)
        return builder.sext(r, _i64) if width == 32 else r

    if nargs == 1:
        @intrinsic
        def op1(typingctx, x):
            return types.int64(types.int64), codegen
        return op1

    @intrinsic
    def op3(typingctx, x, y, z):
        return types.int64(types.int64, types.int64, types.int64), codegen
    return op3


clz32 = _make_int_intrinsic("llvm.ctlz", 32, 1)
ctz32 = _make_int_intrinsic("llvm.cttz", 32, 1)
popcnt32 = _make_int_intrinsic("llvm.ctpop", 32, 1)
clz64 = _make_int_intrinsic("llvm.ctlz", 64, 1)
ctz64 = _make_int_intrinsic("llvm.cttz", 64, 1)
popcnt64 = _make_int_intrinsic("llvm.ctpop", 64, 1)
rotl32 = _make_int_intrinsic("llvm.fshl", 32, 3)
rotr32 = _make_int_intrinsic("llvm.fshr", 32, 3)
rotl64 = _make_int_intrinsic("llvm.fshl", 64, 3)
rotr64 = _make_int_intrinsic("llvm.fshr", 64, 3)


@intrinsic
def ult64(typingctx, a, b):
    """Unsigned a < b on 64 bits."""
    def codegen(context, builder, sig, args):
        return builder.icmp_unsigned("<", args[0], args[1])
    return types.boolean(types.int64, types.int64), codegen


# -- bit casts and float conversions ----------------------------------------------


@intrinsic
def f32_of(typingctx, bits):
    """The f32 whose IEEE bits are the low 32 bits of `bits`."""
    def codegen(context, builder, sig, args):
        return builder.bitcast(builder.trunc(args[0], _i32), _f32)
    return types.float32(types.int64), codegen


@intrinsic
def bits_f32(typingctx, x):
    """IEEE bits of an f32, zero-extended."""
    def codegen(context, builder, sig, args):
        return builder.zext(builder.bitcast(args[0], _i32), _i64)
    return types.int64(types.float32), codegen


@intrinsic
def f64_of(typingctx, bits):
    def codegen(context, builder, sig, args):
        return builder.bitcast(args[0], _f64)
    return types.float64(types.int64), codegen


@intrinsic
def bits_f64(typingctx, x):
    def codegen(context, builder, sig, args):
        return builder.bitcast(args[0], _i64)
    return types.int64(types.float64), codegen


def _make_float_unary(llvm_name, fty, nbty):
    @intrinsic
    def op(typingctx, x):
        def codegen(context, builder, sig, args):
            suffix = "f32" if fty is _f32 else "f64"
            fn = cgutils.get_or_insert_function(
                builder.module, ir.FunctionType(fty, [fty]), f"{llvm_name}.{suffix}")
            return builder.call(fn, [args[0]])
        return nbty(nbty), codegen
    return op


sqrt_f32 = _make_float_unary("llvm.sqrt", _f32, types.float32)
sqrt_f64 = _make_float_unary("llvm.sqrt", _f64, types.float64)
ceil_f32 = _make_float_unary("llvm.ceil", _f32, types.float32)
ceil_f64 = _make_float_unary("llvm.ceil", _f64, types.float64)
floor_f32 = _make_float_unary("llvm.floor", _f32, types.float32)
floor_f64 = _make_float_unary("llvm.floor", _f64, types.float64)
trunc_f32 = _make_float_unary("llvm.trunc", _f32, types.float32)
trunc_f64 = _make_float_unary("llvm.trunc", _f64, types.float64)
nearest_f32 = _make_float_unary("llvm.rint", _f32, types.float32)
nearest_f64 = _make_float_unary("llvm.rint", _f64, types.float64)


def _make_int_to_float(signed, src_width, fty, nbty):
    @intrinsic
    def op(typingctx, x):
        def codegen(context, builder, sig, args):
            v = args[0]
            if src_width == 32:
                v = builder.trunc(v, _i32)
            return builder.sitofp(v, fty) if signed else builder.uitofp(v, fty)
        return nbty(types.int64), codegen
    return op


f32_from_s32 = _make_int_to_float(True, 32, _f32, types.float32)
f32_from_u32 = _make_int_to_float(False, 32, _f32, types.float32)
f32_from_s64 = _make_int_to_float(True, 64, _f32, types.float32)
f32_from_u64 = _make_int_to_float(False, 64, _f32, types.float32)
f64_from_s32 = _make_int_to_float(True, 32, _f64, types.float64)
f64_from_u32 = _make_int_to_float(False, 32, _f64, types.float64)
f64_from_s64 = _make_int_to_float(True, 64, _f64, types.float64)
f64_from_u64 = _make_int_to_float(False, 64, _f64, types.float64)


@intrinsic
def demote(typingctx, x):
    def codegen(context, builder, sig, args):
        return builder.fptrunc(args[0], _f32)
    return types.float32(types.float64), codegen


@intrinsic
def promote(typingctx, x):
    def codegen(context, builder, sig, args):
        return builder.fpext(args[0], _f64)
    return types.float64(types.float32), codegen


def _make_float_to_int(signed, fty_nb):
    @intrinsic
    def op(typingctx, x):
        """fptosi/fptoui to i64; callers range-check first."""
        def codegen(context, builder, sig, args):
            return builder.fptosi(args[0], _i64) if signed else builder.fptoui(args[0], _i64)
        return types.int64(fty_nb), codegen
    return op


f32_to_s64 = _make_float_to_int(True, types.float32)
f32_to_u64 = _make_float_to_int(False, types.float32)
f64_to_s64 = _make_float_to_int(True, types.float64)
f64_to_u64 = _make_float_to_int(False, types.float64)


# -- float semantics that LLVM does not give directly ----------------------------------

F32_SIGN = 0x80000000
F64_SIGN = -0x8000000000000000  # bit 63 as a signed int64
F32_CANON_NAN = 0x7FC00000
F64_CANON_NAN = 0x7FF8000000000000


@njit(inline="always")
def fmin32(a, b):
    x = f32_of(a)
    y = f32_of(b)
    if x != x or y != y:
        return bits_f32(x + y)  # a quiet NaN from the NaN operand(s)
    if x == y:
        return (a | b) & 0xFFFFFFFF  # -0 wins for min
    return a & 0xFFFFFFFF if x < y else b & 0xFFFFFFFF


@njit(inline="always")
def fmax32(a, b):
    x = f32_of(a)
    y = f32_of(b)
    if x != x or y != y:
        return bits_f32(x + y)
    if x == y:
        return (a & b) & 0xFFFFFFFF  # +0 wins for max
    return a & 0xFFFFFFFF if x > y else b & 0xFFFFFFFF


@njit(inline="always")
def fmin64(a, b):
    x = f64_of(a)
    y = f64_of(b)
    if x != x or y != y:
        return bits_f64(x + y)
    if x == y:
        return a | b
    return a if x < y else b


@njit(inline="always")
def fmax64(a, b):
    x = f64_of(a)
    y = f64_of(b)
    if x != x or y != y:
        return bits_f64(x + y)
    if x == y:
        return a & b
    return a if x > y else b
