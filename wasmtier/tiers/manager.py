"""The tier manager: how a store runs its functions, and when they move up.

Strategies (Config.strategy)
----------------------------
    "interp"                 everything on tier 0
    "baseline" / "winch"     every wasm function compiled by tier 1 when its
                             instance is created, before it can run
    "auto"                   tier 0 first; tier 1 once hot (below)
    "opt" / "cranelift"      tier 2 does not exist yet: run as "baseline", and
                             `tier_of` says "baseline"

A function tier 1 cannot compile (`NotImplementedError`: a tail call needing
more stack-argument bytes than its caller got) stays on tier 0 under every
strategy; that is logged as "compile_failed".  With fuel metering, tier 1
charges the same regions as tier 0 from the same counter (the interpreter's
fuel cell, pointed to by VMCTX_FUEL), so fuel stays exact across tiers; with
epoch interruption it checks the epoch at function entries and loop headers
as tier 0 does.  The fuel pointer, the epoch deadline and the engine's epoch
address are written into every VMContext that compiled code runs with
(`_sync_vmctx`).

Tier-up ("auto")
----------------
Each defined function's counter lives in its instance's VMContext
(`tier_counters`) and counts up from -Config.tier_up_baseline: +15 per call,
+1 per loop iteration (JavaScriptCore's weights; tier 0 does the counting,
interp/ops.py `tier_entry` / `tier_loop`).  At 0 the interpreter exits to
`tier_up` (at an entry) or `osr_entry` (at a loop header):

1. the function is queued for compilation: on the background compiler
   thread (Config.background_compile, the default; the guest keeps running
   on tier 0 meanwhile), else compiled on the spot;
2. when its code is ready it is published (NativeCode.publish): from then
   on calls from anywhere go to it;
3. a frame still running on tier 0 moves to the code at its next loop header
   whose counter is past 0 (OSR, Config.osr): locals and operand stack go to
   the loop's OSR entry, which runs the rest of the function.

Until the code is ready the counter is set back by RETRY units, so a hot
loop asks again soon but not at every iteration; a function that failed to
compile gets a counter that never reaches 0 again.  Every step is logged
(log.py).
"""

from __future__ import annotations

import itertools
import queue
import threading
import time
import weakref

from ..interp.machine import Interpreter
from ..runtime.memory import write_u64
from ..runtime.store import KIND_HOST, FuncEntry, StoreCore
from ..runtime.vmoffsets import VMCTX_EPOCH_DEADLINE, VMCTX_EPOCH_PTR, VMCTX_FUEL
from ..winch.compile import compile_function
from .log import TierLog

STRATEGIES = ("auto", "interp", "baseline", "winch", "opt", "cranelift")
RETRY = 100                  # counter units until a pending function asks again
NEVER = -(1 << 62)           # a counter that will not reach 0


