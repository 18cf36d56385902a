"""`Val` and the conversions between Python values and raw 64-bit slots.

Raw slots follow `interp.prims`: i32 sign-extended, f32 bits zero-extended,
f64 bits, funcref = VMFuncRef address (0 null), externref = id in the
store's `ExternRefs` (0 null).  The Python side follows wasmtime-py: ints
for i32/i64 (signed), floats for f32/f64, `Func` or None for funcref, any
object or None for externref.  The `*_raw` helpers keep floats as bit
patterns instead, so NaN payloads survive (`Func.call_raw`).  The
conversions themselves live with the externs (`api.externs.to_raw` /
`from_raw`), since funcref values are `Func`s.

As in wasmtime-py: `Val.i32`/`Val.i64` take only ints and wrap them to
the type's width (two's complement, like a C store), `Val.f32`/`Val.f64`
take only floats (`TypeError` otherwise; a Python float is rounded to the
nearest f32, out-of-range values become infinities), and `Val.ref_null`
takes only reference types.  One deliberate superset: `as_funcref()` of a
null funcref is None (wasmtime-py fails an assertion there).
"""

from __future__ import annotations

import struct

from ..wasm.errors import WasmtimeError
from .types import ValType

MASK64 = (1 << 64) - 1


def _signed(v: int, bits: int) -> int:
    v &= (1 << bits) - 1
    return v - (1 << bits) if v >> (bits - 1) else v


def f32_bits(x: float) -> int:
    """The f32 nearest to `x` (round to nearest even), as bits."""
    try:
        return struct.unpack("<I", struct.pack("<f", x))[0]
    except OverflowError:
        # struct refuses finite values that round to infinity; IEEE gives inf.
        return 0x7F800000 if x > 0 else 0xFF800000


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
        if not isinstance(v, int):
            raise TypeError("expected an integer")
        return cls(ValType.i32(), _signed(int(v), 32))

    @classmethod
    def i64(cls, v: int) -> "Val":
        if not isinstance(v, int):
            raise TypeError("expected an integer")
        return cls(ValType.i64(), _signed(int(v), 64))

    @classmethod
    def f32(cls, v: float) -> "Val":
        if not isinstance(v, float):
            raise TypeError("expected a float")
        return cls(ValType.f32(), bits_f32(f32_bits(v)))

    @classmethod
    def f64(cls, v: float) -> "Val":
        if not isinstance(v, float):
            raise TypeError("expected a float")
        return cls(ValType.f64(), float(v))

    @classmethod
    def funcref(cls, f) -> "Val":
        return cls(ValType.funcref(), f)

    @classmethod
    def externref(cls, obj) -> "Val":
        return cls(ValType.externref(), obj)

    @classmethod
    def ref_null(cls, ty: ValType) -> "Val":
        if ty == ValType.externref() or ty == ValType.funcref():
            return cls(ty, None)
        raise WasmtimeError(f"Invalid reference type for `ref_null`: {ty}")

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
        kind = "externref" if self._type == ValType.externref() else str(self._type)
        return f"Val.{kind}({self._value!r})"
