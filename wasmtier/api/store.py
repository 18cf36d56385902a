"""`Store` (wasmtime-py name).

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
