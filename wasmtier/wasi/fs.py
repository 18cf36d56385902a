"""The sandboxed file system behind WASI preview 1: descriptors, the
descriptor table, and path resolution confined to a preopened directory.

Descriptors
-----------
    0, 1, 2     `Stream`     stdio: a Python binary stream (inherited, a file, or devnull)
    3 ...       `Directory`  the preopens, in `WasiConfig.preopen_dir` order
    then        `File` / `Directory` opened by `path_open` (lowest free number)

`File` and `Directory` own a host file descriptor (`host_fd`).  A directory
descriptor is opened `O_RDONLY | O_DIRECTORY`, so it serves both as the
`dir_fd` of every `*at` call and for `fd_readdir`.

Rights are not enforced (all rights are granted, as in wasmtime since the
preview-2 rewrite); they are reported in `fd_fdstat_get` the way wasmtime
reports them.  A preopen made with `fs_mutable=False` refuses, with EPERM,
everything that would change the tree or write a file under it.

The sandbox: resolution by components
-------------------------------------
No host path string is ever built.  `resolve` walks the guest path one
component at a time from the directory's host fd, like cap-std's
`open_parent` / openat2(RESOLVE_BENEATH):

    stack = [dir fd]                 the chain of directories opened so far
    "", "."      skip
    ".."         pop; popping the base itself is an escape -> EPERM
    name (not last)  openat(top, name, O_PATH|O_DIRECTORY|O_NOFOLLOW); if it
                 is a symlink, readlink it and splice its components in place
                 of `name` (absolute target -> EPERM; more than 40 links -> ELOOP)
    name (last)  returned as (top, name) to the caller, after expanding a
                 symlink when the operation follows the final link (lookup
                 flag SYMLINK_FOLLOW, or a trailing "/")

The caller then performs one `*at` call on (top, name) that never follows a
symlink in `name` (O_NOFOLLOW, follow_symlinks=False), so the kernel never
interprets a guest-controlled link: every link is resolved here, against
the stack, and `..` cannot leave the base.  Absolute guest paths are
escapes (EPERM).  Errors follow wasmtime: escape EPERM, NUL in a path
EINVAL, invalid UTF-8 EILSEQ, empty path ENOENT.
"""

from __future__ import annotations

import errno as host_errno
import os
import stat as _stat
import time
from collections import deque
from contextlib import contextmanager

from . import abi
from .errno import (EBADF, EILSEQ, EINVAL, ELOOP, ENOENT, ENOTDIR, EPERM,
                    WasiError)

MAX_SYMLINKS = 40
_O_PATHDIR = os.O_PATH | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def filetype_of_mode(mode: int) -> int:
    if _stat.S_ISREG(mode):
        return abi.FILETYPE_REGULAR_FILE
    if _stat.S_ISDIR(mode):
        return abi.FILETYPE_DIRECTORY
    if _stat.S_ISLNK(mode):
        return abi.FILETYPE_SYMBOLIC_LINK
    if _stat.S_ISCHR(mode):
        return abi.FILETYPE_CHARACTER_DEVICE
    if _stat.S_ISBLK(mode):
        return abi.FILETYPE_BLOCK_DEVICE
    if _stat.S_ISSOCK(mode):
        return abi.FILETYPE_SOCKET_STREAM
    return abi.FILETYPE_UNKNOWN


def pack_stat(st: os.stat_result) -> bytes:
    return abi.pack_filestat(st.st_dev, st.st_ino, filetype_of_mode(st.st_mode), st.st_nlink,
                             st.st_size, st.st_atime_ns, st.st_mtime_ns, st.st_ctime_ns)


# --------------------------------------------------------------------------
# Descriptors


class Descriptor:
    host_fd = -1

    def close(self) -> None:
        pass


class Stream(Descriptor):
    """A standard stream: `readable` for stdin, else writable."""

    def __init__(self, stream, readable: bool, owned: bool = False):
        self.stream = stream
        self.readable = readable
        self.owned = owned

    @property
    def filetype(self) -> int:
        try:
            tty = self.stream.isatty()
        except (AttributeError, ValueError, OSError):
            tty = False
        return abi.FILETYPE_CHARACTER_DEVICE if tty else abi.FILETYPE_UNKNOWN

    def rights(self) -> int:
        return abi.RIGHT_FD_READ if self.readable else abi.RIGHT_FD_WRITE

    def read(self, n: int) -> bytes:
        read1 = getattr(self.stream, "read1", None)
        return read1(n) if read1 is not None else self.stream.read(n)

    def write(self, data: bytes) -> int:
        self.stream.write(data)
        self.stream.flush()
        return len(data)

    def close(self) -> None:
        if self.owned:
            self.stream.close()


