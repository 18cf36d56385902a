"""cffi API-mode builder for `wasmtier.runtime.native._shim`, the C shim that
makes traps in JIT code safe (entry trampoline, landing pad, signal handler).

Build it with

    .venv/bin/python -m wasmtier.runtime.native._shim_build

which writes `_shim.<EXT_SUFFIX>` next to this file.  `signals.py` runs the
same `build()` on demand when the module is missing or stale, so a fresh clone
works before `make install` has run.

Single sources of truth: the VMContext offsets come from `vmoffsets.py` and
the trap codes from `trap.py`; they are pasted into the C source as
`#define`s here, and a hash of the whole generated source is embedded in the
module (`SHIM_TAG`) so a stale build is detected without loading it.

The design (entry frame, landing pad, handler, invariants) is documented in
`signals.py`; the C below carries only local comments.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import tempfile

from cffi import FFI

from ..trap import TrapCode
from ..vmoffsets import (VMCTX_ENTRY_RSP, VMCTX_STACK_LIMIT, VMCTX_TRAP_ARG, VMCTX_TRAP_CODE,
                         VMCTX_TRAP_PC)

MODULE_NAME = "wasmtier.runtime.native._shim"
NATIVE_DIR = os.path.dirname(os.path.abspath(__file__))

CDEF = """
int wasmtier_call(uintptr_t fn, uintptr_t vmctx, uintptr_t caller_vmctx,
                  uintptr_t values, size_t n);
void wasmtier_raise_trap(uint64_t code);
int wasmtier_install(void);
int wasmtier_handler_is_active(void);
int wasmtier_ensure_thread(void);
int wasmtier_register_code_range(uintptr_t start, uintptr_t end);
int wasmtier_unregister_code_range(uintptr_t start, uintptr_t end);
uintptr_t wasmtier_landing_pad_address(void);
uintptr_t wasmtier_call_address(void);
uintptr_t wasmtier_raise_trap_address(void);
uint64_t wasmtier_trap_count(void);
uintptr_t wasmtier_current_vmctx(void);
const char *wasmtier_shim_tag(void);
uintptr_t wasmtier_stack_limit(void);
size_t wasmtier_trap_frames(uintptr_t *out, size_t max);
extern "Python" int wasmtier_callout(uintptr_t funcref, uintptr_t caller_vmctx,
                                     uintptr_t values, size_t n);
extern "Python" int wasmtier_libcall(uintptr_t vmctx, uint64_t id, uintptr_t args);
#define WASMTIER_MAX_CODE_RANGES ...
#define WASMTIER_WASM_STACK ...
#define WASMTIER_ALTSTACK_SIZE ...
"""

C_TEMPLATE = r"""
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

/* ---- generated from vmoffsets.py / trap.py ---------------------------- */
@@GENERATED@@

#define WASMTIER_MAX_CODE_RANGES 4096
#define WASMTIER_ALTSTACK_SIZE (64 * 1024)
/* Machine stack that wasm (and everything it calls back into) may use below
   the outermost entry of a thread; compiled prologues trap below it. */
#define WASMTIER_WASM_STACK (1024 * 1024)
/* A SIGSEGV whose address lies this close below (or just above) the
   interrupted rsp is a machine-stack overflow, not a linear-memory access. */
#define STACK_FAULT_BELOW (64 * 1024)
#define STACK_FAULT_ABOVE 256

#define VMCTX_WORD(vm, off) (((volatile uint64_t *)(vm))[(off) / 8])

/* ---- entry trampoline and landing pad (AT&T syntax) -------------------- */
/* int wasmtier_enter(fn, vmctx, caller_vmctx, values, n): see signals.py for
   the frame diagram.  Returns 0 when fn returned, 1 when it trapped. */
int wasmtier_enter(uintptr_t fn, uintptr_t vmctx, uintptr_t caller_vmctx,
                   uintptr_t values, size_t n);
void wasmtier_landing_pad(void);
__attribute__((noreturn)) void wasmtier_unwind(uintptr_t entry_rsp);

