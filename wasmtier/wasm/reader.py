"""The binary reader: `parse_module(bytes) -> Module`.

Design
------
One pass over the bytes with an integer cursor.  The reading rules follow
the spec's reference interpreter, so that malformed modules fail with its
reason texts (the spectest `assert_malformed` texts are prefixes of them):

* Reads are bounded by the end of the *module*, not of the current section
  or function body: a section or body whose contents overrun its declared
  size is "section size mismatch" once it is read, and running off the end
  of the bytes is "unexpected end of section or function" (IndexError from
  any read is converted in one place, `parse_module`).
* Lengths (section sizes, vector counts, string sizes) larger than the
  bytes left are "length out of bounds" before anything is allocated.
* Sections come in the fixed order type, import, function, table, memory,
  tag, global, export, start, element, datacount, code, data; custom
  sections anywhere.  A section out of order is "unexpected content after
  last section"; an id above 13 is "malformed section id".
* Cross-section rules (function/code counts, data count) are checked after
  the last section, in the reference interpreter's order.

Out-of-scope features are decoded, not rejected on sight: the first use is
remembered (`_ModuleReader.unsupported`) and `UnsupportedFeature` is raised
only once the whole module decoded, so a malformed module is always a
`DecodeError` and a well-formed one using e.g. SIMD is `UnsupportedFeature`.
Placeholders stand in for what the data model cannot express (a GC type
becomes an empty FuncType); such a module never leaves the reader.

The exception: constructs the validator can check although wasmtier does not
run them -- typed function references (`RefType` value types,
ref.as_non_null, br_on_null, br_on_non_null, call_ref, return_call_ref) and
exception tags (tag section, tag imports and exports).  If those are the
only out-of-scope constructs, the module is returned with
`Module.unsupported` set, and `validate_module` raises UnsupportedFeature
for it after the module validated, so an invalid one is a ValidationError.

Custom sections are kept raw in `Module.customs`; the "name" section also
fills `Module.name` and `Module.func_names`, and is ignored as a whole if it
is itself malformed (custom section contents never make a module malformed).

Speed: function bodies are decoded by `_ModuleReader.read_expr`, a single loop that
dispatches on a per-byte kind table and inlines the one-byte LEB128 fast
path, creating each `Instr` with `tuple.__new__` (half the cost of the
NamedTuple constructor).  MemArg and BlockType values are interned.  The
cyclic garbage collector is paused while decoding (the result is acyclic).
"""

from __future__ import annotations

import gc

from .errors import DecodeError, UnsupportedFeature
from .leb128 import read_signed, read_unsigned
from .opcodes import OPS_BY_BYTE, OPS_BY_NAME, OPS_BY_PREFIX, Imm
from .types import (
    BlockType, DataSegment, ElemSegment, Export, FuncType, FunctionBody, Global,
    GlobalType, Import, Instr, Limits, MemArg, MemoryType, Module, RefType,
    TableType, ValType,
)

__all__ = ["parse_module"]

MAGIC = b"\x00asm"
VERSION = b"\x01\x00\x00\x00"
COMPONENT_VERSION = b"\x0d\x00\x01\x00"  # version 0xd, layer 1: a component

#: Implementation limit on declared locals per function (Wasmtime's).
MAX_LOCALS = 50_000

_EOF = "unexpected end of section or function"

_VALTYPES = {0x7F: ValType.I32, 0x7E: ValType.I64, 0x7D: ValType.F32,
             0x7C: ValType.F64, 0x70: ValType.FUNCREF, 0x6F: ValType.EXTERNREF}

# Abstract heap types by their one-byte encoding: (feature, name).
# func/extern are in scope; the others belong to GC or exceptions (and are
# not validated: their use stops the module in the reader).
_HEAP_TYPES = {
    0x70: (None, "func"), 0x6F: (None, "extern"),
    0x73: ("gc", "nofunc"), 0x72: ("gc", "noextern"), 0x71: ("gc", "none"),
    0x6E: ("gc", "any"), 0x6D: ("gc", "eq"), 0x6C: ("gc", "i31"),
    0x6B: ("gc", "struct"), 0x6A: ("gc", "array"),
    0x69: ("exceptions", "exn"), 0x74: ("exceptions", "noexn"),
}
_NULLABLE_ABSTRACT = {"func": ValType.FUNCREF, "extern": ValType.EXTERNREF}

