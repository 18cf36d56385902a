"""WASI preview 1 functions, with exact results, through real wasm.

Every call goes through `test_wasi_support.Guest` (a wasm module whose
exports wrap the WASI imports).  Tests marked with the `runtime`
parameter run the same calls on wasmtime-py as the oracle; the others pin
down wasmtier's choices where wasmtime differs or traps (documented in
`wasmtier/wasi/preview1.py`).
"""

from __future__ import annotations

import os
import struct
import time

import pytest

import wasmtier as wasmtime
from test_wasi_support import (BUF, OUT, RIGHT_READ, RIGHT_READDIR, RIGHT_WRITE, RIGHTS_ALL,
                               RUNTIME_IDS, RUNTIMES, STAT, Guest, run_module)

EBADF, EEXIST, EFAULT, EINVAL, EISDIR, ENAMETOOLONG = 8, 20, 21, 28, 31, 37
ENOENT, ENOTDIR, ENOTEMPTY, ENOTSUP, ESPIPE, EPERM = 44, 54, 55, 58, 70, 63
O_CREAT, O_DIRECTORY, O_EXCL, O_TRUNC = 1, 2, 4, 8
FT_UNKNOWN, FT_DIR, FT_FILE, FT_LINK = 0, 3, 4, 7

both = pytest.mark.parametrize("runtime", RUNTIMES, ids=RUNTIME_IDS)


@pytest.fixture
def box(tmp_path):
    root = tmp_path / "box"
    (root / "sub").mkdir(parents=True)
    (root / "data.txt").write_bytes(b"0123456789")
    (root / "sub" / "a").write_bytes(b"")
    os.symlink("data.txt", root / "link")
    return root


def guest(box, runtime=wasmtime, **extra):
    def configure(config):
        config.argv = ["prog", "two words", "ünï"]
        config.env = [("HOME", "/home/x"), ("EMPTY", ""), ("EQ", "a=b")]
        config.preopen_dir(str(box), "/box")
        for key, value in extra.items():
            setattr(config, key, value)
    return Guest(runtime, configure)


# --------------------------------------------------------------------------
# args, environ, clocks, random


@both
def test_args_layout(box, runtime):
    g = guest(box, runtime)
    assert g.args_sizes_get(OUT, OUT + 4) == 0
    expected = b"prog\0two words\0" + "ünï".encode() + b"\0"
    assert (g.u32(OUT), g.u32(OUT + 4)) == (3, len(expected))
    assert g.args_get(256, 512) == 0
    assert [g.u32(256 + 4 * i) for i in range(3)] == [512, 517, 527]
    assert g.read(512, len(expected)) == expected


@both
def test_environ_layout(box, runtime):
    g = guest(box, runtime)
    assert g.environ_sizes_get(OUT, OUT + 4) == 0
    expected = b"HOME=/home/x\0EMPTY=\0EQ=a=b\0"
    assert (g.u32(OUT), g.u32(OUT + 4)) == (3, len(expected))
    assert g.environ_get(256, 512) == 0
    assert [g.u32(256 + 4 * i) for i in range(3)] == [512, 525, 532]
    assert g.read(512, len(expected)) == expected


def test_inherit_argv_and_env(box, monkeypatch):
    monkeypatch.setenv("WASMTIER_TEST_VAR", "42")
    g = Guest(wasmtime, lambda c: (c.inherit_argv(), c.inherit_env()))
    g.environ_sizes_get(OUT, OUT + 4)
    count, size = g.u32(OUT), g.u32(OUT + 4)
    g.environ_get(2048, 4096)
    assert b"WASMTIER_TEST_VAR=42\0" in g.read(4096, size)
    assert count == len(os.environ)


@both
def test_clocks(box, runtime):
    g = guest(box, runtime)
    for clock in (0, 1):
        assert g.clock_res_get(clock, OUT) == 0
        assert g.u64() == 1
    before = time.time_ns()
    assert g.clock_time_get(0, 1, OUT) == 0
    assert abs(g.u64() - before) < 5 * 10**9
    ticks = []
    for _ in range(5):
        assert g.clock_time_get(1, 1, OUT) == 0
        ticks.append(g.u64())
    assert ticks == sorted(ticks)


