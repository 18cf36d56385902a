"""Type objects of the embedding API, named and shaped as in wasmtime-py.

Each wraps the binary-format type of `wasm.types` (`.core`), so the runtime
never sees API objects and users never see core ones.
"""

from __future__ import annotations

from ..wasm import types as core

_NAMES = {core.ValType.I32: "i32", core.ValType.I64: "i64", core.ValType.F32: "f32",
          core.ValType.F64: "f64", core.ValType.V128: "v128",
          core.ValType.FUNCREF: "funcref", core.ValType.EXTERNREF: "externref"}


class ValType:
    __slots__ = ("core",)

    def __init__(self, kind: core.ValType):
        self.core = core.ValType(kind)

    @classmethod
    def i32(cls) -> "ValType":
        return cls(core.ValType.I32)

    @classmethod
    def i64(cls) -> "ValType":
        return cls(core.ValType.I64)

    @classmethod
    def f32(cls) -> "ValType":
        return cls(core.ValType.F32)

    @classmethod
    def f64(cls) -> "ValType":
        return cls(core.ValType.F64)

    @classmethod
    def v128(cls) -> "ValType":
        return cls(core.ValType.V128)

    @classmethod
    def funcref(cls) -> "ValType":
        return cls(core.ValType.FUNCREF)

    @classmethod
    def externref(cls) -> "ValType":
        return cls(core.ValType.EXTERNREF)

    def __eq__(self, other) -> bool:
        return isinstance(other, ValType) and other.core == self.core

    def __hash__(self) -> int:
        return hash(self.core)

    def __str__(self) -> str:
        return _NAMES[self.core]

    def __repr__(self) -> str:
        return str(self)


def _vt(v) -> ValType:
    return v if isinstance(v, ValType) else ValType(v)


class FuncType:
    def __init__(self, params, results):
        self.core = core.FuncType(tuple(_vt(p).core for p in params),
                                  tuple(_vt(r).core for r in results))

    @classmethod
    def _from_core(cls, ft: core.FuncType) -> "FuncType":
        obj = cls.__new__(cls)
        obj.core = ft
        return obj

    @property
    def params(self) -> list[ValType]:
        return [ValType(p) for p in self.core.params]

    @property
    def results(self) -> list[ValType]:
        return [ValType(r) for r in self.core.results]

    def __eq__(self, other) -> bool:
        return isinstance(other, FuncType) and other.core == self.core

    def __hash__(self) -> int:
        return hash(self.core)

    def __repr__(self) -> str:
        return f"FuncType({self.params}, {self.results})"


class Limits:
    def __init__(self, min: int, max: int | None):
        self.min = min
        self.max = max

    def __eq__(self, other) -> bool:
        return isinstance(other, Limits) and (self.min, self.max) == (other.min, other.max)

    def __repr__(self) -> str:
        return f"Limits({self.min}, {self.max})"


class GlobalType:
    def __init__(self, valtype: ValType, mutable: bool):
        self.core = core.GlobalType(_vt(valtype).core, bool(mutable))

    @classmethod
    def _from_core(cls, gt: core.GlobalType) -> "GlobalType":
        obj = cls.__new__(cls)
        obj.core = gt
        return obj

    @property
    def content(self) -> ValType:
        return ValType(self.core.valtype)

    @property
    def mutable(self) -> bool:
        return self.core.mutable

    def __eq__(self, other) -> bool:
        return isinstance(other, GlobalType) and other.core == self.core


class MemoryType:
    def __init__(self, limits: Limits, is_64: bool = False, shared: bool = False):
        self.core = core.MemoryType(core.Limits(limits.min, limits.max), is_64, shared)

    @classmethod
    def _from_core(cls, mt: core.MemoryType) -> "MemoryType":
        obj = cls.__new__(cls)
        obj.core = mt
        return obj

    @property
    def limits(self) -> Limits:
        return Limits(self.core.limits.min, self.core.limits.max)

    @property
    def is_64(self) -> bool:
        return self.core.is64

    def __eq__(self, other) -> bool:
        return isinstance(other, MemoryType) and other.core == self.core


class TableType:
    def __init__(self, valtype: ValType, limits: Limits):
        self.core = core.TableType(_vt(valtype).core, core.Limits(limits.min, limits.max))

    @classmethod
    def _from_core(cls, tt: core.TableType) -> "TableType":
        obj = cls.__new__(cls)
        obj.core = tt
        return obj

    @property
    def element(self) -> ValType:
        return ValType(self.core.elem)

    @property
    def limits(self) -> Limits:
        return Limits(self.core.limits.min, self.core.limits.max)

    def __eq__(self, other) -> bool:
        return isinstance(other, TableType) and other.core == self.core


def extern_type(kind: str, desc, module: core.Module):
    if kind == "func":
        return FuncType._from_core(module.types[desc] if isinstance(desc, int) else desc)
    if kind == "memory":
        return MemoryType._from_core(desc)
    if kind == "table":
        return TableType._from_core(desc)
    return GlobalType._from_core(desc)


class ImportType:
    def __init__(self, module: str, name: str, type):
        self.module = module
        self.name = name
        self.type = type

    def __repr__(self) -> str:
        return f"ImportType({self.module!r}, {self.name!r}, {self.type!r})"


class ExportType:
    def __init__(self, name: str, type):
        self.name = name
        self.type = type

    def __repr__(self) -> str:
        return f"ExportType({self.name!r}, {self.type!r})"
