"""Every core-module Sightglass benchmark without SIMD runs to completion on
every tier configuration -- tier 0 ("interp"), tier 1 for every function
("baseline"), and tiered ("auto", default thresholds, background compiler,
OSR) -- with stdout/stderr equal to its expected output.

One test item per benchmark of the snapshot in
``$WASMTIER_BENCHMARKS/sightglass`` (default ``<repo>/../shared/benchmarks``),
run by `benches/sightglass.py` exactly as Sightglass runs it (WASI command,
its directory pre-opened as ".", ``bench.start``/``bench.end`` host
functions, no stdin) on wasmtier with each ``Config.strategy`` of `TIERS`.

* Selection: every core module that wasmtier's validator does not reject as
  SIMD (`sightglass.eligible`); SIMD modules are outside this test.
* Workload: the small one where it exists (``WASM_BENCH_USE_SMALL_WORKLOAD=1``
  with a ``small.input``; only blake3-scalar today).  The upstream expected
  files describe the default workload, so a small run is compared with
  wasmtime-py's output for the same small run.
* Pass: ``_start`` returns or exits with code 0, and stdout and stderr equal
  the expected bytes (the failure message shows the first differing line and
  a short diff).  A benchmark without an expected file for a stream is not
  checked on that stream (upstream ships none for hashset, richards, sqlite3).
* Skips: only what the snapshot's MANIFEST says cannot run (components, GC,
  wasi-nn, inputs missing from the snapshot), with the MANIFEST's reason, and
  the whole module when the benchmark directory is absent.

Tier 0 runs these at roughly 10-50x wasmtime's time (gcc-loops and
shootout-ed25519 dominate, see benches/bench_sightglass.py); tier 1 at 1-4x.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benches"))
import sightglass as sg  # noqa: E402

ROOT = sg.benchmarks_root()


def _params():
    if not ROOT.is_dir():
        return [pytest.param(None, None, id="no-benchmarks", marks=pytest.mark.skip(
            reason=f"Sightglass benchmarks not found at {ROOT} "
                   f"(set ${sg.BENCHMARKS_ENV} to the directory holding sightglass/)"))]
    return [pytest.param(b, why, id=b.name) for b, why in sg.eligible(sg.discover(ROOT))]


TIERS = ("interp", "baseline", "auto")


@pytest.mark.parametrize("strategy", TIERS)
@pytest.mark.parametrize("bench, skip_reason", _params())
def test_sightglass(bench, skip_reason, strategy):
    if skip_reason is not None:
        pytest.skip(skip_reason)
    import wasmtier

    small = bench.has_small
    expected = sg.expected_outputs(bench, small=small)
    res = sg.run(bench, wasmtier, strategy=strategy, small=small)
    problems = sg.compare(bench, res, expected)
    if problems:
        pytest.fail(f"{bench.name} ({'small' if small else 'default'} workload, {strategy}, "
                    f"_start ran {res.total_seconds:.2f}s):\n" + "\n".join(problems), pytrace=False)