def test_cpu_clocks_and_bad_clock_id(box):
    g = guest(box)
    assert g.clock_time_get(2, 1, OUT) == 0 and g.u64() > 0
    assert g.clock_time_get(3, 1, OUT) == 0
    assert g.clock_time_get(9, 1, OUT) == EINVAL     # wasmtime traps on the bad enum
    assert g.clock_res_get(9, OUT) == EINVAL


@both
def test_random_get(box, runtime):
    g = guest(box, runtime)
    g.write(BUF, bytes(64))
    assert g.random_get(BUF, 64) == 0
    assert g.read(BUF, 64) != bytes(64)
    assert g.random_get(BUF, 0) == 0


def test_out_of_bounds_pointers_are_efault(box):
    g = guest(box)
    end = 2 * 65536
    assert g.random_get(end - 4, 8) == EFAULT
    assert g.args_sizes_get(end, OUT) == EFAULT
    assert g.args_get(end - 4, 512) == EFAULT
    assert g.clock_time_get(1, 0, end - 7) == EFAULT
    assert g.fd_write(1, end, 1, OUT) == EFAULT                 # the iovec array
    iov = g.put(struct.pack("<II", end - 2, 4))[0]
    assert g.fd_write(1, iov, 1, OUT) == EFAULT                 # a buffer
    assert g.fd_write(1, iov, 0, end) == EFAULT                 # the result
    assert g.path_open(3, 0, end - 1, 5, 0, 2, 2, 0, OUT) == EFAULT
    assert g.fd_readdir(3, end - 10, 100, 0, OUT) == EFAULT
    assert g.fd_prestat_get(3, end - 2) == EFAULT
    assert g.path_open(3, 0, -1, 5, 0, 2, 2, 0, OUT) == EFAULT   # 0xFFFFFFFF
    # Nothing was opened by the faulting path_open calls.
    assert g.fd_fdstat_get(4, STAT) == EBADF


# --------------------------------------------------------------------------
# stdio, WasiConfig


def test_stdout_file_and_stdin_file(box, tmp_path):
    (tmp_path / "in.txt").write_bytes(b"input bytes")
    out, err = tmp_path / "out.txt", tmp_path / "err.txt"
    out.write_bytes(b"stale contents")
    g = guest(box, stdin_file=str(tmp_path / "in.txt"), stdout_file=str(out), stderr_file=str(err))
    assert out.read_bytes() == b""            # truncated when set, as wasmtime
    assert g.write_fd(1, b"hello ") == (0, 6)
    assert g.write_fd(1, b"world") == (0, 5)
    assert g.write_fd(2, b"oops") == (0, 4)
    assert g.read_fd(0, 5) == (0, b"input")
    assert g.read_fd(0, 100) == (0, b" bytes")
    assert g.read_fd(0, 100) == (0, b"")
    assert out.read_bytes() == b"hello world"
    assert err.read_bytes() == b"oops"
    assert g.write_fd(0, b"x")[0] == EBADF
    assert g.read_fd(1, 1)[0] == EBADF


def test_default_stdio_is_empty_and_discarding(box):
    g = guest(box)
    assert g.read_fd(0, 10) == (0, b"")
    assert g.write_fd(1, b"dropped") == (0, 7)


def test_inherit_stdout(box, capfd):
    g = Guest(wasmtime, lambda c: c.inherit_stdout())
    assert g.write_fd(1, b"to the terminal\n") == (0, 16)
    assert capfd.readouterr().out == "to the terminal\n"


def test_config_errors(tmp_path):
    config = wasmtime.WasiConfig()
    with pytest.raises(wasmtime.WasmtimeError):
        config.stdin_file = str(tmp_path / "missing")
    with pytest.raises(wasmtime.WasmtimeError):
        config.preopen_dir(str(tmp_path / "missing"), "/x")
    with pytest.raises(wasmtime.WasmtimeError):
        config.stdout_file = str(tmp_path / "no" / "such" / "dir")


@both
def test_stdio_fdstat_and_seek(box, runtime):
    g = guest(box, runtime)
    assert g.fdstat(0) == (0, (FT_UNKNOWN, 0, RIGHT_READ, RIGHT_READ))
    assert g.fdstat(1) == (0, (FT_UNKNOWN, 0, RIGHT_WRITE, RIGHT_WRITE))
    assert g.fd_seek(1, 0, 0, OUT) == ESPIPE
    assert g.fd_tell(0, OUT) == ESPIPE
    assert g.fd_sync(1) == EBADF
    st = g.filestat(fd=1)[1]
    assert (st["filetype"], st["size"], st["nlink"]) == (FT_UNKNOWN, 0, 0)


