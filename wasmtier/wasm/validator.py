"""The validator: `validate_module(module)` raises ValidationError or returns.

Design
------
Module-level rules (index spaces, limits, constant expressions, segments,
start, exports) are checked first, in the reference interpreter's order, then
every function body with the spec appendix's validation algorithm:

    value stack   vals:  [ValType int | UNKNOWN, ...]
    control stack ctrls: [Frame, ...], innermost last

    Frame = [kind, start_types, end_types, height, unreachable, label_types,
             inits_height]
             kind: BLOCK | LOOP | IF | ELSE; height = len(vals) at entry;
             label_types = start_types for a loop, else end_types;
             inits_height = len(inits) at entry (see below)

After an unconditional branch the frame is marked unreachable and the stack
is cut to its height; popping below the height then yields UNKNOWN, the
polymorphic bottom type that matches anything.  The loop is iterative, so
nesting depth costs no Python recursion.

Types are plain ints (the ValType encodings) inside the hot loop; UNKNOWN
is 0.  Operators with a static signature in the opcode table (numeric,
compare, conversion, const, load, store) share one fast pop/push path;
the others dispatch on a small per-op category number.

Scope: MVP, mutable globals, sign extension, saturating truncation,
multi-value, bulk memory, reference types, tail calls, extended constant
expressions, multi-memory.  A constant `global.get` of a *defined* global
(allowed since Wasm 3.0 together with GC) raises UnsupportedFeature("gc").

Also checked, though out of scope (the reader marks such a module with
`Module.unsupported`, raised here once the module validated): typed function
references and exception tags.  Typed references `(ref null? ht)` other than
funcref/externref are ints >= _TYPED (`_TYPED | heap << 1 | nullable`; heap
0 = bottom, 1 = func, 2 = extern, 3 + t = canonical type index t), with the
subtyping (ref $t) <: (ref null $t) <: funcref; concrete types are
canonicalized so that equivalent type definitions give one code.  Locals of
non-nullable type start uninitialized: `uninit` holds those not yet set,
`inits` the ones set since, unwound to the frame's inits_height at `else`
and `end`.  Only references have subtypes, so type checks compare ints and
call `_subtype` only on a mismatch.

Error reasons are the reference interpreter's ("type mismatch", "unknown
local 3", ...), at the byte offset of the offending operator where there is
one.
"""

from __future__ import annotations

from .errors import UnsupportedFeature, ValidationError
from .opcodes import OPS, OPS_BY_NAME
from .types import Module, RefType, ValType

__all__ = ["validate_module", "MAX_PAGES"]

#: Pages of 64 KiB addressable by a 32-bit memory.
MAX_PAGES = 65536

UNKNOWN = 0
I32, I64, F32, F64 = int(ValType.I32), int(ValType.I64), int(ValType.F32), int(ValType.F64)
V128 = int(ValType.V128)
FUNCREF, EXTERNREF = int(ValType.FUNCREF), int(ValType.EXTERNREF)
_NUMERIC = frozenset((I32, I64, F32, F64, V128, UNKNOWN))
# Typed references (function-references), see the module docstring.
_TYPED = 0x100
BOT_REF = _TYPED  # (ref bot): a reference popped from an unreachable stack
_HEAP_CODES = {"func": 1, "extern": 2}
_NON_NULL = {FUNCREF: _TYPED | 1 << 1, EXTERNREF: _TYPED | 2 << 1}

# Frame fields and kinds.
KIND, START, END, HEIGHT, UNREACHABLE, LABEL, INITS = range(7)
BLOCK, LOOP, IF, ELSE = range(4)

_TYPE_MISMATCH = "type mismatch"

