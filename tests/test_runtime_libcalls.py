"""The libcalls of `wasmtier.runtime.libcalls`, against exact expectations and
against the interpreter.

Every case instantiates one module twice in one store: the *libcall* side
runs each step by calling the helper from `LIBCALLS` on its runtime
instance, the *interp* side runs the same step through an exported wasm
function that executes that one operator on tier 0.  After every step the
two sides must agree on the outcome (result or trap code) and on the whole
observable state (every memory's pages and bytes, every table's elements,
every segment's remaining length), and the outcome must be the one the case
names.  A trapping step must leave the libcall side's state unchanged.  Some
cases also check exact memory/table contents at the end.

i32 operands reach the libcall with garbage in their upper 32 bits (the
slot convention leaves them arbitrary) and the interpreter as signed i32s.
Reference operands are given as `R(k)`: element k of a "refs" table of the
right type, read raw on the libcall side and with `table.get` in wasm.
Funcrefs are compared by (defining module, function index), since the two
instances have distinct VMFuncRefs; externrefs by the host object.
"""

from __future__ import annotations

import functools
import inspect
from typing import Callable, NamedTuple

import pytest

import wasmtier
from wasmtier.runtime.libcalls import LIBCALL_INDEX, LIBCALLS, Libcall
from wasmtier.runtime.memory import PAGE_SIZE, read_u64
from wasmtier.runtime.trap import TRAP_MESSAGES, Trap, TrapCode

MOOB = TrapCode.MEMORY_OUT_OF_BOUNDS
TOOB = TrapCode.TABLE_OUT_OF_BOUNDS
U32 = 0xFFFFFFFF
HIGH = 0xDEADBEEF << 32  # garbage in the upper half of an i32 slot
END = PAGE_SIZE  # one page


class R(NamedTuple):
    """A reference operand: element k of the refs table of the operand's type."""
    k: int


class T(NamedTuple):
    """An expected trap."""
    code: TrapCode


class Case(NamedTuple):
    name: str
    steps: list  # (op, immediates, operands, expected outcome)
    check: Callable | None = None  # check(state) -> bool, on the final libcall-side state
    limits: dict | None = None  # Store.set_limits(**limits)


# -- the table itself ----------------------------------------------------------------


def test_table_is_the_single_source_of_truth():
    expected = [
        ("memory.grow", 2, True), ("memory.fill", 4, False), ("memory.copy", 5, False),
        ("memory.init", 5, False), ("data.drop", 1, False), ("table.get", 2, True),
        ("table.set", 3, False), ("table.size", 1, True), ("table.grow", 3, True),
        ("table.fill", 4, False), ("table.copy", 5, False), ("table.init", 5, False),
        ("elem.drop", 1, False),
    ]
    assert [(lc.name, lc.n_args, lc.has_result) for lc in LIBCALLS] == expected
    assert all(isinstance(lc, Libcall) for lc in LIBCALLS)
    assert LIBCALL_INDEX == {name: i for i, (name, _, _) in enumerate(expected)}
    for lc in LIBCALLS:
        # fn(inst, *args): n_args counts everything after the instance.
        assert len(inspect.signature(lc.fn).parameters) == lc.n_args + 1, lc.name


# -- modules ----------------------------------------------------------------------------

MEM_PROVIDER = '(module (memory (export "mem") 1 4))'

D0 = bytes(range(0x10, 0x20))  # passive data 0 (16 bytes)
D3 = b"xyz"  # passive data 3


def _wat_bytes(data: bytes) -> str:
    return "".join(f"\\{b:02x}" for b in data)


