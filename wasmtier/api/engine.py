"""`Config` and `Engine` (wasmtime-py names).

`Config` is a set of settable properties, declared once in `_SETTINGS`
(name, type, default): wasmtier reads the ones it implements (`strategy`,
`consume_fuel`, `epoch_interruption`, `memory_guard_size`, and wasmtier's
own tiering settings `tier_up_baseline`, `tier_up_opt`, `osr`,
`background_compile`, `tier_log`) and keeps the
others, type-checked as wasmtime-py does, so programs written for
wasmtime-py run unchanged.
"""

from __future__ import annotations

from ..runtime.memory import NativeBlock, read_u64, write_u64
from ..tiers.manager import STRATEGIES
from ..wasm.errors import WasmtimeError

OPT_LEVELS = ("none", "speed", "speed_and_size")

# name -> (type, default)
_SETTINGS = {
    "consume_fuel": (bool, False),
    "epoch_interruption": (bool, False),
    "debug_info": (bool, False),
    "parallel_compilation": (bool, True),
    "memory_guard_size": (int, 4 << 30),
    "memory_reservation": (int, 4 << 30),
    "wasm_threads": (bool, False),
    "wasm_reference_types": (bool, True),
    "wasm_simd": (bool, False),
    "wasm_relaxed_simd": (bool, False),
    "wasm_bulk_memory": (bool, True),
    "wasm_multi_value": (bool, True),
    "wasm_multi_memory": (bool, True),
    "wasm_memory64": (bool, False),
    "wasm_tail_call": (bool, True),
    "wasm_gc": (bool, False),
    "wasm_function_references": (bool, False),
    "wasm_exceptions": (bool, False),
    "wasm_extended_const": (bool, True),
    "wasm_wide_arithmetic": (bool, False),
    "cranelift_debug_verifier": (bool, False),
    "cranelift_nan_canonicalization": (bool, False),
    # wasmtier's tiering (tiers/manager.py)
    "tier_up_baseline": (int, 150),
    "tier_up_opt": (int, 50_000),
    "osr": (bool, True),
    "background_compile": (bool, True),
    "tier_log": (str, ""),
}


def _setting(name: str, kind: type):
    def get(self):
        return self._values[name]

    def set(self, value):
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise TypeError(f"expected a {kind.__name__} for Config.{name}, "
                            f"found {type(value).__name__}")
        self._values[name] = value
    return property(get, set)


class Config:
    def __init__(self):
        self._values = {name: default for name, (_, default) in _SETTINGS.items()}
        self._strategy = "auto"
        self._opt_level = "speed"

    for _name, (_kind, _) in _SETTINGS.items():
        locals()[_name] = _setting(_name, _kind)
    del _name, _kind

    @property
    def strategy(self) -> str:
        return self._strategy

    @strategy.setter
    def strategy(self, value: str) -> None:
        if value not in STRATEGIES:
            raise WasmtimeError(f"unknown strategy: {value}")
        self._strategy = value

    @property
    def cranelift_opt_level(self) -> str:
        return self._opt_level

    @cranelift_opt_level.setter
    def cranelift_opt_level(self, value: str) -> None:
        if value not in OPT_LEVELS:
            raise WasmtimeError(f"unknown opt level: {value}")
        self._opt_level = value


class Engine:
    """Compilation settings shared by stores, and the epoch counter.

    The epoch lives in native memory so running code (which holds its
    address) sees `increment_epoch` from any thread at once."""

    def __init__(self, config: Config | None = None):
        if config is not None and not isinstance(config, Config):
            raise TypeError("expected a Config")
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
