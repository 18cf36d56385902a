"""The operator table: the single source of truth for every Wasm operator.

Design
------
Every operator of the Wasm 3.0 core binary format is one `OpInfo`, built
from compact family descriptions (numeric operators, conversions, loads and
stores, SIMD, atomics, ...) rather than written out per entry.  The table
also covers operators of features wasmtier does not implement (SIMD,
threads, exceptions, function references, GC, wide arithmetic, relaxed
SIMD) so that the reader can decode them and report `UnsupportedFeature`
instead of a bogus "illegal opcode".

`OpInfo` fields:

  id        dense integer, 0..len(OPS)-1, in table order (stable within a
            build; consumers may index per-op arrays with it)
  name      the spec's text mnemonic ("i32.add", "br_table", "ref.null")
  code      the opcode byte, or (prefix byte, sub-opcode) for prefixed ops
  imm       immediate kind, one of the `Imm` constants; it fixes the shape
            of `Instr.imm` (see `wasm.types`)
  feature   None for in-scope operators, else the feature name
  params,   static operand and result types (tuples of ValType) for
  results   operators whose type does not depend on immediates or context
            (numeric, compare, conversion, const, load, store); None for
            the others (control, variable, reference, table, bulk memory,
            call, ...), whose types the validator derives itself
  mem_bytes access width in bytes for loads and stores (0 otherwise); the
            natural alignment is log2 of it
  mem_signed True for sign-extending narrow loads

Two operators share a name: untyped `select` (0x1B, imm None) and typed
`select` (0x1C, imm tuple of ValType); likewise `ref.test`/`ref.cast` have a
nullable and a non-nullable encoding.  `OPS_BY_NAME` maps such a name to
the first (untyped / non-null) encoding; `OPS_BY_CODE` has both.

Invariant: `OPS[op.id] is op`, and every op is reachable from
`OPS_BY_CODE[op.code]`.
"""

from __future__ import annotations

import re

from .types import ValType

I32, I64, F32, F64, V128 = ValType.I32, ValType.I64, ValType.F32, ValType.F64, ValType.V128


class Imm:
    """Immediate kinds (strings, so tables and reprs read well)."""

    NONE = "none"
    BLOCKTYPE = "blocktype"        # BlockType
    LABEL = "label"                # int label depth
    BR_TABLE = "br_table"          # (tuple of labels, default label)
    FUNC = "func"                  # int function index
    TYPE = "type"                  # int type index (call_ref, ...)
    CALL_INDIRECT = "call_indirect"  # (type index, table index)
    LOCAL = "local"                # int local index
    GLOBAL = "global"              # int global index
    TABLE = "table"                # int table index
    MEMORY = "memory"              # int memory index
    DATA = "data"                  # int data segment index
    ELEM = "elem"                  # int element segment index
    TAG = "tag"                    # int tag index
    TWO_INDICES = "two_indices"    # (first, second) in binary order
    MEMARG = "memarg"              # MemArg
    I32 = "i32"                    # signed int
    I64 = "i64"                    # signed int
    F32 = "f32"                    # raw bits int
    F64 = "f64"                    # raw bits int
    SELECT_T = "select_t"          # tuple of ValType
    HEAPTYPE = "heaptype"          # ValType (func/extern); other heap types are out of scope
    ZERO_BYTE = "zero_byte"        # a reserved 0x00 byte (atomic.fence); imm None
    TRY_TABLE = "try_table"        # (BlockType, tuple of (kind, tag or None, label))
    V128 = "v128"                  # bytes (16)
    SHUFFLE = "shuffle"            # bytes (16 lane indices)
    LANE = "lane"                  # int lane index
    MEMARG_LANE = "memarg_lane"    # (MemArg, lane)
    TYPE_FIELD = "type_field"      # (type index, field index)
    TYPE_COUNT = "type_count"      # (type index, count): array.new_fixed
    BR_ON_CAST = "br_on_cast"      # (flags, label, heap type 1, heap type 2)


