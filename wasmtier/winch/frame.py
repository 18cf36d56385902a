"""Frame layout and parameter ABI of tier-1 functions.

Native ABI (ARCHITECTURE.md): System V with two leading pointer arguments,
`f(callee_vmctx, caller_vmctx, params...)`; integer params in rdx, rcx, r8,
r9 then the stack, float params in xmm0..xmm7 then the stack; one result in
rax or xmm0.  A function with several results takes a hidden last integer
argument, the address of a return area of 8-byte words, and stores every
result there (raw slot bits: i32/f32 in the low 4 bytes); rax is then
undefined.  (ARCHITECTURE.md says "first result in rax/xmm0, further
results through a return area"; all through the area keeps one path.)
The callee's vmctx moves to r14 (pinned) for the whole body.

Frame (8-byte slots, rbp-relative; rbp is the frame pointer):

        higher addresses
      +-------------------------------+
      | stack params (8 bytes each)   |  [rbp + 16 + k]   (ArgLoc.stack = k)
      +-------------------------------+
      | return address                |  [rbp + 8]
      | saved rbp                     |  [rbp]  <- rbp
      +-------------------------------+
      | local 0 (params first)        |  [rbp - 8]
      | local 1                       |  [rbp - 16]
      | ...                           |
      | local L-1                     |  [rbp - 8*L]
      | return-area pointer           |  [rbp - 8*(L+1)]  (several results only)
      +-------------------------------+
      | stack slot 0                  |  [rbp - 8*(L+E+1)] value-stack entry 0 (E: 1
      |                               |  with a return-area pointer, else 0)
      | stack slot 1                  |
      | ...  (max_depth slots)        |
      +-------------------------------+
      | saved r14, rbx, r12, r13, r15 |  only those the body uses (+ r14 always)
      | (padding to 16 bytes)         |  <- rsp   (rsp % 16 == 0)
      +-------------------------------+
        lower addresses

Invariants
----------
- Slot addresses of locals and of value-stack entries are fixed by index and
  known while the body is emitted; only the size of the stack-slot area
  (the deepest spill, `max_depth`) and the callee-saved save area are known
  at the end.  That is why the prologue and epilogue are emitted *after* the
  body (compile.py): the native entry is a tail stub that builds the frame,
  saves callee-saved registers, checks the stack limit, moves params into
  their local slots, zeroes the declared locals and jumps to the body.
- Every slot holds one value: i64/f64 all 8 bytes; i32/f32 only the low 4
  bytes are meaningful (the upper 4 are undefined).  This is also the layout
  of the OSR maps (slot offset + type), so an OSR transfer must normalise
  i32 to the interpreter's sign-extended convention.
- rsp stays 16-byte aligned for the whole body (no pushes after the prologue).
"""

from __future__ import annotations

from ..wasm.types import ValType
from ..x64.abi import ArgLoc, assign_args
from ..x64.encoder import Mem
from ..x64.registers import RBP, Reg

__all__ = ["Frame", "param_locs"]

SLOT = 8


def param_locs(params, results=()) -> tuple[list[ArgLoc], int]:
    """Locations of the wasm params (after the two vmctx pointers) and, for a
    type with several results, of the return-area pointer (a last, hidden
    integer argument): (locations, stack argument bytes)."""
    classes = ["i", "i"] + ["f" if t in (ValType.F32, ValType.F64) else "i" for t in params]
    if len(results) > 1:
        classes.append("i")
    locs, stack = assign_args(classes)
    return locs[2:], stack


class Frame:
    def __init__(self, params, locals_, results=()):
        self.params = tuple(params)
        self.local_types = tuple(params) + tuple(locals_)
        self.num_locals = len(self.local_types)
        locs, self.stack_arg_size = param_locs(self.params, results)
        self.param_locs = locs[:len(self.params)]
        # Several results: all of them go to the caller's return area, whose
        # address arrives as a hidden last argument and is kept in the slot
        # right below the locals.
        self.retptr_loc = locs[-1] if len(results) > 1 else None
        self.extra = 1 if self.retptr_loc is not None else 0
        self.retptr = Mem(RBP, disp=-SLOT * (self.num_locals + 1))
        self._local_mems = [Mem(RBP, disp=-SLOT * (i + 1)) for i in range(self.num_locals)]
        self._slot_mems: list[Mem] = []
        self.max_depth = 0

    def local(self, index: int) -> Mem:
        return self._local_mems[index]

    def local_offset(self, index: int) -> int:
        return -SLOT * (index + 1)

    def slot_offset(self, depth: int) -> int:
        return -SLOT * (self.num_locals + self.extra + depth + 1)

    def slot(self, depth: int) -> Mem:
        """Frame slot of value-stack entry `depth` (records the high-water mark)."""
        mems = self._slot_mems
        while len(mems) <= depth:
            mems.append(Mem(RBP, disp=self.slot_offset(len(mems))))
        if depth >= self.max_depth:
            self.max_depth = depth + 1
        return mems[depth]

    def stack_param(self, loc: ArgLoc) -> Mem:
        return Mem(RBP, disp=16 + loc.stack)

    def layout(self, saved: list[Reg]) -> tuple[int, list[tuple[Reg, int]]]:
        """Frame size below rbp, and the rbp offset of each saved register."""
        top = SLOT * (self.num_locals + self.extra + self.max_depth)
        saves = [(r, -(top + SLOT * (i + 1))) for i, r in enumerate(saved)]
        size = top + SLOT * len(saved)
        return -(-size // 16) * 16, saves