# Per-operator validation categories (index: OpInfo.id).
(C_STATIC, C_MEMORY_ACCESS, C_LOCAL_GET, C_LOCAL_SET, C_LOCAL_TEE, C_GLOBAL_GET,
 C_GLOBAL_SET, C_BR_IF, C_CALL, C_BLOCK, C_LOOP, C_IF, C_END, C_BR, C_ELSE,
 C_DROP, C_SELECT, C_SELECT_T, C_BR_TABLE, C_RETURN, C_UNREACHABLE, C_NOP,
 C_CALL_INDIRECT, C_RETURN_CALL, C_RETURN_CALL_INDIRECT, C_MEMORY_SIZE,
 C_MEMORY_GROW, C_MEMORY_FILL, C_MEMORY_COPY, C_MEMORY_INIT, C_DATA_DROP,
 C_REF_NULL, C_REF_IS_NULL, C_REF_FUNC, C_TABLE_GET, C_TABLE_SET,
 C_TABLE_SIZE, C_TABLE_GROW, C_TABLE_FILL, C_TABLE_COPY, C_TABLE_INIT,
 C_ELEM_DROP, C_REF_AS_NON_NULL, C_BR_ON_NULL, C_BR_ON_NON_NULL, C_CALL_REF,
 C_RETURN_CALL_REF, C_UNSUPPORTED) = range(48)

_CATEGORY_BY_NAME = {
    "local.get": C_LOCAL_GET, "local.set": C_LOCAL_SET, "local.tee": C_LOCAL_TEE,
    "global.get": C_GLOBAL_GET, "global.set": C_GLOBAL_SET, "br_if": C_BR_IF,
    "call": C_CALL, "block": C_BLOCK, "loop": C_LOOP, "if": C_IF, "end": C_END,
    "br": C_BR, "else": C_ELSE, "drop": C_DROP, "br_table": C_BR_TABLE,
    "return": C_RETURN, "unreachable": C_UNREACHABLE, "nop": C_NOP,
    "call_indirect": C_CALL_INDIRECT, "return_call": C_RETURN_CALL,
    "return_call_indirect": C_RETURN_CALL_INDIRECT,
    "memory.size": C_MEMORY_SIZE, "memory.grow": C_MEMORY_GROW,
    "memory.fill": C_MEMORY_FILL, "memory.copy": C_MEMORY_COPY,
    "memory.init": C_MEMORY_INIT, "data.drop": C_DATA_DROP,
    "ref.null": C_REF_NULL, "ref.is_null": C_REF_IS_NULL, "ref.func": C_REF_FUNC,
    "table.get": C_TABLE_GET, "table.set": C_TABLE_SET, "table.size": C_TABLE_SIZE,
    "table.grow": C_TABLE_GROW, "table.fill": C_TABLE_FILL,
    "table.copy": C_TABLE_COPY, "table.init": C_TABLE_INIT, "elem.drop": C_ELEM_DROP,
}
# Out-of-scope operators that are validated all the same (function-references).
_VALIDATED_CATEGORY_BY_NAME = {
    "ref.as_non_null": C_REF_AS_NON_NULL, "br_on_null": C_BR_ON_NULL,
    "br_on_non_null": C_BR_ON_NON_NULL, "call_ref": C_CALL_REF,
    "return_call_ref": C_RETURN_CALL_REF,
}


def _category(op) -> int:
    if op.feature is not None:
        return _VALIDATED_CATEGORY_BY_NAME.get(op.name, C_UNSUPPORTED)
    if op.name == "select":
        return C_SELECT if op.imm == "none" else C_SELECT_T
    if op.mem_bytes:
        return C_MEMORY_ACCESS
    if op.params is not None:
        return C_STATIC
    return _CATEGORY_BY_NAME[op.name]


_CATEGORY = [_category(op) for op in OPS]
# Static signatures as plain-int tuples, indexed by OpInfo.id.
_PARAMS = [tuple(map(int, op.params)) if op.params is not None else None for op in OPS]
_RESULTS = [tuple(map(int, op.results)) if op.results is not None else None for op in OPS]
_NATURAL_ALIGN = [op.natural_align if op.mem_bytes else 0 for op in OPS]

# Operators allowed in constant expressions (extended-const included).
_CONST_OPS = frozenset(OPS_BY_NAME[n] for n in (
    "i32.const", "i64.const", "f32.const", "f64.const", "ref.null", "ref.func",
    "global.get", "i32.add", "i32.sub", "i32.mul", "i64.add", "i64.sub", "i64.mul"))
_OP_GLOBAL_GET = OPS_BY_NAME["global.get"]
_OP_REF_FUNC = OPS_BY_NAME["ref.func"]
_OP_REF_NULL = OPS_BY_NAME["ref.null"]