class OpInfo:
    """One operator; see the module docstring for the fields."""

    __slots__ = ("id", "name", "code", "imm", "feature", "params", "results",
                 "mem_bytes", "mem_signed")

    def __init__(self, id, name, code, imm, feature, params, results,
                 mem_bytes=0, mem_signed=False):
        self.id = id
        self.name = name
        self.code = code
        self.imm = imm
        self.feature = feature
        self.params = params
        self.results = results
        self.mem_bytes = mem_bytes
        self.mem_signed = mem_signed

    @property
    def natural_align(self) -> int:
        """log2 of the natural alignment of a memory access."""
        return self.mem_bytes.bit_length() - 1

    def __repr__(self) -> str:
        code = (f"0x{self.code:02x}" if isinstance(self.code, int)
                else f"0x{self.code[0]:02x} {self.code[1]}")
        return f"OpInfo({self.name!r}, {code}, imm={self.imm})"


OPS: list[OpInfo] = []
OPS_BY_CODE: dict[object, OpInfo] = {}
OPS_BY_NAME: dict[str, OpInfo] = {}

_TYPES_BY_NAME = {"i32": I32, "i64": I64, "f32": F32, "f64": F64, "v128": V128}
_SIZES = {I32: 4, I64: 8, F32: 4, F64: 8, V128: 16}


def _def(code, name, imm=Imm.NONE, feature=None, params=None, results=None,
         mem_bytes=0, mem_signed=False) -> OpInfo:
    assert code not in OPS_BY_CODE, (code, name)
    op = OpInfo(len(OPS), name, code, imm, feature, params, results, mem_bytes, mem_signed)
    OPS.append(op)
    OPS_BY_CODE[code] = op
    OPS_BY_NAME.setdefault(name, op)
    return op


def _sig(text: str) -> tuple:
    """'i32 i32' -> (I32, I32)."""
    return tuple(_TYPES_BY_NAME[t] for t in text.split())


# ---------------------------------------------------------------------------
# Control, parametric, variable, table, memory-size (MVP + reference types,
# tail calls, and the out-of-scope control operators so they decode).

_EXC, _FREF, _GC = "exceptions", "function-references", "gc"

for _code, _name, _imm, _feature in [
    (0x00, "unreachable", Imm.NONE, None),
    (0x01, "nop", Imm.NONE, None),
    (0x02, "block", Imm.BLOCKTYPE, None),
    (0x03, "loop", Imm.BLOCKTYPE, None),
    (0x04, "if", Imm.BLOCKTYPE, None),
    (0x05, "else", Imm.NONE, None),
    (0x06, "try", Imm.BLOCKTYPE, _EXC),         # legacy exceptions
    (0x07, "catch", Imm.TAG, _EXC),             # legacy exceptions
    (0x08, "throw", Imm.TAG, _EXC),
    (0x09, "rethrow", Imm.LABEL, _EXC),         # legacy exceptions
    (0x0A, "throw_ref", Imm.NONE, _EXC),
    (0x0B, "end", Imm.NONE, None),
    (0x0C, "br", Imm.LABEL, None),
    (0x0D, "br_if", Imm.LABEL, None),
    (0x0E, "br_table", Imm.BR_TABLE, None),
    (0x0F, "return", Imm.NONE, None),
    (0x10, "call", Imm.FUNC, None),
    (0x11, "call_indirect", Imm.CALL_INDIRECT, None),
    (0x12, "return_call", Imm.FUNC, None),
    (0x13, "return_call_indirect", Imm.CALL_INDIRECT, None),
    (0x14, "call_ref", Imm.TYPE, _FREF),
    (0x15, "return_call_ref", Imm.TYPE, _FREF),
    (0x18, "delegate", Imm.LABEL, _EXC),        # legacy exceptions
    (0x19, "catch_all", Imm.NONE, _EXC),        # legacy exceptions
    (0x1A, "drop", Imm.NONE, None),
    (0x1B, "select", Imm.NONE, None),
    (0x1C, "select", Imm.SELECT_T, None),
    (0x1F, "try_table", Imm.TRY_TABLE, _EXC),
    (0x20, "local.get", Imm.LOCAL, None),
    (0x21, "local.set", Imm.LOCAL, None),
    (0x22, "local.tee", Imm.LOCAL, None),
    (0x23, "global.get", Imm.GLOBAL, None),
    (0x24, "global.set", Imm.GLOBAL, None),
    (0x25, "table.get", Imm.TABLE, None),
    (0x26, "table.set", Imm.TABLE, None),
]:
    _def(_code, _name, _imm, _feature)