def _mem_helpers() -> str:
    out = []
    p3 = "(param i32 i32 i32)"
    args3 = "(local.get 0) (local.get 1) (local.get 2)"
    for m in range(3):
        out.append(f'(func (export "memory.grow {m}") (param i32) (result i32) '
                   f'(memory.grow {m} (local.get 0)))')
        out.append(f'(func (export "memory.fill {m}") {p3} (memory.fill {m} {args3}))')
        for s in range(3):
            out.append(f'(func (export "memory.copy {m} {s}") {p3} (memory.copy {m} {s} {args3}))')
        for d in range(4):
            out.append(f'(func (export "memory.init {m} {d}") {p3} (memory.init {m} {d} {args3}))')
    for d in range(4):
        out.append(f'(func (export "data.drop {d}") (data.drop {d}))')
    return "\n  ".join(out)


MEM_WAT = f"""
(module
  (import "env" "mem" (memory 1 4))        ;; memory 0: imported
  (memory 1 2)                              ;; memory 1
  (memory 0 1)                              ;; memory 2: empty
  (data "{_wat_bytes(D0)}")                 ;; data 0: passive
  (data "")                                 ;; data 1: passive, empty
  (data (memory 1) (i32.const 8) "act")     ;; data 2: active (dropped at instantiation)
  (data "{_wat_bytes(D3)}")                 ;; data 3: passive
  {_mem_helpers()}
)
"""

TAB_PROVIDER = """
(module
  (func $p0) (func $p1)
  (table (export "tab") 3 10 funcref)
  (elem (i32.const 0) func $p0 $p1))
"""

# Table index space of TAB_WAT: the tested tables, then refs and out tables.
TAB_ELEM = {0: "funcref", 1: "funcref", 2: "externref"}
REFS = {"funcref": 3, "externref": 4}
OUT = {"funcref": 5, "externref": 6}
# Element segments and their types.
ELEM_TYPE = {0: "funcref", 1: "funcref", 2: "funcref", 3: "externref", 4: "funcref"}
XOBJS = ["xa", "xb", "xc"]  # externrefs placed at xrefs[1..3]


def _tab_helpers() -> str:
    out = []
    for t, ty in TAB_ELEM.items():
        refs, res = REFS[ty], OUT[ty]
        ref0 = f"(table.get {refs} (local.get 0))"
        ref1 = f"(table.get {refs} (local.get 1))"
        out += [
            f'(func (export "table.get {t}") (param i32) '
            f'(table.set {res} (i32.const 0) (table.get {t} (local.get 0))))',
            f'(func (export "table.set {t}") (param i32 i32) (table.set {t} (local.get 0) {ref1}))',
            f'(func (export "table.size {t}") (result i32) (table.size {t}))',
            f'(func (export "table.grow {t}") (param i32 i32) (result i32) '
            f'(table.grow {t} {ref0} (local.get 1)))',
            f'(func (export "table.fill {t}") (param i32 i32 i32) '
            f'(table.fill {t} (local.get 0) {ref1} (local.get 2)))',
        ]
        for s, sty in TAB_ELEM.items():
            if sty == ty:
                out.append(f'(func (export "table.copy {t} {s}") (param i32 i32 i32) '
                           f'(table.copy {t} {s} (local.get 0) (local.get 1) (local.get 2)))')
        for e, ety in ELEM_TYPE.items():
            if ety == ty:
                out.append(f'(func (export "table.init {t} {e}") (param i32 i32 i32) '
                           f'(table.init {t} {e} (local.get 0) (local.get 1) (local.get 2)))')
    for e in ELEM_TYPE:
        out.append(f'(func (export "elem.drop {e}") (elem.drop {e}))')
    return "\n  ".join(out)


