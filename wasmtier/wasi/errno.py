"""WASI preview 1 errno values, and the mapping from host (Linux) errno.

The numbering is the `$errno` enum of `phases/snapshot/witx/typenames.witx`
(the same numbers as wasi-libc's `__WASI_ERRNO_*`): success is 0 and the
names follow POSIX in alphabetical order, with `notcapable` (76) last.

Host functions never return a host errno: every `OSError` goes through
`from_oserror`, and every failure the WASI layer detects itself is raised as
`WasiError(errno)`.  One dispatcher (`preview1.call`) turns both into the
returned errno, so no host function needs its own `try`.
"""

from __future__ import annotations

import errno as _host

_NAMES = """success 2big acces addrinuse addrnotavail afnosupport again already
badf badmsg busy canceled child connaborted connrefused connreset deadlk
destaddrreq dom dquot exist fault fbig hostunreach idrm ilseq inprogress intr
inval io isconn isdir loop mfile mlink msgsize multihop nametoolong netdown
netreset netunreach nfile nobufs nodev noent noexec nolck nolink nomem nomsg
noprotoopt nospc nosys notconn notdir notempty notrecoverable notsock notsup
notty nxio overflow ownerdead perm pipe proto protonosupport prototype range
rofs spipe srch stale timedout txtbsy xdev notcapable""".split()

# name -> number, in witx order (SUCCESS = 0 ... NOTCAPABLE = 76).
CODES = {name: number for number, name in enumerate(_NAMES)}
assert CODES["noent"] == 44 and CODES["notcapable"] == 76

ESUCCESS = 0
E2BIG = 1
EACCES = 2
EAGAIN = 6
EBADF = 8
EBUSY = 10
EEXIST = 20
EFAULT = 21
EFBIG = 22
EILSEQ = 25
EINTR = 27
EINVAL = 28
EIO = 29
EISDIR = 31
ELOOP = 32
EMFILE = 33
ENAMETOOLONG = 37
ENOENT = 44
ENOMEM = 48
ENOSPC = 51
ENOSYS = 52
ENOTDIR = 54
ENOTEMPTY = 55
ENOTSOCK = 57
ENOTSUP = 58
ENXIO = 60
EOVERFLOW = 61
EPERM = 63
EPIPE = 64
EROFS = 69
ESPIPE = 70
EXDEV = 75
ENOTCAPABLE = 76


class WasiError(Exception):
    """A WASI failure with its (WASI) errno; the dispatcher returns `.errno`."""

    def __init__(self, errno: int):
        super().__init__(errno)
        self.errno = errno


class Fault(WasiError):
    """A guest pointer or length outside linear memory (answers EFAULT)."""

    def __init__(self):
        super().__init__(EFAULT)


def _host_table() -> dict[int, int]:
    table = {}
    for name, number in CODES.items():
        host = getattr(_host, "E" + name.upper(), None)
        if host is not None:
            table[host] = number
    # Host names that differ from WASI's, or alias another errno.
    table[_host.EOPNOTSUPP] = CODES["notsup"]   # same value as ENOTSUP on Linux
    table[_host.EWOULDBLOCK] = CODES["again"]
    return table


_FROM_HOST = _host_table()


def from_host(host_errno: int | None) -> int:
    """The WASI errno for a host errno (EIO when WASI has no such error)."""
    return _FROM_HOST.get(host_errno, EIO)


def from_oserror(err: OSError) -> int:
    return from_host(err.errno)
