"""Executable code memory (W^X) and per-module jump tables.

CodeMemory
----------
Invariant: no page is ever writable and executable at once, and a page that
became executable is never written again.  `install(code)` maps fresh pages
read+write, copies the code, then `mprotect`s them read+execute and returns the
address.  Because published code is immutable, nothing ever has to stop other
threads that may be running it; the price is page granularity, so
`install_many` packs a whole batch (a module's functions, a trampoline set)
into one mapping, each entry aligned to `CODE_ALIGN`.  The tail of the last page
is filled with int3.  `contains(pc)` answers "is this pc JIT code?" for the
trap signal handler.  `close()` unmaps everything: the owner (the Store /
Engine) calls it when no code can run any more; there is deliberately no
`__del__`, since unmapping code that a live jump table or frame still points at
would turn a leak into a crash.

Arena mode (`CodeMemory(arena=N)`): one N-byte PROT_NONE reservation, filled
bottom-up; each batch takes the next fresh pages, made read+write, written,
then read+execute.  Pages never executed before are the only ones ever made
writable, so the invariant holds, and the whole arena is one address range
(`arena_range`) for the trap handler's fixed-size table of JIT ranges.  A
batch that does not fit gets a mapping of its own (listed in `regions`).

JumpTable
---------
One 8-byte slot per function in a *data* mapping (read+write, never
executable), each holding the absolute address of the function's current
code.  Compiled code calls through a slot (`call qword ptr [table + 8*i]`, the
table base held in the VMContext or a register), so publishing a new tier is
one aligned 8-byte store, atomic on x86-64: a concurrent caller sees either the
old or the new address, both valid code.  V8 patches a `jmp rel32` inside code
instead (a 4-byte store); with W^X code that would need writable code pages,
so wasmtier keeps the indirection in data, at the cost of one load per call
that the branch target predictor hides.  Old code stays mapped (CodeMemory
never frees single functions), so frames still running it finish safely.

    table base --> +0   [ address of f0's current code ]
                   +8   [ address of f1's current code ]
                   ...  (8-byte aligned slots, page-aligned table)
"""

from __future__ import annotations

import ctypes
import mmap
import threading

__all__ = ["CodeMemory", "JumpTable", "CODE_ALIGN", "PAGE_SIZE"]

PAGE_SIZE = mmap.PAGESIZE
CODE_ALIGN = 16

_libc = ctypes.CDLL(None, use_errno=True)
_libc.mmap.restype = ctypes.c_void_p
_libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,
                       ctypes.c_int, ctypes.c_long]
_libc.mprotect.restype = ctypes.c_int
_libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
_libc.munmap.restype = ctypes.c_int
_libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]

PROT_NONE, PROT_READ, PROT_WRITE, PROT_EXEC = 0, 1, 2, 4
MAP_PRIVATE, MAP_ANONYMOUS, MAP_NORESERVE = 0x02, 0x20, 0x4000
_MAP_FAILED = ctypes.c_void_p(-1).value


def _map_rw(size: int) -> int:
    addr = _libc.mmap(None, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
    if addr in (None, _MAP_FAILED):
        err = ctypes.get_errno()
        raise MemoryError(f"mmap of {size} bytes failed: errno {err}")
    return addr


def _round_pages(n: int) -> int:
    return max(PAGE_SIZE, -(-n // PAGE_SIZE) * PAGE_SIZE)


class CodeMemory:
    """Owner of executable mappings; see the module docstring for the invariant."""

    def __init__(self, arena: int = 0):
        self._regions: list[tuple[int, int]] = []      # (start, size), unsorted
        self._lock = threading.Lock()
        self._arena = (0, 0)
        self._arena_used = 0
        if arena:
            size = _round_pages(arena)
            addr = _libc.mmap(None, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                              -1, 0)
            if addr in (None, _MAP_FAILED):
                raise MemoryError(f"reserving {size} bytes of code space failed")
            self._arena = (addr, size)

    @property
    def arena_range(self) -> tuple[int, int] | None:
        """(start, end) of the arena reservation, or None."""
        start, size = self._arena
        return (start, start + size) if size else None

    def _take_pages(self, size: int) -> tuple[int, bool]:
        """Fresh read+write pages: from the arena if they fit, else mapped."""
        with self._lock:
            start, cap = self._arena
            if self._arena_used + size <= cap:
                base = start + self._arena_used
                self._arena_used += size
                if _libc.mprotect(base, size, PROT_READ | PROT_WRITE) != 0:
                    err = ctypes.get_errno()
                    raise OSError(err, f"mprotect(RW) failed: errno {err}")
                return base, True
        return _map_rw(size), False

    def install(self, code: bytes) -> int:
        """Copy `code` into fresh read+execute pages; return its address."""
        return self.install_many([code])[0]

    def install_many(self, codes) -> list[int]:
        """Install several code blobs in one mapping; return their addresses."""
        offsets, end = [], 0
        for c in codes:
            end = -(-end // CODE_ALIGN) * CODE_ALIGN
            offsets.append(end)
            end += len(c)
        size = _round_pages(end)
        base, in_arena = self._take_pages(size)
        ctypes.memset(base, 0xCC, size)                  # int3 padding
        for off, c in zip(offsets, codes):
            ctypes.memmove(base + off, bytes(c), len(c))
        if _libc.mprotect(base, size, PROT_READ | PROT_EXEC) != 0:
            err = ctypes.get_errno()
            if not in_arena:
                _libc.munmap(base, size)
            raise OSError(err, f"mprotect(R+X) failed: errno {err}")
        if not in_arena:
            with self._lock:
                self._regions.append((base, size))
        return [base + off for off in offsets]

    def contains(self, addr: int) -> bool:
        start, size = self._arena
        return start <= addr < start + self._arena_used or any(
            s <= addr < s + n for s, n in self._regions)

    @property
    def regions(self) -> list[tuple[int, int]]:
        return list(self._regions)

    @property
    def size(self) -> int:
        return self._arena_used + sum(n for _, n in self._regions)

    def close(self) -> None:
        with self._lock:
            regions, self._regions = self._regions, []
            if self._arena[1]:
                regions.append(self._arena)
            self._arena, self._arena_used = (0, 0), 0
        for base, size in regions:
            _libc.munmap(base, size)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class JumpTable:
    """Patchable call slots, one per function (see the module docstring)."""

    def __init__(self, n: int, initial: int = 0):
        self.n = n
        self._size = _round_pages(8 * max(n, 1))
        self.base = _map_rw(self._size)
        self._slots = (ctypes.c_uint64 * max(n, 1)).from_address(self.base)
        for i in range(n):
            self._slots[i] = initial

    def slot_address(self, i: int) -> int:
        """Absolute address of slot i (what compiled code loads from)."""
        if not 0 <= i < self.n:
            raise IndexError(i)
        return self.base + 8 * i

    def set(self, i: int, target: int) -> None:
        """Publish: one aligned 8-byte store of the new code address.

        ctypes stores a c_uint64 with an 8-byte memcpy to an aligned address,
        which compiles to a single `mov`; compiled publishers (tier manager in
        native code) must likewise use one aligned 64-bit store.
        """
        if not 0 <= i < self.n:
            raise IndexError(i)
        self._slots[i] = target

    def get(self, i: int) -> int:
        if not 0 <= i < self.n:
            raise IndexError(i)
        return self._slots[i]

    __getitem__ = get
    __setitem__ = set

    def __len__(self) -> int:
        return self.n

    def close(self) -> None:
        if self.base:
            self._slots = None
            _libc.munmap(self.base, self._size)
            self.base = 0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
