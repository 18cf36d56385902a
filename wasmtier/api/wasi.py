"""`WasiConfig` and `Linker.define_wasi` (wasmtime-py names), over
`wasi.preview1`.  `proc_exit` surfaces as `ExitTrap` with `.code`."""

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


class WasiConfig:
    def __init__(self):
        self._argv: list[str] = []
        self._env: dict[str, str] = {}
        self._stdin = None
        self._stdout = None
        self._stderr = None
        self._preopens: list[tuple[str, str]] = []

    @property
    def argv(self):
        return self._argv

    @argv.setter
    def argv(self, value) -> None:
        self._argv = [str(a) for a in value]

    @property
    def env(self):
        return list(self._env.items())

    @env.setter
    def env(self, pairs) -> None:
        self._env = {str(k): str(v) for k, v in pairs}

    def inherit_argv(self) -> None:
        self._argv = list(sys.argv)

    def inherit_env(self) -> None:
        self._env = dict(os.environ)

    def inherit_stdin(self) -> None:
        self._stdin = "inherit"

    def inherit_stdout(self) -> None:
        self._stdout = "inherit"

    def inherit_stderr(self) -> None:
        self._stderr = "inherit"

    stdin_file = property(None, lambda self, path: setattr(self, "_stdin", str(path)))
    stdout_file = property(None, lambda self, path: setattr(self, "_stdout", str(path)))
    stderr_file = property(None, lambda self, path: setattr(self, "_stderr", str(path)))

    def preopen_dir(self, path: str, guest_path: str, *args, **kwargs) -> None:
        self._preopens.append((str(path), str(guest_path)))

    def _context(self) -> preview1.WasiContext:
        std_in, std_out, std_err = preview1.default_streams()

        def open_stream(spec, default, mode):
            if spec == "inherit":
                return default
            if spec is None:
                return open(os.devnull, mode)
            return open(spec, mode)
        return preview1.WasiContext(
            [*self._argv], dict(self._env),
            open_stream(self._stdin, std_in, "rb"),
            open_stream(self._stdout, std_out, "wb"),
            open_stream(self._stderr, std_err, "wb"))


_VT = {"i32": ValType.i32, "i64": ValType.i64}


def _make(store, name, impl, params, results):
    from .externs import Func

    def call(caller, *args):
        ctx = getattr(store, "_wasi_ctx", None)
        if ctx is None:
            if store._wasi is None:
                raise WasmtimeError("WASI is not configured in this store (Store.set_wasi)")
            ctx = store._wasi_ctx = store._wasi._context()
        if impl is None:
            return preview1.ENOSYS
        mem = caller.get("memory")
        core_mem = mem._mem if mem is not None else None
        try:
            return impl(ctx, core_mem, *args)
        except preview1.ProcExit as e:
            raise ExitTrap(e.code) from None

    ty = FuncType([_VT[p]() for p in params], [_VT[r]() for r in results])
    return Func(store, ty, call, access_caller=True)


def define_wasi(linker) -> None:
    for name, (impl, params, results) in preview1.FUNCTIONS.items():
        linker._defs[("wasi_snapshot_preview1", name)] = (
            "wasi", lambda store, n=name, i=impl, p=params, r=results: _make(store, n, i, p, r))