# --------------------------------------------------------------------------
# preopens, fdstat, close, renumber


@both
def test_prestat(box, tmp_path, runtime):
    other = tmp_path / "other"
    other.mkdir()

    def configure(config):
        config.preopen_dir(str(box), "/box")
        config.preopen_dir(str(other), ".")
    g = Guest(runtime, configure)
    assert g.fd_prestat_get(3, OUT) == 0
    assert g.read(OUT, 8) == struct.pack("<B3xI", 0, 4)
    assert g.fd_prestat_dir_name(3, BUF, 4) == 0 and g.read(BUF, 4) == b"/box"
    assert g.fd_prestat_dir_name(3, BUF, 3) == ENAMETOOLONG
    assert g.fd_prestat_get(4, OUT) == 0 and g.u32(OUT + 4) == 1
    assert g.fd_prestat_get(5, OUT) == EBADF
    assert g.fd_prestat_get(1, OUT) == EBADF
    errno, fd = g.open("sub", oflags=O_DIRECTORY)
    assert g.fd_prestat_get(fd, OUT) == EBADF       # only preopens have a prestat


@both
def test_fdstat_rights(box, runtime):
    g = guest(box, runtime)
    assert g.fdstat(3) == (0, (FT_DIR, 0, 0x7B7FE00, 0xFF7FFFF))
    _, fd = g.open("data.txt", rights=RIGHT_READ)
    assert g.fdstat(fd) == (0, (FT_FILE, 0, RIGHTS_ALL & ~RIGHT_WRITE, RIGHTS_ALL & ~RIGHT_WRITE))
    _, fd = g.open("data.txt", rights=RIGHT_WRITE)
    no_read = RIGHTS_ALL & ~(RIGHT_READ | RIGHT_READDIR)
    assert g.fdstat(fd) == (0, (FT_FILE, 0, no_read, no_read))
    _, fd = g.open("data.txt", rights=RIGHT_WRITE, fdflags=1)
    assert g.fdstat(fd)[1][1] == 1          # APPEND
    _, fd = g.open("sub", oflags=O_DIRECTORY)
    assert g.fdstat(fd) == (0, (FT_DIR, 0, 0x3FB7FFBB, 0x3FB7FFBB))
    assert g.fd_fdstat_set_rights(fd, 0, 0) == ENOTSUP
    assert g.fd_fdstat_set_rights(99, 0, 0) == EBADF


@both
def test_fdstat_set_flags(box, runtime):
    g = guest(box, runtime)
    _, fd = g.open("data.txt", rights=RIGHTS_ALL)
    assert g.fd_fdstat_set_flags(fd, 1) == 0
    assert g.fdstat(fd)[1][1] == 1
    assert g.write_fd(fd, b"!") == (0, 1)
    assert (box / "data.txt").read_bytes() == b"0123456789!"
    assert g.fd_fdstat_set_flags(fd, 0) == 0 and g.fdstat(fd)[1][1] == 0
    assert g.fd_fdstat_set_flags(fd, 2) == EINVAL      # DSYNC cannot be changed
    assert g.fd_fdstat_set_flags(3, 0) == EBADF
    assert g.fd_fdstat_set_flags(1, 0) == EBADF


@both
def test_close_and_renumber(box, runtime):
    g = guest(box, runtime)
    _, a = g.open("data.txt")
    _, b = g.open("sub/a")
    assert (a, b) == (4, 5)
    assert g.fd_renumber(a, b) == 0
    assert g.fdstat(a)[0] == EBADF
    assert g.read_fd(b, 4) == (0, b"0123")
    assert g.fd_renumber(b, 77) == EBADF
    assert g.fd_renumber(b, b) == 0
    assert g.fd_close(b) == 0
    assert g.fd_close(b) == EBADF
    assert g.fd_close(3) == 0                     # a preopen can be closed
    assert g.fd_prestat_get(3, OUT) == EBADF
    assert g.open("data.txt") == (EBADF, None)


# --------------------------------------------------------------------------
# reading and writing files


