"""Modules, instances, calls and host functions, differentially on wasmtier
and wasmtime-py 50 (see test_api_types.py for the scheme).

Covers Module (constructors, validate, imports/exports, from_file,
serialize round trip), Instance and its exports mapping, Func (calls,
argument conversion and wrap-around, errors, Val arguments, results as
None/value/list, `type`), host functions (results, wrong results, Python
exceptions and `Trap`s passing through unchanged, the store staying
usable), Caller, Trap/Frame for wasm traps, externref and funcref round
trips.
"""

from __future__ import annotations

import math

import pytest

WAT = """
(module $m
  (import "h" "f" (func $hf (param i32) (result i32)))
  (import "h" "g" (global $g i32))
  (func $add (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "f32id") (param f32) (result f32) (local.get 0))
  (func (export "f64id") (param f64) (result f64) (local.get 0))
  (func (export "i64id") (param i64) (result i64) (local.get 0))
  (func (export "multi") (param i32) (result i32 i64 f64) (local.get 0) (i64.const 7) (f64.const 0.5))
  (func (export "none"))
  (func (export "callh") (param i32) (result i32) (call $hf (local.get 0)))
  (func (export "ext") (param externref) (result externref) (local.get 0))
  (func (export "fr") (param funcref) (result funcref) (local.get 0))
  (func $div (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func (export "calldiv") (param i32) (result i32) (call $div (i32.const 1) (local.get 0)))
  (memory (export "mem") 1 3)
  (table (export "tab") 2 10 funcref)
  (global (export "gm") (mut i32) (i32.const 5))
  (data (i32.const 0) "hello")
)
"""

EXPORT_NAMES = ["add", "f32id", "f64id", "i64id", "multi", "none", "callh", "ext", "fr", "div",
                "calldiv", "mem", "tab", "gm"]


@pytest.fixture
def env(wasmtime):
    store = wasmtime.Store(wasmtime.Engine())
    module = wasmtime.Module(store.engine, WAT)
    i32 = wasmtime.ValType.i32()
    hf = wasmtime.Func(store, wasmtime.FuncType([i32], [i32]), lambda x: x * 2)
    g = wasmtime.Global(store, wasmtime.GlobalType(i32, False), 3)
    instance = wasmtime.Instance(store, module, [hf, g])
    return wasmtime, store, module, instance, instance.exports(store)


# -- Module -----------------------------------------------------------------------


def test_module_imports_and_exports(env):
    wasmtime, store, module, _, _ = env
    imports = module.imports
    assert [(i.module, i.name) for i in imports] == [("h", "f"), ("h", "g")]
    assert isinstance(imports[0].type, wasmtime.FuncType)
    assert imports[0].type.params == [wasmtime.ValType.i32()]
    assert isinstance(imports[1].type, wasmtime.GlobalType)
    assert imports[1].type.content == wasmtime.ValType.i32()
    assert imports[1].type.mutable is False
    exports = module.exports
    assert [e.name for e in exports] == EXPORT_NAMES
    kinds = {e.name: type(e.type).__name__ for e in exports}
    assert kinds["add"] == "FuncType" and kinds["mem"] == "MemoryType"
    assert kinds["tab"] == "TableType" and kinds["gm"] == "GlobalType"
    by_name = {e.name: e.type for e in exports}
    assert by_name["multi"].results == [wasmtime.ValType.i32(), wasmtime.ValType.i64(),
                                        wasmtime.ValType.f64()]
    assert by_name["mem"].limits == wasmtime.Limits(1, 3)
    assert by_name["tab"].element == wasmtime.ValType.funcref()
    assert by_name["tab"].limits == wasmtime.Limits(2, 10)
    assert by_name["gm"].mutable is True


def test_module_accepts_text_and_binary(wasmtime):
    engine = wasmtime.Engine()
    binary = wasmtime.wat2wasm("(module (func (export \"f\")))")
    for source in ["(module (func (export \"f\")))", b"(module (func (export \"f\")))",
                   binary, bytes(binary)]:
        assert [e.name for e in wasmtime.Module(engine, source).exports] == ["f"]


