"""The fuel cost model every tier charges by (Config.consume_fuel).

Wasmtime's default `OperatorCost`: every executed operator costs 1 except
the free ones below.  wasmtier charges a *region* -- a run of operators
that control enters only at its top -- all at once when it is entered: a
region starts at function entry (which also costs 1, as wasmtime charges
per invocation) and after each operator of `REGION_STARTS` (a loop header,
the then-arm, the else-arm, the join after `end`, a `br_if` fall-through).
Counting the non-free operators of each region this way gives exactly
wasmtime's fuel for every run that does not trap inside a region.  Tier 0
(interp/translate.py) and tier 1 (winch/codegen.py) both use these sets, so
they agree with each other and with wasmtime.
"""

FREE_OPERATORS = frozenset(("nop", "drop", "block", "loop", "else", "end", "return",
                            "unreachable"))
REGION_STARTS = frozenset(("loop", "if", "else", "end", "br_if"))