def _is_ref(t: int) -> bool:
    return t == FUNCREF or t == EXTERNREF or t >= _TYPED


def _heap_nullable(t: int) -> tuple[int, int]:
    if t == FUNCREF:
        return 1, 1
    if t == EXTERNREF:
        return 2, 1
    return (t - _TYPED) >> 1, t & 1


def _subtype(a: int, e: int) -> bool:
    """a <: e, for two different known types: only references have subtypes
    (ref bot <: ref ht <: ref null ht; ref $t <: ref func)."""
    if not (_is_ref(a) and _is_ref(e)):
        return False
    ha, na = _heap_nullable(a)
    he, ne = _heap_nullable(e)
    if na > ne:
        return False
    return ha == he or ha == 0 or (he == 1 and ha >= 3)


def _matches(a: int, e: int) -> bool:
    """a <: e, UNKNOWN matching anything."""
    return a == e or not a or not e or _subtype(a, e)


def _all_match(actual: tuple, expected: tuple) -> bool:
    return (actual == expected
            or (len(actual) == len(expected) and all(map(_matches, actual, expected))))


class _Context:
    """The spec's context C, with types as plain ints."""

    def __init__(self, module: Module):
        self.module = module
        section = module.section_offsets.get
        # Typed references only occur in modules marked unsupported.
        self.typed = module.unsupported is not None
        self.canon = self._canonical_types(module, section(1))
        self.types = [(self.codes(ft.params, section(1)), self.codes(ft.results, section(1)))
                      for ft in module.types]
        self.func_type_indices = module.func_type_indices()
        self.num_imported_funcs = module.num_imported_funcs
        self.tables = [self.code(tt.elem, section(4)) for tt in module.table_types()]
        self.num_mems = len(module.mem_types())
        gts = module.global_types()
        self.globals = [self.code(gt.valtype, section(6)) for gt in gts]
        self.global_mutable = [gt.mutable for gt in gts]
        self.num_imported_globals = module.num_imported_globals
        self.elems = [self.code(seg.elem_type, section(9)) for seg in module.elems]
        # Without a datacount section the reader guarantees no data index
        # is used unless the data section is empty too.
        self.num_datas = (module.data_count if module.data_count is not None
                          else len(module.datas))
        self.refs: set[int] = set()
        self.blocktype_sigs: dict = {}  # BlockType -> (params, results) as ints

    def _canonical_types(self, module: Module, offset) -> list[int]:
        """canon[i]: the first type index whose definition is equivalent to
        type i's (each type is its own recursion group: it may refer to
        earlier types and to itself)."""
        canon: list[int] = []
        if not self.typed:
            return list(range(len(module.types)))
        first: dict = {}
        for i, ft in enumerate(module.types):
            key = []
            for t in ft.params + (None,) + ft.results:
                if type(t) is RefType and type(t.heap) is int:
                    if t.heap > i:
                        raise ValidationError(f"unknown type {t.heap}", offset)
                    t = (t.nullable, "self" if t.heap == i else canon[t.heap])
                key.append(t)
            canon.append(first.setdefault(tuple(key), i))
        return canon

    def code(self, t, offset) -> int:
        """A value type as the validator's int (see the module docstring)."""
        if type(t) is not RefType:
            return int(t)
        heap = t.heap
        if type(heap) is int:
            if heap >= len(self.canon):
                raise ValidationError(f"unknown type {heap}", offset)
            h = 3 + self.canon[heap]
        elif heap in _HEAP_CODES:
            h = _HEAP_CODES[heap]
        else:
            raise UnsupportedFeature("gc", offset)  # the reader stops these
        return _TYPED | h << 1 | t.nullable

    def codes(self, types, offset) -> tuple[int, ...]:
        if not self.typed:
            return tuple(map(int, types))
        return tuple(self.code(t, offset) for t in types)

    def func_ref_type(self, index: int) -> int:
        """The type of ref.func `index` (a valid function index): (ref $t)."""
        return _TYPED | (3 + self.canon[self.func_type_indices[index]]) << 1

    def func_sig(self, index: int, offset) -> tuple[tuple, tuple]:
        if index >= len(self.func_type_indices):
            raise ValidationError(f"unknown function {index}", offset)
        ti = self.func_type_indices[index]
        if ti >= len(self.types):
            raise ValidationError(f"unknown type {ti}", offset)
        return self.types[ti]


