"""The C trap shim (wasmtier/runtime/native): entry trampoline, landing pad
and signal handler, exercised with hand-assembled machine code (there is no
encoder yet).  Every snippet is an array-call entry
`f(rdi=callee_vmctx, rsi=caller_vmctx, rdx=values (16-byte cells), rcx=n)`."""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
import textwrap
import threading

import pytest

from wasmtier.runtime import vmoffsets
from wasmtier.runtime.native import signals
from wasmtier.runtime.trap import TrapCode

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# name -> machine code; the assembly is in the comments.
SNIPPETS = {
    # values[0] = values[0] + values[1]
    "add": bytes.fromhex(
        "488b02"      # mov rax, [rdx]
        "48034210"    # add rax, [rdx+16]
        "488902"      # mov [rdx], rax
        "c3"),        # ret
    # values[0] = *(u64 *)values[0]
    "load": bytes.fromhex(
        "488b02"      # mov rax, [rdx]
        "488b00"      # mov rax, [rax]
        "488902"      # mov [rdx], rax
        "c3"),        # ret
    # values[0] = values[0] / values[1]   (unsigned)
    "divu": bytes.fromhex(
        "4989d0"      # mov r8, rdx
        "498b00"      # mov rax, [r8]
        "498b4810"    # mov rcx, [r8+16]
        "31d2"        # xor edx, edx
        "48f7f1"      # div rcx
        "498900"      # mov [r8], rax
        "c3"),        # ret
    # values[0] = values[0] / values[1]   (signed)
    "divs": bytes.fromhex(
        "4989d0"      # mov r8, rdx
        "498b00"      # mov rax, [r8]
        "498b4810"    # mov rcx, [r8+16]
        "4899"        # cqo
        "48f7f9"      # idiv rcx
        "498900"      # mov [r8], rax
        "c3"),        # ret
    "unreachable": bytes.fromhex("0f0b09"),          # ud2; db UNREACHABLE
    "table_oob": bytes.fromhex("0f0b03"),            # ud2; db TABLE_OUT_OF_BOUNDS
    "bare_ud2_junk": bytes.fromhex("0f0bff"),        # ud2; db 0xff (no such code)
    "recurse": bytes.fromhex("e8fbffffff"),          # call recurse  (forever)
    # wasmtier_raise_trap(values[0]) from "JIT code", address in values[1]
    "raise_trap": bytes.fromhex(
        "4883ec08"    # sub rsp, 8          (align for the C call)
        "8b3a"        # mov edi, [rdx]
        "488b4210"    # mov rax, [rdx+16]
        "ffd0"),      # call rax            (never returns)
    # Smash every callee-saved register and rsp, then trap.
    "clobber": bytes.fromhex(
        "48c7c3ffffffff"  # mov rbx, -1
        "48c7c5ffffffff"  # mov rbp, -1
        "49c7c4ffffffff"  # mov r12, -1
        "49c7c5ffffffff"  # mov r13, -1
        "49c7c6ffffffff"  # mov r14, -1
        "49c7c7ffffffff"  # mov r15, -1
        "48c7c410000000"  # mov rsp, 16
        "0f0b09"),        # ud2; db UNREACHABLE
    # Nested entry from native code:
    #   values[0] = wasmtier_call(values[0] = inner fn, same vmctx, 0, &values[1], 1)
    #   if values[3]: ud2; db TABLE_OUT_OF_BOUNDS      (values[2] = &wasmtier_call)
    "outer": bytes.fromhex(
        "53"            # push rbx
        "4889d3"        # mov rbx, rdx
        "4889fe"        # mov rsi, rdi
        "488b3b"        # mov rdi, [rbx]
        "31d2"          # xor edx, edx
        "488d4b10"      # lea rcx, [rbx+16]
        "41b801000000"  # mov r8d, 1
        "488b4320"      # mov rax, [rbx+32]
        "ffd0"          # call rax
        "89c0"          # mov eax, eax
        "488903"        # mov [rbx], rax
        "488b4330"      # mov rax, [rbx+48]
        "4885c0"        # test rax, rax
        "7403"          # jz .ret
        "0f0b03"        # ud2; db TABLE_OUT_OF_BOUNDS
        "5b"            # .ret: pop rbx
        "c3"),          # ret
}
# A bare ud2 as the last bytes of its own range (no code byte can follow).
LAST_UD2 = bytes.fromhex("0f0b")

