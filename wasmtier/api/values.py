"""`Val` and the conversions between Python values and raw 64-bit slots.

Raw slots follow `interp.prims`: i32 sign-extended, f32 bits zero-extended,
f64 bits, funcref = VMFuncRef address (0 null), externref = id in the
store's `ExternRefs` (0 null).  The Python side follows wasmtime-py: ints
for i32/i64 (signed), floats for f32/f64, `Func` or None for funcref, any
object or None for externref.  The `*_raw` helpers keep floats as bit
patterns instead, so NaN payloads survive (`Func.call_raw`).  The conversions themselves live with the externs
(`api.externs.to_raw` / `from_raw`), since funcref values are `Func`s.
"""

from __future__ import annotations

import struct

from .types import ValType

MASK64 = (1 << 64) - 1


def _signed(v: int, bits: int) -> int:
    v &= (1 << bits) - 1
    return v - (1 << bits) if v >> (bits - 1) else v


def f32_bits(x: float) -> int:
    return struct.unpack("<I", struct.pack("<f", x))[0]


def f64_bits(x: float) -> int:
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def bits_f32(b: int) -> float:
    return struct.unpack("<f", struct.pack("<I", b & 0xFFFFFFFF))[0]


def bits_f64(b: int) -> float:
    return struct.unpack("<d", struct.pack("<Q", b & MASK64))[0]


class Val:
    """A typed value (wasmtime-py's `Val`)."""

    __slots__ = ("_type", "_value")

    def __init__(self, type: ValType, value):
        self._type = type
        self._value = value

    @classmethod
    def i32(cls, v: int) -> "Val":
        return cls(ValType.i32(), _signed(int(v), 32))

    @classmethod
    def i64(cls, v: int) -> "Val":
        return cls(ValType.i64(), _signed(int(v), 64))

    @classmethod
    def f32(cls, v: float) -> "Val":
        return cls(ValType.f32(), bits_f32(f32_bits(float(v))))

    @classmethod
    def f64(cls, v: float) -> "Val":
        return cls(ValType.f64(), float(v))

    @classmethod
    def funcref(cls, f) -> "Val":
        return cls(ValType.funcref(), f)

    @classmethod
    def externref(cls, obj) -> "Val":
        return cls(ValType.externref(), obj)

    @classmethod
    def ref_null(cls, ty: ValType) -> "Val":
        return cls(ty, None)

    @property
    def type(self) -> ValType:
        return self._type

    @property
    def value(self):
        return self._value

    def as_i32(self):
        return self._value if self._type == ValType.i32() else None

    def as_i64(self):
        return self._value if self._type == ValType.i64() else None

    def as_f32(self):
        return self._value if self._type == ValType.f32() else None

    def as_f64(self):
        return self._value if self._type == ValType.f64() else None

    def as_funcref(self):
        return self._value if self._type == ValType.funcref() else None

    def as_externref(self):
        return self._value if self._type == ValType.externref() else None

    def __eq__(self, other) -> bool:
        if isinstance(other, Val):
            return self._type == other._type and self._value == other._value
        return self._value == other

    def __repr__(self) -> str:
        return f"Val.{self._type}({self._value!r})"