def test_module_from_file(wasmtime, tmp_path):
    path = tmp_path / "m.wasm"
    path.write_bytes(wasmtime.wat2wasm('(module (func (export "f") (result i32) i32.const 4))'))
    store = wasmtime.Store()
    module = wasmtime.Module.from_file(store.engine, str(path))
    assert wasmtime.Instance(store, module, []).exports(store)["f"](store) == 4
    (tmp_path / "m.wat").write_text('(module (func (export "g")))')
    assert module.from_file(store.engine, tmp_path / "m.wat").exports[0].name == "g"


def test_module_errors(wasmtime):
    engine = wasmtime.Engine()
    with pytest.raises(TypeError, match="expected an Engine"):
        wasmtime.Module(1, "(module)")
    with pytest.raises(TypeError, match="expected wasm bytes"):
        wasmtime.Module(engine, 5)
    with pytest.raises(wasmtime.WasmtimeError):
        wasmtime.Module(engine, b"\0asm\x02\0\0\0")  # unknown version
    with pytest.raises(wasmtime.WasmtimeError, match="type mismatch"):
        wasmtime.Module(engine, "(module (func (result i32)))")
    with pytest.raises(wasmtime.WasmtimeError, match="expected `\\)`"):
        wasmtime.Module(engine, "(module")


def test_module_validate(wasmtime):
    engine = wasmtime.Engine()
    assert wasmtime.Module.validate(engine, wasmtime.wat2wasm("(module)")) is None
    assert wasmtime.Module.validate(engine, bytes(wasmtime.wat2wasm("(module)"))) is None
    with pytest.raises(wasmtime.WasmtimeError):
        wasmtime.Module.validate(engine, b"\0asm\x01\0\0\0\x01")
    with pytest.raises(TypeError, match="expected wasm bytes"):
        wasmtime.Module.validate(engine, "(module)")


def test_module_serialize_round_trip(wasmtime):
    engine = wasmtime.Engine()
    module = wasmtime.Module(engine, '(module (func (export "f") (result i32) i32.const 9))')
    data = module.serialize()
    assert isinstance(data, bytearray)
    again = wasmtime.Module.deserialize(engine, data)
    store = wasmtime.Store(engine)
    assert wasmtime.Instance(store, again, []).exports(store)["f"](store) == 9
    with pytest.raises(wasmtime.WasmtimeError):
        wasmtime.Module.deserialize(engine, b"not a module")
    with pytest.raises(TypeError):
        wasmtime.Module.deserialize(engine, "text")


def test_module_name_is_a_wasmtier_extension(wasmtier):
    # wasmtime-py 50 has no Module.name (AttributeError); wasmtier reports
    # the name section's module name.
    engine = wasmtier.Engine()
    assert wasmtier.Module(engine, WAT).name == "m"
    assert wasmtier.Module(engine, "(module)").name is None


# -- Instance and its exports -----------------------------------------------------


def test_exports_mapping(env):
    wasmtime, store, _, instance, exports = env
    assert len(exports) == len(EXPORT_NAMES)
    assert list(exports) == EXPORT_NAMES
    assert list(exports.keys()) == EXPORT_NAMES
    assert [type(v).__name__ for v in exports.values()][:2] == ["Func", "Func"]
    assert [(k, type(v).__name__) for k, v in exports.items()][-3:] == \
        [("mem", "Memory"), ("tab", "Table"), ("gm", "Global")]
    assert "add" in exports and "nope" not in exports
    assert isinstance(exports["add"], wasmtime.Func)
    assert isinstance(exports["mem"], wasmtime.Memory)
    assert isinstance(exports["tab"], wasmtime.Table)
    assert isinstance(exports["gm"], wasmtime.Global)
    assert exports.get("nope") is None
    assert exports.get("nope", 5) == 5
    with pytest.raises(KeyError):
        exports["nope"]
    with pytest.raises(KeyError):
        exports[0]
    assert isinstance(exports.by_index, tuple)
    assert len(exports.by_index) == len(EXPORT_NAMES)
    assert exports.by_index[0] is exports["add"]
    assert instance.exports(store) is exports
    assert dict(exports)["gm"] is exports["gm"]


