"""`Linker` (wasmtime-py name): resolve imports by module and field name.

Definitions are kept per (module, name).  Store-bound ones (`define`,
`define_instance`, `define_module`) hold the extern itself; store-free ones
(`define_func`, `define_wasi`, `define_unknown_imports_as_*`) hold a recipe
that makes a host `Func` the first time a store needs it (cached per store,
so one linker serves many stores, as in wasmtime-py).

Semantics follow wasmtime (Rust `Linker`, through wasmtime-py 50):

* defining a name twice is `WasmtimeError("import of `m::n` defined
  twice")` unless `allow_shadowing` is set; `define_wasi` counts too.
* `define_module` follows the WASI command/reactor convention: a module
  exporting `_start` is a *command*: each exported function is defined as
  a host function that instantiates the module afresh (imports resolved at
  definition time) and calls the export; only "memory", the indirect
  function tables and a few toolchain globals may be exported besides
  functions.  Any other module is a *reactor*: instantiated once, its
  `_initialize` (if exported) called, and its exports defined.
* `get` of an undefined item is `WasmtimeError("item not defined in
  linker")`; `get_default` returns the export named "" or else "_start",
  or else a function that does nothing.
* `define_unknown_imports_as_traps(module)` defines, for that module's
  still-undefined function imports, functions that fail with
  `WasmtimeError("unknown import: ...")` (an `UnknownImportCalled`, which
  is also a `Trap` so that `except Trap` handlers keep working);
  `..._as_default_values` defines functions returning zeros and nulls.
"""

from __future__ import annotations

import weakref

from ..runtime.trap import Trap
from ..wasm.errors import LinkError, WasmtimeError
from ..wasm.types import ValType as CoreValType
from .engine import Engine
from .externs import Func, Global, Memory, Table, store_of
from .instance import Instance
from .module import Module
from .types import FuncType, GlobalType, MemoryType, TableType

# Non-function exports a command may have (Rust `Linker::module`).
_COMMAND_EXTRAS = {"memory": MemoryType, "__indirect_function_table": TableType,
                   "table": TableType, "__data_end": GlobalType, "__heap_base": GlobalType,
                   "__rtti_base": GlobalType}

_ZERO = {CoreValType.I32: 0, CoreValType.I64: 0, CoreValType.F32: 0.0, CoreValType.F64: 0.0,
         CoreValType.FUNCREF: None, CoreValType.EXTERNREF: None}


class _Recipe:
    """A store-free definition: `make(store)` builds the extern."""

    __slots__ = ("make",)

    def __init__(self, make):
        self.make = make


