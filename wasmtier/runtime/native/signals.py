"""Signal-based traps for JIT code: entry trampoline, landing pad, handler.

Compiled tiers (1 and 2) do not bounds-check loads against the 4 GiB + guard
reservation, do not test divisors for zero, and compile `unreachable` to
`ud2`: the hardware faults, and the C shim (`_shim_build.py`, cffi API mode)
turns the fault into a trap code and a normal return to Python.

Entry
-----
Every entry from Python goes through `wasmtier_call(fn, vmctx, caller_vmctx,
values, n)` (C), which sets the thread-local *current vmctx* (saving the
outer one, so entries nest) and calls `wasmtier_enter`, a hand-written
assembly stub (file-scope `__asm__` in the shim, so it is ordinary linked
code with CFI, not a runtime-generated page).  `fn` is an array-call entry
`void fn(callee_vmctx, caller_vmctx, u64x2 *values, size_t n)`.  The stub
saves the callee-saved registers and stores its rsp in VMCTX_ENTRY_RSP:

        higher addresses
        +--------------------------+
        | return into wasmtier_call|
        +--------------------------+ <- rbp + 8
        | saved rbp                |
        | saved rbx                |
        | saved r12 .. r15         |
        | outer VMCTX_ENTRY_RSP    |   re-entry on the same vmctx nests
        | entry vmctx              |   read back by the epilogue
        | (pad: 16-byte alignment) | <- rsp == VMCTX_ENTRY_RSP   (rsp % 16 == 0)
        +--------------------------+
        | return into the stub     |   fn's frames (JIT, C helpers) below
        |  ...                     |
        lower addresses

It returns 0 when `fn` returns and 1 when it trapped; the code is then in
VMCTX_TRAP_CODE (a `TrapCode`) and the faulting pc in VMCTX_TRAP_PC, both in
the *entry* vmctx (the one passed to `wasmtier_call`; a trap inside another
instance called from there is still reported in the entry vmctx).  The
return value is not the trap code itself because `TrapCode.STACK_OVERFLOW`
is 0.

Landing pad
-----------
`wasmtier_landing_pad` is entered with rsp == VMCTX_ENTRY_RSP and every other
register clobbered; it sets eax = 1 and runs the stub's epilogue, which
restores rbx, rbp, r12-r15 and the outer VMCTX_ENTRY_RSP from the frame and
returns to `wasmtier_call`.  Nothing is longjmp'ed and the signal mask is
restored by the kernel from the ucontext, so no sigsetjmp is needed.

Traps
-----
The handler (SIGSEGV, SIGBUS, SIGFPE, SIGILL; SA_SIGINFO | SA_ONSTACK) acts
only when the faulting pc lies in a range registered with
`register_code_range` *and* the thread has a current vmctx.  Then:

    SIGSEGV  address within 64 KiB below rsp   -> STACK_OVERFLOW
             any other address                 -> MEMORY_OUT_OF_BOUNDS
    SIGBUS                                     -> MEMORY_OUT_OF_BOUNDS
    SIGFPE   FPE_INTDIV                        -> INTEGER_DIVISION_BY_ZERO
             (also INT_MIN / -1: the JIT emits an explicit check for that)
    SIGILL   `ud2` (0F 0B) followed by byte b  -> TrapCode(b) if b is a code,
                                                  else UNREACHABLE
             anything else                     -> chained (a compiler bug)

so the JIT's explicit traps are all `ud2; db code` (bounds check failed,
call stack exhausted, bad signature...), and `unreachable` is `ud2; db 9`.
It stores the code and pc in the entry vmctx, sets RSP = VMCTX_ENTRY_RSP and
RIP = landing pad in the ucontext, and returns.

C code called from JIT code (a host-function shim whose Python callback
reported a trap) unwinds with `wasmtier_raise_trap(code)`: same landing, no
signal.  It skips the frames in between without cleanup, so it must only be
called from C frames after any Python callback has returned.

Invariants
----------
- Faults whose pc is not in JIT code, and signals sent by kill()/raise(),
  go to the previous handler (SA_SIGINFO handlers are called, plain ones
  called, SIG_DFL/SIG_IGN restored and re-raised), so faulthandler and
  Python's default behaviour are unchanged.  Install *after*
  `faulthandler.enable()`: a handler installed later than ours takes the
  signal first (`handler_is_active()` reports whether ours is still there).
- Every thread that may trap needs an alternate signal stack (a stack
  overflow cannot be handled on the overflowed stack).  `install()` gives the
  calling thread one, `wasmtier_call` gives one lazily to every thread that
  enters wasm, and `ensure_thread()` does it explicitly; a thread that
  already has one (faulthandler's, on the main thread) keeps it.  Ours are
  64 KiB + a guard page, freed at thread exit.
- JIT code must be called through `wasmtier_call` (directly or from native
  code by its address) for its faults to be traps: with no current vmctx the
  fault is chained, i.e. the process dies as it would without us.
- A code range must stay registered while code in it can run; the range
  table is lock-free for the handler (4096 slots, reused).
"""

