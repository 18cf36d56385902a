"""Linear memory: a reservation that grows in place, and the native block
allocator that backs VMContexts, tables and segments.

Design
------
A 32-bit linear memory reserves its whole addressable range plus a guard
region up front (`MAP_NORESERVE`, `PROT_NONE`) and makes pages accessible
with `mprotect` as it grows, so its base address never changes and compiled
code may rely on the guard instead of bounds checks:

    base                           base+length      base+RESERVATION
    | read/write (wasm pages)      | PROT_NONE ..............|

`length` (bytes) lives in the memory's `VMMemoryDefinition`, inside the
owning VMContext; this object updates it on growth, so every tier sees the
new size at once.  With `guard=False` (Config.memory_guard_size = 0) the
reservation is only the maximum size, and tiers must check bounds (the
interpreter always does).

`NativeBlock` is zeroed, 16-byte aligned native memory owned by Python (a
numpy buffer): stable address for the owner's lifetime.
"""

from __future__ import annotations

import ctypes
import ctypes.util

import numpy as np

PAGE_SIZE = 65536
MAX_PAGES_32 = 65536
GUARD_SIZE = 4 << 30
RESERVATION_32 = (4 << 30) + GUARD_SIZE

_libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
_libc.mmap.restype = ctypes.c_void_p
_libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,
                       ctypes.c_int, ctypes.c_long]
_libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
_libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
_MAP_FAILED = ctypes.c_void_p(-1).value
# Linux x86-64 values (the mmap module lacks some of them on Python 3.11).
PROT_NONE, PROT_READ, PROT_WRITE = 0, 1, 2
MAP_PRIVATE, MAP_ANONYMOUS, MAP_NORESERVE = 0x02, 0x20, 0x4000


class NativeBlock:
    """Zeroed native memory with a stable, 16-byte aligned address."""

    __slots__ = ("_buf", "addr", "size")

    def __init__(self, size: int):
        size = max(16, (size + 15) & ~15)
        self._buf = np.zeros(size // 8 + 2, dtype=np.int64)
        base = self._buf.ctypes.data
        self.addr = (base + 15) & ~15
        self.size = size

    def view(self) -> np.ndarray:
        """The block as int64 words (shares memory)."""
        start = (self.addr - self._buf.ctypes.data) // 8
        return self._buf[start:start + self.size // 8]

    def bytes_view(self) -> np.ndarray:
        return self.view().view(np.uint8)


def _read_u64(addr: int) -> int:
    return ctypes.c_uint64.from_address(addr).value


def _write_u64(addr: int, value: int) -> None:
    ctypes.c_uint64.from_address(addr).value = value & 0xFFFFFFFFFFFFFFFF


class LinearMemory:
    """A linear memory whose `VMMemoryDefinition` lives at `definition`."""

    def __init__(self, min_pages: int, max_pages: int | None, definition: int,
                 guard: bool = True, limits=None):
        self.limits = limits  # runtime.store.StoreLimits or None
        self.max_pages = MAX_PAGES_32 if max_pages is None else max_pages
        self.definition = definition
        if guard:
            self.reserved = RESERVATION_32
        else:
            self.reserved = max(self.max_pages * PAGE_SIZE, PAGE_SIZE)
        addr = _libc.mmap(None, self.reserved, PROT_NONE,
                          MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
        if addr in (None, _MAP_FAILED):
            raise MemoryError(f"cannot reserve {self.reserved} bytes for a linear memory")
        self.base = addr
        self._pages = 0
        _write_u64(definition + 0, addr)
        _write_u64(definition + 8, 0)
        if self.grow(min_pages) < 0:
            raise MemoryError("cannot commit the initial pages of a linear memory")

    @property
    def pages(self) -> int:
        return self._pages

    @property
    def length(self) -> int:
        return self._pages * PAGE_SIZE

    def grow(self, delta: int) -> int:
        """Grow by `delta` pages; the old size in pages, or -1 on failure."""
        old = self._pages
        new = old + delta
        if delta < 0 or new > self.max_pages or new > MAX_PAGES_32:
            return -1
        if self.limits is not None and not self.limits.memory_allows(new * PAGE_SIZE):
            return -1
        if delta:
            if _libc.mprotect(self.base + old * PAGE_SIZE, delta * PAGE_SIZE,
                              PROT_READ | PROT_WRITE) != 0:
                return -1
        self._pages = new
        _write_u64(self.definition + 8, new * PAGE_SIZE)
        return old

    def view(self) -> memoryview:
        """The accessible bytes (valid until the next grow)."""
        if not self.length:
            return memoryview(b"")
        return memoryview((ctypes.c_ubyte * self.length).from_address(self.base)).cast("B")

    def read(self, start: int, stop: int) -> bytes:
        return ctypes.string_at(self.base + start, stop - start)

    def write(self, data: bytes, start: int) -> None:
        ctypes.memmove(self.base + start, data, len(data))

    def __del__(self):
        try:
            _libc.munmap(self.base, self.reserved)
        except Exception:
            pass


read_u64 = _read_u64
write_u64 = _write_u64