def test_instance_import_errors(env):
    wasmtime, store, module, _, exports = env
    i32 = wasmtime.ValType.i32()
    hf = wasmtime.Func(store, wasmtime.FuncType([i32], [i32]), lambda x: x)
    g = wasmtime.Global(store, wasmtime.GlobalType(i32, False), 3)
    with pytest.raises(wasmtime.WasmtimeError, match="expected 2 imports, found 1"):
        wasmtime.Instance(store, module, [hf])
    with pytest.raises(wasmtime.WasmtimeError, match="incompatible import type for `h::f`"):
        wasmtime.Instance(store, module, [g, hf])
    with pytest.raises(wasmtime.WasmtimeError, match="incompatible import type for `h::f`"):
        wasmtime.Instance(store, module, [exports["add"], g])
    with pytest.raises(TypeError):
        wasmtime.Instance(store, module, [1, g])
    with pytest.raises(TypeError):
        wasmtime.Instance(store, module, [None, g])
    assert len(wasmtime.Instance(store, module, (hf, g)).exports(store)) == len(EXPORT_NAMES)


def test_start_function_trap(wasmtime):
    store = wasmtime.Store()
    module = wasmtime.Module(store.engine, "(module (func $s unreachable) (start $s))")
    with pytest.raises(wasmtime.Trap) as info:
        wasmtime.Instance(store, module, [])
    assert info.value.trap_code == wasmtime.TrapCode.UNREACHABLE
    ok = wasmtime.Module(store.engine, '(module (func (export "f") (result i32) i32.const 1))')
    assert wasmtime.Instance(store, ok, []).exports(store)["f"](store) == 1


# -- Func: calls and conversions --------------------------------------------------


def test_call_results(env):
    wasmtime, store, _, _, ex = env
    assert ex["add"](store, 2, 3) == 5
    assert ex["none"](store) is None
    assert ex["multi"](store, 4) == [4, 7, 0.5]
    assert ex["callh"](store, 21) == 42


def test_func_type(env):
    wasmtime, store, _, _, ex = env
    V = wasmtime.ValType
    ty = ex["add"].type(store)
    assert isinstance(ty, wasmtime.FuncType)
    assert (ty.params, ty.results) == ([V.i32(), V.i32()], [V.i32()])
    assert ex["none"].type(store).params == [] and ex["none"].type(store).results == []


def test_i32_arguments_wrap(env):
    wasmtime, store, _, _, ex = env
    add = ex["add"]
    assert add(store, 2**31 - 1, 1) == -2**31
    assert add(store, 2**32 + 1, 1) == 2
    assert add(store, 2**70, 1) == 1
    assert add(store, 0xFFFFFFFF, 0) == -1
    assert add(store, -2**31, -1) == 2**31 - 1
    assert add(store, True, 2) == 3


def test_i64_arguments_wrap(env):
    wasmtime, store, _, _, ex = env
    assert ex["i64id"](store, 2**63) == -2**63
    assert ex["i64id"](store, 2**64 + 3) == 3
    assert ex["i64id"](store, -5) == -5


def test_float_arguments(env):
    wasmtime, store, _, _, ex = env
    assert ex["f32id"](store, 0.1) == 0.10000000149011612
    assert ex["f32id"](store, 1e300) == math.inf
    assert ex["f32id"](store, -1e300) == -math.inf
    assert math.isnan(ex["f32id"](store, math.nan))
    assert ex["f64id"](store, 0.1) == 0.1
    assert ex["f64id"](store, -0.0) == 0.0 and math.copysign(1, ex["f64id"](store, -0.0)) == -1


@pytest.mark.parametrize("name, arg", [("add", 1.0), ("add", "1"), ("add", None),
                                       ("f32id", 1), ("f64id", 1), ("i64id", 1.5),
                                       ("fr", 5), ("fr", "f")])
