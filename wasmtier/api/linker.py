"""`Linker` (wasmtime-py name): resolve imports by module and field name."""

from __future__ import annotations

from ..wasm.errors import LinkError, WasmtimeError
from .engine import Engine
from .externs import Func, store_of
from .instance import Instance
from .module import Module
from .types import FuncType


class Linker:
    def __init__(self, engine: Engine):
        self.engine = engine
        self._defs: dict[tuple[str, str], object] = {}
        self._allow_shadowing = False
        self._unknown_as_traps = False

    @property
    def allow_shadowing(self) -> bool:
        return self._allow_shadowing

    @allow_shadowing.setter
    def allow_shadowing(self, value: bool) -> None:
        self._allow_shadowing = bool(value)

    def define(self, store, module: str, name: str, item) -> None:
        key = (module, name)
        if key in self._defs and not self._allow_shadowing:
            raise WasmtimeError(f"import of `{module}::{name}` defined twice")
        self._defs[key] = item

    def define_func(self, module: str, name: str, ty: FuncType, func, access_caller: bool = False) -> None:
        self._defs[(module, name)] = ("func", ty, func, access_caller)

    def define_instance(self, store, name: str, instance: Instance) -> None:
        for export_name, ext in instance.exports(store).items():
            self.define(store, name, export_name, ext)

    def define_module(self, store, name: str, module: Module) -> None:
        self.define_instance(store, name, Instance(store, module, self._resolve(store, module)))

    def define_wasi(self) -> None:
        from .wasi import define_wasi
        define_wasi(self)

    def define_unknown_imports_as_traps(self, module: Module) -> None:
        self._unknown_as_traps = True

    def _item(self, store, key):
        item = self._defs.get(key)
        if isinstance(item, tuple) and item and item[0] == "func":
            _, ty, func, access_caller = item
            item = Func(store, ty, func, access_caller)
        elif isinstance(item, tuple) and item and item[0] == "wasi":
            item = item[1](store)
        return item

    def _resolve(self, store, module: Module) -> list:
        store = store_of(store)
        out = []
        for imp in module.imports:
            item = self._item(store, (imp.module, imp.name))
            if item is None:
                if self._unknown_as_traps and isinstance(imp.type, FuncType):
                    item = _trapping_func(store, imp)
                else:
                    raise LinkError(f"unknown import: `{imp.module}::{imp.name}` has not been defined")
            out.append(item)
        return out

    def instantiate(self, store, module: Module) -> Instance:
        return Instance(store, module, self._resolve(store, module))

    def get(self, store, module: str, name: str):
        item = self._item(store_of(store), (module, name))
        if item is None:
            raise WasmtimeError(f"no item named `{module}::{name}` in linker")
        return item

    def get_default(self, store, name: str):
        item = self._item(store_of(store), (name, ""))
        if item is None:
            item = self._item(store_of(store), (name, "_start"))
        if item is None:
            raise WasmtimeError(f"no default export for `{name}`")
        return item


def _trapping_func(store, imp):
    from ..runtime.trap import Trap

    def trap(*args):
        raise Trap(f"unknown import `{imp.module}::{imp.name}` was called")
    return Func(store, imp.type, trap)
