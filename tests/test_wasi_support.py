"""Shared helpers for the WASI tests (this module holds no tests).

`Guest` instantiates one real wasm module, `GUEST_WAT`, that imports every
`wasi_snapshot_preview1` function and re-exports each through a wasm
wrapper of the same name: a call `guest.path_open(...)` runs wasm, which
calls the host function with the caller's memory, exactly as a compiled
program does.  The same class runs on wasmtime-py, which makes it the
differential oracle: `Guest(wasmtime, ...)` and `Guest(wasmtier, ...)`.
"""

from __future__ import annotations

import struct

import wasmtime as wasmtime_py

import wasmtier

# name -> (params, results): the preview-1 signatures, written out here so
# that the tests check the runtime's table rather than reuse it.
SIGNATURES = {
    "args_get": ("i32 i32", "i32"), "args_sizes_get": ("i32 i32", "i32"),
    "environ_get": ("i32 i32", "i32"), "environ_sizes_get": ("i32 i32", "i32"),
    "clock_res_get": ("i32 i32", "i32"), "clock_time_get": ("i32 i64 i32", "i32"),
    "random_get": ("i32 i32", "i32"),
    "fd_advise": ("i32 i64 i64 i32", "i32"), "fd_allocate": ("i32 i64 i64", "i32"),
    "fd_close": ("i32", "i32"), "fd_datasync": ("i32", "i32"),
    "fd_fdstat_get": ("i32 i32", "i32"), "fd_fdstat_set_flags": ("i32 i32", "i32"),
    "fd_fdstat_set_rights": ("i32 i64 i64", "i32"),
    "fd_filestat_get": ("i32 i32", "i32"), "fd_filestat_set_size": ("i32 i64", "i32"),
    "fd_filestat_set_times": ("i32 i64 i64 i32", "i32"),
    "fd_pread": ("i32 i32 i32 i64 i32", "i32"), "fd_pwrite": ("i32 i32 i32 i64 i32", "i32"),
    "fd_prestat_get": ("i32 i32", "i32"), "fd_prestat_dir_name": ("i32 i32 i32", "i32"),
    "fd_read": ("i32 i32 i32 i32", "i32"), "fd_write": ("i32 i32 i32 i32", "i32"),
    "fd_readdir": ("i32 i32 i32 i64 i32", "i32"), "fd_renumber": ("i32 i32", "i32"),
    "fd_seek": ("i32 i64 i32 i32", "i32"), "fd_sync": ("i32", "i32"), "fd_tell": ("i32 i32", "i32"),
    "path_create_directory": ("i32 i32 i32", "i32"),
    "path_filestat_get": ("i32 i32 i32 i32 i32", "i32"),
    "path_filestat_set_times": ("i32 i32 i32 i32 i64 i64 i32", "i32"),
    "path_link": ("i32 i32 i32 i32 i32 i32 i32", "i32"),
    "path_open": ("i32 i32 i32 i32 i32 i64 i64 i32 i32", "i32"),
    "path_readlink": ("i32 i32 i32 i32 i32 i32", "i32"),
    "path_remove_directory": ("i32 i32 i32", "i32"),
    "path_rename": ("i32 i32 i32 i32 i32 i32", "i32"),
    "path_symlink": ("i32 i32 i32 i32 i32", "i32"),
    "path_unlink_file": ("i32 i32 i32", "i32"),
    "poll_oneoff": ("i32 i32 i32 i32", "i32"),
    "proc_exit": ("i32", ""), "sched_yield": ("", "i32"),
    "sock_accept": ("i32 i32 i32", "i32"), "sock_recv": ("i32 i32 i32 i32 i32 i32", "i32"),
    "sock_send": ("i32 i32 i32 i32 i32", "i32"), "sock_shutdown": ("i32 i32", "i32"),
}


def _guest_wat() -> str:
    lines = ["(module"]
    for name, (params, results) in SIGNATURES.items():
        lines.append(f'  (import "wasi_snapshot_preview1" "{name}" '
                     f'(func ${name} (param {params}) (result {results})))')
    lines.append('  (memory (export "memory") 2)')
    for name, (params, results) in SIGNATURES.items():
        gets = " ".join(f"(local.get {i})" for i in range(len(params.split())))
        lines.append(f'  (func (export "{name}") (param {params}) (result {results}) '
                     f'(call ${name} {gets}))')
    lines.append(")")
    return "\n".join(lines)


GUEST_WAT = _guest_wat()

# Scratch addresses in the guest's memory (all 8-aligned: wasmtime checks).
OUT = 64            # a u32/u64 result
STAT = 128          # a 64-byte filestat / 24-byte fdstat
BUF = 1024          # a data buffer (up to 4 KiB)
HEAP = 8192         # strings placed by `put`

