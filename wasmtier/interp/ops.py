"""The tier-0 bytecode: one table of operations that generates the
interpreter loop, the encoder's operand layouts and the disassembler.

Design
------
The bytecode is a *register* bytecode over 64-bit frame slots (wasm3 and
wasmi style).  An instruction is a run of int64 words in the store's code
buffer: the opcode, then one word per field.  Each field is named by one
letter, and the letter says what the word holds:

    d, e        destination: byte offset of a slot from the frame pointer
    a, b, c     source: byte offset of a slot; the handler sees its value
    x, y, z, w  immediate: a constant, a VMContext offset, a slot offset,
                a count, ...
    t           branch target: absolute pc (index into the code buffer)

`Bytecode(name, fields, body)` gives the handler body as Python source in
which each field letter is a local variable already loaded: `d` the
destination address, `a` the source value, `x` the immediate.  `TRAP(code)`
stops with a trap at this instruction.  Unless the op is marked `jumps`, the
generator advances `pc` past the instruction after the body.

The generator (`loop_source`) writes one `@njit(nogil=True, cache=True)`
function, `run(st, cb, fr)`, with an `if op == k` chain that LLVM turns into
a jump table.  The module is written to `_loop_generated.py` beside this
file only when its text changes, so numba's on-disk cache stays valid (it is
keyed by the file).

Frame layout (slots are 8 bytes; fp is an absolute address):

    fp + 0                       params (nparams slots), then declared locals
    fp + 8*nlocals               operand stack slot for height 0, 1, ...
    fp + 8*(frame_slots - 1)     last operand stack slot

A call's arguments already sit in the caller's top operand slots: the callee
frame starts there (`fp' = fp + argoff`), so arguments are never copied, and
results come back in the same slots.  The call stack is a separate int64
area of 4-word records {return pc, caller fp, caller sid, caller vmctx}.

State vector `st` (int64), shared with the Python driver (`interp.machine`):
see the `S_*` constants.  Every exit to Python saves pc/fp/csp/sid/vmctx
there and returns a `STATUS_*`; the driver acts and calls `run` again, so no
numba frame is ever suspended (host calls, lazy translation and
`memory.grow` all go through Python this way).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass

from ..runtime.store import (FUNC_FRAME_SLOTS, FUNC_INTERP_PC, FUNC_KIND,
                             FUNC_NLOCALS, FUNC_NPARAMS, FUNC_VMCTX,
                             KIND_WASM, RECORD_WORDS)
from ..runtime.trap import TrapCode
from ..runtime.vmoffsets import (FUNCREF_STORE_FUNC, FUNCREF_TYPE_ID,
                                 MEMDEF_BASE, MEMDEF_LENGTH, TABLEDEF_BASE,
                                 TABLEDEF_LENGTH)

# State vector fields.
S_PC, S_FP, S_CSP, S_SID, S_VM = 0, 1, 2, 3, 4
S_REGS_END, S_CS_END, S_CS_BASE = 5, 6, 7
S_TRAP, S_ARG0, S_ARG1, S_ARG2, S_ARG3 = 8, 9, 10, 11, 12
S_FUEL, S_EPOCH_PTR, S_EPOCH_DEADLINE = 13, 14, 15
STATE_WORDS = 16

# Reasons `run` returns.
STATUS_DONE = 0
STATUS_TRAP = 1
STATUS_HOST_CALL = 2  # ARG0 = callee sid, ARG1 = address of its arguments
STATUS_TRANSLATE = 3  # ARG0 = sid to translate; pc is the call to retry
STATUS_MEMORY_GROW = 4  # ARG0 = memory index, ARG1 = delta, ARG2 = result address
STATUS_TABLE_GROW = 5  # ARG0 = table index, ARG1 = delta, ARG2 = init, ARG3 = result address
STATUS_TIER_UP = 6  # ARG0 = sid whose counter crossed zero at its entry
STATUS_OSR = 7  # ARG0 = sid, ARG1 = wasm offset of the loop whose header crossed zero

FRAME_RECORD_WORDS = 4


@dataclass(frozen=True)
class Bytecode:
    name: str
    fields: str  # one letter per operand word, see the module docstring
    body: str
    jumps: bool = False  # the body sets pc itself

    @property
    def size(self) -> int:
        return 1 + len(self.fields)


OPS: list[Bytecode] = []


def op(name, fields, body, jumps=False):
    OPS.append(Bytecode(name, fields, body.strip("\n"), jumps))


# -- control ---------------------------------------------------------------------

op("unreachable", "", f"TRAP({TrapCode.UNREACHABLE.value})")
op("const", "dx", "store_i64(d, x)")
op("mov", "da", "store_i64(d, a)")
op("select", "dabc", "store_i64(d, a if c != 0 else b)")
op("br", "t", "pc = t", jumps=True)
op("br_if", "at", "pc = t if a != 0 else pc + 3", jumps=True)
op("br_unless", "at", "pc = t if a == 0 else pc + 3", jumps=True)
op("br_table", "ax", """
i = zx32(a)
if i > x:
    i = x
