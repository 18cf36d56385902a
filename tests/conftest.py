"""Fixtures shared by the API tests.

`wasmtime` runs a test body twice, once with `wasmtier` and once with the
real wasmtime-py, so a test written as a wasmtime-py user writes it proves
that wasmtier behaves the same; `wasmtier` is for wasmtier-only tests.
"""

from __future__ import annotations

import importlib

import pytest

RUNTIMES = ["wasmtier", "wasmtime"]


@pytest.fixture(params=RUNTIMES)
def wasmtime(request):
    return importlib.import_module(request.param)


@pytest.fixture
def wasmtier():
    return importlib.import_module("wasmtier")
