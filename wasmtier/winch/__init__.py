"""Tier 1: a Winch-style single-pass baseline compiler (wasm function -> x86-64).

Module map (one abstraction each, see their docstrings):

    regalloc.py   bitmask register allocator; spills the whole value stack when empty
    stack.py      ValueStack: lazy constants, locals, registers and frame slots
    frame.py      frame layout (saved rbp, locals, value-stack slots, saves) and param ABI
    masm.py       MacroAssembler: what the compiler wants, over x64.Assembler
    control.py    control frames (block/loop/if/else): stack state at entry and exit
    context.py    Context: register set + value stack + frame + masm
    codegen.py    the operator visitor (CodeGen): integers, control flow, memory, refs,
                  fuel regions and epoch checks
    floats.py     floating-point operators and conversions
    calls.py      calls (direct, indirect, tail) through VMFuncRefs; bulk memory; libcalls
    trampolines.py  per-type callout trampolines (native ABI -> Python) and the raise path
    compile.py    compile_function(module, offsets, func_index) -> CompiledFunction:
                  body, epilogue, tail stub, prologue, array entry, OSR entries

The entry point is `compile_function`; everything else is an implementation
detail that the tier manager does not touch.
"""

from .compile import CompiledFunction, compile_function

__all__ = ["CompiledFunction", "compile_function"]
