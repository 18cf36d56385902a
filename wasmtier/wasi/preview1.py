"""WASI preview 1 (`wasi_snapshot_preview1`): the host functions.

This is the subset that command programs need to start, print and exit:
args, environ, clocks, random, fd_write/fd_read on the standard streams,
fd_close, fd_fdstat_get, fd_seek, fd_prestat_get (no preopens yet) and
proc_exit.  Every other preview-1 function is defined too and answers
ENOSYS, so programs link and fail only if they really use it.  Errno values
follow the WASI spec.

Each function is `fn(ctx, mem, *args) -> errno` over raw i32/i64 args; `mem`
is the caller's exported "memory" (a `runtime.memory.LinearMemory`).
"""

from __future__ import annotations

import os
import struct
import sys
import time

ESUCCESS = 0
EBADF = 8
EINVAL = 28
ENOSYS = 52
ESPIPE = 70

I32, I64 = "i32", "i64"


class ProcExit(Exception):
    """Raised by proc_exit; the API turns it into `ExitTrap`."""

    def __init__(self, code: int):
        super().__init__(f"Exited with i32 exit status {code}")
        self.code = code


class WasiContext:
    def __init__(self, argv: list[str], env: dict[str, str], stdin, stdout, stderr):
        self.argv = argv
        self.env = env
        self.fds = {0: stdin, 1: stdout, 2: stderr}


def _put_strings(mem, items: list[bytes], ptrs: int, buf: int) -> int:
    for item in items:
        mem.write(struct.pack("<I", buf), ptrs)
        mem.write(item + b"\0", buf)
        ptrs += 4
        buf += len(item) + 1
    return ESUCCESS


def args_sizes_get(ctx, mem, argc_ptr, size_ptr):
    args = [a.encode() for a in ctx.argv]
    mem.write(struct.pack("<II", len(args), sum(len(a) + 1 for a in args)), argc_ptr)
    return ESUCCESS


def args_get(ctx, mem, argv_ptr, buf_ptr):
    return _put_strings(mem, [a.encode() for a in ctx.argv], argv_ptr, buf_ptr)


def _environ(ctx) -> list[bytes]:
    return [f"{k}={v}".encode() for k, v in ctx.env.items()]


def environ_sizes_get(ctx, mem, count_ptr, size_ptr):
    env = _environ(ctx)
    mem.write(struct.pack("<II", len(env), sum(len(e) + 1 for e in env)), count_ptr)
    return ESUCCESS


def environ_get(ctx, mem, env_ptr, buf_ptr):
    return _put_strings(mem, _environ(ctx), env_ptr, buf_ptr)


def clock_res_get(ctx, mem, clock_id, res_ptr):
    mem.write(struct.pack("<Q", 1000), res_ptr)
    return ESUCCESS


def clock_time_get(ctx, mem, clock_id, precision, time_ptr):
    if clock_id == 0:
        t = time.time_ns()
    elif clock_id in (1, 2, 3):
        t = time.monotonic_ns() if clock_id == 1 else time.process_time_ns()
    else:
        return EINVAL
    mem.write(struct.pack("<Q", t), time_ptr)
    return ESUCCESS


def random_get(ctx, mem, buf, n):
    mem.write(os.urandom(n & 0xFFFFFFFF), buf)
    return ESUCCESS


def _iovecs(mem, iovs, n):
    for k in range(n & 0xFFFFFFFF):
        base, length = struct.unpack("<II", mem.read(iovs + 8 * k, iovs + 8 * k + 8))
        yield base, length


def fd_write(ctx, mem, fd, iovs, n, nwritten_ptr):
    stream = ctx.fds.get(fd)
    if stream is None or fd == 0:
        return EBADF
    total = 0
    for base, length in _iovecs(mem, iovs, n):
        data = mem.read(base, base + length)
        stream.write(data)
        total += length
    stream.flush()
    mem.write(struct.pack("<I", total), nwritten_ptr)
    return ESUCCESS


def fd_read(ctx, mem, fd, iovs, n, nread_ptr):
    stream = ctx.fds.get(fd)
    if stream is None or fd != 0:
        return EBADF
    total = 0
    for base, length in _iovecs(mem, iovs, n):
        data = stream.read(length) if length else b""
        mem.write(data, base)
        total += len(data)
        if len(data) < length:
            break
    mem.write(struct.pack("<I", total), nread_ptr)
    return ESUCCESS


def fd_close(ctx, mem, fd):
    if fd not in ctx.fds:
        return EBADF
    del ctx.fds[fd]
    return ESUCCESS


