"""The `wasmtier` command line, run as a user runs it (a subprocess)."""

from __future__ import annotations

import json

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
HELLO = REPO / "programs" / "hello" / "primes.wasm"

# Exits with (number of args) * 16 + (number of environment variables).
COUNTS = """
(module
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $env (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (drop (call $args (i32.const 0) (i32.const 4)))
    (drop (call $env (i32.const 8) (i32.const 12)))
    (call $exit (i32.add (i32.mul (i32.load (i32.const 0)) (i32.const 16))
                         (i32.load (i32.const 8))))))
"""
# Opens "data.txt" in the first preopen (fd 3) and exits with its first byte,
# or with 100 + errno when the open fails.
READ_FIRST_BYTE = """
(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "data.txt")
  (func (export "_start") (local $errno i32)
    (local.set $errno (call $open (i32.const 3) (i32.const 0) (i32.const 16) (i32.const 8)
                                  (i32.const 0) (i64.const -1) (i64.const -1) (i32.const 0)
                                  (i32.const 0)))
    (if (local.get $errno) (then (call $exit (i32.add (i32.const 100) (local.get $errno)))))
    ;; iovec {buf=64, len=1} at 32
    (i32.store (i32.const 32) (i32.const 64))
    (i32.store (i32.const 36) (i32.const 1))
    (drop (call $read (i32.load (i32.const 0)) (i32.const 32) (i32.const 1) (i32.const 40)))
    (call $exit (i32.load8_u (i32.const 64)))))
"""
IMPORTS = """
(module (import "env" "get" (func $g (result i32)))
  (func (export "f") (param i32 i64) (result i64)
    (i64.add (i64.extend_i32_s (i32.add (call $g) (local.get 0))) (local.get 1))))
"""


def wasmtier(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "wasmtier.cli", *args], capture_output=True,
                          text=True, cwd=REPO, timeout=300)


@pytest.fixture
def wat(tmp_path):
    def write(text: str) -> str:
        path = tmp_path / f"m{len(list(tmp_path.iterdir()))}.wat"
        path.write_text(text)
        return str(path)
    return write


def test_run_prints_the_programs_output():
    proc = wasmtier("run", str(HELLO))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == (HELLO.parent / "primes.stdout.expected").read_text()


def test_stats_name_every_function_and_its_tier():
    proc = wasmtier("run", "--tier", "interp", "--stats", str(HELLO))
    lines = proc.stderr.splitlines()
    assert lines[0].startswith("--- wasmtier: ")
    assert "4 of 4 functions translated or compiled" in lines[0]
    rows = [line.split() for line in lines[2:]]
    assert [r[:2] for r in rows] == [
        ["write", "interp"], ["utoa", "interp"], ["sieve", "interp"], ["main", "interp"]]
    assert all(r[2].isdigit() and r[3] == "-" for r in rows)   # bytecode, no machine code
    proc = wasmtier("run", "--tier", "baseline", "--stats", str(HELLO))
    rows = [line.split() for line in proc.stderr.splitlines()[2:]]
    assert [r[:3] for r in rows] == [
        ["write", "baseline", "-"], ["utoa", "baseline", "-"], ["sieve", "baseline", "-"],
        ["main", "baseline", "-"]]
    assert all(int(r[3]) > 0 for r in rows)


def test_tier_log_is_jsonl_with_the_documented_fields(tmp_path):
    log = tmp_path / "tiers.jsonl"
    proc = wasmtier("run", "--tier", "auto", "-C", "tier_up_baseline=0",
                    "-C", "background_compile=false", "--tier-log", str(log), str(HELLO))
    assert proc.returncode == 0
    events = [json.loads(line) for line in log.read_text().splitlines()]
    assert events and all({"t", "kind", "func"} <= set(e) for e in events)
    ts = [e["t"] for e in events]
    assert ts == sorted(ts)
    kinds = {e["kind"] for e in events}
    assert {"threshold", "compile_start", "compile_end", "publish", "osr"} <= kinds
    assert all("loop" in e for e in events if e["kind"] == "osr")
    published = {e["name"] for e in events if e["kind"] == "publish"}
    assert published == {"write", "utoa", "sieve", "main"}


def test_bad_config_value_is_a_usage_error():
    proc = wasmtier("run", "-C", "tier_up_baseline=abc", str(HELLO))
    assert proc.returncode == 2
    assert "tier_up_baseline" in proc.stderr and "Traceback" not in proc.stderr


def test_exit_code_args_and_env(wat):
    proc = wasmtier("run", "--env", "A=1", "--env", "B=2", wat(COUNTS), "x", "y")
    assert proc.returncode == 3 * 16 + 2  # argv = [name, x, y]


def test_dir_preopens_a_host_directory(wat, tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "data.txt").write_bytes(b"*rest")
    program = wat(READ_FIRST_BYTE)
    assert wasmtier("run", "--dir", f"{shared}::.", program).returncode == ord("*")
    # Without the preopen there is no fd 3: path_open answers EBADF (8).
    assert wasmtier("run", program).returncode == 100 + 8


def test_invoke_with_arguments_and_unknown_imports(wat):
    path = wat(IMPORTS)
    proc = wasmtier("run", "--invoke", "f", path, "5", "-7")
    assert proc.returncode == 1
    assert proc.stderr.strip() == (f"wasmtier run: error: {path}: unknown import: "
                                   "`env::get` has not been defined")
    proc = wasmtier("run", "--unknown-imports", "default", "--invoke", "f", path, "5", "-7")
    assert (proc.returncode, proc.stdout) == (0, "-2\n")
    proc = wasmtier("run", "--unknown-imports", "trap", "--invoke", "f", path, "5", "-7")
    assert proc.returncode == 134
    assert proc.stderr.splitlines()[0] == (f"wasmtier run: error: {path}: wasm trap: "
                                           "unknown import: `env::get` has not been defined")


def test_fuel_runs_out(wat):
    proc = wasmtier("run", "--fuel", "100", str(HELLO))
    assert proc.returncode == 134
    assert proc.stderr.splitlines()[0].endswith("wasm trap: all fuel consumed by WebAssembly")
    assert wasmtier("run", "--fuel", "10000000", str(HELLO)).returncode == 0


def test_bad_input_is_one_clear_line(tmp_path):
    assert wasmtier("run", str(tmp_path / "missing.wasm")).stderr == \
        f"wasmtier run: error: no such file: {tmp_path / 'missing.wasm'}\n"
    bad = tmp_path / "bad.wasm"
    bad.write_bytes(b"\0asm\x01\0\0\0\x01")
    proc = wasmtier("run", str(bad))
    assert proc.returncode == 1
    assert proc.stderr == (f"wasmtier run: error: {bad}: malformed module at offset 0x9: "
                           "unexpected end of section or function\n")


def test_help_documents_every_command():
    out = wasmtier("--help").stdout
    for command in ("run", "spectest"):
        assert command in out
        assert wasmtier(command, "--help").returncode == 0
