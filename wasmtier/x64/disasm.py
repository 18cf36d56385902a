"""Disassembly with iced-x86, for filetests, `wasmtier explore` and debugging.

One line per instruction: `offset: hex bytes  text`, Intel syntax, hex
immediates and branch targets as absolute addresses (relative to `address`).
Bytes that do not decode come out as `(bad)` lines (iced-x86 decides how many
bytes each covers), so a listing always accounts for every byte of the input.
Memory operand sizes are printed only where the registers leave them open
(`dword ptr [rdi]` but `mov [r12+8], ax`).
"""

from __future__ import annotations

from iced_x86 import Code, Decoder, Formatter, FormatterSyntax

__all__ = ["disassemble", "disassemble_text"]

_BYTES_COLUMN = 2 * 10 + 9          # ten bytes with separating spaces


def _formatter() -> Formatter:
    f = Formatter(FormatterSyntax.INTEL)
    f.hex_prefix = "0x"
    f.hex_suffix = ""
    f.uppercase_hex = False
    f.space_after_operand_separator = True
    f.first_operand_char_index = 0
    f.branch_leading_zeros = False
    f.leading_zeros = False
    return f


def disassemble(code: bytes, address: int = 0) -> list[str]:
    """Decode all of `code` (loaded at `address`) into one string per instruction."""
    fmt = _formatter()
    dec = Decoder(64, code, ip=address)
    lines = []
    for ins in dec:
        start = ins.ip - address
        raw = code[start:start + ins.len]
        text = "(bad)" if ins.code == Code.INVALID else fmt.format(ins)
        lines.append(f"{ins.ip:8x}: {raw.hex(' '):<{_BYTES_COLUMN}} {text}")
    return lines


def disassemble_text(code: bytes, address: int = 0) -> str:
    return "\n".join(disassemble(code, address)) + "\n"