def fd_fdstat_get(ctx, mem, fd, stat_ptr):
    if fd not in ctx.fds:
        return EBADF
    # filetype character device (2), no flags, all rights.
    mem.write(struct.pack("<BxHxxxxQQ", 2, 0, (1 << 64) - 1, (1 << 64) - 1), stat_ptr)
    return ESUCCESS


def fd_seek(ctx, mem, fd, offset, whence, newoffset_ptr):
    return EBADF if fd not in ctx.fds else ESPIPE


def fd_prestat_get(ctx, mem, fd, buf):
    return EBADF


def fd_prestat_dir_name(ctx, mem, fd, path, length):
    return EBADF


def proc_exit(ctx, mem, code):
    raise ProcExit(code & 0xFFFFFFFF if code >= 0 else code)


def sched_yield(ctx, mem):
    return ESUCCESS


# name -> (implementation or None for ENOSYS, params, results)
FUNCTIONS = {
    "args_get": (args_get, [I32, I32], [I32]),
    "args_sizes_get": (args_sizes_get, [I32, I32], [I32]),
    "environ_get": (environ_get, [I32, I32], [I32]),
    "environ_sizes_get": (environ_sizes_get, [I32, I32], [I32]),
    "clock_res_get": (clock_res_get, [I32, I32], [I32]),
    "clock_time_get": (clock_time_get, [I32, I64, I32], [I32]),
    "random_get": (random_get, [I32, I32], [I32]),
    "fd_write": (fd_write, [I32, I32, I32, I32], [I32]),
    "fd_read": (fd_read, [I32, I32, I32, I32], [I32]),
    "fd_close": (fd_close, [I32], [I32]),
    "fd_fdstat_get": (fd_fdstat_get, [I32, I32], [I32]),
    "fd_seek": (fd_seek, [I32, I64, I32, I32], [I32]),
    "fd_prestat_get": (fd_prestat_get, [I32, I32], [I32]),
    "fd_prestat_dir_name": (fd_prestat_dir_name, [I32, I32, I32], [I32]),
    "proc_exit": (proc_exit, [I32], []),
    "sched_yield": (sched_yield, [], [I32]),
    "fd_advise": (None, [I32, I64, I64, I32], [I32]),
    "fd_allocate": (None, [I32, I64, I64], [I32]),
    "fd_datasync": (None, [I32], [I32]),
    "fd_fdstat_set_flags": (None, [I32, I32], [I32]),
    "fd_fdstat_set_rights": (None, [I32, I64, I64], [I32]),
    "fd_filestat_get": (None, [I32, I32], [I32]),
    "fd_filestat_set_size": (None, [I32, I64], [I32]),
    "fd_filestat_set_times": (None, [I32, I64, I64, I32], [I32]),
    "fd_pread": (None, [I32, I32, I32, I64, I32], [I32]),
    "fd_pwrite": (None, [I32, I32, I32, I64, I32], [I32]),
    "fd_readdir": (None, [I32, I32, I32, I64, I32], [I32]),
    "fd_renumber": (None, [I32, I32], [I32]),
    "fd_sync": (None, [I32], [I32]),
    "fd_tell": (None, [I32, I32], [I32]),
    "path_create_directory": (None, [I32, I32, I32], [I32]),
    "path_filestat_get": (None, [I32, I32, I32, I32, I32], [I32]),
    "path_filestat_set_times": (None, [I32, I32, I32, I32, I64, I64, I32], [I32]),
    "path_link": (None, [I32, I32, I32, I32, I32, I32, I32], [I32]),
    "path_open": (None, [I32, I32, I32, I32, I32, I64, I64, I32, I32], [I32]),
    "path_readlink": (None, [I32, I32, I32, I32, I32, I32], [I32]),
    "path_remove_directory": (None, [I32, I32, I32], [I32]),
    "path_rename": (None, [I32, I32, I32, I32, I32, I32], [I32]),
    "path_symlink": (None, [I32, I32, I32, I32, I32], [I32]),
    "path_unlink_file": (None, [I32, I32, I32], [I32]),
    "poll_oneoff": (None, [I32, I32, I32, I32], [I32]),
    "sock_accept": (None, [I32, I32, I32], [I32]),
    "sock_recv": (None, [I32, I32, I32, I32, I32, I32], [I32]),
    "sock_send": (None, [I32, I32, I32, I32, I32], [I32]),
    "sock_shutdown": (None, [I32, I32], [I32]),
}


def default_streams():
    return sys.stdin.buffer, sys.stdout.buffer, sys.stderr.buffer