TAB_WAT = f"""
(module
  (import "env" "tab" (table 3 10 funcref))          ;; table 0: imported = [p0 p1 null]
  (table 4 6 funcref)                                 ;; table 1 = [null f2 f1 null]
  (table 3 externref)                                 ;; table 2 = [null null null]
  (table 4 funcref)                                   ;; table 3: refs = [null f0 f1 f2]
  (table (export "xrefs") 4 externref)                ;; table 4: refs = [null xa xb xc]
  (table 1 funcref)                                   ;; table 5: out
  (table 1 externref)                                 ;; table 6: out
  (func $f0) (func $f1) (func $f2)
  (elem (table 3) (i32.const 1) func $f0 $f1 $f2)     ;; elem 0: active
  (elem (table 1) (i32.const 1) func $f2 $f1)         ;; elem 1: active
  (elem funcref (ref.func $f1) (ref.null func) (ref.func $f2) (ref.func $f0))  ;; elem 2
  (elem externref (ref.null extern) (ref.null extern))                          ;; elem 3
  (elem declare func $f0)                             ;; elem 4: declarative
  {_tab_helpers()}
)
"""


@functools.lru_cache(maxsize=None)
def _compiled():
    config = wasmtier.Config()
    config.strategy = "interp"  # the reference side must run on tier 0
    engine = wasmtier.Engine(config)
    mods = {name: wasmtier.Module(engine, text) for name, text in
            [("mem", MEM_WAT), ("mem_provider", MEM_PROVIDER),
             ("tab", TAB_WAT), ("tab_provider", TAB_PROVIDER)]}
    return engine, mods


PAT0 = bytes((i * 7 + 3) & 0xFF for i in range(END))  # memory 0, page 0
PAT1 = bytes((i * 13 + 1) & 0xFF for i in range(END))  # memory 1, page 0


# -- running a step on both sides ---------------------------------------------------------


def _i32(v: int) -> int:
    v &= U32
    return v - (1 << 32) if v >> 31 else v


class Side:
    def __init__(self, pair, api_instance):
        self.pair = pair
        self.api = api_instance
        self.inst = api_instance._inst  # the runtime Instance

    def norm_ref(self, table_type: str, raw: int):
        core = self.pair.store._core
        if raw == 0:
            return None
        if table_type == "externref":
            return core.externrefs.from_id(raw)
        entry = core.entry_of_funcref(raw)
        prefix = "f" if entry.instance.module is self.pair.module._core else "p"
        return f"{prefix}{entry.index}"

    def state(self):
        inst = self.inst
        mems = tuple((m.memory.pages, m.memory.read(0, m.memory.length)) for m in inst.memories)
        tables = tuple(
            tuple(self.norm_ref("externref" if t.table.type.elem.name == "EXTERNREF"
                                else "funcref", x) for x in t.table.elements.tolist())
            for i, t in enumerate(inst.tables) if i not in OUT.values())
        datas = tuple(read_u64(inst.vmctx + inst.offsets.data_segment(i) + 8)
                      for i in range(len(inst.module.datas)))
        elems = tuple(read_u64(inst.vmctx + inst.offsets.elem_segment(i) + 8)
                      for i in range(len(inst.module.elems)))
        return mems, tables, datas, elems