# Section ids in their required order (tag, 13, sits between memory and
# global; datacount, 12, between element and code).
_SECTION_ORDER = {1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 13: 6, 6: 7, 7: 8, 8: 9,
                  9: 10, 12: 11, 10: 12, 11: 13}

_EXTERNAL_KINDS = {0: "func", 1: "table", 2: "memory", 3: "global", 4: "tag"}

# Instruction kinds for the decoder's dispatch, most frequent first.
(K_NONE, K_INDEX, K_MEMARG, K_I32, K_BLOCK, K_END, K_I64, K_F32, K_F64,
 K_ELSE, K_BR_TABLE, K_CALL_INDIRECT, K_SELECT_T, K_HEAPTYPE, K_PREFIX,
 K_OTHER, K_ILLEGAL) = range(17)

_KIND_BY_IMM = {
    Imm.NONE: K_NONE, Imm.LABEL: K_INDEX, Imm.FUNC: K_INDEX, Imm.LOCAL: K_INDEX,
    Imm.GLOBAL: K_INDEX, Imm.TABLE: K_INDEX, Imm.MEMORY: K_INDEX,
    Imm.MEMARG: K_MEMARG, Imm.I32: K_I32, Imm.I64: K_I64, Imm.F32: K_F32,
    Imm.F64: K_F64, Imm.BLOCKTYPE: K_BLOCK, Imm.BR_TABLE: K_BR_TABLE,
    Imm.CALL_INDIRECT: K_CALL_INDIRECT, Imm.SELECT_T: K_SELECT_T,
    Imm.HEAPTYPE: K_HEAPTYPE,
}


def _kind_of_byte(b: int) -> int:
    if b in (0xFB, 0xFC, 0xFD, 0xFE):
        return K_PREFIX
    op = OPS_BY_BYTE[b]
    if op is None:
        return K_ILLEGAL
    if op.name == "end":
        return K_END
    if op.name == "else":
        return K_ELSE
    if op.feature is not None:
        return K_OTHER  # generic path, which records the feature
    return _KIND_BY_IMM[op.imm]


_KIND_BY_BYTE = [_kind_of_byte(b) for b in range(256)]

_OP_END = OPS_BY_NAME["end"]
_OP_REF_FUNC = OPS_BY_NAME["ref.func"]
_OPS_USING_DATA = {OPS_BY_NAME["memory.init"], OPS_BY_NAME["data.drop"]}
# Out-of-scope operators the validator checks (see the module docstring).
_VALIDATED_OPS = frozenset(OPS_BY_NAME[n] for n in (
    "ref.as_non_null", "br_on_null", "br_on_non_null", "call_ref", "return_call_ref"))

# Control-stack markers in read_expr: what may follow inside the block.
_CTRL_BLOCK, _CTRL_IF, _CTRL_TRY = 0, 1, 2

_EMPTY_BLOCKTYPE = BlockType((), ())
_VALUE_BLOCKTYPES = {b: BlockType((), (vt,)) for b, vt in _VALTYPES.items()}


def parse_module(data: bytes) -> Module:
    """Decode a binary module.  Raises DecodeError for a malformed module
    and UnsupportedFeature for a well-formed one that uses a feature outside
    wasmtier's scope."""
    data = bytes(data)
    reader = _ModuleReader(data)
    # The decoded module is acyclic, but its hundreds of thousands of tuples
    # would trigger many cyclic-GC passes (half the decode time): pause it.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        module = reader.read()
    except IndexError:
        raise DecodeError(_EOF, len(data)) from None
    finally:
        if gc_was_enabled:
            gc.enable()
    if reader.unsupported is not None:
        if reader.blocking:
            feature, offset = reader.unsupported
            raise UnsupportedFeature(feature, offset)
        module.unsupported = reader.unsupported  # validate_module raises it
    return module