#define STR_(x) #x
#define STR(x) STR_(x)
__asm__(
    "    .text\n"
    "    .p2align 4\n"
    "    .globl wasmtier_enter\n"
    "    .hidden wasmtier_enter\n"
    "    .type wasmtier_enter, @function\n"
    "wasmtier_enter:\n"
    "    .cfi_startproc\n"
    "    pushq %rbp\n"
    "    .cfi_def_cfa_offset 16\n"
    "    .cfi_offset %rbp, -16\n"
    "    movq %rsp, %rbp\n"
    "    .cfi_def_cfa_register %rbp\n"
    "    pushq %rbx\n"
    "    pushq %r12\n"
    "    pushq %r13\n"
    "    pushq %r14\n"
    "    pushq %r15\n"
    "    .cfi_offset %rbx, -24\n"
    "    .cfi_offset %r12, -32\n"
    "    .cfi_offset %r13, -40\n"
    "    .cfi_offset %r14, -48\n"
    "    .cfi_offset %r15, -56\n"
    "    pushq " STR(VMCTX_ENTRY_RSP) "(%rsi)\n"   /* previous entry rsp (re-entry) */
    "    pushq %rsi\n"                             /* entry vmctx */
    "    subq $8, %rsp\n"                          /* rsp % 16 == 0 at the call */
    "    movq %rsp, " STR(VMCTX_ENTRY_RSP) "(%rsi)\n"
    "    movq %rdi, %rax\n"
    "    movq %rsi, %rdi\n"                        /* callee_vmctx */
    "    movq %rdx, %rsi\n"                        /* caller_vmctx */
    "    movq %rcx, %rdx\n"                        /* values */
    "    movq %r8, %rcx\n"                         /* n */
    "    callq *%rax\n"
    "    xorl %eax, %eax\n"
    ".Lwasmtier_epilogue:\n"
    "    addq $8, %rsp\n"
    "    popq %rsi\n"
    "    popq %rcx\n"
    "    movq %rcx, " STR(VMCTX_ENTRY_RSP) "(%rsi)\n"
    "    popq %r15\n"
    "    popq %r14\n"
    "    popq %r13\n"
    "    popq %r12\n"
    "    popq %rbx\n"
    "    popq %rbp\n"
    "    .cfi_def_cfa %rsp, 8\n"
    "    ret\n"
    "    .cfi_endproc\n"
    "    .size wasmtier_enter, .-wasmtier_enter\n"
    "\n"
    /* Entered with rsp == the entry frame's saved VMCTX_ENTRY_RSP; every other
       register is whatever the trapping code left.  Outside the CFI region on
       purpose: rbp is garbage here. */
    "    .p2align 4\n"
    "    .globl wasmtier_landing_pad\n"
    "    .hidden wasmtier_landing_pad\n"
    "    .type wasmtier_landing_pad, @function\n"
    "wasmtier_landing_pad:\n"
    "    movl $1, %eax\n"
    "    jmp .Lwasmtier_epilogue\n"
    "    .size wasmtier_landing_pad, .-wasmtier_landing_pad\n"
    "\n"
    "    .p2align 4\n"
    "    .globl wasmtier_unwind\n"
    "    .hidden wasmtier_unwind\n"
    "    .type wasmtier_unwind, @function\n"
    "wasmtier_unwind:\n"
    "    movq %rdi, %rsp\n"
    "    jmp wasmtier_landing_pad\n"
    "    .size wasmtier_unwind, .-wasmtier_unwind\n"
);

/* ---- per-thread state -------------------------------------------------- */
/* Innermost entry vmctx of this thread (NULL outside wasm).  Set by
   wasmtier_call before the handler can need it, so the TLS block of this
   dlopen'ed module is already allocated when the handler reads it. */
static __thread uintptr_t tls_vmctx;
static __thread uintptr_t tls_stack_limit;   /* set by the outermost entry */
/* The last trap's pc and the return addresses of the frames below the entry
   (JIT frames keep rbp chains), innermost first: the wasm backtrace. */
#define WASMTIER_TRAP_FRAMES 64
static __thread uintptr_t tls_trap_pcs[WASMTIER_TRAP_FRAMES];
static __thread size_t tls_trap_npcs;
static __thread int tls_thread_ready;

static pthread_key_t altstack_key;
static pthread_once_t altstack_once = PTHREAD_ONCE_INIT;

static size_t page_size(void) { return (size_t)sysconf(_SC_PAGESIZE); }

