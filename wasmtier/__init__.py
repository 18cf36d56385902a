"""wasmtier: a tiered WebAssembly runtime for Python.

`import wasmtier as wasmtime` runs programs written for wasmtime-py: the
public names below are re-exported from `wasmtier.api`.
"""

from .api import *  # noqa: F401,F403
from .api import __all__  # noqa: F401

__version__ = "0.1.0"
