"""`Config` and `Engine` (wasmtime-py names).

`Config` is a bag of settable properties; wasmtier reads the ones it
implements (`strategy`, `memory_guard_size`, feature switches) and keeps the
rest so that programs written for wasmtime-py run unchanged.
"""

from __future__ import annotations

from ..runtime.memory import NativeBlock, read_u64, write_u64
from ..tiers.manager import STRATEGIES


class Config:
    def __init__(self):
        self._strategy = "auto"
        self.memory_guard_size = 4 << 30
        self.consume_fuel = False
        self.epoch_interruption = False
        self.debug_info = False
        self.cranelift_opt_level = "speed"
        self.wasm_multi_memory = True
        self.wasm_tail_call = True
        self.wasm_bulk_memory = True
        self.wasm_reference_types = True
        self.wasm_multi_value = True
        self.wasm_simd = False
        self.wasm_threads = False
        self.wasm_memory64 = False

    @property
    def strategy(self) -> str:
        return self._strategy

    @strategy.setter
    def strategy(self, value: str) -> None:
        if value not in STRATEGIES:
            raise ValueError(f"unknown strategy {value!r}; expected one of {', '.join(STRATEGIES)}")
        self._strategy = value


class Engine:
    """Compilation settings shared by stores, and the epoch counter.

    The epoch lives in native memory so running code (which holds its
    address) sees `increment_epoch` from any thread at once."""

    def __init__(self, config: Config | None = None):
        self.config = config if config is not None else Config()
        self._epoch_cell = NativeBlock(8)

    @property
    def _epoch_address(self) -> int:
        return self._epoch_cell.addr

    @property
    def epoch(self) -> int:
        return read_u64(self._epoch_cell.addr)

    def increment_epoch(self) -> None:
        write_u64(self._epoch_cell.addr, self.epoch + 1)