class Linker:
    def __init__(self, engine: Engine):
        if not isinstance(engine, Engine):
            raise TypeError("expected an Engine")
        self.engine = engine
        self._defs: dict[tuple[str, str], object] = {}
        self._allow_shadowing = False
        # StoreCore -> {key: (recipe, Func)}: what recipes made for each store.
        self._made: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    @property
    def allow_shadowing(self) -> bool:
        """wasmtier extension: readable (wasmtime-py's is write-only)."""
        return self._allow_shadowing

    @allow_shadowing.setter
    def allow_shadowing(self, value: bool) -> None:
        self._allow_shadowing = bool(value)

    # -- defining ---------------------------------------------------------------------

    def _insert(self, module: str, name: str, item) -> None:
        key = (module, name)
        if key in self._defs and not self._allow_shadowing:
            raise WasmtimeError(f"import of `{module}::{name}` defined twice")
        self._defs[key] = item

    def define(self, store, module: str, name: str, item) -> None:
        if not isinstance(item, (Func, Memory, Global, Table)):
            raise TypeError("expected a Func, Global, Memory or Table")
        store = store_of(store)
        if item._store is not store:
            raise WasmtimeError("object used with the wrong store")
        self._insert(module, name, item)

    def define_func(self, module: str, name: str, ty: FuncType, func,
                    access_caller: bool = False) -> None:
        if not isinstance(ty, FuncType):
            raise TypeError("expected a FuncType")
        self._insert(module, name, _Recipe(lambda store: Func(store, ty, func, access_caller)))

    def define_instance(self, store, name: str, instance: Instance) -> None:
        if not isinstance(instance, Instance):
            raise TypeError("expected an `Instance`")
        store = store_of(store)
        if instance._store is not store:
            raise WasmtimeError("object used with the wrong store")
        for export_name, ext in instance.exports(store).items():
            self._insert(name, export_name, ext)

    def define_module(self, store, name: str, module: Module) -> None:
        if not isinstance(module, Module):
            raise TypeError("expected a `Module`")
        store = store_of(store)
        exports = module.exports
        if not any(e.name == "_start" and isinstance(e.type, FuncType) for e in exports):
            instance = self.instantiate(store, module)
            init = instance.exports(store).get("_initialize")
            if isinstance(init, Func):
                init(store)
            self.define_instance(store, name, instance)
            return
        for e in exports:
            if not isinstance(e.type, FuncType) and not isinstance(
                    e.type, _COMMAND_EXTRAS.get(e.name, ())):
                raise WasmtimeError(f"command export '{e.name}' is not a function")
        imports = self._resolve(store, module)
        for e in exports:
            if isinstance(e.type, FuncType):
                self._insert(name, e.name, Func(store, e.type, _command(store, module, imports,
                                                                         e.name)))

    def define_wasi(self) -> None:
        """Define WASI preview 1 (`api.wasi.define_wasi` fills a scratch
        linker; its entries are then defined here, so shadowing rules apply)."""
        from .wasi import define_wasi
        scratch = Linker(self.engine)
        define_wasi(scratch)
        for (module, name), item in scratch._defs.items():
            if isinstance(item, tuple) and len(item) == 2 and item[0] == "wasi":
                item = _Recipe(item[1])
            self._insert(module, name, item)

    def define_unknown_imports_as_traps(self, module: Module) -> None:
        if not isinstance(module, Module):
            raise TypeError("expected a `Module`")
        for imp in module.imports:
            if isinstance(imp.type, FuncType) and (imp.module, imp.name) not in self._defs:
                self._insert(imp.module, imp.name, _Recipe(_trapping(imp)))

    def define_unknown_imports_as_default_values(self, store, module: Module) -> None:
        if not isinstance(module, Module):
            raise TypeError("expected a `Module`")
        for imp in module.imports:
            if isinstance(imp.type, FuncType) and (imp.module, imp.name) not in self._defs:
                self._insert(imp.module, imp.name, _Recipe(_defaulting(imp)))

    # -- resolving --------------------------------------------------------------------

    def _item(self, store, key):
        item = self._defs.get(key)
        if isinstance(item, _Recipe):
            made = self._made.setdefault(store._core, {})
            cached = made.get(key)
            if cached is None or cached[0] is not item:
                cached = made[key] = (item, item.make(store))
            return cached[1]
        return item

    def _resolve(self, store, module: Module) -> list:
        out = []
        for imp in module.imports:
            item = self._item(store, (imp.module, imp.name))
            if item is None:
                raise LinkError(f"unknown import: `{imp.module}::{imp.name}` has not been defined")
            out.append(item)
        return out

    def instantiate(self, store, module: Module) -> Instance:
        if not isinstance(module, Module):
            raise TypeError("expected a `Module`")
        store = store_of(store)
        return Instance(store, module, self._resolve(store, module))

    def get(self, store, module: str, name: str):
        item = self._item(store_of(store), (module, name))
        if item is None:
            raise WasmtimeError("item not defined in linker")
        return item

    def get_default(self, store, name: str) -> Func:
        store = store_of(store)
        for field in ("", "_start"):
            item = self._item(store, (name, field))
            if item is not None:
                if not isinstance(item, Func):
                    raise WasmtimeError(f"default export in '{name}' is not a function")
                return item
        return Func(store, FuncType([], []), lambda: None)


def _command(store, module: Module, imports: list, export: str):
    """A command export: every call runs in a fresh instance."""
    def call(*args):
        return Instance(store, module, imports).exports(store)[export](store, *args)
    return call


class UnknownImportCalled(Trap, WasmtimeError):
    """What a function from `define_unknown_imports_as_traps` raises.
    wasmtime-py raises a `WasmtimeError`; being a `Trap` too keeps
    `except Trap` handlers (the CLI's exit status 134) working."""


def _trapping(imp):
    message = f"unknown import: `{imp.module}::{imp.name}` has not been defined"

    def make(store):
        def trap(*args):
            raise UnknownImportCalled(message)
        return Func(store, imp.type, trap)
    return make


def _defaulting(imp):
    results = [_ZERO[r.core] for r in imp.type.results]

    def make(store):
        def zero(*args):
            if not results:
                return None
            return results[0] if len(results) == 1 else list(results)
        return Func(store, imp.type, zero)
    return make
