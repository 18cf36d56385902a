"""The WASI preopen is a sandbox: no path outside it is reachable.

Tree built for every test (tmp_path):

    outside/secret.txt  outside/dir/      <- must never be read, written or created in
    sandbox/                               <- preopened as "/sandbox" (fd 3)
      file.txt  sub/  sub/inner.txt
      out_rel  -> ../outside/secret.txt    symlinks that point out
      out_abs  -> <abs>/outside/secret.txt
      dir_out  -> ../outside
      chain1 -> chain2 -> out_rel          a chain that ends outside
      sub/up -> ../..                      a link inside pointing above the root
      dangle -> ../outside/new.txt         a dangling link pointing out
      in_ok  -> sub/../file.txt            links that stay inside
      sub_link -> sub
      loop -> loop

Escapes answer EPERM (63), as wasmtime does (checked here against
wasmtime-py on the same tree); a final symlink opened without
SYMLINK_FOLLOW answers ELOOP (32).  After every test the `outside`
directory is compared with a snapshot taken before it.
"""

from __future__ import annotations

import os

import pytest

import wasmtier as wasmtime
from test_wasi_support import (OUT, RIGHT_READ, RIGHT_WRITE, RIGHTS_ALL, RUNTIME_IDS,
                               RUNTIMES, Guest, run_module)

EPERM, ELOOP, ENOENT, ENOTDIR, EEXIST = 63, 32, 44, 54, 20
O_CREAT, O_DIRECTORY, O_EXCL, O_TRUNC = 1, 2, 4, 8
SECRET = b"top secret"


def _snapshot(root):
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            st = os.lstat(path)
            data = open(path, "rb").read() if os.path.isfile(path) else None
            out[os.path.relpath(path, root)] = (st.st_mode, st.st_size, st.st_mtime_ns, data)
    return out


@pytest.fixture
def tree(tmp_path):
    outside = tmp_path / "outside"
    (outside / "dir").mkdir(parents=True)
    (outside / "secret.txt").write_bytes(SECRET)
    box = tmp_path / "sandbox"
    (box / "sub").mkdir(parents=True)
    (box / "file.txt").write_bytes(b"inside")
    (box / "sub" / "inner.txt").write_bytes(b"inner")
    links = {"out_rel": "../outside/secret.txt", "out_abs": str(outside / "secret.txt"),
             "dir_out": "../outside", "chain1": "chain2", "chain2": "out_rel",
             "sub/up": "../..", "dangle": "../outside/new.txt", "in_ok": "sub/../file.txt",
             "sub_link": "sub", "loop": "loop"}
    for name, target in links.items():
        os.symlink(target, box / name)
    before = _snapshot(tmp_path / "outside")
    outside_listing = sorted(os.listdir(tmp_path))
    yield tmp_path
    assert _snapshot(tmp_path / "outside") == before, "the sandbox touched files outside it"
    assert sorted(os.listdir(tmp_path)) == outside_listing


def _guest(tree, runtime=wasmtime, mutable=True):
    def configure(config):
        if mutable:
            config.preopen_dir(str(tree / "sandbox"), "/sandbox")
        else:
            config.preopen_dir(str(tree / "sandbox"), "/sandbox", False)
    return Guest(runtime, configure)


ESCAPES = ["../outside/secret.txt", "..", "../", "sub/../..", "sub/../../outside/secret.txt",
           "./../outside/secret.txt", "sub/up", "sub/up/outside/secret.txt", "out_rel",
           "out_abs", "dir_out", "dir_out/secret.txt", "dir_out/dir", "chain1", "chain2",
           "sub_link/up/outside", "dangle", "/etc/passwd", "/", "//sandbox/file.txt",
           "sub_link/../../outside", "sub_link/up/../outside"]


@pytest.mark.parametrize("runtime", RUNTIMES, ids=RUNTIME_IDS)
@pytest.mark.parametrize("path", ESCAPES)
def test_open_escape_is_eperm(tree, runtime, path):
    g = _guest(tree, runtime)
    for rights in (RIGHT_READ, RIGHTS_ALL):
        assert g.open(path, rights=rights) == (EPERM, None)
        assert g.open(path, oflags=O_DIRECTORY, rights=RIGHT_READ) == (EPERM, None)


@pytest.mark.parametrize("runtime", RUNTIMES, ids=RUNTIME_IDS)
@pytest.mark.parametrize("path", ["out_rel", "out_abs", "chain1", "dir_out", "loop", "dangle"])
def test_open_final_symlink_without_follow_is_eloop(tree, runtime, path):
    g = _guest(tree, runtime)
    assert g.open(path, follow=False) == (ELOOP, None)
    assert g.open(path, oflags=O_DIRECTORY, follow=False) == (ELOOP, None)