pc = load_i64(cp + 24 + 8 * i)
""", jumps=True)  # followed by x+1 target words, the last one the default

# Calls.  `CALLEE` resolves `fref` (a VMFuncRef address) to a record; the
# shared tail enters a wasm callee or exits for a host callee / translation.
_ENTER = f"""
callee = load_i64(fref + {FUNCREF_STORE_FUNC})
rec = fr + callee * {8 * RECORD_WORDS}
cpc = load_i64(rec + {8 * FUNC_INTERP_PC})
if cpc < 0:
    if load_i64(rec + {8 * FUNC_KIND}) != {KIND_WASM}:
        st[{S_ARG0}] = callee
        st[{S_ARG1}] = nfp
        pc = pc + NEXT
        status = {STATUS_HOST_CALL}
        break
    st[{S_ARG0}] = callee
    status = {STATUS_TRANSLATE}
    break
if nfp + 8 * load_i64(rec + {8 * FUNC_FRAME_SLOTS}) > regs_end:
    TRAP({TrapCode.STACK_OVERFLOW.value})
PUSH
nl = load_i64(rec + {8 * FUNC_NLOCALS})
k = load_i64(rec + {8 * FUNC_NPARAMS})
while k < nl:
    store_i64(nfp + 8 * k, 0)
    k += 1
sid = callee
vm = load_i64(rec + {8 * FUNC_VMCTX})
fp = nfp
pc = cpc
"""

_PUSH = f"""if csp >= cs_end:
    TRAP({TrapCode.STACK_OVERFLOW.value})
store_i64(csp, pc + NEXT)
store_i64(csp + 8, fp)
store_i64(csp + 16, sid)
store_i64(csp + 24, vm)
csp += {8 * FRAME_RECORD_WORDS}"""

_INDIRECT = f"""
tdef = load_i64(vm + y)
i = zx32(a)
if i >= load_i64(tdef + {TABLEDEF_LENGTH}):
    TRAP({TrapCode.UNDEFINED_ELEMENT.value})
fref = load_i64(load_i64(tdef + {TABLEDEF_BASE}) + 8 * i)
if fref == 0:
    st[{S_ARG0}] = i
    TRAP({TrapCode.INDIRECT_CALL_TO_NULL.value})
if load_i64(fref + {FUNCREF_TYPE_ID}) != load_i64(vm + z):
    TRAP({TrapCode.BAD_SIGNATURE.value})
"""


def _call(name, fields, resolve, nfp, push, size):
    enter = _ENTER.replace("PUSH", _PUSH if push else "").replace("NEXT", str(size))
    op(name, fields, resolve + f"\nnfp = {nfp}\n" + enter, jumps=True)


# call: x = VMContext offset of the callee's func_ref pointer, w = argument slot offset
_call("call", "xw", "fref = load_i64(vm + x)", "fp + w", True, 3)
# call_indirect: a = table index value, y = table pointer offset, z = type id offset
_call("call_indirect", "ayzw", _INDIRECT, "fp + w", True, 5)
# Tail calls: arguments were moved to slots 0.. by the translator; a host
# callee returns through the `return` that the translator emits after these.
_call("return_call", "x", "fref = load_i64(vm + x)", "fp", False, 2)
_call("return_call_indirect", "ayz", _INDIRECT, "fp", False, 4)

op("return", "", f"""
if csp == cs_base:
    status = {STATUS_DONE}
    break
csp -= {8 * FRAME_RECORD_WORDS}
pc = load_i64(csp)
fp = load_i64(csp + 8)
sid = load_i64(csp + 16)
vm = load_i64(csp + 24)
""", jumps=True)

# Fuel and epochs (emitted only when Config.consume_fuel / epoch_interruption
# is on).  `fuel x` charges the x operators of the region it starts, before
# they run; without enough fuel it traps and charges nothing.
op("fuel", "x", f"""
if fuel < x:
    TRAP({TrapCode.OUT_OF_FUEL.value})