def validate_module(module: Module) -> None:
    """Check `module` against the spec's validation rules (in-scope features).
    Raises ValidationError, or UnsupportedFeature for constructs of features
    wasmtier does not implement."""
    c = _Context(module)
    ntypes = len(module.types)
    # Module-level errors are placed at their section (no finer offsets kept).
    section = module.section_offsets.get

    for imp in module.imports:
        if imp.kind == "func":
            if imp.desc >= ntypes:
                raise ValidationError(f"unknown type {imp.desc}", section(2))
        elif imp.kind == "table":
            _check_table_type(imp.desc, section(2))
        elif imp.kind == "memory":
            _check_memory_type(imp.desc, section(2))
        elif imp.kind == "tag":
            _check_tag_type(c, imp.desc, section(2))
    for ti in module.funcs:
        if ti >= ntypes:
            raise ValidationError(f"unknown type {ti}", section(3))
    for tt, code in zip(module.tables, c.tables[len(c.tables) - len(module.tables):]):
        _check_table_type(tt, section(4))
        if code >= _TYPED and not code & 1:  # no initializer: the default is null
            raise ValidationError(_TYPE_MISMATCH, section(4))
    for ti in module.tags:
        _check_tag_type(c, ti, section(13))
    for mt in module.mems:
        _check_memory_type(mt, section(5))

    # Declared function references (C.refs): ref.func anywhere outside
    # function bodies, and exported functions.
    exprs = [g.init for g in module.globals]
    for seg in module.elems:
        exprs.extend(seg.items)
        if seg.offset is not None:
            exprs.append(seg.offset)
    for seg in module.datas:
        if seg.offset is not None:
            exprs.append(seg.offset)
    for expr in exprs:
        for ins in expr:
            if ins.op is _OP_REF_FUNC:
                c.refs.add(ins.imm)
    for exp in module.exports:
        if exp.kind == "func":
            c.refs.add(exp.index)

    # Globals: each initializer sees the imported and earlier globals.
    visible = c.num_imported_globals
    for g in module.globals:
        _check_const_expr(c, g.init, c.code(g.type.valtype, section(6)), visible, section(6))
        visible += 1

    nimported = c.num_imported_funcs
    for i, body in enumerate(module.codes):
        _validate_function(c, nimported + i, body)

    for seg in module.elems:
        et = c.code(seg.elem_type, section(9))
        for item in seg.items:
            _check_const_expr(c, item, et, len(c.globals), section(9))
        if seg.mode == "active":
            where = _expr_offset(seg.offset, section(9))
            if seg.table >= len(c.tables):
                raise ValidationError(f"unknown table {seg.table}", where)
            _check_const_expr(c, seg.offset, I32, len(c.globals), section(9))
            if not _matches(et, c.tables[seg.table]):
                raise ValidationError(_TYPE_MISMATCH, where)

    for seg in module.datas:
        if seg.mode == "active":
            if seg.memory >= c.num_mems:
                raise ValidationError(f"unknown memory {seg.memory}",
                                      _expr_offset(seg.offset, section(11)))
            _check_const_expr(c, seg.offset, I32, len(c.globals), section(11))

    if module.start is not None:
        params, results = c.func_sig(module.start, section(8))
        if params or results:
            raise ValidationError("start function", section(8))

    names = set()
    limits = {"func": len(c.func_type_indices), "table": len(c.tables),
              "memory": c.num_mems, "global": len(c.globals),
              "tag": len(module.imports_of("tag")) + len(module.tags)}
    for exp in module.exports:
        if exp.index >= limits[exp.kind]:
            raise ValidationError(f"unknown {_KIND_NAMES[exp.kind]} {exp.index}", section(7))
        if exp.name in names:
            raise ValidationError("duplicate export name", section(7))
        names.add(exp.name)

    if module.unsupported is not None:  # valid, but out of scope
        raise UnsupportedFeature(*module.unsupported)