PROT_NONE, PROT_READ, PROT_WRITE, PROT_EXEC = 0, 1, 2, 4
MAP_PRIVATE, MAP_ANONYMOUS = 0x02, 0x20
PAGE = os.sysconf("SC_PAGE_SIZE")

_libc = ctypes.CDLL(None, use_errno=True)
_libc.mmap.restype = ctypes.c_void_p
_libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,
                       ctypes.c_int, ctypes.c_long]
_libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
_libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]


def _mmap(size: int, prot: int) -> int:
    addr = _libc.mmap(None, size, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
    if addr in (None, ctypes.c_void_p(-1).value):
        raise OSError(ctypes.get_errno(), "mmap failed")
    return addr


class CodeRegion:
    """Snippets copied into fresh pages, made R+X, registered as JIT code."""

    def __init__(self, snippets: dict[str, bytes], register: bool = True):
        self.addr: dict[str, int] = {}
        blob = b""
        offsets = {}
        for name, code in snippets.items():
            blob += b"\xcc" * (-len(blob) % 16)   # int3 padding
            offsets[name] = len(blob)
            blob += code
        self.size = (len(blob) + PAGE - 1) // PAGE * PAGE
        self.base = _mmap(self.size, PROT_READ | PROT_WRITE)
        ctypes.memmove(self.base, blob, len(blob))
        assert _libc.mprotect(self.base, self.size, PROT_READ | PROT_EXEC) == 0
        self.addr = {name: self.base + off for name, off in offsets.items()}
        self.end = self.base + len(blob)
        self.registered = register
        if register:
            signals.register_code_range(self.base, self.end)

    def close(self):
        if self.registered:
            signals.unregister_code_range(self.base, self.end)
        _libc.munmap(self.base, self.size)


class Vm:
    """A VMContext header and a values array for one caller."""

    def __init__(self):
        self.ctx = (ctypes.c_uint64 * (vmoffsets.HEADER_SIZE // 8))()
        self.vmctx = ctypes.addressof(self.ctx)
        self.cells = (ctypes.c_uint64 * 16)()
        self.values = ctypes.addressof(self.cells)

    def __setitem__(self, i, v):
        self.cells[2 * i] = v & (2**64 - 1)

    def __getitem__(self, i):
        return self.cells[2 * i]

    def call(self, fn: int, *args: int) -> TrapCode | None:
        for i, a in enumerate(args):
            self[i] = a
        return signals.call_array(fn, self.vmctx, 0, self.values, max(len(args), 1))

    @property
    def entry_rsp(self):
        return self.ctx[vmoffsets.VMCTX_ENTRY_RSP // 8]


@pytest.fixture(scope="module")
def code():
    signals.install()
    region = CodeRegion(SNIPPETS)
    last = CodeRegion({"last_ud2": LAST_UD2})
    region.addr["last_ud2"] = last.addr["last_ud2"]
    yield region.addr
    region.close()
    last.close()


@pytest.fixture(scope="module")
def bad_page():
    addr = _mmap(PAGE, PROT_NONE)
    yield addr
    _libc.munmap(addr, PAGE)


def rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


# ---------------------------------------------------------------- basics

def test_install_is_idempotent_and_active(code):
    signals.install()
    signals.install()
    assert signals.handler_is_active()


def test_normal_return_through_array_call(code):
    vm = Vm()
    assert vm.call(code["add"], 40, 2) is None
    assert vm[0] == 42
    assert vm.call(code["divu"], 100, 7) is None
    assert vm[0] == 14
    assert vm.call(code["divs"], -100, 7) is None
    assert vm[0] == (-14) & (2**64 - 1)


def test_load_from_protnone_page_traps(code, bad_page):
    vm = Vm()
    before = signals.trap_count()
    assert vm.call(code["load"], bad_page + 8) == TrapCode.MEMORY_OUT_OF_BOUNDS
    assert signals.trap_pc(vm.vmctx) == code["load"] + 3   # the second mov
    assert signals.trap_count() == before + 1
    # The same code still works on a good address afterwards.
    cell = ctypes.c_uint64(0x1234)
    assert vm.call(code["load"], ctypes.addressof(cell)) is None
    assert vm[0] == 0x1234


def test_null_and_wild_pointer_loads_trap(code):
    vm = Vm()
    assert vm.call(code["load"], 0) == TrapCode.MEMORY_OUT_OF_BOUNDS
    assert vm.call(code["load"], 0x7FFF_0000_0000_0000) == TrapCode.MEMORY_OUT_OF_BOUNDS


def test_division_by_zero_traps(code):
    vm = Vm()
    assert vm.call(code["divu"], 5, 0) == TrapCode.INTEGER_DIVISION_BY_ZERO
    assert signals.trap_pc(vm.vmctx) == code["divu"] + 12   # the div
    assert vm.call(code["divs"], 5, 0) == TrapCode.INTEGER_DIVISION_BY_ZERO


def test_int_min_div_minus_one_is_reported_as_divide_by_zero(code):
    # Documented limitation: #DE does not say which; the JIT checks explicitly.
    vm = Vm()
    assert vm.call(code["divs"], -(2**63), -1) == TrapCode.INTEGER_DIVISION_BY_ZERO


def test_ud2_traps_with_code_byte(code):
    vm = Vm()
    assert vm.call(code["unreachable"]) == TrapCode.UNREACHABLE
    assert signals.trap_pc(vm.vmctx) == code["unreachable"]
    assert vm.call(code["table_oob"]) == TrapCode.TABLE_OUT_OF_BOUNDS
    assert vm.call(code["bare_ud2_junk"]) == TrapCode.UNREACHABLE
    assert vm.call(code["last_ud2"]) == TrapCode.UNREACHABLE


def test_trap_restores_callee_saved_registers_and_rsp(code):
    vm = Vm()
    for _ in range(100):
        assert vm.call(code["clobber"]) == TrapCode.UNREACHABLE
    assert vm.call(code["add"], 1, 2) is None and vm[0] == 3


def test_raise_trap_from_c_called_by_jit_code(code):
    vm = Vm()
    assert vm.call(code["raise_trap"], int(TrapCode.OUT_OF_FUEL),
                   signals.raise_trap_address()) == TrapCode.OUT_OF_FUEL
    assert code["raise_trap"] <= signals.trap_pc(vm.vmctx) <= code["raise_trap"] + 16


def test_nested_entries_on_the_same_vmctx(code, bad_page):
    vm = Vm()
    call = signals.call_address()
    # Inner entry traps; the outer JIT frame sees rc=1 and returns normally.
    assert vm.call(code["outer"], code["load"], bad_page, call, 0) is None
    assert vm[0] == 1
    assert vm.ctx[vmoffsets.VMCTX_TRAP_CODE // 8] == TrapCode.MEMORY_OUT_OF_BOUNDS
    # Inner entry returns normally, then the outer frame traps: it must land
    # in the outer entry frame (the inner one restored VMCTX_ENTRY_RSP).
    cell = ctypes.c_uint64(7)
    assert vm.call(code["outer"], code["load"], ctypes.addressof(cell), call, 1) \
        == TrapCode.TABLE_OUT_OF_BOUNDS
    # Inner trap, then outer trap.
    assert vm.call(code["outer"], code["load"], bad_page, call, 1) \
        == TrapCode.TABLE_OUT_OF_BOUNDS
    assert vm.entry_rsp == 0   # restored to the value before the first entry


def test_stack_overflow_in_jit_code_traps():
    # A small thread stack so the runaway recursion is quick and cheap.
    signals.install()
    region = CodeRegion({"recurse": SNIPPETS["recurse"]})
    result = []

    def run():
        vm = Vm()
        result.append(vm.call(region.addr["recurse"]))
        result.append(vm.call(region.addr["recurse"]))

    old = threading.stack_size(1 << 20)
    try:
        t = threading.Thread(target=run)
        t.start()
        t.join()
    finally:
        threading.stack_size(old)
        region.close()
    assert result == [TrapCode.STACK_OVERFLOW] * 2


def test_code_range_registration_errors():
    signals.install()
    with pytest.raises(OSError):
        signals.register_code_range(0x2000, 0x1000)
    with pytest.raises(KeyError):
        signals.unregister_code_range(0x1000, 0x2000)


# ------------------------------------------------------- volume and threads

TRAP_KINDS = [
    ("load", lambda bad: (bad,), TrapCode.MEMORY_OUT_OF_BOUNDS),
    ("divu", lambda bad: (1, 0), TrapCode.INTEGER_DIVISION_BY_ZERO),
    ("unreachable", lambda bad: (), TrapCode.UNREACHABLE),
]


def test_ten_thousand_traps_of_each_kind_with_flat_memory(code, bad_page):
    vm = Vm()
    for name, args, expected in TRAP_KINDS:       # warm up caches and allocators
        for _ in range(1000):
            assert vm.call(code[name], *args(bad_page)) == expected
    before_rss, before_count = rss(), signals.trap_count()
    for name, args, expected in TRAP_KINDS:
        a, fn = args(bad_page), code[name]
        for _ in range(10_000):
            if vm.call(fn, *a) != expected:
                raise AssertionError(name)
    growth = rss() - before_rss
    print(f"RSS before {before_rss / 2**20:.2f} MiB, growth {growth / 1024:.0f} KiB "
          f"over {signals.trap_count() - before_count} traps")
    assert signals.trap_count() - before_count == 30_000
    assert growth < 2 * 2**20
    assert vm.call(code["add"], 2, 3) is None and vm[0] == 5


def test_traps_from_two_threads_at_once(code, bad_page):
    barrier = threading.Barrier(2)
    errors: list[str] = []
    counts = [0, 0]

    def worker(k):
        vm = Vm()
        barrier.wait()
        for i in range(6000):
            name, args, expected = TRAP_KINDS[(i + k) % 3]
            got = vm.call(code[name], *args(bad_page))
            if got != expected:
                errors.append(f"thread {k} iter {i}: {name} -> {got!r}")
                return
            if vm.call(code["add"], i, k) is not None or vm[0] != i + k:
                errors.append(f"thread {k} iter {i}: add")
                return
            counts[k] += 1

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert counts == [6000, 6000]


# --------------------------------------------------- faults outside JIT code

def _run(script: str, faulthandler_env: bool = False) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONFAULTHANDLER"}
    env["PYTHONPATH"] = REPO + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run([sys.executable, "-c", textwrap.dedent(script)], cwd=REPO,
                          env=env, capture_output=True, text=True, timeout=120)


def test_fault_outside_jit_code_reaches_faulthandler():
    proc = _run("""
        import ctypes, faulthandler
        faulthandler.enable()
        from wasmtier.runtime.native import signals
        signals.install()
        assert signals.handler_is_active()
        print("installed", flush=True)
        ctypes.string_at(0)
        print("survived", flush=True)
    """)
    assert "installed" in proc.stdout and "survived" not in proc.stdout
    assert "Fatal Python error: Segmentation fault" in proc.stderr
    assert proc.returncode == -11


def test_fault_in_unregistered_code_is_not_swallowed():
    # The fault happens under wasmtier_call, but the code is not registered.
    proc = _run("""
        import faulthandler, sys
        faulthandler.enable()
        sys.path.insert(0, "tests")
        from test_native_traps import CodeRegion, SNIPPETS, Vm
        from wasmtier.runtime.native import signals
        signals.install()
        region = CodeRegion({"load": SNIPPETS["load"]}, register=False)
        Vm().call(region.addr["load"], 0)
        print("survived", flush=True)
    """)
    assert "survived" not in proc.stdout
    assert "Fatal Python error: Segmentation fault" in proc.stderr
    assert proc.returncode == -11


def test_default_disposition_is_reraised_without_faulthandler():
    proc = _run("""
        import ctypes
        from wasmtier.runtime.native import signals
        signals.install()
        ctypes.string_at(0)
    """)
    assert "Fatal Python error" not in proc.stderr
    assert proc.returncode == -11


def test_sent_signal_keeps_its_default_action():
    proc = _run("""
        import os, signal
        from wasmtier.runtime.native import signals
        signals.install()
        os.kill(os.getpid(), signal.SIGFPE)
        print("survived", flush=True)
    """)
    assert "survived" not in proc.stdout
    assert proc.returncode == -8