static size_t altstack_size(void)
{
    size_t size = WASMTIER_ALTSTACK_SIZE;
    long min = sysconf(_SC_MINSIGSTKSZ);
    if (min > 0 && (size_t)min * 4 > size)
        size = (size_t)min * 4;
    return (size + page_size() - 1) & ~(page_size() - 1);
}

/* Thread exit: disable our alternate stack, then free it (guard included). */
static void free_altstack(void *mapping)
{
    char *sp = (char *)mapping + page_size();
    stack_t cur;
    if (sigaltstack(NULL, &cur) == 0 && cur.ss_sp == sp) {
        stack_t off;
        memset(&off, 0, sizeof off);
        off.ss_flags = SS_DISABLE;
        sigaltstack(&off, NULL);
    }
    munmap(mapping, altstack_size() + page_size());
}

static void make_altstack_key(void) { pthread_key_create(&altstack_key, free_altstack); }

int wasmtier_ensure_thread(void)
{
    if (tls_thread_ready)
        return 0;
    stack_t cur;
    if (sigaltstack(NULL, &cur) != 0)
        return -errno;
    if (!(cur.ss_flags & SS_DISABLE) && cur.ss_size >= (size_t)MINSIGSTKSZ) {
        /* Someone (faulthandler, on the main thread) already gave this thread
           an alternate stack: share it. */
        tls_thread_ready = 1;
        return 0;
    }
    size_t size = altstack_size(), page = page_size();
    char *mapping = mmap(NULL, size + page, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mapping == MAP_FAILED)
        return -errno;
    mprotect(mapping, page, PROT_NONE);   /* guard: overflow faults, never corrupts */
    stack_t ss;
    memset(&ss, 0, sizeof ss);
    ss.ss_sp = mapping + page;
    ss.ss_size = size;
    if (sigaltstack(&ss, NULL) != 0) {
        int err = errno;
        munmap(mapping, size + page);
        return -err;
    }
    pthread_once(&altstack_once, make_altstack_key);
    pthread_setspecific(altstack_key, mapping);
    tls_thread_ready = 1;
    return 0;
}

uintptr_t wasmtier_current_vmctx(void) { return tls_vmctx; }

/* ---- registered JIT code ranges ---------------------------------------- */
/* Readers (the handler) are lock-free; writers serialize on a mutex.  A slot
   is published by storing `end` then `start` (release); the reader loads
   `start` (acquire) then `end`, so it never pairs a new start with a stale
   end.  Slots are reused but the array never moves. */
static struct {
    _Atomic uintptr_t start, end;
} code_ranges[WASMTIER_MAX_CODE_RANGES];
static _Atomic size_t code_ranges_used;   /* high-water mark */
static pthread_mutex_t code_ranges_lock = PTHREAD_MUTEX_INITIALIZER;

int wasmtier_register_code_range(uintptr_t start, uintptr_t end)
{
    if (start == 0 || end <= start)
        return -EINVAL;
    pthread_mutex_lock(&code_ranges_lock);
    size_t used = atomic_load_explicit(&code_ranges_used, memory_order_relaxed), i;
    for (i = 0; i < used; i++)
        if (atomic_load_explicit(&code_ranges[i].start, memory_order_relaxed) == 0)
            break;
    if (i == WASMTIER_MAX_CODE_RANGES) {
        pthread_mutex_unlock(&code_ranges_lock);
        return -ENOSPC;
    }
    atomic_store_explicit(&code_ranges[i].end, end, memory_order_relaxed);
    atomic_store_explicit(&code_ranges[i].start, start, memory_order_release);
    if (i == used)
        atomic_store_explicit(&code_ranges_used, used + 1, memory_order_release);
    pthread_mutex_unlock(&code_ranges_lock);
    return 0;
}

int wasmtier_unregister_code_range(uintptr_t start, uintptr_t end)
{
    int rc = -ENOENT;
    pthread_mutex_lock(&code_ranges_lock);
    size_t used = atomic_load_explicit(&code_ranges_used, memory_order_relaxed);
    for (size_t i = 0; i < used; i++) {
        if (atomic_load_explicit(&code_ranges[i].start, memory_order_relaxed) == start &&
            atomic_load_explicit(&code_ranges[i].end, memory_order_relaxed) == end) {
            atomic_store_explicit(&code_ranges[i].start, 0, memory_order_release);
            atomic_store_explicit(&code_ranges[i].end, 0, memory_order_relaxed);
            rc = 0;
            break;
        }
    }
    pthread_mutex_unlock(&code_ranges_lock);
    return rc;
}