class _ModuleReader:
    def __init__(self, data: bytes):
        self.data = data
        self.module = Module()
        self.unsupported: tuple[str, int] | None = None
        self.blocking = False  # some out-of-scope construct is not validated
        self.blocktypes: dict[int, BlockType] = {}
        self.memargs: dict[int, MemArg] = {}
        self.first_data_use: int | None = None  # offset of memory.init/data.drop
        self.num_funcs_declared = 0

    # -- helpers --------------------------------------------------------

    def note_unsupported(self, feature: str, offset: int, validated: bool = False) -> None:
        """Remember the first out-of-scope construct; `validated` ones (see
        the module docstring) leave the module to the validator."""
        if self.unsupported is None:
            self.unsupported = (feature, offset)
        if not validated:
            self.blocking = True

    def u32(self, pos: int) -> tuple[int, int]:
        b = self.data[pos]
        if b < 0x80:
            return b, pos + 1
        return read_unsigned(self.data, pos, 32)

    def length(self, pos: int) -> tuple[int, int]:
        """A u32 length that must not exceed the bytes left ("len32")."""
        n, new = self.u32(pos)
        if n > len(self.data) - pos:
            raise DecodeError("length out of bounds", pos)
        return n, new

    def byte(self, pos: int) -> int:
        return self.data[pos]

    def name(self, pos: int) -> tuple[str, int]:
        n, p = self.length(pos)
        raw = self.data[p:p + n]
        if len(raw) < n:
            raise IndexError
        try:
            return raw.decode("utf-8"), p + n
        except UnicodeDecodeError:
            raise DecodeError("malformed UTF-8 encoding", pos) from None

    def valtype(self, pos: int) -> tuple[ValType, int]:
        b = self.data[pos]
        vt = _VALTYPES.get(b)
        if vt is not None:
            return vt, pos + 1
        if b & 0x80:  # types are one-byte s7 LEBs: this reports the LEB error
            read_signed(self.data, pos, 7)
        if b == 0x7B:
            self.note_unsupported("simd", pos)
            return ValType.V128, pos + 1
        return self.reftype(pos, "malformed value type")

    def reftype(self, pos: int, error: str = "malformed reference type"
                ) -> tuple[ValType | RefType, int]:
        b = self.data[pos]
        if b in _HEAP_TYPES:  # shorthand for (ref null ht)
            heap, p = self.heaptype(pos)
            return self.ref_of(True, heap), p
        if b & 0x80:
            read_signed(self.data, pos, 7)
        if b in (0x63, 0x64):  # (ref null ht) / (ref ht)
            heap, p = self.heaptype(pos + 1)
            if b == 0x64 and heap in _NULLABLE_ABSTRACT:  # (ref func), (ref extern)
                self.note_unsupported("function-references", pos, validated=True)
            return self.ref_of(b == 0x63, heap), p
        raise DecodeError(error, pos)

    def heaptype(self, pos: int) -> tuple[int | str, int]:
        """-> (heap type, pos): a type index or an abstract heap type's name."""
        b = self.data[pos]
        if b in _HEAP_TYPES:
            feature, name = _HEAP_TYPES[b]
            if feature is not None:
                self.note_unsupported(feature, pos)
            return name, pos + 1
        index, p = read_signed(self.data, pos, 33)
        if index < 0:
            raise DecodeError("malformed heap type", pos)
        self.note_unsupported("function-references", pos, validated=True)  # a concrete type
        return index, p

    @staticmethod
    def ref_of(nullable: bool, heap: int | str) -> ValType | RefType:
        """The reference type (ref null? heap); funcref/externref as ValType."""
        if nullable and heap in _NULLABLE_ABSTRACT:
            return _NULLABLE_ABSTRACT[heap]
        return RefType(nullable, heap)

    def result_types(self, pos: int) -> tuple[tuple[ValType, ...], int]:
        n, pos = self.length(pos)
        out = []
        for _ in range(n):
            vt, pos = self.valtype(pos)
            out.append(vt)
        return tuple(out), pos

    def limits(self, pos: int, is_memory: bool) -> tuple[Limits, bool, bool, int]:
        """-> (limits, is64, shared, pos).  The flags are one byte: bit 0
        max present, bit 1 shared (threads), bit 2 64-bit addresses
        (memory64), bit 3 custom page size (memories only)."""
        flags_pos = pos
        flags = self.data[pos]
        pos += 1
        allowed = 0x0F if is_memory else 0x05
        if flags & ~allowed:
            raise DecodeError("malformed limits flags", flags_pos)
        is64 = bool(flags & 4)
        try:
            # Bounds are u64 in the encoding (Wasm 3.0); the validator checks
            # the range of 32-bit ones ("memory size", "table size").
            lo, pos = read_unsigned(self.data, pos, 64)
            hi = None
            if flags & 1:
                hi, pos = read_unsigned(self.data, pos, 64)
            if flags & 8:
                _log2_page_size, pos = self.u32(pos)
        except (DecodeError, IndexError):
            if flags & 8:
                # Without custom page sizes, bit 3 is simply a bad flag.
                raise DecodeError("malformed limits flags", flags_pos) from None
            raise
        if flags & 8:
            self.note_unsupported("custom-page-sizes", flags_pos)
        if flags & 2:
            self.note_unsupported("threads", flags_pos)
        if is64:
            self.note_unsupported("memory64", flags_pos)
        return Limits(lo, hi), is64, bool(flags & 2), pos

    def table_type(self, pos: int) -> tuple[TableType, int]:
        elem, pos = self.reftype(pos)
        limits, is64, _shared, pos = self.limits(pos, is_memory=False)
        return TableType(elem, limits, is64), pos

    def memory_type(self, pos: int) -> tuple[MemoryType, int]:
        limits, is64, shared, pos = self.limits(pos, is_memory=True)
        return MemoryType(limits, is64, shared), pos

    def global_type(self, pos: int) -> tuple[GlobalType, int]:
        vt, pos = self.valtype(pos)
        mut = self.data[pos]
        if mut > 1:
            raise DecodeError("malformed mutability", pos)
        return GlobalType(vt, bool(mut)), pos + 1

    def const_expr(self, pos: int) -> tuple[tuple, int]:
        instrs, pos = self.read_expr(pos)
        instrs.pop()  # the final `end`
        return tuple(instrs), pos

    # -- module ---------------------------------------------------------

    def read(self) -> Module:
        data = self.data
        if len(data) < 4:
            raise IndexError
        if data[:4] != MAGIC:
            raise DecodeError("magic header not detected", 0)
        if len(data) < 8:
            raise IndexError
        if data[4:8] != VERSION:
            if data[4:8] == COMPONENT_VERSION:
                raise UnsupportedFeature("component-model", 4)
            raise DecodeError("unknown binary version", 4)
        pos = 8
        end = len(data)
        last_order = 0
        readers = {
            1: self.type_section, 2: self.import_section, 3: self.function_section,
            4: self.table_section, 5: self.memory_section, 6: self.global_section,
            7: self.export_section, 8: self.start_section, 9: self.element_section,
            10: self.code_section, 11: self.data_section, 12: self.datacount_section,
            13: self.tag_section,
        }
        while pos < end:
            section_pos = pos
            sid = data[pos]
            if sid > 13:
                raise DecodeError("malformed section id", pos)
            size, start = self.length(pos + 1)
            section_end = start + size
            if sid == 0:
                pos = self.custom_section(start, section_end)
            else:
                order = _SECTION_ORDER[sid]
                if order <= last_order:
                    raise DecodeError("unexpected content after last section", section_pos)
                last_order = order
                self.module.section_offsets[sid] = section_pos
                pos = readers[sid](start, section_end)
            if pos != section_end:
                raise DecodeError("section size mismatch", start)

        module = self.module
        if self.num_funcs_declared != len(module.codes):
            raise DecodeError("function and code section have inconsistent lengths", end)
        if module.data_count is not None and module.data_count != len(module.datas):
            raise DecodeError("data count and data section have inconsistent lengths", end)
        # Without a datacount section, code may not name data segments that
        # exist (it could not be validated in one pass); with no data
        # segments at all, a data index is merely unknown (a validation error).
        if (module.data_count is None and self.first_data_use is not None
                and module.datas):
            raise DecodeError("data count section required", self.first_data_use)
        return module

    # -- sections -------------------------------------------------------

    def custom_section(self, pos: int, end: int) -> int:
        name, p = self.name(pos)
        if p > end:
            raise DecodeError(_EOF, end)
        payload = self.data[p:end]
        self.module.customs.append((name, payload))
        if name == "name":
            self.name_section(payload)
        return end

    def name_section(self, payload: bytes) -> None:
        """Module name (subsection 0) and function names (1).  A malformed
        name section is ignored as a whole."""
        sub = _ModuleReader(payload)
        module_name = None
        func_names: dict[int, str] = {}
        try:
            pos = 0
            last_id = -1
            while pos < len(payload):
                sid = payload[pos]
                size, start = sub.length(pos + 1)
                end = start + size
                if sid <= last_id or end > len(payload):
                    return
                last_id = sid
                if sid == 0:
                    module_name, p = sub.name(start)
                elif sid == 1:
                    n, p = sub.length(start)
                    for _ in range(n):
                        index, p = sub.u32(p)
                        func_names[index], p = sub.name(p)
                else:
                    p = end
                if p != end:
                    return
                pos = end
        except (DecodeError, IndexError):
            return
        self.module.name = module_name
        self.module.func_names = func_names

    def type_section(self, pos: int, end: int) -> int:
        n, pos = self.length(pos)
        types = self.module.types
        data = self.data
        for _ in range(n):
            form = data[pos]
            if form & 0x80:
                read_signed(data, pos, 7)
            if form == 0x60:
                params, pos = self.result_types(pos + 1)
                results, pos = self.result_types(pos)
                types.append(FuncType(params, results))
            elif form == 0x4E:  # rec group
                self.note_unsupported("gc", pos)
                count, pos = self.length(pos + 1)
                for _ in range(count):
                    pos = self.sub_type(pos)
                    types.append(FuncType((), ()))
            else:
                pos = self.sub_type(pos)
                types.append(FuncType((), ()))
        return pos

    def sub_type(self, pos: int) -> int:
        """A GC sub type or composite type (decoded for well-formedness)."""
        data = self.data
        self.note_unsupported("gc", pos)
        form = data[pos]
        if form in (0x50, 0x4F):  # sub / sub final
            count, pos = self.length(pos + 1)
            for _ in range(count):
                _, pos = self.u32(pos)
            form = data[pos]
        if form == 0x60:
            _, pos = self.result_types(pos + 1)
            _, pos = self.result_types(pos)
        elif form == 0x5F:  # struct
            count, pos = self.length(pos + 1)
            for _ in range(count):
                pos = self.field_type(pos)
        elif form == 0x5E:  # array
            pos = self.field_type(pos + 1)
        else:
            raise DecodeError("malformed function type", pos)
        return pos

    def field_type(self, pos: int) -> int:
        if self.data[pos] in (0x78, 0x77):  # i8, i16 packed storage
            pos += 1
        else:
            _, pos = self.valtype(pos)
        if self.data[pos] > 1:
            raise DecodeError("malformed mutability", pos)
        return pos + 1

    def import_section(self, pos: int, end: int) -> int:
        n, pos = self.length(pos)
        imports = self.module.imports
        for _ in range(n):
            module_name, pos = self.name(pos)
            field, pos = self.name(pos)
            kind_pos = pos
            kind = self.data[pos]
            pos += 1
            if kind == 0:
                desc, pos = self.u32(pos)
            elif kind == 1:
                desc, pos = self.table_type(pos)
            elif kind == 2:
                desc, pos = self.memory_type(pos)
            elif kind == 3:
                desc, pos = self.global_type(pos)
            elif kind == 4:
                desc, pos = self.tag_type(pos)
                self.note_unsupported("exceptions", kind_pos, validated=True)
            else:
                raise DecodeError("malformed import kind", kind_pos)
            imports.append(Import(module_name, field, _EXTERNAL_KINDS[kind], desc))
        return pos

    def tag_type(self, pos: int) -> tuple[int, int]:
        """-> (type index, pos)."""
        if self.data[pos] != 0:
            raise DecodeError("zero byte expected", pos)
        return self.u32(pos + 1)

    def function_section(self, pos: int, end: int) -> int:
        n, pos = self.length(pos)
        funcs = self.module.funcs
        for _ in range(n):
            index, pos = self.u32(pos)
            funcs.append(index)
        self.num_funcs_declared = n
        return pos

    def table_section(self, pos: int, end: int) -> int:
        n, pos = self.length(pos)
        for _ in range(n):
            if self.data[pos] == 0x40:  # table with an initializer expression
                if self.data[pos + 1] != 0:
                    raise DecodeError("zero byte expected", pos + 1)
                self.note_unsupported("function-references", pos)
                tt, pos = self.table_type(pos + 2)
                _, pos = self.const_expr(pos)
            else:
                tt, pos = self.table_type(pos)
            self.module.tables.append(tt)
        return pos

    def memory_section(self, pos: int, end: int) -> int:
        n, pos = self.length(pos)
        for _ in range(n):
            mt, pos = self.memory_type(pos)
            self.module.mems.append(mt)
        return pos

    def tag_section(self, pos: int, end: int) -> int:
        self.note_unsupported("exceptions", pos, validated=True)
        n, pos = self.length(pos)
        for _ in range(n):
            type_index, pos = self.tag_type(pos)
            self.module.tags.append(type_index)
        return pos

    def global_section(self, pos: int, end: int) -> int:
        n, pos = self.length(pos)
        for _ in range(n):
            gt, pos = self.global_type(pos)
            init, pos = self.const_expr(pos)
            self.module.globals.append(Global(gt, init))
        return pos

    def export_section(self, pos: int, end: int) -> int:
        n, pos = self.length(pos)
        for _ in range(n):
            name, pos = self.name(pos)
            kind_pos = pos
            kind = self.data[pos]
            index, pos = self.u32(pos + 1)
            if kind == 4:
                self.note_unsupported("exceptions", kind_pos, validated=True)
            elif kind > 4:
                raise DecodeError("malformed export kind", kind_pos)
            self.module.exports.append(Export(name, _EXTERNAL_KINDS[kind], index))
        return pos

    def start_section(self, pos: int, end: int) -> int:
        self.module.start, pos = self.u32(pos)
        return pos

    def element_section(self, pos: int, end: int) -> int:
        n, pos = self.length(pos)
        for _ in range(n):
            flags_pos = pos
            flags, pos = self.u32(pos)
            if flags > 7:
                raise DecodeError("malformed elements segment kind", flags_pos)
            table = 0
            offset = None
            if flags & 1:
                mode = "declarative" if flags & 2 else "passive"
            else:
                mode = "active"
                if flags & 2:
                    table, pos = self.u32(pos)
                offset, pos = self.const_expr(pos)
            uses_exprs = bool(flags & 4)
            elem_type = ValType.FUNCREF
            if flags & 3:  # an explicit element kind / reference type
                if uses_exprs:
                    elem_type, pos = self.reftype(pos)
                else:
                    if self.data[pos] != 0:
                        raise DecodeError("malformed element kind", pos)
                    pos += 1
            count, pos = self.length(pos)
            items = []
            if uses_exprs:
                for _ in range(count):
                    expr, pos = self.const_expr(pos)
                    items.append(expr)
            else:
                new = tuple.__new__
                for _ in range(count):
                    item_pos = pos
                    index, pos = self.u32(pos)
                    items.append((new(Instr, (_OP_REF_FUNC, index, item_pos)),))
            self.module.elems.append(ElemSegment(mode, elem_type, tuple(items), table, offset))
        return pos

    def datacount_section(self, pos: int, end: int) -> int:
        self.module.data_count, pos = self.u32(pos)
        return pos

    def code_section(self, pos: int, end: int) -> int:
        n, pos = self.length(pos)
        codes = self.module.codes
        for _ in range(n):
            body_pos = pos
            size, pos = self.length(pos)
            body_end = pos + size
            # Locals: a vector of (count, type) runs, expanded.
            locals_pos = pos
            runs, pos = self.length(pos)
            total = 0
            local_types: list[ValType] = []
            for _ in range(runs):
                count, pos = self.u32(pos)
                vt, pos = self.valtype(pos)
                total += count
                if total >= 1 << 32:
                    raise DecodeError("too many locals", locals_pos)
                if total <= MAX_LOCALS:
                    local_types.extend([vt] * count)
            if total > MAX_LOCALS:
                raise DecodeError(f"too many locals (implementation limit {MAX_LOCALS})",
                                  locals_pos)
            instrs, pos = self.read_expr(pos)
            if pos != body_end:
                raise DecodeError("section size mismatch", body_pos)
            codes.append(FunctionBody(tuple(local_types), instrs, body_pos, body_end,
                                      locals_pos))
        return pos

    def data_section(self, pos: int, end: int) -> int:
        n, pos = self.length(pos)
        data = self.data
        for _ in range(n):
            flags_pos = pos
            flags, pos = self.u32(pos)
            memory = 0
            offset = None
            if flags == 1:
                mode = "passive"
            elif flags in (0, 2):
                mode = "active"
                if flags == 2:
                    memory, pos = self.u32(pos)
                offset, pos = self.const_expr(pos)
            else:
                raise DecodeError("malformed data segment kind", flags_pos)
            size, pos = self.length(pos)
            if pos + size > len(data):
                raise IndexError
            self.module.datas.append(DataSegment(mode, data[pos:pos + size], memory, offset))
            pos += size
        return pos

    # -- instructions ---------------------------------------------------

    def block_type(self, pos: int) -> tuple[BlockType, int]:
        b = self.data[pos]
        if b == 0x40:
            return _EMPTY_BLOCKTYPE, pos + 1
        bt = _VALUE_BLOCKTYPES.get(b)
        if bt is not None:
            return bt, pos + 1
        if b & 0xC0 == 0x40:  # a negative one-byte s33: some other value type
            vt, p = self.valtype(pos)
            return BlockType((), (vt,)), p
        index, p = read_signed(self.data, pos, 33)
        if index < 0:
            raise DecodeError("malformed value type", pos)
        bt = self.blocktypes.get(index)
        if bt is None:
            types = self.module.types
            if index < len(types):
                ft = types[index]
                bt = BlockType(ft.params, ft.results, index)
            else:
                bt = BlockType((), (), index)  # the validator reports "unknown type"
            self.blocktypes[index] = bt
        return bt, p

    def memarg(self, pos: int) -> tuple[MemArg, int]:
        data = self.data
        flags_pos = pos
        flags = data[pos]
        if flags < 0x80:
            pos += 1
        else:
            flags, pos = read_unsigned(data, pos, 32)
        memory = 0
        if flags >= 64:
            if flags >= 128:
                raise DecodeError("malformed memop flags", flags_pos)
            flags -= 64
            memory, pos = self.u32(pos)
        offset = data[pos]
        if offset < 0x80:
            pos += 1
        else:
            offset, pos = read_unsigned(data, pos, 64)
        key = (offset << 40) | (memory << 8) | flags
        ma = self.memargs.get(key)
        if ma is None:
            ma = self.memargs[key] = MemArg(flags, offset, memory)
        return ma, pos

    def read_expr(self, pos: int) -> tuple[list[Instr], int]:
        """Decode instructions up to and including the `end` that closes the
        expression.  Returns (instrs, position after that end)."""
        data = self.data
        kinds = _KIND_BY_BYTE
        ops = OPS_BY_BYTE
        new = tuple.__new__
        instrs: list[Instr] = []
        append = instrs.append
        ctrl: list[int] = []  # one marker per open block
        while True:
            start = pos
            b = data[pos]
            pos += 1
            k = kinds[b]
            if k == K_NONE:
                append(new(Instr, (ops[b], None, start)))
            elif k == K_INDEX:
                v = data[pos]
                if v < 0x80:
                    pos += 1
                else:
                    v, pos = read_unsigned(data, pos, 32)
                append(new(Instr, (ops[b], v, start)))
            elif k == K_MEMARG:
                ma, pos = self.memarg(pos)
                append(new(Instr, (ops[b], ma, start)))
            elif k == K_I32:
                v = data[pos]
                if v < 0x40:
                    pos += 1
                elif v < 0x80:
                    v -= 0x80
                    pos += 1
                else:
                    v, pos = read_signed(data, pos, 32)
                append(new(Instr, (ops[b], v, start)))
            elif k == K_END:
                append(new(Instr, (_OP_END, None, start)))
                if not ctrl:
                    return instrs, pos
                ctrl.pop()
            elif k == K_BLOCK:
                bt, pos = self.block_type(pos)
                append(new(Instr, (ops[b], bt, start)))
                ctrl.append(_CTRL_IF if b == 0x04 else _CTRL_BLOCK)
            elif k == K_I64:
                v = data[pos]
                if v < 0x40:
                    pos += 1
                elif v < 0x80:
                    v -= 0x80
                    pos += 1
                else:
                    v, pos = read_signed(data, pos, 64)
                append(new(Instr, (ops[b], v, start)))
            elif k == K_F32:
                if pos + 4 > len(data):
                    raise IndexError
                append(new(Instr, (ops[b], int.from_bytes(data[pos:pos + 4], "little"), start)))
                pos += 4
            elif k == K_F64:
                if pos + 8 > len(data):
                    raise IndexError
                append(new(Instr, (ops[b], int.from_bytes(data[pos:pos + 8], "little"), start)))
                pos += 8
            elif k == K_ELSE:
                if not ctrl or ctrl[-1] != _CTRL_IF:
                    raise DecodeError("END opcode expected", start)
                ctrl[-1] = _CTRL_BLOCK
                append(new(Instr, (ops[b], None, start)))
            elif k == K_BR_TABLE:
                n, pos = self.length(pos)
                labels = []
                for _ in range(n):
                    v = data[pos]
                    if v < 0x80:
                        pos += 1
                    else:
                        v, pos = read_unsigned(data, pos, 32)
                    labels.append(v)
                default, pos = self.u32(pos)
                append(new(Instr, (ops[b], (tuple(labels), default), start)))
            elif k == K_CALL_INDIRECT:
                type_index, pos = self.u32(pos)
                table, pos = self.u32(pos)
                append(new(Instr, (ops[b], (type_index, table), start)))
            elif k == K_SELECT_T:
                types, pos = self.result_types(pos)
                append(new(Instr, (ops[b], types, start)))
            elif k == K_HEAPTYPE:  # ref.null
                heap, pos = self.heaptype(pos)
                append(new(Instr, (ops[b], self.ref_of(True, heap), start)))
            elif k == K_PREFIX:
                pos = self.prefixed(b, start, pos, append)
            elif k == K_OTHER:
                pos = self.out_of_scope(b, start, pos, append, ctrl)
            else:
                raise DecodeError(f"illegal opcode {b:02x}", start)

    def prefixed(self, prefix: int, start: int, pos: int, append) -> int:
        sub, pos = read_unsigned(self.data, pos, 32)
        op = OPS_BY_PREFIX[prefix].get(sub)
        if op is None:
            raise DecodeError(f"illegal opcode {prefix:02x} {sub:02x}", start)
        if op.feature is not None:
            self.note_unsupported(op.feature, start)
        elif op in _OPS_USING_DATA and self.first_data_use is None:
            self.first_data_use = start
        imm, pos = self.immediate(op.imm, pos)
        append(tuple.__new__(Instr, (op, imm, start)))
        return pos

    def out_of_scope(self, b: int, start: int, pos: int, append, ctrl: list[int]) -> int:
        """A one-byte operator of an out-of-scope feature (exceptions,
        function references, GC): decode it and keep block structure."""
        op = OPS_BY_BYTE[b]
        self.note_unsupported(op.feature, start, validated=op in _VALIDATED_OPS)
        name = op.name
        if name == "try":
            ctrl.append(_CTRL_TRY)
        elif name == "try_table":
            ctrl.append(_CTRL_BLOCK)
        elif name in ("catch", "catch_all"):
            if not ctrl or ctrl[-1] != _CTRL_TRY:
                raise DecodeError("END opcode expected", start)
        elif name == "delegate":
            if not ctrl or ctrl[-1] != _CTRL_TRY:
                raise DecodeError("END opcode expected", start)
            ctrl.pop()  # delegate closes the try
        imm, pos = self.immediate(op.imm, pos)
        append(tuple.__new__(Instr, (op, imm, start)))
        return pos

    def immediate(self, kind: str, pos: int) -> tuple[object, int]:
        """Generic immediate decoding (prefixed and out-of-scope operators)."""
        data = self.data
        if kind == Imm.NONE:
            return None, pos
        if kind in (Imm.LABEL, Imm.FUNC, Imm.TYPE, Imm.LOCAL, Imm.GLOBAL, Imm.TABLE,
                    Imm.MEMORY, Imm.DATA, Imm.ELEM, Imm.TAG):
            return self.u32(pos)
        if kind == Imm.TWO_INDICES:
            a, pos = self.u32(pos)
            b, pos = self.u32(pos)
            return (a, b), pos
        if kind == Imm.MEMARG:
            return self.memarg(pos)
        if kind == Imm.BLOCKTYPE:
            return self.block_type(pos)
        if kind == Imm.HEAPTYPE:
            return self.heaptype(pos)
        if kind == Imm.ZERO_BYTE:
            if data[pos] != 0:
                raise DecodeError("zero byte expected", pos)
            return None, pos + 1
        if kind == Imm.V128 or kind == Imm.SHUFFLE:
            if pos + 16 > len(data):
                raise IndexError
            return data[pos:pos + 16], pos + 16
        if kind == Imm.LANE:
            return data[pos], pos + 1
        if kind == Imm.MEMARG_LANE:
            ma, pos = self.memarg(pos)
            return (ma, data[pos]), pos + 1
        if kind == Imm.TYPE_FIELD or kind == Imm.TYPE_COUNT:
            a, pos = self.u32(pos)
            b, pos = self.u32(pos)
            return (a, b), pos
        if kind == Imm.BR_ON_CAST:
            flags = data[pos]
            label, pos = self.u32(pos + 1)
            ht1, pos = self.heaptype(pos)
            ht2, pos = self.heaptype(pos)
            return (flags, label, ht1, ht2), pos
        if kind == Imm.TRY_TABLE:
            bt, pos = self.block_type(pos)
            n, pos = self.length(pos)
            catches = []
            for _ in range(n):
                catch_kind = data[pos]
                pos += 1
                tag = None
                if catch_kind in (0, 1):
                    tag, pos = self.u32(pos)
                elif catch_kind not in (2, 3):
                    raise DecodeError("malformed catch clause", pos - 1)
                label, pos = self.u32(pos)
                catches.append((catch_kind, tag, label))
            return (bt, tuple(catches)), pos
        raise AssertionError(kind)
