"""`NativeCode`: a store's machine code, and every crossing between Python
and it.

Design
------
One `NativeCode` per store that may run compiled code.  It owns

* a `CodeMemory` arena (one JIT range registered with the trap shim),
* the callout trampolines, one per function type (winch/trampolines.py),
  written into the native entry of every VMFuncRef without compiled code,
  so compiled code can call any function natively;
* compiled functions, installed once per (module, function index) and
  shared by the module's instances (the code is vmctx-relative);
* `publish(entry, installed)`: the function's VMFuncRef gets the compiled
  native and array entries (aligned 8-byte stores: the jump table is the
  native-entry column of the VMFuncRefs), then its store-function record
  says KIND_NATIVE, so tier 0 sends calls to it as well.

Crossings
---------
    Python -> code      `invoke(array entry, vmctx, args)` through the shim's
                        `wasmtier_call` (saves rsp for the landing pad)
    code -> Python      callout trampolines and libcalls call the shim's
                        `extern "Python"` callbacks, dispatched here by the
                        store id in the caller's VMContext
    a Python exception  held in `pending` by the callback, which returns 1;
                        the JIT code unwinds with wasmtier_raise_trap
                        (RAISED_IN_PYTHON) and `invoke` re-raises it unchanged
    a trap in code      `invoke` raises `Trap` with the code and the frame of
                        the trapping pc (module, function, wasm offset)

Departures from ARCHITECTURE.md: the "jump table" is the native-entry word
of each VMFuncRef (one per instance and function), not a separate slot
array; the OSR buffer is the array-call cells (locals, then the operand
stack), so VMCTX_OSR_BUFFER stays unused.  The backtrace of a trap in
compiled code comes from the rbp chain the signal handler walked (up to 64
frames, innermost first); trampolines and C frames are left out.
"""

from __future__ import annotations

import bisect
import ctypes
import threading
import weakref

from ..runtime import libcalls
from ..runtime.memory import read_u64, write_u64
from ..runtime.native import signals
from ..runtime.store import (FUNC_INTERP_PC, FUNC_KIND, KIND_HOST, KIND_NATIVE,
                             FuncEntry, StoreCore)
from ..runtime.trap import RAISED_IN_PYTHON, Frame, Trap, TrapCode
from ..runtime.vmoffsets import (FUNCREF_ARRAY_ENTRY, FUNCREF_NATIVE_ENTRY,
                                 VMCTX_STORE_ID, VMCTX_TRAP_ARG, VMCTX_TRAP_CODE,
                                 VMCTX_TRAP_PC)
from ..wasm.types import FuncType
from ..winch.calls import NativeAddresses
from ..winch.compile import CompiledFunction
from ..winch.trampolines import callout_trampoline
from ..x64.codememory import CodeMemory

__all__ = ["NativeCode", "Installed"]

ARENA_BYTES = 256 << 20      # reserved per store (address space only)
MASK64 = (1 << 64) - 1

_stores: dict[int, "weakref.ref[NativeCode]"] = {}
_callbacks_lock = threading.Lock()
_callbacks_ready = False


class Installed:
    """A compiled function in code memory."""

    __slots__ = ("cf", "base", "module", "name", "native_entry", "array_entry")

    def __init__(self, cf: CompiledFunction, base: int, module, name: str | None):
        self.cf, self.base, self.module, self.name = cf, base, module, name
        self.native_entry = base + cf.native_entry
        self.array_entry = base + cf.array_entry

    def osr_entry(self, loop_offset: int) -> int | None:
        off = self.cf.osr_entries.get(loop_offset)
        return None if off is None else self.base + off


