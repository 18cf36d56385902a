"""Native support for compiled tiers: the C shim (cffi API mode) that enters
JIT code and turns its hardware faults into traps.  See `signals.py` for the
design; `_shim_build.py` builds the extension module (also on demand)."""

from .signals import (  # noqa: F401
    BUILD_COMMAND,
    NativeShimUnavailable,
    call_address,
    call_array,
    ensure_thread,
    handler_is_active,
    install,
    landing_pad_address,
    raise_trap_address,
    register_code_range,
    trap_count,
    trap_pc,
    unregister_code_range,
)

__all__ = [
    "BUILD_COMMAND", "NativeShimUnavailable", "call_address", "call_array",
    "ensure_thread", "handler_is_active", "install", "landing_pad_address",
    "raise_trap_address", "register_code_range", "trap_count", "trap_pc",
    "unregister_code_range",
]