class TierManager:
    def __init__(self, core: StoreCore, strategy: str = "auto", consume_fuel: bool = False,
                 epoch_interruption: bool = False, epoch_address: int = 0,
                 tier_up_baseline: int = 150, osr: bool = True,
                 background_compile: bool = True, tier_log: str = "",
                 guard_pages: bool = True):
        if strategy not in STRATEGIES:
            raise ValueError(f"unknown strategy {strategy!r}; expected one of {STRATEGIES}")
        if tier_up_baseline < 0:
            raise ValueError("tier_up_baseline must be >= 0")
        self.core = core
        self.strategy = strategy
        self.interp = Interpreter(core, consume_fuel, epoch_interruption, epoch_address)
        self.log = TierLog(tier_log)
        self.osr = osr
        self.guard_pages = guard_pages
        self.background = background_compile
        self.eager = strategy in ("baseline", "winch", "opt", "cranelift")
        self.tiering = strategy == "auto"
        self.consume_fuel = consume_fuel
        self.epoch_interruption = epoch_interruption
        self.epoch_address = epoch_address
        self._synced_vmctxs: set[int] = set()
        self.native = None
        self.published: dict[int, object] = {}        # sid -> Installed
        self.failed: dict[tuple[int, int], str] = {}   # (id(module), index) -> reason
        # (id(module), index) -> entries waiting for the background compiler
        self._waiting: dict[tuple[int, int], list[FuncEntry]] = {}
        self._compile_lock = threading.Lock()
        if self.tiering:
            self.interp.tier_threshold = tier_up_baseline
        self.interp.tier_hook = self
        if self.eager or self.tiering:
            core.func_listeners.append(self._on_new_func)

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
        for vmctx in self._synced_vmctxs:
            write_u64(vmctx + VMCTX_EPOCH_DEADLINE, value)

    def _sync_vmctx(self, vmctx: int) -> None:
        if vmctx not in self._synced_vmctxs:
            write_u64(vmctx + VMCTX_FUEL, self.interp.fuel_cell.addr)
            write_u64(vmctx + VMCTX_EPOCH_PTR, self.epoch_address)
            write_u64(vmctx + VMCTX_EPOCH_DEADLINE, self.interp.epoch_deadline)
            self._synced_vmctxs.add(vmctx)

    # -- running ------------------------------------------------------------------

    def call(self, sid: int, args: list[int]) -> list[int]:
        """Run store function `sid` on raw slots (from Python or a callout)."""
        inst = self.published.get(sid)
        if inst is not None:
            entry = self.core.funcs.entries[sid]
            return self.native.invoke(inst.array_entry, entry.instance.vmctx, args,
                                      len(entry.functype.results))
        return self.interp.call(sid, args)

    def call_native(self, sid: int, args: list[int]) -> list[int]:
        """Tier 0 calling a published function (a KIND_NATIVE record)."""
        return self.call(sid, args)

    def caller_instance(self):
        """The runtime instance whose code called the running host function."""
        stack = self.interp.caller_instances
        return stack[-1] if stack else None

    def tier_of(self, sid: int) -> str:
        return "baseline" if sid in self.published else "interp"

    # -- compiling and publishing ------------------------------------------------------

    def _native(self):
        if self.native is None:
            from .native import NativeCode
            self.native = NativeCode(self.core, self.interp.caller_instances)
            # Weakly: the finalizer below holds the code, and must not keep
            # this manager (and its store) alive through it.
            call = weakref.WeakMethod(self.call)
            self.native.run_wasm = lambda sid, args: call()(sid, args)
            weakref.finalize(self, self.native.close)
        return self.native

    def _on_new_func(self, entry: FuncEntry) -> None:
        """Eager strategies compile every new function; "auto" publishes at
        once the functions whose module code exists already (compiled code
        belongs to the module: a new instance starts where the last left)."""
        if entry.kind == KIND_HOST:
            return
        if self.eager:
            self.compile(entry)
        elif self.native is not None and self.native.compiled(entry.instance.module, entry.index):
            self.compile(entry)

    def compile(self, entry: FuncEntry):
        """Compile (once per module and function) and publish; the Installed
        code, or None if tier 1 cannot take the function."""
        inst = self.published.get(entry.sid)
        if inst is not None:
            return inst
        module, index, name = entry.instance.module, entry.index, entry.name
        key = (id(module), index)
        with self._compile_lock:
            t0 = time.perf_counter()
            native = self._native()
            inst = native.compiled(module, index)
            if inst is None:
                if key in self.failed:
                    return None
                self.log.event("compile_start", index, name)
                try:
                    cf = compile_function(module, entry.instance.offsets, index, native.natives,
                                          epoch_checks=self.epoch_interruption,
                                          guard_pages=self.guard_pages,
                                          fuel=self.consume_fuel)
                except NotImplementedError as exc:
                    self.failed[key] = f"unsupported: {exc}"
                    self.log.event("compile_failed", index, name, reason=self.failed[key])
                    return None
                inst = native.install(cf, module, name)
                self.log.event("compile_end", index, name,
                               ms=round(1000 * (time.perf_counter() - t0), 3),
                               code_bytes=len(cf.code), wasm_bytes=cf.body_bytes)
            self._sync_vmctx(entry.instance.vmctx)
            self.published[entry.sid] = inst
            native.publish(entry, inst)
        self.log.event("publish", index, name)
        return inst

    def _request(self, entry: FuncEntry, urgent: bool = False) -> None:
        """Compile now, or queue for the background compiler (once per
        module function; `urgent` requests, for a loop waiting to OSR, go
        before the others)."""
        if entry.sid in self.published:
            return
        if not self.background:
            self.compile(entry)
            return
        key = (id(entry.instance.module), entry.index)
        waiting = self._waiting.get(key)
        if waiting is not None:
            if entry not in waiting:
                waiting.append(entry)
            return
        self._waiting[key] = [entry]
        _compiler().submit(self, key, urgent)

    def _compile_waiting(self, key) -> None:
        """The background compiler's job: compile, publish to every waiter."""
        for entry in self._waiting.get(key, ()):
            self.compile(entry)
        self._waiting.pop(key, None)

    def _queued(self, entry: FuncEntry) -> bool:
        return (id(entry.instance.module), entry.index) in self._waiting

    def _counter_address(self, entry: FuncEntry) -> int:
        inst = entry.instance
        return (inst.vmctx + inst.offsets.tier_counters
                + 8 * (entry.index - inst.module.num_imported_funcs))

    def _reset_counter(self, entry: FuncEntry) -> None:
        """Failed: never again.  Published: -1, so the running frame moves
        over at its next loop header.  Pending: ask again after RETRY units."""
        key = (id(entry.instance.module), entry.index)
        if key in self.failed:
            value = NEVER
        elif entry.sid in self.published:
            value = -1
        else:
            value = -RETRY
        write_u64(self._counter_address(entry), value)

    # -- tier-0 hooks (interp/machine.py) ------------------------------------------------

    def tier_up(self, sid: int) -> None:
        entry = self.core.funcs.entries[sid]
        if not self._queued(entry) and sid not in self.published:
            self.log.event("threshold", entry.index, entry.name)
        self._request(entry)
        self._reset_counter(entry)

    def osr_entry(self, sid: int, loop: int):
        """A runner `state -> results` entering the compiled code of `sid` at
        the loop at wasm offset `loop`, or None to stay on tier 0 for now."""
        entry = self.core.funcs.entries[sid]
        inst = self.published.get(sid)
        if inst is None:
            if not self._queued(entry):
                self.log.event("threshold", entry.index, entry.name, loop=loop)
            self._request(entry, urgent=True)
            inst = self.published.get(sid)
        if inst is None or not self.osr:
            self._reset_counter(entry)
            if not self.osr and inst is not None:
                write_u64(self._counter_address(entry), NEVER)
            return None
        addr = inst.osr_entry(loop)
        if addr is None:
            write_u64(self._counter_address(entry), NEVER)
            return None
        self.log.event("osr", entry.index, entry.name, loop=loop)
        native, vmctx = self.native, entry.instance.vmctx
        nresults = len(entry.functype.results)
        return lambda state: native.invoke(addr, vmctx, state, nresults)

    def close(self) -> None:
        self.log.close()


