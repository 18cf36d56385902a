"""The preview-1 ABI: guest memory access with bounds checks, flag and enum
values, and the byte layouts of the structs the host writes.

Layouts (little endian, offsets in bytes; witx `typenames.witx`):

    fdstat   (24)  0 filetype u8 | 2 fs_flags u16 | 8 rights_base u64 | 16 rights_inheriting u64
    filestat (64)  0 dev u64 | 8 ino u64 | 16 filetype u8 | 24 nlink | 32 size | 40 atim | 48 mtim | 56 ctim
    prestat  (8)   0 tag u8 (0 = dir) | 4 pr_name_len u32
    dirent   (24)  0 d_next u64 | 8 d_ino u64 | 16 d_namlen u32 | 20 d_type u8, then the name
    iovec    (8)   0 buf u32 | 4 buf_len u32
    subscription (48) 0 userdata u64 | 8 tag u8 | 16 union:
                   clock: 16 id u32 | 24 timeout u64 | 32 precision u64 | 40 flags u16
                   fd_read / fd_write: 16 fd u32
    event    (32)  0 userdata u64 | 8 error u16 | 10 type u8 | 16 nbytes u64 | 24 flags u16

`GuestMemory` is the only way host functions touch linear memory: every
access checks `ptr + len <= memory length` and raises `Fault` (EFAULT)
otherwise, so a bad guest pointer can never reach the raw `memmove` of the
runtime's `LinearMemory` (which does not check).  Pointers and lengths are
u32: callers pass the unsigned value.
"""

from __future__ import annotations

import struct

from .errno import Fault

# filetype
FILETYPE_UNKNOWN = 0
FILETYPE_BLOCK_DEVICE = 1
FILETYPE_CHARACTER_DEVICE = 2
FILETYPE_DIRECTORY = 3
FILETYPE_REGULAR_FILE = 4
FILETYPE_SOCKET_DGRAM = 5
FILETYPE_SOCKET_STREAM = 6
FILETYPE_SYMBOLIC_LINK = 7

# fdflags
FDFLAGS_APPEND = 1
FDFLAGS_DSYNC = 2
FDFLAGS_NONBLOCK = 4
FDFLAGS_RSYNC = 8
FDFLAGS_SYNC = 16

# oflags
OFLAGS_CREAT = 1
OFLAGS_DIRECTORY = 2
OFLAGS_EXCL = 4
OFLAGS_TRUNC = 8

LOOKUP_SYMLINK_FOLLOW = 1

# fstflags
FSTFLAGS_ATIM = 1
FSTFLAGS_ATIM_NOW = 2
FSTFLAGS_MTIM = 4
FSTFLAGS_MTIM_NOW = 8

# whence
WHENCE_SET, WHENCE_CUR, WHENCE_END = 0, 1, 2

# clockid
CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME, CLOCK_THREAD_CPUTIME = 0, 1, 2, 3

# eventtype, subclockflags, eventrwflags
EVENTTYPE_CLOCK, EVENTTYPE_FD_READ, EVENTTYPE_FD_WRITE = 0, 1, 2
SUBCLOCKFLAGS_ABSTIME = 1
EVENTRWFLAGS_HANGUP = 1

PREOPENTYPE_DIR = 0

# rights: bit numbers in witx order.
_RIGHTS = """fd_datasync fd_read fd_seek fd_fdstat_set_flags fd_sync fd_tell fd_write
fd_advise fd_allocate path_create_directory path_create_file path_link_source
path_link_target path_open fd_readdir path_readlink path_rename_source
path_rename_target path_filestat_get path_filestat_set_size
path_filestat_set_times fd_filestat_get fd_filestat_set_size
fd_filestat_set_times path_symlink path_remove_directory path_unlink_file
poll_fd_readwrite sock_shutdown sock_accept""".split()
RIGHTS = {name: 1 << bit for bit, name in enumerate(_RIGHTS)}
RIGHT_FD_READ = RIGHTS["fd_read"]
RIGHT_FD_WRITE = RIGHTS["fd_write"]
RIGHT_FD_READDIR = RIGHTS["fd_readdir"]
ALL_RIGHTS = (1 << len(_RIGHTS)) - 1

