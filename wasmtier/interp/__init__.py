"""Tier 0: register-bytecode translation and the numba interpreter loop."""