@both
def test_read_write_seek_tell(box, runtime):
    g = guest(box, runtime)
    errno, fd = g.open("new.txt", oflags=O_CREAT, rights=RIGHTS_ALL)
    assert errno == 0
    assert g.write_fd(fd, b"hello world") == (0, 11)
    assert g.fd_tell(fd, OUT) == 0 and g.u64() == 11
    assert g.fd_seek(fd, 6, 0, OUT) == 0 and g.u64() == 6
    assert g.read_fd(fd, 100) == (0, b"world")
    assert g.fd_seek(fd, -5, 2, OUT) == 0 and g.u64() == 6
    assert g.fd_seek(fd, -2, 1, OUT) == 0 and g.u64() == 4
    assert g.read_fd(fd, 3) == (0, b"o w")
    assert g.fd_seek(fd, -100, 1, OUT) == EINVAL
    assert g.fd_seek(fd, 100, 0, OUT) == 0 and g.u64() == 100
    assert g.read_fd(fd, 10) == (0, b"")
    assert g.fd_seek(3, 0, 0, OUT) == EBADF
    assert (box / "new.txt").read_bytes() == b"hello world"


@both
def test_pread_pwrite_leave_the_offset(box, runtime):
    g = guest(box, runtime)
    _, fd = g.open("data.txt", rights=RIGHTS_ALL)
    iov = g.put(struct.pack("<II", BUF, 4))[0]
    assert g.fd_pread(fd, iov, 1, 3, OUT) == 0
    assert (g.u32(), g.read(BUF, 4)) == (4, b"3456")
    g.write(BUF, b"ABCD")
    assert g.fd_pwrite(fd, iov, 1, 8, OUT) == 0 and g.u32() == 4
    assert g.fd_tell(fd, OUT) == 0 and g.u64() == 0
    assert (box / "data.txt").read_bytes() == b"01234567ABCD"
    assert g.fd_pread(fd, iov, 1, 100, OUT) == 0 and g.u32() == 0
    assert g.fd_pread(0, iov, 1, 0, OUT) == ESPIPE
    assert g.fd_pwrite(1, iov, 1, 0, OUT) == ESPIPE


def test_scatter_gather(box):
    g = guest(box)
    _, fd = g.open("data.txt", rights=RIGHTS_ALL)
    iovs = g.put(struct.pack("<IIIIII", BUF, 3, BUF + 100, 0, BUF + 200, 4))[0]
    assert g.fd_read(fd, iovs, 3, OUT) == 0
    assert (g.u32(), g.read(BUF, 3), g.read(BUF + 200, 4)) == (7, b"012", b"3456")
    g.write(BUF, b"xy")
    g.write(BUF + 200, b"Z")
    iovs = g.put(struct.pack("<IIII", BUF, 2, BUF + 200, 1))[0]
    assert g.fd_write(fd, iovs, 2, OUT) == 0 and g.u32() == 3
    assert (box / "data.txt").read_bytes() == b"0123456xyZ"


def test_read_only_and_write_only_descriptors(box):
    g = guest(box)
    _, ro = g.open("data.txt", rights=RIGHT_READ)
    _, wo = g.open("data.txt", rights=RIGHT_WRITE)
    assert g.write_fd(ro, b"x")[0] == EBADF
    assert g.read_fd(wo, 1)[0] == EBADF
    assert g.read_fd(3, 1)[0] == EBADF                      # a directory
    assert g.fd_filestat_set_size(ro, 0) == EINVAL           # as wasmtime (host EINVAL)


@both
def test_filestat_and_set_size_and_times(box, runtime):
    g = guest(box, runtime)
    _, fd = g.open("data.txt", rights=RIGHTS_ALL)
    errno, st = g.filestat(fd=fd)
    assert errno == 0
    assert (st["filetype"], st["size"], st["nlink"]) == (FT_FILE, 10, 1)
    assert g.fd_filestat_set_size(fd, 4) == 0
    assert g.filestat(fd=fd)[1]["size"] == 4
    assert g.fd_filestat_set_times(fd, 5 * 10**9, 7 * 10**9, 1 | 4) == 0
    st = g.filestat(fd=fd)[1]
    assert (st["atim"], st["mtim"]) == (5 * 10**9, 7 * 10**9)
    assert g.fd_filestat_set_times(fd, 0, 9 * 10**9, 4) == 0      # atime kept
    st = g.filestat(fd=fd)[1]
    assert (st["atim"], st["mtim"]) == (5 * 10**9, 9 * 10**9)
    assert g.fd_filestat_set_times(fd, 0, 0, 1 | 2) == EINVAL
    assert g.fd_filestat_set_times(fd, 0, 0, 8) == 0
    assert abs(g.filestat(fd=fd)[1]["mtim"] - time.time_ns()) < 10 * 10**9
    assert os.stat(box / "data.txt").st_size == 4