class NativeCode:
    def __init__(self, core: StoreCore, host_caller_stack: list):
        _ensure_callbacks()
        # Weak: the tier manager's finalizer keeps this object (to unmap the
        # code when the store is gone); nothing here may keep the store alive.
        self._core = weakref.ref(core)
        self.store_id = core.id
        self.memory = CodeMemory(arena=ARENA_BYTES)
        start, end = self.memory.arena_range
        signals.register_code_range(start, end)
        self._range = (start, end)
        self._extra_ranges: list[tuple[int, int]] = []
        self.natives = NativeAddresses(signals.libcall_address(), signals.raise_trap_address())
        self._callout = signals.callout_address()
        self._trampolines: dict[FuncType, int] = {}
        self.installed: dict[tuple[int, int], Installed] = {}   # (id(module), index)
        self._by_pc: list[tuple[int, Installed]] = []           # sorted by base
        self._instances = weakref.WeakValueDictionary()         # vmctx -> Instance
        self.host_caller_stack = host_caller_stack              # shared with tier 0
        self.pending: BaseException | None = None
        self.run_wasm = None        # (sid, args) -> results: set by the manager
        _stores[core.id] = weakref.ref(self)
        core.func_listeners.append(self.on_new_func)
        for entry in core.funcs.entries:
            self.on_new_func(entry)

    @property
    def core(self) -> StoreCore:
        return self._core()

    # -- functions and trampolines ----------------------------------------------

    def on_new_func(self, entry: FuncEntry) -> None:
        """Every function gets a callable native entry: its type's trampoline."""
        if entry.instance is not None:
            self._instances[entry.instance.vmctx] = entry.instance
        if read_u64(entry.funcref + FUNCREF_NATIVE_ENTRY) == 0:
            write_u64(entry.funcref + FUNCREF_NATIVE_ENTRY, self.trampoline(entry.functype))

    def trampoline(self, ftype: FuncType) -> int:
        addr = self._trampolines.get(ftype)
        if addr is None:
            code = callout_trampoline(ftype, self._callout, self.natives.raise_trap)
            addr = self._trampolines[ftype] = self._install_code(code)
        return addr

    def _install_code(self, code: bytes) -> int:
        """Code into the arena; a batch that did not fit there got pages of
        its own, which the trap handler must know as JIT code too."""
        addr = self.memory.install(code)
        start, end = self._range
        if not start <= addr < end:
            signals.register_code_range(addr, addr + len(code))
            self._extra_ranges.append((addr, addr + len(code)))
        return addr

    def install(self, cf: CompiledFunction, module, name: str | None = None) -> Installed:
        key = (id(module), cf.func_index)
        inst = self.installed.get(key)
        if inst is None:
            inst = Installed(cf, self._install_code(cf.code), module, name)
            self.installed[key] = inst
            bisect.insort(self._by_pc, (inst.base, inst), key=lambda t: t[0])
        return inst

    def compiled(self, module, func_index: int) -> Installed | None:
        return self.installed.get((id(module), func_index))

    def publish(self, entry: FuncEntry, inst: Installed) -> None:
        write_u64(entry.funcref + FUNCREF_ARRAY_ENTRY, inst.array_entry)
        write_u64(entry.funcref + FUNCREF_NATIVE_ENTRY, inst.native_entry)
        rec = self.core.funcs.records[entry.sid]
        rec[FUNC_KIND] = KIND_NATIVE
        rec[FUNC_INTERP_PC] = -1

    # -- Python -> code -----------------------------------------------------------

    def invoke(self, fn: int, vmctx: int, args: list[int], nresults: int) -> list[int]:
        """Run array-call entry `fn` on raw slots; raise the trap or the
        exception it ended with."""
        n = max(len(args), nresults, 1)
        cells = (ctypes.c_uint64 * (2 * n))()
        for i, a in enumerate(args):
            cells[2 * i] = a & MASK64
        if signals.lib().wasmtier_call(fn, vmctx, vmctx, ctypes.addressof(cells), len(args)):
            self._raise(vmctx)
        return [cells[2 * i] for i in range(nresults)]

    def _raise(self, vmctx: int):
        code = read_u64(vmctx + VMCTX_TRAP_CODE)
        if code == RAISED_IN_PYTHON:
            exc, self.pending = self.pending, None
            if exc is None:
                raise RuntimeError("compiled code unwound without a pending exception")
            raise exc
        code = TrapCode(code)
        pcs = signals.trap_frames() or [read_u64(vmctx + VMCTX_TRAP_PC)]
        # the first is the trapping pc, the others return addresses (-1: the call)
        frames = [self.frame_at(pc if i == 0 else pc - 1, i > 0) for i, pc in enumerate(pcs)]
        trap = Trap.from_code(code, [f for f in frames if f is not None])
        if code is TrapCode.INDIRECT_CALL_TO_NULL:    # as tier 0 words it
            index = read_u64(vmctx + VMCTX_TRAP_ARG)
            trap = Trap(f"{trap.message} {index}", code, trap.frames)
        raise trap

    def frame_at(self, pc: int, call_site: bool = False) -> Frame | None:
        """The wasm frame of `pc` in compiled code; None outside it, and for a
        call site in an entry stub (array / OSR entries calling the body)."""
        i = bisect.bisect_right(self._by_pc, pc, key=lambda t: t[0]) - 1
        if i < 0:
            return None
        inst = self._by_pc[i][1]
        if pc >= inst.base + len(inst.cf.code):
            return None
        if call_site and pc - inst.base >= inst.cf.array_entry:
            return None
        cf, module = inst.cf, inst.module
        site = cf.trap_at(pc - inst.base)
        offset = site.wasm_offset if site is not None else cf.wasm_offset_of(pc - inst.base)
        body = module.codes[cf.func_index - module.num_imported_funcs]
        return Frame(cf.func_index, inst.name, module.name, (offset or 0) - body.locals_offset,
                     offset or 0)

    # -- code -> Python -----------------------------------------------------------

    def callout(self, funcref: int, caller_vmctx: int, values: int, n: int) -> int:
        try:
            entry = self.core.entry_of_funcref(funcref)
            cells = (ctypes.c_uint64 * (2 * n)).from_address(values)
            args = [cells[2 * i] for i in range(len(entry.functype.params))]
            if entry.kind == KIND_HOST:
                self.host_caller_stack.append(self._instances.get(caller_vmctx))
                try:
                    results = entry.host(args)
                finally:
                    self.host_caller_stack.pop()
            else:
                results = self.run_wasm(entry.sid, args)
            for i, r in enumerate(results or ()):
                cells[2 * i] = r & MASK64
            return 0
        except BaseException as exc:  # noqa: BLE001 - must not unwind into C
            self.pending = exc
            return 1

    def libcall(self, vmctx: int, lc_id: int, args: int) -> int:
        try:
            lc = libcalls.LIBCALLS[lc_id]
            cells = (ctypes.c_uint64 * (2 * max(lc.n_args, 1))).from_address(args)
            result = lc.fn(self._instances[vmctx], *[cells[2 * i] for i in range(lc.n_args)])
            cells[0] = (result or 0) & MASK64
            return 0
        except BaseException as exc:  # noqa: BLE001
            self.pending = exc
            return 1

    def close(self) -> None:
        """Unmap the code (the store is gone, or going: nothing can run it)."""
        _stores.pop(self.store_id, None)
        core = self.core
        if core is not None and self.on_new_func in core.func_listeners:
            core.func_listeners.remove(self.on_new_func)
        if self._range is not None:
            for start, end in [self._range] + self._extra_ranges:
                signals.unregister_code_range(start, end)
            self._range = None
            self.memory.close()


def _owner(vmctx: int) -> NativeCode:
    ref = _stores.get(read_u64(vmctx + VMCTX_STORE_ID))
    nc = ref() if ref is not None else None
    if nc is None:
        raise RuntimeError("compiled code called back into a store that is gone")
    return nc


def _callout(funcref, caller_vmctx, values, n):
    try:
        nc = _owner(caller_vmctx)
    except BaseException:  # noqa: BLE001 - nowhere to keep it: abort the call
        return 2
    return nc.callout(funcref, caller_vmctx, values, n)


def _libcall(vmctx, lc_id, args):
    try:
        nc = _owner(vmctx)
    except BaseException:  # noqa: BLE001
        return 2
    return nc.libcall(vmctx, lc_id, args)


def _ensure_callbacks() -> None:
    global _callbacks_ready
    with _callbacks_lock:
        if not _callbacks_ready:
            signals.install()
            signals.set_callbacks(_callout, _libcall)
            _callbacks_ready = True
