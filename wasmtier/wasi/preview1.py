"""WASI preview 1 (`wasi_snapshot_preview1`): the host functions.

Every function of the preview-1 witx is defined (`FUNCTIONS`, the single
table: name -> (implementation, params, results)); the file system lives in
`fs` (descriptors, the sandboxed resolver and the `*at` operations), the
ABI (bounds-checked guest memory, flag values, struct layouts) in `abi`,
and the errno numbering in `errno`.

Calling convention: `call(impl, ctx, memory, args)` is the one entry.  It
turns the raw i32/i64 arguments into their unsigned values (pointers,
lengths, fds, flags; the one signed argument, fd_seek's `offset`, is
re-signed there), wraps the caller's memory in `abi.GuestMemory`, and
converts failures into the returned errno:

    WasiError(errno)  -> errno      raised by the WASI layer (EBADF, EPERM, ...)
    Fault             -> EFAULT     any guest pointer or length out of bounds
    OSError           -> errno.from_oserror (host errno -> WASI errno)

Implementations are `fn(ctx, mem, *args)` returning None (success) or an
errno.  They write results to guest memory only once the operation has
succeeded.  Where the WASI spec leaves a choice, wasmtime's answer is
followed (checked against wasmtime-py 50): path escapes EPERM, sockets on a
valid fd ENOTSUP (the brief's choice; wasmtime says ENOTSOCK),
fd_fdstat_set_rights and fd_allocate ENOTSUP, fd_sync on a non-file EBADF.
Departures: out-of-bounds pointers answer EFAULT where wasmtime traps, an
invalid enum (clock id, whence, advice) answers EINVAL where wasmtime traps,
and the CPU-time clocks are supported (wasmtime: EBADF).
"""

from __future__ import annotations

import fcntl
import os
import select
import struct
import sys
import time

from . import abi, fs
from .abi import GuestMemory
from .errno import (EBADF, EINVAL, ENAMETOOLONG, ENOSYS, ENOTSUP, ESPIPE,
                    ESUCCESS, WasiError, from_oserror)
from .fs import Directory, File, Stream

I32, I64 = "i32", "i64"
_MASK = {I32: 0xFFFFFFFF, I64: 0xFFFFFFFFFFFFFFFF}


class ProcExit(Exception):
    """Raised by proc_exit with the guest's (unsigned) status; the API turns
    it into `ExitTrap` (status < 126) or an error (as wasmtime)."""

    def __init__(self, code: int):
        super().__init__(f"Exited with i32 exit status {code}")
        self.code = code


class WasiContext:
    """The state of one store's WASI instance: argv, environment and the
    descriptor table.  `stdio` is three (binary stream, owned) pairs;
    `preopens` is a list of (host path, guest path, mutable)."""

    def __init__(self, argv, env, stdio, preopens=()):
        self.argv = [a.encode() if isinstance(a, str) else bytes(a) for a in argv]
        pairs = env.items() if isinstance(env, dict) else env
        self.environ = [f"{k}={v}".encode() for k, v in pairs]
        self.fds = fs.FdTable()
        for fd, (stream, owned) in enumerate(stdio):
            self.fds.set(fd, Stream(stream, fd == 0, owned))
        for host_path, guest_path, mutable in preopens:
            self.fds.insert(fs.open_preopen(host_path, guest_path, mutable))

    def close(self) -> None:
        self.fds.close_all()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass


def call(impl, ctx: WasiContext, memory, params, args) -> int:
    """Run one host function; see the module docstring."""
    args = [a & _MASK[t] for a, t in zip(args, params)]
    try:
        errno = impl(ctx, GuestMemory(memory), *args)
    except WasiError as e:
        return e.errno
    except OSError as e:
        return from_oserror(e)
    except (ValueError, OverflowError):
        # Python's own argument checks (e.g. a NUL in a path, a huge size).
        return EINVAL
    return ESUCCESS if errno is None else errno