class File(Descriptor):
    def __init__(self, host_fd: int, readable: bool, writable: bool):
        self.host_fd = host_fd
        self.readable = readable
        self.writable = writable

    @property
    def filetype(self) -> int:
        return filetype_of_mode(os.fstat(self.host_fd).st_mode)

    def rights(self) -> int:
        r = abi.ALL_RIGHTS
        if not self.readable:
            r &= ~(abi.RIGHT_FD_READ | abi.RIGHT_FD_READDIR)
        if not self.writable:
            r &= ~abi.RIGHT_FD_WRITE
        return r

    def close(self) -> None:
        if self.host_fd >= 0:
            os.close(self.host_fd)
            self.host_fd = -1


class Directory(Descriptor):
    filetype = abi.FILETYPE_DIRECTORY

    def __init__(self, host_fd: int, mutable: bool = True, guest_path: str | None = None):
        self.host_fd = host_fd
        self.mutable = mutable
        self.guest_path = guest_path    # set for a preopen: fd_prestat_* expose it

    def rights(self) -> tuple[int, int]:
        """(base, inheriting) as wasmtime reports them."""
        if self.guest_path is not None:
            return abi.DIR_RIGHTS_BASE, abi.DIR_RIGHTS_INHERITING
        return abi.OPENED_DIR_RIGHTS, abi.OPENED_DIR_RIGHTS

    def check_mutable(self) -> None:
        if not self.mutable:
            raise WasiError(EPERM)

    def entries(self) -> list[tuple[bytes, int, int]]:
        """(name, inode, filetype) of ".", ".." and the entries, sorted by
        name so that readdir cookies (indices into this list) stay valid
        across calls."""
        ino = os.fstat(self.host_fd).st_ino
        out = [(b".", ino, abi.FILETYPE_DIRECTORY), (b"..", ino, abi.FILETYPE_DIRECTORY)]
        rest = []
        with os.scandir(self.host_fd) as it:
            for entry in it:
                if entry.is_symlink():
                    ft = abi.FILETYPE_SYMBOLIC_LINK
                elif entry.is_dir(follow_symlinks=False):
                    ft = abi.FILETYPE_DIRECTORY
                elif entry.is_file(follow_symlinks=False):
                    ft = abi.FILETYPE_REGULAR_FILE
                else:
                    try:
                        ft = filetype_of_mode(entry.stat(follow_symlinks=False).st_mode)
                    except OSError:
                        ft = abi.FILETYPE_UNKNOWN
                rest.append((os.fsencode(entry.name), entry.inode(), ft))
        rest.sort()
        return out + rest

    def close(self) -> None:
        if self.host_fd >= 0:
            os.close(self.host_fd)
            self.host_fd = -1


class FdTable:
    def __init__(self):
        self._fds: dict[int, Descriptor] = {}

    def get(self, fd: int) -> Descriptor:
        d = self._fds.get(fd)
        if d is None:
            raise WasiError(EBADF)
        return d

    def get_file(self, fd: int) -> File | Stream:
        d = self.get(fd)
        if isinstance(d, Directory):
            raise WasiError(EBADF)
        return d

    def get_dir(self, fd: int) -> Directory:
        d = self.get(fd)
        if not isinstance(d, Directory):
            raise WasiError(EBADF if isinstance(d, Stream) else ENOTDIR)
        return d

    def insert(self, d: Descriptor) -> int:
        fd = 0
        while fd in self._fds:
            fd += 1
        self._fds[fd] = d
        return fd

    def set(self, fd: int, d: Descriptor) -> None:
        self._fds[fd] = d

    def pop(self, fd: int) -> Descriptor:
        d = self._fds.pop(fd, None)
        if d is None:
            raise WasiError(EBADF)
        return d

    def items(self):
        return list(self._fds.items())

    def close_all(self) -> None:
        for d in self._fds.values():
            try:
                d.close()
            except OSError:
                pass
        self._fds.clear()


# --------------------------------------------------------------------------
# Path resolution


def _check_path(path: bytes) -> None:
    if b"\0" in path:
        raise WasiError(EINVAL)
    try:
        path.decode("utf-8")
    except UnicodeDecodeError:
        raise WasiError(EILSEQ) from None
    if not path:
        raise WasiError(ENOENT)


def _readlink(dir_fd: int, name: bytes) -> bytes | None:
    """The target of `name` in `dir_fd` if it is a symlink, else None."""
    try:
        return os.readlink(name, dir_fd=dir_fd)
    except OSError as e:
        if e.errno in (host_errno.EINVAL, host_errno.ENOENT):
            return None
        raise