fuel -= x
""")
# Tier-up counters (emitted only when a compiled tier may take over): the
# function's counter in the VMContext counts up towards 0 from -threshold,
# +15 per call and +1 per loop iteration (JavaScriptCore's weights).  Crossing
# 0 exits to the tier manager, which compiles, publishes, may replace this
# frame by OSR (`tier_loop`), and resets the counter.  x = counter offset,
# y = the loop's wasm offset.
op("tier_entry", "x", f"""
c = load_i64(vm + x) + 15
store_i64(vm + x, c)
pc = pc + 2
if c >= 0:
    st[{S_ARG0}] = sid
    status = {STATUS_TIER_UP}
    break
""", jumps=True)
op("tier_loop", "xy", f"""
c = load_i64(vm + x) + 1
store_i64(vm + x, c)
pc = pc + 3
if c >= 0:
    st[{S_ARG0}] = sid
    st[{S_ARG1}] = y
    status = {STATUS_OSR}
    break
""", jumps=True)
op("epoch_check", "", f"""
if load_i64(epoch_ptr) >= epoch_deadline:
    TRAP({TrapCode.INTERRUPT.value})
""")

# -- variables ----------------------------------------------------------------------

op("global_get", "dx", "store_i64(d, load_i64(vm + x))")
op("global_set", "ax", "store_i64(vm + x, a)")
op("global_get_imported", "dx", "store_i64(d, load_i64(load_i64(vm + x)))")
op("global_set_imported", "ax", "store_i64(load_i64(vm + x), a)")

# -- memory ----------------------------------------------------------------------------
# x = memarg offset, y = VMContext offset of the memory's definition pointer.

_OOB = f"TRAP({TrapCode.MEMORY_OUT_OF_BOUNDS.value})"

for _name, _width, _load in [
    ("i32.load", 4, "load_s32"), ("i64.load", 8, "load_i64"),
    ("f32.load", 4, "load_u32"), ("f64.load", 8, "load_i64"),
    ("i32.load8_s", 1, "load_s8"), ("i32.load8_u", 1, "load_u8"),
    ("i32.load16_s", 2, "load_s16"), ("i32.load16_u", 2, "load_u16"),
    ("i64.load8_s", 1, "load_s8"), ("i64.load8_u", 1, "load_u8"),
    ("i64.load16_s", 2, "load_s16"), ("i64.load16_u", 2, "load_u16"),
    ("i64.load32_s", 4, "load_s32"), ("i64.load32_u", 4, "load_u32"),
]:
    op(_name, "daxy", f"""
md = load_i64(vm + y)
ea = zx32(a) + x
if ea + {_width} > load_i64(md + {MEMDEF_LENGTH}):
    {_OOB}
store_i64(d, {_load}(load_i64(md + {MEMDEF_BASE}) + ea))
""")

for _name, _width, _store in [
    ("i32.store", 4, "store_i32"), ("i64.store", 8, "store_i64"),
    ("f32.store", 4, "store_i32"), ("f64.store", 8, "store_i64"),
    ("i32.store8", 1, "store_i8"), ("i32.store16", 2, "store_i16"),
    ("i64.store8", 1, "store_i8"), ("i64.store16", 2, "store_i16"),
    ("i64.store32", 4, "store_i32"),
]:
    op(_name, "abxy", f"""
md = load_i64(vm + y)
ea = zx32(a) + x
if ea + {_width} > load_i64(md + {MEMDEF_LENGTH}):
    {_OOB}
{_store}(load_i64(md + {MEMDEF_BASE}) + ea, b)
""")

op("memory.size", "dy", "store_i64(d, load_i64(load_i64(vm + y) + 8) >> 16)")
op("memory.grow", "dax", f"""
st[{S_ARG0}] = x
st[{S_ARG1}] = zx32(a)
st[{S_ARG2}] = d
pc += 4
status = {STATUS_MEMORY_GROW}
break
""", jumps=True)
# memory.fill: a = dest, b = byte, c = count
op("memory.fill", "abcy", f"""
md = load_i64(vm + y)
dst = zx32(a)
n = zx32(c)
if dst + n > load_i64(md + {MEMDEF_LENGTH}):
    {_OOB}
memset(load_i64(md + {MEMDEF_BASE}) + dst, b, n)
""")
# memory.copy: a = dest, b = source, c = count; y = dest memory, z = source memory
op("memory.copy", "abcyz", f"""
mdd = load_i64(vm + y)
mds = load_i64(vm + z)
dst = zx32(a)
src = zx32(b)
n = zx32(c)
if dst + n > load_i64(mdd + {MEMDEF_LENGTH}) or src + n > load_i64(mds + {MEMDEF_LENGTH}):
    {_OOB}