# --------------------------------------------------------------------------
# args, environ, clocks, random


def _sizes(mem, items, count_ptr, size_ptr):
    mem.check_range(count_ptr, 4)
    mem.check_range(size_ptr, 4)
    mem.put_u32(count_ptr, len(items))
    mem.put_u32(size_ptr, sum(len(i) + 1 for i in items))


def _strings(mem, items, ptrs, buf):
    mem.check_range(ptrs, 4 * len(items))
    mem.check_range(buf, sum(len(i) + 1 for i in items))
    for item in items:
        mem.put_u32(ptrs, buf)
        mem.write(buf, item + b"\0")
        ptrs += 4
        buf += len(item) + 1


def args_sizes_get(ctx, mem, argc_ptr, size_ptr):
    _sizes(mem, ctx.argv, argc_ptr, size_ptr)


def args_get(ctx, mem, argv_ptr, buf_ptr):
    _strings(mem, ctx.argv, argv_ptr, buf_ptr)


def environ_sizes_get(ctx, mem, count_ptr, size_ptr):
    _sizes(mem, ctx.environ, count_ptr, size_ptr)


def environ_get(ctx, mem, env_ptr, buf_ptr):
    _strings(mem, ctx.environ, env_ptr, buf_ptr)


_CLOCKS = {
    abi.CLOCK_REALTIME: (time.time_ns, time.CLOCK_REALTIME),
    abi.CLOCK_MONOTONIC: (time.monotonic_ns, time.CLOCK_MONOTONIC),
    abi.CLOCK_PROCESS_CPUTIME: (time.process_time_ns, time.CLOCK_PROCESS_CPUTIME_ID),
    abi.CLOCK_THREAD_CPUTIME: (time.thread_time_ns, time.CLOCK_THREAD_CPUTIME_ID),
}


def _clock(clock_id):
    clock = _CLOCKS.get(clock_id)
    if clock is None:
        raise WasiError(EINVAL)
    return clock


def clock_res_get(ctx, mem, clock_id, res_ptr):
    res = time.clock_getres(_clock(clock_id)[1])
    mem.put_u64(res_ptr, max(1, round(res * 1e9)))


def clock_time_get(ctx, mem, clock_id, precision, time_ptr):
    mem.put_u64(time_ptr, _clock(clock_id)[0]())


def random_get(ctx, mem, buf, n):
    mem.check_range(buf, n)
    mem.write(buf, os.urandom(n))


# --------------------------------------------------------------------------
# fd_*: reading and writing


def fd_write(ctx, mem, fd, iovs, n, nwritten_ptr):
    d = ctx.fds.get_file(fd)
    mem.check_range(nwritten_ptr, 4)
    if isinstance(d, Stream):
        if d.readable:
            return EBADF
        written = d.write(mem.gather(iovs, n))
    else:
        if not d.writable:
            return EBADF
        bufs = [mem.read(b, k) for b, k in mem.iovecs(iovs, n)]
        written = os.writev(d.host_fd, bufs) if bufs else 0
    mem.put_u32(nwritten_ptr, written)


def fd_read(ctx, mem, fd, iovs, n, nread_ptr):
    d = ctx.fds.get_file(fd)
    mem.check_range(nread_ptr, 4)
    bufs = mem.iovecs(iovs, n)
    total = sum(k for _, k in bufs)
    if isinstance(d, Stream):
        if not d.readable:
            return EBADF
        data = d.read(total) if total else b""
    else:
        if not d.readable:
            return EBADF
        data = os.read(d.host_fd, total) if total else b""
    mem.scatter(bufs, data)
    mem.put_u32(nread_ptr, len(data))


def _seekable(ctx, fd) -> File:
    d = ctx.fds.get_file(fd)
    if isinstance(d, Stream):
        raise WasiError(ESPIPE)
    return d