class Pair:
    def __init__(self, kind: str, limits: dict | None = None):
        engine, mods = _compiled()
        self.kind = kind
        self.store = wasmtier.Store(engine)
        if limits:
            self.store.set_limits(**limits)
        self.module = mods[kind]
        provider = mods[f"{kind}_provider"]
        sides = []
        for _ in range(2):
            p = wasmtier.Instance(self.store, provider, [])
            exported = p.exports(self.store)["mem" if kind == "mem" else "tab"]
            sides.append(Side(self, wasmtier.Instance(self.store, self.module, [exported])))
        self.lib, self.interp = sides
        for side in sides:
            if kind == "mem":
                side.inst.memories[0].memory.write(PAT0, 0)
                side.inst.memories[1].memory.write(PAT1, 0)
            else:
                xrefs = side.api.exports(self.store)["xrefs"]
                for k, obj in enumerate(XOBJS, 1):
                    xrefs.set(self.store, k, obj)

    def _ref_type(self, op: str, imms: tuple) -> str:
        return TAB_ELEM[imms[0]]

    def run_lib(self, op: str, imms: tuple, operands: tuple):
        lc = LIBCALLS[LIBCALL_INDEX[op]]
        args = []
        for v in operands:
            if isinstance(v, R):
                refs = self.lib.inst.tables[REFS[self._ref_type(op, imms)]].table
                args.append(refs.get(v.k))
            else:
                args.append((v & U32) | HIGH)
        assert len(imms) + len(args) == lc.n_args
        try:
            result = lc.fn(self.lib.inst, *imms, *args)
        except Trap as trap:
            assert trap.message == TRAP_MESSAGES[trap.trap_code]
            return T(trap.trap_code)
        assert type(result) is int
        if not lc.has_result:
            assert result == 0
            return None
        if op == "table.get":
            return self.lib.norm_ref(self._ref_type(op, imms), result)
        return result

    def run_interp(self, op: str, imms: tuple, operands: tuple):
        func = self.interp.api.exports(self.store)[" ".join(map(str, (op, *imms)))]
        args = [v.k if isinstance(v, R) else _i32(v) for v in operands]
        try:
            result = func(self.store, *args)
        except Trap as trap:
            return T(trap.trap_code)
        if op == "table.get":
            ty = self._ref_type(op, imms)
            return self.interp.norm_ref(ty, self.interp.inst.tables[OUT[ty]].table.get(0))
        return result


def _run_case(kind: str, case: Case):
    pair = Pair(kind, case.limits)
    for op, imms, operands, expected in case.steps:
        before = pair.lib.state()
        assert before == pair.interp.state()
        got_lib = pair.run_lib(op, imms, operands)
        got_interp = pair.run_interp(op, imms, operands)
        where = f"{op} {imms} {operands}"
        assert got_interp == expected, f"interp: {where}"
        assert got_lib == expected, f"libcall: {where}"
        after = pair.lib.state()
        if isinstance(expected, T):
            assert after == before, f"a trapping {where} wrote something"
        assert after == pair.interp.state(), f"state differs after {where}"
    if case.check is not None:
        assert case.check(pair.lib.state()), f"final state of {case.name}"
    return pair


def _mem(state, i: int) -> bytes:
    return state[0][i][1]


def _pages(state, i: int) -> int:
    return state[0][i][0]


def _table(state, i: int) -> tuple:
    return state[1][i]


def _datas(state) -> tuple:
    return state[2]


def _elems(state) -> tuple:
    return state[3]


# -- memory cases ---------------------------------------------------------------------------

F, C, I, G, DD = "memory.fill", "memory.copy", "memory.init", "memory.grow", "data.drop"


def _only_changed(mem: bytes, base: bytes, start: int, new: bytes) -> bool:
    return mem == base[:start] + new + base[start + len(new):]


