"""Control frames: block, loop, if/else and the function body.

Design (Winch's `codegen/control.rs`)
-------------------------------------
Every merge point sees the canonical state: all value-stack entries in their
own frame slots (context.py).  So a control frame only has to remember the
stack *height* below its params and which label a branch jumps to:

    kind   branch target   values a branch carries   label
    -----  --------------  ------------------------  --------------------------
    block  end             results                   end (bound at `end`)
    if     end             results                   end; `else_` for false
    loop   header          params                    header (bound at entry)
    func   return          results                   epilogue (return path)

Entering block/loop/if spills everything (so values below the height can
never be in a register on one path and in a slot on another).  A branch
spills everything, copies its values from the top slots to slots
[height, height + n) of the target (`Context.move_top_to`) and jumps.  A
block's end binds its label with exactly `height + len(results)` SLOT
entries.

`if` with params: both arms start from the same spilled params in slots
[height, height + n).  The then-arm may overwrite those slots, but only on
executions that never reach the else-arm (the false path jumps straight to
`else`), so the else-arm resets the compile-time stack to n SLOT entries and
reads the originals.

Unreachable code (after br, br_table, return, unreachable): the stack is cut
to the frame's height and only control operators are visited (a nesting
counter skips whole nested blocks), so the control stack stays balanced
without generating code.  `else`/`end` of the frame restore the state the
frame's type dictates.  A block end is reachable if its fall-through was or
a branch targeted it; a loop end only if its fall-through was.

Loop headers are where OSR enters: at the header every local and every
value-stack entry is in its frame slot, and `osr_maps[loop wasm offset]`
records that layout (frame.py: slot offsets and types).
"""

from __future__ import annotations

from ..wasm.types import ValType

__all__ = ["ControlFrame", "BLOCK", "LOOP", "IF", "FUNC"]

BLOCK, LOOP, IF, FUNC = "block", "loop", "if", "func"


class ControlFrame:
    __slots__ = ("kind", "params", "results", "height", "label", "else_label",
                 "reachable_at_entry", "targeted", "has_else", "offset")

    def __init__(self, kind: str, params: tuple[ValType, ...], results: tuple[ValType, ...],
                 height: int, label: int, reachable_at_entry: bool, offset: int):
        self.kind = kind
        self.params = params
        self.results = results
        self.height = height
        self.label = label
        self.else_label = None
        self.reachable_at_entry = reachable_at_entry
        self.targeted = False
        self.has_else = False
        self.offset = offset

    @property
    def branch_types(self) -> tuple[ValType, ...]:
        """Types of the values a branch to this frame carries."""
        return self.params if self.kind == LOOP else self.results

    def __repr__(self) -> str:
        return f"<{self.kind} h={self.height} {self.params}->{self.results}>"