_KIND_NAMES = {"func": "function", "table": "table", "memory": "memory", "global": "global",
               "tag": "tag"}


def _expr_offset(expr, fallback=None) -> int | None:
    return expr[0].offset if expr else fallback


def _check_limits(limits, bound: int, message: str, offset) -> None:
    if limits.min > bound:
        raise ValidationError(message, offset)
    if limits.max is not None:
        if limits.max > bound:
            raise ValidationError(message, offset)
        if limits.min > limits.max:
            raise ValidationError("size minimum must not be greater than maximum", offset)


def _check_table_type(tt, offset) -> None:
    _check_limits(tt.limits, 0xFFFF_FFFF, "table size must be at most 2^32-1", offset)


def _check_tag_type(c: _Context, type_index: int, offset) -> None:
    if type_index >= len(c.types):
        raise ValidationError(f"unknown type {type_index}", offset)
    if c.types[type_index][1]:
        raise ValidationError("non-empty tag result type", offset)


def _check_memory_type(mt, offset) -> None:
    _check_limits(mt.limits, MAX_PAGES, "memory size must be at most 65536 pages (4GiB)",
                  offset)


def _check_const_expr(c: _Context, expr, expected: int, visible_globals: int,
                      section_offset) -> None:
    """A constant expression of type `expected`; `visible_globals` globals
    may be read (imported ones, plus earlier ones for global initializers).
    Errors without an instruction are placed at `section_offset`."""
    stack: list[int] = []
    for op, imm, offset in expr:
        if op not in _CONST_OPS:
            raise ValidationError("constant expression required", offset)
        if op is _OP_GLOBAL_GET:
            if imm >= visible_globals:
                raise ValidationError(f"unknown global {imm}", offset)
            if c.global_mutable[imm]:
                raise ValidationError("constant expression required", offset)
            if imm >= c.num_imported_globals:
                raise UnsupportedFeature("gc", offset)  # Wasm 3.0 rule
            stack.append(c.globals[imm])
        elif op is _OP_REF_FUNC:
            if imm >= len(c.func_type_indices):
                raise ValidationError(f"unknown function {imm}", offset)
            stack.append(c.func_ref_type(imm))
        elif op is _OP_REF_NULL:
            stack.append(c.code(imm, offset))
        else:
            for t in reversed(_PARAMS[op.id]):
                if not stack or stack.pop() != t:
                    raise ValidationError(_TYPE_MISMATCH, offset)
            stack.extend(_RESULTS[op.id])
    if len(stack) != 1 or not _matches(stack[0], expected):
        raise ValidationError(_TYPE_MISMATCH, _expr_offset(expr, section_offset))