/* The end of the registered range holding pc, or 0.  Async-signal-safe. */
static uintptr_t jit_range_end(uintptr_t pc)
{
    size_t used = atomic_load_explicit(&code_ranges_used, memory_order_acquire);
    for (size_t i = 0; i < used; i++) {
        uintptr_t start = atomic_load_explicit(&code_ranges[i].start, memory_order_acquire);
        if (start != 0 && pc >= start) {
            uintptr_t end = atomic_load_explicit(&code_ranges[i].end, memory_order_relaxed);
            if (pc < end)
                return end;
        }
    }
    return 0;
}

/* ---- the signal handler ------------------------------------------------ */
static const int trap_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL};
#define N_TRAP_SIGNALS (sizeof trap_signals / sizeof trap_signals[0])
static struct sigaction previous_actions[N_TRAP_SIGNALS];
static _Atomic int handlers_installed;
static pthread_mutex_t install_lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic uint64_t trap_count;

static int signal_slot(int sig)
{
    for (size_t i = 0; i < N_TRAP_SIGNALS; i++)
        if (trap_signals[i] == sig)
            return (int)i;
    return -1;
}

/* Not ours: behave as if we had never been installed. */
static void chain(int sig, siginfo_t *info, void *ctx)
{
    const struct sigaction *old = &previous_actions[signal_slot(sig)];
    if (old->sa_flags & SA_SIGINFO) {
        old->sa_sigaction(sig, info, ctx);
        return;
    }
    if (old->sa_handler == SIG_IGN && info->si_code <= 0)
        return;                         /* an ignored kill(): stays ignored */
    if (old->sa_handler == SIG_DFL || old->sa_handler == SIG_IGN) {
        /* Restore the default and let it act: a hardware fault re-executes
           and re-faults on return; a sent signal is re-raised (it stays
           pending while blocked here and fires when the handler returns). */
        struct sigaction dfl;
        memset(&dfl, 0, sizeof dfl);
        dfl.sa_handler = SIG_DFL;
        sigemptyset(&dfl.sa_mask);
        sigaction(sig, &dfl, NULL);
        if (info->si_code <= 0)
            raise(sig);
        return;
    }
    old->sa_handler(sig);
}

