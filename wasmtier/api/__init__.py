"""The embedding API, with wasmtime-py's names and semantics."""

from ..runtime.trap import Frame, Trap, TrapCode
from ..wasm.errors import WasmtimeError
from .engine import Config, Engine
from .externs import Caller, Func, Global, Memory, Table
from .instance import Instance
from .linker import Linker
from .module import Module, wat2wasm
from .store import Store
from .types import (ExportType, FuncType, GlobalType, ImportType, Limits,
                    MemoryType, TableType, ValType)
from .values import Val
from .wasi import ExitTrap, WasiConfig

__all__ = ["Config", "Engine", "Store", "Caller", "Module", "Instance", "Linker",
           "Func", "Global", "Memory", "Table", "Val", "ValType", "FuncType",
           "GlobalType", "MemoryType", "TableType", "Limits", "ImportType", "ExportType",
           "Trap", "TrapCode", "Frame", "ExitTrap", "WasmtimeError", "WasiConfig", "wat2wasm"]