def _validate_function(c: _Context, func_index: int, body) -> None:
    params, results = c.func_sig(func_index, body.offset)
    local_types = params + c.codes(body.locals, body.offset)
    nlocals = len(local_types)
    # Non-defaultable (non-nullable reference) locals not yet set, and the
    # ones set since (see the module docstring); empty in in-scope code.
    uninit = {i for i in range(len(params), nlocals)
              if local_types[i] >= _TYPED and not local_types[i] & 1}
    inits: list[int] = []
    code = c.code
    types = c.types
    ntypes = len(types)
    globals_ = c.globals
    nglobals = len(globals_)
    tables = c.tables
    ntables = len(tables)
    num_mems = c.num_mems
    category = _CATEGORY
    blocktype_sigs = c.blocktype_sigs
    static_params = _PARAMS
    static_results = _RESULTS

    vals: list[int] = []
    frame = [BLOCK, (), results, 0, False, results, 0]
    ctrls = [frame]

    def mismatch(offset):
        return ValidationError(_TYPE_MISMATCH, offset)

    def pop(expected: int, offset) -> int:
        """Pop one value of type `expected` (UNKNOWN: any)."""
        f = ctrls[-1]
        if len(vals) == f[HEIGHT]:
            if f[UNREACHABLE]:
                return UNKNOWN
            raise mismatch(offset)
        actual = vals.pop()
        if actual != expected and actual and expected and not _subtype(actual, expected):
            raise mismatch(offset)
        return actual

    def pop_types(expected: tuple, offset) -> list[int]:
        popped = [0] * len(expected)
        for i in range(len(expected) - 1, -1, -1):
            popped[i] = pop(expected[i], offset)
        return popped

    def pop_ref(offset) -> int:
        """Pop any reference; -> its non-null variant ((ref bot) if unknown)."""
        t = pop(UNKNOWN, offset)
        if not t:
            return BOT_REF
        if not _is_ref(t):
            raise mismatch(offset)
        return _NON_NULL.get(t, t & ~1)

    def set_local(index: int) -> None:
        uninit.discard(index)
        inits.append(index)

    def reset_inits(height: int) -> None:
        while len(inits) > height:
            uninit.add(inits.pop())

    def label(depth: int, offset) -> list:
        if depth >= len(ctrls):
            raise ValidationError(f"unknown label {depth}", offset)
        return ctrls[-1 - depth]

    def block_sig(bt, offset) -> tuple[tuple, tuple]:
        ti = bt.type_index
        if ti is not None:
            if ti >= ntypes:
                raise ValidationError(f"unknown type {ti}", offset)
            return types[ti]
        sig = blocktype_sigs.get(bt)
        if sig is None:
            sig = blocktype_sigs[bt] = (c.codes(bt.params, offset), c.codes(bt.results, offset))
        return sig

    def check_memory(index: int, offset) -> None:
        if index >= num_mems:
            raise ValidationError(f"unknown memory {index}", offset)

    def check_table(index: int, offset) -> int:
        if index >= ntables:
            raise ValidationError(f"unknown table {index}", offset)
        return tables[index]

    def check_elem(index: int, offset) -> int:
        if index >= len(c.elems):
            raise ValidationError(f"unknown elem segment {index}", offset)
        return c.elems[index]

    def check_data(index: int, offset) -> None:
        if index >= c.num_datas:
            raise ValidationError(f"unknown data segment {index}", offset)

    def tail_call(callee_results: tuple, offset) -> None:
        """After a return_call*'s operands are popped: its results must be
        the function's, and the rest of the block is unreachable."""
        if not _all_match(callee_results, results):
            raise mismatch(offset)
        f = ctrls[-1]
        del vals[f[HEIGHT]:]
        f[UNREACHABLE] = True

    for op, imm, offset in body.instrs:
        cat = category[op.id]
        if cat <= C_MEMORY_ACCESS:
            if cat == C_MEMORY_ACCESS:
                if imm.align > _NATURAL_ALIGN[op.id]:
                    raise ValidationError("alignment must not be larger than natural", offset)
                if imm.memory >= num_mems:
                    raise ValidationError(f"unknown memory {imm.memory}", offset)
                if imm.offset > 0xFFFF_FFFF:
                    raise ValidationError("offset out of range", offset)
            ps = static_params[op.id]
            n = len(ps)
            if len(vals) - frame[HEIGHT] >= n:
                if n == 2:
                    b = vals.pop()
                    a = vals.pop()
                    if (a != ps[0] and a) or (b != ps[1] and b):
                        raise mismatch(offset)
                elif n == 1:
                    a = vals.pop()
                    if a != ps[0] and a:
                        raise mismatch(offset)
                else:
                    for t in reversed(ps):
                        a = vals.pop()
                        if a != t and a:
                            raise mismatch(offset)
            else:
                pop_types(ps, offset)
            vals.extend(static_results[op.id])
        elif cat == C_LOCAL_GET:
            if imm >= nlocals:
                raise ValidationError(f"unknown local {imm}", offset)
            if uninit and imm in uninit:
                raise ValidationError(f"uninitialized local {imm}", offset)
            vals.append(local_types[imm])
        elif cat == C_LOCAL_SET:
            if imm >= nlocals:
                raise ValidationError(f"unknown local {imm}", offset)
            t = local_types[imm]
            if len(vals) > frame[HEIGHT]:
                a = vals.pop()
                if a != t and a and not _subtype(a, t):
                    raise mismatch(offset)
            else:
                pop(t, offset)
            if uninit and imm in uninit:
                set_local(imm)
        elif cat == C_LOCAL_TEE:
            if imm >= nlocals:
                raise ValidationError(f"unknown local {imm}", offset)
            t = local_types[imm]
            pop(t, offset)
            vals.append(t)
            if uninit and imm in uninit:
                set_local(imm)
        elif cat == C_GLOBAL_GET:
            if imm >= nglobals:
                raise ValidationError(f"unknown global {imm}", offset)
            vals.append(globals_[imm])
        elif cat == C_GLOBAL_SET:
            if imm >= nglobals:
                raise ValidationError(f"unknown global {imm}", offset)
            if not c.global_mutable[imm]:
                raise ValidationError("immutable global", offset)
            pop(globals_[imm], offset)
        elif cat == C_BR_IF:
            target = label(imm, offset)
            pop(I32, offset)
            lt = target[LABEL]
            pop_types(lt, offset)
            vals.extend(lt)  # Wasm 3.0: the label's types, not the popped ones
        elif cat == C_CALL:
            ps, rs = c.func_sig(imm, offset)
            pop_types(ps, offset)
            vals.extend(rs)
        elif cat == C_END:
            ends = frame[END]
            pop_types(ends, offset)
            if len(vals) != frame[HEIGHT]:
                raise mismatch(offset)
            if frame[KIND] == IF and not _all_match(frame[START], ends):
                raise mismatch(offset)  # the missing else must produce `ends`
            if len(inits) > frame[INITS]:
                reset_inits(frame[INITS])
            ctrls.pop()
            vals.extend(ends)
            if ctrls:
                frame = ctrls[-1]
        elif cat == C_BLOCK or cat == C_LOOP or cat == C_IF:
            ps, rs = block_sig(imm, offset)
            if cat == C_IF:
                pop(I32, offset)
            pop_types(ps, offset)
            kind = BLOCK if cat == C_BLOCK else (LOOP if cat == C_LOOP else IF)
            frame = [kind, ps, rs, len(vals), False, ps if kind == LOOP else rs, len(inits)]
            ctrls.append(frame)
            vals.extend(ps)
        elif cat == C_BR:
            pop_types(label(imm, offset)[LABEL], offset)
            del vals[frame[HEIGHT]:]
            frame[UNREACHABLE] = True
        elif cat == C_ELSE:
            if frame[KIND] != IF:
                raise mismatch(offset)
            pop_types(frame[END], offset)
            if len(vals) != frame[HEIGHT]:
                raise mismatch(offset)
            frame[KIND] = ELSE
            frame[UNREACHABLE] = False
            if len(inits) > frame[INITS]:
                reset_inits(frame[INITS])
            vals.extend(frame[START])
        elif cat == C_DROP:
            pop(UNKNOWN, offset)
        elif cat == C_SELECT:
            pop(I32, offset)
            t1 = pop(UNKNOWN, offset)
            t2 = pop(UNKNOWN, offset)
            if t1 not in _NUMERIC or t2 not in _NUMERIC:
                raise mismatch(offset)
            if t1 != t2 and t1 and t2:
                raise mismatch(offset)
            vals.append(t1 or t2)
        elif cat == C_SELECT_T:
            if len(imm) != 1:
                raise ValidationError("invalid result arity", offset)
            t = code(imm[0], offset)
            pop(I32, offset)
            pop(t, offset)
            pop(t, offset)
            vals.append(t)
        elif cat == C_BR_TABLE:
            labels, default = imm
            pop(I32, offset)
            arity = len(label(default, offset)[LABEL])
            for depth in labels:
                lt = label(depth, offset)[LABEL]
                if len(lt) != arity:
                    raise mismatch(offset)
                vals.extend(pop_types(lt, offset))
            pop_types(label(default, offset)[LABEL], offset)
            del vals[frame[HEIGHT]:]
            frame[UNREACHABLE] = True
        elif cat == C_RETURN:
            pop_types(results, offset)
            del vals[frame[HEIGHT]:]
            frame[UNREACHABLE] = True
        elif cat == C_UNREACHABLE:
            del vals[frame[HEIGHT]:]
            frame[UNREACHABLE] = True
        elif cat == C_NOP:
            pass
        elif cat == C_CALL_INDIRECT or cat == C_RETURN_CALL_INDIRECT:
            type_index, table = imm
            if not _matches(check_table(table, offset), FUNCREF):
                raise mismatch(offset)
            if type_index >= ntypes:
                raise ValidationError(f"unknown type {type_index}", offset)
            ps, rs = types[type_index]
            pop(I32, offset)
            pop_types(ps, offset)
            if cat == C_CALL_INDIRECT:
                vals.extend(rs)
            else:
                tail_call(rs, offset)
        elif cat == C_RETURN_CALL:
            ps, rs = c.func_sig(imm, offset)
            pop_types(ps, offset)
            tail_call(rs, offset)
        elif cat == C_MEMORY_SIZE:
            check_memory(imm, offset)
            vals.append(I32)
        elif cat == C_MEMORY_GROW:
            check_memory(imm, offset)
            pop(I32, offset)
            vals.append(I32)
        elif cat == C_MEMORY_FILL:
            check_memory(imm, offset)
            pop_types((I32, I32, I32), offset)
        elif cat == C_MEMORY_COPY:
            check_memory(imm[0], offset)
            check_memory(imm[1], offset)
            pop_types((I32, I32, I32), offset)
        elif cat == C_MEMORY_INIT:
            check_memory(imm[1], offset)
            check_data(imm[0], offset)
            pop_types((I32, I32, I32), offset)
        elif cat == C_DATA_DROP:
            check_data(imm, offset)
        elif cat == C_REF_NULL:
            vals.append(code(imm, offset))
        elif cat == C_REF_IS_NULL:
            pop_ref(offset)
            vals.append(I32)
        elif cat == C_REF_FUNC:
            c.func_sig(imm, offset)
            if imm not in c.refs:
                raise ValidationError("undeclared function reference", offset)
            vals.append(c.func_ref_type(imm))
        elif cat == C_TABLE_GET:
            t = check_table(imm, offset)
            pop(I32, offset)
            vals.append(t)
        elif cat == C_TABLE_SET:
            t = check_table(imm, offset)
            pop_types((I32, t), offset)
        elif cat == C_TABLE_SIZE:
            check_table(imm, offset)
            vals.append(I32)
        elif cat == C_TABLE_GROW:
            t = check_table(imm, offset)
            pop_types((t, I32), offset)
            vals.append(I32)
        elif cat == C_TABLE_FILL:
            t = check_table(imm, offset)
            pop_types((I32, t, I32), offset)
        elif cat == C_TABLE_COPY:
            dst = check_table(imm[0], offset)
            src = check_table(imm[1], offset)
            if not _matches(src, dst):
                raise mismatch(offset)
            pop_types((I32, I32, I32), offset)
        elif cat == C_TABLE_INIT:
            elem, table = imm
            t = check_table(table, offset)
            if not _matches(check_elem(elem, offset), t):
                raise mismatch(offset)
            pop_types((I32, I32, I32), offset)
        elif cat == C_ELEM_DROP:
            check_elem(imm, offset)
        elif cat == C_REF_AS_NON_NULL:
            vals.append(pop_ref(offset))
        elif cat == C_BR_ON_NULL:
            t = pop_ref(offset)
            lt = label(imm, offset)[LABEL]
            pop_types(lt, offset)
            vals.extend(lt)
            vals.append(t)
        elif cat == C_BR_ON_NON_NULL:
            t = pop_ref(offset)
            lt = label(imm, offset)[LABEL]
            if not lt or not _matches(t, lt[-1]):
                raise mismatch(offset)
            pop_types(lt[:-1], offset)
            vals.extend(lt[:-1])
        elif cat == C_CALL_REF or cat == C_RETURN_CALL_REF:
            if imm >= ntypes:
                raise ValidationError(f"unknown type {imm}", offset)
            ps, rs = types[imm]
            pop(_TYPED | (3 + c.canon[imm]) << 1 | 1, offset)  # (ref null $imm)
            pop_types(ps, offset)
            if cat == C_CALL_REF:
                vals.extend(rs)
            else:
                tail_call(rs, offset)
        else:  # the reader rejects out-of-scope operators before we get here
            raise UnsupportedFeature(op.feature or op.name, offset)

    if ctrls:  # the reader guarantees the final `end`; keep the invariant honest
        raise ValidationError(_TYPE_MISMATCH, body.end_offset)

