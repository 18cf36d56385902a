"""`Store` (wasmtime-py name).

A `Store` owns a `runtime.StoreCore` (types, functions, externrefs) and a
`tiers.TierManager` (how functions run).  Every object created in a store
is valid only with that store.
"""

from __future__ import annotations

from ..runtime.store import StoreCore
from ..tiers.manager import TierManager
from ..wasm.errors import WasmtimeError
from .engine import Engine


class Store:
    def __init__(self, engine: Engine | None = None, data=None):
        if engine is not None and not isinstance(engine, Engine):
            raise TypeError("expected an Engine")
        self.engine = engine if engine is not None else Engine()
        config = self.engine.config
        self._core = StoreCore()
        self._tiers = TierManager(self._core, config.strategy,
                                  consume_fuel=bool(config.consume_fuel),
                                  epoch_interruption=bool(config.epoch_interruption),
                                  epoch_address=self.engine._epoch_address,
                                  tier_up_baseline=config.tier_up_baseline,
                                  osr=config.osr,
                                  background_compile=config.background_compile,
                                  tier_log=config.tier_log,
                                  guard_pages=config.memory_guard_size > 0)
        self._data = data
        self._wasi = None
        self._wasi_ctx = None  # (WasiConfig, its runtime context), built by api.wasi on first use
        self._limits = None
        self._core.tier_state = self._tiers

    def data(self):
        """The object given as `Store(engine, data)` (wasmtime-py: a method)."""
        return self._data

    def set_wasi(self, wasi) -> None:
        self._wasi = wasi
        self._wasi_ctx = None

    def gc(self) -> None:
        """Externref values live as long as the store (no collection yet)."""

    def _require_fuel(self) -> None:
        if not self.engine.config.consume_fuel:
            raise WasmtimeError("fuel is not configured in this store")

    def set_fuel(self, fuel: int) -> None:
        """Set the fuel left; each executed wasm operator costs one (Wasmtime's
        default costs: nop, drop, block, loop, else, end, return and
        unreachable are free).  Running out traps with `OUT_OF_FUEL`."""
        self._require_fuel()
        if fuel < 0:
            raise WasmtimeError("fuel must be non-negative")
        self._tiers.fuel = int(fuel)

    def get_fuel(self) -> int:
        self._require_fuel()
        return self._tiers.fuel

    def set_epoch_deadline(self, ticks_beyond_current: int) -> None:
        """Trap with `INTERRUPT` once the engine's epoch reaches
        current + ticks (checked at function entries and loop headers)."""
        self._tiers.epoch_deadline = self.engine.epoch + int(ticks_beyond_current)

    def set_limits(self, memory_size: int = -1, table_elements: int = -1,
                   instances: int = -1, tables: int = -1, memories: int = -1) -> None:
        """Limit each linear memory to `memory_size` bytes and each table to
        `table_elements` elements (growth beyond fails), and the numbers of
        instances, tables and memories per instantiation (-1: no limit)."""
        lim = self._core.limits
        lim.memory_size, lim.table_elements = memory_size, table_elements
        lim.instances, lim.tables, lim.memories = instances, tables, memories