def fd_pread(ctx, mem, fd, iovs, n, offset, nread_ptr):
    d = _seekable(ctx, fd)
    if not d.readable:
        return EBADF
    mem.check_range(nread_ptr, 4)
    bufs = mem.iovecs(iovs, n)
    total = sum(k for _, k in bufs)
    data = os.pread(d.host_fd, total, offset) if total else b""
    mem.scatter(bufs, data)
    mem.put_u32(nread_ptr, len(data))


def fd_pwrite(ctx, mem, fd, iovs, n, offset, nwritten_ptr):
    d = _seekable(ctx, fd)
    if not d.writable:
        return EBADF
    mem.check_range(nwritten_ptr, 4)
    data = mem.gather(iovs, n)
    written = os.pwrite(d.host_fd, data, offset) if data else 0
    mem.put_u32(nwritten_ptr, written)


def fd_seek(ctx, mem, fd, offset, whence, newoffset_ptr):
    d = _seekable(ctx, fd)
    if whence not in (abi.WHENCE_SET, abi.WHENCE_CUR, abi.WHENCE_END):
        return EINVAL
    mem.check_range(newoffset_ptr, 8)
    if offset >= 1 << 63:
        offset -= 1 << 64
    how = {abi.WHENCE_SET: os.SEEK_SET, abi.WHENCE_CUR: os.SEEK_CUR, abi.WHENCE_END: os.SEEK_END}
    mem.put_u64(newoffset_ptr, os.lseek(d.host_fd, offset, how[whence]))


def fd_tell(ctx, mem, fd, offset_ptr):
    d = _seekable(ctx, fd)
    mem.check_range(offset_ptr, 8)
    mem.put_u64(offset_ptr, os.lseek(d.host_fd, 0, os.SEEK_CUR))


# --------------------------------------------------------------------------
# fd_*: descriptor state


def fd_close(ctx, mem, fd):
    ctx.fds.pop(fd).close()


def fd_renumber(ctx, mem, fd, to):
    ctx.fds.get(fd)
    ctx.fds.get(to)
    if fd == to:
        return
    ctx.fds.pop(to).close()
    ctx.fds.set(to, ctx.fds.pop(fd))


def _fdflags(host_fd: int) -> int:
    fl = fcntl.fcntl(host_fd, fcntl.F_GETFL)
    flags = 0
    if fl & os.O_APPEND:
        flags |= abi.FDFLAGS_APPEND
    if fl & os.O_NONBLOCK:
        flags |= abi.FDFLAGS_NONBLOCK
    if fl & os.O_SYNC == os.O_SYNC:
        flags |= abi.FDFLAGS_SYNC
    elif fl & os.O_DSYNC:
        flags |= abi.FDFLAGS_DSYNC
    return flags


def fd_fdstat_get(ctx, mem, fd, stat_ptr):
    d = ctx.fds.get(fd)
    if isinstance(d, Directory):
        out = abi.pack_fdstat(abi.FILETYPE_DIRECTORY, 0, *d.rights())
    elif isinstance(d, Stream):
        out = abi.pack_fdstat(d.filetype, 0, d.rights(), d.rights())
    else:
        out = abi.pack_fdstat(d.filetype, _fdflags(d.host_fd), d.rights(), d.rights())
    mem.write(stat_ptr, out)


def fd_fdstat_set_flags(ctx, mem, fd, flags):
    d = ctx.fds.get(fd)
    if not isinstance(d, File):
        return EBADF
    if flags & ~(abi.FDFLAGS_APPEND | abi.FDFLAGS_NONBLOCK):
        # The sync flags cannot change after open (as wasmtime).
        return EINVAL
    fl = fcntl.fcntl(d.host_fd, fcntl.F_GETFL) & ~(os.O_APPEND | os.O_NONBLOCK)
    if flags & abi.FDFLAGS_APPEND:
        fl |= os.O_APPEND
    if flags & abi.FDFLAGS_NONBLOCK:
        fl |= os.O_NONBLOCK
    fcntl.fcntl(d.host_fd, fcntl.F_SETFL, fl)


