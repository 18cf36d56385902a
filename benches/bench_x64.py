"""x64 encoder throughput: instructions encoded per second from CPython.

A 12-instruction mix typical of baseline code (loads, ALU with immediates,
stores through fresh SIB memory operands, setcc/movzx, SSE, imul, a
backward jcc).  Target: at least 0.5 M instructions/s.

    pytest benches/bench_x64.py        # pytest-benchmark
    python benches/bench_x64.py        # prints M instructions/s (best of 5)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from wasmtier.x64.encoder import Assembler, Cond, Mem  # noqa: E402
from wasmtier.x64.registers import (R9, R10, R12, RAX, RBP, RCX, RDX, RSI,  # noqa: E402
                                    RSP, XMM0, XMM1, XMM9)

BATCH = 5000


def encode_mix(n: int = BATCH) -> int:
    a = Assembler()
    m1, m2 = Mem(RSP, disp=16), Mem(RBP, disp=-8)
    lab = a.new_label()
    a.bind(lab)
    for _ in range(n):
        a.mov_rm(RAX, m1)
        a.add_rr(RAX, R9, 32)
        a.add_ri(RCX, 5)
        a.mov_mr(Mem(R12, RCX, 8, 0x100), RAX)
        a.cmp_ri(RAX, 1000, 32)
        a.setcc_r(Cond.L, RSI)
        a.movzx8_rr(RAX, RSI, 32)
        a.addsd_xx(XMM0, XMM9)
        a.movsd_xm(XMM1, m2)
        a.imul_rri(RDX, RAX, 7)
        a.jcc(Cond.NE, lab)
        a.shl_ri(R10, 3)
    a.finish()
    return 12 * n


def test_encoder_throughput(benchmark):
    count = benchmark(encode_mix)
    assert count == 12 * BATCH


if __name__ == "__main__":
    best = 0.0
    for _ in range(5):
        t = time.perf_counter()
        n = encode_mix()
        best = max(best, n / (time.perf_counter() - t))
    print(f"x64 encoder: {best / 1e6:.2f} M instructions/s")