RIGHTS_ALL = (1 << 30) - 1
RIGHT_READ, RIGHT_WRITE, RIGHT_READDIR = 1 << 1, 1 << 6, 1 << 14


def run_module(runtime, wat: str, configure, entry: str = "_start"):
    """Instantiate `wat` with WASI on `runtime` and call `entry`; the
    result, or the exception the call raised."""
    store = runtime.Store(runtime.Engine())
    config = runtime.WasiConfig()
    configure(config)
    store.set_wasi(config)
    linker = runtime.Linker(store.engine)
    linker.define_wasi()
    instance = linker.instantiate(store, runtime.Module(store.engine, wat))
    try:
        return instance.exports(store)[entry](store)
    except Exception as e:       # noqa: BLE001 - the caller inspects it
        return e


class Guest:
    def __init__(self, runtime=wasmtier, configure=lambda config: None):
        self.runtime = runtime
        self.store = runtime.Store(runtime.Engine())
        config = runtime.WasiConfig()
        configure(config)
        self.store.set_wasi(config)
        linker = runtime.Linker(self.store.engine)
        linker.define_wasi()
        self.instance = linker.instantiate(self.store, runtime.Module(self.store.engine, GUEST_WAT))
        self.exports = self.instance.exports(self.store)
        self.memory = self.exports["memory"]
        self.heap = HEAP

    def __getattr__(self, name):
        func = self.exports[name]
        return lambda *args: func(self.store, *args)

    # memory
    def put(self, data) -> tuple[int, int]:
        """Copy `data` (str or bytes) into guest memory: (ptr, len)."""
        data = data.encode() if isinstance(data, str) else bytes(data)
        ptr = self.heap
        self.memory.write(self.store, data, ptr)
        self.heap += (len(data) + 8) & ~7
        return ptr, len(data)

    def write(self, ptr: int, data: bytes) -> None:
        self.memory.write(self.store, data, ptr)

    def read(self, ptr: int, n: int) -> bytes:
        return bytes(self.memory.read(self.store, ptr, ptr + n))

    def u32(self, ptr: int = OUT) -> int:
        return struct.unpack("<I", self.read(ptr, 4))[0]

    def u64(self, ptr: int = OUT) -> int:
        return struct.unpack("<Q", self.read(ptr, 8))[0]

    # conveniences over the raw calls
    def open(self, path, oflags=0, rights=RIGHT_READ | RIGHT_READDIR, fdflags=0, follow=True,
             dirfd=3) -> tuple[int, int | None]:
        """(errno, new fd or None)."""
        errno = self.path_open(dirfd, 1 if follow else 0, *self.put(path), oflags,
                               rights, rights, fdflags, OUT)
        return errno, (self.u32() if errno == 0 else None)

    def write_fd(self, fd: int, data: bytes) -> tuple[int, int]:
        ptr, n = self.put(data)
        iov = self.put(struct.pack("<II", ptr, n))[0]
        errno = self.fd_write(fd, iov, 1, OUT)
        return errno, self.u32()

    def read_fd(self, fd: int, n: int) -> tuple[int, bytes]:
        iov = self.put(struct.pack("<II", BUF, n))[0]
        errno = self.fd_read(fd, iov, 1, OUT)
        return errno, (self.read(BUF, self.u32()) if errno == 0 else b"")

    def filestat(self, path=None, fd=3, follow=True):
        if path is None:
            errno = self.fd_filestat_get(fd, STAT)
        else:
            errno = self.path_filestat_get(fd, 1 if follow else 0, *self.put(path), STAT)
        if errno:
            return errno, None
        return 0, dict(zip(("dev", "ino", "filetype", "nlink", "size", "atim", "mtim", "ctim"),
                           struct.unpack("<QQB7xQQQQQ", self.read(STAT, 64))))

    def fdstat(self, fd: int):
        errno = self.fd_fdstat_get(fd, STAT)
        return errno, (struct.unpack("<BxH4xQQ", self.read(STAT, 24)) if errno == 0 else None)

    def readdir(self, fd: int, cookie: int = 0, size: int = 4096):
        """(errno, bufused, [(d_next, d_ino, d_type, name)])."""
        errno = self.fd_readdir(fd, BUF, size, cookie, OUT)
        used = self.u32()
        raw = self.read(BUF, used)
        entries, i = [], 0
        while i + 24 <= len(raw):
            d_next, ino, namlen, ftype = struct.unpack_from("<QQIB", raw, i)
            entries.append((d_next, ino, ftype, raw[i + 24:i + 24 + namlen]))
            i += 24 + namlen
        return errno, used, entries


# For tests that run on both runtimes: @pytest.mark.parametrize("runtime", RUNTIMES, ids=...)
RUNTIMES = [wasmtier, wasmtime_py]
RUNTIME_IDS = ["wasmtier", "wasmtime"]
