"""Libcalls: the runtime helpers compiled code calls for the memory, table and
segment operators it does not inline.

Design
------
Tier 1 (and tier 2) emit inline code for loads, stores, `memory.size` and
the like, but call out for operators that grow storage or move whole ranges:

    memory.grow  memory.fill  memory.copy  memory.init  data.drop
    table.get    table.set    table.size   table.grow   table.fill
    table.copy   table.init   elem.drop

`LIBCALLS` is the single table of them: the code generator numbers its calls
by position in it (`LIBCALL_INDEX[name]`) and the native callback
(`wasmtier_libcall(vmctx, id, args)`) dispatches on the same number, so
neither keeps a list of its own.  Each entry is `Libcall(name, fn, n_args,
has_result)`, `name` the wasm operator.

Calling convention (a plain Python call):

    fn(inst, imm..., operand...) -> int

    inst      the runtime `Instance` whose code executes the operator
    imm...    the operator's immediates, in the order of the wasm text
              format (memory.init: memory, data; table.init: table, elem;
              memory.copy / table.copy: destination, source).  Note that
              the binary format, and so `Instruction.imm` from the reader,
              has memory.init as (data, memory) and table.init as (elem,
              table): a caller passes imm[1], imm[0] for those two.
    operand.. the operand stack values, bottom first, each a raw 64-bit slot
              as an unsigned Python int (0 .. 2**64-1)
    n_args    = number of immediates + number of operands

    memory.grow  mem delta                  -> old pages | -1
    memory.fill  mem d val n
    memory.copy  dst_mem src_mem d s n
    memory.init  mem data d s n
    data.drop    data
    table.get    table i                    -> ref
    table.set    table i ref
    table.size   table                      -> elements
    table.grow   table init delta           -> old size | -1
    table.fill   table i ref n
    table.copy   dst_table src_table d s n
    table.init   table elem d s n
    elem.drop    elem

Invariants
----------
* Operands are read exactly as tier 0 reads them (`interp/ops.py`): an i32
  operand uses only its low 32 bits, unsigned (`zx32`); the upper half of its
  slot is arbitrary.  `memory.fill` stores the low byte of `val`.  A
  reference is raw -- a `VMFuncRef` address or an externref id, 0 for null --
  and is stored and returned unchanged.
* Results are Python ints in slot convention: i32 results sign-extended
  (`memory.grow`/`table.grow` failure is -1), references as stored.  An
  operator without a result returns 0.  The caller stores the low 64 bits.
* Traps raise `Trap.from_code(...)` with the interpreter's codes:
  MEMORY_OUT_OF_BOUNDS for memory.fill/copy/init, TABLE_OUT_OF_BOUNDS for
  table.get/set/fill/copy/init.  All bounds are checked before anything is
  written (spec order), so a trapping operator leaves memory and tables
  untouched.  A range ending exactly at the end is in bounds, also when
  n == 0 (so n == 0 with an offset one past the end traps).  A dropped
  segment has length 0: init with n == 0 (and offset 0) succeeds, n > 0 traps.
* Growth goes through `LinearMemory.grow` / `Table.grow`, the same methods
  the interpreter's STATUS_MEMORY_GROW / STATUS_TABLE_GROW path calls, so
  declared maxima and `Store.set_limits` apply identically.  Both rewrite the
  definition in the VMContext; compiled code must reload memory base/length
  and table base/length after any libcall (a table's element array moves
  when it grows).
* Segments are read from the VMContext exactly as tier 0 reads them:
  data segment {bytes ptr, length}, element segment {u64 items ptr, count};
  dropping stores length/count 0 (active and declarative segments are
  already dropped by instantiation).
* Bulk copies use `ctypes.memmove` (correct for overlapping ranges, in both
  directions), fills `ctypes.memset` or a numpy slice store.
"""

from __future__ import annotations

import ctypes
from typing import Callable, NamedTuple

from .memory import read_u64, write_u64
from .trap import Trap, TrapCode
from .vmoffsets import TABLEDEF_BASE

U32 = 0xFFFFFFFF
MASK64 = (1 << 64) - 1


def _memory_oob() -> Trap:
    return Trap.from_code(TrapCode.MEMORY_OUT_OF_BOUNDS)


def _table_oob() -> Trap:
    return Trap.from_code(TrapCode.TABLE_OUT_OF_BOUNDS)


def _table_base(table) -> int:
    """Address of element 0, as compiled code reads it (valid until a grow)."""
    return read_u64(table.definition + TABLEDEF_BASE)


def _data_segment(inst, data: int) -> tuple[int, int]:
    """{bytes ptr, length} of a data segment; length 0 once dropped."""
    addr = inst.vmctx + inst.offsets.data_segment(data)
    return read_u64(addr), read_u64(addr + 8)