def test_symlink_loop_is_eloop(tree):
    g = _guest(tree)
    assert g.open("loop") == (ELOOP, None)
    assert g.open("loop/x") == (ELOOP, None)


@pytest.mark.parametrize("path", ["in_ok", "sub_link/inner.txt", "sub/../file.txt",
                                  "sub_link/../file.txt", "./sub//..//file.txt"])
def test_links_and_dotdot_inside_the_tree_work(tree, path):
    g = _guest(tree)
    errno, fd = g.open(path)
    assert errno == 0
    expected = b"inner" if "inner" in path else b"inside"
    assert g.read_fd(fd, 100) == (0, expected)


def test_creating_through_links_that_point_out(tree):
    g = _guest(tree)
    # O_CREAT on a dangling link pointing out, and O_TRUNC on one that exists.
    assert g.open("dangle", oflags=O_CREAT, rights=RIGHTS_ALL) == (EPERM, None)
    assert g.open("dir_out/new.txt", oflags=O_CREAT, rights=RIGHTS_ALL) == (EPERM, None)
    assert g.open("out_rel", oflags=O_CREAT | O_TRUNC, rights=RIGHTS_ALL) == (EPERM, None)
    assert g.open("chain1", oflags=O_TRUNC, rights=RIGHTS_ALL) == (EPERM, None)
    # O_EXCL never follows the final link: the link itself exists.
    assert g.open("dangle", oflags=O_CREAT | O_EXCL, rights=RIGHTS_ALL) == (EEXIST, None)
    assert not (tree / "outside" / "new.txt").exists()


@pytest.mark.parametrize("runtime", RUNTIMES, ids=RUNTIME_IDS)
def test_path_operations_that_escape(tree, runtime):
    g = _guest(tree, runtime)
    p = g.put
    assert g.path_create_directory(3, *p("../newdir")) == EPERM
    assert g.path_create_directory(3, *p("dir_out/newdir")) == EPERM
    assert g.path_create_directory(3, *p("sub/up/newdir")) == EPERM
    assert g.path_unlink_file(3, *p("../outside/secret.txt")) == EPERM
    assert g.path_unlink_file(3, *p("dir_out/secret.txt")) == EPERM
    assert g.path_remove_directory(3, *p("dir_out/dir")) == EPERM
    assert g.path_remove_directory(3, *p("../outside/dir")) == EPERM
    assert g.path_rename(3, *p("file.txt"), 3, *p("../outside/stolen")) == EPERM
    assert g.path_rename(3, *p("dir_out/secret.txt"), 3, *p("got")) == EPERM
    assert g.path_rename(3, *p("file.txt"), 3, *p("dir_out/secret.txt")) == EPERM
    assert g.path_link(3, 0, *p("dir_out/secret.txt"), 3, *p("hard")) == EPERM
    assert g.path_link(3, 0, *p("file.txt"), 3, *p("dir_out/hard")) == EPERM
    assert g.path_symlink(*p("x"), 3, *p("dir_out/evil")) == EPERM
    assert g.path_readlink(3, *p("dir_out/secret.txt"), 1024, 64, OUT) == EPERM
    assert g.path_filestat_get(3, 1, *p("out_rel"), 128) == EPERM
    assert g.path_filestat_get(3, 1, *p("../outside"), 128) == EPERM
    assert g.path_filestat_set_times(3, 1, *p("out_rel"), 1, 1, 5) == EPERM
    assert g.path_filestat_set_times(3, 0, *p("dir_out/secret.txt"), 1, 1, 5) == EPERM
    # Non-following operations act on the link itself, inside the tree.
    assert g.path_filestat_get(3, 0, *p("out_rel"), 128) == 0
    assert g.read(128 + 16, 1) == b"\x07"      # symbolic link
    assert g.path_unlink_file(3, *p("out_rel")) == 0
    assert not (tree / "sandbox" / "out_rel").exists()
    for name in ("stolen", "got", "hard", "newdir"):
        assert not (tree / name).exists() and not (tree / "sandbox" / name).exists()


@pytest.mark.parametrize("runtime", RUNTIMES, ids=RUNTIME_IDS)
def test_symlink_creation(tree, runtime):
    g = _guest(tree, runtime)
    p = g.put
    # An absolute target could only resolve outside: refused.
    assert g.path_symlink(*p(str(tree / "outside" / "secret.txt")), 3, *p("abs")) == EPERM
    assert not os.path.lexists(tree / "sandbox" / "abs")
    # A relative target is stored as given, but following it stays sandboxed.
    assert g.path_symlink(*p("../outside/secret.txt"), 3, *p("rel")) == 0
    assert os.readlink(tree / "sandbox" / "rel") == "../outside/secret.txt"
    assert g.open("rel") == (EPERM, None)
    assert g.open("rel", follow=False) == (ELOOP, None)
    # Creating the link itself outside is an escape.
    assert g.path_symlink(*p("file.txt"), 3, *p("../outside/link")) == EPERM
    assert g.path_symlink(*p("file.txt"), 3, *p("sub/up/link")) == EPERM


