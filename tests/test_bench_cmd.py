"""`wasmtier bench`: the warm-up report (table, PREFIX.json, PREFIX.png).

Run in-process through `wasmtier.cli.main` (one numba start-up for the
whole file); one subprocess checks the ``python -m wasmtier.cli`` path.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from wasmtier.cli import main

REPO = Path(__file__).resolve().parent.parent
FIB = REPO / "programs" / "fib.wasm"
PRIMES = REPO / "programs" / "hello" / "primes.wasm"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# A Sightglass-style command: bench.start/bench.end around a loop of n steps
# (n = 20000), with unmeasured work of the same size before and after.
SIGHTGLASS_LIKE = """
(module
  (import "bench" "start" (func $start))
  (import "bench" "end" (func $end))
  (func $spin (param $n i32) (result i32) (local $acc i32)
    (loop $l
      (local.set $acc (i32.add (local.get $acc) (local.get $n)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $l (local.get $n)))
    (local.get $acc))
  (func (export "_start")
    (drop (call $spin (i32.const 20000)))
    (call $start)
    (drop (call $spin (i32.const 20000)))
    (call $end)
    (drop (call $spin (i32.const 20000)))))
"""
TRAPS = '(module (func (export "_start") unreachable))'
EXITS_3 = """
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start") (call $exit (i32.const 3))))
"""


def bench(capsys, *argv: str) -> tuple[int, list[str], str]:
    code = main(["bench", *map(str, argv)])
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


def load(prefix: Path) -> dict:
    report = json.loads(prefix.with_suffix(".json").read_text())
    png = prefix.with_suffix(".png").read_bytes()
    assert png.startswith(PNG_SIGNATURE)
    return report


def check_table(lines: list[str], report: dict) -> None:
    n = len(report["iterations"])
    assert len(lines) == n + 2, lines            # header, one row per iteration, summary
    assert lines[0].split()[:3] == ["iter", "start_s", "time_ms"]
    for k, (line, it) in enumerate(zip(lines[1:-1], report["iterations"]), start=1):
        cols = line.split()
        assert int(cols[0]) == it["i"] == k
        assert float(cols[2]) == pytest.approx(1000 * it["seconds"], abs=1e-3)
    assert lines[-1].startswith(f"first {report['summary']['first_ms']:.3f} ms, steady ")


def test_invoke_auto_tiers_up_and_reports(capsys, tmp_path):
    out = tmp_path / "fib"
    code, lines, err = bench(capsys, "--tier", "auto", "-C", "tier_up_baseline=0",
                             "-C", "background_compile=false", "--iterations", 6,
                             "--out", out, "--invoke", "run", FIB, 20)
    assert code == 0, err
    report = load(out)
    assert report["file"] == str(FIB)
    assert report["tier"] == "auto"
    assert report["config"] == {"tier_up_baseline": 0, "background_compile": False}
    its = report["iterations"]
    assert [it["i"] for it in its] == [1, 2, 3, 4, 5, 6]
    assert all(it["seconds"] > 0 for it in its)
    assert all(a["start"] < b["start"] for a, b in zip(its, its[1:]))
    kinds = [ev["kind"] for ev in report["events"]]
    assert "publish" in kinds
    # Both functions are hot at threshold 0; $fib (index 0) is named.
    published = {ev["func"]: ev.get("name") for ev in report["events"] if ev["kind"] == "publish"}
    assert published == {0: "fib", 1: None}
    summary = report["summary"]
    assert summary["iterations"] == 6 and summary["stopped_by"] == "iterations"
    assert summary["first_ms"] == pytest.approx(1000 * its[0]["seconds"], abs=1e-3)
    assert summary["steady_of_last"] == 2
    assert summary["events_by_kind"]["publish"] == kinds.count("publish")
    assert summary["timed"] == "call"
    check_table(lines, report)
    # Threshold 0, foreground compile: fib is published during the first call.
    assert "publish=" in lines[1]


def test_interp_never_publishes(capsys, tmp_path):
    out = tmp_path / "interp"
    code, lines, err = bench(capsys, "--tier", "interp", "--iterations", 3, "--out", out,
                             "--invoke", "run", FIB, 15)
    assert code == 0, err
    report = load(out)
    assert report["tier"] == "interp"
    assert len(report["iterations"]) == 3
    assert all(it["seconds"] > 0 for it in report["iterations"])
    assert not [ev for ev in report["events"] if ev["kind"] == "publish"]
    check_table(lines, report)


def test_wasi_command_fresh_instance_per_iteration(capsys, tmp_path):
    out = tmp_path / "primes"
    code, lines, err = bench(capsys, "--tier", "auto", "-C", "tier_up_baseline=0",
                             "-C", "background_compile=false", "--iterations", 3,
                             "--out", out, PRIMES)
    assert code == 0, err
    report = load(out)
    assert len(report["iterations"]) == 3
    assert all(it["seconds"] > 0 for it in report["iterations"])
    assert report["summary"]["timed"] == "instantiate + _start"
    # Compiled once; each later instance starts on the module's code.
    publishes = [ev for ev in report["events"] if ev["kind"] == "publish"]
    compiles = [ev for ev in report["events"] if ev["kind"] == "compile_end"]
    assert compiles and len(publishes) > len(compiles)
    check_table(lines, report)
    assert not any("primes below" in line for line in lines)   # guest stdout not shown


def test_sightglass_program_times_only_the_bench_region(capsys, tmp_path):
    prog = tmp_path / "region.wat"
    prog.write_text(SIGHTGLASS_LIKE)
    out = tmp_path / "region"
    code, lines, err = bench(capsys, "--tier", "interp", "--iterations", 4, "--out", out, prog)
    assert code == 0, err
    report = load(out)
    assert report["summary"]["timed"] == "bench regions"
    its = report["iterations"]
    assert len(its) == 4
    # The region is a third of the work: well under the whole run.
    assert all(0 < it["seconds"] < it["wall"] for it in its)
    check_table(lines, report)


def test_seconds_limit_stops_early(capsys, tmp_path):
    out = tmp_path / "quick"
    code, lines, err = bench(capsys, "--tier", "interp", "--iterations", 100000,
                             "--seconds", "0.05", "--out", out, "--invoke", "run", FIB, 10)
    assert code == 0, err
    report = load(out)
    assert 1 <= len(report["iterations"]) < 100000
    assert report["summary"]["stopped_by"] == "seconds"
    check_table(lines, report)


def test_bad_config_key_is_a_usage_error(capsys, tmp_path):
    out = tmp_path / "bad"
    code, lines, err = bench(capsys, "-C", "no_such_setting=1", "--out", out,
                             "--invoke", "run", FIB, 5)
    assert code == 2
    assert err.strip() == "wasmtier bench: error: unknown Config setting 'no_such_setting'"
    assert lines == []
    assert not out.with_suffix(".json").exists()


def test_bad_config_value_is_a_usage_error(capsys):
    code, _, err = bench(capsys, "-C", "tier_up_baseline=lots", "--invoke", "run", FIB, 5)
    assert code == 2
    assert err.startswith("wasmtier bench: error: ")
    assert "tier_up_baseline" in err and len(err.strip().splitlines()) == 1


def test_missing_file_is_a_usage_error(capsys, tmp_path):
    missing = tmp_path / "nope.wasm"
    code, lines, err = bench(capsys, "--out", tmp_path / "w", missing)
    assert code == 2
    assert err.strip() == f"wasmtier bench: error: no such file: {missing}"
    assert lines == []


@pytest.mark.parametrize("text, message", [
    (TRAPS, "wasm trap: "),
    (EXITS_3, "iteration 1: exited with code 3"),
])
def test_guest_failure_is_one_line_naming_the_file(capsys, tmp_path, text, message):
    prog = tmp_path / "fails.wat"
    prog.write_text(text)
    code, lines, err = bench(capsys, "--tier", "interp", "--out", tmp_path / "w", prog)
    assert code == 1
    assert len(err.strip().splitlines()) == 1
    assert err.startswith(f"wasmtier bench: error: {prog}: {message}")
    assert not (tmp_path / "w.json").exists()


def test_usage_error_when_run_as_main_module(tmp_path):
    """`python -m wasmtier.cli` runs cli.py as __main__, a second copy of the
    module: bench must still report its usage errors as one line, exit 2."""
    proc = subprocess.run([sys.executable, "-m", "wasmtier.cli", "bench", "-C", "nope=1",
                           "--out", str(tmp_path / "w"), str(FIB)],
                          capture_output=True, text=True, cwd=REPO, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip() == "wasmtier bench: error: unknown Config setting 'nope'"
