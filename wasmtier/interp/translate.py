"""Translation of one validated wasm function body to tier-0 bytecode.

Design
------
One forward pass over the operators with an abstract operand stack, like
Winch's value stack: an entry is where a value can be found *now*:

    ("s", slot)   in its canonical slot (nlocals + stack position)
    ("l", index)  still in local `index` (a `local.get` not yet copied)
    ("k", bits)   a constant not yet materialized

Operators read "l" entries straight from the local's slot and constants as
immediates ("/i" forms), so `local.get; i32.const; i32.add` is one
instruction.  A result goes to its canonical slot, or directly into local x
when the next operator is `local.set x` / `local.tee x` (the set is fused).
A compare followed by `br_if` or `if` becomes one fused compare-and-branch.

Invariants that keep the lazy entries sound:

* before anything writes local x, every ("l", x) entry is copied to its
  canonical slot (`_protect_local`);
* at every block, loop and if entry the whole stack is materialized, and at
  every merge (branch, else, end) the values the label receives are in the
  label's canonical slots, so all paths into a label agree on where values
  are;
* a branch moves its values in ascending slot order: sources sit at or
  above their destinations, so no move clobbers a later source (pending
  locals that could alias a destination are materialized first).

Unreachable code (after br, br_table, return, unreachable, tail calls) is
skipped up to the matching else/end.

With `consume_fuel`, every region that control can enter only at its top
(function entry, loop header, then-arm, else-arm, join after end, br_if
fall-through) starts with one `fuel n` instruction charging its n non-free
operators before they run (the cost model: wasm/fuel.py, shared with tier 1);
with `epoch_interruption`, function entries and loop headers start with
`epoch_check`.  When a compiled tier may take over (`tier_counter`), function
entries get `tier_entry` and loop headers `tier_loop` (after the fuel and
epoch checks, so an OSR leaves the loop's region already charged); the
operand-stack height at each loop header is recorded for OSR
(`osr_heights`).  Every emitted instruction records the byte offset of its
wasm operator (`srcmap`), for trap backtraces.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..runtime.vmoffsets import VMOffsets
from ..wasm.fuel import FREE_OPERATORS, REGION_STARTS
from ..wasm.types import BlockType, FuncType, FunctionBody, Module
from .ops import BY_NAME, COMPARE, IMMEDIATE_FORMS, OPCODES

_IMMEDIATE_FORMS = frozenset(IMMEDIATE_FORMS)
# Fuel: operators that cost nothing (Wasmtime's default operator costs), and
# operators after which control may arrive other than by falling through.
_COMMUTATIVE = frozenset(f"{t}.{o}" for t in ("i32", "i64")
                         for o in ("add", "mul", "and", "or", "xor", "eq", "ne"))
_SWAPPED_COMPARE = {"lt_s": "gt_s", "gt_s": "lt_s", "le_s": "ge_s", "ge_s": "le_s",
                    "lt_u": "gt_u", "gt_u": "lt_u", "le_u": "ge_u", "ge_u": "le_u",
                    "eq": "eq", "ne": "ne"}
_INT_COMPARES = frozenset(f"{t}.{c}" for t in ("i32", "i64") for c in COMPARE)


def _to_i64(v: int) -> int:
    v &= (1 << 64) - 1
    return v - (1 << 64) if v >> 63 else v


@dataclass
class Control:
    kind: str  # "block" | "loop" | "if" | "func"
    height: int  # operand stack height below the block's params
    nparams: int
    nresults: int
    start_pc: int = -1  # loop: where branches go
    fixups: list[int] = field(default_factory=list)  # code positions awaiting the end pc
    else_fixup: int = -1  # if: the br_unless target awaiting the else pc
    unreachable: bool = False

    @property
    def branch_arity(self) -> int:
        return self.nparams if self.kind == "loop" else self.nresults


@dataclass
class TranslatedFunction:
    words: list[int]
    srcmap: list[tuple[int, int]]  # (pc relative to the function start, wasm offset)
    frame_slots: int
    nlocals: int
    # loop wasm offset -> operand-stack height at its header (tier_loop only)
    osr_heights: dict[int, int] = field(default_factory=dict)


class Translator:
    def __init__(self, module: Module, offsets: VMOffsets, func_index: int, base_pc: int,
                 consume_fuel: bool = False, epoch_interruption: bool = False,
                 tier_counter: int | None = None):
        self.consume_fuel = consume_fuel
        self.tier_counter = tier_counter  # VMContext offset of the tier-up counter
        self.osr_heights: dict[int, int] = {}
        self.epoch_interruption = epoch_interruption
        self.fuel_pos: int | None = None
        self.module = module
        self.offsets = offsets
        self.base = base_pc
        self.functype: FuncType = module.func_type(func_index)
        self.body: FunctionBody = module.codes[func_index - module.num_imported_funcs]
        self.nlocals = len(self.functype.params) + len(self.body.locals)
        self.code: list[int] = []
        self.srcmap: list[tuple[int, int]] = []
        self.stack: list[tuple[str, int]] = []
        self.max_height = 0
        self.ctl: list[Control] = []
        self.offset = self.body.offset
        self.num_imported_globals = module.num_imported_globals
        self.type_indices = module.func_type_indices()

    # -- emission --------------------------------------------------------------------

    @property
    def pc(self) -> int:
        return self.base + len(self.code)

    def emit(self, name: str, *words: int) -> int:
        """Append an instruction; return the code index of its first operand."""
        self.srcmap.append((len(self.code), self.offset))
        self.code.append(OPCODES[name])
        start = len(self.code)
        self.code.extend(words)
        return start

    def slot(self, pos: int) -> int:
        return 8 * (self.nlocals + pos)

    def push_slot(self) -> int:
        pos = len(self.stack)
        self.stack.append(("s", self.nlocals + pos))
        if pos + 1 > self.max_height:
            self.max_height = pos + 1
        return 8 * (self.nlocals + pos)

    def push(self, entry) -> None:
        self.stack.append(entry)
        if len(self.stack) > self.max_height:
            self.max_height = len(self.stack)

    def materialize(self, pos: int) -> None:
        kind, v = self.stack[pos]
        canonical = self.nlocals + pos
        if kind == "s":
            return
        if kind == "k":
            self.emit("const", 8 * canonical, _to_i64(v))
        else:
            self.emit("mov", 8 * canonical, 8 * v)
        self.stack[pos] = ("s", canonical)

    def materialize_all(self) -> None:
        for pos in range(len(self.stack)):
            self.materialize(pos)

    def materialize_top(self, n: int) -> None:
        for pos in range(len(self.stack) - n, len(self.stack)):
            self.materialize(pos)

    def pop_slot(self) -> int:
        """Pop an operand that must be read from a slot; its slot offset."""
        pos = len(self.stack) - 1
        kind, v = self.stack[pos]
        if kind == "k":
            self.materialize(pos)
            kind, v = self.stack[pos]
        self.stack.pop()
        return 8 * v

    def _protect_local(self, index: int) -> None:
        for pos, (kind, v) in enumerate(self.stack):
            if kind == "l" and v == index:
                self.materialize(pos)

    def result_dest(self, instrs, i: int) -> tuple[int, int]:
        """Destination slot for a value produced by instrs[i], fusing a following
        local.set/tee; returns (slot offset, instructions consumed beyond i)."""
        nxt = instrs[i + 1] if i + 1 < len(instrs) else None
        if nxt is not None and nxt.op.name in ("local.set", "local.tee"):
            x = nxt.imm
            self._protect_local(x)
            if nxt.op.name == "local.tee":
                self.push(("l", x))
            return 8 * x, 1
        return self.push_slot(), 0

    # -- branches -----------------------------------------------------------------------

    def label(self, depth: int) -> Control:
        return self.ctl[-1 - depth]

    def needs_moves(self, target: Control) -> bool:
        n = target.branch_arity
        for i in range(n):
            entry = self.stack[len(self.stack) - n + i]
            if entry != ("s", self.nlocals + target.height + i):
                return True
        return False

    def emit_moves(self, target: Control) -> None:
        # Destinations are canonical slots (never locals) at or below every
        # canonical source, so ascending order never clobbers a pending source.
        n = target.branch_arity
        top = len(self.stack) - n
        for i in range(n):
            dst = self.nlocals + target.height + i
            kind, v = self.stack[top + i]
            if kind == "k":
                self.emit("const", 8 * dst, _to_i64(v))
            elif v != dst:
                self.emit("mov", 8 * dst, 8 * v)

    def emit_jump_to(self, target: Control, position: int) -> None:
        """Record that code[position] must hold the target's pc."""
        if target.kind == "loop":
            self.code[position] = target.start_pc
        else:
            target.fixups.append(position)

    def branch(self, depth: int) -> None:
        target = self.label(depth)
        self.emit_moves(target)
        pos = self.emit("br", 0)
        self.emit_jump_to(target, pos)

    def patch_here(self, positions: list[int]) -> None:
        for p in positions:
            self.code[p] = self.pc

    # -- the pass ---------------------------------------------------------------------

    def translate(self) -> TranslatedFunction:
        ft = self.functype
        self.ctl.append(Control("func", 0, 0, len(ft.results)))
        instrs = self.body.instrs
        n = len(instrs)
        i = 0
        self.start_region(entry=True)
        while i < n:
            if self.ctl[-1].unreachable:
                i = self.skip_unreachable(instrs, i)  # lands on the closing else/end
                if i >= n:
                    break
            ins = instrs[i]
            self.offset = ins.offset
            consumed = 1 + self.translate_one(instrs, i, ins)
            if self.fuel_pos is not None:
                self.code[self.fuel_pos] += sum(
                    1 for k in range(i, i + consumed) if instrs[k].op.name not in FREE_OPERATORS)
            if self.ctl and any(instrs[k].op.name in REGION_STARTS for k in range(i, i + consumed)):
                self.start_region(loop=ins.op.name == "loop")
            i += consumed
        return TranslatedFunction(self.code, self.srcmap,
                                  self.nlocals + self.max_height + 1, self.nlocals,
                                  self.osr_heights)

    def start_region(self, entry: bool = False, loop: bool = False) -> None:
        """Begin a fuel region (a run of operators entered only at its top):
        its `fuel` instruction is charged with every operator translated
        until the next region starts.  Epoch checks go at function entry and
        loop headers."""
        if self.consume_fuel:
            # Wasmtime charges one unit per function invocation; so do we, so
            # fuel counts agree exactly (tests/test_fuel.py compares them).
            self.fuel_pos = self.emit("fuel", 1 if entry else 0)
        if self.epoch_interruption and (entry or loop):
            self.emit("epoch_check")
        if self.tier_counter is not None:
            if entry:
                self.emit("tier_entry", self.tier_counter)
            elif loop:
                # The whole stack is materialized at a loop header: slots
                # nlocals .. nlocals + height - 1 hold it (the OSR state).
                self.osr_heights[self.offset] = len(self.stack)
                self.emit("tier_loop", self.tier_counter, self.offset)

    def skip_unreachable(self, instrs, i: int) -> int:
        """Skip dead operators; stop at the else/end that closes the frame."""
        depth = 0
        n = len(instrs)
        while i < n:
            name = instrs[i].op.name
            if name in ("block", "loop", "if"):
                depth += 1
            elif name == "end":
                if depth == 0:
                    return i
                depth -= 1
            elif name == "else" and depth == 0:
                return i
            i += 1
        return i

    def block_type(self, bt: BlockType) -> tuple[int, int]:
        return len(bt.params), len(bt.results)

    def translate_one(self, instrs, i: int, ins) -> int:
        """Translate instrs[i]; return how many following operators it consumed."""
        name = ins.op.name
        handler = _HANDLERS.get(name)
        if handler is not None:
            return handler(self, instrs, i, ins) or 0
        bc = BY_NAME.get(name)
        if bc is None:
            raise NotImplementedError(f"tier 0 cannot translate {name}")
        if bc.fields == "da":
            a = self.pop_slot()
            dst, used = self.result_dest(instrs, i)
            self.emit(name, dst, a)
            return used
        if bc.fields == "dab":
            return self.binary(instrs, i, name)
        raise NotImplementedError(f"tier 0 has no translation rule for {name}")

    def binary(self, instrs, i: int, name: str) -> int:
        b_kind, b_val = self.stack[-1]
        a_kind, a_val = self.stack[-2]
        if name in _INT_COMPARES and i + 1 < len(instrs):
            fused = self.try_fused_branch(instrs, i, name)
            if fused is not None:
                return fused
        if name in _IMMEDIATE_FORMS:
            if b_kind != "k" and a_kind == "k" and (name in _COMMUTATIVE or name in _INT_COMPARES):
                # Put the constant on the right.
                self.stack[-1], self.stack[-2] = self.stack[-2], self.stack[-1]
                if name in _INT_COMPARES:
                    t, c = name.split(".")
                    name = f"{t}.{_SWAPPED_COMPARE[c]}"
                b_kind, b_val = self.stack[-1]
            if b_kind == "k":
                self.stack.pop()
                a = self.pop_slot()
                dst, used = self.result_dest(instrs, i)
                self.emit(name + "/i", dst, a, _to_i64(b_val))
                return used
        b = self.pop_slot()
        a = self.pop_slot()
        dst, used = self.result_dest(instrs, i)
        self.emit(name, dst, a, b)
        return used

    def try_fused_branch(self, instrs, i: int, name: str):
        nxt = instrs[i + 1]
        if nxt.op.name == "br_if":
            target = self.label(nxt.imm)
            # Values the branch carries sit below the two operands.
            saved = self.stack[-2:]
            del self.stack[-2:]
            ok = not self.needs_moves(target)
            self.stack.extend(saved)
            if not ok:
                return None
            mode = "br_if"
        elif nxt.op.name == "if":
            mode = "br_unless"
        else:
            return None
        b_kind, b_val = self.stack[-1]
        a_kind, _ = self.stack[-2]
        if b_kind != "k" and a_kind == "k":
            self.stack[-1], self.stack[-2] = self.stack[-2], self.stack[-1]
            t, c = name.split(".")
            name = f"{t}.{_SWAPPED_COMPARE[c]}"
            b_kind, b_val = self.stack[-1]
        if b_kind == "k":
            self.stack.pop()
            a = self.pop_slot()
            operands = (a, _to_i64(b_val))
            form = f"{mode} {name}/i"
        else:
            b = self.pop_slot()
            a = self.pop_slot()
            operands = (a, b)
            form = f"{mode} {name}"
        if mode == "br_if":
            self.offset = nxt.offset
            pos = self.emit(form, *operands, 0) + 2
            self.emit_jump_to(self.label(nxt.imm), pos)
        else:
            self.offset = nxt.offset
            self.open_if(nxt, lambda: self.emit(form, *operands, 0) + 2)
        return 1

    def open_if(self, ins, emit_branch) -> None:
        nparams, nresults = self.block_type(ins.imm)
        self.materialize_all()
        pos = emit_branch()
        frame = Control("if", len(self.stack) - nparams, nparams, nresults)
        frame.else_fixup = pos
        self.ctl.append(frame)

    def emit_moves_for_end(self, frame: Control) -> None:
        n = frame.nresults
        fake = Control("block", frame.height, 0, n)
        self.emit_moves(fake)
        del self.stack[frame.height:]
        for _ in range(n):
            self.push_slot()


