"""`Store` and `Caller` (wasmtime-py names).

A `Store` owns a `runtime.StoreCore` (types, functions, externrefs) and a
`tiers.TierManager` (how functions run).  Every object created in a store
is valid only with that store.
"""

from __future__ import annotations

from ..runtime.store import StoreCore
from ..tiers.manager import TierManager
from .engine import Engine


class Store:
    def __init__(self, engine: Engine | None = None, data=None):
        self.engine = engine if engine is not None else Engine()
        self._core = StoreCore()
        self._tiers = TierManager(self._core, self.engine.config.strategy)
        self._data = data
        self._fuel = None
        self._wasi = None
        self._core.tier_state = self._tiers

    @property
    def data(self):
        return self._data

    @data.setter
    def data(self, value) -> None:
        self._data = value

    def set_wasi(self, wasi) -> None:
        self._wasi = wasi

    def gc(self) -> None:
        """Externref values live as long as the store (no collection yet)."""

    def set_fuel(self, fuel: int) -> None:
        self._fuel = fuel

    def get_fuel(self) -> int:
        if self._fuel is None:
            from ..wasm.errors import WasmtimeError
            raise WasmtimeError("fuel is not configured in this store")
        return self._fuel

    def set_epoch_deadline(self, ticks_beyond_current: int) -> None:
        self._epoch_deadline = ticks_beyond_current

    def set_limits(self, memory_size: int = -1, table_elements: int = -1,
                   instances: int = -1, tables: int = -1, memories: int = -1) -> None:
        self._limits = dict(memory_size=memory_size, table_elements=table_elements,
                            instances=instances, tables=tables, memories=memories)


def store_of(obj) -> Store:
    """The Store behind a Store or a Caller argument."""
    if isinstance(obj, Store):
        return obj
    if isinstance(obj, Caller):
        return obj._store
    raise TypeError(f"expected a Store or Caller, found {type(obj).__name__}")


class Caller:
    """What a host function defined with `access_caller=True` receives first."""

    def __init__(self, store: Store, instance):
        self._store = store
        self._instance = instance  # runtime Instance of the calling function, or None

    def get(self, name: str):
        if self._instance is None:
            return None
        ext = self._instance.export(name)
        if ext is None:
            return None
        from .externs import wrap_extern
        return wrap_extern(self._store, ext)

    def __getitem__(self, name: str):
        ext = self.get(name)
        if ext is None:
            raise KeyError(name)
        return ext
