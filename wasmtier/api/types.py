"""Type objects of the embedding API, named and shaped as in wasmtime-py.

Each wraps the binary-format type of `wasm.types` (`.core`), so the runtime
never sees API objects and users never see core ones.

Compatibility notes (wasmtime-py 50 is the reference):

* `ValType()` cannot be constructed directly (`WasmtimeError`); use the
  classmethods.  `str(ValType.externref())` is ``"anyref"``, as wasmtime-py
  prints it (its C API names the externref kind `WASM_ANYREF`).
* Type constructors check their arguments as wasmtime-py does: `TypeError`
  for a non-`ValType`/non-`Limits` argument, `WasmtimeError` for a
  well-typed but impossible type (a table of i32, a memory whose minimum
  exceeds the index space or its maximum).
* Supersets, kept on purpose: `ValType.v128()`, structural `==`/`hash` on
  every type (wasmtime-py compares `FuncType`s by identity, and its
  `ValType` is unhashable), readable `repr`s.
"""

from __future__ import annotations

from ..wasm import types as core
from ..wasm.errors import WasmtimeError

_NAMES = {core.ValType.I32: "i32", core.ValType.I64: "i64", core.ValType.F32: "f32",
          core.ValType.F64: "f64", core.ValType.V128: "v128",
          core.ValType.FUNCREF: "funcref", core.ValType.EXTERNREF: "anyref"}

_REF_TYPES = (core.ValType.FUNCREF, core.ValType.EXTERNREF)
PAGE_SIZE_LOG2 = 16


class ValType:
    __slots__ = ("core",)

    def __init__(self, kind: core.ValType | None = None):
        if kind is None:
            raise WasmtimeError("cannot construct directly")
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

    def __ne__(self, other) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return hash(self.core)

    def __str__(self) -> str:
        return _NAMES[self.core]

    def __repr__(self) -> str:
        return str(self)


def _vt(v) -> ValType:
    if not isinstance(v, ValType):
        raise TypeError("expected ValType")
    return v


def _limits(limits) -> "Limits":
    if not isinstance(limits, Limits):
        raise TypeError("expected Limits")
    return limits


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
    def __init__(self, limits: Limits, is_64: bool = False, shared: bool = False,
                 page_size_log2: int = PAGE_SIZE_LOG2):
        _limits(limits)
        bound = 1 << 64 if is_64 else 1 << 32
        if limits.min >= bound:
            raise WasmtimeError("minimum size too large")
        if limits.max and limits.max >= bound:
            raise WasmtimeError("maximum size too large")
        if limits.max is not None and limits.max < limits.min:
            raise WasmtimeError("maximum page size cannot be smaller than the minimum page size")
        if page_size_log2 != PAGE_SIZE_LOG2:
            # The custom-page-sizes proposal is outside wasmtier's scope.
            raise WasmtimeError("custom page sizes are not supported")
        self.core = core.MemoryType(core.Limits(limits.min, limits.max), bool(is_64), bool(shared))

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

    @property
    def is_shared(self) -> bool:
        return self.core.shared

    @property
    def page_size(self) -> int:
        return 1 << PAGE_SIZE_LOG2

    @property
    def page_size_log2(self) -> int:
        return PAGE_SIZE_LOG2

    def __eq__(self, other) -> bool:
        return isinstance(other, MemoryType) and other.core == self.core


class TableType:
    def __init__(self, valtype: ValType, limits: Limits):
        _limits(limits)
        if _vt(valtype).core not in _REF_TYPES:
            raise WasmtimeError("failed to allocate TableType")
        self.core = core.TableType(valtype.core, core.Limits(limits.min, limits.max))

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