# -- per-operator handlers (operators whose translation is not a plain da/dab) ---------

def _h_nop(t, instrs, i, ins):
    return 0


def _h_unreachable(t, instrs, i, ins):
    t.emit("unreachable")
    t.ctl[-1].unreachable = True


def _h_block(t, instrs, i, ins):
    nparams, nresults = t.block_type(ins.imm)
    t.materialize_all()
    t.ctl.append(Control("block", len(t.stack) - nparams, nparams, nresults))


def _h_loop(t, instrs, i, ins):
    nparams, nresults = t.block_type(ins.imm)
    t.materialize_all()
    t.ctl.append(Control("loop", len(t.stack) - nparams, nparams, nresults, start_pc=t.pc))


def _h_if(t, instrs, i, ins):
    cond_kind, cond_val = t.stack[-1]
    t.stack.pop()
    if cond_kind == "k":
        # Constant condition: the then-arm runs or is jumped over.
        if cond_val & 0xFFFFFFFF:
            t.open_if(ins, lambda: -1)
        else:
            t.open_if(ins, lambda: t.emit("br", 0))
        return
    cond = 8 * cond_val
    t.open_if(ins, lambda: t.emit("br_unless", cond, 0) + 1)


def _h_else(t, instrs, i, ins):
    frame = t.ctl[-1]
    if not frame.unreachable:
        t.emit_moves_for_end(frame)
        pos = t.emit("br", 0)
        frame.fixups.append(pos)
    if frame.else_fixup >= 0:
        t.patch_here([frame.else_fixup])
    frame.else_fixup = -1
    frame.unreachable = False
    del t.stack[frame.height:]
    for _ in range(frame.nparams):
        t.push_slot()