# Loads and stores: (first opcode, names).  The access width is the digits
# after "load"/"store" or else the value type's size; the operand address is
# i32 (memory64 is out of scope).
_LOADS = ("i32.load i64.load f32.load f64.load i32.load8_s i32.load8_u "
          "i32.load16_s i32.load16_u i64.load8_s i64.load8_u i64.load16_s "
          "i64.load16_u i64.load32_s i64.load32_u").split()
_STORES = ("i32.store i64.store f32.store f64.store i32.store8 i32.store16 "
           "i64.store8 i64.store16 i64.store32").split()
_WIDTH_RE = re.compile(r"(?:load|store)(\d+)")


def _mem_width(name: str, vt: ValType) -> int:
    m = _WIDTH_RE.search(name)
    return int(m.group(1)) // 8 if m else _SIZES[vt]


for _i, _name in enumerate(_LOADS):
    _vt = _TYPES_BY_NAME[_name[:3]]
    _def(0x28 + _i, _name, Imm.MEMARG, None, (I32,), (_vt,),
         _mem_width(_name, _vt), _name.endswith("_s"))
for _i, _name in enumerate(_STORES):
    _vt = _TYPES_BY_NAME[_name[:3]]
    _def(0x36 + _i, _name, Imm.MEMARG, None, (I32, _vt), (), _mem_width(_name, _vt))

_def(0x3F, "memory.size", Imm.MEMORY)
_def(0x40, "memory.grow", Imm.MEMORY)
_def(0x41, "i32.const", Imm.I32, None, (), (I32,))
_def(0x42, "i64.const", Imm.I64, None, (), (I64,))
_def(0x43, "f32.const", Imm.F32, None, (), (F32,))
_def(0x44, "f64.const", Imm.F64, None, (), (F64,))

# Numeric operators: (first opcode, type, shape, names).  Shapes:
# test [t]->[i32], rel [t t]->[i32], un [t]->[t], bin [t t]->[t].
_IREL = "eq ne lt_s lt_u gt_s gt_u le_s le_u ge_s ge_u"
_FREL = "eq ne lt gt le ge"
_IUN = "clz ctz popcnt"
_IBIN = "add sub mul div_s div_u rem_s rem_u and or xor shl shr_s shr_u rotl rotr"
_FUN = "abs neg ceil floor trunc nearest sqrt"
_FBIN = "add sub mul div min max copysign"
_NUMERIC_FAMILIES = [
    (0x45, "i32", "test", "eqz"), (0x46, "i32", "rel", _IREL),
    (0x50, "i64", "test", "eqz"), (0x51, "i64", "rel", _IREL),
    (0x5B, "f32", "rel", _FREL), (0x61, "f64", "rel", _FREL),
    (0x67, "i32", "un", _IUN), (0x6A, "i32", "bin", _IBIN),
    (0x79, "i64", "un", _IUN), (0x7C, "i64", "bin", _IBIN),
    (0x8B, "f32", "un", _FUN), (0x92, "f32", "bin", _FBIN),
    (0x99, "f64", "un", _FUN), (0xA0, "f64", "bin", _FBIN),
]
for _first, _t, _shape, _names in _NUMERIC_FAMILIES:
    _vt = _TYPES_BY_NAME[_t]
    _params = (_vt,) if _shape in ("test", "un") else (_vt, _vt)
    _results = (I32,) if _shape in ("test", "rel") else (_vt,)
    for _i, _n in enumerate(_names.split()):
        _def(_first + _i, f"{_t}.{_n}", Imm.NONE, None, _params, _results)

# Conversions: the result type is the prefix, the operand type the first
# "_<type>" in the name (i64.extend_i32_s: i32 -> i64).  Sign extension
# operators have no operand type in the name: [t] -> [t].
_CONVERSIONS = (
    "i32.wrap_i64 i32.trunc_f32_s i32.trunc_f32_u i32.trunc_f64_s "
    "i32.trunc_f64_u i64.extend_i32_s i64.extend_i32_u i64.trunc_f32_s "
    "i64.trunc_f32_u i64.trunc_f64_s i64.trunc_f64_u f32.convert_i32_s "
    "f32.convert_i32_u f32.convert_i64_s f32.convert_i64_u f32.demote_f64 "
    "f64.convert_i32_s f64.convert_i32_u f64.convert_i64_s f64.convert_i64_u "
    "f64.promote_f32 i32.reinterpret_f32 i64.reinterpret_f64 "
    "f32.reinterpret_i32 f64.reinterpret_i64 i32.extend8_s i32.extend16_s "
    "i64.extend8_s i64.extend16_s i64.extend32_s").split()