def _two_ranges(d: int, s: int, n: int, dst_len: int, src_len: int, oob) -> tuple[int, int, int]:
    """The i32 operands of a copy/init (low 32 bits, unsigned); trap with
    `oob()` unless [d, d+n) and [s, s+n) both fit, before anything moves."""
    d, s, n = d & U32, s & U32, n & U32
    if d + n > dst_len or s + n > src_len:
        raise oob()
    return d, s, n


def _elem_segment(inst, elem: int) -> tuple[int, int]:
    """{u64 items ptr, count} of an element segment; count 0 once dropped."""
    addr = inst.vmctx + inst.offsets.elem_segment(elem)
    return read_u64(addr), read_u64(addr + 8)


# -- memories --------------------------------------------------------------------------


def memory_grow(inst, mem: int, delta: int) -> int:
    return inst.memories[mem].memory.grow(delta & U32)


def memory_fill(inst, mem: int, d: int, val: int, n: int) -> int:
    memory = inst.memories[mem].memory
    d &= U32
    n &= U32
    if d + n > memory.length:
        raise _memory_oob()
    ctypes.memset(memory.base + d, val & 0xFF, n)
    return 0


def memory_copy(inst, dst_mem: int, src_mem: int, d: int, s: int, n: int) -> int:
    dst = inst.memories[dst_mem].memory
    src = inst.memories[src_mem].memory
    d, s, n = _two_ranges(d, s, n, dst.length, src.length, _memory_oob)
    ctypes.memmove(dst.base + d, src.base + s, n)
    return 0


def memory_init(inst, mem: int, data: int, d: int, s: int, n: int) -> int:
    memory = inst.memories[mem].memory
    seg_ptr, seg_len = _data_segment(inst, data)
    d, s, n = _two_ranges(d, s, n, memory.length, seg_len, _memory_oob)
    ctypes.memmove(memory.base + d, seg_ptr + s, n)
    return 0


def data_drop(inst, data: int) -> int:
    write_u64(inst.vmctx + inst.offsets.data_segment(data) + 8, 0)
    return 0


# -- tables ----------------------------------------------------------------------------


def table_get(inst, table: int, i: int) -> int:
    tab = inst.tables[table].table
    i &= U32
    if i >= tab.length:
        raise _table_oob()
    return tab.get(i)


def table_set(inst, table: int, i: int, ref: int) -> int:
    tab = inst.tables[table].table
    i &= U32
    if i >= tab.length:
        raise _table_oob()
    tab.set(i, ref & MASK64)
    return 0


def table_size(inst, table: int) -> int:
    return inst.tables[table].table.length


def table_grow(inst, table: int, init: int, delta: int) -> int:
    return inst.tables[table].table.grow(delta & U32, init & MASK64)


def table_fill(inst, table: int, i: int, ref: int, n: int) -> int:
    tab = inst.tables[table].table
    i &= U32
    n &= U32
    if i + n > tab.length:
        raise _table_oob()
    if n:
        tab.elements[i:i + n] = ref & MASK64
    return 0


def table_copy(inst, dst_table: int, src_table: int, d: int, s: int, n: int) -> int:
    dst = inst.tables[dst_table].table
    src = inst.tables[src_table].table
    d, s, n = _two_ranges(d, s, n, dst.length, src.length, _table_oob)
    if n:
        ctypes.memmove(_table_base(dst) + 8 * d, _table_base(src) + 8 * s, 8 * n)
    return 0


def table_init(inst, table: int, elem: int, d: int, s: int, n: int) -> int:
    tab = inst.tables[table].table
    items, count = _elem_segment(inst, elem)
    d, s, n = _two_ranges(d, s, n, tab.length, count, _table_oob)
    if n:
        ctypes.memmove(_table_base(tab) + 8 * d, items + 8 * s, 8 * n)
    return 0


def elem_drop(inst, elem: int) -> int:
    write_u64(inst.vmctx + inst.offsets.elem_segment(elem) + 8, 0)
    return 0


# -- the table ---------------------------------------------------------------------------


class Libcall(NamedTuple):
    name: str  # the wasm operator
    fn: Callable[..., int]
    n_args: int  # immediates + operands
    has_result: bool


LIBCALLS: tuple[Libcall, ...] = (
    Libcall("memory.grow", memory_grow, 2, True),
    Libcall("memory.fill", memory_fill, 4, False),
    Libcall("memory.copy", memory_copy, 5, False),
    Libcall("memory.init", memory_init, 5, False),
    Libcall("data.drop", data_drop, 1, False),
    Libcall("table.get", table_get, 2, True),
    Libcall("table.set", table_set, 3, False),
    Libcall("table.size", table_size, 1, True),
    Libcall("table.grow", table_grow, 3, True),
    Libcall("table.fill", table_fill, 4, False),
    Libcall("table.copy", table_copy, 5, False),
    Libcall("table.init", table_init, 5, False),
    Libcall("elem.drop", elem_drop, 1, False),
)

LIBCALL_INDEX: dict[str, int] = {lc.name: i for i, lc in enumerate(LIBCALLS)}

__all__ = ["Libcall", "LIBCALLS", "LIBCALL_INDEX"]
