"""`Instance` (wasmtime-py name): instantiate, run the start function, and
expose exports by name (`exports(store)["f"]`) or index (`.by_index`).

As in wasmtime-py, `Instance.exports(store)` is built once per instance: a
read-only `Mapping` from export name to extern wrapper (in export order),
whose `by_index` is a tuple of the same wrappers, so `exports["f"] is
exports.by_index[0]` holds.  Imports must be externs (`TypeError`
otherwise); link errors are `WasmtimeError`s (`LinkError`); a trap in the
start function raises `Trap`.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..runtime.instance import instantiate
from .externs import store_of, unwrap_extern, wrap_extern
from .module import Module
from .store import Store


class InstanceExports(Mapping):
    def __init__(self, store: Store, inst):
        self._store = store
        self._inst = inst
        items = [(e.name, wrap_extern(store, inst.extern(e.kind, e.index)))
                 for e in inst.module.exports]
        self._extern_seq = tuple(ext for _, ext in items)
        self._extern_map = dict(items)

    @property
    def by_index(self) -> tuple:
        return self._extern_seq

    def __getitem__(self, name: str):
        return self._extern_map[name]

    def __len__(self) -> int:
        return len(self._extern_seq)

    def __iter__(self):
        return iter(self._extern_map)


class Instance:
    def __init__(self, store, module: Module, imports):
        store = store_of(store)
        if not isinstance(module, Module):
            raise TypeError("expected a Module")
        self._store = store
        self._exports = None
        core_imports = [unwrap_extern(store, i) for i in imports]
        guard = store.engine.config.memory_guard_size > 0
        self._inst = instantiate(store._core, module._core, core_imports, guard)
        start = self._inst.start
        if start is not None:
            store._tiers.call(self._inst.funcs[start].sid, [])

    def exports(self, store) -> InstanceExports:
        if self._exports is None:
            self._exports = InstanceExports(store_of(store), self._inst)
        return self._exports