@contextmanager
def resolve(base: Directory, path: bytes, follow: bool):
    """Yield (dir_fd, name): `name` is one component (never "..", never
    containing "/"; "." stands for the directory itself) to be used with a
    non-following `*at` call on `dir_fd`, which lies beneath `base`."""
    _check_path(path)
    if path.startswith(b"/"):
        raise WasiError(EPERM)
    stack = [base.host_fd]
    try:
        yield _walk(stack, path, follow)
    finally:
        for fd in stack[1:]:
            os.close(fd)


def _walk(stack: list[int], path: bytes, follow: bool) -> tuple[int, bytes]:
    queue = deque(path.split(b"/"))
    links = 0
    while True:
        while queue and queue[0] in (b"", b"."):
            queue.popleft()
        if not queue:
            return stack[-1], b"."
        comp = queue.popleft()
        if comp == b"..":
            if len(stack) == 1:
                raise WasiError(EPERM)
            os.close(stack.pop())
            continue
        last = all(c == b"" for c in queue)
        trailing_slash = last and bool(queue)
        if last:
            if follow or trailing_slash:
                target = _readlink(stack[-1], comp)
                if target is not None:
                    links = _splice(queue, target, links)
                    continue
            if trailing_slash:
                try:
                    st = os.stat(comp, dir_fd=stack[-1], follow_symlinks=False)
                except FileNotFoundError:
                    pass
                else:
                    if not _stat.S_ISDIR(st.st_mode):
                        raise WasiError(ENOTDIR)
            return stack[-1], comp
        try:
            stack.append(os.open(comp, _O_PATHDIR, dir_fd=stack[-1]))
        except OSError as e:
            if e.errno not in (host_errno.ELOOP, host_errno.ENOTDIR):
                raise
            target = _readlink(stack[-1], comp)
            if target is None:
                raise
            links = _splice(queue, target, links)


def _splice(queue: deque, target: bytes, links: int) -> int:
    links += 1
    if links > MAX_SYMLINKS:
        raise WasiError(ELOOP)
    if target.startswith(b"/"):
        raise WasiError(EPERM)
    if not target:
        raise WasiError(ENOENT)
    queue.extendleft(reversed(target.split(b"/")))
    return links


# --------------------------------------------------------------------------
# Operations on paths (host side; preview1 decodes the guest arguments)

_WRITE_RIGHTS = (abi.RIGHTS["fd_write"] | abi.RIGHTS["fd_allocate"]
                 | abi.RIGHTS["fd_filestat_set_size"] | abi.RIGHTS["fd_datasync"])
_READ_RIGHTS = abi.RIGHT_FD_READ | abi.RIGHT_FD_READDIR


def open_at(base: Directory, path: bytes, follow: bool, oflags: int,
            rights: int, fdflags: int) -> Descriptor:
    creat = oflags & abi.OFLAGS_CREAT
    want_dir = oflags & abi.OFLAGS_DIRECTORY
    if creat and want_dir:
        raise WasiError(EINVAL)
    writable = bool(rights & _WRITE_RIGHTS or fdflags & abi.FDFLAGS_APPEND
                    or oflags & abi.OFLAGS_TRUNC)
    readable = bool(rights & _READ_RIGHTS) or not writable
    if (creat or writable) and not base.mutable:
        raise WasiError(EPERM)
    flags = os.O_CLOEXEC | os.O_NOFOLLOW
    flags |= os.O_RDWR if readable and writable else os.O_WRONLY if writable else os.O_RDONLY
    if creat:
        flags |= os.O_CREAT
    if oflags & abi.OFLAGS_EXCL:
        flags |= os.O_EXCL
    if oflags & abi.OFLAGS_TRUNC:
        flags |= os.O_TRUNC
    if want_dir:
        flags |= os.O_DIRECTORY
    if fdflags & abi.FDFLAGS_APPEND:
        flags |= os.O_APPEND
    if fdflags & abi.FDFLAGS_NONBLOCK:
        flags |= os.O_NONBLOCK
    if fdflags & abi.FDFLAGS_DSYNC:
        flags |= os.O_DSYNC
    if fdflags & abi.FDFLAGS_SYNC:
        flags |= os.O_SYNC
    if fdflags & abi.FDFLAGS_RSYNC:
        flags |= os.O_RSYNC
    if creat and oflags & abi.OFLAGS_EXCL:
        follow = False      # O_CREAT|O_EXCL never follows: a symlink there exists
    with resolve(base, path, follow) as (dir_fd, name):
        try:
            host_fd = os.open(name, flags, 0o666, dir_fd=dir_fd)
        except NotADirectoryError:
            # O_NOFOLLOW|O_DIRECTORY on a symlink: report the link (ELOOP).
            if want_dir and _stat.S_ISLNK(os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode):
                raise WasiError(ELOOP) from None
            raise
    try:
        is_dir = _stat.S_ISDIR(os.fstat(host_fd).st_mode)
    except OSError:
        os.close(host_fd)
        raise
    if is_dir:
        return Directory(host_fd, base.mutable)
    if want_dir:
        os.close(host_fd)
        raise WasiError(ENOTDIR)
    return File(host_fd, readable, writable)


