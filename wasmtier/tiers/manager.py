"""The tier manager: how a store runs its functions.

For now every strategy executes on tier 0 (the interpreter); the manager is
the one place the embedding API calls to run code, so compiled tiers and
tier-up policy plug in here without the API or the runtime changing.
Strategies: "auto" (tiered), "interp", "baseline"/"winch", "opt"/"cranelift".
Until a compiled tier exists, requesting one runs on the interpreter and
`TierManager.tier_of` reports "interp" truthfully.
"""

from __future__ import annotations

from ..interp.machine import Interpreter
from ..runtime.store import StoreCore

STRATEGIES = ("auto", "interp", "baseline", "winch", "opt", "cranelift")


class TierManager:
    def __init__(self, core: StoreCore, strategy: str = "auto", consume_fuel: bool = False,
                 epoch_interruption: bool = False, epoch_address: int = 0):
        if strategy not in STRATEGIES:
            raise ValueError(f"unknown strategy {strategy!r}; expected one of {STRATEGIES}")
        self.core = core
        self.strategy = strategy
        self.interp = Interpreter(core, consume_fuel, epoch_interruption, epoch_address)

    # Fuel and epoch deadline are store-wide; every tier reads them from here.
    @property
    def fuel(self) -> int:
        return self.interp.fuel

    @fuel.setter
    def fuel(self, value: int) -> None:
        self.interp.fuel = value

    @property
    def epoch_deadline(self) -> int:
        return self.interp.epoch_deadline

    @epoch_deadline.setter
    def epoch_deadline(self, value: int) -> None:
        self.interp.epoch_deadline = value

    def call(self, sid: int, args: list[int]) -> list[int]:
        return self.interp.call(sid, args)

    def caller_instance(self):
        """The runtime instance whose code called the running host function."""
        stack = self.interp.caller_instances
        return stack[-1] if stack else None

    def tier_of(self, sid: int) -> str:
        return "interp"
