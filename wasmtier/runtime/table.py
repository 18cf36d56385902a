"""Tables: a growable native array of 64-bit references.

The table's `VMTableDefinition` {elements pointer, length} lives in the
owning VMContext (or, for a host-created table, in a store block).  Elements
are `VMFuncRef` addresses (funcref) or externref ids; 0 is null.  Growing
reallocates the element array and rewrites the definition, so tiers must
re-read the elements pointer after anything that can grow a table (a call,
or `table.grow` itself).
"""

from __future__ import annotations

import numpy as np

from ..wasm.types import TableType
from .memory import NativeBlock, write_u64
from .vmoffsets import TABLEDEF_BASE, TABLEDEF_LENGTH

# Growth beyond this many elements fails (table.grow returns -1), as in
# Wasmtime's default limits; it keeps a guest from exhausting host memory.
MAX_TABLE_ELEMENTS = 10_000_000


class Table:
    def __init__(self, type: TableType, definition: int, init: int = 0, limits=None):
        self.limits = limits  # runtime.store.StoreLimits or None
        self.type = type
        self.definition = definition
        self.max = type.limits.max if type.limits.max is not None else MAX_TABLE_ELEMENTS
        self.max = min(self.max, MAX_TABLE_ELEMENTS)
        self._length = 0
        self._block = NativeBlock(8)
        self._publish()
        if self.grow(type.limits.min, init) < 0:
            raise MemoryError("cannot allocate the initial elements of a table")

    def _publish(self) -> None:
        write_u64(self.definition + TABLEDEF_BASE, self._block.addr)
        write_u64(self.definition + TABLEDEF_LENGTH, self._length)

    @property
    def elements(self) -> np.ndarray:
        """The elements as uint64 (valid until the next grow)."""
        return self._block.view()[: self._length].view(np.uint64)

    @property
    def length(self) -> int:
        return self._length

    def grow(self, delta: int, init: int) -> int:
        old = self._length
        new = old + delta
        if delta < 0 or new > self.max:
            return -1
        if self.limits is not None and not self.limits.table_allows(new):
            return -1
        if delta:
            block = NativeBlock(8 * max(new, 1))
            words = block.view()
            words[:old] = self._block.view()[:old]
            words[old:new] = init - (1 << 64) if init >= 1 << 63 else init
            self._block = block
            self._length = new
            self._publish()
        return old

    def get(self, index: int) -> int:
        return int(self.elements[index])

    def set(self, index: int, value: int) -> None:
        self.elements[index] = value