def fd_fdstat_set_rights(ctx, mem, fd, base, inheriting):
    ctx.fds.get(fd)
    return ENOTSUP     # rights are all granted; wasmtime does not narrow them either


def fd_filestat_get(ctx, mem, fd, buf):
    d = ctx.fds.get(fd)
    mem.check_range(buf, 64)
    if isinstance(d, Stream):
        mem.write(buf, abi.pack_filestat(0, 0, d.filetype, 0, 0, 0, 0, 0))
    else:
        mem.write(buf, fs.pack_stat(os.fstat(d.host_fd)))


def _file(ctx, fd) -> File:
    d = ctx.fds.get(fd)
    if not isinstance(d, File):
        raise WasiError(EBADF)
    return d


def fd_filestat_set_size(ctx, mem, fd, size):
    os.ftruncate(_file(ctx, fd).host_fd, size)     # read-only fd: host EINVAL, as wasmtime


def fd_filestat_set_times(ctx, mem, fd, atim, mtim, fst):
    d = ctx.fds.get(fd)
    if isinstance(d, Stream):
        return EBADF
    ns = fs.utimens_ns(os.fstat(d.host_fd), atim, mtim, fst)
    os.utime(d.host_fd, ns=ns)


def fd_advise(ctx, mem, fd, offset, length, advice):
    d = _file(ctx, fd)
    if advice > 5:
        return EINVAL
    how = [os.POSIX_FADV_NORMAL, os.POSIX_FADV_SEQUENTIAL, os.POSIX_FADV_RANDOM,
           os.POSIX_FADV_WILLNEED, os.POSIX_FADV_DONTNEED, os.POSIX_FADV_NOREUSE][advice]
    os.posix_fadvise(d.host_fd, offset, length, how)


def fd_allocate(ctx, mem, fd, offset, length):
    _file(ctx, fd)
    return ENOTSUP      # as wasmtime (preview 2 has no allocate)


def fd_sync(ctx, mem, fd):
    os.fsync(_file(ctx, fd).host_fd)


def fd_datasync(ctx, mem, fd):
    os.fdatasync(_file(ctx, fd).host_fd)


def fd_readdir(ctx, mem, fd, buf, buf_len, cookie, bufused_ptr):
    """Dirents from index `cookie` on (each d_next is the next index), as
    many as fit; the last one is cut at `buf_len` (bufused == buf_len tells
    the guest to call again with a bigger buffer)."""
    d = ctx.fds.get(fd)
    if not isinstance(d, Directory):
        return EBADF
    mem.check_range(buf, buf_len)
    mem.check_range(bufused_ptr, 4)
    out = bytearray()
    entries = d.entries()
    for index in range(cookie, len(entries)):
        name, ino, ft = entries[index]
        out += abi.pack_dirent(index + 1, ino, name, ft)
        if len(out) >= buf_len:
            break
    out = bytes(out[:buf_len])
    mem.write(buf, out)
    mem.put_u32(bufused_ptr, len(out))


def fd_prestat_get(ctx, mem, fd, buf):
    d = ctx.fds.get(fd)
    if not isinstance(d, Directory) or d.guest_path is None:
        return EBADF
    mem.write(buf, struct.pack("<B3xI", abi.PREOPENTYPE_DIR, len(d.guest_path.encode())))


def fd_prestat_dir_name(ctx, mem, fd, path, length):
    d = ctx.fds.get(fd)
    if not isinstance(d, Directory) or d.guest_path is None:
        return EBADF
    name = d.guest_path.encode()
    if length < len(name):
        return ENAMETOOLONG
    mem.write(path, name)


# --------------------------------------------------------------------------
# path_*: the guest side of fs's sandboxed operations


def _dir(ctx, fd) -> Directory:
    return ctx.fds.get_dir(fd)


