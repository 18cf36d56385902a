"""Filetests for tier 1: a .wat module and the expected disassembly of every
defined function, like Winch's tests/disas.

Each `tests/winch/*.wat` file is the module text, then the marker line below,
then the expected listing as `;;` comments.  With WASMTIER_BLESS=1 the test
rewrites the expectation from the current compiler output instead of
comparing (review the diff before committing it).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import wasmtier
from wasmtier.runtime.vmoffsets import VMOffsets
from wasmtier.winch import compile_function
from wasmtier.x64.disasm import disassemble

HERE = Path(__file__).resolve().parent / "winch"
MARKER = ";; ==== expected disassembly (WASMTIER_BLESS=1 rewrites below) ===="
FILES = sorted(HERE.glob("*.wat"))


def listing(wat: str) -> list[str]:
    module = wasmtier.Module(wasmtier.Engine(), wat)._core
    offsets = VMOffsets.for_module(module)
    out = []
    for i in range(module.num_imported_funcs, len(module.func_type_indices())):
        cf = compile_function(module, offsets, i)
        out.append(f"function {i}: native entry {cf.native_entry:#x}, array entry "
                   f"{cf.array_entry:#x}, frame {cf.frame_size} bytes")
        out += [line.rstrip() for line in disassemble(cf.code)]
        out += [f"trap {s.pc:#x}: {s.code.name} @ wasm {s.wasm_offset:#x}" for s in cf.trap_sites]
    return out


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_disassembly(path: Path):
    text = path.read_text()
    wat, _, expected = text.partition(MARKER)
    got = listing(wat)
    if os.environ.get("WASMTIER_BLESS") == "1":
        path.write_text(wat.rstrip("\n") + "\n\n" + MARKER + "\n"
                        + "".join(f";; {line}\n" for line in got))
        return
    want = [line[3:] if line.startswith(";; ") else line[2:]
            for line in expected.strip("\n").splitlines()]
    assert want, f"{path.name} has no expectation; run with WASMTIER_BLESS=1"
    assert got == want


def test_filetests_exist():
    assert len(FILES) >= 2