def _h_end(t, instrs, i, ins):
    frame = t.ctl[-1]
    if frame.kind == "func":
        # Branches to the function label left the results in the canonical
        # slots of height 0; the fallthrough path puts them there too.
        if not frame.unreachable:
            t.emit_moves_for_end(frame)
        if frame.fixups or not frame.unreachable:
            t.patch_here(frame.fixups)
            del t.stack[:]
            for _ in range(frame.nresults):
                t.push_slot()
            _emit_return(t)
        t.ctl.pop()
        return
    if not frame.unreachable:
        t.emit_moves_for_end(frame)
    t.ctl.pop()
    if frame.else_fixup >= 0:
        t.patch_here([frame.else_fixup])
    t.patch_here(frame.fixups)
    del t.stack[frame.height:]
    for _ in range(frame.nresults):
        t.push_slot()


def _h_br(t, instrs, i, ins):
    t.branch(ins.imm)
    t.ctl[-1].unreachable = True


def _h_br_if(t, instrs, i, ins):
    cond_kind, cond_val = t.stack[-1]
    if cond_kind == "k":
        t.stack.pop()
        if cond_val & 0xFFFFFFFF:
            t.branch(ins.imm)
            t.ctl[-1].unreachable = True
        return
    cond = t.pop_slot()
    target = t.label(ins.imm)
    if not t.needs_moves(target):
        pos = t.emit("br_if", cond, 0) + 1
        t.emit_jump_to(target, pos)
        return
    skip = t.emit("br_unless", cond, 0) + 1
    t.branch(ins.imm)
    t.patch_here([skip])