static void trap_handler(int sig, siginfo_t *info, void *ctx)
{
    ucontext_t *uc = (ucontext_t *)ctx;
    greg_t *regs = uc->uc_mcontext.gregs;
    uintptr_t pc = (uintptr_t)regs[REG_RIP];
    uintptr_t range_end;
    uint64_t code;

    if (info->si_code <= 0 || (range_end = jit_range_end(pc)) == 0 || tls_vmctx == 0) {
        chain(sig, info, ctx);
        return;
    }
    switch (sig) {
    case SIGSEGV: {
        uintptr_t addr = (uintptr_t)info->si_addr, rsp = (uintptr_t)regs[REG_RSP];
        if (addr < rsp + STACK_FAULT_ABOVE && addr + STACK_FAULT_BELOW >= rsp)
            code = TRAP_STACK_OVERFLOW;
        else
            code = TRAP_MEMORY_OUT_OF_BOUNDS;
        break;
    }
    case SIGBUS:
        code = TRAP_MEMORY_OUT_OF_BOUNDS;
        break;
    case SIGFPE:
        /* x86 raises #DE for both x/0 and INT_MIN/-1 and Linux reports both
           as FPE_INTDIV: compiled code checks INT_MIN/-1 explicitly. */
        if (info->si_code == FPE_INTDIV)
            code = TRAP_INTEGER_DIVISION_BY_ZERO;
        else if (info->si_code == FPE_INTOVF)
            code = TRAP_INTEGER_OVERFLOW;
        else {
            chain(sig, info, ctx);
            return;
        }
        break;
    case SIGILL: {
        const uint8_t *ip = (const uint8_t *)pc;
        if (pc + 2 > range_end || ip[0] != 0x0f || ip[1] != 0x0b) {
            chain(sig, info, ctx);       /* not a ud2: a compiler bug, not a trap */
            return;
        }
        /* ud2 is followed by one trap-code byte; a bare ud2 at the very end
           of a range, or a byte that is no trap code, means unreachable. */
        code = TRAP_UNREACHABLE;
        if (pc + 3 <= range_end && ip[2] < TRAP_CODE_COUNT)
            code = ip[2];
        VMCTX_WORD(tls_vmctx, VMCTX_TRAP_ARG) = (uint64_t)regs[REG_R11];
        break;
    }
    default:
        chain(sig, info, ctx);
        return;
    }
    uintptr_t vm = tls_vmctx;
    VMCTX_WORD(vm, VMCTX_TRAP_CODE) = code;
    VMCTX_WORD(vm, VMCTX_TRAP_PC) = pc;
    {   /* walk the rbp chain between the faulting frame and the entry frame */
        uintptr_t entry_rsp = (uintptr_t)VMCTX_WORD(vm, VMCTX_ENTRY_RSP);
        uintptr_t fp = (uintptr_t)regs[REG_RBP], low = (uintptr_t)regs[REG_RSP];
        size_t n = 0;
        tls_trap_pcs[n++] = pc;
        while (n < WASMTIER_TRAP_FRAMES && (fp & 7) == 0 && fp >= low && fp < entry_rsp) {
            const uintptr_t *frame = (const uintptr_t *)fp;
            tls_trap_pcs[n++] = frame[1];
            if (frame[0] <= fp)
                break;
            fp = frame[0];
        }
        tls_trap_npcs = n;
    }
    regs[REG_RSP] = (greg_t)VMCTX_WORD(vm, VMCTX_ENTRY_RSP);
    regs[REG_RIP] = (greg_t)(uintptr_t)wasmtier_landing_pad;
    atomic_fetch_add_explicit(&trap_count, 1, memory_order_relaxed);
}

int wasmtier_install(void)
{
    pthread_mutex_lock(&install_lock);
    if (!atomic_load(&handlers_installed)) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_sigaction = trap_handler;
        sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
        sigemptyset(&sa.sa_mask);
        /* Record every previous action before any of ours can run. */
        for (size_t i = 0; i < N_TRAP_SIGNALS; i++)
            if (sigaction(trap_signals[i], NULL, &previous_actions[i]) != 0) {
                pthread_mutex_unlock(&install_lock);
                return -errno;
            }
        for (size_t i = 0; i < N_TRAP_SIGNALS; i++)
            if (sigaction(trap_signals[i], &sa, NULL) != 0) {
                pthread_mutex_unlock(&install_lock);
                return -errno;
            }
        atomic_store(&handlers_installed, 1);
    }
    pthread_mutex_unlock(&install_lock);
    return wasmtier_ensure_thread();
}

int wasmtier_handler_is_active(void)
{
    for (size_t i = 0; i < N_TRAP_SIGNALS; i++) {
        struct sigaction cur;
        if (sigaction(trap_signals[i], NULL, &cur) != 0)
            return 0;
        if (!(cur.sa_flags & SA_SIGINFO) || cur.sa_sigaction != trap_handler)
            return 0;
    }
    return 1;
}

/* ---- entry and explicit traps ------------------------------------------ */
int wasmtier_call(uintptr_t fn, uintptr_t vmctx, uintptr_t caller_vmctx,
                  uintptr_t values, size_t n)
{
    if (!tls_thread_ready)
        wasmtier_ensure_thread();
    uintptr_t outer = tls_vmctx, outer_limit = tls_stack_limit;
    if (outer == 0) {
        uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
        tls_stack_limit = sp > WASMTIER_WASM_STACK ? sp - WASMTIER_WASM_STACK : 1;
    }
    tls_vmctx = vmctx;
    VMCTX_WORD(vmctx, VMCTX_STACK_LIMIT) = tls_stack_limit;
    int rc = wasmtier_enter(fn, vmctx, caller_vmctx, values, n);
    tls_vmctx = outer;
    tls_stack_limit = outer_limit;
    return rc;
}

