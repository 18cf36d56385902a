"""`WasiConfig` and `Linker.define_wasi` (wasmtime-py 50 names), over
`wasi.preview1`.

`WasiConfig` records the configuration; the store's `WasiContext` (fd
table, open preopens) is built on the first WASI call made in a store, from
the config given to `Store.set_wasi`.  As in wasmtime-py, configuration
errors surface when the config is set: `stdin_file` must exist,
`stdout_file`/`stderr_file` are created or truncated at once, and
`preopen_dir` needs an existing directory (each raises `WasmtimeError`).

`proc_exit(status)` raises `ExitTrap` with `.code` for status < 126, and a
`WasmtimeError` otherwise (wasmtime: "exit with invalid exit status").
"""

from __future__ import annotations

import os
import sys

from ..wasi import preview1
from ..wasm.errors import WasmtimeError
from .types import FuncType, ValType


class ExitTrap(WasmtimeError):
    def __init__(self, code: int):
        super().__init__(f"Exited with i32 exit status {code}")
        self.code = code


def _fspath(path) -> str:
    path = os.fspath(path)
    return os.fsdecode(path) if isinstance(path, bytes) else path


class WasiConfig:
    def __init__(self):
        self._argv: list[str] = []
        self._env: list[tuple[str, str]] = []
        self._stdin = None
        self._stdout = None
        self._stderr = None
        self._preopens: list[tuple[str, str, bool]] = []

    @property
    def argv(self):
        return list(self._argv)

    @argv.setter
    def argv(self, value) -> None:
        self._argv = [str(a) for a in value]

    @property
    def env(self):
        return list(self._env)

    @env.setter
    def env(self, pairs) -> None:
        self._env = [(str(k), str(v)) for k, v in pairs]

    def inherit_argv(self) -> None:
        self._argv = list(sys.argv)

    def inherit_env(self) -> None:
        self._env = list(os.environ.items())

    def inherit_stdin(self) -> None:
        self._stdin = "inherit"

    def inherit_stdout(self) -> None:
        self._stdout = "inherit"

    def inherit_stderr(self) -> None:
        self._stderr = "inherit"

    def _set_stdin(self, path) -> None:
        path = _fspath(path)
        if not os.path.isfile(path):
            raise WasmtimeError("failed to set stdin file")
        self._stdin = ("file", path)

    def _output(self, path, which: str):
        path = _fspath(path)
        try:
            open(path, "wb").close()      # created or truncated now, as wasmtime
        except OSError:
            raise WasmtimeError(f"failed to set {which} file") from None
        return ("file", path)

    stdin_file = property(None, _set_stdin)
    stdout_file = property(None, lambda self, path: setattr(self, "_stdout", self._output(path, "stdout")))
    stderr_file = property(None, lambda self, path: setattr(self, "_stderr", self._output(path, "stderr")))

    def preopen_dir(self, path: str, guest_path: str, fs_mutable: bool = True) -> None:
        """Give the guest the directory `path` as `guest_path` (fd 3, 4, ...
        in call order); with `fs_mutable=False` nothing under it can be
        created, removed, renamed or written (EPERM)."""
        path = _fspath(path)
        if not os.path.isdir(path):
            raise WasmtimeError("failed to add preopen dir")
        self._preopens.append((path, str(guest_path), bool(fs_mutable)))

    def _context(self) -> preview1.WasiContext:
        defaults = preview1.default_streams()

        def stream(spec, default, mode):
            if spec == "inherit":
                return default, False
            if spec is None:
                return open(os.devnull, mode), True
            return open(spec[1], mode), True
        stdio = [stream(self._stdin, defaults[0], "rb"),
                 stream(self._stdout, defaults[1], "ab"),
                 stream(self._stderr, defaults[2], "ab")]
        try:
            return preview1.WasiContext(self._argv, self._env, stdio, self._preopens)
        except OSError as e:
            raise WasmtimeError(f"failed to create the WASI context: {e}") from None


_VT = {"i32": ValType.i32, "i64": ValType.i64}


def _context_of(store) -> preview1.WasiContext:
    cached = store._wasi_ctx
    if cached is not None and cached[0] is store._wasi:
        return cached[1]
    if store._wasi is None:
        raise WasmtimeError("WASI is not configured in this store (Store.set_wasi)")
    ctx = store._wasi._context()
    store._wasi_ctx = (store._wasi, ctx)
    return ctx


def _make(store, name, impl, params, results):
    from .externs import Func

    def call(caller, *args):
        ctx = _context_of(store)
        mem = caller.get("memory")
        core_mem = getattr(mem, "_mem", None)
        try:
            return preview1.call(impl, ctx, core_mem, params, args)
        except preview1.ProcExit as e:
            if e.code < 126:
                raise ExitTrap(e.code) from None
            raise WasmtimeError("exit with invalid exit status outside of [0..126)") from None

    ty = FuncType([_VT[p]() for p in params], [_VT[r]() for r in results])
    return Func(store, ty, call, access_caller=True)


def define_wasi(linker) -> None:
    for name, (impl, params, results) in preview1.FUNCTIONS.items():
        linker._defs[("wasi_snapshot_preview1", name)] = (
            "wasi", lambda store, n=name, i=impl, p=params, r=results: _make(store, n, i, p, r))