def _h_br_table(t, instrs, i, ins):
    labels, default = ins.imm
    index = t.pop_slot()
    all_labels = list(labels) + [default]
    start = t.emit("br_table", index, len(labels), *([0] * len(all_labels)))
    table_pos = start + 2
    stubs: dict[int, int] = {}
    for k, depth in enumerate(all_labels):
        target = t.label(depth)
        if not t.needs_moves(target):
            t.emit_jump_to(target, table_pos + k)
            continue
        if depth not in stubs:
            stubs[depth] = t.pc
            t.branch(depth)
        t.code[table_pos + k] = stubs[depth]
    t.ctl[-1].unreachable = True


def _emit_return(t):
    n = len(t.functype.results)
    top = len(t.stack) - n
    if any(kind == "l" and v < n for kind, v in t.stack[top:]):
        t.materialize_top(n)
    for k in range(n):
        kind, v = t.stack[top + k]
        if kind == "k":
            t.emit("const", 8 * k, _to_i64(v))
        elif v != k:
            t.emit("mov", 8 * k, 8 * v)
    t.emit("return")


def _h_return(t, instrs, i, ins):
    _emit_return(t)
    t.ctl[-1].unreachable = True


def _call_args(t, nparams: int) -> int:
    t.materialize_top(nparams)
    argoff = t.slot(len(t.stack) - nparams)
    return argoff