def mkdir_at(base: Directory, path: bytes) -> None:
    base.check_mutable()
    with resolve(base, path, False) as (dir_fd, name):
        os.mkdir(name, 0o777, dir_fd=dir_fd)


def rmdir_at(base: Directory, path: bytes) -> None:
    base.check_mutable()
    with resolve(base, path, False) as (dir_fd, name):
        os.rmdir(name, dir_fd=dir_fd)


def unlink_at(base: Directory, path: bytes) -> None:
    base.check_mutable()
    with resolve(base, path, False) as (dir_fd, name):
        os.unlink(name, dir_fd=dir_fd)


def rename_at(old_base: Directory, old: bytes, new_base: Directory, new: bytes) -> None:
    old_base.check_mutable()
    new_base.check_mutable()
    with resolve(old_base, old, False) as (odir, oname), \
            resolve(new_base, new, False) as (ndir, nname):
        os.rename(oname, nname, src_dir_fd=odir, dst_dir_fd=ndir)


def link_at(old_base: Directory, old: bytes, follow: bool, new_base: Directory, new: bytes) -> None:
    if follow:
        # As wasmtime: hard links to a symlink's target are not supported.
        raise WasiError(EINVAL)
    new_base.check_mutable()
    with resolve(old_base, old, False) as (odir, oname), \
            resolve(new_base, new, False) as (ndir, nname):
        os.link(oname, nname, src_dir_fd=odir, dst_dir_fd=ndir, follow_symlinks=False)


def symlink_at(target: bytes, base: Directory, path: bytes) -> None:
    _check_path(target)
    if target.startswith(b"/"):
        # A link that could only ever resolve outside the sandbox (wasmtime: EPERM).
        raise WasiError(EPERM)
    base.check_mutable()
    with resolve(base, path, False) as (dir_fd, name):
        os.symlink(target, name, dir_fd=dir_fd)


def readlink_at(base: Directory, path: bytes) -> bytes:
    with resolve(base, path, False) as (dir_fd, name):
        target = os.readlink(name, dir_fd=dir_fd)
    if target.startswith(b"/"):
        raise WasiError(EPERM)      # as wasmtime: an absolute target is not revealed
    return target


def stat_at(base: Directory, path: bytes, follow: bool) -> os.stat_result:
    with resolve(base, path, follow) as (dir_fd, name):
        return os.stat(name, dir_fd=dir_fd, follow_symlinks=False)


def check_fstflags(fst: int) -> None:
    if (fst & abi.FSTFLAGS_ATIM and fst & abi.FSTFLAGS_ATIM_NOW) or \
            (fst & abi.FSTFLAGS_MTIM and fst & abi.FSTFLAGS_MTIM_NOW):
        raise WasiError(EINVAL)


def utimens_ns(current: os.stat_result, atim: int, mtim: int, fst: int) -> tuple[int, int]:
    """(atime_ns, mtime_ns) for set_times flags; EINVAL on a conflict."""
    check_fstflags(fst)
    now = time.time_ns()
    if fst & abi.FSTFLAGS_ATIM_NOW:
        a = now
    elif fst & abi.FSTFLAGS_ATIM:
        a = atim
    else:
        a = current.st_atime_ns
    if fst & abi.FSTFLAGS_MTIM_NOW:
        m = now
    elif fst & abi.FSTFLAGS_MTIM:
        m = mtim
    else:
        m = current.st_mtime_ns
    return a, m


def set_times_at(base: Directory, path: bytes, follow: bool, atim: int, mtim: int, fst: int) -> None:
    check_fstflags(fst)
    with resolve(base, path, follow) as (dir_fd, name):
        st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
        ns = utimens_ns(st, atim, mtim, fst)
        os.utime(name, ns=ns, dir_fd=dir_fd, follow_symlinks=False)


def open_preopen(host_path: str, guest_path: str, mutable: bool) -> Directory:
    fd = os.open(host_path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    return Directory(fd, mutable, guest_path)