_SATURATING = ("i32.trunc_sat_f32_s i32.trunc_sat_f32_u i32.trunc_sat_f64_s "
               "i32.trunc_sat_f64_u i64.trunc_sat_f32_s i64.trunc_sat_f32_u "
               "i64.trunc_sat_f64_s i64.trunc_sat_f64_u").split()
_OPERAND_RE = re.compile(r"_(i32|i64|f32|f64)")


def _conversion_sig(name: str) -> tuple:
    result = _TYPES_BY_NAME[name[:3]]
    m = _OPERAND_RE.search(name)
    operand = _TYPES_BY_NAME[m.group(1)] if m else result
    return (operand,), (result,)


for _i, _name in enumerate(_CONVERSIONS):
    _def(0xA7 + _i, _name, Imm.NONE, None, *_conversion_sig(_name))

# Reference operators (0xD0-0xD2 in scope; the rest function-references/gc).
_def(0xD0, "ref.null", Imm.HEAPTYPE)
_def(0xD1, "ref.is_null", Imm.NONE)
_def(0xD2, "ref.func", Imm.FUNC)
_def(0xD3, "ref.eq", Imm.NONE, _GC)
_def(0xD4, "ref.as_non_null", Imm.NONE, _FREF)
_def(0xD5, "br_on_null", Imm.LABEL, _FREF)
_def(0xD6, "br_on_non_null", Imm.LABEL, _FREF)

# ---------------------------------------------------------------------------
# 0xFC prefix: saturating truncation, bulk memory, table ops, wide arithmetic.

for _i, _name in enumerate(_SATURATING):
    _def((0xFC, _i), _name, Imm.NONE, None, *_conversion_sig(_name))
for _sub, _name, _imm in [
    (8, "memory.init", Imm.TWO_INDICES),   # (data, memory)
    (9, "data.drop", Imm.DATA),
    (10, "memory.copy", Imm.TWO_INDICES),  # (dst memory, src memory)
    (11, "memory.fill", Imm.MEMORY),
    (12, "table.init", Imm.TWO_INDICES),   # (elem, table)
    (13, "elem.drop", Imm.ELEM),
    (14, "table.copy", Imm.TWO_INDICES),   # (dst table, src table)
    (15, "table.grow", Imm.TABLE),
    (16, "table.size", Imm.TABLE),
    (17, "table.fill", Imm.TABLE),
]:
    _def((0xFC, _sub), _name, _imm)
_WIDE = "wide-arithmetic"
_def((0xFC, 19), "i64.add128", Imm.NONE, _WIDE, (I64,) * 4, (I64, I64))
_def((0xFC, 20), "i64.sub128", Imm.NONE, _WIDE, (I64,) * 4, (I64, I64))
_def((0xFC, 21), "i64.mul_wide_s", Imm.NONE, _WIDE, (I64, I64), (I64, I64))
_def((0xFC, 22), "i64.mul_wide_u", Imm.NONE, _WIDE, (I64, I64), (I64, I64))

# ---------------------------------------------------------------------------
# 0xFD prefix: SIMD (feature "simd") and relaxed SIMD.  Listed by sub-opcode;
# a gap in the numbering is written as "-".  Immediates are inferred from
# the name: loads/stores take a memarg (plus a lane for *_lane), lane
# accessors a lane byte, v128.const 16 bytes, i8x16.shuffle 16 lane bytes.