@pytest.mark.parametrize("runtime", RUNTIMES, ids=RUNTIME_IDS)
def test_readlink(tree, runtime):
    g = _guest(tree, runtime)
    assert g.path_readlink(3, *g.put("out_rel"), 1024, 64, OUT) == 0
    assert g.read(1024, g.u32()) == b"../outside/secret.txt"
    # An absolute target is not revealed.
    assert g.path_readlink(3, *g.put("out_abs"), 1024, 64, OUT) == EPERM
    assert g.path_readlink(3, *g.put("sub/up/x"), 1024, 64, OUT) == EPERM


@pytest.mark.parametrize("runtime", RUNTIMES, ids=RUNTIME_IDS)
def test_writes_through_escaping_paths_change_nothing(tree, runtime):
    g = _guest(tree, runtime)
    for path in ("out_rel", "chain1", "dir_out/secret.txt", "../outside/secret.txt"):
        assert g.open(path, rights=RIGHT_WRITE) == (EPERM, None)
        assert g.open(path, oflags=O_CREAT | O_TRUNC, rights=RIGHT_WRITE) == (EPERM, None)
    assert (tree / "outside" / "secret.txt").read_bytes() == SECRET


def test_dotdot_back_into_the_sandbox_is_still_refused(tree):
    # "../sandbox/file.txt" names a file inside, but the path leaves the
    # preopen on the way: refused, as cap-std does.
    g = _guest(tree)
    assert g.open("../sandbox/file.txt") == (EPERM, None)


def test_directory_fds_are_sandboxes_too(tree):
    # A directory opened with path_open bounds nothing by itself, but ".." from
    # it is relative to that fd: escaping the opened directory is refused.
    g = _guest(tree)
    errno, sub = g.open("sub", oflags=O_DIRECTORY)
    assert errno == 0
    assert g.open("inner.txt", dirfd=sub)[0] == 0
    assert g.open("../file.txt", dirfd=sub) == (EPERM, None)
    assert g.open("up", dirfd=sub) == (EPERM, None)


def test_read_only_preopen(tree):
    g = _guest(tree, mutable=False)
    p = g.put
    assert g.open("file.txt")[0] == 0
    assert g.open("file.txt", rights=RIGHT_WRITE) == (EPERM, None)
    assert g.open("new.txt", oflags=O_CREAT) == (EPERM, None)
    assert g.path_create_directory(3, *p("d")) == EPERM
    assert g.path_unlink_file(3, *p("file.txt")) == EPERM
    assert g.path_remove_directory(3, *p("sub")) == EPERM
    assert g.path_rename(3, *p("file.txt"), 3, *p("moved")) == EPERM
    assert g.path_symlink(*p("file.txt"), 3, *p("ln")) == EPERM
    assert sorted(os.listdir(tree / "sandbox")) == sorted(
        ["file.txt", "sub", "out_rel", "out_abs", "dir_out", "chain1", "chain2", "dangle",
         "in_ok", "sub_link", "loop"])


# A program, not a wrapper: it tries to open a file outside its preopen and
# exits with the errno it got, or 0 if it read the secret.
ESCAPE_PROGRAM = """
(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "PATH")
  (func (export "_start")
    (call $proc_exit
      (call $path_open (i32.const 3) (i32.const 1) (i32.const 16) (i32.const LEN)
                       (i32.const 0) (i64.const 2) (i64.const 2) (i32.const 0) (i32.const 8)))))
"""


@pytest.mark.parametrize("runtime", RUNTIMES, ids=RUNTIME_IDS)
@pytest.mark.parametrize("path, errno", [("../outside/secret.txt", EPERM), ("chain1", EPERM),
                                         ("sub/up/outside/secret.txt", EPERM), ("loop", ELOOP),
                                         ("missing", ENOENT), ("file.txt/x", ENOTDIR),
                                         ("in_ok", 0)])
def test_program_exits_with_errno(tree, runtime, path, errno):
    wat = ESCAPE_PROGRAM.replace("PATH", path).replace("LEN", str(len(path)))
    exc = run_module(runtime, wat, lambda c: c.preopen_dir(str(tree / "sandbox"), "/sandbox"))
    assert isinstance(exc, runtime.ExitTrap)
    assert exc.code == errno