@both
def test_path_filestat(box, runtime):
    g = guest(box, runtime)
    st = g.filestat("link")[1]
    assert (st["filetype"], st["size"]) == (FT_FILE, 10)
    st = g.filestat("link", follow=False)[1]
    assert (st["filetype"], st["size"]) == (FT_LINK, len("data.txt"))
    assert g.filestat("sub")[1]["filetype"] == FT_DIR
    assert g.filestat("nope") == (ENOENT, None)
    assert g.filestat("data.txt/x") == (ENOTDIR, None)
    assert g.path_filestat_set_times(3, 0, *g.put("data.txt"), 10**9, 2 * 10**9, 5) == 0
    st = os.stat(box / "data.txt")
    assert (st.st_atime_ns, st.st_mtime_ns) == (10**9, 2 * 10**9)
    assert g.path_filestat_set_times(3, 0, *g.put("data.txt"), 0, 0, 12) == EINVAL


@both
def test_sync_advise_allocate(box, runtime):
    g = guest(box, runtime)
    _, fd = g.open("data.txt", rights=RIGHTS_ALL)
    assert g.fd_sync(fd) == 0
    assert g.fd_datasync(fd) == 0
    assert g.fd_advise(fd, 0, 10, 1) == 0
    assert g.fd_advise(99, 0, 10, 1) == EBADF
    assert g.fd_allocate(fd, 0, 100) == ENOTSUP
    assert g.fd_sync(3) == EBADF


# --------------------------------------------------------------------------
# path_open flags


@both
def test_path_open_flags(box, runtime):
    g = guest(box, runtime)
    assert g.open("fresh", rights=RIGHTS_ALL) == (ENOENT, None)
    errno, fd = g.open("fresh", oflags=O_CREAT, rights=RIGHTS_ALL)
    assert errno == 0 and (box / "fresh").exists()
    assert g.open("fresh", oflags=O_CREAT | O_EXCL, rights=RIGHTS_ALL) == (EEXIST, None)
    assert g.open("data.txt", oflags=O_TRUNC, rights=RIGHTS_ALL)[0] == 0
    assert (box / "data.txt").read_bytes() == b""
    assert g.open("fresh", oflags=O_DIRECTORY) == (ENOTDIR, None)
    assert g.open("fresh/", rights=RIGHTS_ALL) == (ENOTDIR, None)
    errno, dfd = g.open("sub", oflags=O_DIRECTORY)
    assert errno == 0 and g.fdstat(dfd)[1][0] == FT_DIR
    assert g.open("sub", rights=RIGHTS_ALL) == (EISDIR, None)     # a directory opened for writing
    assert g.open("", rights=RIGHT_READ) == (ENOENT, None)
    assert g.open("a", dirfd=dfd)[0] == 0                           # relative to an opened dir
    assert g.open("x", dirfd=1) == (EBADF, None)                   # stdio
    assert g.open("x", dirfd=fd) == (ENOTDIR, None)                # a file
    assert g.open("x", dirfd=42) == (EBADF, None)
    assert g.open("a\0b") == (EINVAL, None)
    assert g.open(b"\xff") == (25, None)                             # EILSEQ


# --------------------------------------------------------------------------
# directories