def test_argument_type_errors(env, name, arg):
    wasmtime, store, _, _, ex = env
    args = (arg, 1) if name == "add" else (arg,)
    with pytest.raises(TypeError, match="don't know how to convert"):
        ex[name](store, *args)


def test_argument_count_errors(env):
    wasmtime, store, _, _, ex = env
    with pytest.raises(wasmtime.WasmtimeError,
                       match="too many parameters provided: given 3, expected 2"):
        ex["add"](store, 1, 2, 3)
    with pytest.raises(wasmtime.WasmtimeError,
                       match="too few parameters provided: given 1, expected 2"):
        ex["add"](store, 1)
    assert ex["add"](store, 1, 2) == 3


def test_val_arguments(env):
    wasmtime, store, _, _, ex = env
    Val = wasmtime.Val
    assert ex["add"](store, Val.i32(4), Val.i32(5)) == 9
    assert ex["add"](store, Val.i32(4), 5) == 9
    assert ex["f32id"](store, Val.f32(0.1)) == 0.10000000149011612
    assert ex["i64id"](store, Val.i64(-2)) == -2
    assert ex["ext"](store, Val.externref("hi")) == "hi"
    assert ex["ext"](store, Val.ref_null(wasmtime.ValType.externref())) is None
    assert ex["fr"](store, Val.funcref(None)) is None
    with pytest.raises(TypeError, match="wrong type of `Val` provided"):
        ex["add"](store, Val.i64(4), 5)


def test_externref_round_trip_keeps_identity(env):
    wasmtime, store, _, _, ex = env
    for obj in [object(), [1, 2], "text", 0, 12345678901234567890, None]:
        assert ex["ext"](store, obj) is obj


def test_funcref_round_trip(env):
    wasmtime, store, _, _, ex = env
    back = ex["fr"](store, ex["add"])
    assert isinstance(back, wasmtime.Func)
    assert back(store, 1, 2) == 3
    assert ex["fr"](store, None) is None
    i32 = wasmtime.ValType.i32()
    host = wasmtime.Func(store, wasmtime.FuncType([i32], [i32]), lambda x: x + 100)
    assert ex["fr"](store, host)(store, 1) == 101


# -- Traps from wasm --------------------------------------------------------------


def test_wasm_trap(env):
    wasmtime, store, _, _, ex = env
    with pytest.raises(wasmtime.Trap) as info:
        ex["calldiv"](store, 0)
    trap = info.value
    assert trap.trap_code == wasmtime.TrapCode.INTEGER_DIVISION_BY_ZERO
    assert "integer divide by zero" in trap.message
    assert "integer divide by zero" in str(trap)
    frames = trap.frames
    assert [(f.func_index, f.func_name, f.module_name) for f in frames] == \
        [(10, "div", "m"), (11, None, "m")]
    assert [f.module_offset for f in frames] == [276, 284]
    with pytest.raises(wasmtime.Trap) as info:
        ex["div"](store, -2**31, -1)
    assert info.value.trap_code == wasmtime.TrapCode.INTEGER_OVERFLOW
    assert ex["add"](store, 1, 1) == 2  # the store is still usable


def test_frame_func_offset(env):
    # Offset from the start of the function body, after its size field
    # (wasmtime's convention): local decls (1 byte), two local.get (2 each).
    wasmtime, store, _, _, ex = env
    with pytest.raises(wasmtime.Trap) as info:
        ex["calldiv"](store, 0)
    assert [f.func_offset for f in info.value.frames] == [5, 5]


def test_trap_message_is_the_spec_text_on_wasmtier(wasmtier):
    # wasmtime-py's message is its whole error report ("error while
    # executing at wasm backtrace: ... Caused by: wasm trap: ..."); wasmtier
    # keeps the spec's text in `message` and appends the backtrace in str().
    store = wasmtier.Store()
    module = wasmtier.Module(store.engine, '(module $m (func $f (export "f") unreachable))')
    with pytest.raises(wasmtier.Trap) as info:
        wasmtier.Instance(store, module, []).exports(store)["f"](store)
    assert info.value.message == "unreachable"
    assert str(info.value).splitlines()[0] == "unreachable"
    assert "m!f" in str(info.value)


