"""LEB128 decoding with the spec's error rules.

Design
------
`read_unsigned(data, pos, bits)` and `read_signed(data, pos, bits)` return
``(value, new_pos)``.  They follow the reference interpreter exactly:

* at most ceil(bits / 7) bytes; a continuation bit on the last allowed byte
  is "integer representation too long" (reported at the byte after it);
* in the last allowed byte, the bits beyond `bits` must be zero (unsigned)
  or a sign extension of bit `bits - 1` (signed), else "integer too large";
* running off the end of `data` raises IndexError, which the reader turns
  into "unexpected end of section or function" (one place, not per read).

The reader inlines the one-byte fast path and calls these only for
multi-byte encodings, so their speed matters little.
"""

from __future__ import annotations

from .errors import DecodeError


def read_unsigned(data: bytes, pos: int, bits: int) -> tuple[int, int]:
    result = 0
    shift = 0
    remaining = bits
    while True:
        if remaining <= 0:
            raise DecodeError("integer representation too long", pos)
        b = data[pos]
        if remaining < 7 and (b & 0x7F) >= (1 << remaining):
            raise DecodeError("integer too large", pos)
        result |= (b & 0x7F) << shift
        pos += 1
        if not b & 0x80:
            return result, pos
        shift += 7
        remaining -= 7


def read_signed(data: bytes, pos: int, bits: int) -> tuple[int, int]:
    result = 0
    shift = 0
    remaining = bits
    while True:
        if remaining <= 0:
            raise DecodeError("integer representation too long", pos)
        b = data[pos]
        if remaining < 7:
            mask = (-1 << (remaining - 1)) & 0x7F
            if (b & mask) != 0 and (b & mask) != mask:
                raise DecodeError("integer too large", pos)
        result |= (b & 0x7F) << shift
        pos += 1
        shift += 7
        if not b & 0x80:
            if b & 0x40:
                result -= 1 << shift
            return result, pos
        remaining -= 7


def read_u32(data: bytes, pos: int) -> tuple[int, int]:
    return read_unsigned(data, pos, 32)


def read_u64(data: bytes, pos: int) -> tuple[int, int]:
    return read_unsigned(data, pos, 64)


def read_s32(data: bytes, pos: int) -> tuple[int, int]:
    return read_signed(data, pos, 32)


def read_s33(data: bytes, pos: int) -> tuple[int, int]:
    return read_signed(data, pos, 33)


def read_s64(data: bytes, pos: int) -> tuple[int, int]:
    return read_signed(data, pos, 64)


def encode_unsigned(value: int) -> bytes:
    """Minimal unsigned LEB128 (for tests and tools)."""
    out = bytearray()
    while True:
        b = value & 0x7F
        value >>= 7
        if value:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def encode_signed(value: int) -> bytes:
    """Minimal signed LEB128 (for tests and tools)."""
    out = bytearray()
    while True:
        b = value & 0x7F
        value >>= 7
        if (value == 0 and not b & 0x40) or (value == -1 and b & 0x40):
            out.append(b)
            return bytes(out)
        out.append(b | 0x80)