@both
def test_directory_operations(box, runtime):
    g = guest(box, runtime)
    p = g.put
    assert g.path_create_directory(3, *p("d1")) == 0 and (box / "d1").is_dir()
    assert g.path_create_directory(3, *p("d1")) == EEXIST
    assert g.path_create_directory(3, *p("nope/d2")) == ENOENT
    assert g.path_remove_directory(3, *p("sub")) == ENOTEMPTY
    assert g.path_remove_directory(3, *p("data.txt")) == ENOTDIR
    assert g.path_remove_directory(3, *p("d1")) == 0 and not (box / "d1").exists()
    assert g.path_unlink_file(3, *p("sub")) == EISDIR
    assert g.path_unlink_file(3, *p("sub/a")) == 0 and not (box / "sub" / "a").exists()
    assert g.path_unlink_file(3, *p("sub/a")) == ENOENT
    assert g.path_rename(3, *p("data.txt"), 3, *p("sub/moved")) == 0
    assert (box / "sub" / "moved").read_bytes() == b"0123456789"
    assert g.path_link(3, 0, *p("sub/moved"), 3, *p("hard")) == 0
    assert os.stat(box / "hard").st_nlink == 2
    assert g.path_link(3, 1, *p("link"), 3, *p("hard2")) == EINVAL   # follow: as wasmtime
    assert g.path_symlink(*p("sub/moved"), 3, *p("sym")) == 0
    assert os.readlink(box / "sym") == "sub/moved"
    assert g.path_readlink(3, *p("sym"), BUF, 100, OUT) == 0
    assert g.read(BUF, g.u32()) == b"sub/moved"
    assert g.path_readlink(3, *p("sym"), BUF, 3, OUT) == 0           # truncated
    assert (g.u32(), g.read(BUF, 3)) == (3, b"sub")
    assert g.path_readlink(3, *p("hard"), BUF, 100, OUT) == EINVAL   # not a link
    assert g.path_symlink(*p("x"), 3, *p("sym")) == EEXIST


def _names(entries):
    return [e[3] for e in entries]


def test_readdir_entries_and_cookies(box):
    g = guest(box)
    (box / "zeta").write_bytes(b"")
    errno, used, entries = g.readdir(3)
    assert errno == 0
    assert _names(entries) == [b".", b"..", b"data.txt", b"link", b"sub", b"zeta"]
    assert [e[0] for e in entries] == [1, 2, 3, 4, 5, 6]                   # d_next
    assert [e[2] for e in entries] == [FT_DIR, FT_DIR, FT_FILE, FT_LINK, FT_DIR, FT_FILE]
    assert entries[2][1] == os.stat(box / "data.txt").st_ino
    assert used == sum(24 + len(n) for n in _names(entries))
    # Resuming from a cookie, and past the end.
    assert _names(g.readdir(3, cookie=4)[2]) == [b"sub", b"zeta"]
    assert g.readdir(3, cookie=6)[:2] == (0, 0)
    assert g.readdir(3, cookie=100)[:2] == (0, 0)
    # A buffer that is too small is filled completely (the last entry cut).
    errno, used, entries = g.readdir(3, size=30)
    assert (errno, used, _names(entries)) == (0, 30, [b"."])
    # A subdirectory opened with path_open; a file is not a directory.
    _, sub = g.open("sub", oflags=O_DIRECTORY)
    assert _names(g.readdir(sub)[2]) == [b".", b"..", b"a"]
    _, fd = g.open("data.txt")
    assert g.readdir(fd)[0] == EBADF


@both
def test_readdir_same_entries_as_wasmtime(box, runtime):
    g = guest(box, runtime)
    errno, used, entries = g.readdir(3)
    assert errno == 0
    assert sorted((e[2], e[3]) for e in entries) == sorted(
        [(FT_DIR, b"."), (FT_DIR, b".."), (FT_FILE, b"data.txt"), (FT_LINK, b"link"),
         (FT_DIR, b"sub")])
    assert sorted(e[0] for e in entries) == [1, 2, 3, 4, 5]


# --------------------------------------------------------------------------
# poll_oneoff, sched_yield, sockets, proc_exit


def _clock_sub(userdata, timeout, clock=1, flags=0):
    return struct.pack("<QB7xI4xQQH6x", userdata, 0, clock, timeout, 0, flags)


def _fd_sub(userdata, kind, fd):
    return struct.pack("<QB7xI28x", userdata, kind, fd)


def _events(g, n, at=2048):
    return [struct.unpack("<QHB5xQH", g.read(at + 32 * i, 26)) for i in range(n)]