MEM_CASES = [
    # memory.fill
    Case("fill", [(F, (0,), (100, 0x1AB, 10), None)],
         lambda s: _only_changed(_mem(s, 0), PAT0, 100, b"\xab" * 10)),
    Case("fill-exact-end", [(F, (0,), (END - 4, 7, 4), None)],
         lambda s: _only_changed(_mem(s, 0), PAT0, END - 4, b"\x07" * 4)),
    Case("fill-n0-at-end", [(F, (0,), (END, 9, 0), None)],
         lambda s: _mem(s, 0) == PAT0),
    Case("fill-n0-past-end", [(F, (0,), (END + 1, 9, 0), T(MOOB))]),
    Case("fill-straddles-end", [(F, (0,), (END - 6, 9, 7), T(MOOB))]),
    Case("fill-huge-offset", [(F, (0,), (U32, 9, 2), T(MOOB)), (F, (0,), (1, 9, U32), T(MOOB))]),
    Case("fill-empty-memory", [(F, (2,), (0, 1, 0), None), (F, (2,), (0, 1, 1), T(MOOB)),
                               (F, (2,), (1, 1, 0), T(MOOB))]),
    Case("fill-memory-1", [(F, (1,), (5, 0x42, 3), None)],
         lambda s: (_only_changed(_mem(s, 1), PAT1, 5, b"BBB") and _mem(s, 0) == PAT0)),
    # memory.copy
    Case("copy-overlap-forward", [(C, (0, 0), (10, 5, 20), None)],
         lambda s: _only_changed(_mem(s, 0), PAT0, 10, PAT0[5:25])),
    Case("copy-overlap-backward", [(C, (0, 0), (5, 10, 20), None)],
         lambda s: _only_changed(_mem(s, 0), PAT0, 5, PAT0[10:30])),
    Case("copy-between-memories", [(C, (1, 0), (0, 100, 50), None)],
         lambda s: (_only_changed(_mem(s, 1), PAT1, 0, PAT0[100:150]) and _mem(s, 0) == PAT0)),
    Case("copy-into-imported", [(C, (0, 1), (END - 16, END - 16, 16), None)],
         lambda s: _only_changed(_mem(s, 0), PAT0, END - 16, PAT1[-16:])),
    Case("copy-src-oob", [(C, (0, 0), (0, END - 6, 7), T(MOOB))]),
    Case("copy-dst-oob", [(C, (1, 0), (END - 6, 0, 7), T(MOOB))]),
    Case("copy-n0-at-end", [(C, (0, 1), (END, END, 0), None),
                            (C, (0, 1), (END + 1, 0, 0), T(MOOB)),
                            (C, (0, 1), (0, END + 1, 0), T(MOOB))]),
    Case("copy-empty-memory", [(C, (2, 0), (0, 0, 0), None), (C, (2, 0), (0, 0, 1), T(MOOB)),
                               (C, (0, 2), (0, 0, 1), T(MOOB))]),
    Case("copy-huge-count", [(C, (0, 0), (0, 0, U32), T(MOOB))]),
    # memory.init
    Case("init", [(I, (0, 0), (200, 4, 8), None)],
         lambda s: _only_changed(_mem(s, 0), PAT0, 200, D0[4:12])),
    Case("init-exactly-fitting", [(I, (0, 0), (END - 4, 12, 4), None)],
         lambda s: _only_changed(_mem(s, 0), PAT0, END - 4, D0[12:])),
    Case("init-segment-oob", [(I, (0, 0), (0, 10, 7), T(MOOB)), (I, (0, 0), (0, 16, 0), None),
                              (I, (0, 0), (0, 17, 0), T(MOOB))]),
    Case("init-memory-oob", [(I, (0, 0), (END - 3, 0, 4), T(MOOB)),
                             (I, (0, 0), (END + 1, 0, 0), T(MOOB))]),
    Case("init-empty-segment", [(I, (1, 1), (0, 0, 0), None), (I, (1, 1), (0, 0, 1), T(MOOB))]),
    Case("init-active-is-dropped", [(I, (1, 2), (0, 0, 0), None), (I, (1, 2), (0, 0, 1), T(MOOB)),
                                    (I, (1, 2), (0, 1, 0), T(MOOB))],
         lambda s: _datas(s) == (16, 0, 0, 3)),
    Case("data-drop", [(I, (0, 0), (0, 0, 16), None), (DD, (0,), (), None),
                       (I, (0, 0), (0, 0, 0), None), (I, (0, 0), (0, 0, 1), T(MOOB)),
                       (DD, (0,), (), None), (DD, (2,), (), None)],
         lambda s: (_datas(s) == (0, 0, 0, 3) and _only_changed(_mem(s, 0), PAT0, 0, D0))),
    Case("init-memory-1", [(I, (1, 3), (30, 1, 2), None)],
         lambda s: _only_changed(_mem(s, 1), PAT1, 30, b"yz")),
    Case("init-empty-memory", [(I, (2, 3), (0, 0, 0), None), (I, (2, 3), (0, 0, 1), T(MOOB))]),
    # memory.grow
    Case("grow-imported-to-max", [(G, (0,), (1,), 1), (G, (0,), (2,), 2), (G, (0,), (1,), -1),
                                  (G, (0,), (0,), 4), (F, (0,), (4 * END - 1, 5, 1), None),
                                  (F, (0,), (4 * END - 1, 5, 2), T(MOOB))],
         lambda s: (_pages(s, 0) == 4 and _mem(s, 0)[END:] == bytes(3 * END - 1) + b"\x05")),
    Case("grow-beyond-max", [(G, (1,), (2,), -1), (G, (1,), (1,), 1), (G, (1,), (1,), -1)],
         lambda s: _pages(s, 1) == 2),
    Case("grow-huge-delta", [(G, (0,), (U32,), -1), (G, (0,), (0x10000,), -1), (G, (0,), (0,), 1)]),
    Case("grow-empty-memory", [(G, (2,), (1,), 0), (G, (2,), (1,), -1),
                               (C, (2, 0), (END - 8, 0, 8), None)],
         lambda s: _mem(s, 2) == bytes(END - 8) + PAT0[:8]),
    Case("grow-store-limits", [(G, (0,), (1,), 1), (G, (0,), (1,), -1), (G, (1,), (1,), 1),
                               (G, (2,), (3,), -1), (G, (2,), (1,), 0)],
         lambda s: [_pages(s, i) for i in range(3)] == [2, 2, 1],
         limits={"memory_size": 2 * PAGE_SIZE}),
]