def _after_call(t, functype: FuncType) -> None:
    del t.stack[len(t.stack) - len(functype.params):]
    for _ in functype.results:
        t.push_slot()


def _h_call(t, instrs, i, ins):
    functype = t.module.types[t.type_indices[ins.imm]]
    argoff = _call_args(t, len(functype.params))
    t.emit("call", t.offsets.func_ref(ins.imm), argoff)
    _after_call(t, functype)


def _h_call_indirect(t, instrs, i, ins):
    type_index, table = ins.imm
    functype = t.module.types[type_index]
    index = t.pop_slot()
    argoff = _call_args(t, len(functype.params))
    t.emit("call_indirect", index, t.offsets.table(table), t.offsets.type_id(type_index), argoff)
    _after_call(t, functype)


def _tail_args(t, nparams: int) -> None:
    t.materialize_top(nparams)
    top = len(t.stack) - nparams
    for k in range(nparams):
        v = t.stack[top + k][1]
        if v != k:
            t.emit("mov", 8 * k, 8 * v)


def _h_return_call(t, instrs, i, ins):
    functype = t.module.types[t.type_indices[ins.imm]]
    _tail_args(t, len(functype.params))
    t.emit("return_call", t.offsets.func_ref(ins.imm))
    t.emit("return")
    t.ctl[-1].unreachable = True


