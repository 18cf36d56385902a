"""WASI preview 1 host functions."""
