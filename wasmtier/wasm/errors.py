"""Errors raised for bad modules.

`WasmtimeError` is the root of every error wasmtier raises for bad input; the
embedding API re-exports it under that name (wasmtime-py compatibility).  It
lives here, at the bottom of the import graph, so the reader and validator can
raise it without importing upwards.

    WasmtimeError
      +-- DecodeError         malformed binary (spec: assert_malformed)
      +-- ValidationError     well-formed but invalid (spec: assert_invalid)
      +-- UnsupportedFeature  decoded fine, uses a feature not implemented yet
      +-- LinkError           imports do not match (spec: assert_unlinkable)

Messages name the byte offset and the spec's reason, e.g.
``"malformed module at offset 0x1a: unexpected end"`` or
``"invalid module at offset 0x23: type mismatch"``; `reason` holds the bare
reason for harnesses that compare it.
"""

from __future__ import annotations


class WasmtimeError(Exception):
    """Root of wasmtier's errors for bad modules, bad linking and misuse."""


class _OffsetError(WasmtimeError):
    what = "error"

    def __init__(self, reason: str, offset: int | None = None):
        self.reason = reason
        self.offset = offset
        if offset is None:
            super().__init__(f"{self.what}: {reason}")
        else:
            super().__init__(f"{self.what} at offset 0x{offset:x}: {reason}")


class DecodeError(_OffsetError):
    what = "malformed module"


class ValidationError(_OffsetError):
    what = "invalid module"


class UnsupportedFeature(_OffsetError):
    """A construct of a feature outside wasmtier's scope.  `feature` names it
    (e.g. "simd", "gc", "memory64", "exceptions", "threads")."""

    what = "unsupported feature"

    def __init__(self, feature: str, offset: int | None = None):
        self.feature = feature
        super().__init__(feature, offset)


class LinkError(WasmtimeError):
    """Imports cannot be satisfied (spec: assert_unlinkable)."""