memmove(load_i64(mdd + {MEMDEF_BASE}) + dst, load_i64(mds + {MEMDEF_BASE}) + src, n)
""")
# memory.init: a = dest, b = segment offset, c = count; y = memory, x = data segment offset in vmctx
op("memory.init", "abcyx", f"""
md = load_i64(vm + y)
dst = zx32(a)
src = zx32(b)
n = zx32(c)
if dst + n > load_i64(md + {MEMDEF_LENGTH}) or src + n > load_i64(vm + x + 8):
    {_OOB}
memmove(load_i64(md + {MEMDEF_BASE}) + dst, load_i64(vm + x) + src, n)
""")
op("data.drop", "x", "store_i64(vm + x + 8, 0)")

# -- tables ----------------------------------------------------------------------------
# y = VMContext offset of the table's definition pointer.

_TOOB = f"TRAP({TrapCode.TABLE_OUT_OF_BOUNDS.value})"

op("table.get", "day", f"""
tdef = load_i64(vm + y)
i = zx32(a)
if i >= load_i64(tdef + {TABLEDEF_LENGTH}):
    {_TOOB}
store_i64(d, load_i64(load_i64(tdef + {TABLEDEF_BASE}) + 8 * i))
""")
op("table.set", "aby", f"""
tdef = load_i64(vm + y)
i = zx32(a)
if i >= load_i64(tdef + {TABLEDEF_LENGTH}):
    {_TOOB}
store_i64(load_i64(tdef + {TABLEDEF_BASE}) + 8 * i, b)
""")
op("table.size", "dy", f"store_i64(d, load_i64(load_i64(vm + y) + {TABLEDEF_LENGTH}))")
# table.grow: a = init value, b = delta, x = table index
op("table.grow", "dabx", f"""
st[{S_ARG0}] = x
st[{S_ARG1}] = zx32(b)
st[{S_ARG2}] = a
st[{S_ARG3}] = d
pc += 5
status = {STATUS_TABLE_GROW}
break
""", jumps=True)
# table.fill: a = start, b = value, c = count
op("table.fill", "abcy", f"""
tdef = load_i64(vm + y)
i = zx32(a)
n = zx32(c)
if i + n > load_i64(tdef + {TABLEDEF_LENGTH}):
    {_TOOB}
base = load_i64(tdef + {TABLEDEF_BASE})
k = 0
while k < n:
    store_i64(base + 8 * (i + k), b)
    k += 1
""")
op("table.copy", "abcyz", f"""
tdd = load_i64(vm + y)
tds = load_i64(vm + z)
dst = zx32(a)
src = zx32(b)
n = zx32(c)
if dst + n > load_i64(tdd + {TABLEDEF_LENGTH}) or src + n > load_i64(tds + {TABLEDEF_LENGTH}):
    {_TOOB}
memmove(load_i64(tdd + {TABLEDEF_BASE}) + 8 * dst, load_i64(tds + {TABLEDEF_BASE}) + 8 * src, 8 * n)
""")
# table.init: x = element segment offset in vmctx
op("table.init", "abcyx", f"""
tdef = load_i64(vm + y)
dst = zx32(a)
src = zx32(b)
n = zx32(c)
if dst + n > load_i64(tdef + {TABLEDEF_LENGTH}) or src + n > load_i64(vm + x + 8):
    {_TOOB}
