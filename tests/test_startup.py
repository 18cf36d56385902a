"""Start-up: a fresh process uses the numba cache that `make install` warmed.

The interpreter loop takes tens of seconds to compile cold; a user's first
`wasmtier run` must load it from the on-disk cache instead.  This checks the
mechanism (numba reports loading the cached loop, and compiles nothing),
not a wall-clock time; the measured time is in the README.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TRIVIAL_WAT = '(module (func (export "answer") (result i32) (i32.const 42)))'


def test_first_run_loads_the_cached_interpreter(tmp_path):
    # Make sure the cache exists (as `make install` does), then start afresh.
    from wasmtier.interp import loop
    loop.warm()

    module = tmp_path / "trivial.wat"
    module.write_text(TRIVIAL_WAT)
    env = dict(os.environ, NUMBA_DEBUG_CACHE="1")
    proc = subprocess.run([sys.executable, "-m", "wasmtier.cli", "run", "--invoke", "answer",
                           str(module)], capture_output=True, text=True, env=env, cwd=REPO,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[-1] == "42"
    cache_lines = [ln for ln in lines if ln.startswith("[cache]")]
    assert any("data loaded from" in ln and "_loop_generated.run" in ln for ln in cache_lines), \
        cache_lines
    assert not any("data saved to" in ln for ln in cache_lines), cache_lines
