"""`Instance` (wasmtime-py name): instantiate, run the start function, and
expose exports by name (`exports(store)["f"]`) or index (`.by_index`)."""

from __future__ import annotations

from ..runtime.instance import instantiate
from .externs import store_of, unwrap_extern, wrap_extern
from .module import Module
from .store import Store


class InstanceExports:
    def __init__(self, store: Store, inst):
        self._store = store
        self._inst = inst
        self._names = [e.name for e in inst.module.exports]

    def __getitem__(self, name: str):
        ext = self._inst.export(name)
        if ext is None:
            raise KeyError(name)
        return wrap_extern(self._store, ext)

    def get(self, name: str, default=None):
        ext = self._inst.export(name)
        return default if ext is None else wrap_extern(self._store, ext)

    def __contains__(self, name: str) -> bool:
        return name in self._names

    def __iter__(self):
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def keys(self):
        return list(self._names)

    def items(self):
        return [(n, self[n]) for n in self._names]

    def values(self):
        return [self[n] for n in self._names]

    @property
    def by_index(self) -> list:
        return [wrap_extern(self._store, self._inst.extern(e.kind, e.index))
                for e in self._inst.module.exports]


class Instance:
    def __init__(self, store, module: Module, imports):
        store = store_of(store)
        self._store = store
        core_imports = [unwrap_extern(store, i) for i in imports]
        guard = store.engine.config.memory_guard_size > 0
        self._inst = instantiate(store._core, module._core, core_imports, guard)
        start = self._inst.start
        if start is not None:
            store._tiers.call(self._inst.funcs[start].sid, [])

    def exports(self, store) -> InstanceExports:
        return InstanceExports(store_of(store), self._inst)