@pytest.mark.parametrize("case", MEM_CASES, ids=[c.name for c in MEM_CASES])
def test_memory_libcalls(case):
    _run_case("mem", case)


# -- table cases -----------------------------------------------------------------------------

TG, TS, TZ, TW, TF, TC, TI, ED = ("table.get", "table.set", "table.size", "table.grow",
                                  "table.fill", "table.copy", "table.init", "elem.drop")

T0 = ("p0", "p1", None)  # initial contents of table 0 (imported)
T1 = (None, "f2", "f1", None)


def _tables(expect: dict):
    return lambda s: all(_table(s, i) == tuple(contents) for i, contents in expect.items())


TAB_CASES = [
    # table.get / table.set / table.size
    Case("get", [(TG, (1,), (1,), "f2"), (TG, (1,), (0,), None), (TG, (1,), (3,), None),
                 (TG, (1,), (4,), T(TOOB)), (TG, (1,), (U32,), T(TOOB))]),
    Case("get-imported", [(TG, (0,), (0,), "p0"), (TG, (0,), (2,), None),
                          (TG, (0,), (3,), T(TOOB))]),
    Case("set-funcref", [(TS, (1,), (0, R(1)), None), (TG, (1,), (0,), "f0"),
                         (TS, (1,), (1, R(0)), None), (TG, (1,), (1,), None),
                         (TS, (1,), (4, R(2)), T(TOOB))],
         _tables({1: ("f0", None, "f1", None)})),
    Case("set-imported", [(TS, (0,), (2, R(3)), None), (TG, (0,), (2,), "f2"),
                          (TS, (0,), (0, R(0)), None), (TS, (0,), (3, R(1)), T(TOOB))],
         _tables({0: (None, "p1", "f2")})),
    Case("set-externref", [(TS, (2,), (1, R(2)), None), (TG, (2,), (1,), "xb"),
                           (TS, (2,), (1, R(0)), None), (TG, (2,), (1,), None),
                           (TS, (2,), (0, R(3)), None), (TS, (2,), (3, R(1)), T(TOOB))],
         _tables({2: ("xc", None, None)})),
    Case("size", [(TZ, (0,), (), 3), (TZ, (1,), (), 4), (TZ, (2,), (), 3)]),
    # table.grow
    Case("grow", [(TW, (1,), (R(2), 2), 4), (TZ, (1,), (), 6), (TG, (1,), (5,), "f1"),
                  (TW, (1,), (R(1), 1), -1), (TW, (1,), (R(1), 0), 6)],
         _tables({1: T1 + ("f1", "f1")})),
    Case("grow-imported", [(TW, (0,), (R(0), 7), 3), (TW, (0,), (R(1), 1), -1),
                           (TZ, (0,), (), 10)],
         _tables({0: T0 + (None,) * 7})),
    Case("grow-externref", [(TW, (2,), (R(1), 2), 3), (TG, (2,), (4,), "xa"),
                            (TW, (2,), (R(0), U32), -1)],
         _tables({2: (None, None, None, "xa", "xa")})),
    Case("grow-store-limits", [(TW, (1,), (R(1), 1), 4), (TW, (1,), (R(1), 1), -1),
                               (TW, (2,), (R(2), 2), 3), (TW, (2,), (R(2), 1), -1),
                               (TW, (0,), (R(0), 3), -1), (TW, (0,), (R(3), 2), 3)],
         _tables({0: T0 + ("f2", "f2"), 1: T1 + ("f0",), 2: (None,) * 3 + ("xb",) * 2}),
         limits={"table_elements": 5}),
    # table.fill
    Case("fill", [(TF, (1,), (1, R(1), 3), None)], _tables({1: (None, "f0", "f0", "f0")})),
    Case("fill-bounds", [(TF, (1,), (4, R(1), 0), None), (TF, (1,), (5, R(1), 0), T(TOOB)),
                         (TF, (1,), (2, R(1), 3), T(TOOB)), (TF, (1,), (0, R(1), U32), T(TOOB))],
         _tables({1: T1})),
    Case("fill-null-imported", [(TF, (0,), (0, R(0), 2), None)], _tables({0: (None,) * 3})),
    Case("fill-externref", [(TF, (2,), (0, R(3), 3), None), (TF, (2,), (1, R(0), 1), None)],
         _tables({2: ("xc", None, "xc")})),
    # table.copy
    Case("copy-overlap-forward", [(TC, (1, 1), (1, 0, 3), None)],
         _tables({1: (None, None, "f2", "f1")})),
    Case("copy-overlap-backward", [(TC, (1, 1), (0, 1, 3), None)],
         _tables({1: ("f2", "f1", None, None)})),
    Case("copy-from-imported", [(TC, (1, 0), (0, 0, 3), None)],
         _tables({1: ("p0", "p1", None, None), 0: T0})),
    Case("copy-into-imported", [(TC, (0, 1), (1, 1, 2), None)],
         _tables({0: ("p0", "f2", "f1"), 1: T1})),
    Case("copy-bounds", [(TC, (1, 0), (4, 3, 0), None), (TC, (1, 0), (5, 0, 0), T(TOOB)),
                         (TC, (1, 0), (0, 4, 0), T(TOOB)), (TC, (1, 0), (2, 0, 3), T(TOOB)),
                         (TC, (0, 1), (0, 2, 3), T(TOOB)), (TC, (1, 1), (0, 0, U32), T(TOOB))],
         _tables({0: T0, 1: T1})),
    Case("copy-externref", [(TS, (2,), (0, R(1)), None), (TC, (2, 2), (1, 0, 2), None)],
         _tables({2: ("xa", "xa", None)})),
    # table.init / elem.drop
    Case("init", [(TI, (1, 2), (0, 1, 3), None)], _tables({1: (None, "f2", "f0", None)})),
    Case("init-exactly-fitting", [(TI, (1, 2), (0, 0, 4), None)],
         _tables({1: ("f1", None, "f2", "f0")})),
    Case("init-bounds", [(TI, (1, 2), (0, 2, 3), T(TOOB)), (TI, (1, 2), (0, 4, 0), None),
                         (TI, (1, 2), (0, 5, 0), T(TOOB)), (TI, (1, 2), (2, 0, 3), T(TOOB)),
                         (TI, (1, 2), (4, 0, 0), None), (TI, (1, 2), (5, 0, 0), T(TOOB))],
         _tables({1: T1})),
    Case("init-imported", [(TI, (0, 2), (1, 2, 2), None)], _tables({0: ("p0", "f2", "f0")})),
    Case("init-externref", [(TF, (2,), (0, R(2), 3), None), (TI, (2, 3), (1, 0, 2), None)],
         _tables({2: ("xb", None, None)})),
    Case("init-active-and-declarative-are-dropped",
         [(TI, (1, 0), (0, 0, 0), None), (TI, (1, 0), (0, 0, 1), T(TOOB)),
          (TI, (1, 1), (0, 0, 1), T(TOOB)), (TI, (1, 4), (0, 0, 0), None),
          (TI, (1, 4), (0, 0, 1), T(TOOB))],
         lambda s: _elems(s) == (0, 0, 4, 2, 0)),
    Case("elem-drop", [(TI, (1, 2), (0, 0, 1), None), (ED, (2,), (), None),
                       (TI, (1, 2), (0, 0, 0), None), (TI, (1, 2), (0, 0, 1), T(TOOB)),
                       (TI, (1, 2), (0, 1, 0), T(TOOB)), (ED, (2,), (), None),
                       (ED, (3,), (), None)],
         lambda s: (_elems(s) == (0, 0, 0, 0, 0) and _table(s, 1) == ("f1",) + T1[1:])),
]