def path_open(ctx, mem, fd, dirflags, path, path_len, oflags, rights_base,
              rights_inheriting, fdflags, fd_out):
    base = _dir(ctx, fd)
    name = mem.path(path, path_len)
    mem.check_range(fd_out, 4)
    d = fs.open_at(base, name, bool(dirflags & abi.LOOKUP_SYMLINK_FOLLOW), oflags,
                   rights_base, fdflags)
    mem.put_u32(fd_out, ctx.fds.insert(d))


def path_create_directory(ctx, mem, fd, path, path_len):
    fs.mkdir_at(_dir(ctx, fd), mem.path(path, path_len))


def path_remove_directory(ctx, mem, fd, path, path_len):
    fs.rmdir_at(_dir(ctx, fd), mem.path(path, path_len))


def path_unlink_file(ctx, mem, fd, path, path_len):
    fs.unlink_at(_dir(ctx, fd), mem.path(path, path_len))


def path_rename(ctx, mem, fd, old, old_len, new_fd, new, new_len):
    fs.rename_at(_dir(ctx, fd), mem.path(old, old_len), _dir(ctx, new_fd), mem.path(new, new_len))


def path_link(ctx, mem, old_fd, old_flags, old, old_len, new_fd, new, new_len):
    fs.link_at(_dir(ctx, old_fd), mem.path(old, old_len),
               bool(old_flags & abi.LOOKUP_SYMLINK_FOLLOW),
               _dir(ctx, new_fd), mem.path(new, new_len))


def path_symlink(ctx, mem, old, old_len, fd, new, new_len):
    target = mem.path(old, old_len)
    fs.symlink_at(target, _dir(ctx, fd), mem.path(new, new_len))


def path_readlink(ctx, mem, fd, path, path_len, buf, buf_len, bufused_ptr):
    mem.check_range(buf, buf_len)
    mem.check_range(bufused_ptr, 4)
    target = fs.readlink_at(_dir(ctx, fd), mem.path(path, path_len))[:buf_len]
    mem.write(buf, target)
    mem.put_u32(bufused_ptr, len(target))


def path_filestat_get(ctx, mem, fd, flags, path, path_len, buf):
    mem.check_range(buf, 64)
    st = fs.stat_at(_dir(ctx, fd), mem.path(path, path_len), bool(flags & abi.LOOKUP_SYMLINK_FOLLOW))
    mem.write(buf, fs.pack_stat(st))


def path_filestat_set_times(ctx, mem, fd, flags, path, path_len, atim, mtim, fst):
    fs.set_times_at(_dir(ctx, fd), mem.path(path, path_len),
                    bool(flags & abi.LOOKUP_SYMLINK_FOLLOW), atim, mtim, fst)


# --------------------------------------------------------------------------
# poll_oneoff


def _fd_readiness(ctx, fd, etype):
    """(error, nbytes, selectable fileno or None) for an fd subscription."""
    d = ctx.fds.get(fd)
    if isinstance(d, Directory):
        raise WasiError(EBADF)
    if isinstance(d, File):
        if etype == abi.EVENTTYPE_FD_READ:
            pos = os.lseek(d.host_fd, 0, os.SEEK_CUR)
            return 0, max(0, os.fstat(d.host_fd).st_size - pos), None
        return 0, 0, None
    if (etype == abi.EVENTTYPE_FD_READ) != d.readable:
        return EBADF, 0, None
    try:
        fileno = d.stream.fileno()
    except (AttributeError, OSError, ValueError):
        return 0, 0, None       # an in-process stream is always ready
    return 0, 0, fileno


