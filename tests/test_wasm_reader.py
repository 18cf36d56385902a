"""Tests for wasm.opcodes, wasm.leb128 and wasm.reader.

The bulk is driven by the spec corpus: one pytest item per script in
core/*/*.json.  For each script, every module it defines must decode (or
raise UnsupportedFeature when FEATURES.json says the module needs a feature
outside wasmtier's scope), and every binary `assert_malformed` must raise
DecodeError whose reason starts with the script's expected text (or
UnsupportedFeature when the script is out of scope).  Text-format malformed
modules are skipped: wasmtier has no text parser.

The rest are hand-built modules for what the corpus does not pin down
(decoded shapes, the name section, offsets) and a speed check on the
largest Sightglass module.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from wasmtier.wasm import leb128
from wasmtier.wasm.errors import DecodeError, UnsupportedFeature
from wasmtier.wasm.opcodes import OPS, OPS_BY_CODE, OPS_BY_NAME, OPS_BY_PREFIX, Imm
from wasmtier.wasm.reader import parse_module
from wasmtier.wasm.types import BlockType, MemArg, ValType

# -- spec corpus helpers (kept per test file: no shared conftest) -----------

REPO = Path(__file__).resolve().parents[1]
SPECTEST = Path(os.environ.get("WASMTIER_SPECTEST", REPO.parent / "shared" / "spectest"))
BENCHMARKS = REPO.parent / "shared" / "benchmarks" / "sightglass"
IN_SCOPE_FEATURES = {"wasm2", "multi-memory", "tail-call", "extended-const"}


def _features() -> dict:
    path = SPECTEST / "FEATURES.json"
    return json.loads(path.read_text()) if path.exists() else {}


FEATURES = _features()
SCRIPTS = sorted(k for k in FEATURES if k.startswith("core/"))


def _require_corpus() -> None:
    if not FEATURES:
        pytest.skip(f"spec test corpus not found at {SPECTEST} (set WASMTIER_SPECTEST)")


def _in_scope(features) -> bool:
    return set(features) <= IN_SCOPE_FEATURES


def _module_features(script: str, filename: str) -> list[str]:
    entry = FEATURES[script]
    return entry["modules"].get(filename, entry["features"])


def _commands(script: str):
    path = SPECTEST / script
    return path.parent, json.loads(path.read_text())["commands"]


# -- corpus-driven tests ------------------------------------------------------

@pytest.mark.parametrize("script", SCRIPTS or ["<no corpus>"])
def test_spec_script_decodes(script):
    _require_corpus()
    directory, commands = _commands(script)
    script_in_scope = _in_scope(FEATURES[script]["features"])
    failures = []
    for cmd in commands:
        kind = cmd["type"]
        if kind in ("module", "assert_uninstantiable", "assert_unlinkable"):
            filename = cmd.get("binary_filename") or cmd["filename"]
            if not filename.endswith(".wasm"):
                continue
            wanted_in_scope = _in_scope(_module_features(script, cmd["filename"]))
            try:
                parse_module((directory / filename).read_bytes())
                outcome = "ok"
            except UnsupportedFeature as e:
                outcome = f"unsupported {e.feature}"
            except DecodeError as e:
                outcome = f"malformed: {e}"
            # An out-of-scope module may still decode: some features (GC's
            # constant global.get) only show in validation.
            if wanted_in_scope and outcome != "ok":
                failures.append(f"line {cmd['line']} {filename}: {outcome}")
            elif outcome.startswith("malformed"):
                failures.append(f"line {cmd['line']} {filename}: {outcome}")
        elif kind == "assert_malformed" and cmd.get("module_type") == "binary":
            filename = cmd["filename"]
            try:
                parse_module((directory / filename).read_bytes())
                failures.append(f"line {cmd['line']} {filename}: decoded, "
                                f"expected {cmd['text']!r}")
            except UnsupportedFeature as e:
                if script_in_scope:
                    failures.append(f"line {cmd['line']} {filename}: unsupported "
                                    f"{e.feature}, expected {cmd['text']!r}")
            except DecodeError as e:
                if not e.reason.startswith(cmd["text"]):
                    failures.append(f"line {cmd['line']} {filename}: reason "
                                    f"{e.reason!r}, expected {cmd['text']!r}")
                if e.offset is None:
                    failures.append(f"line {cmd['line']} {filename}: no offset in {e}")
    assert not failures, "\n".join(failures)


# -- opcode table ---------------------------------------------------------------

def test_opcode_table_is_consistent():
    assert [op.id for op in OPS] == list(range(len(OPS)))
    for op in OPS:
        assert OPS_BY_CODE[op.code] is op
    assert OPS_BY_NAME["i32.add"].code == 0x6A
    assert OPS_BY_NAME["i32.add"].params == (ValType.I32, ValType.I32)
    assert OPS_BY_NAME["i32.add"].results == (ValType.I32,)
    assert OPS_BY_NAME["i64.extend_i32_u"].params == (ValType.I32,)
    assert OPS_BY_NAME["i64.extend_i32_u"].results == (ValType.I64,)
    assert OPS_BY_NAME["i32.extend8_s"].params == (ValType.I32,)
    assert OPS_BY_NAME["i32.trunc_sat_f64_u"].code == (0xFC, 3)
    assert OPS_BY_NAME["i32.trunc_sat_f64_u"].params == (ValType.F64,)
    assert OPS_BY_NAME["f64.reinterpret_i64"].code == 0xBF
    assert OPS_BY_NAME["memory.copy"].code == (0xFC, 10)
    assert OPS_BY_NAME["table.fill"].code == (0xFC, 17)
    assert OPS_BY_NAME["return_call_indirect"].code == 0x13
    assert OPS_BY_NAME["ref.func"].code == 0xD2


def test_opcode_memory_widths():
    load = OPS_BY_NAME["i64.load32_s"]
    assert (load.mem_bytes, load.natural_align, load.mem_signed) == (4, 2, True)
    assert load.params == (ValType.I32,) and load.results == (ValType.I64,)
    store = OPS_BY_NAME["i32.store16"]
    assert (store.mem_bytes, store.params, store.results) == (2, (ValType.I32, ValType.I32), ())
    assert OPS_BY_NAME["f64.load"].mem_bytes == 8
    assert OPS_BY_NAME["v128.load8x8_s"].mem_bytes == 8
    assert OPS_BY_NAME["v128.load32_zero"].mem_bytes == 4


def test_opcode_select_and_features():
    untyped, typed = OPS_BY_CODE[0x1B], OPS_BY_CODE[0x1C]
    assert untyped.name == typed.name == "select"
    assert untyped.imm == Imm.NONE and typed.imm == Imm.SELECT_T
    assert OPS_BY_NAME["select"] is untyped
    assert OPS_BY_NAME["i32.add"].feature is None
    assert OPS_BY_NAME["i8x16.shuffle"].feature == "simd"
    assert OPS_BY_NAME["f32x4.relaxed_madd"].feature == "relaxed-simd"
    assert OPS_BY_NAME["i64.atomic.rmw32.cmpxchg_u"].code == (0xFE, 0x4E)
    assert OPS_BY_NAME["try_table"].feature == "exceptions"
    assert OPS_BY_NAME["call_ref"].feature == "function-references"
    assert OPS_BY_NAME["ref.eq"].feature == "gc"
    assert OPS_BY_NAME["i64.add128"].feature == "wide-arithmetic"
    # SIMD: 0x00..0xFF minus the 20 unassigned codes, plus relaxed 0x100..0x113.
    assert len(OPS_BY_PREFIX[0xFD]) == 236 + 20


# -- LEB128 -----------------------------------------------------------------------

@pytest.mark.parametrize("value", [0, 1, 63, 64, 127, 128, 2**31 - 1, 2**32 - 1])
def test_leb_unsigned_roundtrip(value):
    enc = leb128.encode_unsigned(value)
    assert leb128.read_u32(enc, 0) == (value, len(enc))


@pytest.mark.parametrize("value", [0, -1, 63, -64, 64, -65, 2**31 - 1, -2**31])
def test_leb_signed_roundtrip(value):
    enc = leb128.encode_signed(value)
    assert leb128.read_s32(enc, 0) == (value, len(enc))


@pytest.mark.parametrize("raw,reason", [
    (b"\x80\x80\x80\x80\x80\x00", "integer representation too long"),
    (b"\xff\xff\xff\xff\x1f", "integer too large"),
    (b"\xff\xff\xff\xff\x0f", None),  # 2**32 - 1 in five bytes is fine
])
def test_leb_u32_errors(raw, reason):
    if reason is None:
        assert leb128.read_u32(raw, 0) == (2**32 - 1, 5)
    else:
        with pytest.raises(DecodeError, match=reason):
            leb128.read_u32(raw, 0)


def test_leb_s32_sign_bits_must_extend():
    assert leb128.read_s32(b"\xff\xff\xff\xff\x7f", 0) == (-1, 5)
    with pytest.raises(DecodeError, match="integer too large"):
        leb128.read_s32(b"\xff\xff\xff\xff\x4f", 0)


# -- hand-built modules -------------------------------------------------------------

def _u(n: int) -> bytes:
    return leb128.encode_unsigned(n)


def _vec(items: list[bytes]) -> bytes:
    return _u(len(items)) + b"".join(items)


def _name(s: str) -> bytes:
    raw = s.encode()
    return _u(len(raw)) + raw


def _section(sid: int, payload: bytes) -> bytes:
    return bytes([sid]) + _u(len(payload)) + payload


def _module(*sections: bytes) -> bytes:
    return b"\x00asm\x01\x00\x00\x00" + b"".join(sections)


def _func_module(body: bytes, params=b"", results=b"", locals_=b"\x00", extra=(),
                 trailer=()) -> bytes:
    """One function of type [params] -> [results] with `body` (incl. end);
    `extra` sections go before the code section, `trailer` ones after it."""
    code = locals_ + body
    return _module(
        _section(1, _vec([b"\x60" + _vec(list(map(bytes, zip(params)))) +
                          _vec(list(map(bytes, zip(results))))])),
        _section(3, _vec([b"\x00"])),
        *extra,
        _section(10, _vec([_u(len(code)) + code])),
        *trailer,
    )


def test_decoded_instruction_shapes():
    body = (b"\x41\x7f"              # i32.const -1
            b"\x42\x80\x80\x80\x80\x80\x80\x80\x80\x80\x7f"  # i64.const -2**63
            b"\x43\x00\x00\xc0\x7f"  # f32.const nan (raw bits)
            b"\x1a\x1a\x1a"          # drop x3
            b"\x02\x7f\x41\x00\x0b"  # block (result i32) i32.const 0 end
            b"\x1a\x0b")
    module = parse_module(_func_module(body, extra=[_section(5, _vec([b"\x00\x01"]))]))
    instrs = module.codes[0].instrs
    assert [i.op.name for i in instrs][:3] == ["i32.const", "i64.const", "f32.const"]
    assert instrs[0].imm == -1
    assert instrs[1].imm == -2**63
    assert instrs[2].imm == 0x7FC00000
    assert instrs[6].imm == BlockType((), (ValType.I32,))
    assert instrs[-1].op.name == "end"
    # Offsets are absolute positions of the opcode bytes.
    data = _func_module(body, extra=[_section(5, _vec([b"\x00\x01"]))])
    for ins in instrs:
        assert data[ins.offset] == (ins.op.code if isinstance(ins.op.code, int)
                                    else ins.op.code[0])


def test_memarg_and_br_table_and_call_indirect():
    body = (b"\x41\x00\x28\x02\x10\x1a"       # i32.load align=4 offset=16
            b"\x41\x00\x2d\x40\x01\x03\x1a"   # i32.load8_u memory 1 offset=3
            b"\x02\x40\x41\x00\x0e\x02\x00\x01\x00\x0b"  # br_table 0 1 0
            b"\x41\x00\x11\x00\x00"           # call_indirect type 0 table 0
            b"\x0b")
    extra = [_section(4, _vec([b"\x70\x00\x01"])), _section(5, _vec([b"\x00\x01", b"\x00\x01"]))]
    instrs = parse_module(_func_module(body, extra=extra)).codes[0].instrs
    assert instrs[1].imm == MemArg(2, 16, 0)
    assert instrs[4].imm == MemArg(0, 3, 1)
    br_table = next(i for i in instrs if i.op.name == "br_table")
    assert br_table.imm == ((0, 1), 0)
    call_indirect = next(i for i in instrs if i.op.name == "call_indirect")
    assert call_indirect.imm == (0, 0)


def test_locals_are_expanded():
    module = parse_module(_func_module(b"\x0b", locals_=b"\x02\x02\x7f\x01\x7c"))
    assert module.codes[0].locals == (ValType.I32, ValType.I32, ValType.F64)


def test_element_and_data_forms():
    table = _section(4, _vec([b"\x70\x00\x01"]))
    memory = _section(5, _vec([b"\x00\x01"]))
    elems = _section(9, _vec([
        b"\x00\x41\x00\x0b" + _vec([b"\x00"]),             # active, func indices
        b"\x01\x00" + _vec([b"\x00"]),                      # passive, elemkind
        b"\x03\x00" + _vec([b"\x00"]),                      # declarative
        b"\x05\x70" + _vec([b"\xd0\x70\x0b", b"\xd2\x00\x0b"]),  # passive, exprs
    ]))
    datas = _section(11, _vec([b"\x00\x41\x08\x0b" + _name("hi"), b"\x01" + _name("xy")]))
    module = parse_module(_func_module(b"\x0b", extra=[table, memory, elems], trailer=[datas]))
    modes = [(e.mode, len(e.items)) for e in module.elems]
    assert modes == [("active", 1), ("passive", 1), ("declarative", 1), ("passive", 2)]
    assert module.elems[0].items[0][0].op.name == "ref.func"
    assert module.elems[0].offset[0].imm == 0
    assert module.elems[3].items[0][0].imm == ValType.FUNCREF
    assert [(d.mode, d.data) for d in module.datas] == [("active", b"hi"), ("passive", b"xy")]
    assert module.datas[0].offset[0].imm == 8


def test_name_section_and_malformed_name_section_is_ignored():
    names = _name("name") + _section(0, _name("mod")) + _section(1, _vec([b"\x00" + _name("f")]))
    module = parse_module(_func_module(b"\x0b") + _section(0, names))
    assert module.name == "mod"
    assert module.func_names == {0: "f"}
    assert module.customs[0][0] == "name"
    broken = _name("name") + b"\x01\x05\x01\x00\x09ab"  # name length overruns
    module = parse_module(_func_module(b"\x0b") + _section(0, broken))
    assert module.name is None and module.func_names == {}


@pytest.mark.parametrize("data,reason", [
    (b"\x00asm", "unexpected end"),
    (b"\x00asn\x01\x00\x00\x00", "magic header not detected"),
    (b"\x00asm\x02\x00\x00\x00", "unknown binary version"),
    (_module(b"\x0e\x00"), "malformed section id"),
    (_module(_section(3, b"\x00"), _section(1, b"\x00")), "unexpected content after last section"),
    (_module(b"\x01\x7f"), "length out of bounds"),
    (_module(_section(1, b"\x00\x00")), "section size mismatch"),
    (_func_module(b"\xff\x0b"), "illegal opcode ff"),
    (_func_module(b"\x05\x0b"), "END opcode expected"),
    (_func_module(b"\x0b", locals_=b"\x02\xff\xff\xff\xff\x0f\x7f\x01\x7f"), "too many locals"),
])
def test_malformed_reasons(data, reason):
    with pytest.raises(DecodeError) as info:
        parse_module(data)
    assert info.value.reason.startswith(reason)
    assert info.value.offset is not None


@pytest.mark.parametrize("data,feature", [
    (_func_module(b"\xfd\x0c" + bytes(16) + b"\x1a\x0b"), "simd"),
    (_func_module(b"\x0b", locals_=b"\x01\x01\x7b"), "simd"),
    (_module(_section(5, _vec([b"\x04\x01"]))), "memory64"),
    (_module(_section(5, _vec([b"\x03\x01\x02"]))), "threads"),
    (_module(_section(1, _vec([b"\x5f\x00"]))), "gc"),
    (b"\x00asm\x0d\x00\x01\x00", "component-model"),
])
def test_out_of_scope_constructs_are_unsupported(data, feature):
    with pytest.raises(UnsupportedFeature) as info:
        parse_module(data)
    assert info.value.feature == feature


def test_malformed_wins_over_unsupported():
    # A SIMD operator followed by an illegal opcode: the module is malformed.
    with pytest.raises(DecodeError, match="illegal opcode"):
        parse_module(_func_module(b"\xfd\x0f\xff\x0b"))


# -- speed ------------------------------------------------------------------------

def test_largest_sightglass_module_parses_quickly():
    candidates = [p for p in (BENCHMARKS / "sqlite3" / "sqlite3.wasm",
                              BENCHMARKS / "rust-compression" / "benchmark.wasm")
                  if p.exists()]
    if not candidates:
        pytest.skip(f"Sightglass benchmarks not found at {BENCHMARKS}")
    for path in candidates:
        data = path.read_bytes()
        start = time.perf_counter()
        module = parse_module(data)
        elapsed = time.perf_counter() - start
        assert module.codes
        assert elapsed < 2.0, f"{path.name}: {elapsed:.2f}s"