@pytest.mark.parametrize("case", TAB_CASES, ids=[c.name for c in TAB_CASES])
def test_table_libcalls(case):
    _run_case("tab", case)


def test_initial_state_is_as_the_cases_assume():
    mem = Pair("mem").lib.state()
    assert _mem(mem, 0) == PAT0 and _mem(mem, 1)[:END] == PAT1 and _pages(mem, 2) == 0
    assert _datas(mem) == (16, 0, 0, 3)
    tab = Pair("tab").lib.state()
    assert _table(tab, 0) == T0 and _table(tab, 1) == T1 and _table(tab, 2) == (None,) * 3
    assert _table(tab, 3) == (None, "f0", "f1", "f2") and _table(tab, 4) == (None, *XOBJS)
    assert _elems(tab) == (0, 0, 4, 2, 0)


def test_imported_memory_and_table_are_the_providers():
    """Growth through a libcall on an imported memory/table is seen by the
    exporting instance (and its VMContext definition), not a copy."""
    pair = Pair("mem")
    inst = pair.lib.inst
    mem = inst.memories[0].memory
    definition = read_u64(inst.vmctx + inst.offsets.memory(0))
    assert definition == mem.definition
    assert LIBCALLS[LIBCALL_INDEX["memory.grow"]].fn(inst, 0, 2 | HIGH) == 1
    assert read_u64(definition + 8) == 3 * PAGE_SIZE == mem.length

    pair = Pair("tab")
    inst = pair.lib.inst
    table = inst.tables[0].table
    assert LIBCALLS[LIBCALL_INDEX["table.grow"]].fn(inst, 0, 0, 4 | HIGH) == 3
    assert table.length == 7 == read_u64(read_u64(inst.vmctx + inst.offsets.table(0)) + 8)


def test_raw_reference_round_trip():
    """table.set stores the raw operand bit for bit, table.get returns it,
    whatever the value (the runtime does not interpret references)."""
    pair = Pair("tab")
    inst = pair.lib.inst
    get = LIBCALLS[LIBCALL_INDEX["table.get"]].fn
    set_ = LIBCALLS[LIBCALL_INDEX["table.set"]].fn
    funcref = inst.tables[3].table.get(2)
    assert funcref == inst.funcs[1].funcref != 0
    set_(inst, 1, 3 | HIGH, funcref)
    assert get(inst, 1, 3 | HIGH) == funcref
    for raw in (0, 1, 0x7FFF_FFFF_FFFF_FFFF, (1 << 64) - 1):
        set_(inst, 2, 0, raw)
        assert get(inst, 2, 0) == raw