class _Compiler:
    """One background thread compiling for every store: urgent requests
    (loops waiting to OSR) first, then in request order."""

    def __init__(self):
        self.queue: queue.PriorityQueue = queue.PriorityQueue()
        self._seq = itertools.count()
        self.thread = threading.Thread(target=self._run, name="wasmtier-compiler", daemon=True)
        self.thread.start()

    def submit(self, manager: TierManager, key, urgent: bool) -> None:
        self.queue.put((0 if urgent else 1, next(self._seq), manager, key))

    def _run(self) -> None:
        while True:
            _, _, manager, key = self.queue.get()
            try:
                manager._compile_waiting(key)
            except BaseException as exc:  # noqa: BLE001 - keep the thread alive
                for entry in manager._waiting.pop(key, ()):
                    manager.failed[key] = f"compiler error: {exc!r}"
                    manager.log.event("compile_failed", entry.index, entry.name,
                                      reason=manager.failed[key])
            finally:
                del manager
                self.queue.task_done()

    def wait_idle(self, timeout: float = 60.0) -> bool:
        """Block until the queue is empty (tests and benchmarks)."""
        deadline = time.monotonic() + timeout
        while self.queue.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.001)
        return not self.queue.unfinished_tasks


_compiler_instance: _Compiler | None = None
_compiler_lock = threading.Lock()


def _compiler() -> _Compiler:
    global _compiler_instance
    with _compiler_lock:
        if _compiler_instance is None:
            _compiler_instance = _Compiler()
        return _compiler_instance