_SIMD = """
v128.load v128.load8x8_s v128.load8x8_u v128.load16x4_s v128.load16x4_u
v128.load32x2_s v128.load32x2_u v128.load8_splat v128.load16_splat
v128.load32_splat v128.load64_splat v128.store v128.const i8x16.shuffle
i8x16.swizzle i8x16.splat i16x8.splat i32x4.splat i64x2.splat f32x4.splat
f64x2.splat i8x16.extract_lane_s i8x16.extract_lane_u i8x16.replace_lane
i16x8.extract_lane_s i16x8.extract_lane_u i16x8.replace_lane
i32x4.extract_lane i32x4.replace_lane i64x2.extract_lane i64x2.replace_lane
f32x4.extract_lane f32x4.replace_lane f64x2.extract_lane f64x2.replace_lane
i8x16.eq i8x16.ne i8x16.lt_s i8x16.lt_u i8x16.gt_s i8x16.gt_u i8x16.le_s
i8x16.le_u i8x16.ge_s i8x16.ge_u i16x8.eq i16x8.ne i16x8.lt_s i16x8.lt_u
i16x8.gt_s i16x8.gt_u i16x8.le_s i16x8.le_u i16x8.ge_s i16x8.ge_u i32x4.eq
i32x4.ne i32x4.lt_s i32x4.lt_u i32x4.gt_s i32x4.gt_u i32x4.le_s i32x4.le_u
i32x4.ge_s i32x4.ge_u f32x4.eq f32x4.ne f32x4.lt f32x4.gt f32x4.le f32x4.ge
f64x2.eq f64x2.ne f64x2.lt f64x2.gt f64x2.le f64x2.ge v128.not v128.and
v128.andnot v128.or v128.xor v128.bitselect v128.any_true v128.load8_lane
v128.load16_lane v128.load32_lane v128.load64_lane v128.store8_lane
v128.store16_lane v128.store32_lane v128.store64_lane v128.load32_zero
v128.load64_zero f32x4.demote_f64x2_zero f64x2.promote_low_f32x4 i8x16.abs
i8x16.neg i8x16.popcnt i8x16.all_true i8x16.bitmask i8x16.narrow_i16x8_s
i8x16.narrow_i16x8_u f32x4.ceil f32x4.floor f32x4.trunc f32x4.nearest
i8x16.shl i8x16.shr_s i8x16.shr_u i8x16.add i8x16.add_sat_s i8x16.add_sat_u
i8x16.sub i8x16.sub_sat_s i8x16.sub_sat_u f64x2.ceil f64x2.floor i8x16.min_s
i8x16.min_u i8x16.max_s i8x16.max_u f64x2.trunc i8x16.avgr_u
i16x8.extadd_pairwise_i8x16_s i16x8.extadd_pairwise_i8x16_u
i32x4.extadd_pairwise_i16x8_s i32x4.extadd_pairwise_i16x8_u i16x8.abs
i16x8.neg i16x8.q15mulr_sat_s i16x8.all_true i16x8.bitmask
i16x8.narrow_i32x4_s i16x8.narrow_i32x4_u i16x8.extend_low_i8x16_s
i16x8.extend_high_i8x16_s i16x8.extend_low_i8x16_u i16x8.extend_high_i8x16_u
i16x8.shl i16x8.shr_s i16x8.shr_u i16x8.add i16x8.add_sat_s i16x8.add_sat_u
i16x8.sub i16x8.sub_sat_s i16x8.sub_sat_u f64x2.nearest i16x8.mul
i16x8.min_s i16x8.min_u i16x8.max_s i16x8.max_u - i16x8.avgr_u
i16x8.extmul_low_i8x16_s i16x8.extmul_high_i8x16_s i16x8.extmul_low_i8x16_u
i16x8.extmul_high_i8x16_u i32x4.abs i32x4.neg - i32x4.all_true
i32x4.bitmask - - i32x4.extend_low_i16x8_s i32x4.extend_high_i16x8_s
i32x4.extend_low_i16x8_u i32x4.extend_high_i16x8_u i32x4.shl i32x4.shr_s
i32x4.shr_u i32x4.add - - i32x4.sub - - - i32x4.mul i32x4.min_s i32x4.min_u
i32x4.max_s i32x4.max_u i32x4.dot_i16x8_s - i32x4.extmul_low_i16x8_s
i32x4.extmul_high_i16x8_s i32x4.extmul_low_i16x8_u i32x4.extmul_high_i16x8_u
i64x2.abs i64x2.neg - i64x2.all_true i64x2.bitmask - -
i64x2.extend_low_i32x4_s i64x2.extend_high_i32x4_s i64x2.extend_low_i32x4_u
i64x2.extend_high_i32x4_u i64x2.shl i64x2.shr_s i64x2.shr_u i64x2.add - -
i64x2.sub - - - i64x2.mul i64x2.eq i64x2.ne i64x2.lt_s i64x2.gt_s i64x2.le_s
i64x2.ge_s i64x2.extmul_low_i32x4_s i64x2.extmul_high_i32x4_s
i64x2.extmul_low_i32x4_u i64x2.extmul_high_i32x4_u f32x4.abs f32x4.neg -
f32x4.sqrt f32x4.add f32x4.sub f32x4.mul f32x4.div f32x4.min f32x4.max
f32x4.pmin f32x4.pmax f64x2.abs f64x2.neg - f64x2.sqrt f64x2.add f64x2.sub
f64x2.mul f64x2.div f64x2.min f64x2.max f64x2.pmin f64x2.pmax
i32x4.trunc_sat_f32x4_s i32x4.trunc_sat_f32x4_u f32x4.convert_i32x4_s
f32x4.convert_i32x4_u i32x4.trunc_sat_f64x2_s_zero
i32x4.trunc_sat_f64x2_u_zero f64x2.convert_low_i32x4_s
f64x2.convert_low_i32x4_u
"""
_RELAXED_SIMD = """
i8x16.relaxed_swizzle i32x4.relaxed_trunc_f32x4_s i32x4.relaxed_trunc_f32x4_u
i32x4.relaxed_trunc_f64x2_s_zero i32x4.relaxed_trunc_f64x2_u_zero
f32x4.relaxed_madd f32x4.relaxed_nmadd f64x2.relaxed_madd f64x2.relaxed_nmadd
i8x16.relaxed_laneselect i16x8.relaxed_laneselect i32x4.relaxed_laneselect
i64x2.relaxed_laneselect f32x4.relaxed_min f32x4.relaxed_max
f64x2.relaxed_min f64x2.relaxed_max i16x8.relaxed_q15mulr_s
i16x8.relaxed_dot_i8x16_i7x16_s i32x4.relaxed_dot_i8x16_i7x16_add_s
"""
_SIMD_MEM_RE = re.compile(r"^v128\.(load|store)(\d+)?")