# -- Host functions ---------------------------------------------------------------


HOST_WAT = """
(module
  (import "h" "f" (func $hf (param i32) (result i32)))
  (import "h" "v" (func $hv))
  (import "h" "m" (func $hm (result i32 i64)))
  (memory (export "memory") 1)
  (global (export "g") i32 (i32.const 42))
  (func (export "callf") (param i32) (result i32) (call $hf (local.get 0)))
  (func (export "callv") (call $hv))
  (func (export "callm") (result i32 i64) (call $hm))
)
"""


class HostError(Exception):
    pass


@pytest.fixture
def host_env(wasmtime):
    store = wasmtime.Store()
    module = wasmtime.Module(store.engine, HOST_WAT)
    i32, i64 = wasmtime.ValType.i32(), wasmtime.ValType.i64()
    behaviour = {"f": lambda x: x + 1, "v": lambda: None, "m": lambda: [1, 2]}
    hf = wasmtime.Func(store, wasmtime.FuncType([i32], [i32]), lambda x: behaviour["f"](x))
    hv = wasmtime.Func(store, wasmtime.FuncType([], []), lambda: behaviour["v"]())
    hm = wasmtime.Func(store, wasmtime.FuncType([], [i32, i64]), lambda: behaviour["m"]())
    ex = wasmtime.Instance(store, module, [hf, hv, hm]).exports(store)
    return wasmtime, store, ex, behaviour, (hf, hv, hm)


def test_host_results(host_env):
    wasmtime, store, ex, behaviour, (hf, hv, hm) = host_env
    assert ex["callf"](store, 1) == 2
    assert ex["callv"](store) is None
    assert ex["callm"](store) == [1, 2]
    behaviour["m"] = lambda: (3, 4)
    assert ex["callm"](store) == [3, 4]
    behaviour["f"] = lambda x: 2**32 + 3  # wraps like an argument
    assert ex["callf"](store, 1) == 3
    behaviour["f"] = lambda x: wasmtime.Val.i32(9)
    assert ex["callf"](store, 1) == 9


def test_host_called_directly(host_env):
    wasmtime, store, ex, behaviour, (hf, hv, hm) = host_env
    assert hf(store, 5) == 6
    assert hv(store) is None
    assert hm(store) == [1, 2]
    i32 = wasmtime.ValType.i32()
    assert hf.type(store).params == [i32] and hf.type(store).results == [i32]


@pytest.mark.parametrize("result", [1.5, None, [3], "x"])
def test_host_wrong_result_type(host_env, result):
    wasmtime, store, ex, behaviour, _ = host_env
    behaviour["f"] = lambda x: result
    with pytest.raises(TypeError, match="don't know how to convert"):
        ex["callf"](store, 1)
    behaviour["f"] = lambda x: x + 1
    assert ex["callf"](store, 1) == 2


def test_host_wrong_result_count(host_env):
    wasmtime, store, ex, behaviour, _ = host_env
    behaviour["v"] = lambda: 5
    with pytest.raises(wasmtime.WasmtimeError, match="callback produced results when it shouldn't"):
        ex["callv"](store)
    behaviour["m"] = lambda: [1]
    with pytest.raises(wasmtime.WasmtimeError, match="callback produced wrong number of results"):
        ex["callm"](store)
    behaviour["m"] = lambda: 5
    with pytest.raises(TypeError):
        ex["callm"](store)
    assert ex["callf"](store, 1) == 2


def test_host_exception_propagates_unchanged(host_env):
    wasmtime, store, ex, behaviour, _ = host_env
    err = HostError("boom")

    def raiser(x):
        raise err
    behaviour["f"] = raiser
    with pytest.raises(HostError) as info:
        ex["callf"](store, 1)
    assert info.value is err
    behaviour["f"] = lambda x: x + 1
    assert ex["callf"](store, 41) == 42