def poll_oneoff(ctx, mem, in_ptr, out_ptr, nsubs, nevents_ptr):
    """Clock subscriptions (relative or ABSTIME, any clock) and fd_read /
    fd_write subscriptions.  Files are always ready (fd_read reports the
    bytes left); stdio backed by a host fd is polled with select.  An
    invalid fd or a directory fails the whole call with EBADF (as wasmtime).  Blocks until the
    first event, then reports every event ready at that time."""
    if nsubs == 0:
        return EINVAL
    raw = mem.read(in_ptr, abi.SUBSCRIPTION_SIZE * nsubs)
    mem.check_range(out_ptr, abi.EVENT_SIZE * nsubs)
    mem.check_range(nevents_ptr, 4)
    start = time.monotonic_ns()
    ready: list[bytes] = []
    clocks: list[tuple[int, int]] = []           # (monotonic deadline, userdata)
    waiting: list[tuple[int, int, int]] = []     # (userdata, type, fileno)
    for k in range(nsubs):
        userdata, tag = struct.unpack_from("<QB", raw, abi.SUBSCRIPTION_SIZE * k)
        body = abi.SUBSCRIPTION_SIZE * k + 16
        if tag == abi.EVENTTYPE_CLOCK:
            clock_id, timeout, _precision, flags = struct.unpack_from("<I4xQQH", raw, body)
            if clock_id not in _CLOCKS:
                ready.append(abi.pack_event(userdata, EINVAL, tag))
                continue
            if flags & abi.SUBCLOCKFLAGS_ABSTIME:
                timeout = timeout - _CLOCKS[clock_id][0]()
            clocks.append((start + max(0, timeout), userdata))
        elif tag in (abi.EVENTTYPE_FD_READ, abi.EVENTTYPE_FD_WRITE):
            (fd,) = struct.unpack_from("<I", raw, body)
            error, nbytes, fileno = _fd_readiness(ctx, fd, tag)
            if fileno is None:
                ready.append(abi.pack_event(userdata, error, tag, nbytes))
            else:
                waiting.append((userdata, tag, fileno))
        else:
            return EINVAL
    while True:
        now = time.monotonic_ns()
        timeout_ns = 0 if ready else min((d - now for d, _ in clocks), default=None)
        if timeout_ns is not None:
            timeout_ns = max(0, timeout_ns)
        if waiting:
            rl = [f for _, t, f in waiting if t == abi.EVENTTYPE_FD_READ]
            wl = [f for _, t, f in waiting if t == abi.EVENTTYPE_FD_WRITE]
            r, w, _ = select.select(rl, wl, [], None if timeout_ns is None else timeout_ns / 1e9)
            for userdata, t, f in waiting:
                if f in (r if t == abi.EVENTTYPE_FD_READ else w):
                    ready.append(abi.pack_event(userdata, 0, t))
        elif timeout_ns:
            time.sleep(timeout_ns / 1e9)
        now = time.monotonic_ns()
        ready.extend(abi.pack_event(u, 0, abi.EVENTTYPE_CLOCK) for d, u in clocks if d <= now)
        if ready:
            break
    mem.write(out_ptr, b"".join(ready))
    mem.put_u32(nevents_ptr, len(ready))


# --------------------------------------------------------------------------
# proc, sched, sockets


def proc_exit(ctx, mem, code):
    raise ProcExit(code)


def proc_raise(ctx, mem, sig):
    return ENOSYS


def sched_yield(ctx, mem):
    os.sched_yield()


def _socket(ctx, fd, *rest):
    ctx.fds.get(fd)
    return ENOTSUP      # no sockets: wasmtier never hands out a socket descriptor


def sock_accept(ctx, mem, fd, flags, fd_out):
    return _socket(ctx, fd)


def sock_recv(ctx, mem, fd, ri_data, ri_len, ri_flags, ro_datalen, ro_flags):
    return _socket(ctx, fd)


def sock_send(ctx, mem, fd, si_data, si_len, si_flags, so_datalen):
    return _socket(ctx, fd)


def sock_shutdown(ctx, mem, fd, how):
    return _socket(ctx, fd)