@both
def test_poll_clock(box, runtime):
    g = guest(box, runtime)
    g.write(1024, _clock_sub(0xABCDEF, 20_000_000))
    start = time.monotonic()
    assert g.poll_oneoff(1024, 2048, 1, OUT) == 0
    assert time.monotonic() - start >= 0.019
    assert g.u32() == 1
    assert _events(g, 1) == [(0xABCDEF, 0, 0, 0, 0)]
    # An absolute deadline in the past fires at once.
    g.write(1024, _clock_sub(7, 1, clock=0, flags=1))
    start = time.monotonic()
    assert g.poll_oneoff(1024, 2048, 1, OUT) == 0
    assert time.monotonic() - start < 1
    assert _events(g, 1) == [(7, 0, 0, 0, 0)]
    assert g.poll_oneoff(1024, 2048, 0, OUT) == EINVAL


def test_poll_fds_and_clock(box):
    g = guest(box)
    _, fd = g.open("data.txt")
    g.fd_seek(fd, 4, 0, OUT)
    g.write(1024, _fd_sub(1, 1, fd) + _fd_sub(2, 2, 1) + _clock_sub(3, 10**10))
    start = time.monotonic()
    assert g.poll_oneoff(1024, 2048, 3, OUT) == 0
    assert time.monotonic() - start < 5                       # fds ready: no wait
    assert g.u32() == 2
    assert sorted(_events(g, 2)) == [(1, 0, 1, 6, 0), (2, 0, 2, 0, 0)]
    g.write(1024, _fd_sub(1, 1, 99))
    assert g.poll_oneoff(1024, 2048, 1, OUT) == EBADF


@both
def test_sched_yield_and_sockets(box, runtime):
    g = guest(box, runtime)
    assert g.sched_yield() == 0
    assert g.sock_accept(99, 0, OUT) == EBADF
    assert g.sock_shutdown(99, 0) == EBADF


def test_sockets_are_not_supported(box):
    g = guest(box)
    assert g.sock_accept(3, 0, OUT) == ENOTSUP
    assert g.sock_recv(1, 0, 0, 0, OUT, OUT + 4) == ENOTSUP
    assert g.sock_send(1, 0, 0, 0, OUT) == ENOTSUP
    assert g.sock_shutdown(1, 0) == ENOTSUP


EXIT_PROGRAM = """
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start") (call $exit (i32.const CODE)) unreachable))
"""


@both
@pytest.mark.parametrize("code", [0, 1, 42, 125])
def test_proc_exit(runtime, code):
    exc = run_module(runtime, EXIT_PROGRAM.replace("CODE", str(code)), lambda c: None)
    assert isinstance(exc, runtime.ExitTrap)
    assert isinstance(exc, runtime.WasmtimeError)
    assert exc.code == code


@both
@pytest.mark.parametrize("code", [126, 255, -1])
def test_proc_exit_invalid_status(runtime, code):
    exc = run_module(runtime, EXIT_PROGRAM.replace("CODE", str(code)), lambda c: None)
    assert isinstance(exc, runtime.WasmtimeError)
    assert not isinstance(exc, runtime.ExitTrap)
    assert "invalid exit status" in str(exc)


HELLO = """
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 8) "\\10\\00\\00\\00\\0e\\00\\00\\00")     ;; iovec {16, 14}
  (data (i32.const 16) "Hello, WASI!\\0a\\00")
  (func (export "_start") (result i32)
    (drop (call $args (i32.const 100) (i32.const 104)))
    (drop (call $fd_write (i32.const 1) (i32.const 8) (i32.const 1) (i32.const 32)))
    (i32.add (i32.load (i32.const 32)) (i32.mul (i32.load (i32.const 100)) (i32.const 1000)))))
"""


@both
def test_hello_world_program(runtime, tmp_path):
    out = tmp_path / "out.txt"

    def configure(config):
        config.argv = ["hello", "x"]
        config.stdout_file = str(out)
    assert run_module(runtime, HELLO, configure) == 2014
    assert out.read_bytes() == b"Hello, WASI!\n\0"


def test_wasi_without_set_wasi_is_an_error():
    store = wasmtime.Store()
    linker = wasmtime.Linker(store.engine)
    linker.define_wasi()
    instance = linker.instantiate(store, wasmtime.Module(store.engine, EXIT_PROGRAM.replace("CODE", "0")))
    with pytest.raises(wasmtime.WasmtimeError):
        instance.exports(store)["_start"](store)