# What wasmtime reports (all rights are granted; these are only reported):
# a preopen gets every path_* and directory right but no byte I/O and
# passes on everything but path_filestat_set_size; a directory opened by
# path_open gets everything but seek, write and set_size; a file everything
# but the direction it was not opened for; stdio only its direction.
DIR_RIGHTS_BASE = 0x7B7FE00
DIR_RIGHTS_INHERITING = 0xFF7FFFF
OPENED_DIR_RIGHTS = ALL_RIGHTS & ~(RIGHTS["fd_seek"] | RIGHTS["fd_write"]
                                   | RIGHTS["path_filestat_set_size"]
                                   | RIGHTS["fd_filestat_set_size"])

SUBSCRIPTION_SIZE = 48
EVENT_SIZE = 32
DIRENT_SIZE = 24

_FDSTAT = struct.Struct("<BxH4xQQ")
_FILESTAT = struct.Struct("<QQB7xQQQQQ")
_DIRENT = struct.Struct("<QQIB3x")
_EVENT = struct.Struct("<QHB5xQH6x")
_U32 = struct.Struct("<I")
_U64 = struct.Struct("<Q")
_IOVEC = struct.Struct("<II")


def pack_fdstat(filetype: int, flags: int, base: int, inheriting: int) -> bytes:
    return _FDSTAT.pack(filetype, flags, base, inheriting)


def pack_filestat(dev, ino, filetype, nlink, size, atim, mtim, ctim) -> bytes:
    m = (1 << 64) - 1
    return _FILESTAT.pack(dev & m, ino & m, filetype, nlink & m, size & m,
                          atim & m, mtim & m, ctim & m)


def pack_dirent(d_next: int, ino: int, name: bytes, filetype: int) -> bytes:
    return _DIRENT.pack(d_next, ino & ((1 << 64) - 1), len(name), filetype) + name


def pack_event(userdata: int, error: int, etype: int, nbytes: int = 0, flags: int = 0) -> bytes:
    return _EVENT.pack(userdata, error, etype, nbytes, flags)


class GuestMemory:
    """Bounds-checked view of the caller's linear memory (`None`: no memory,
    every access faults)."""

    __slots__ = ("_mem",)

    def __init__(self, mem):
        self._mem = mem

    def _check(self, ptr: int, n: int) -> None:
        if self._mem is None or ptr < 0 or n < 0 or ptr + n > self._mem.length:
            raise Fault()

    def read(self, ptr: int, n: int) -> bytes:
        self._check(ptr, n)
        return self._mem.read(ptr, ptr + n) if n else b""

    def write(self, ptr: int, data: bytes) -> None:
        self._check(ptr, len(data))
        if data:
            self._mem.write(bytes(data), ptr)

    def check_range(self, ptr: int, n: int) -> None:
        self._check(ptr, n)

    def u32(self, ptr: int) -> int:
        return _U32.unpack(self.read(ptr, 4))[0]

    def u64(self, ptr: int) -> int:
        return _U64.unpack(self.read(ptr, 8))[0]

    def put_u32(self, ptr: int, value: int) -> None:
        self.write(ptr, _U32.pack(value & 0xFFFFFFFF))

    def put_u64(self, ptr: int, value: int) -> None:
        self.write(ptr, _U64.pack(value & 0xFFFFFFFFFFFFFFFF))

    def iovecs(self, iovs: int, count: int) -> list[tuple[int, int]]:
        """The (buf, len) pairs of an iovec array, each buffer checked."""
        raw = self.read(iovs, 8 * count)
        out = []
        for k in range(count):
            base, length = _IOVEC.unpack_from(raw, 8 * k)
            self._check(base, length)
            out.append((base, length))
        return out

    def gather(self, iovs: int, count: int) -> bytes:
        return b"".join(self.read(b, n) for b, n in self.iovecs(iovs, count))

    def scatter(self, bufs: list[tuple[int, int]], data: bytes) -> None:
        pos = 0
        for base, length in bufs:
            if pos >= len(data):
                break
            chunk = data[pos:pos + length]
            self.write(base, chunk)
            pos += len(chunk)

    def path(self, ptr: int, n: int) -> bytes:
        return self.read(ptr, n)