size_t wasmtier_trap_frames(uintptr_t *out, size_t max)
{
    size_t n = tls_trap_npcs < max ? tls_trap_npcs : max;
    memcpy(out, tls_trap_pcs, n * sizeof *out);
    return n;
}

/* The current thread's wasm stack limit (0 outside wasm). */
uintptr_t wasmtier_stack_limit(void) { return tls_stack_limit; }

/* Unwind from C code called by JIT code (a host function that trapped) to
   the innermost entry.  Skips every frame in between without running any
   cleanup: never call it with a Python frame or a lock on that stretch. */
__attribute__((noreturn, noinline)) void wasmtier_raise_trap(uint64_t code)
{
    uintptr_t vm = tls_vmctx;
    if (vm == 0)
        abort();                        /* no entry on this thread */
    VMCTX_WORD(vm, VMCTX_TRAP_CODE) = code;
    VMCTX_WORD(vm, VMCTX_TRAP_PC) = (uint64_t)(uintptr_t)__builtin_return_address(0);
    tls_trap_npcs = 0;
    wasmtier_unwind((uintptr_t)VMCTX_WORD(vm, VMCTX_ENTRY_RSP));
}

uintptr_t wasmtier_landing_pad_address(void) { return (uintptr_t)wasmtier_landing_pad; }
/* The real symbols (ffi.addressof would give cffi's wrappers, one frame more). */
uintptr_t wasmtier_call_address(void) { return (uintptr_t)wasmtier_call; }
uintptr_t wasmtier_raise_trap_address(void) { return (uintptr_t)wasmtier_raise_trap; }
uint64_t wasmtier_trap_count(void) { return atomic_load_explicit(&trap_count, memory_order_relaxed); }
const char *wasmtier_shim_tag(void) { return SHIM_TAG; }
"""


def _generated_defines() -> str:
    lines = [
        f"#define VMCTX_STACK_LIMIT {VMCTX_STACK_LIMIT}",
        f"#define VMCTX_TRAP_CODE {VMCTX_TRAP_CODE}",
        f"#define VMCTX_TRAP_PC {VMCTX_TRAP_PC}",
        f"#define VMCTX_TRAP_ARG {VMCTX_TRAP_ARG}",
        f"#define VMCTX_ENTRY_RSP {VMCTX_ENTRY_RSP}",
    ]
    lines += [f"#define TRAP_{code.name} {int(code)}" for code in TrapCode]
    lines.append(f"#define TRAP_CODE_COUNT {max(TrapCode) + 1}")
    return "\n".join(lines)


def _source_without_tag() -> str:
    return C_TEMPLATE.replace("@@GENERATED@@", _generated_defines())


def shim_tag() -> str:
    """The tag a build of the current source embeds (``wasmtier-shim-<hash>``)."""
    digest = hashlib.sha256((_source_without_tag() + CDEF).encode()).hexdigest()[:16]
    return f"wasmtier-shim-{digest}"


def source() -> str:
    return _source_without_tag().replace(
        "/* ---- generated from vmoffsets.py / trap.py", f'#define SHIM_TAG "{shim_tag()}"\n'
        "/* ---- generated from vmoffsets.py / trap.py", 1)


def make_ffibuilder() -> FFI:
    ffibuilder = FFI()
    ffibuilder.cdef(CDEF)
    ffibuilder.set_source(MODULE_NAME, source(), libraries=["pthread"],
                          extra_compile_args=["-O2", "-Wall", "-Wno-unused-function"])
    return ffibuilder


ffibuilder = make_ffibuilder()


def build(verbose: bool = False) -> str:
    """Compile the shim in a scratch directory and move the extension module
    next to this file (atomically, so a concurrent importer never sees half a
    file).  Returns its path."""
    with tempfile.TemporaryDirectory(prefix="wasmtier-shim-") as tmp:
        built = make_ffibuilder().compile(tmpdir=tmp, verbose=verbose)
        target = os.path.join(NATIVE_DIR, os.path.basename(built))
        staging = f"{target}.{os.getpid()}.tmp"
        shutil.copyfile(built, staging)
        os.replace(staging, target)
    return target


if __name__ == "__main__":
    path = build(verbose="-v" in sys.argv)
    print(f"built {path}")
