"""The tier-0 machine: per-store code buffer, value and call stacks, and the
Python driver around the numba loop.

Design
------
`Interpreter.call(sid, args)` runs one activation: it places the arguments
in the first free slots of the value stack, points the state vector at the
callee, and calls `run` until it returns `STATUS_DONE`.  Every other status
is a request the loop cannot serve without Python:

    STATUS_TRANSLATE    translate the callee lazily, append its bytecode,
                        retry the call instruction
    STATUS_HOST_CALL    call the host function with the raw argument slots,
                        write its raw results into the same slots
    STATUS_MEMORY_GROW  / STATUS_TABLE_GROW: grow, write the old size (or -1)
    STATUS_TIER_UP      a function's tier-up counter crossed 0 at its entry:
                        tell the tier manager (`tier_hook.tier_up`)
    STATUS_OSR          ... at a loop header: if the manager has an OSR entry
                        for the loop (`tier_hook.osr_entry`), hand it this
                        frame's locals and operand stack, then finish the
                        frame with its results as `return` would
    STATUS_TRAP         build the wasm backtrace and raise `Trap`

A callee whose record says KIND_NATIVE (published compiled code) leaves the
loop like a host call; `tier_hook.call_native` runs it.

A host function may call back into wasm: the nested activation starts above
the caller's frame and call-stack records (`top`, `cs_top`), so nothing of
the suspended activation is overwritten.  Because `run` returns for every
request, no numba frame is ever suspended.

Departures from ARCHITECTURE.md, for now (no compiled tier exists yet):

* the loop resolves a callee through its `VMFuncRef` to the store function
  record (`FUNC_INTERP_PC`), not through the VMFuncRef's native entry, which
  stays 0; host calls leave the loop through `STATUS_HOST_CALL` instead of
  a native call into a numba `@cfunc`.  When tier 1 lands, the call handlers
  will first test the native entry and call it through an intrinsic.
* calls from tier 0 into compiled code leave the loop (STATUS_HOST_CALL)
  and enter the compiled code from Python, not through an intrinsic; a hot
  caller is compiled or OSR'd soon after, so the detour is bounded.

Value stack and call stack are fixed-size numpy buffers; running past either
traps with "call stack exhausted" (the limits: `VALUE_STACK_SLOTS`,
`CALL_STACK_FRAMES`).  The code buffer grows by reallocation: code refers to
code only by index (pc), so moving it is safe between `run` calls.
"""

from __future__ import annotations

import bisect

import numpy as np

from ..runtime.store import (FUNC_FRAME_SLOTS, FUNC_INTERP_PC, FUNC_NLOCALS,
                             KIND_HOST, StoreCore)
from ..runtime.memory import NativeBlock, read_u64, write_u64
from ..runtime.trap import Frame, Trap, TrapCode
from . import ops
from .loop import run
from .translate import translate_function

VALUE_STACK_SLOTS = 1 << 22  # 32 MiB, committed lazily by the OS
CALL_STACK_FRAMES = 1 << 16
MASK64 = (1 << 64) - 1


def _to_i64(v: int) -> int:
    v &= MASK64
    return v - (1 << 64) if v >> 63 else v


class CodeBuffer:
    """All tier-0 bytecode of a store, appended function by function."""

    def __init__(self, capacity: int = 1 << 16):
        self.words = np.zeros(capacity, dtype=np.int64)
        self.address = self.words.ctypes.data
        self.length = 1  # pc 0 is never an entry: an `unreachable` guard
        self.words[0] = ops.OPCODES["unreachable"]
        self.op_pcs: list[int] = [0]  # start pc of every instruction, ascending
        self.op_offsets: list[int] = [0]  # wasm byte offset of each
        self.op_sids: list[int] = [-1]  # function each instruction belongs to

    address: int  # of `words`; refreshed when the buffer is reallocated

    def append(self, words: list[int], srcmap, sid: int) -> int:
        base = self.length
        end = base + len(words)
        if end > len(self.words):
            grown = np.zeros(max(end, 2 * len(self.words)), dtype=np.int64)
            grown[: self.length] = self.words[: self.length]
            self.words = grown
            self.address = grown.ctypes.data
        self.words[base:end] = np.array([_to_i64(w) for w in words], dtype=np.int64)
        self.length = end
        for rel, offset in srcmap:
            self.op_pcs.append(base + rel)
            self.op_offsets.append(offset)
            self.op_sids.append(sid)
        return base

    def offset_at(self, pc: int) -> int:
        i = bisect.bisect_right(self.op_pcs, pc) - 1
        return self.op_offsets[max(i, 0)]