from __future__ import annotations

import fcntl
import importlib
import importlib.machinery
import os
import tempfile
import threading

from ..trap import TrapCode
from ..vmoffsets import VMCTX_TRAP_CODE, VMCTX_TRAP_PC

BUILD_COMMAND = ".venv/bin/python -m wasmtier.runtime.native._shim_build"

_NATIVE_DIR = os.path.dirname(os.path.abspath(__file__))
_load_lock = threading.Lock()
_module = None
_installed = False


class NativeShimUnavailable(RuntimeError):
    """The C shim is missing and could not be built here."""


def _shim_path() -> str:
    return os.path.join(_NATIVE_DIR, "_shim" + importlib.machinery.EXTENSION_SUFFIXES[0])


def _is_current(path: str, tag: bytes) -> bool:
    try:
        with open(path, "rb") as f:
            return tag in f.read()
    except OSError:
        return False


def _load():
    """Import the shim, building it first if it is missing or stale."""
    global _module
    if _module is not None:
        return _module
    with _load_lock:
        if _module is not None:
            return _module
        from . import _shim_build

        tag = _shim_build.shim_tag().encode()
        path = _shim_path()
        if not _is_current(path, tag):
            # Serialize concurrent builders (pytest -n), across processes.
            lock_path = os.path.join(tempfile.gettempdir(),
                                     f"wasmtier-shim-{os.getuid()}.lock")
            with open(lock_path, "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                if not _is_current(path, tag):
                    try:
                        _shim_build.build()
                    except Exception as exc:  # CompileError, VerificationError, OSError
                        raise NativeShimUnavailable(
                            f"wasmtier's C trap shim ({path}) is missing or stale and "
                            f"building it failed: {exc!r}.  It needs a C compiler "
                            f"(gcc) and the Python headers; build it with `{BUILD_COMMAND}`."
                        ) from exc
        # Drop stale finder caches: the file may be newer than the last scan.
        importlib.invalidate_caches()
        _module = importlib.import_module("wasmtier.runtime.native._shim")
        if _module.ffi.string(_module.lib.wasmtier_shim_tag()) != tag:
            raise NativeShimUnavailable(
                f"{path} is stale (built from another source); rebuild with `{BUILD_COMMAND}`")
        return _module


def ffi():
    return _load().ffi


def lib():
    return _load().lib


def install() -> None:
    """Install the trap handler (once per process; later calls only give the
    calling thread an alternate signal stack).  Call after faulthandler."""
    global _installed
    rc = lib().wasmtier_install()
    if rc != 0:
        raise OSError(-rc, f"wasmtier_install failed: {os.strerror(-rc)}")
    _installed = True


def handler_is_active() -> bool:
    """True while our handler is the disposition of all four trap signals."""
    return bool(lib().wasmtier_handler_is_active())


def ensure_thread() -> None:
    """Give the calling thread an alternate signal stack (idempotent)."""
    rc = lib().wasmtier_ensure_thread()
    if rc != 0:
        raise OSError(-rc, f"sigaltstack failed: {os.strerror(-rc)}")


def register_code_range(start: int, end: int) -> None:
    """Declare [start, end) as JIT code: faults there become traps."""
    rc = lib().wasmtier_register_code_range(start, end)
    if rc != 0:
        raise OSError(-rc, f"cannot register code range 0x{start:x}..0x{end:x}: "
                      f"{os.strerror(-rc)}")


def unregister_code_range(start: int, end: int) -> None:
    rc = lib().wasmtier_unregister_code_range(start, end)
    if rc != 0:
        raise KeyError(f"code range 0x{start:x}..0x{end:x} is not registered")


def call_array(fn: int, vmctx: int, caller_vmctx: int, values: int, n: int) -> TrapCode | None:
    """Run array-call entry `fn` through the trampoline: None when it
    returned, else the TrapCode it trapped with (read from `vmctx`)."""
    if not _installed:
        install()
    if lib().wasmtier_call(fn, vmctx, caller_vmctx, values, n) == 0:
        return None
    return TrapCode(_read_u64(vmctx + VMCTX_TRAP_CODE))


def trap_pc(vmctx: int) -> int:
    """The pc of the last trap reported in `vmctx`."""
    return _read_u64(vmctx + VMCTX_TRAP_PC)


def _read_u64(address: int) -> int:
    f = ffi()
    return f.cast("uint64_t *", address)[0]


def landing_pad_address() -> int:
    return lib().wasmtier_landing_pad_address()


def call_address() -> int:
    """Address of `int wasmtier_call(fn, vmctx, caller_vmctx, values, n)`, for
    native callers (numba, JIT code) that enter wasm without Python."""
    return lib().wasmtier_call_address()


def raise_trap_address() -> int:
    """Address of `void wasmtier_raise_trap(uint64_t code)` (noreturn)."""
    return lib().wasmtier_raise_trap_address()


def trap_count() -> int:
    """Traps the handler has turned into landings, process-wide."""
    return lib().wasmtier_trap_count()


def trap_frames(max_frames: int = 64) -> list[int]:
    """The calling thread's last trap in JIT code: its pc, then the return
    address of every frame up to the entry (innermost first; the handler
    walks the rbp chain).  Empty after a `wasmtier_raise_trap`."""
    f = ffi()
    buf = f.new("uintptr_t[]", max_frames)
    n = lib().wasmtier_trap_frames(buf, max_frames)
    return [int(buf[i]) for i in range(n)]


def stack_limit() -> int:
    """The calling thread's wasm stack limit (0 when no wasm is running on it)."""
    return lib().wasmtier_stack_limit()


# -- callbacks from JIT code into Python ---------------------------------------------
#
# Two `extern "Python"` functions of the shim, each with one process-wide
# Python implementation (set once by the tier layer):
#
#   int wasmtier_callout(funcref, caller_vmctx, values, n)
#       call the function of VMFuncRef `funcref` (interpreted or host) on the
#       n 16-byte cells at `values`, results written back there;
#   int wasmtier_libcall(vmctx, id, args)
#       run runtime helper `id` on the cells at `args`, result in args[0].
#
# Both return 0 on success and 1 when the call raised: the exception is kept
# by the Python side, and the JIT code unwinds with `wasmtier_raise_trap`.
# An implementation must never let an exception escape (cffi would print it
# and return 0): it catches BaseException itself.

_callbacks_set = False


def set_callbacks(callout, libcall) -> None:
    """Install the Python implementations of the two callbacks (once)."""
    global _callbacks_set
    f = ffi()
    f.def_extern(name="wasmtier_callout")(callout)
    f.def_extern(name="wasmtier_libcall")(libcall)
    _callbacks_set = True


def callout_address() -> int:
    f = ffi()
    return int(f.cast("uintptr_t", f.addressof(lib(), "wasmtier_callout")))


def libcall_address() -> int:
    f = ffi()
    return int(f.cast("uintptr_t", f.addressof(lib(), "wasmtier_libcall")))
