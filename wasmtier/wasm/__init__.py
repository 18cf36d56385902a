"""The WebAssembly binary format: module structure, reader, validator, opcodes.

    types.py      the data model (Module, FunctionBody, Instr, ...)
    errors.py     DecodeError / ValidationError / UnsupportedFeature / LinkError
    opcodes.py    the operator table, single source of truth for every opcode
    leb128.py     LEB128 decoding with the spec's error rules
    reader.py     parse_module(bytes) -> Module      (malformed -> DecodeError)
    validator.py  validate_module(Module) -> None    (invalid -> ValidationError)

Both entry points raise UnsupportedFeature for well-formed uses of features
outside wasmtier's scope.  This package imports nothing else from wasmtier.
"""

from .errors import (
    DecodeError, LinkError, UnsupportedFeature, ValidationError, WasmtimeError,
)
from .opcodes import OPS, OPS_BY_CODE, OPS_BY_NAME, Imm, OpInfo
from .reader import parse_module
from .validator import validate_module


def load_module(data: bytes):
    """Decode and validate a binary module (the usual pair of calls)."""
    module = parse_module(data)
    validate_module(module)
    return module


__all__ = [
    "DecodeError", "LinkError", "UnsupportedFeature", "ValidationError", "WasmtimeError",
    "OPS", "OPS_BY_CODE", "OPS_BY_NAME", "Imm", "OpInfo",
    "parse_module", "validate_module", "load_module",
]
