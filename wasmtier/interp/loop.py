"""The tier-0 execution loop, generated from the bytecode table.

`run(st, cb, fr)` is the numba function that `interp.ops.loop_source`
generates: `st` is the state vector, `cb` the code buffer's address, `fr`
the address of the store's function records.  Importing this module writes
`_loop_generated.py` when the table changed (so numba's cache, keyed by
that file, stays valid otherwise) and loads it; `make install` imports it
once and calls `warm()` so that no user's first call compiles the loop.
"""

from __future__ import annotations

import numpy as np

from . import ops

ops.write_loop_module()

from ._loop_generated import run  # noqa: E402


def warm() -> None:
    """Compile (or load from the cache) the loop, by calling it exactly as
    `interp.machine` does: one `return` from an empty activation."""
    code = np.array([ops.OPCODES["return"]], dtype=np.int64)
    st = np.zeros(ops.STATE_WORDS, dtype=np.int64)
    status = run(st, int(code.ctypes.data), 0)
    assert status == ops.STATUS_DONE, status


__all__ = ["run", "warm"]