def _h_return_call_indirect(t, instrs, i, ins):
    type_index, table = ins.imm
    functype = t.module.types[type_index]
    # The index must not be a pending local: the argument moves below may
    # overwrite locals; its canonical slot lies above every destination.
    t.materialize(len(t.stack) - 1)
    index = t.pop_slot()
    _tail_args(t, len(functype.params))
    t.emit("return_call_indirect", index, t.offsets.table(table), t.offsets.type_id(type_index))
    t.emit("return")
    t.ctl[-1].unreachable = True


def _h_drop(t, instrs, i, ins):
    t.stack.pop()


def _h_select(t, instrs, i, ins):
    c = t.pop_slot()
    b = t.pop_slot()
    a = t.pop_slot()
    dst, used = t.result_dest(instrs, i)
    t.emit("select", dst, a, b, c)
    return used


def _h_local_get(t, instrs, i, ins):
    t.push(("l", ins.imm))


def _store_local(t, x: int) -> None:
    kind, v = t.stack.pop()
    t._protect_local(x)
    if kind == "k":
        t.emit("const", 8 * x, _to_i64(v))
    elif v != x:
        t.emit("mov", 8 * x, 8 * v)


def _h_local_set(t, instrs, i, ins):
    _store_local(t, ins.imm)


def _h_local_tee(t, instrs, i, ins):
    _store_local(t, ins.imm)
    t.push(("l", ins.imm))


def _h_const(t, instrs, i, ins):
    t.push(("k", ins.imm))


def _h_ref_null(t, instrs, i, ins):
    t.push(("k", 0))


def _h_global_get(t, instrs, i, ins):
    dst, used = t.result_dest(instrs, i)
    name = "global_get_imported" if ins.imm < t.num_imported_globals else "global_get"
    t.emit(name, dst, t.offsets.global_(ins.imm))
    return used


def _h_global_set(t, instrs, i, ins):
    a = t.pop_slot()
    name = "global_set_imported" if ins.imm < t.num_imported_globals else "global_set"
    t.emit(name, a, t.offsets.global_(ins.imm))


def _h_load(t, instrs, i, ins):
    m = ins.imm
    a = t.pop_slot()
    dst, used = t.result_dest(instrs, i)
    t.emit(ins.op.name, dst, a, m.offset, t.offsets.memory(m.memory))
    return used


def _h_store(t, instrs, i, ins):
    m = ins.imm
    b = t.pop_slot()
    a = t.pop_slot()
    t.emit(ins.op.name, a, b, m.offset, t.offsets.memory(m.memory))


def _h_memory_size(t, instrs, i, ins):
    dst, used = t.result_dest(instrs, i)
    t.emit("memory.size", dst, t.offsets.memory(ins.imm))
    return used


def _h_memory_grow(t, instrs, i, ins):
    a = t.pop_slot()
    dst = t.push_slot()
    t.emit("memory.grow", dst, a, ins.imm)


def _bulk(name: str, place):
    """memory.fill/copy/init and table.fill/copy/init: three operands
    (destination, source or value, count) and the VMContext offsets that
    `place(t, imm)` names."""
    def handler(t, instrs, i, ins):
        c = t.pop_slot()
        b = t.pop_slot()
        a = t.pop_slot()
        t.emit(name, a, b, c, *place(t, ins.imm))
    return handler