# --------------------------------------------------------------------------
# name -> (implementation, params, results): the one table of the module.
FUNCTIONS = {
    "args_get": (args_get, [I32, I32], [I32]),
    "args_sizes_get": (args_sizes_get, [I32, I32], [I32]),
    "environ_get": (environ_get, [I32, I32], [I32]),
    "environ_sizes_get": (environ_sizes_get, [I32, I32], [I32]),
    "clock_res_get": (clock_res_get, [I32, I32], [I32]),
    "clock_time_get": (clock_time_get, [I32, I64, I32], [I32]),
    "random_get": (random_get, [I32, I32], [I32]),
    "fd_advise": (fd_advise, [I32, I64, I64, I32], [I32]),
    "fd_allocate": (fd_allocate, [I32, I64, I64], [I32]),
    "fd_close": (fd_close, [I32], [I32]),
    "fd_datasync": (fd_datasync, [I32], [I32]),
    "fd_fdstat_get": (fd_fdstat_get, [I32, I32], [I32]),
    "fd_fdstat_set_flags": (fd_fdstat_set_flags, [I32, I32], [I32]),
    "fd_fdstat_set_rights": (fd_fdstat_set_rights, [I32, I64, I64], [I32]),
    "fd_filestat_get": (fd_filestat_get, [I32, I32], [I32]),
    "fd_filestat_set_size": (fd_filestat_set_size, [I32, I64], [I32]),
    "fd_filestat_set_times": (fd_filestat_set_times, [I32, I64, I64, I32], [I32]),
    "fd_pread": (fd_pread, [I32, I32, I32, I64, I32], [I32]),
    "fd_prestat_get": (fd_prestat_get, [I32, I32], [I32]),
    "fd_prestat_dir_name": (fd_prestat_dir_name, [I32, I32, I32], [I32]),
    "fd_pwrite": (fd_pwrite, [I32, I32, I32, I64, I32], [I32]),
    "fd_read": (fd_read, [I32, I32, I32, I32], [I32]),
    "fd_readdir": (fd_readdir, [I32, I32, I32, I64, I32], [I32]),
    "fd_renumber": (fd_renumber, [I32, I32], [I32]),
    "fd_seek": (fd_seek, [I32, I64, I32, I32], [I32]),
    "fd_sync": (fd_sync, [I32], [I32]),
    "fd_tell": (fd_tell, [I32, I32], [I32]),
    "fd_write": (fd_write, [I32, I32, I32, I32], [I32]),
    "path_create_directory": (path_create_directory, [I32, I32, I32], [I32]),
    "path_filestat_get": (path_filestat_get, [I32, I32, I32, I32, I32], [I32]),
    "path_filestat_set_times": (path_filestat_set_times, [I32, I32, I32, I32, I64, I64, I32], [I32]),
    "path_link": (path_link, [I32, I32, I32, I32, I32, I32, I32], [I32]),
    "path_open": (path_open, [I32, I32, I32, I32, I32, I64, I64, I32, I32], [I32]),
    "path_readlink": (path_readlink, [I32, I32, I32, I32, I32, I32], [I32]),
    "path_remove_directory": (path_remove_directory, [I32, I32, I32], [I32]),
    "path_rename": (path_rename, [I32, I32, I32, I32, I32, I32], [I32]),
    "path_symlink": (path_symlink, [I32, I32, I32, I32, I32], [I32]),
    "path_unlink_file": (path_unlink_file, [I32, I32, I32], [I32]),
    "poll_oneoff": (poll_oneoff, [I32, I32, I32, I32], [I32]),
    "proc_exit": (proc_exit, [I32], []),
    "proc_raise": (proc_raise, [I32], [I32]),
    "sched_yield": (sched_yield, [], [I32]),
    "sock_accept": (sock_accept, [I32, I32, I32], [I32]),
    "sock_recv": (sock_recv, [I32, I32, I32, I32, I32, I32], [I32]),
    "sock_send": (sock_send, [I32, I32, I32, I32, I32], [I32]),
    "sock_shutdown": (sock_shutdown, [I32, I32], [I32]),
}


def default_streams():
    return sys.stdin.buffer, sys.stdout.buffer, sys.stderr.buffer