memmove(load_i64(tdef + {TABLEDEF_BASE}) + 8 * dst, load_i64(vm + x) + 8 * src, 8 * n)
""")
op("elem.drop", "x", "store_i64(vm + x + 8, 0)")
op("ref.func", "dx", "store_i64(d, load_i64(vm + x))")
op("ref.is_null", "da", "store_i64(d, 1 if a == 0 else 0)")

# -- numeric -----------------------------------------------------------------------------
# Each entry: wasm name -> expression over `a` (and `b`) giving the slot value.

_I32_SIGN = -0x80000000
_I64_MIN = -0x8000000000000000

UNARY = {
    "i32.eqz": "1 if a == 0 else 0",
    "i64.eqz": "1 if a == 0 else 0",
    "i32.clz": "clz32(a)", "i32.ctz": "ctz32(a)", "i32.popcnt": "popcnt32(a)",
    "i64.clz": "clz64(a)", "i64.ctz": "ctz64(a)", "i64.popcnt": "popcnt64(a)",
    "f32.abs": "a & 0x7FFFFFFF",
    "f32.neg": "(a ^ 0x80000000) & 0xFFFFFFFF",
    "f32.ceil": "bits_f32(ceil_f32(f32_of(a)))",
    "f32.floor": "bits_f32(floor_f32(f32_of(a)))",
    "f32.trunc": "bits_f32(trunc_f32(f32_of(a)))",
    "f32.nearest": "bits_f32(nearest_f32(f32_of(a)))",
    "f32.sqrt": "bits_f32(sqrt_f32(f32_of(a)))",
    "f64.abs": "a & 0x7FFFFFFFFFFFFFFF",
    "f64.neg": f"a ^ {_I64_MIN}",
    "f64.ceil": "bits_f64(ceil_f64(f64_of(a)))",
    "f64.floor": "bits_f64(floor_f64(f64_of(a)))",
    "f64.trunc": "bits_f64(trunc_f64(f64_of(a)))",
    "f64.nearest": "bits_f64(nearest_f64(f64_of(a)))",
    "f64.sqrt": "bits_f64(sqrt_f64(f64_of(a)))",
    "i32.wrap_i64": "sx32(a)",
    "i64.extend_i32_s": "sx32(a)",
    "i64.extend_i32_u": "zx32(a)",
    "f32.convert_i32_s": "bits_f32(f32_from_s32(a))",
    "f32.convert_i32_u": "bits_f32(f32_from_u32(a))",
    "f32.convert_i64_s": "bits_f32(f32_from_s64(a))",
    "f32.convert_i64_u": "bits_f32(f32_from_u64(a))",
    "f64.convert_i32_s": "bits_f64(f64_from_s32(a))",
    "f64.convert_i32_u": "bits_f64(f64_from_u32(a))",
    "f64.convert_i64_s": "bits_f64(f64_from_s64(a))",
    "f64.convert_i64_u": "bits_f64(f64_from_u64(a))",
    "f32.demote_f64": "bits_f32(demote(f64_of(a)))",
    "f64.promote_f32": "bits_f64(promote(f32_of(a)))",
    "i32.reinterpret_f32": "sx32(a)",
    "i64.reinterpret_f64": "a",
    "f32.reinterpret_i32": "zx32(a)",
    "f64.reinterpret_i64": "a",
    "i32.extend8_s": "((a & 0xFF) ^ 0x80) - 0x80",
    "i32.extend16_s": "((a & 0xFFFF) ^ 0x8000) - 0x8000",
    "i64.extend8_s": "((a & 0xFF) ^ 0x80) - 0x80",
    "i64.extend16_s": "((a & 0xFFFF) ^ 0x8000) - 0x8000",
    "i64.extend32_s": "sx32(a)",
}

BINARY = {
    "i32.add": "sx32(a + b)", "i32.sub": "sx32(a - b)", "i32.mul": "sx32(a * b)",
    "i32.and": "a & b", "i32.or": "a | b", "i32.xor": "a ^ b",
    "i32.shl": "shl32(a, b & 31)", "i32.shr_s": "shr_s32(a, b & 31)",
    "i32.shr_u": "shr_u32(a, b & 31)",
    "i32.rotl": "rotl32(a, a, b)", "i32.rotr": "rotr32(a, a, b)",
    "i64.add": "a + b", "i64.sub": "a - b", "i64.mul": "a * b",
    "i64.and": "a & b", "i64.or": "a | b", "i64.xor": "a ^ b",
    "i64.shl": "shl64(a, b & 63)", "i64.shr_s": "shr_s64(a, b & 63)",
    "i64.shr_u": "shr_u64(a, b & 63)",
    "i64.rotl": "rotl64(a, a, b)", "i64.rotr": "rotr64(a, a, b)",
    "f32.add": "bits_f32(f32_of(a) + f32_of(b))",
    "f32.sub": "bits_f32(f32_of(a) - f32_of(b))",
    "f32.mul": "bits_f32(f32_of(a) * f32_of(b))",
    "f32.div": "bits_f32(f32_of(a) / f32_of(b))",
    "f32.min": "fmin32(a, b)", "f32.max": "fmax32(a, b)",
    "f32.copysign": "(a & 0x7FFFFFFF) | (b & 0x80000000)",
    "f64.add": "bits_f64(f64_of(a) + f64_of(b))",
    "f64.sub": "bits_f64(f64_of(a) - f64_of(b))",
    "f64.mul": "bits_f64(f64_of(a) * f64_of(b))",
    "f64.div": "bits_f64(f64_of(a) / f64_of(b))",
    "f64.min": "fmin64(a, b)", "f64.max": "fmax64(a, b)",
    "f64.copysign": f"(a & 0x7FFFFFFFFFFFFFFF) | (b & {_I64_MIN})",
    "f32.eq": "1 if f32_of(a) == f32_of(b) else 0",
    "f32.ne": "1 if f32_of(a) != f32_of(b) else 0",
    "f32.lt": "1 if f32_of(a) < f32_of(b) else 0",
    "f32.gt": "1 if f32_of(a) > f32_of(b) else 0",
    "f32.le": "1 if f32_of(a) <= f32_of(b) else 0",
    "f32.ge": "1 if f32_of(a) >= f32_of(b) else 0",
    "f64.eq": "1 if f64_of(a) == f64_of(b) else 0",
    "f64.ne": "1 if f64_of(a) != f64_of(b) else 0",
    "f64.lt": "1 if f64_of(a) < f64_of(b) else 0",
    "f64.gt": "1 if f64_of(a) > f64_of(b) else 0",
    "f64.le": "1 if f64_of(a) <= f64_of(b) else 0",
    "f64.ge": "1 if f64_of(a) >= f64_of(b) else 0",
}

# Integer comparisons, as conditions over a and b; i32 values are
# sign-extended in slots, so signed i32 and i64 compare alike.
COMPARE = {
    "eq": ("a == b", "a == b"),
    "ne": ("a != b", "a != b"),
    "lt_s": ("a < b", "a < b"),
    "gt_s": ("a > b", "a > b"),
    "le_s": ("a <= b", "a <= b"),
    "ge_s": ("a >= b", "a >= b"),
    "lt_u": ("zx32(a) < zx32(b)", "ult64(a, b)"),
    "gt_u": ("zx32(a) > zx32(b)", "ult64(b, a)"),
    "le_u": ("zx32(a) <= zx32(b)", "not ult64(b, a)"),
    "ge_u": ("zx32(a) >= zx32(b)", "not ult64(a, b)"),
}
for _cmp, (_c32, _c64) in COMPARE.items():
    BINARY[f"i32.{_cmp}"] = f"1 if {_c32} else 0"
    BINARY[f"i64.{_cmp}"] = f"1 if {_c64} else 0"

# Operators with an immediate right operand variant ("<name>/i"): x replaces b.
IMMEDIATE_FORMS = [f"{t}.{o}" for t in ("i32", "i64") for o in
                   ("add", "sub", "mul", "and", "or", "xor", "shl", "shr_s", "shr_u")]
IMMEDIATE_FORMS += [f"{t}.{c}" for t in ("i32", "i64") for c in COMPARE]

# Integer division: a zero divisor traps; signed division of the minimum by
# -1 overflows (trap), while the matching remainder is 0 (no trap).
_DIV = {}
for _t, _min in (("i32", _I32_SIGN), ("i64", _I64_MIN)):
    _w = _t[1:]
    for _op, _prim in (("div_s", "sdiv"), ("div_u", "udiv"), ("rem_s", "srem"), ("rem_u", "urem")):
        _body = f"if b == 0:\n    TRAP({TrapCode.INTEGER_DIVISION_BY_ZERO.value})\n"
        if _op == "div_s":
            _body += (f"if a == {_min} and b == -1:\n"
                      f"    TRAP({TrapCode.INTEGER_OVERFLOW.value})\n")
        if _op == "rem_s":
            _body += f"store_i64(d, 0 if b == -1 else {_prim}{_w}(a, b))"
        else:
            _body += f"store_i64(d, {_prim}{_w}(a, b))"
        _DIV[f"{_t}.{_op}"] = _body

# Float -> integer truncation: (source reader, lower bound exclusive, upper
# bound exclusive (as f64, exact), converter, result wrapper).
_TRUNC = {
    "i32.trunc_f32_s": ("promote(f32_of(a))", "-2147483649.0", "2147483648.0", "f64_to_s64", "sx32"),
    "i32.trunc_f32_u": ("promote(f32_of(a))", "-1.0", "4294967296.0", "f64_to_s64", "sx32"),
    "i32.trunc_f64_s": ("f64_of(a)", "-2147483649.0", "2147483648.0", "f64_to_s64", "sx32"),
    "i32.trunc_f64_u": ("f64_of(a)", "-1.0", "4294967296.0", "f64_to_s64", "sx32"),
    "i64.trunc_f32_s": ("promote(f32_of(a))", "-9223372036854777856.0", "9223372036854775808.0", "f64_to_s64", ""),
    "i64.trunc_f32_u": ("promote(f32_of(a))", "-1.0", "18446744073709551616.0", "f64_to_u64", ""),
    "i64.trunc_f64_s": ("f64_of(a)", "-9223372036854777856.0", "9223372036854775808.0", "f64_to_s64", ""),
    "i64.trunc_f64_u": ("f64_of(a)", "-1.0", "18446744073709551616.0", "f64_to_u64", ""),
}
# Saturation bounds (the results for below / above range).
_SAT = {
    "i32.trunc_sat_f32_s": ("i32.trunc_f32_s", _I32_SIGN, 0x7FFFFFFF),
    "i32.trunc_sat_f32_u": ("i32.trunc_f32_u", 0, -1),
    "i32.trunc_sat_f64_s": ("i32.trunc_f64_s", _I32_SIGN, 0x7FFFFFFF),
    "i32.trunc_sat_f64_u": ("i32.trunc_f64_u", 0, -1),
    "i64.trunc_sat_f32_s": ("i64.trunc_f32_s", _I64_MIN, 0x7FFFFFFFFFFFFFFF),
    "i64.trunc_sat_f32_u": ("i64.trunc_f32_u", 0, -1),
    "i64.trunc_sat_f64_s": ("i64.trunc_f64_s", _I64_MIN, 0x7FFFFFFFFFFFFFFF),
    "i64.trunc_sat_f64_u": ("i64.trunc_f64_u", 0, -1),
}

for _name, _expr in UNARY.items():
    op(_name, "da", f"store_i64(d, {_expr})")
for _name, _expr in BINARY.items():
    op(_name, "dab", f"store_i64(d, {_expr})")
for _name in IMMEDIATE_FORMS:
    op(_name + "/i", "dax", f"b = x\nstore_i64(d, {BINARY[_name]})")
for _name, _body in _DIV.items():
    op(_name, "dab", _body)
for _name, (_read, _lo, _hi, _conv, _wrap) in _TRUNC.items():
    op(_name, "da", f"""