def test_host_trap_surfaces_as_trap(host_env):
    wasmtime, store, ex, behaviour, _ = host_env
    trap = wasmtime.Trap("host trap")

    def raiser(x):
        raise trap
    behaviour["f"] = raiser
    with pytest.raises(wasmtime.Trap) as info:
        ex["callf"](store, 1)
    assert info.value is trap
    assert info.value.message == "host trap"
    assert info.value.trap_code is None
    behaviour["f"] = lambda x: x + 1
    assert ex["callf"](store, 1) == 2


def test_host_wasmtime_error_and_base_exceptions(host_env):
    wasmtime, store, ex, behaviour, _ = host_env

    def werr(x):
        raise wasmtime.WasmtimeError("host werr")
    behaviour["f"] = werr
    with pytest.raises(wasmtime.WasmtimeError, match="host werr"):
        ex["callf"](store, 1)

    def interrupt(x):
        raise KeyboardInterrupt
    behaviour["f"] = interrupt
    with pytest.raises(KeyboardInterrupt):
        ex["callf"](store, 1)
    behaviour["f"] = lambda x: x + 1
    assert ex["callf"](store, 1) == 2


def test_func_constructor_errors(wasmtime):
    store = wasmtime.Store()
    with pytest.raises(TypeError):
        wasmtime.Func(1, wasmtime.FuncType([], []), lambda: None)
    with pytest.raises(TypeError, match="expected a FuncType"):
        wasmtime.Func(store, 1, lambda: None)


# -- Caller -----------------------------------------------------------------------


def make_caller_instance(wasmtime, fn):
    store = wasmtime.Store()
    module = wasmtime.Module(store.engine, HOST_WAT)
    i32, i64 = wasmtime.ValType.i32(), wasmtime.ValType.i64()
    hf = wasmtime.Func(store, wasmtime.FuncType([i32], [i32]), fn, access_caller=True)
    hv = wasmtime.Func(store, wasmtime.FuncType([], []), lambda: None)
    hm = wasmtime.Func(store, wasmtime.FuncType([], [i32, i64]), lambda: [1, 2])
    return store, wasmtime.Instance(store, module, [hf, hv, hm]).exports(store)


def test_caller_exports(wasmtime):
    seen = {}

    def fn(caller, x):
        mem = caller.get("memory")
        seen["memory"] = type(mem).__name__
        seen["missing"] = caller.get("nope")
        seen["g"] = caller["g"].value(caller)
        mem.write(caller, b"hi", 0)
        seen["read"] = mem.read(caller, 0, 2)
        with pytest.raises(KeyError, match="failed to find export nope"):
            caller["nope"]
        return x + 1

    store, ex = make_caller_instance(wasmtime, fn)
    assert ex["callf"](store, 3) == 4
    assert seen == {"memory": "Memory", "missing": None, "g": 42, "read": bytearray(b"hi")}
    assert ex["memory"].read(store, 0, 2) == bytearray(b"hi")


def test_caller_reenters_wasm(wasmtime):
    def fn(caller, x):
        if x == 0:
            return 100
        return 1 + ex["callf"](caller, x - 1)

    store, ex = make_caller_instance(wasmtime, fn)
    assert ex["callf"](store, 5) == 105


def test_caller_is_invalid_after_return(wasmtime):
    saved = []

    def fn(caller, x):
        saved.append(caller)
        return x

    store, ex = make_caller_instance(wasmtime, fn)
    assert ex["callf"](store, 4) == 4
    assert saved[-1].get("memory") is None
    with pytest.raises(ValueError, match="caller is no longer valid"):
        ex["callf"](saved[-1], 4)


def test_caller_of_direct_host_call_has_no_exports(wasmtime):
    seen = []

    def fn(caller, x):
        seen.append(caller.get("memory"))
        return x

    store = wasmtime.Store()
    i32 = wasmtime.ValType.i32()
    f = wasmtime.Func(store, wasmtime.FuncType([i32], [i32]), fn, access_caller=True)
    assert f(store, 7) == 7
    assert seen == [None]