class Interpreter:
    def __init__(self, store: StoreCore, consume_fuel: bool = False,
                 epoch_interruption: bool = False, epoch_address: int = 0):
        self.store = store
        self.consume_fuel = consume_fuel
        self.epoch_interruption = epoch_interruption
        # Remaining fuel, shared by every activation of the store and by
        # compiled code (which reads it through VMCTX_FUEL): an i64 cell.
        self.fuel_cell = NativeBlock(8)
        self.epoch_address = epoch_address  # the engine's epoch counter (a u64 cell)
        self.epoch_deadline = 0
        self.code = CodeBuffer()
        self.regs = np.zeros(VALUE_STACK_SLOTS, dtype=np.int64)
        self.cstack = np.zeros(CALL_STACK_FRAMES * ops.FRAME_RECORD_WORDS, dtype=np.int64)
        self.regs_addr = self.regs.ctypes.data
        self.regs_end = self.regs_addr + 8 * VALUE_STACK_SLOTS
        self.cs_addr = self.cstack.ctypes.data
        self.cs_end = self.cs_addr + 8 * len(self.cstack)
        self.top = self.regs_addr  # first free value-stack byte
        self.cs_top = self.cs_addr  # first free call-stack byte
        self.caller_instances: list = []  # instance of the wasm caller of each host call
        # sid -> (entry pc, frame slots, nlocals, nresults, vmctx), once translated
        self.entry_facts: dict[int, tuple[int, int, int, int, int]] = {}
        self.states: list[np.ndarray] = []  # one state vector per nesting depth
        self.depth = 0
        # Tiering (set by the tier manager): counters start at -tier_threshold;
        # tier_hook serves STATUS_TIER_UP / STATUS_OSR and KIND_NATIVE calls.
        self.tier_threshold: int | None = None
        self.tier_hook = None
        self.osr_heights: dict[int, dict[int, int]] = {}  # sid -> loop offset -> height
        self._records = None
        self._records_addr = 0

    @property
    def fuel(self) -> int:
        return _to_i64(read_u64(self.fuel_cell.addr))

    @fuel.setter
    def fuel(self, value: int) -> None:
        write_u64(self.fuel_cell.addr, value)

    # -- translation -----------------------------------------------------------------

    def ensure_translated(self, sid: int) -> None:
        if sid in self.entry_facts:
            return
        entry = self.store.funcs.entries[sid]
        inst = entry.instance
        counter = None
        if self.tier_threshold is not None:
            counter = inst.offsets.tier_counters + 8 * (entry.index - inst.module.num_imported_funcs)
            write_u64(inst.vmctx + counter, -self.tier_threshold)
        tf = translate_function(inst.module, inst.offsets, entry.index, self.code.length,
                                self.consume_fuel, self.epoch_interruption, counter)
        self.osr_heights[sid] = tf.osr_heights
        pc = self.code.append(tf.words, tf.srcmap, sid)
        rec = self.store.funcs.records[sid]
        rec[FUNC_FRAME_SLOTS] = tf.frame_slots
        rec[FUNC_NLOCALS] = tf.nlocals
        rec[FUNC_INTERP_PC] = pc
        self.entry_facts[sid] = (pc, tf.frame_slots, tf.nlocals,
                                 len(entry.functype.results), inst.vmctx)

    def _records_address(self) -> int:
        records = self.store.funcs.records
        if records is not self._records:  # reallocated since last time
            self._records = records
            self._records_addr = records.ctypes.data
        return self._records_addr

    def _state(self) -> np.ndarray:
        """The state vector for the next activation (one per nesting depth)."""
        if self.depth == len(self.states):
            st = np.zeros(ops.STATE_WORDS, dtype=np.int64)
            st[ops.S_REGS_END] = self.regs_end
            st[ops.S_CS_END] = self.cs_end
            st[ops.S_EPOCH_PTR] = self.epoch_address
            self.states.append(st)
        return self.states[self.depth]

    # -- running ----------------------------------------------------------------------

    def call(self, sid: int, args: list[int]) -> list[int]:
        """Run function `sid` on raw slot values; its raw results."""
        facts = self.entry_facts.get(sid)
        if facts is None:
            entry = self.store.funcs.entries[sid]
            if entry.kind == KIND_HOST:
                return entry.host(list(args))
            self.ensure_translated(sid)
            facts = self.entry_facts[sid]
        pc, frame_slots, nlocals, nresults, vmctx = facts
        base = self.top
        if base + 8 * frame_slots > self.regs_end:
            raise Trap.from_code(TrapCode.STACK_OVERFLOW)
        start = (base - self.regs_addr) >> 3
        regs = self.regs
        nargs = len(args)
        if nargs:
            regs[start: start + nargs] = [_to_i64(v) for v in args]
        if nlocals > nargs:
            regs[start + nargs: start + nlocals] = 0
        st = self._state()
        st[ops.S_PC] = pc
        st[ops.S_FP] = base
        st[ops.S_CSP] = self.cs_top
        st[ops.S_CS_BASE] = self.cs_top
        st[ops.S_SID] = sid
        st[ops.S_VM] = vmctx
        st[ops.S_EPOCH_DEADLINE] = self.epoch_deadline
        saved_top, saved_cs = self.top, self.cs_top
        self.depth += 1
        try:
            self._drive(st)
        finally:
            self.depth -= 1
            self.top, self.cs_top = saved_top, saved_cs
        return regs[start: start + nresults].tolist()

    def _drive(self, st: np.ndarray) -> None:
        store = self.store
        while True:
            # Fuel is the store's: a host call or compiled code in between may
            # have spent some.  (Without consume_fuel no `fuel` op exists.)
            if self.consume_fuel:
                st[ops.S_FUEL] = self.fuel
            status = run(st, self.code.address, self._records_address())
            if self.consume_fuel:
                self.fuel = int(st[ops.S_FUEL])
            if status == ops.STATUS_DONE:
                return
            if status == ops.STATUS_HOST_CALL:
                self._host_call(st)
            elif status == ops.STATUS_TIER_UP:
                self.tier_hook.tier_up(int(st[ops.S_ARG0]))
            elif status == ops.STATUS_OSR:
                if self._osr(st):
                    return
            elif status == ops.STATUS_TRANSLATE:
                self.ensure_translated(int(st[ops.S_ARG0]))
            elif status == ops.STATUS_MEMORY_GROW:
                inst = store.funcs.entries[int(st[ops.S_SID])].instance
                mem = inst.memories[int(st[ops.S_ARG0])].memory
                old = mem.grow(int(st[ops.S_ARG1]))
                self._write_slot(int(st[ops.S_ARG2]), old)
            elif status == ops.STATUS_TABLE_GROW:
                inst = store.funcs.entries[int(st[ops.S_SID])].instance
                table = inst.tables[int(st[ops.S_ARG0])].table
                old = table.grow(int(st[ops.S_ARG1]), int(st[ops.S_ARG2]) & MASK64)
                self._write_slot(int(st[ops.S_ARG3]), old)
            elif status == ops.STATUS_TRAP:
                code = TrapCode(int(st[ops.S_TRAP]))
                trap = Trap.from_code(code, self.backtrace(st))
                if code is TrapCode.INDIRECT_CALL_TO_NULL:
                    # The reference interpreter names the element, e.g.
                    # "uninitialized element 2"; so do we.
                    trap = Trap(f"{trap.message} {int(st[ops.S_ARG0])}", code, trap.frames)
                raise trap
            else:
                raise RuntimeError(f"tier-0 loop returned unknown status {status}")

    def _write_slot(self, addr: int, value: int) -> None:
        self.regs[(addr - self.regs_addr) // 8] = _to_i64(value)

    def _host_call(self, st: np.ndarray) -> None:
        callee, args_addr, caller_sid, caller_fp, csp = st[
            [ops.S_ARG0, ops.S_ARG1, ops.S_SID, ops.S_FP, ops.S_CSP]].tolist()
        entries = self.store.funcs.entries
        entry = entries[callee]
        functype = entry.functype
        start = (args_addr - self.regs_addr) >> 3
        nparams = len(functype.params)
        args = self.regs[start: start + nparams].tolist()
        # A nested activation starts above the suspended caller's frame.
        caller_slots = self.entry_facts[caller_sid][1]
        self.top = max(caller_fp + 8 * caller_slots,
                       args_addr + 8 * max(nparams, len(functype.results)))
        self.cs_top = csp
        if entry.kind != KIND_HOST:
            results = self.tier_hook.call_native(callee, args)
        else:
            self.caller_instances.append(entries[caller_sid].instance)
            try:
                results = entry.host(args)
            finally:
                self.caller_instances.pop()
        if results:
            self.regs[start: start + len(results)] = [_to_i64(v) for v in results]

    def _osr(self, st: np.ndarray) -> bool:
        """Replace the frame at a loop header by compiled code, if the tier
        manager has an OSR entry for the loop; finish the frame with the
        compiled code's results.  True when the activation is done."""
        sid, loop = int(st[ops.S_ARG0]), int(st[ops.S_ARG1])
        run_osr = self.tier_hook.osr_entry(sid, loop)
        if run_osr is None:
            return False  # resume after `tier_loop`
        fp, csp, cs_base = st[[ops.S_FP, ops.S_CSP, ops.S_CS_BASE]].tolist()
        _, frame_slots, nlocals, nresults, _ = self.entry_facts[sid]
        start = (fp - self.regs_addr) >> 3
        state = self.regs[start: start + nlocals + self.osr_heights[sid][loop]].tolist()
        self.top = fp + 8 * frame_slots  # nested activations start above this frame
        self.cs_top = csp
        results = run_osr(state)
        if results:
            self.regs[start: start + len(results)] = [_to_i64(v) for v in results]
        # what `return` does
        if csp == cs_base:
            return True
        csp -= 8 * ops.FRAME_RECORD_WORDS
        k = (csp - self.cs_addr) // 8
        ret_pc, caller_fp, caller_sid, caller_vm = self.cstack[k: k + 4].tolist()
        st[[ops.S_PC, ops.S_FP, ops.S_SID, ops.S_VM, ops.S_CSP]] = [
            ret_pc, caller_fp, caller_sid, caller_vm, csp]
        return False

    # -- backtraces -------------------------------------------------------------------

    def backtrace(self, st: np.ndarray) -> list[Frame]:
        frames = [self._frame(int(st[ops.S_SID]), int(st[ops.S_PC]))]
        csp = int(st[ops.S_CSP])
        base = int(st[ops.S_CS_BASE])
        cs = self.cstack
        while csp > base:
            csp -= 8 * ops.FRAME_RECORD_WORDS
            k = (csp - self.cs_addr) // 8
            ret_pc, caller_sid = int(cs[k]), int(cs[k + 2])
            frames.append(self._frame(caller_sid, ret_pc - 1))
            if len(frames) > 100:  # deep recursion: the innermost frames suffice
                break
        return frames

    def _frame(self, sid: int, pc: int) -> Frame:
        entry = self.store.funcs.entries[sid]
        offset = self.code.offset_at(pc)
        module = entry.instance.module if entry.instance is not None else None
        body_start = 0
        if module is not None and entry.index >= module.num_imported_funcs:
            body_start = module.codes[entry.index - module.num_imported_funcs].locals_offset
        return Frame(entry.index, entry.name, module.name if module else None,
                     offset - body_start, offset)