v = {_read}
if v != v:
    TRAP({TrapCode.BAD_CONVERSION_TO_INTEGER.value})
if not (v > {_lo} and v < {_hi}):
    TRAP({TrapCode.INTEGER_OVERFLOW.value})
store_i64(d, {_wrap}({_conv}(v)))""")
for _name, (_trapping, _below, _above) in _SAT.items():
    _read, _lo, _hi, _conv, _wrap = _TRUNC[_trapping]
    op(_name, "da", f"""
v = {_read}
if v != v:
    r = 0
elif not v > {_lo}:
    r = {_below}
elif not v < {_hi}:
    r = {_above}
else:
    r = {_wrap}({_conv}(v))
store_i64(d, r)""")

# Fused compare-and-branch: "br_if <cmp>" jumps when the comparison holds,
# "br_unless <cmp>" when it does not; "/i" forms compare with an immediate.
for _t in ("i32", "i64"):
    for _cmp, _conds in COMPARE.items():
        _cond = _conds[0] if _t == "i32" else _conds[1]
        op(f"br_if {_t}.{_cmp}", "abt", f"pc = t if {_cond} else pc + 4", jumps=True)
        op(f"br_unless {_t}.{_cmp}", "abt", f"pc = pc + 4 if {_cond} else t", jumps=True)
        op(f"br_if {_t}.{_cmp}/i", "axt", f"b = x\npc = t if {_cond} else pc + 4", jumps=True)
        op(f"br_unless {_t}.{_cmp}/i", "axt", f"b = x\npc = pc + 4 if {_cond} else t", jumps=True)

OPCODES: dict[str, int] = {bc.name: i for i, bc in enumerate(OPS)}
BY_NAME: dict[str, Bytecode] = {bc.name: bc for bc in OPS}
assert len(OPCODES) == len(OPS), "duplicate bytecode names"


# -- the generator ---------------------------------------------------------------------------

_FIELD_KINDS = {"d": "dst", "e": "dst", "a": "src", "b": "src", "c": "src",
                "x": "imm", "y": "imm", "z": "imm", "w": "imm", "t": "imm"}


def _handler(index: int, bc: Bytecode) -> list[str]:
    lines = [f"elif op == {index}:  # {bc.name}"]
    for k, letter in enumerate(bc.fields, start=1):
        kind = _FIELD_KINDS[letter]
        word = f"load_i64(cp + {8 * k})"
        if kind == "dst":
            lines.append(f"    {letter} = fp + {word}")
        elif kind == "src":
            lines.append(f"    {letter} = load_i64(fp + {word})")
        else:
            lines.append(f"    {letter} = {word}")
    for line in bc.body.splitlines():
        stripped = line.lstrip()
        indent = line[: len(line) - len(stripped)]
        if stripped.startswith("TRAP(") and stripped.endswith(")"):
            code = stripped[5:-1]
            lines.append(f"    {indent}st[{S_TRAP}] = {code}")
            lines.append(f"    {indent}status = {STATUS_TRAP}")
            lines.append(f"    {indent}break")
        else:
            lines.append(f"    {line}")
    if not bc.jumps:
        lines.append(f"    pc += {bc.size}")
    return lines


def loop_source() -> str:
    # numba's cache tracks only this file: stamp it with the primitives it
    # inlines, so a change there also invalidates the cached loop.
    prims = os.path.join(os.path.dirname(__file__), "prims.py")
    with open(prims, "rb") as f:
        prims_digest = hashlib.sha256(f.read()).hexdigest()[:16]
    out = [
        '"""GENERATED by wasmtier.interp.ops.loop_source() - do not edit."""',
        f"# prims.py digest: {prims_digest}",
        "from numba import njit",
        "from wasmtier.interp.prims import *  # noqa: F401,F403",
        "from wasmtier.interp.prims import fmin32, fmax32, fmin64, fmax64  # noqa: F401",
        "",
        "",
        '@njit(nogil=True, cache=True, error_model="numpy", boundscheck=False)',
        "def run(st, cb, fr):",
        f"    pc = st[{S_PC}]",
        f"    fp = st[{S_FP}]",
        f"    csp = st[{S_CSP}]",
        f"    sid = st[{S_SID}]",
        f"    vm = st[{S_VM}]",
        f"    regs_end = st[{S_REGS_END}]",
        f"    cs_end = st[{S_CS_END}]",
        f"    cs_base = st[{S_CS_BASE}]",
        f"    fuel = st[{S_FUEL}]",
        f"    epoch_ptr = st[{S_EPOCH_PTR}]",
        f"    epoch_deadline = st[{S_EPOCH_DEADLINE}]",
        "    status = 0",
        "    while True:",
        "        cp = cb + 8 * pc",
        "        op = load_i64(cp)",
        "        if op < 0:",
        "            pass",
    ]
    for i, bc in enumerate(OPS):
        out += ["        " + line for line in _handler(i, bc)]
    out += [
        "        else:",
        f"            st[{S_TRAP}] = {TrapCode.UNREACHABLE.value}",
        f"            status = {STATUS_TRAP}",
        "            break",
        f"    st[{S_PC}] = pc",
        f"    st[{S_FP}] = fp",
        f"    st[{S_CSP}] = csp",
        f"    st[{S_SID}] = sid",
        f"    st[{S_VM}] = vm",
        f"    st[{S_FUEL}] = fuel",
        "    return status",
        "",
    ]
    return "\n".join(out)


GENERATED_PATH = os.path.join(os.path.dirname(__file__), "_loop_generated.py")


def write_loop_module() -> bool:
    """Write `_loop_generated.py` if its text changed; True if written."""
    text = loop_source()
    try:
        with open(GENERATED_PATH, encoding="utf-8") as f:
            if f.read() == text:
                return False
    except FileNotFoundError:
        pass
    tmp = GENERATED_PATH + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, GENERATED_PATH)
    return True


# -- the disassembler ---------------------------------------------------------------------------


def disassemble(words, start: int = 0, end: int | None = None, base: int = 0) -> list[str]:
    """One line per instruction: `pc: name field=value ...`.  Slots print as
    `s<index>` (slot offsets are bytes), targets as `@pc`."""
    end = len(words) if end is None else end
    lines = []
    pc = start
    while pc < end:
        bc = OPS[int(words[pc])]
        parts = []
        for k, letter in enumerate(bc.fields, start=1):
            v = int(words[pc + k])
            kind = _FIELD_KINDS[letter]
            if letter == "t":
                parts.append(f"@{v}")
            elif kind in ("dst", "src"):
                parts.append(f"s{v // 8}")
            else:
                parts.append(str(v))
        size = bc.size
        if bc.name == "br_table":
            n = int(words[pc + 2]) + 1
            parts.append("[" + " ".join(f"@{int(words[pc + 3 + i])}" for i in range(n)) + "]")
            size += n
        lines.append(f"{base + pc:6d}: {bc.name} {' '.join(parts)}".rstrip())
        pc += size
    return lines