_h_memory_fill = _bulk("memory.fill", lambda t, m: (t.offsets.memory(m),))
_h_memory_copy = _bulk("memory.copy", lambda t, mm: (t.offsets.memory(mm[0]), t.offsets.memory(mm[1])))
_h_memory_init = _bulk("memory.init", lambda t, dm: (t.offsets.memory(dm[1]),
                                                      t.offsets.data_segment(dm[0])))
_h_table_fill = _bulk("table.fill", lambda t, x: (t.offsets.table(x),))
_h_table_copy = _bulk("table.copy", lambda t, tt: (t.offsets.table(tt[0]), t.offsets.table(tt[1])))
_h_table_init = _bulk("table.init", lambda t, et: (t.offsets.table(et[1]),
                                                    t.offsets.elem_segment(et[0])))


def _h_data_drop(t, instrs, i, ins):
    t.emit("data.drop", t.offsets.data_segment(ins.imm))


def _h_table_get(t, instrs, i, ins):
    a = t.pop_slot()
    dst, used = t.result_dest(instrs, i)
    t.emit("table.get", dst, a, t.offsets.table(ins.imm))
    return used


def _h_table_set(t, instrs, i, ins):
    b = t.pop_slot()
    a = t.pop_slot()
    t.emit("table.set", a, b, t.offsets.table(ins.imm))


def _h_table_size(t, instrs, i, ins):
    dst, used = t.result_dest(instrs, i)
    t.emit("table.size", dst, t.offsets.table(ins.imm))
    return used


def _h_table_grow(t, instrs, i, ins):
    b = t.pop_slot()
    a = t.pop_slot()
    dst = t.push_slot()
    t.emit("table.grow", dst, a, b, ins.imm)


def _h_elem_drop(t, instrs, i, ins):
    t.emit("elem.drop", t.offsets.elem_segment(ins.imm))


def _h_ref_func(t, instrs, i, ins):
    dst, used = t.result_dest(instrs, i)
    t.emit("ref.func", dst, t.offsets.func_ref(ins.imm))
    return used


_HANDLERS = {
    "nop": _h_nop, "unreachable": _h_unreachable, "block": _h_block, "loop": _h_loop,
    "if": _h_if, "else": _h_else, "end": _h_end, "br": _h_br, "br_if": _h_br_if,
    "br_table": _h_br_table, "return": _h_return, "call": _h_call,
    "call_indirect": _h_call_indirect, "return_call": _h_return_call,
    "return_call_indirect": _h_return_call_indirect, "drop": _h_drop,
    "select": _h_select, "local.get": _h_local_get, "local.set": _h_local_set,
    "local.tee": _h_local_tee, "i32.const": _h_const, "i64.const": _h_const,
    "f32.const": _h_const, "f64.const": _h_const, "ref.null": _h_ref_null,
    "global.get": _h_global_get, "global.set": _h_global_set,
    "memory.size": _h_memory_size, "memory.grow": _h_memory_grow,
    "memory.fill": _h_memory_fill, "memory.copy": _h_memory_copy,
    "memory.init": _h_memory_init, "data.drop": _h_data_drop,
    "table.get": _h_table_get, "table.set": _h_table_set, "table.size": _h_table_size,
    "table.grow": _h_table_grow, "table.fill": _h_table_fill, "table.copy": _h_table_copy,
    "table.init": _h_table_init, "elem.drop": _h_elem_drop, "ref.func": _h_ref_func,
}
for _bc in BY_NAME.values():
    if _bc.fields == "daxy":
        _HANDLERS[_bc.name] = _h_load
    elif _bc.fields == "abxy":
        _HANDLERS[_bc.name] = _h_store


def translate_function(module: Module, offsets: VMOffsets, func_index: int, base_pc: int,
                       consume_fuel: bool = False, epoch_interruption: bool = False,
                       tier_counter: int | None = None) -> TranslatedFunction:
    return Translator(module, offsets, func_index, base_pc,
                      consume_fuel, epoch_interruption, tier_counter).translate()