def _simd_entry(sub: int, name: str, feature: str) -> None:
    if name == "v128.const":
        _def((0xFD, sub), name, Imm.V128, feature)
    elif name == "i8x16.shuffle":
        _def((0xFD, sub), name, Imm.SHUFFLE, feature)
    elif "_lane" in name and name.startswith("v128."):
        _def((0xFD, sub), name, Imm.MEMARG_LANE, feature,
             mem_bytes=int(_SIMD_MEM_RE.match(name).group(2)) // 8)
    elif "extract_lane" in name or "replace_lane" in name:
        _def((0xFD, sub), name, Imm.LANE, feature)
    elif _SIMD_MEM_RE.match(name):
        # v128.load/store: 16 bytes; load8x8_s & co: 8; load32_splat: 4;
        # load32_zero: 4.
        m = re.match(r"^v128\.(?:load|store)(\d+)(x\d+)?", name)
        width = 16 if m is None else (8 if m.group(2) else int(m.group(1)) // 8)
        _def((0xFD, sub), name, Imm.MEMARG, feature, mem_bytes=width)
    else:
        _def((0xFD, sub), name, Imm.NONE, feature)


for _i, _name in enumerate(_SIMD.split()):
    if _name != "-":
        _simd_entry(_i, _name, "simd")
for _i, _name in enumerate(_RELAXED_SIMD.split()):
    _simd_entry(0x100 + _i, _name, "relaxed-simd")

# ---------------------------------------------------------------------------
# 0xFE prefix: threads (atomics).  Every operator but atomic.fence takes a
# memarg; widths follow the loads/stores naming.

_THREADS = "threads"
_def((0xFE, 0x00), "memory.atomic.notify", Imm.MEMARG, _THREADS, mem_bytes=4)
_def((0xFE, 0x01), "memory.atomic.wait32", Imm.MEMARG, _THREADS, mem_bytes=4)
_def((0xFE, 0x02), "memory.atomic.wait64", Imm.MEMARG, _THREADS, mem_bytes=8)
_def((0xFE, 0x03), "atomic.fence", Imm.ZERO_BYTE, _THREADS)
_ATOMIC_ACCESS = [  # (infix, type, width) for the seven access shapes
    ("", "i32", 4), ("", "i64", 8), ("8", "i32", 1), ("16", "i32", 2),
    ("8", "i64", 1), ("16", "i64", 2), ("32", "i64", 4)]
for _i, (_w, _t, _b) in enumerate(_ATOMIC_ACCESS):
    _suffix = "_u" if _w else ""
    _def((0xFE, 0x10 + _i), f"{_t}.atomic.load{_w}{_suffix}", Imm.MEMARG, _THREADS, mem_bytes=_b)
    _def((0xFE, 0x17 + _i), f"{_t}.atomic.store{_w}", Imm.MEMARG, _THREADS, mem_bytes=_b)
for _j, _rmw in enumerate("add sub and or xor xchg cmpxchg".split()):
    for _i, (_w, _t, _b) in enumerate(_ATOMIC_ACCESS):
        _suffix = "_u" if _w else ""
        _def((0xFE, 0x1E + 7 * _j + _i), f"{_t}.atomic.rmw{_w}.{_rmw}{_suffix}",
             Imm.MEMARG, _THREADS, mem_bytes=_b)

# ---------------------------------------------------------------------------
# 0xFB prefix: GC.

for _sub, _name, _imm in [
    (0, "struct.new", Imm.TYPE), (1, "struct.new_default", Imm.TYPE),
    (2, "struct.get", Imm.TYPE_FIELD), (3, "struct.get_s", Imm.TYPE_FIELD),
    (4, "struct.get_u", Imm.TYPE_FIELD), (5, "struct.set", Imm.TYPE_FIELD),
    (6, "array.new", Imm.TYPE), (7, "array.new_default", Imm.TYPE),
    (8, "array.new_fixed", Imm.TYPE_COUNT), (9, "array.new_data", Imm.TWO_INDICES),
    (10, "array.new_elem", Imm.TWO_INDICES), (11, "array.get", Imm.TYPE),
    (12, "array.get_s", Imm.TYPE), (13, "array.get_u", Imm.TYPE),
    (14, "array.set", Imm.TYPE), (15, "array.len", Imm.NONE),
    (16, "array.fill", Imm.TYPE), (17, "array.copy", Imm.TWO_INDICES),
    (18, "array.init_data", Imm.TWO_INDICES), (19, "array.init_elem", Imm.TWO_INDICES),
    (20, "ref.test", Imm.HEAPTYPE), (21, "ref.test", Imm.HEAPTYPE),
    (22, "ref.cast", Imm.HEAPTYPE), (23, "ref.cast", Imm.HEAPTYPE),
    (24, "br_on_cast", Imm.BR_ON_CAST), (25, "br_on_cast_fail", Imm.BR_ON_CAST),
    (26, "any.convert_extern", Imm.NONE), (27, "extern.convert_any", Imm.NONE),
    (28, "ref.i31", Imm.NONE), (29, "i31.get_s", Imm.NONE), (30, "i31.get_u", Imm.NONE),
]:
    _def((0xFB, _sub), _name, _imm, _GC)

# ---------------------------------------------------------------------------
# Derived lookups.

PREFIXES = (0xFB, 0xFC, 0xFD, 0xFE)

#: OPS_BY_BYTE[b]: the single-byte operator b, or None (prefix or illegal).
OPS_BY_BYTE: list[OpInfo | None] = [OPS_BY_CODE.get(b) for b in range(256)]

#: OPS_BY_PREFIX[prefix][sub]: the prefixed operator, or absent.
OPS_BY_PREFIX: dict[int, dict[int, OpInfo]] = {p: {} for p in PREFIXES}
for _op in OPS:
    if isinstance(_op.code, tuple):
        OPS_BY_PREFIX[_op.code[0]][_op.code[1]] = _op


def op(name: str) -> OpInfo:
    """The operator called `name` (first encoding for shared names)."""
    return OPS_BY_NAME[name]
