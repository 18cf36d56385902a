"""x86-64 machine layer: registers, encoder, System V ABI facts, disassembly,
executable code memory.

Imports nothing of wasmtier (it sits at the bottom of the import order).

    registers.py   Reg (int subclass: rax..r15 = 0..15, xmm0..15 = 16..31), RegSet
    encoding.py    the encoding table: one row per machine form (single source)
    encoder.py     Assembler generated from the table; Mem, Cond, labels, fixups
    abi.py         System V argument/result/callee-saved facts, reserved registers
    disasm.py      iced-x86 based disassembler for filetests and `explore`
    codememory.py  W^X code memory (CodeMemory) and patchable JumpTable slots
"""

from .encoder import Assembled, Assembler, Cond, EncodingError, Mem
from .registers import *  # noqa: F401,F403  (register constants, Reg, RegSet)
from .registers import __all__ as _reg_all

__all__ = ["Assembler", "Assembled", "Cond", "EncodingError", "Mem", *_reg_all]
